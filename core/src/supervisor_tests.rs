//! The supervisor's state machine, driven by a fake `ProcessOps` with a hand-moved clock.

use super::*;

#[derive(Default)]
struct FakeOps {
    next_pid: Pid,
    now_offset: Duration,
    base: Option<Instant>,
    spawned: Vec<(usize, Pid)>,
    killed: Vec<(Pid, i32)>,
    failing_spawns: usize,
    /// Every reaped worker reports a failed callback.
    workers_report_failure: bool,
    /// (message id, age) each worker id has in hand.
    busy: std::collections::HashMap<usize, (u64, Duration)>,
    /// Resident memory by pid.
    rss: std::collections::HashMap<Pid, u64>,
    /// Worker ids whose reaped process left on max_request.
    retired: HashSet<usize>,
    records: Vec<Record>,
}

impl FakeOps {
    fn new() -> FakeOps {
        FakeOps {
            next_pid: 100,
            base: Some(Instant::now()),
            ..Default::default()
        }
    }
    fn advance(&mut self, by: Duration) {
        self.now_offset += by;
    }
    fn take_kills(&mut self) -> Vec<(Pid, i32)> {
        std::mem::take(&mut self.killed)
    }
}

impl ProcessOps for FakeOps {
    fn spawn(&mut self, worker_id: usize) -> Result<Pid, Error> {
        if self.failing_spawns > 0 {
            self.failing_spawns -= 1;
            return Err(Error::last_os("fake fork"));
        }
        self.next_pid += 1;
        self.spawned.push((worker_id, self.next_pid));
        Ok(self.next_pid)
    }
    fn kill(&mut self, pid: Pid, signal: i32) {
        self.killed.push((pid, signal));
    }
    fn now(&self) -> Instant {
        self.base.unwrap() + self.now_offset
    }
    fn take_reported_failure(&mut self, _worker_id: usize) -> bool {
        self.workers_report_failure
    }
    fn take_retired(&mut self, worker_id: usize) -> bool {
        self.retired.remove(&worker_id)
    }
    fn busy(&self, worker_id: usize) -> Option<(u64, Duration)> {
        self.busy.get(&worker_id).copied()
    }
    fn rss(&self, pid: Pid) -> Option<u64> {
        self.rss.get(&pid).copied()
    }
    fn record(&mut self, event: Record) {
        self.records.push(event);
    }
}

fn exits(ops: &FakeOps) -> Vec<(usize, ExitReason)> {
    ops.records
        .iter()
        .filter_map(|r| match *r {
            Record::Exited { worker_id, reason } => Some((worker_id, reason)),
            _ => None,
        })
        .collect()
}

fn with_policy(n: usize, policy: RestartPolicy) -> (Supervisor, FakeOps) {
    let mut ops = FakeOps::new();
    let mut sup = Supervisor::new(n, WAIT).with_restart_policy(policy);
    sup.start_all(&mut ops);
    (sup, ops)
}

#[test]
fn request_timeout_kills_only_the_worker_whose_message_is_too_old() {
    let policy = RestartPolicy {
        request_timeout: Duration::from_secs(2),
        ..Default::default()
    };
    let (mut sup, mut ops) = with_policy(2, policy);
    ops.busy.insert(0, (1, Duration::from_millis(2100)));
    ops.busy.insert(1, (7, Duration::from_millis(1900)));
    ops.advance(POLICY_CHECK);
    sup.tick(&mut ops);
    assert_eq!(ops.take_kills(), vec![(101, libc::SIGKILL)]);
    ops.busy.clear();
    sup.on_child_exit(101, ExitStatus::Signaled(libc::SIGKILL), &mut ops);
    assert_eq!(sup.pid_of(0), Some(103), "replaced at once, not counted as a crash");
    assert_eq!(exits(&ops), vec![(0, ExitReason::RequestTimeout)]);
}

