//! Helpers shared by socket_bench, unixsock_bench and msgqueue_bench: option parsing, the three
//! targets and their subprocesses (C compile step, PHP check, command lines, stopping), the forked
//! baseline processes, CPU time from schedstat, and the statistics / ratio table pieces.

#![allow(dead_code)]

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------
// Options.
// ---------------------------------------------------------------------------------------------

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

/// `--root`, `--lib-dir`, `--php`: the options every bench ends with (see [`Setup::from_values`]).
pub const SETUP_SPECS: [OptSpec; 3] = [
    ("", "--root", "BENCH_ROOT", ""),
    ("", "--lib-dir", "", ""),
    ("", "--php", "PHP", "php"),
];

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

// ---------------------------------------------------------------------------------------------
// The three targets and their subprocesses.
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Target {
    Baseline,
    C,
    Php,
}

impl Target {
    pub fn name(self) -> &'static str {
        match self {
            Target::Baseline => "baseline",
            Target::C => "c-abi",
            Target::Php => "php-ext",
        }
    }

    /// How a skipped target is named.
    pub fn label(self) -> &'static str {
        match self {
            Target::C => "C ABI target",
            t => t.name(),
        }
    }

    /// The goal on the slowdown (baseline rate ÷ target rate); the C ABI's goal is per bench.
    pub fn goal(self, c_goal: f64) -> Option<f64> {
        match self {
            Target::Baseline => None,
            Target::C => Some(c_goal),
            Target::Php => Some(2.0),
        }
    }

    /// A comma list of baseline,c,php; the baseline is always included (ratios need it).
    pub fn parse_list(prog: &str, list: &str) -> Vec<Target> {
        let mut targets: Vec<Target> = list
            .split(',')
            .filter(|t| !t.is_empty())
            .map(|t| match t.trim() {
                "baseline" => Target::Baseline,
                "c" | "c-abi" => Target::C,
                "php" | "php-ext" => Target::Php,
                other => die(prog, &format!("unknown target '{other}' (baseline, c, php)")),
            })
            .collect();
        if !targets.contains(&Target::Baseline) {
            targets.insert(0, Target::Baseline);
        }
        targets.dedup();
        targets
    }
}

/// Where the targets come from: the checkout, the built libraries, the php binary, and (once
/// [`Setup::usable_targets`] compiled it) the C target's executable.
pub struct Setup {
    pub root: PathBuf,
    pub lib_dir: PathBuf,
    pub php: String,
    pub c_exe: Option<PathBuf>,
}

impl Setup {
    /// From the values of [`SETUP_SPECS`] (root, lib-dir, php; empty = the default).
    pub fn from_values(v: &[String]) -> Setup {
        let root = if v[0].is_empty() {
            default_root()
        } else {
            PathBuf::from(&v[0])
        };
        let lib_dir = if v[1].is_empty() {
            root.join("target/release")
        } else {
            PathBuf::from(&v[1])
        };
        Setup {
            root,
            lib_dir,
            php: v[2].clone(),
            c_exe: None,
        }
    }

    /// Compiles the C target (bench/`c_source` into LIB_DIR/bench/`c_exe_name`) and checks PHP;
    /// returns `targets` without those that cannot run, each of which is reported as skipped.
    pub fn usable_targets(&mut self, targets: &[Target], c_source: &str, c_exe_name: &str) -> Vec<Target> {
        let mut targets = targets.to_vec();
        if targets.contains(&Target::C) {
            match build_c(&self.root, &self.lib_dir, c_source, c_exe_name) {
                Ok(exe) => self.c_exe = Some(exe),
                Err(why) => {
                    println!("C ABI target skipped: {why}");
                    targets.retain(|&t| t != Target::C);
                }
            }
        }
        if targets.contains(&Target::Php) {
            if let Some(why) = php_unavailable(&self.php, &self.lib_dir) {
                println!("PHP extension target skipped: {why}");
                targets.retain(|&t| t != Target::Php);
            }
        }
        targets
    }

    /// The command line of a target: this binary with `baseline_flag`, the compiled C file, or
    /// php with the extension and bench/`php_script`; each followed by `args`.
    pub fn command(&self, target: Target, baseline_flag: &str, php_script: &str, args: &[String]) -> Command {
        let mut cmd = match target {
            Target::Baseline => {
                let mut cmd = Command::new(std::env::current_exe().expect("current_exe"));
                cmd.arg(baseline_flag);
                cmd
            }
            Target::C => Command::new(self.c_exe.as_ref().expect("C target built")),
            Target::Php => {
                let mut cmd = Command::new(&self.php);
                cmd.arg("-d")
                    .arg(format!(
                        "extension={}",
                        self.lib_dir.join("libprocpool_php.so").display()
                    ))
                    .arg(self.root.join("bench").join(php_script));
                cmd
            }
        };
        cmd.args(args);
        cmd
    }
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

/// Starts `cmd` in its own process group, stdout piped, stderr inherited.
pub fn spawn_piped(cmd: &mut Command) -> Result<Child, String> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot start: {e}"))
}

