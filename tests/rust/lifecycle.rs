//! Lifecycle tests against real pools: each test runs the `pool-scenario` binary (one IPC_NONE pool
//! per process, in its own process group), reads its event lines, sends signals to the manager and
//! to workers, and checks what really happens to the processes (/proc, kill(pid, 0)).
//!
//! The scenario's stdout and stderr go into ONE pipe, so the test sees a single stream in the real
//! order of the write(2) calls: event lines (`worker_start 0 123`) and the manager's log records
//! (`[date $pid.-1]\tWARNING\t...`, lines starting with `[`). Every event line and every log record
//! is a single small write, so lines never interleave. `PROCPOOL_LOG=info` is set so the manager
//! also logs each fork ("worker#N started, pid P"), which some ordering checks rely on.
//!
//! Nothing may hang: every wait has a deadline, and a guard SIGKILLs the whole process group when
//! the test ends, whether it passed or panicked.

use std::collections::HashSet;
use std::os::unix::process::ExitStatusExt;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

#[path = "support/mod.rs"]
mod support;
use support::*;

/// The longest any single expected event may take.
const DEADLINE: Duration = Duration::from_secs(5);

// ---------------------------------------------------------------------------------------------
// The scenario process and its output stream (the shared harness in support/process.rs)
// ---------------------------------------------------------------------------------------------

impl Scenario {
    fn spawn(workers: usize, behaviour: &str, max_wait: Option<f64>) -> Scenario {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pool-scenario"));
        cmd.arg(workers.to_string()).arg(behaviour);
        if let Some(w) = max_wait {
            cmd.arg(w.to_string());
        }
        cmd.env("PROCPOOL_LOG", "info").env_remove("DETACHED_ONCE");
        Scenario::from_command(cmd, "pool-scenario", ())
    }

    fn count_starts(&self, id: usize) -> usize {
        self.starts().iter().filter(|(i, _)| *i == id).count()
    }

    fn has<F: Fn(&str) -> bool>(&self, pred: F) -> bool {
        self.lines.iter().any(|l| pred(l))
    }

    /// The pid of the worker_start of `id` whose pid is not in `old`, if seen.
    fn new_start(&self, id: usize, old: &[i32]) -> Option<i32> {
        self.starts()
            .into_iter()
            .find(|&(i, p)| i == id && !old.contains(&p))
            .map(|(_, p)| p)
    }

