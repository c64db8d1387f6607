//! The warning a C callback's failure (a non-zero return) leaves on stderr. It uses the layout of
//! the core's own log lines, `[date time $pid.-1]\tWARNING\tmessage` in the manager and
//! `[date time *pid.id]\tWARNING\tmessage` in worker `id`, written with one write(2) so that lines of
//! several processes never interleave mid-line, and honours the same level: the pool's
//! (`procpool_pool_set_log_level`), overridden by the `PROCPOOL_LOG` environment variable. (The core's
//! logger is private to it; this is the C adapter's copy of its format.)

use procpool::{Context, LogLevel};

/// The level the running pool logs at: the configured one unless `PROCPOOL_LOG=off|warning|info`
/// overrides it, as the core decides it at start.
pub(crate) fn effective_level(configured: LogLevel) -> LogLevel {
    std::env::var("PROCPOOL_LOG")
        .ok()
        .and_then(|text| LogLevel::parse(&text))
        .unwrap_or(configured)
}

/// Writes one warning line on stderr, unless `level` is `LogLevel::Off`.
pub(crate) fn warning(level: LogLevel, message: &str) {
    if level == LogLevel::Off {
        return;
    }
    let line = line(&timestamp(), std::process::id(), Context.worker_id(), message);
    // SAFETY: writing a buffer we own to fd 2.
    unsafe { libc::write(2, line.as_ptr().cast(), line.len()) };
}

fn line(timestamp: &str, pid: u32, worker_id: Option<usize>, message: &str) -> String {
    let (marker, id) = match worker_id {
        Some(id) => ('*', id as i64),
        None => ('$', -1),
    };
    format!("[{timestamp} {marker}{pid}.{id}]\tWARNING\t{message}\n")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_of_the_core() {
        assert_eq!(
            line("2024-01-02 03:04:05", 42, None, "the Start callback failed"),
            "[2024-01-02 03:04:05 $42.-1]\tWARNING\tthe Start callback failed\n"
        );
        assert_eq!(line("t", 7, Some(3), "m"), "[t *7.3]\tWARNING\tm\n");
        let stamp = timestamp();
        assert_eq!(stamp.len(), "2024-01-02 03:04:05".len(), "{stamp}");
    }
}