#[test]
fn slow_request_warns_once_per_message_and_kills_nothing() {
    let policy = RestartPolicy {
        slow_request: Duration::from_secs(1),
        ..Default::default()
    };
    let (mut sup, mut ops) = with_policy(1, policy);
    ops.busy.insert(0, (1, Duration::from_secs(5)));
    for _ in 0..5 {
        ops.advance(POLICY_CHECK);
        sup.tick(&mut ops);
    }
    assert!(ops.take_kills().is_empty());
    assert_eq!(sup.slots[0].slow_warned, Some(1));
    ops.busy.insert(0, (2, Duration::from_secs(5)));
    ops.advance(POLICY_CHECK);
    sup.tick(&mut ops);
    assert_eq!(
        sup.slots[0].slow_warned,
        Some(2),
        "the next slow message is warned about too"
    );
}

#[test]
fn max_memory_asks_for_a_graceful_stop_then_kills_after_max_wait_time() {
    let policy = RestartPolicy {
        max_memory: 64 << 20,
        ..Default::default()
    };
    let (mut sup, mut ops) = with_policy(2, policy);
    ops.rss.insert(101, 80 << 20);
    ops.rss.insert(102, 10 << 20);
    ops.advance(MEMORY_SAMPLE);
    sup.tick(&mut ops);
    assert_eq!(ops.take_kills(), vec![(101, libc::SIGTERM)]);
    assert_eq!(
        sup.stopping(),
        vec![(0, 101)],
        "re-signalled while blocked, like a reload's worker"
    );
    ops.advance(POLICY_CHECK);
    sup.tick(&mut ops);
    assert!(ops.take_kills().is_empty(), "asked once");
    ops.advance(WAIT);
    sup.tick(&mut ops);
    assert_eq!(ops.take_kills(), vec![(101, libc::SIGKILL)]);
    sup.on_child_exit(101, ExitStatus::Signaled(libc::SIGKILL), &mut ops);
    assert_eq!(sup.pid_of(0), Some(103));
    assert_eq!(exits(&ops), vec![(0, ExitReason::Policy)]);
}

#[test]
fn max_request_exits_and_exit_reasons_are_counted() {
    let (mut sup, mut ops) = started(3);
    ops.retired.insert(0);
    sup.on_child_exit(101, ExitStatus::Exited(0), &mut ops);
    sup.on_child_exit(102, ExitStatus::Exited(3), &mut ops);
    sup.on_child_exit(103, SEGV, &mut ops);
    assert_eq!(
        exits(&ops),
        vec![
            (0, ExitReason::Policy),
            (1, ExitReason::ExitCode),
            (2, ExitReason::Signal)
        ]
    );
    let starts = ops
        .records
        .iter()
        .filter(|r| matches!(r, Record::Started { replacement: true, .. }))
        .count();
    assert_eq!(starts, 3, "each slot's second process is a replacement");
    sup.begin_reload(&mut ops);
    assert!(ops.records.contains(&Record::Reload));
}

const WAIT: Duration = Duration::from_secs(3);
const TERM: ExitStatus = ExitStatus::Signaled(libc::SIGTERM);

fn started(n: usize) -> (Supervisor, FakeOps) {
    let mut ops = FakeOps::new();
    let mut sup = Supervisor::new(n, WAIT);
    sup.start_all(&mut ops);
    (sup, ops)
}

#[test]
fn starts_one_process_per_id() {
    let (sup, ops) = started(3);
    assert_eq!(ops.spawned, vec![(0, 101), (1, 102), (2, 103)]);
    assert_eq!(sup.live_workers(), 3);
    assert_eq!(sup.pid_of(1), Some(102));
}

#[test]
fn a_dead_worker_is_replaced_under_the_same_id() {
    let (mut sup, mut ops) = started(2);
    let reaped = sup.on_child_exit(102, ExitStatus::Signaled(libc::SIGKILL), &mut ops);
    assert_eq!(reaped, Reaped::Worker(1));
    assert_eq!(sup.pid_of(1), Some(103));
    assert_eq!(sup.respawns_of(1), 1);
    assert_eq!(sup.live_workers(), 2);
}

#[test]
fn a_stranger_child_is_not_replaced() {
    let (mut sup, mut ops) = started(2);
    assert_eq!(
        sup.on_child_exit(999, ExitStatus::Exited(0), &mut ops),
        Reaped::Stranger
    );
    assert_eq!(ops.spawned.len(), 2);
}

