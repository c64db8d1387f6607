//! SIGTERM in a message-mode worker: "finish the message in hand, leave the loop, run WorkerStop,
//! exit 0". The handler only sets a flag and writes one byte to a self-pipe (both async-signal-safe);
//! the worker's loop waits in poll() on its work source and the pipe, so a SIGTERM that lands just
//! before the worker blocks still wakes it. The mask stays empty, so a script's own handler
//! (`pcntl_signal()`, `sigaction()`) can be installed as in a plain process.
//!
//! A script's handler must not take the pool's stop away (Swoole's worker still stops gracefully
//! when a script installed its own SIGTERM handler): `reclaim()` puts the pool's handler back and
//! keeps the script's as the next in line, so a SIGTERM first sets the pool's flag and then runs
//! the script's handler too. The PHP extension calls it right after every `pcntl_signal()`, and the
//! worker after `WorkerStart` returns.

use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, AtomicU8, AtomicUsize, Ordering};

use crate::error::{Error, Result};
use crate::fd::set_nonblocking;

static TERM_REQUESTED: AtomicBool = AtomicBool::new(false);
static WAKE_WRITE: AtomicI32 = AtomicI32::new(-1);
static MANAGER_PID: AtomicI32 = AtomicI32::new(0);
/// Whole seconds an orphaned worker gets to finish (0: no limit).
static ORPHAN_GRACE_SECS: AtomicU32 = AtomicU32::new(0);
/// Whether this process installed the pool's SIGTERM handler (a message-mode worker).
static INSTALLED: AtomicBool = AtomicBool::new(false);
/// The script's own SIGTERM handler, run after the pool's: its kind (`CHAIN_*`) and address.
static CHAIN_KIND: AtomicU8 = AtomicU8::new(CHAIN_NONE);
static CHAIN_HANDLER: AtomicUsize = AtomicUsize::new(0);

/// No handler of the script's (or SIG_DFL / SIG_IGN, which the pool's stop overrides).
const CHAIN_NONE: u8 = 0;
/// `void handler(int)`.
const CHAIN_PLAIN: u8 = 1;
/// `void handler(int, siginfo_t *, void *)` (SA_SIGINFO), as PHP's pcntl installs.
const CHAIN_SIGINFO: u8 = 2;

extern "C" fn on_term(signo: libc::c_int, info: *mut libc::siginfo_t, context: *mut libc::c_void) {
    let first = !TERM_REQUESTED.swap(true, Ordering::SeqCst);
    // SAFETY: getppid and alarm are async-signal-safe. The manager died (this SIGTERM is the
    // parent-death signal): nobody will SIGKILL this worker after max_wait_time, so it arms its own
    // SIGALRM (default action: terminate) for that.
    unsafe {
        let grace = ORPHAN_GRACE_SECS.load(Ordering::SeqCst);
        if first && grace > 0 && libc::getppid() != MANAGER_PID.load(Ordering::SeqCst) {
            libc::alarm(grace);
        }
    }
    let fd = WAKE_WRITE.load(Ordering::SeqCst);
    if fd >= 0 {
        // SAFETY: errno is saved and restored around write(2), which is async-signal-safe.
        unsafe {
            let saved = *libc::__errno_location();
            libc::write(fd, [1u8].as_ptr().cast(), 1);
            *libc::__errno_location() = saved;
        }
    }
    let handler = CHAIN_HANDLER.load(Ordering::SeqCst);
    match CHAIN_KIND.load(Ordering::SeqCst) {
        CHAIN_PLAIN if handler != 0 => {
            // SAFETY: `handler` is the sa_handler the script installed (not SIG_DFL/SIG_IGN, see
            // reclaim), called as the kernel would have called it.
            let f: extern "C" fn(libc::c_int) = unsafe { std::mem::transmute(handler) };
            f(signo);
        }
        CHAIN_SIGINFO if handler != 0 => {
            // SAFETY: `handler` is the SA_SIGINFO sa_sigaction the script installed; it gets the
            // kernel's own siginfo and context.
            let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                unsafe { std::mem::transmute(handler) };
            f(signo, info, context);
        }
        _ => {}
    }
}

