//! Robustness tests against real pools (the `pool-scenario` binary, IPC_NONE, one pool per process in
//! its own process group): crash-loop protection, all workers SIGKILLed at once, fork() failing with
//! EAGAIN. The harness follows tests/rust/lifecycle.rs (stdout and stderr in one pipe, bounded
//! waits, a Drop guard that SIGKILLs the group); in addition every line is stamped with the instant
//! the reader thread received it, so gaps between respawns can be measured.
//!
//! Already covered elsewhere, not repeated here (tests/rust/lifecycle.rs):
//! - a worker ignoring SIGTERM at shutdown: `shutdown_sigkills_workers_that_ignore_sigterm_after_max_wait`
//! - the same at reload: `reload_sigkills_old_workers_that_ignore_sigterm_after_max_wait`
//! - SIGTERM twice and SIGUSR1/SIGUSR2 during shutdown: `reload_and_second_sigterm_during_shutdown_do_nothing`
//!
//! Figures (gaps, fork counts, recovery times) are printed with `eprintln!`; see them with
//! `cargo test -p procpool-core --test robustness -- --nocapture`.

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

#[path = "support/mod.rs"]
mod support;
use support::*;

/// The longest any single expected event may take.
const DEADLINE: Duration = Duration::from_secs(5);

const CRASH_LOOPING: &str = "is crash-looping";

// ---------------------------------------------------------------------------------------------
// The scenario process and its output stream
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
struct Options {
    env: Vec<(String, String)>,
    max_wait: Option<f64>,
    /// Run the scenario as this uid/gid with RLIMIT_NPROC set to `nproc` (needs root).
    as_user: Option<(u32, u64)>,
}

