//! Parsing of the scenario binaries' output lines.

/// Parses `<kind> <id> <pid> ...`.
pub fn event(line: &str, kind: &str) -> Option<(usize, i32)> {
    let mut parts = line.split_whitespace();
    if parts.next()? != kind {
        return None;
    }
    let id = parts.next()?.parse().ok()?;
    let pid = parts.next()?.parse().ok()?;
    Some((id, pid))
}

/// A log record of the manager or a worker (`[date $pid.id]\tLEVEL\t...`).
pub fn is_log(line: &str) -> bool {
    line.starts_with('[')
}
