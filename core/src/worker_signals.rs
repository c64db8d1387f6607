//! SIGTERM in a message-mode worker: "finish the message in hand, leave the loop, run WorkerStop,
//! exit 0". The handler only sets a flag and writes one byte to a self-pipe (both async-signal-safe);
//! the worker's loop waits in poll() on its work source and the pipe, so a SIGTERM that lands just
//! before the worker blocks still wakes it. The mask stays empty, so a script's own pcntl_signal()
//! can still replace this handler.

use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, Ordering};

use crate::error::{Error, Result};
use crate::fd::set_nonblocking;

static TERM_REQUESTED: AtomicBool = AtomicBool::new(false);
static WAKE_WRITE: AtomicI32 = AtomicI32::new(-1);
static MANAGER_PID: AtomicI32 = AtomicI32::new(0);
/// Whole seconds an orphaned worker gets to finish (0: no limit).
static ORPHAN_GRACE_SECS: AtomicU32 = AtomicU32::new(0);

extern "C" fn on_term(_signo: libc::c_int) {
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
    // SAFETY: a sigaction without SA_RESTART, so a blocking call in user code returns EINTR.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_term as extern "C" fn(libc::c_int) as libc::sighandler_t;
        libc::sigemptyset(&mut action.sa_mask);
        if libc::sigaction(libc::SIGTERM, &action, std::ptr::null_mut()) != 0 {
            return Err(Error::last_os("sigaction(SIGTERM) in worker"));
        }
    }
    Ok(fds[0])
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
