//! `Process::signal()` in coroutine mode: the C handler only records the signal and writes a byte to a
//! self-pipe (both async-signal-safe); the worker's loop polls the pipe's read end and then runs the
//! PHP callback, in a coroutine of its own, as Swoole's reactor does.

use std::os::fd::RawFd;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};

/// Signals 1..=64 caught and not yet dispatched, one bit each.
static PENDING: AtomicU64 = AtomicU64::new(0);
/// The pipe the handler writes to: (read end, write end), -1 before `open()`.
static PIPE_READ: AtomicI32 = AtomicI32::new(-1);
static PIPE_WRITE: AtomicI32 = AtomicI32::new(-1);

/// The highest signal number the kernel knows (SIGRTMAX on Linux).
pub const MAX_SIGNO: i32 = 64;

extern "C" fn on_signal(signo: libc::c_int) {
    if (1..=MAX_SIGNO).contains(&signo) {
        PENDING.fetch_or(1u64 << (signo - 1), Ordering::SeqCst);
    }
    let fd = PIPE_WRITE.load(Ordering::SeqCst);
    if fd >= 0 {
        // SAFETY: errno is saved and restored around write(2), which is async-signal-safe; a full
        // pipe (EAGAIN) already holds a wake-up byte.
        unsafe {
            let saved = *libc::__errno_location();
            libc::write(fd, [1u8].as_ptr().cast(), 1);
            *libc::__errno_location() = saved;
        }
    }
}

/// Makes the self-pipe (once per process; a forked worker makes its own).
pub fn open() -> std::io::Result<RawFd> {
    close();
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills the array.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    PIPE_READ.store(fds[0], Ordering::SeqCst);
    PIPE_WRITE.store(fds[1], Ordering::SeqCst);
    PENDING.store(0, Ordering::SeqCst);
    Ok(fds[0])
}

/// Closes the pipe of an earlier `open()` (e.g. one a forked worker inherited).
pub fn close() {
    for end in [&PIPE_WRITE, &PIPE_READ] {
        let fd = end.swap(-1, Ordering::SeqCst);
        if fd >= 0 {
            // SAFETY: closing the pipe end this module opened; it is marked -1 first.
            unsafe { libc::close(fd) };
        }
    }
}

/// The read end the loop polls, if the pipe is open.
pub fn read_fd() -> Option<RawFd> {
    let fd = PIPE_READ.load(Ordering::SeqCst);
    (fd >= 0).then_some(fd)
}

/// Empties the pipe and returns the signals caught since the last call (bit n-1 for signal n).
pub fn take_pending() -> u64 {
    if let Some(fd) = read_fd() {
        let mut buf = [0u8; 64];
        // SAFETY: reading into our own buffer from the non-blocking pipe.
        while unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) } > 0 {}
    }
    PENDING.swap(0, Ordering::SeqCst)
}

/// What a signal does.
#[derive(Clone, Copy)]
pub enum Action {
    /// Record it for the loop (a PHP callback is registered).
    Catch,
    /// SIG_IGN.
    Ignore,
}

/// Installs `action` for `signo`; returns the disposition it replaced (to restore later).
pub fn install(signo: i32, action: Action) -> std::io::Result<libc::sigaction> {
    // SAFETY: a zeroed sigaction is a valid "no flags, empty mask" value; sigaction(2) reads the new
    // one and writes the old one into our locals. No SA_RESTART: a blocking call in PHP code returns
    // EINTR, as with pcntl_signal().
    unsafe {
        let mut new: libc::sigaction = std::mem::zeroed();
        new.sa_sigaction = match action {
            Action::Catch => on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t,
            Action::Ignore => libc::SIG_IGN,
        };
        libc::sigemptyset(&mut new.sa_mask);
        let mut old: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(signo, &new, &mut old) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        // A signal the manager left blocked would never arrive.
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, signo);
        libc::sigprocmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        Ok(old)
    }
}

/// Puts back a disposition `install` returned.
pub fn restore(signo: i32, old: &libc::sigaction) {
    // SAFETY: `old` is a sigaction the kernel wrote for this signal.
    unsafe { libc::sigaction(signo, old, std::ptr::null_mut()) };
    PENDING.fetch_and(!(1u64 << (signo - 1)), Ordering::SeqCst);
}