#[test]
fn shutdown_terms_everyone_and_finishes_when_all_are_reaped() {
    let (mut sup, mut ops) = started(2);
    assert!(sup.begin_shutdown(&mut ops));
    assert!(!sup.begin_shutdown(&mut ops), "a second SIGTERM starts nothing new");
    assert_eq!(ops.take_kills(), vec![(101, libc::SIGTERM), (102, libc::SIGTERM)]);
    sup.on_child_exit(101, TERM, &mut ops);
    assert!(!sup.is_finished());
    sup.on_child_exit(102, ExitStatus::Exited(0), &mut ops);
    assert!(sup.is_finished());
    assert_eq!(ops.spawned.len(), 2, "nothing is respawned during shutdown");
}

#[test]
fn shutdown_kills_stragglers_after_max_wait_time() {
    let (mut sup, mut ops) = started(2);
    sup.begin_shutdown(&mut ops);
    ops.take_kills();
    sup.on_child_exit(101, TERM, &mut ops);
    ops.advance(WAIT - Duration::from_millis(1));
    sup.tick(&mut ops);
    assert!(ops.take_kills().is_empty());
    ops.advance(Duration::from_millis(1));
    assert_eq!(sup.next_deadline(), Some(ops.now()));
    sup.tick(&mut ops);
    assert_eq!(ops.take_kills(), vec![(102, libc::SIGKILL)]);
    assert_eq!(sup.next_deadline(), None, "SIGKILL is sent once");
}

#[test]
fn zero_max_wait_time_never_forces() {
    let mut ops = FakeOps::new();
    let mut sup = Supervisor::new(1, Duration::ZERO);
    sup.start_all(&mut ops);
    sup.begin_shutdown(&mut ops);
    ops.take_kills();
    assert_eq!(sup.next_deadline(), None);
    ops.advance(Duration::from_secs(3600));
    sup.tick(&mut ops);
    assert!(ops.take_kills().is_empty());
}

#[test]
fn reload_goes_one_worker_at_a_time_in_id_order() {
    let (mut sup, mut ops) = started(3);
    assert!(sup.begin_reload(&mut ops));
    assert_eq!(ops.take_kills(), vec![(101, libc::SIGTERM)]);
    assert!(!sup.begin_reload(&mut ops), "a reload during a reload is ignored");
    assert!(ops.take_kills().is_empty());
    sup.on_child_exit(101, TERM, &mut ops);
    assert_eq!(sup.pid_of(0), Some(104), "replacement forked before the next is told");
    assert_eq!(ops.take_kills(), vec![(102, libc::SIGTERM)]);
    sup.on_child_exit(102, ExitStatus::Exited(0), &mut ops);
    assert_eq!(ops.take_kills(), vec![(103, libc::SIGTERM)]);
    sup.on_child_exit(103, ExitStatus::Exited(0), &mut ops);
    assert!(!sup.is_reloading());
    assert_eq!(sup.live_workers(), 3);
    assert!(ops.take_kills().is_empty(), "new workers are not reloaded");
}

#[test]
fn reload_skips_workers_that_died_meanwhile() {
    let (mut sup, mut ops) = started(3);
    sup.begin_reload(&mut ops);
    ops.take_kills();
    sup.on_child_exit(102, ExitStatus::Signaled(libc::SIGSEGV), &mut ops); // replaced by 104
    sup.on_child_exit(101, TERM, &mut ops);
    assert_eq!(ops.take_kills(), vec![(103, libc::SIGTERM)]);
}