    fn index_of<F: Fn(&str) -> bool>(&self, what: &str, pred: F) -> usize {
        self.lines
            .iter()
            .position(|l| pred(l))
            .unwrap_or_else(|| panic!("no line for {what}\n--- transcript ---\n{}\n---", self.transcript()))
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------
/// Graceful end of a scenario whose workers die of (or handle) SIGTERM: `shutdown`, `returned`, exit 0.
fn shut_down(s: &mut Scenario) {
    s.signal(libc::SIGTERM);
    s.expect("shutdown", |l| l == "shutdown");
    s.expect("returned", |l| l == "returned");
    let status = s.wait_exit(DEADLINE);
    assert_eq!(
        status.code(),
        Some(0),
        "scenario exit status {status:?}\n{}",
        s.transcript()
    );
}

// ---------------------------------------------------------------------------------------------
// 1. start
// ---------------------------------------------------------------------------------------------

#[test]
fn workers_start_with_ids_0_to_n_as_children_of_the_manager() {
    let n = 4;
    let mut s = Scenario::spawn(n, "sleep", None);
    let manager = s.expect_start();
    let pids = s.expect_all_started(n);

    let distinct: HashSet<i32> = pids.iter().copied().collect();
    assert_eq!(distinct.len(), n, "distinct worker pids: {pids:?}");
    for (id, &pid) in pids.iter().enumerate() {
        assert_ne!(pid, manager, "worker {id} is not the manager");
        let (state, ppid) = proc_stat(pid).unwrap_or_else(|| panic!("worker {id} pid {pid} has no /proc entry"));
        assert_eq!(ppid, manager, "worker {id} (pid {pid}) is a child of the manager");
        assert_ne!(state, 'Z', "worker {id} is alive");
    }
    // Exactly n workers were started: no extra worker_start lines.
    s.gather(Duration::from_millis(200));
    assert_eq!(s.starts().len(), n, "{}", s.transcript());
    shut_down(&mut s);
}

// ---------------------------------------------------------------------------------------------
// 2. a worker killed by a signal is replaced at once, with a warning
// ---------------------------------------------------------------------------------------------

#[test]
fn sigkilled_worker_is_replaced_under_the_same_id_with_a_warning() {
    let mut s = Scenario::spawn(3, "sleep", None);
    let manager = s.expect_start();
    let pids = s.expect_all_started(3);

    send(pids[1], libc::SIGKILL);
    let new = s.expect_worker_start(1);
    assert_ne!(new, pids[1], "the replacement has a new pid");
    assert_eq!(
        proc_stat(new).map(|p| p.1),
        Some(manager),
        "the replacement is a child of the manager"
    );

    let old = pids[1];
    let is_warning = |l: &str| is_log(l) && l.contains("\tWARNING\t") && l.contains(&format!("pid {old})"));
    s.wait_until("warning about the SIGKILLed worker", DEADLINE, |s| s.has(is_warning));
    let warning = s.lines[s.index_of("warning", is_warning)].clone();
    assert!(warning.contains("worker#1"), "names the worker id: {warning}");
    assert!(warning.contains(&format!("pid {old}")), "names the pid: {warning}");
    assert!(warning.contains("signal=9"), "names the signal: {warning}");
    assert!(wait_gone(old, DEADLINE), "the killed worker is reaped");

    // The other workers were not touched.
    s.gather(Duration::from_millis(200));
    assert_eq!(s.count_starts(0), 1);
    assert_eq!(s.count_starts(1), 2);
    assert_eq!(s.count_starts(2), 1);
    assert!(exists(pids[0]) && exists(pids[2]));
    shut_down(&mut s);
}

// ---------------------------------------------------------------------------------------------
// 3. IPC_NONE: WorkerStart returns → WorkerStop → exit 0 → replaced
// ---------------------------------------------------------------------------------------------

#[test]
fn returning_worker_runs_worker_stop_exits_0_and_is_replaced_quietly() {
    let mut s = Scenario::spawn(2, "return", None);
    let manager = s.expect_start();
    let first = s.expect_worker_start(0);
    let stop = s.expect("worker_stop 0", |l| {
        event(l, "worker_stop").is_some_and(|(i, _)| i == 0)
    });
    assert_eq!(
        event(&stop, "worker_stop").unwrap().1,
        first,
        "WorkerStop runs in the same process"
    );
    s.expect(&format!("exit status 0 of pid {first}"), |l| {
        is_log(l) && l.contains(&format!("worker#0 (pid {first}) exited with status 0"))
    });
    let second = s.expect_worker_start(0);
    assert_ne!(second, first, "the replacement has a new pid");
    assert!(wait_gone(first, DEADLINE), "the old worker is reaped");

    // Let a few more cycles run: every cycle is a clean exit, never a warning.
    s.gather(Duration::from_millis(400));
    assert!(
        s.count_starts(0) >= 3 && s.count_starts(1) >= 3,
        "workers keep cycling\n{}",
        s.transcript()
    );
    assert!(s.warnings().is_empty(), "no warnings: {:?}", s.warnings());
    // Every cycle ran WorkerStop in the worker before it was replaced.
    let stops = s.lines.iter().filter_map(|l| event(l, "worker_stop")).count();
    assert!(stops >= 4, "{}", s.transcript());
    // Replacements are children of the manager.
    let latest = s.starts().last().unwrap().1;
    if let Some((_, ppid)) = proc_stat(latest) {
        assert_eq!(ppid, manager, "pid {latest}");
    }
    shut_down(&mut s);
}

// ---------------------------------------------------------------------------------------------
// 4./5. SIGTERM and SIGINT: graceful shutdown
// ---------------------------------------------------------------------------------------------

fn graceful_shutdown_by(sig: i32, behaviour: &str) {
    let n = 3;
    let mut s = Scenario::spawn(n, behaviour, None);
    let manager = s.expect_start();
    let pids = s.expect_all_started(n);
    // `graceful` workers install their SIGTERM handler just after printing worker_start.
    thread::sleep(Duration::from_millis(200));
    let t0 = Instant::now();
    s.signal(sig);
    s.expect("shutdown", |l| l == "shutdown");
    s.expect("returned", |l| l == "returned");
    // When start() returns, every worker has been reaped (not even a zombie is left).
    for &pid in &pids {
        assert!(
            !exists(pid),
            "worker pid {pid} still exists when start() returned\n{}",
            s.transcript()
        );
    }
    let status = s.wait_exit(DEADLINE);
    assert_eq!(status.code(), Some(0), "exit status {status:?}");
    assert!(t0.elapsed() < Duration::from_secs(10));
    assert!(!exists(manager));
    // Shutdown ran once, no worker was started after it, nothing was forced.
    assert_eq!(s.lines.iter().filter(|l| *l == "shutdown").count(), 1);
    let shutdown_at = s.index_of("shutdown", |l| l == "shutdown");
    assert!(
        s.lines[shutdown_at..]
            .iter()
            .all(|l| event(l, "worker_start").is_none()),
        "{}",
        s.transcript()
    );
    assert!(!s.lines.iter().any(|l| l.contains("SIGKILL")), "{}", s.transcript());
    if behaviour == "graceful" {
        let stops: Vec<_> = s.lines.iter().filter_map(|l| event(l, "worker_stop")).collect();
        for (id, &pid) in pids.iter().enumerate() {
            assert!(
                stops.contains(&(id, pid)),
                "worker_stop {id} {pid} missing\n{}",
                s.transcript()
            );
        }
    }
}

#[test]
fn sigterm_shuts_down_gracefully() {
    graceful_shutdown_by(libc::SIGTERM, "sleep");
}

#[test]
fn sigterm_shutdown_runs_worker_stop_in_workers_that_handle_sigterm() {
    graceful_shutdown_by(libc::SIGTERM, "graceful");
}

#[test]
fn sigint_shuts_down_gracefully_like_sigterm() {
    graceful_shutdown_by(libc::SIGINT, "sleep");
}

#[test]
fn sigint_shutdown_runs_worker_stop_in_workers_that_handle_sigterm() {
    graceful_shutdown_by(libc::SIGINT, "graceful");
}

// ---------------------------------------------------------------------------------------------
// 6. shutdown with workers that ignore SIGTERM: SIGKILL after max_wait_time
// ---------------------------------------------------------------------------------------------

#[test]
fn shutdown_sigkills_workers_that_ignore_sigterm_after_max_wait() {
    let n = 2;
    let mut s = Scenario::spawn(n, "ignore-term", Some(1.0));
    s.expect_start();
    let pids = s.expect_all_started(n);
    // Give the workers time to install SIG_IGN (they print worker_start just before).
    thread::sleep(Duration::from_millis(200));
    let t0 = Instant::now();
    s.signal(libc::SIGTERM);
    s.expect("shutdown", |l| l == "shutdown");
    for (id, &pid) in pids.iter().enumerate() {
        let w = s.expect_within(
            &format!("SIGKILL warning for worker {id}"),
            Duration::from_secs(10),
            |l| is_log(l) && l.contains("\tWARNING\t") && l.contains("SIGKILL") && l.contains(&format!("pid {pid}")),
        );
        assert!(w.contains(&format!("worker#{id}")), "{w}");
    }
    s.expect_within("returned", Duration::from_secs(10), |l| l == "returned");
    let elapsed = t0.elapsed();
    let status = s.wait_exit(DEADLINE);
    assert_eq!(status.code(), Some(0));
    // Roughly: it did wait for the grace time, and it did not hang.
    assert!(
        elapsed >= Duration::from_millis(500),
        "returned after {elapsed:?}, before max_wait_time"
    );
    assert!(elapsed < Duration::from_secs(10), "returned after {elapsed:?}");
    for &pid in &pids {
        assert!(!exists(pid), "worker {pid} gone");
    }
}

// ---------------------------------------------------------------------------------------------
// 7.–9. rolling reload (SIGUSR1 / SIGUSR2)
// ---------------------------------------------------------------------------------------------

/// The manager's log record of a fork: "worker#<id> started, pid <pid>".
fn fork_log(id: usize, pid: i32) -> impl Fn(&str) -> bool {
    let needle = format!("worker#{id} started, pid {pid}");
    move |l: &str| is_log(l) && l.ends_with(&needle)
}

#[test]
fn reload_replaces_graceful_workers_one_at_a_time_in_id_order() {
    let n = 3;
    let mut s = Scenario::spawn(n, "graceful", None);
    s.expect_start();
    let old = s.expect_all_started(n);
    thread::sleep(Duration::from_millis(200)); // handlers installed (just after worker_start)
    s.signal(libc::SIGUSR1);
    s.signal(libc::SIGUSR1); // a second reload asked for while the first runs: ignored

    s.wait_until("every old worker stopped and replaced", DEADLINE, |s| {
        (0..n).all(|id| s.has(|l| event(l, "worker_stop") == Some((id, old[id]))) && s.new_start(id, &old).is_some())
    });
    let new: Vec<i32> = (0..n).map(|id| s.new_start(id, &old).unwrap()).collect();
    let stops: Vec<(usize, i32)> = s.lines.iter().filter_map(|l| event(l, "worker_stop")).collect();
    assert_eq!(
        stops,
        (0..n).map(|id| (id, old[id])).collect::<Vec<_>>(),
        "worker_stop lines in id order"
    );
    // Let anything extra show up (a second reload would stop the new workers).
    s.gather(Duration::from_millis(500));

    // One at a time: the manager forked worker i's replacement before worker i+1 stopped
    // (worker i+1 is only sent SIGTERM after that fork). The merged stream keeps write order.
    for id in 0..n {
        let stopped = s.index_of(&format!("worker_stop {id}"), |l| {
            event(l, "worker_stop") == Some((id, old[id]))
        });
        let forked = s.index_of(&format!("fork of {id}'s replacement"), fork_log(id, new[id]));
        assert!(
            stopped < forked,
            "worker {id} stopped before its replacement was forked\n{}",
            s.transcript()
        );
        if id + 1 < n {
            let next_stopped = s.index_of(&format!("worker_stop {}", id + 1), |l| {
                event(l, "worker_stop") == Some((id + 1, old[id + 1]))
            });
            assert!(
                forked < next_stopped,
                "replacement of {id} forked before worker {} stopped\n{}",
                id + 1,
                s.transcript()
            );
        }
        assert!(wait_gone(old[id], DEADLINE), "old worker {id} reaped");
        assert!(exists(new[id]), "new worker {id} alive");
    }
    // Each worker was replaced exactly once; Start and Shutdown did not run again; no warnings.
    for id in 0..n {
        assert_eq!(
            s.count_starts(id),
            2,
            "worker {id} replaced exactly once\n{}",
            s.transcript()
        );
    }
    assert_eq!(s.lines.iter().filter(|l| l.starts_with("start ")).count(), 1);
    assert!(!s.lines.iter().any(|l| l == "shutdown"));
    assert_eq!(s.lines.iter().filter_map(|l| event(l, "worker_stop")).count(), n);
    assert!(s.warnings().is_empty(), "{:?}", s.warnings());

    // SIGUSR2 reloads too.
    s.signal(libc::SIGUSR2);
    let mut both = old.clone();
    both.extend(&new);
    s.wait_until("every worker replaced again after SIGUSR2", DEADLINE, |s| {
        (0..n).all(|id| s.has(|l| event(l, "worker_stop") == Some((id, new[id]))) && s.new_start(id, &both).is_some())
    });
    let stops: Vec<(usize, i32)> = s.lines.iter().filter_map(|l| event(l, "worker_stop")).skip(n).collect();
    assert_eq!(
        stops,
        (0..n).map(|id| (id, new[id])).collect::<Vec<_>>(),
        "worker_stop lines in id order"
    );
    shut_down(&mut s);
}

#[test]
fn reload_of_workers_without_sigterm_handler_logs_abnormal_exit_signal_15() {
    let n = 3;
    let mut s = Scenario::spawn(n, "sleep", None);
    s.expect_start();
    let old = s.expect_all_started(n);
    s.signal(libc::SIGUSR1);
    s.wait_until("every old worker replaced", DEADLINE, |s| {
        s.warnings().len() >= n && (0..n).all(|id| s.new_start(id, &old).is_some())
    });
    let new: Vec<i32> = (0..n).map(|id| s.new_start(id, &old).unwrap()).collect();
    let warnings: Vec<String> = s.warnings().into_iter().cloned().collect();
    for id in 0..n {
        let w = &warnings[id];
        assert!(
            w.contains(&format!("worker#{id}")),
            "warnings come in id order: {w}\n{}",
            s.transcript()
        );
        assert!(w.contains(&format!("pid {}", old[id])), "{w}");
        assert!(w.contains("signal=15"), "{w}");
    }
    s.gather(Duration::from_millis(300));
    for id in 0..n {
        assert_ne!(new[id], old[id]);
        assert_eq!(s.count_starts(id), 2, "replaced exactly once\n{}", s.transcript());
        assert!(wait_gone(old[id], DEADLINE));
    }
    // The workers died of the signal: no WorkerStop ran.
    assert!(!s.lines.iter().any(|l| l.starts_with("worker_stop")));
    assert_eq!(s.warnings().len(), n, "{:?}", s.warnings());
    shut_down(&mut s);
}

#[test]
fn reload_sigkills_old_workers_that_ignore_sigterm_after_max_wait() {
    let n = 3;
    let mut s = Scenario::spawn(n, "ignore-term", Some(1.0));
    s.expect_start();
    let old = s.expect_all_started(n);
    thread::sleep(Duration::from_millis(200)); // SIG_IGN installed
    let t0 = Instant::now();
    s.signal(libc::SIGUSR1);
    // While the reload waits for worker 0, a second reload request is ignored.
    thread::sleep(Duration::from_millis(300));
    s.signal(libc::SIGUSR1);

    let mut new = vec![0; n];
    let mut seen = 0;
    while seen < n {
        let line = s.expect_within("replacements after the forced reload", Duration::from_secs(10), |l| {
            event(l, "worker_start").is_some()
        });
        let (id, pid) = event(&line, "worker_start").unwrap();
        assert_eq!(new[id], 0, "worker {id} replaced twice\n{}", s.transcript());
        assert_ne!(pid, old[id]);
        new[id] = pid;
        seen += 1;
    }
    let elapsed = t0.elapsed();
    assert!(
        elapsed >= Duration::from_millis(500),
        "replaced after {elapsed:?}: before max_wait_time"
    );
    assert!(elapsed < Duration::from_secs(10));
    for (id, &old_pid) in old.iter().enumerate() {
        assert!(
            wait_gone(old_pid, DEADLINE),
            "old worker {id} (pid {}) was killed and reaped",
            old_pid
        );
        let killed = s.lines.iter().any(|l| {
            is_log(l) && l.contains("\tWARNING\t") && l.contains(&format!("pid {}", old_pid)) && l.contains("SIGKILL")
        });
        assert!(killed, "a warning says old worker {id} got SIGKILL\n{}", s.transcript());
    }
    // Nothing more happens: each worker replaced exactly once, the new ones are left alone.
    s.gather(Duration::from_millis(1500));
    for (id, &new_pid) in new.iter().enumerate() {
        assert_eq!(
            s.count_starts(id),
            2,
            "worker {id} replaced exactly once\n{}",
            s.transcript()
        );
        assert!(exists(new_pid));
    }
    // Shut down (the new workers ignore SIGTERM too: killed after max_wait).
    s.signal(libc::SIGTERM);
    s.expect("shutdown", |l| l == "shutdown");
    s.expect_within("returned", Duration::from_secs(10), |l| l == "returned");
    assert_eq!(s.wait_exit(DEADLINE).code(), Some(0));
}

// ---------------------------------------------------------------------------------------------
// 10. detach
// ---------------------------------------------------------------------------------------------

/// Starts the `detach` scenario with 2 workers and returns the first `detached` line.
///
/// The scenario's worker 0 detaches only if worker 1's pid is already in the pool's pid table when
/// it checks; on its very first run it races with the manager's fork of worker 1 and, if it loses,
/// sleeps like a plain worker. In that case the test SIGKILLs it: its replacement finds worker 1
/// and detaches.
fn start_detach_scenario() -> (Scenario, String) {
    let mut s = Scenario::spawn(2, "detach", Some(1.0));
    s.expect_start();
    s.expect_worker_start(0);
    s.wait_until("worker 0 detaches", DEADLINE, |s| s.has(|l| l.starts_with("detached ")));
    let line = s.lines[s.index_of("detached", |l| l.starts_with("detached "))].clone();
    (s, line)
}

/// Parses `detached <id> <pid> <bool>`.
fn detached_line(l: &str) -> Option<(usize, i32, bool)> {
    let mut parts = l.split_whitespace();
    if parts.next()? != "detached" {
        return None;
    }
    Some((
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
        parts.next()? == "true",
    ))
}

/// Shut down at once after the first detach: the detached process gets a replacement, is not
/// signalled at shutdown and keeps running until it ends on its own.
#[test]
fn detached_process_gets_a_replacement_and_is_not_signalled_at_shutdown() {
    let (mut s, line) = start_detach_scenario();
    let manager = s.pid;
    s.signal(libc::SIGTERM);
    let (id, detached, ok) = detached_line(&line).unwrap();
    assert_eq!(id, 0);
    assert!(ok, "detach() returned true: {line}");

    // The manager knew of the detach before it handled SIGTERM (the notice is sent before the line is
    // printed, and notices are read before signals), so it forked a replacement for id 0 at once.
    let replacement_fork =
        |l: &str| is_log(l) && l.contains("worker#0 started, pid ") && !l.ends_with(&format!("pid {detached}"));
    s.wait_until("replacement fork for id 0", DEADLINE, |s| s.has(replacement_fork));
    s.cursor = s.index_of("detached", |l| l.starts_with("detached ")) + 1;
    s.expect("shutdown", |l| l == "shutdown");
    s.expect("returned", |l| l == "returned");
    assert_eq!(s.wait_exit(DEADLINE).code(), Some(0));
    assert!(!exists(manager));

    // The detached process was not sent SIGTERM: it outlives the pool and ends on its own.
    assert!(
        exists(detached),
        "the detached process {detached} still runs after start() returned\n{}",
        s.transcript()
    );
    let exit_line = format!("detached_exit {detached}");
    s.wait_until(&exit_line, DEADLINE, |s| s.has(|l| l == exit_line));
    let warned = s.warnings().into_iter().any(|w| w.contains(&format!("pid {detached}")));
    assert!(!warned, "no warning about the detached process\n{}", s.transcript());
}

#[test]
fn detach_full_scenario_worker_0_detaches_once_and_is_reaped_quietly() {
    let (mut s, line) = start_detach_scenario();
    let (_, detached, ok) = detached_line(&line).unwrap();
    assert!(ok);
    // Worker 0's first process is the one that detached; its replacement may already have printed
    // its start by now, so count from that first start rather than from what was read so far.
    let starts_before = 1;
    s.wait_until("replacement of the detached worker 0", DEADLINE, |s| {
        s.count_starts(0) > starts_before
    });
    // Only the first run of worker 0 detaches. Fail fast (the guard kills the group) if another does.
    let until = Instant::now() + Duration::from_secs(3);
    let exit_line = format!("detached_exit {detached}");
    let mut exited = false;
    while Instant::now() < until && !exited {
        let got = s.pull(until);
        if let Some(l) = s.lines.last() {
            assert!(
                detached_line(l).is_none() || detached_line(l).unwrap().1 == detached,
                "a second process detached: {l}"
            );
            exited |= *l == exit_line;
        }
        if !got {
            break;
        }
    }
    assert!(
        exited,
        "the detached process ends on its own while the pool runs\n{}",
        s.transcript()
    );
    // Reaped quietly while the manager lives.
    assert!(wait_gone(detached, DEADLINE), "detached process reaped");
    assert!(!s.warnings().into_iter().any(|w| w.contains(&format!("pid {detached}"))));
    assert_eq!(
        s.count_starts(0),
        starts_before + 1,
        "worker 0 replaced once, for the detach only"
    );
    shut_down(&mut s);
}

// ---------------------------------------------------------------------------------------------
// 11. shutdown() from a worker
// ---------------------------------------------------------------------------------------------

#[test]
fn worker_calling_shutdown_stops_the_pool_and_start_returns() {
    let mut s = Scenario::spawn(3, "shutdown", None);
    s.expect_start();
    // The test sends no signal: the shutdown comes from worker 0. Worker 0 prints its
    // `shutdown_requested` line after kill() returned, so the line may come after the manager's
    // `shutdown`, or never (the manager's SIGTERM may kill worker 0 before it prints).
    s.wait_until("shutdown and returned", DEADLINE, |s| {
        s.has(|l| l == "shutdown") && s.has(|l| l == "returned")
    });
    assert!(
        s.has(|l| event(l, "worker_start").is_some_and(|(id, _)| id == 0)),
        "{}",
        s.transcript()
    );
    assert!(!s.has(|l| l == "shutdown_requested false"), "{}", s.transcript());
    assert!(s.index_of("shutdown", |l| l == "shutdown") < s.index_of("returned", |l| l == "returned"));
    assert_eq!(s.wait_exit(DEADLINE).code(), Some(0));
    for (_, pid) in s.starts() {
        assert!(!exists(pid), "worker {pid} gone");
    }
}

// ---------------------------------------------------------------------------------------------
// 12. a child the pool did not fork
// ---------------------------------------------------------------------------------------------

/// Takes the lines the scenario wrote before it exited.
fn drain_after_exit(s: &mut Scenario) {
    while s.pull(Instant::now() + Duration::from_millis(300)) {}
}

#[test]
fn stranger_child_is_left_to_its_owner_with_its_exit_status() {
    let n = 2;
    let mut s = Scenario::spawn(n, "stranger", None);
    let manager = s.expect_start();
    s.expect_all_started(n);
    // The stranger exits at once; the pool must neither reap it, log it nor replace anything.
    s.gather(Duration::from_millis(500));
    assert!(
        s.warnings().iter().all(|w| !w.contains("did not fork")),
        "the pool reaped a child it did not fork\n{}",
        s.transcript()
    );
    assert_eq!(s.starts().len(), n, "nothing replaced\n{}", s.transcript());
    assert_eq!(
        zombie_children(manager).len(),
        1,
        "the stranger waits for its owner\n{}",
        s.transcript()
    );
    shut_down(&mut s);
    drain_after_exit(&mut s);
    let line = s.lines.iter().find(|l| l.starts_with("stranger_status ")).cloned();
    let line = line.unwrap_or_else(|| panic!("no stranger_status line\n{}", s.transcript()));
    assert!(
        line.ends_with(" 7"),
        "its owner's waitpid got the real exit status: {line}"
    );
}

#[test]
fn start_refuses_a_multithreaded_process() {
    let mut s = Scenario::spawn(1, "threaded", None);
    let status = s.wait_exit(DEADLINE);
    drain_after_exit(&mut s);
    assert_eq!(status.code(), Some(1), "{}", s.transcript());
    assert!(
        s.lines
            .iter()
            .any(|l| l.contains("single-threaded") && l.contains("2 threads")),
        "a clear error\n{}",
        s.transcript()
    );
    assert!(s.starts().is_empty(), "no worker was forked\n{}", s.transcript());
}

#[test]
fn workers_are_stopped_when_a_shutdown_callback_panics() {
    let n = 3;
    let mut s = Scenario::spawn(n, "panic-shutdown", Some(2.0));
    let manager = s.expect_start();
    let pids = s.expect_all_started(n);
    s.signal(libc::SIGTERM);
    s.expect("shutdown", |l| l == "shutdown");
    let status = s.wait_exit(DEADLINE);
    drain_after_exit(&mut s);
    assert_ne!(
        status.code(),
        Some(0),
        "the panic goes on after the cleanup\n{}",
        s.transcript()
    );
    for pid in pids {
        assert!(
            wait_gone(pid, Duration::from_secs(1)),
            "worker {pid} outlived its manager {manager}\n{}",
            s.transcript()
        );
    }
    assert!(
        s.lines
            .iter()
            .any(|l| l.contains("stopping its workers after a failure")),
        "{}",
        s.transcript()
    );
}

// ---------------------------------------------------------------------------------------------
// 13. no zombies
// ---------------------------------------------------------------------------------------------

#[test]
fn manager_leaves_no_zombies_after_respawns_and_none_after_it_returns() {
    let n = 3;
    let mut s = Scenario::spawn(n, "sleep", None);
    let manager = s.expect_start();
    let mut pids = s.expect_all_started(n);
    let mut all: Vec<i32> = pids.clone();
    // Several respawns: kill each worker twice.
    for _round in 0..2 {
        for (id, pid) in pids.iter_mut().enumerate() {
            send(*pid, libc::SIGKILL);
            let new = s.expect_worker_start(id);
            assert_ne!(new, *pid);
            *pid = new;
            all.push(new);
        }
    }
    // Killed workers are reaped; give the manager a moment, then no zombie child may remain.
    let until = Instant::now() + DEADLINE;
    loop {
        let zombies = zombie_children(manager);
        if zombies.is_empty() {
            break;
        }
        assert!(Instant::now() < until, "zombie children of the manager: {zombies:?}");
        thread::sleep(Duration::from_millis(20));
    }
    shut_down(&mut s);
    for pid in all {
        assert!(!exists(pid), "worker pid {pid} still exists after the pool ended");
    }
}

#[test]
fn cycling_workers_leave_no_lasting_zombies() {
    let mut s = Scenario::spawn(3, "return", None);
    let manager = s.expect_start();
    s.gather(Duration::from_millis(300));
    // Workers exit every ~50 ms, so a zombie may exist for an instant; none may last.
    let first = zombie_children(manager);
    s.gather(Duration::from_millis(300));
    let second = zombie_children(manager);
    let lasting: Vec<_> = first.intersection(&second).collect();
    assert!(lasting.is_empty(), "zombies lasting 300 ms: {lasting:?}");
    assert!(s.starts().len() >= 9, "workers cycled\n{}", s.transcript());
    shut_down(&mut s);
    for (_, pid) in s.starts() {
        assert!(!exists(pid), "worker pid {pid} still exists after the pool ended");
    }
}

// ---------------------------------------------------------------------------------------------
// 14. fd hygiene
// ---------------------------------------------------------------------------------------------

fn check_worker_fds(manager: i32, worker: i32) {
    let mfds = open_fds(manager);
    let wfds = open_fds(worker);
    assert!(
        mfds.values().any(|t| t == "anon_inode:[signalfd]"),
        "the manager has its signalfd: {mfds:?}"
    );
    assert!(
        !wfds.values().any(|t| t.contains("signalfd")),
        "worker {worker} holds the manager's signalfd: {wfds:?}"
    );
    // 0, 1, 2 and one more: the control pipe's write end, a pipe the manager holds too
    // (other than the output pipe on 1 and 2).
    let mut numbers: Vec<i32> = wfds.keys().copied().collect();
    numbers.sort();
    assert_eq!(numbers.len(), 4, "worker {worker} fds: {wfds:?} (manager: {mfds:?})");
    assert_eq!(&numbers[..3], &[0, 1, 2], "worker fds: {wfds:?}");
    let extra = &wfds[&numbers[3]];
    assert!(
        extra.starts_with("pipe:"),
        "the extra worker fd is the control pipe: {extra}"
    );
    assert_ne!(*extra, wfds[&1], "the extra fd is not the output pipe");
    let in_manager: Vec<_> = mfds.iter().filter(|(_, t)| *t == extra).map(|(fd, _)| *fd).collect();
    // The manager has both ends of the control pipe (same pipe inode); the worker only one.
    assert_eq!(
        in_manager.len(),
        2,
        "the manager holds both ends of pipe {extra}: {mfds:?}"
    );
    let manager_fd_count = mfds.len();
    assert_eq!(
        manager_fd_count, 6,
        "manager fds: 0,1,2, signalfd, control read+write: {mfds:?}"
    );
}

#[test]
fn workers_do_not_inherit_the_signalfd_or_the_control_read_end() {
    let mut s = Scenario::spawn(2, "sleep", None);
    let manager = s.expect_start();
    let pids = s.expect_all_started(2);
    // The worker closes the fds right after fork, before WorkerStart prints; check both workers.
    for &pid in &pids {
        check_worker_fds(manager, pid);
    }
    // And a respawned worker.
    send(pids[0], libc::SIGKILL);
    let new = s.expect_worker_start(0);
    check_worker_fds(manager, new);
    shut_down(&mut s);
}

// ---------------------------------------------------------------------------------------------
// 15. signals during shutdown
// ---------------------------------------------------------------------------------------------

#[test]
fn reload_and_second_sigterm_during_shutdown_do_nothing() {
    let n = 2;
    let mut s = Scenario::spawn(n, "ignore-term", Some(2.0));
    s.expect_start();
    let pids = s.expect_all_started(n);
    thread::sleep(Duration::from_millis(200)); // SIG_IGN installed
    let t0 = Instant::now();
    s.signal(libc::SIGTERM);
    s.expect("shutdown", |l| l == "shutdown");
    thread::sleep(Duration::from_millis(200));
    s.signal(libc::SIGUSR1);
    thread::sleep(Duration::from_millis(200));
    s.signal(libc::SIGTERM);
    thread::sleep(Duration::from_millis(100));
    s.signal(libc::SIGUSR2);
    s.expect_within("returned", Duration::from_secs(10), |l| l == "returned");
    assert!(t0.elapsed() < Duration::from_secs(10));
    let status = s.wait_exit(DEADLINE);
    assert_eq!(
        status.code(),
        Some(0),
        "exit status {status:?} (signal {:?})",
        status.signal()
    );
    assert_eq!(
        s.starts().len(),
        n,
        "no worker started during shutdown\n{}",
        s.transcript()
    );
    assert_eq!(
        s.lines.iter().filter(|l| *l == "shutdown").count(),
        1,
        "Shutdown ran once"
    );
    for &pid in &pids {
        assert!(!exists(pid));
    }
}
