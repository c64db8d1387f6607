//! What /proc and kill(pid, 0) say about processes.

use std::collections::{HashMap, HashSet};
use std::thread;
use std::time::{Duration, Instant};

/// True while `pid` exists (also as a zombie).
pub fn exists(pid: i32) -> bool {
    // SAFETY: signal 0 only checks for existence.
    let rc = unsafe { libc::kill(pid, 0) };
    !(rc != 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH))
}

/// Waits until `pid` no longer exists at all (reaped); false on timeout.
pub fn wait_gone(pid: i32, timeout: Duration) -> bool {
    let until = Instant::now() + timeout;
    while exists(pid) {
        if Instant::now() >= until {
            return false;
        }
        thread::sleep(Duration::from_millis(10));
    }
    true
}

/// (state, ppid) from /proc/<pid>/stat.
pub fn proc_stat(pid: i32) -> Option<(char, i32)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &text[text.rfind(')')? + 2..];
    let mut parts = after.split_whitespace();
    let state = parts.next()?.chars().next()?;
    let ppid = parts.next()?.parse().ok()?;
    Some((state, ppid))
}

/// The state letter of /proc/<pid>/stat.
pub fn proc_state(pid: i32) -> Option<char> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    text[text.rfind(')')? + 2..].chars().next()
}

/// Pids of the zombie children of `ppid` (a scan of /proc).
pub fn zombie_children(ppid: i32) -> HashSet<i32> {
    let mut out = HashSet::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        if let Some(('Z', parent)) = proc_stat(pid) {
            if parent == ppid {
                out.insert(pid);
            }
        }
    }
    out
}

/// Pids of the live (non-zombie) children of `ppid` (a scan of /proc).
pub fn live_children(ppid: i32) -> HashSet<i32> {
    let mut out = HashSet::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        if let Some((state, parent)) = proc_stat(pid) {
            if parent == ppid && state != 'Z' && state != 'X' {
                out.insert(pid);
            }
        }
    }
    out
}

/// The children of `pid` (single-threaded manager: its main task's list), zombies included.
pub fn children(pid: i32) -> Vec<i32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|s| s.parse().ok())
        .collect()
}

/// fd number → readlink target, from /proc/<pid>/fd.
pub fn open_fds(pid: i32) -> HashMap<i32, String> {
    let mut out = HashMap::new();
    for entry in std::fs::read_dir(format!("/proc/{pid}/fd"))
        .expect("read /proc/<pid>/fd")
        .flatten()
    {
        let Some(fd) = entry.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        if let Ok(target) = std::fs::read_link(entry.path()) {
            out.insert(fd, target.to_string_lossy().into_owned());
        }
    }
    out
}

/// A field of /proc/<pid>/status in kB (e.g. VmPeak).
pub fn proc_status_kb(pid: i32, field: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("read /proc/<pid>/status");
    let line = text
        .lines()
        .find(|l| l.starts_with(field))
        .unwrap_or_else(|| panic!("no {field} in status"));
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}