#[test]
fn reload_kills_only_the_worker_it_asked_to_stop_max_wait_time_after_its_own_sigterm() {
    let (mut sup, mut ops) = started(2);
    sup.begin_reload(&mut ops);
    assert_eq!(ops.take_kills(), vec![(101, libc::SIGTERM)]);
    ops.advance(WAIT);
    sup.tick(&mut ops);
    assert_eq!(
        ops.take_kills(),
        vec![(101, libc::SIGKILL)],
        "worker 1 was never asked to stop"
    );
    assert!(sup.is_reloading());
    sup.on_child_exit(101, ExitStatus::Signaled(libc::SIGKILL), &mut ops);
    // The reload moves on: worker 1 gets its SIGTERM now, and its own full grace period.
    assert_eq!(ops.take_kills(), vec![(102, libc::SIGTERM)]);
    ops.advance(WAIT - Duration::from_millis(1));
    sup.tick(&mut ops);
    assert!(ops.take_kills().is_empty(), "no SIGKILL before its own max_wait_time");
    sup.on_child_exit(102, TERM, &mut ops);
    assert!(!sup.is_reloading());
    assert_eq!(sup.live_workers(), 2);
    assert!(ops.take_kills().is_empty());
}

#[test]
fn reload_is_ignored_during_shutdown() {
    let (mut sup, mut ops) = started(2);
    sup.begin_shutdown(&mut ops);
    ops.take_kills();
    assert!(!sup.begin_reload(&mut ops));
    assert!(ops.take_kills().is_empty());
}

#[test]
fn detach_forks_a_replacement_and_leaves_the_old_process_alone() {
    let (mut sup, mut ops) = started(2);
    sup.on_detach(101, &mut ops);
    assert_eq!(sup.pid_of(0), Some(103));
    sup.begin_shutdown(&mut ops);
    assert_eq!(ops.take_kills(), vec![(103, libc::SIGTERM), (102, libc::SIGTERM)]);
    assert_eq!(
        sup.on_child_exit(101, ExitStatus::Exited(0), &mut ops),
        Reaped::Detached
    );
    assert_eq!(ops.spawned.len(), 3);
}

#[test]
fn detach_of_the_worker_a_reload_waits_for_moves_the_reload_on() {
    let (mut sup, mut ops) = started(2);
    sup.begin_reload(&mut ops);
    ops.take_kills();
    sup.on_detach(101, &mut ops);
    assert_eq!(ops.take_kills(), vec![(102, libc::SIGTERM)]);
}

#[test]
fn a_failed_fork_is_retried_later_not_in_a_loop() {
    let mut ops = FakeOps::new();
    ops.failing_spawns = 1;
    let mut sup = Supervisor::new(2, WAIT);
    sup.start_all(&mut ops);
    assert_eq!(sup.live_workers(), 1);
    assert_eq!(sup.next_deadline(), Some(ops.now() + SPAWN_RETRY_DELAY));
    sup.tick(&mut ops);
    assert_eq!(sup.live_workers(), 1, "not retried before the delay");
    ops.advance(SPAWN_RETRY_DELAY);
    sup.tick(&mut ops);
    assert_eq!(sup.live_workers(), 2);
    assert_eq!(sup.next_deadline(), None);
}

#[test]
fn exit_status_decodes_waitpid_values() {
    assert_eq!(ExitStatus::from_wait_status(0), ExitStatus::Exited(0));
    assert_eq!(ExitStatus::from_wait_status(3 << 8), ExitStatus::Exited(3));
    assert_eq!(
        ExitStatus::from_wait_status(libc::SIGKILL),
        ExitStatus::Signaled(libc::SIGKILL)
    );
}

const SEGV: ExitStatus = ExitStatus::Signaled(libc::SIGSEGV);

/// Lets slot 0's current process die `times` times, each `after` its start.
fn crash(sup: &mut Supervisor, ops: &mut FakeOps, times: usize, after: Duration, status: ExitStatus) {
    for _ in 0..times {
        let pid = sup.pid_of(0).expect("a live worker");
        ops.advance(after);
        sup.on_child_exit(pid, status, ops);
        if sup.pid_of(0).is_none() {
            return;
        }
    }
}