/// Stops a target subprocess: SIGTERM, then up to 10 s for it to exit; after that it is told
/// ("the `what` ignored SIGTERM for 10 s; SIGKILL") and SIGKILLed. With `group` (it was spawned by
/// [`spawn_piped`]) its whole process group gets a SIGKILL at the end in any case.
pub fn stop_child(prog: &str, what: &str, child: &mut Child, group: bool) {
    // SAFETY: signalling the child we spawned (still unreaped, so the pid is ours).
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut exited = false;
    loop {
        match child.try_wait() {
            Ok(Some(_)) | Err(_) => {
                exited = true;
                break;
            }
            Ok(None) if Instant::now() > deadline => {
                eprintln!("{prog}: the {what} ignored SIGTERM for 10 s; SIGKILL");
                break;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
    if group {
        // SAFETY: the process group of the child we spawned (ESRCH when it is gone already).
        unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
    } else if !exited {
        let _ = child.kill();
    }
    let _ = child.wait();
}

/// The indices 0..n in the order of round `round` (rotated by one each round), so the targets
/// are interleaved in time on a noisy machine.
pub fn rotated(round: usize, n: usize) -> impl Iterator<Item = usize> {
    (0..n).map(move |k| (k + round) % n)
}

// ---------------------------------------------------------------------------------------------
// The baselines' processes.
// ---------------------------------------------------------------------------------------------

/// Writes all of `text` to stdout with write(2) (no stdio buffer to duplicate at fork).
pub fn say(text: &str) {
    let mut b = text.as_bytes();
    while !b.is_empty() {
        // SAFETY: writing from a live buffer to stdout.
        let n = unsafe { libc::write(1, b.as_ptr().cast(), b.len()) };
        if n <= 0 {
            return;
        }
        b = &b[n as usize..];
    }
}

/// One sendmsg(2) of `a` then `b` (MSG_NOSIGNAL); the raw return value (errno in last_os_error).
pub fn sendmsg2(fd: i32, a: &[u8], b: &[u8]) -> isize {
    let iov = [
        libc::iovec {
            iov_base: a.as_ptr() as *mut _,
            iov_len: a.len(),
        },
        libc::iovec {
            iov_base: b.as_ptr() as *mut _,
            iov_len: b.len(),
        },
    ];
    // SAFETY: an all-zero msghdr is valid (no address, no control data); sendmsg only reads the two
    // iovecs, which point into `a` and `b`, both live for the call.
    unsafe {
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_iov = iov.as_ptr() as *mut _;
        msg.msg_iovlen = 2;
        libc::sendmsg(fd, &msg, libc::MSG_NOSIGNAL)
    }
}

/// The baseline servers' process layout: blocks SIGTERM and SIGINT, forks `workers` children
/// that each run `work(index)` with them unblocked (and then _exit(0)), waits for one of them,
/// passes SIGTERM on to the children and reaps them. Call it single-threaded.
pub fn fork_until_term(prog: &str, workers: usize, work: impl Fn(usize)) {
    // SAFETY: plain libc calls in a single-threaded process (std spawned no threads here).
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGTERM);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        let mut pids = Vec::new();
        for w in 0..workers {
            let pid = libc::fork();
            if pid < 0 {
                die(prog, "fork failed");
            }
            if pid == 0 {
                libc::sigprocmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
                work(w);
                libc::_exit(0);
            }
            pids.push(pid);
        }
        let mut sig = 0;
        libc::sigwait(&set, &mut sig);
        for &pid in &pids {
            libc::kill(pid, libc::SIGTERM);
        }
        for &pid in &pids {
            libc::waitpid(pid, std::ptr::null_mut(), 0);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Time and CPU time.
// ---------------------------------------------------------------------------------------------

/// CLOCK_MONOTONIC in ns: the clock PHP's hrtime(true) and the C workers use, comparable across
/// processes of the machine.
pub fn mono_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime fills the struct.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// CPU time (ns) used so far by a process ("self" or a pid): the first field of
/// /proc/PID/schedstat.
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

// ---------------------------------------------------------------------------------------------
// Statistics and the ratio table.
// ---------------------------------------------------------------------------------------------

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

/// The median of one field over the rounds.
pub fn median_of<R>(rounds: &[R], field: impl Fn(&R) -> f64) -> f64 {
    median(rounds.iter().map(field).collect())
}

/// The `p` percentile (nearest rank) of sorted ns samples, in µs; NaN without samples.
pub fn percentile_us(sorted_ns: &[u64], p: f64) -> f64 {
    if sorted_ns.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted_ns.len() as f64 * p).ceil() as usize).clamp(1, sorted_ns.len()) - 1;
    sorted_ns[i] as f64 / 1000.0
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

/// The line after the table when goals were missed.
pub fn print_misses(misses: &[String]) {
    if !misses.is_empty() {
        println!("\ngoals missed: {}", misses.join("; "));
    }
}
