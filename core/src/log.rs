//! One-line log records on stderr, in Swoole's layout: `[date time $pid.id]\tLEVEL\tmessage`
//! (`$` marks the manager, `*` a worker, `@` a process where no pool runs, e.g. a `listen()` that
//! failed before `start()`). Written with one write(2) so lines of several
//! processes never interleave mid-line.

use std::sync::atomic::{AtomicI64, AtomicU8, Ordering};

use crate::config::LogLevel;

static LEVEL: AtomicU8 = AtomicU8::new(LogLevel::Warning as u8);
/// The worker id this process logs under (-1: the manager; `IDLE`: no pool runs in this process).
/// Kept here, not read from the pool's state, so logging takes no lock and works while any lock
/// is held.
static WORKER_ID: AtomicI64 = AtomicI64::new(IDLE);
/// No pool runs in this process: Swoole's layout marks such a process `@pid.0`.
const IDLE: i64 = -2;

/// Set when a worker starts (None in the manager).
pub fn set_worker_id(id: Option<usize>) {
    WORKER_ID.store(id.map_or(-1, |id| id as i64), Ordering::Relaxed);
}

/// Set when the manager's run ends: the process is no pool's any more.
pub fn set_idle() {
    WORKER_ID.store(IDLE, Ordering::Relaxed);
}

pub fn set_level(level: LogLevel) {
    LEVEL.store(level as u8, Ordering::Relaxed);
}

pub fn enabled(level: LogLevel) -> bool {
    level != LogLevel::Off && level as u8 <= LEVEL.load(Ordering::Relaxed)
}

pub fn write(level: LogLevel, message: &str) {
    if !enabled(level) {
        return;
    }
    let tag = match level {
        LogLevel::Info => "INFO",
        _ => "WARNING",
    };
    let (marker, id) = match WORKER_ID.load(Ordering::Relaxed) {
        IDLE => ('@', 0),
        -1 => ('$', -1),
        id => ('*', id),
    };
    let line = format!(
        "[{} {}{}.{}]\t{}\t{}\n",
        timestamp(),
        marker,
        std::process::id(),
        id,
        tag,
        message
    );
    // SAFETY: writing a buffer we own to fd 2.
    unsafe { libc::write(2, line.as_ptr().cast(), line.len()) };
}

fn timestamp() -> String {
    // SAFETY: time/localtime_r/strftime write only into the locals given to them.
    unsafe {
        let now = libc::time(std::ptr::null_mut());
        let mut tm: libc::tm = std::mem::zeroed();
        libc::localtime_r(&now, &mut tm);
        let mut buf = [0u8; 32];
        let n = libc::strftime(buf.as_mut_ptr().cast(), buf.len(), c"%Y-%m-%d %H:%M:%S".as_ptr(), &tm);
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }
}

macro_rules! warning {
    ($($arg:tt)*) => { $crate::log::write($crate::config::LogLevel::Warning, &format!($($arg)*)) };
}
macro_rules! info {
    ($($arg:tt)*) => {
        if $crate::log::enabled($crate::config::LogLevel::Info) {
            $crate::log::write($crate::config::LogLevel::Info, &format!($($arg)*))
        }
    };
}
pub(crate) use {info, warning};
