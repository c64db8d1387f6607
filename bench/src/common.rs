//! Helpers shared by unixsock_bench and msgqueue_bench (socket_bench predates them and keeps its own).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_string())
}

pub fn die(prog: &str, msg: &str) -> ! {
    eprintln!("{prog}: {msg}");
    std::process::exit(2);
}

pub fn parse_num(prog: &str, what: &str, v: &str) -> usize {
    v.parse()
        .unwrap_or_else(|_| die(prog, &format!("{what}: '{v}' is not a number")))
}

/// One option: short flag (or ""), long flag, environment variable, default value.
pub type OptSpec = (&'static str, &'static str, &'static str, &'static str);

/// Parses `args` against `specs`; returns the values in the order of `specs`. `-h`/`--help`
/// prints `usage` and exits.
pub fn parse_args(prog: &str, usage: &str, args: &[String], specs: &[OptSpec]) -> Vec<String> {
    let mut values: Vec<String> = specs.iter().map(|(_, _, env, default)| env_or(env, default)).collect();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if arg == "-h" || arg == "--help" {
            print!("{usage}");
            std::process::exit(0);
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let Some(i) = specs
            .iter()
            .position(|(s, l, _, _)| (!s.is_empty() && *s == flag) || *l == flag)
        else {
            die(prog, &format!("unknown option '{arg}'\n{usage}"));
        };
        values[i] = match inline {
            Some(v) => v,
            None => it
                .next()
                .cloned()
                .unwrap_or_else(|| die(prog, &format!("{flag} needs a value"))),
        };
    }
    values
}

pub fn default_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

pub fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// CLOCK_MONOTONIC in ns: the clock PHP's hrtime(true) and the C workers use, comparable across
/// processes of the machine.
pub fn mono_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime fills the struct.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// CPU time (ns) used so far by a process: the first field of /proc/PID/schedstat.
pub fn cpu_ns_of(pid: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/schedstat"))
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

/// CPU time in ns used so far by `pid` and its direct children (a pool's manager and workers).
pub fn tree_cpu_ns(pid: u32) -> u64 {
    let mut total = cpu_ns_of(&pid.to_string());
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for entry in dir.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{name}/stat")) else {
                continue;
            };
            // pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'.
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u32>().ok());
            if ppid == Some(pid) {
                total += cpu_ns_of(&name);
            }
        }
    }
    total
}

/// Compiles a bench C file against include/procpool.h and libprocpool.so into LIB_DIR/bench/EXE.
/// Err explains why the C ABI target is skipped.
pub fn build_c(root: &Path, lib_dir: &Path, source: &str, exe_name: &str) -> Result<PathBuf, String> {
    let header = root.join("include/procpool.h");
    let so = lib_dir.join("libprocpool.so");
    for f in [&header, &so] {
        if !f.exists() {
            return Err(format!("{} is missing", f.display()));
        }
    }
    let out_dir = lib_dir.join("bench");
    std::fs::create_dir_all(&out_dir).map_err(|e| format!("mkdir {}: {e}", out_dir.display()))?;
    let exe = out_dir.join(exe_name);
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let output = Command::new(&cc)
        .args(["-O2", "-Wall", "-Wextra", "-o"])
        .arg(&exe)
        .arg(root.join(source))
        .arg("-I")
        .arg(root.join("include"))
        .arg("-L")
        .arg(lib_dir)
        .arg(format!("-Wl,-rpath,{}", lib_dir.display()))
        .arg("-lprocpool")
        .output()
        .map_err(|e| format!("cannot run {cc}: {e}"))?;
    if !output.status.success() {
        let err = String::from_utf8_lossy(&output.stderr);
        let first: Vec<&str> = err
            .lines()
            .filter(|l| l.contains("error") || l.contains("undefined"))
            .take(3)
            .collect();
        return Err(format!(
            "{source} does not compile/link against include/procpool.h + libprocpool.so: {}",
            first.join(" | ")
        ));
    }
    Ok(exe)
}

/// Why the PHP target cannot run, if it cannot.
pub fn php_unavailable(php: &str, lib_dir: &Path) -> Option<String> {
    let so = lib_dir.join("libprocpool_php.so");
    let php_ok = Command::new(php)
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !so.exists() {
        Some(format!("{} is missing", so.display()))
    } else if !php_ok {
        Some(format!("'{php}' does not run"))
    } else {
        None
    }
}

/// "x.xx" ratio check against a goal; pushes a miss description.
pub fn goal_text(name: &str, what: &str, ratio: f64, goal: Option<f64>, misses: &mut Vec<String>) -> String {
    match goal {
        None => String::new(),
        Some(g) if ratio <= g => format!("<= {g:.2}x: met"),
        Some(g) => {
            misses.push(format!("{name} {what}: {ratio:.2}x > {g:.2}x"));
            format!("<= {g:.2}x: MISSED")
        }
    }
}