#[test]
fn a_crash_loop_is_slowed_down_with_a_growing_capped_delay() {
    let (mut sup, mut ops) = started(1);
    let policy = CrashLoopPolicy::default();
    crash(
        &mut sup,
        &mut ops,
        policy.threshold as usize - 1,
        Duration::from_millis(10),
        SEGV,
    );
    assert!(
        sup.pid_of(0).is_some(),
        "below the threshold a crash is respawned at once"
    );
    crash(&mut sup, &mut ops, 1, Duration::from_millis(10), SEGV);
    assert_eq!(sup.pid_of(0), None, "at the threshold the respawn waits");
    assert_eq!(sup.next_deadline(), Some(ops.now() + policy.first_delay));
    let mut delays = Vec::new();
    for _ in 0..10 {
        let wait = sup.next_deadline().unwrap() - ops.now();
        delays.push(wait);
        ops.advance(wait);
        sup.tick(&mut ops);
        crash(&mut sup, &mut ops, 1, Duration::from_millis(10), SEGV);
    }
    assert_eq!(delays[1], policy.first_delay * 2);
    assert!(delays.windows(2).all(|w| w[1] >= w[0]), "delays grow: {delays:?}");
    assert_eq!(*delays.last().unwrap(), policy.max_delay, "and are capped: {delays:?}");
}

#[test]
fn a_reported_failure_with_status_0_counts_as_a_crash() {
    let (mut sup, mut ops) = started(1);
    ops.workers_report_failure = true;
    let threshold = CrashLoopPolicy::default().threshold as usize;
    crash(
        &mut sup,
        &mut ops,
        threshold,
        Duration::from_millis(10),
        ExitStatus::Exited(0),
    );
    assert_eq!(sup.pid_of(0), None, "a WorkerStart that keeps throwing is slowed down");
    ops.workers_report_failure = false;
    ops.advance(sup.next_deadline().unwrap() - ops.now());
    sup.tick(&mut ops);
    crash(&mut sup, &mut ops, 1, Duration::from_millis(10), ExitStatus::Exited(0));
    assert!(
        sup.pid_of(0).is_some(),
        "a clean exit resets the count and is replaced at once"
    );
}

#[test]
fn a_worker_that_stays_up_resets_the_crash_count() {
    let (mut sup, mut ops) = started(1);
    crash(&mut sup, &mut ops, 2, Duration::from_millis(10), SEGV);
    crash(&mut sup, &mut ops, 1, Duration::from_secs(2), SEGV);
    crash(&mut sup, &mut ops, 2, Duration::from_millis(10), SEGV);
    assert!(sup.pid_of(0).is_some(), "the long-lived run started a new count");
}

#[test]
fn clean_exits_and_exits_the_pool_asked_for_are_never_delayed() {
    let (mut sup, mut ops) = started(1);
    crash(&mut sup, &mut ops, 10, Duration::from_millis(1), ExitStatus::Exited(0));
    assert!(sup.pid_of(0).is_some(), "status 0 is always replaced at once");
    for _ in 0..5 {
        sup.begin_reload(&mut ops);
        let pid = sup.pid_of(0).unwrap();
        ops.advance(Duration::from_millis(1));
        sup.on_child_exit(pid, TERM, &mut ops);
    }
    assert!(
        sup.pid_of(0).is_some(),
        "deaths by the reload's SIGTERM are not crashes"
    );
}

#[test]
fn a_zero_threshold_turns_the_protection_off() {
    let mut ops = FakeOps::new();
    let policy = CrashLoopPolicy {
        threshold: 0,
        ..CrashLoopPolicy::default()
    };
    let mut sup = Supervisor::new(1, WAIT).with_crash_loop(policy);
    sup.start_all(&mut ops);
    crash(&mut sup, &mut ops, 20, Duration::from_millis(1), ExitStatus::Exited(1));
    assert!(sup.pid_of(0).is_some());
}

#[test]
fn shutdown_cancels_a_pending_delayed_respawn() {
    let (mut sup, mut ops) = started(1);
    crash(&mut sup, &mut ops, 3, Duration::from_millis(10), SEGV);
    assert_eq!(sup.pid_of(0), None);
    let spawned = ops.spawned.len();
    sup.begin_shutdown(&mut ops);
    assert!(sup.is_finished());
    ops.advance(CrashLoopPolicy::default().max_delay);
    sup.tick(&mut ops);
    assert_eq!(ops.spawned.len(), spawned, "nothing is forked once the shutdown began");
}