impl Scenario {
    fn spawn(workers: usize, behaviour: &str, opts: Options) -> Scenario {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pool-scenario"));
        cmd.arg(workers.to_string()).arg(behaviour);
        if let Some(w) = opts.max_wait {
            cmd.arg(w.to_string());
        }
        cmd.env("PROCPOOL_LOG", "info")
            .env_remove("POOL_SCENARIO_CRASH_FILE")
            .env_remove("POOL_SCENARIO_CRASH_TIMES")
            .env_remove("POOL_SCENARIO_CRASH_HOW")
            .env_remove("POOL_SCENARIO_CRASH_THRESHOLD")
            .env_remove("POOL_SCENARIO_CRASH_MAX_DELAY");
        for (k, v) in &opts.env {
            cmd.env(k, v);
        }
        if let Some((uid, nproc)) = opts.as_user {
            cmd.uid(uid).gid(uid);
            // SAFETY: only setrlimit, which is async-signal-safe. std switches uid before running
            // this closure, so the (higher) old limit was in force at setuid time and execve is not
            // refused.
            unsafe {
                cmd.pre_exec(move || {
                    let lim = libc::rlimit {
                        rlim_cur: nproc,
                        rlim_max: nproc,
                    };
                    if libc::setrlimit(libc::RLIMIT_NPROC, &lim) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
        Scenario::from_command(cmd, "pool-scenario", ())
    }

    /// Waits for the next line after the cursor that matches `pred`; returns it with the instant it
    /// arrived.
    fn expect_within_at<F: Fn(&str) -> bool>(&mut self, what: &str, timeout: Duration, pred: F) -> (Instant, String) {
        let line = self.expect_within(what, timeout, pred);
        (self.times[self.cursor - 1], line)
    }

    fn expect_at<F: Fn(&str) -> bool>(&mut self, what: &str, pred: F) -> (Instant, String) {
        self.expect_within_at(what, DEADLINE, pred)
    }

    /// Waits for one `worker_start` of each id in 0..n (any order; other ids are passed over);
    /// returns the pids by id.
    fn expect_ids_started(&mut self, n: usize) -> Vec<i32> {
        let mut pids = vec![0; n];
        let mut seen = 0;
        while seen < n {
            let line = self.expect(&format!("worker_start for all {n} ids (have {pids:?})"), |l| {
                event(l, "worker_start").is_some_and(|(i, _)| i < n && pids[i] == 0)
            });
            let (id, pid) = event(&line, "worker_start").unwrap();
            pids[id] = pid;
            seen += 1;
        }
        pids
    }

    fn count_lines<F: Fn(&str) -> bool>(&self, pred: F) -> usize {
        self.lines.iter().filter(|l| pred(l)).count()
    }

    /// (instant received, pid) of every `worker_start` of `id`, in order.
    fn starts_of(&self, id: usize) -> Vec<(Instant, i32)> {
        self.times
            .iter()
            .zip(&self.lines)
            .filter_map(|(t, l)| event(l, "worker_start").filter(|(i, _)| *i == id).map(|(_, p)| (*t, p)))
            .collect()
    }

    /// SIGTERM, `shutdown`, `returned`, exit 0.
    fn shut_down(&mut self) {
        self.signal(libc::SIGTERM);
        self.expect("shutdown", |l| l == "shutdown");
        self.expect("returned", |l| l == "returned");
        let status = self.wait_exit(DEADLINE);
        assert_eq!(
            status.code(),
            Some(0),
            "scenario exit status {status:?} (signal {:?})\n{}",
            status.signal(),
            self.transcript()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// Tasks (threads included, as RLIMIT_NPROC counts them) whose real uid is `uid`.
fn tasks_of_uid(uid: u32) -> u64 {
    let mut n = 0;
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        if entry.file_name().to_str().and_then(|s| s.parse::<i32>().ok()).is_none() {
            continue;
        }
        let Ok(status) = std::fs::read_to_string(entry.path().join("status")) else {
            continue;
        };
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
        };
        if field("Uid:") == Some(uid as u64) {
            n += field("Threads:").unwrap_or(1);
        }
    }
    n
}

/// A crash file for the `crash` behaviour, removed on drop.
struct CrashFile(PathBuf);

impl CrashFile {
    fn new(tag: &str, crashes: u64) -> CrashFile {
        let path = std::env::temp_dir().join(format!("procpool-robustness-{tag}-{}", std::process::id()));
        std::fs::write(&path, crashes.to_string()).unwrap();
        CrashFile(path)
    }

    fn set(&self, crashes: u64) {
        std::fs::write(&self.0, crashes.to_string()).unwrap();
    }

    fn env(&self) -> (String, String) {
        ("POOL_SCENARIO_CRASH_FILE".into(), self.0.to_string_lossy().into_owned())
    }
}

impl Drop for CrashFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn env(k: &str, v: &str) -> (String, String) {
    (k.to_string(), v.to_string())
}

fn gaps(starts: &[(Instant, i32)]) -> Vec<Duration> {
    starts.windows(2).map(|w| w[1].0 - w[0].0).collect()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn fmt_gaps(g: &[Duration]) -> String {
    g.iter()
        .map(|d| format!("{:.0}", ms(*d)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The crash-loop delays of the default policy (threshold 3, first 100 ms, doubling) with a
/// `max` cap, after the 1st, 2nd, ... quick abnormal exit in a row.
fn expected_delay(failure: u32, max: Duration) -> Duration {
    if failure < 3 {
        return Duration::ZERO;
    }
    (Duration::from_millis(100) * (1 << (failure - 3))).min(max)
}

/// Slack for scheduling and fork on a loaded 2-core machine; delays are timers, so a gap is never
/// shorter than its delay, only longer.
const SLACK: Duration = Duration::from_millis(250);

// ---------------------------------------------------------------------------------------------
// 3. crash-loop protection
// ---------------------------------------------------------------------------------------------

#[test]
fn crash_loop_respawns_with_growing_capped_backoff_and_one_warning() {
    let crashes = 7;
    let max = Duration::from_millis(400);
    let file = CrashFile::new("backoff", crashes);
    let mut s = Scenario::spawn(
        2,
        "crash",
        Options {
            env: vec![file.env(), env("POOL_SCENARIO_CRASH_MAX_DELAY", "0.4")],
            ..Default::default()
        },
    );
    s.expect_start();
    // 7 crashes, then the 8th worker 0 stays up.
    s.wait_until("worker 0 started 8 times", Duration::from_secs(10), |s| {
        s.starts_of(0).len() > crashes as usize
    });
    s.gather(Duration::from_millis(600));
    let starts = s.starts_of(0);
    assert_eq!(
        starts.len(),
        crashes as usize + 1,
        "no respawn after the worker stayed up\n{}",
        s.transcript()
    );
    let g = gaps(&starts);
    eprintln!(
        "crash-loop gaps between worker 0 starts (ms): {} (expected delays 0,0,100,200,400,400,400)",
        fmt_gaps(&g)
    );
    for (i, gap) in g.iter().enumerate() {
        let want = expected_delay(i as u32 + 1, max);
        assert!(
            *gap >= want,
            "gap {} = {gap:?} is shorter than the back-off {want:?}: {}",
            i + 1,
            fmt_gaps(&g)
        );
        assert!(
            *gap < want + SLACK,
            "gap {} = {gap:?} is much longer than the back-off {want:?}: {}",
            i + 1,
            fmt_gaps(&g)
        );
    }
    // Growing, then capped: the last three are all near max (not 800 ms, 1.6 s).
    assert!(g[2] < g[3] && g[3] < g[4], "gaps grow: {}", fmt_gaps(&g));
    for gap in &g[4..] {
        assert!(*gap < max + SLACK, "gap capped at max_delay: {}", fmt_gaps(&g));
    }
    // One warning for the burst; each death up to the threshold is a warning, later ones only info.
    let looping: Vec<&String> = s.warnings().into_iter().filter(|l| l.contains(CRASH_LOOPING)).collect();
    assert_eq!(
        looping.len(),
        1,
        "one crash-loop warning per burst: {looping:?}\n{}",
        s.transcript()
    );
    assert!(looping[0].contains("worker#0"), "{}", looping[0]);
    let abnormal_warnings = s
        .warnings()
        .iter()
        .filter(|l| l.contains("abnormal exit") && l.contains("signal=11"))
        .count();
    assert_eq!(abnormal_warnings, 3, "{:?}", s.warnings());
    assert_eq!(
        s.count_lines(|l| l.contains("abnormal exit") && l.contains("signal=11")),
        crashes as usize
    );
    // Worker 1 was never touched.
    assert_eq!(s.starts_of(1).len(), 1);
    s.shut_down();
}

/// Starts a pool whose worker 0 crashes at once for ever, and counts its forks over `period`.
fn forks_of_crashing_worker(threshold: Option<&str>, period: Duration) -> (usize, usize, usize) {
    let file = CrashFile::new(&format!("storm{}", threshold.unwrap_or("default")), 1_000_000_000);
    let mut opts = Options {
        env: vec![file.env()],
        ..Default::default()
    };
    if let Some(t) = threshold {
        opts.env.push(env("POOL_SCENARIO_CRASH_THRESHOLD", t));
    }
    let mut s = Scenario::spawn(1, "crash", opts);
    s.expect_start();
    let (t0, _) = s.expect_at("first worker_start", |l| event(l, "worker_start").is_some());
    s.gather(period.saturating_sub(t0.elapsed()));
    let forks = s.starts_of(0).iter().filter(|(t, _)| *t - t0 <= period).count();
    let looping = s.count_lines(|l| l.contains(CRASH_LOOPING));
    let warnings = s.warnings().len();
    // The manager is still fine: it shuts down on SIGTERM (worker 0 may be between respawns).
    s.shut_down();
    (forks, looping, warnings)
}

#[test]
fn crash_loop_protection_prevents_a_fork_storm_and_threshold_0_turns_it_off() {
    let period = Duration::from_secs(2);
    let (protected, looping, warnings) = forks_of_crashing_worker(None, period);
    let (unprotected, looping_off, warnings_off) = forks_of_crashing_worker(Some("0"), period);
    eprintln!(
        "worker crashing at once for {period:?}: {protected} forks with the default policy ({warnings} warnings), \
         {unprotected} forks with threshold 0 ({warnings_off} warnings)"
    );
    // Default policy: 3 at once, then 100, 200, 400, 800 ms -> about 7 forks in 2 s.
    assert!(
        (5..=9).contains(&protected),
        "{protected} forks in {period:?} with protection"
    );
    assert_eq!(looping, 1);
    assert_eq!(warnings, 4, "3 abnormal-exit warnings + 1 crash-loop warning");
    assert!(
        unprotected >= 50 && unprotected > 5 * protected,
        "{unprotected} forks in {period:?} without protection"
    );
    assert_eq!(looping_off, 0);
    assert!(warnings_off >= unprotected - 1, "threshold 0: every death is a warning");
}

#[test]
fn healthy_worker_resets_the_count_and_a_new_burst_warns_again() {
    let file = CrashFile::new("reset", 4);
    let mut s = Scenario::spawn(
        1,
        "crash",
        Options {
            env: vec![file.env(), env("POOL_SCENARIO_CRASH_MAX_DELAY", "0.4")],
            ..Default::default()
        },
    );
    s.expect_start();
    // Burst 1: 4 crashes (0, 0, 100, 200 ms), then a worker that stays up.
    s.wait_until("5 starts of worker 0", DEADLINE, |s| s.starts_of(0).len() == 5);
    let healthy = s.starts_of(0)[4].1;
    assert_eq!(s.count_lines(|l| l.contains(CRASH_LOOPING)), 1);
    // Stays up past the 1 s window, then dies of a signal nobody in the pool sent.
    s.gather(Duration::from_millis(1200));
    assert!(exists(healthy));
    file.set(4);
    let killed_at = Instant::now();
    send(healthy, libc::SIGKILL);
    s.wait_until("burst 2: 4 more crashes and a healthy worker", DEADLINE, |s| {
        s.starts_of(0).len() == 10
    });
    s.gather(Duration::from_millis(300));
    let starts = s.starts_of(0);
    assert_eq!(starts.len(), 10, "{}", s.transcript());
    let respawn = starts[5].0 - killed_at;
    let g = gaps(&starts[5..]);
    eprintln!(
        "after a healthy worker was SIGKILLed: respawned in {:.1} ms; burst 2 gaps (ms): {}",
        ms(respawn),
        fmt_gaps(&g)
    );
    // The long-lived worker's death did not count: it is replaced at once, and burst 2 starts from
    // zero (two immediate respawns, then 100 ms, 200 ms) with its own warning.
    let zero = Duration::from_millis(100);
    assert!(respawn < zero, "respawn after the healthy worker died took {respawn:?}");
    assert!(g[0] < zero && g[1] < zero, "burst 2 starts from zero: {}", fmt_gaps(&g));
    assert!(
        g[2] >= Duration::from_millis(100) && g[2] < Duration::from_millis(100) + SLACK,
        "{}",
        fmt_gaps(&g)
    );
    assert!(
        g[3] >= Duration::from_millis(200) && g[3] < Duration::from_millis(200) + SLACK,
        "{}",
        fmt_gaps(&g)
    );
    let looping = s.count_lines(|l| l.contains(CRASH_LOOPING));
    assert_eq!(looping, 2, "one warning per burst\n{}", s.transcript());
    assert!(s
        .warnings()
        .iter()
        .any(|l| l.contains(&format!("pid {healthy}")) && l.contains("signal=9")));
    s.shut_down();
}

#[test]
fn non_zero_exit_status_counts_as_a_crash() {
    let file = CrashFile::new("exit1", 3);
    let mut s = Scenario::spawn(
        1,
        "crash",
        Options {
            env: vec![file.env(), env("POOL_SCENARIO_CRASH_HOW", "exit1")],
            ..Default::default()
        },
    );
    s.expect_start();
    s.wait_until("4 starts of worker 0", DEADLINE, |s| s.starts_of(0).len() == 4);
    let g = gaps(&s.starts_of(0));
    assert!(
        g[2] >= Duration::from_millis(100),
        "the 3rd exit 1 in a row is delayed: {}",
        fmt_gaps(&g)
    );
    assert_eq!(s.count_lines(|l| l.contains(CRASH_LOOPING)), 1, "{}", s.transcript());
    assert_eq!(
        s.warnings()
            .iter()
            .filter(|l| l.contains("abnormal exit, status=1, signal=0"))
            .count(),
        3
    );
    s.shut_down();
}

#[test]
fn exit_status_0_is_always_replaced_at_once() {
    // `return`: WorkerStart returns after 50 ms, the worker exits 0. With back-off this would be
    // about 7 forks in 1.5 s (3 at once, then 100, 200, 400, 800 ms).
    let mut s = Scenario::spawn(1, "return", Options::default());
    s.expect_start();
    let (t0, _) = s.expect_at("first worker_start", |l| event(l, "worker_start").is_some());
    s.gather(Duration::from_millis(1500).saturating_sub(t0.elapsed()));
    let starts = s.starts_of(0);
    let g = gaps(&starts);
    let max_gap = g.iter().max().copied().unwrap_or_default();
    eprintln!(
        "exit 0 every 50 ms: {} forks in 1.5 s, largest gap {:.0} ms",
        starts.len(),
        ms(max_gap)
    );
    assert!(
        starts.len() >= 15,
        "{} forks in 1.5 s\n{}",
        starts.len(),
        s.transcript()
    );
    assert!(s.warnings().is_empty(), "{:?}", s.warnings());
    assert_eq!(s.count_lines(|l| l.contains(CRASH_LOOPING)), 0);
    s.shut_down();
}

// ---------------------------------------------------------------------------------------------
// 4. manager robustness
// ---------------------------------------------------------------------------------------------

#[test]
fn sigkill_of_all_workers_at_once_replaces_all_and_the_manager_is_fine() {
    let n = 4;
    let mut s = Scenario::spawn(n, "sleep", Options::default());
    let manager = s.expect_start();
    let mut pids = s.expect_ids_started(n);
    let mut all = pids.clone();
    for round in 0..2 {
        // Workers that lived past the 1 s crash window: their deaths do not count as a crash loop.
        s.gather(Duration::from_millis(1100));
        let t0 = Instant::now();
        for &pid in &pids {
            send(pid, libc::SIGKILL);
        }
        let old = pids.clone();
        s.wait_until(&format!("round {round}: all {n} replaced"), DEADLINE, |s| {
            (0..n).all(|id| s.starts_of(id).iter().any(|(_, p)| !all.contains(p)))
        });
        let mut last = t0;
        for (id, pid) in pids.iter_mut().enumerate() {
            let (t, p) = *s.starts_of(id).iter().find(|(_, p)| !all.contains(p)).unwrap();
            *pid = p;
            last = last.max(t);
        }
        all.extend(&pids);
        eprintln!(
            "round {round}: {n} workers SIGKILLed at once, all replaced within {:.1} ms",
            ms(last - t0)
        );
        for (id, &pid) in old.iter().enumerate() {
            assert!(
                s.warnings()
                    .iter()
                    .any(|l| l.contains(&format!("worker#{id} (pid {pid}) abnormal exit")) && l.contains("signal=9")),
                "warning for worker {id} pid {pid}\n{}",
                s.transcript()
            );
        }
    }
    s.gather(Duration::from_millis(300));
    for (id, &pid) in pids.iter().enumerate() {
        assert_eq!(
            s.starts_of(id).len(),
            3,
            "worker {id} replaced once per round\n{}",
            s.transcript()
        );
        assert!(exists(pid));
    }
    assert_eq!(s.count_lines(|l| l.contains(CRASH_LOOPING)), 0);
    let until = Instant::now() + DEADLINE;
    while !zombie_children(manager).is_empty() {
        assert!(
            Instant::now() < until,
            "zombie children of the manager: {:?}",
            zombie_children(manager)
        );
        thread::sleep(Duration::from_millis(20));
    }
    s.shut_down();
    for pid in all {
        assert!(!exists(pid), "worker {pid} left behind");
    }
}

/// A uid no account uses, so that no other process on the machine counts against its RLIMIT_NPROC.
const NPROC_UID: u32 = 61_234;

#[test]
fn fork_failure_eagain_is_retried_every_second_and_recovers_when_a_slot_frees() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!(
            "SKIPPED fork_failure_eagain_...: needs root to run the pool as uid {NPROC_UID} with a low RLIMIT_NPROC \
             (root itself ignores RLIMIT_NPROC)"
        );
        return;
    }
    let n = 3;
    let existing = tasks_of_uid(NPROC_UID);
    // A process of the same uid holds one unit of the count; its exit lets the last worker start.
    let mut holder = Command::new("sleep")
        .arg("30")
        .uid(NPROC_UID)
        .gid(NPROC_UID)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the holder process");
    struct Reap<'a>(&'a mut Child);
    // Room for: the holder, the manager and n-1 workers. Worker n-1's fork gets EAGAIN.
    let limit = existing + 1 + 1 + (n as u64 - 1);
    let mut s = Scenario::spawn(
        n,
        "sleep",
        Options {
            as_user: Some((NPROC_UID, limit)),
            ..Default::default()
        },
    );
    let holder_guard = Reap(&mut holder);
    impl Drop for Reap<'_> {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    s.expect_start();
    let failed = s.expect("fork failure warning", |l| l.contains("could not be started"));
    assert!(
        failed.contains("\tWARNING\t") && failed.contains(&format!("worker#{}", n - 1)),
        "{failed}"
    );
    assert!(failed.contains("retrying in 1s"), "{failed}");
    assert!(
        failed.contains("Resource temporarily unavailable") || failed.contains("os error 11"),
        "{failed}"
    );
    let pids = {
        let mut p = Vec::new();
        for id in 0..n - 1 {
            p.push(s.starts_of(id).first().map(|x| x.1).unwrap_or_else(|| {
                let l = s.expect(&format!("worker_start {id}"), |l| {
                    event(l, "worker_start").is_some_and(|(i, _)| i == id)
                });
                event(&l, "worker_start").unwrap().1
            }));
        }
        p
    };
    // It keeps trying, about once a second, and nothing else breaks.
    s.gather(Duration::from_millis(2300));
    let failures = s.count_lines(|l| l.contains("could not be started"));
    assert!(
        (2..=4).contains(&failures),
        "{failures} failed forks in ~2.3 s (one per second expected)\n{}",
        s.transcript()
    );
    assert!(s.starts_of(n - 1).is_empty());
    assert!(exists(s.pid));
    for &pid in &pids {
        assert!(exists(pid));
    }
    // The holder exits: the next retry succeeds.
    let freed_at = Instant::now();
    drop(holder_guard);
    let (started, _) = s.expect_within_at("the missing worker", Duration::from_millis(2500), |l| {
        event(l, "worker_start").is_some_and(|(i, _)| i == n - 1)
    });
    eprintln!(
        "fork EAGAIN: {failures} failed attempts in 2.3 s, the missing worker started {:.0} ms after a process slot freed",
        ms(started - freed_at)
    );
    s.gather(Duration::from_millis(1200));
    assert_eq!(
        s.count_lines(|l| l.contains("could not be started")),
        s.count_lines(|l| l.contains("retrying in 1s"))
    );
    let after: usize = s
        .times
        .iter()
        .zip(&s.lines)
        .skip_while(|(t, _)| **t < started)
        .filter(|(_, l)| l.contains("could not be started"))
        .count();
    assert_eq!(after, 0, "no more failures once started\n{}", s.transcript());
    for id in 0..n {
        assert_eq!(s.starts_of(id).len(), 1, "worker {id}: one start\n{}", s.transcript());
    }
    s.shut_down();
}