/// The pool's own action: SA_SIGINFO (to hand the siginfo on to a chained handler) and no
/// SA_RESTART, so a blocking call in user code (msgrcv, a read) returns EINTR.
fn set_own_action() -> std::io::Result<()> {
    // SAFETY: a zeroed sigaction is valid; the handler only does async-signal-safe work.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction =
            on_term as extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) as libc::sighandler_t;
        action.sa_flags = libc::SA_SIGINFO;
        libc::sigemptyset(&mut action.sa_mask);
        if libc::sigaction(libc::SIGTERM, &action, std::ptr::null_mut()) != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Installs the handler; returns the read end of the wake pipe for the worker's poll(). A worker
/// orphaned by its manager's death ends at most `max_wait` after its SIGTERM (0: no limit).
pub(crate) fn install(manager_pid: i32, max_wait: std::time::Duration) -> Result<RawFd> {
    MANAGER_PID.store(manager_pid, Ordering::SeqCst);
    let grace = if max_wait.is_zero() {
        0
    } else {
        max_wait.as_secs_f64().ceil().clamp(1.0, f64::from(u32::MAX)) as u32
    };
    ORPHAN_GRACE_SECS.store(grace, Ordering::SeqCst);
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills the array.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(Error::last_os("pipe2 (worker wake pipe)"));
    }
    set_nonblocking(fds[0])?;
    set_nonblocking(fds[1])?;
    WAKE_WRITE.store(fds[1], Ordering::SeqCst);
    CHAIN_KIND.store(CHAIN_NONE, Ordering::SeqCst);
    set_own_action().map_err(|source| Error::System {
        what: "sigaction(SIGTERM) in worker".into(),
        source,
    })?;
    INSTALLED.store(true, Ordering::SeqCst);
    Ok(fds[0])
}

/// In a message-mode worker: if SIGTERM's action is no longer the pool's (a script installed its
/// own handler), puts the pool's back and keeps the script's handler to run after it. SIG_DFL and
/// SIG_IGN are not kept: the pool's graceful stop replaces them. Nothing happens elsewhere.
pub(crate) fn reclaim() {
    if !INSTALLED.load(Ordering::SeqCst) {
        return;
    }
    // SAFETY: a zeroed sigaction is valid; sigaction(2) with a null new action only reads.
    let mut current: libc::sigaction = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    if unsafe { libc::sigaction(libc::SIGTERM, std::ptr::null(), &mut current) } != 0 {
        return;
    }
    let own = on_term as extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) as libc::sighandler_t;
    if current.sa_sigaction == own {
        return;
    }
    let handler = current.sa_sigaction;
    let kind = if handler == libc::SIG_DFL || handler == libc::SIG_IGN {
        CHAIN_NONE
    } else if current.sa_flags & libc::SA_SIGINFO != 0 {
        CHAIN_SIGINFO
    } else {
        CHAIN_PLAIN
    };
    // The kind goes to NONE first, so a SIGTERM landing in between never pairs the new address
    // with the old kind.
    CHAIN_KIND.store(CHAIN_NONE, Ordering::SeqCst);
    CHAIN_HANDLER.store(handler, Ordering::SeqCst);
    CHAIN_KIND.store(kind, Ordering::SeqCst);
    let _ = set_own_action();
}

/// A detached process: a later SIGTERM is its own business, not an orphan's deadline.
pub(crate) fn forget_manager() {
    ORPHAN_GRACE_SECS.store(0, Ordering::SeqCst);
}

pub(crate) fn term_requested() -> bool {
    TERM_REQUESTED.load(Ordering::SeqCst)
}

/// Empties the wake pipe after poll() reported it readable.
pub(crate) fn drain_wake(read_fd: RawFd) {
    let mut buf = [0u8; 64];
    // SAFETY: reading into our own buffer from a non-blocking pipe.
    while unsafe { libc::read(read_fd, buf.as_mut_ptr().cast(), buf.len()) } > 0 {}
}
