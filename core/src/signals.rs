//! The manager reads its signals from a signalfd: they stay blocked while the pool runs, so no
//! asynchronous handler ever runs Rust, C or PHP code. The mask is restored when the pool ends.

use std::os::fd::{AsRawFd, RawFd};

use nix::sys::signal::{self, SaFlags, SigAction, SigHandler, SigSet, SigmaskHow, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};

use crate::error::{Error, Result};

/// Signals the manager acts on: shutdown (TERM, INT for Ctrl-C, HUP for a closed terminal), reload
/// (USR1, USR2), reaping (CHLD).
pub const MANAGER_SIGNALS: [Signal; 6] = [
    Signal::SIGTERM,
    Signal::SIGINT,
    Signal::SIGHUP,
    Signal::SIGUSR1,
    Signal::SIGUSR2,
    Signal::SIGCHLD,
];

/// Signals whose disposition a worker gets back to default, whatever the embedder had installed.
const WORKER_DEFAULT_SIGNALS: [Signal; 8] = [
    Signal::SIGALRM,
    Signal::SIGTERM,
    Signal::SIGINT,
    Signal::SIGUSR1,
    Signal::SIGUSR2,
    Signal::SIGCHLD,
    Signal::SIGHUP,
    Signal::SIGQUIT,
];

/// The manager's signalfd, and what to put back when the pool ends.
pub struct ManagerSignals {
    fd: SignalFd,
    saved_mask: SigSet,
    /// The embedder's SIGCHLD action. A script that ignores SIGCHLD would make the kernel reap the
    /// workers itself, and the manager would never learn of their deaths, so it is SIG_DFL while
    /// the pool runs.
    saved_sigchld: SigAction,
}

impl ManagerSignals {
    /// Blocks the manager's signals and opens the signalfd that reads them. On failure nothing is
    /// left changed.
    pub fn block() -> Result<ManagerSignals> {
        let mut set = SigSet::empty();
        for sig in MANAGER_SIGNALS {
            set.add(sig);
        }
        let mut saved_mask = SigSet::empty();
        signal::sigprocmask(SigmaskHow::SIG_BLOCK, Some(&set), Some(&mut saved_mask))
            .map_err(|e| Error::from_errno("sigprocmask(SIG_BLOCK)", e))?;
        let fd = match SignalFd::with_flags(&set, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC) {
            Ok(fd) => fd,
            Err(e) => {
                let _ = signal::sigprocmask(SigmaskHow::SIG_SETMASK, Some(&saved_mask), None);
                return Err(Error::from_errno("signalfd", e));
            }
        };
        let default = SigAction::new(SigHandler::SigDfl, SaFlags::empty(), SigSet::empty());
        // SAFETY: SIG_DFL runs no code of ours.
        let saved_sigchld = match unsafe { signal::sigaction(Signal::SIGCHLD, &default) } {
            Ok(saved) => saved,
            Err(e) => {
                let _ = signal::sigprocmask(SigmaskHow::SIG_SETMASK, Some(&saved_mask), None);
                return Err(Error::from_errno("sigaction(SIGCHLD)", e));
            }
        };
        Ok(ManagerSignals {
            fd,
            saved_mask,
            saved_sigchld,
        })
    }

    /// The signalfd, for the manager's poll().
    pub fn raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// Every signal that arrived since the last call (repeats of one signal may merge into one).
    pub fn drain(&self) -> Vec<Signal> {
        let mut out = Vec::new();
        while let Ok(Some(info)) = self.fd.read_signal() {
            if let Ok(sig) = Signal::try_from(info.ssi_signo as i32) {
                out.push(sig);
            }
        }
        out
    }
}

impl Drop for ManagerSignals {
    fn drop(&mut self) {
        // Consume what is still pending (a second SIGTERM, a late SIGCHLD) so that unblocking does not
        // hand it to the embedder's own handlers after start() returned.
        self.drain();
        // SAFETY: puts back the action that was installed before start().
        let _ = unsafe { signal::sigaction(Signal::SIGCHLD, &self.saved_sigchld) };
        let _ = signal::sigprocmask(SigmaskHow::SIG_SETMASK, Some(&self.saved_mask), None);
    }
}

/// In a freshly forked worker, first step: default dispositions, so the worker's own signal
/// handling (e.g. PHP's pcntl_signal) behaves as in a plain process. The manager's signals stay
/// blocked (the mask is inherited) until `unblock_for_worker`, so that a SIGTERM sent right after
/// the fork waits for the worker's own handler instead of killing it half set up.
pub fn reset_for_worker() {
    for sig in WORKER_DEFAULT_SIGNALS {
        // SAFETY: installing SIG_DFL runs no code of ours in signal context.
        let _ = unsafe { signal::signal(sig, SigHandler::SigDfl) };
    }
}

/// In a freshly forked worker, once its handlers are in place: an empty mask.
pub fn unblock_for_worker() {
    let _ = signal::sigprocmask(SigmaskHow::SIG_SETMASK, Some(&SigSet::empty()), None);
}

/// The signal's name ("SIGSEGV"), or "?".
pub fn name(signo: i32) -> &'static str {
    Signal::try_from(signo).map(|s| s.as_str()).unwrap_or("?")
}
