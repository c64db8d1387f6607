//! The manager's bookkeeping as pure logic: which process holds which worker id, what to do when a
//! child exits, how a rolling reload and a graceful shutdown progress, and when the `max_wait_time`
//! guard fires. It acts on the world only through `ProcessOps`, so it is unit-tested without forking.

use std::collections::{HashSet, VecDeque};
use std::time::{Duration, Instant};

use crate::config::{CrashLoopPolicy, RestartPolicy};
use crate::error::Error;
use crate::log::{info, warning};
use crate::signals;
use crate::worker_table::ExitReason;

pub type Pid = i32;

/// How a child ended, decoded from waitpid's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    Exited(i32),
    Signaled(i32),
}

impl ExitStatus {
    pub fn from_wait_status(status: i32) -> ExitStatus {
        if libc::WIFSIGNALED(status) {
            ExitStatus::Signaled(libc::WTERMSIG(status))
        } else {
            ExitStatus::Exited(libc::WEXITSTATUS(status))
        }
    }

    fn code(self) -> i32 {
        match self {
            ExitStatus::Exited(code) => code,
            ExitStatus::Signaled(_) => 0,
        }
    }

    fn signal(self) -> i32 {
        match self {
            ExitStatus::Exited(_) => 0,
            ExitStatus::Signaled(sig) => sig,
        }
    }

    fn is_clean(self) -> bool {
        self == ExitStatus::Exited(0)
    }
}

/// What the supervisor needs from the operating system.
pub trait ProcessOps {
    /// Starts a worker process for `worker_id` and returns its pid. (The real one forks; the child
    /// never returns from this call.)
    fn spawn(&mut self, worker_id: usize) -> Result<Pid, Error>;
    fn kill(&mut self, pid: Pid, signal: i32);
    fn now(&self) -> Instant;
    /// Called whenever the pid of a slot changes (None: no live process).
    fn slot_changed(&mut self, _worker_id: usize, _pid: Option<Pid>) {}
    /// Whether the worker of `worker_id`, just reaped, reported a failed callback before it exited
    /// (taken once).
    fn take_reported_failure(&mut self, _worker_id: usize) -> bool {
        false
    }
    /// Whether the worker of `worker_id`, just reaped, left on a restart policy (`max_request`),
    /// taken once.
    fn take_retired(&mut self, _worker_id: usize) -> bool {
        false
    }
    /// The message worker `worker_id` has in hand: (an id of that message, its age). None when idle.
    fn busy(&self, _worker_id: usize) -> Option<(u64, Duration)> {
        None
    }
    /// Resident memory of `pid`, bytes.
    fn rss(&self, _pid: Pid) -> Option<u64> {
        None
    }
    /// Something the figures of `stats()` count happened.
    fn record(&mut self, _event: Record) {}
}

/// What the supervisor reports for the pool's figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record {
    /// A process of the slot was forked (`replacement`: the slot had one before).
    Started { worker_id: usize, replacement: bool },
    /// A process of the slot was reaped.
    Exited { worker_id: usize, reason: ExitReason },
    /// A reload began.
    Reload,
    /// How many slots wait out a crash-loop delay now.
    CrashLoop(u64),
}

/// How often the restart policies are checked (request_timeout, slow_request); memory is sampled
/// every `MEMORY_SAMPLE`.
pub const POLICY_CHECK: Duration = Duration::from_millis(100);
/// How often resident memory is sampled for `max_memory`.
pub const MEMORY_SAMPLE: Duration = Duration::from_secs(1);

/// After a failed fork, the slot is tried again this much later instead of spinning.
pub const SPAWN_RETRY_DELAY: Duration = Duration::from_secs(1);

#[derive(Debug, Default, Clone)]
struct Slot {
    pid: Option<Pid>,
    retry_at: Option<Instant>,
    respawns: u64,
    started_at: Option<Instant>,
    /// The supervisor sent this process SIGTERM/SIGKILL (reload): its death by signal is expected.
    signalled: bool,
    /// Abnormal exits within the crash window of starting, in a row.
    quick_failures: u32,
    /// A restart policy asked this process to end, and why.
    ended_by: Option<ExitReason>,
    /// SIGKILL this process then (a policy's SIGTERM + max_wait_time).
    kill_at: Option<Instant>,
    /// The message `slow_request` last warned about.
    slow_warned: Option<u64>,
    /// The slot has had a process before (its next one is a replacement).
    had_process: bool,
}

#[derive(Debug)]
struct Reload {
    /// Old workers not yet told to stop, in id order.
    queue: VecDeque<(usize, Pid)>,
    /// The old worker told to stop whose exit the reload waits for.
    waiting_for: Option<Pid>,
    /// When `waiting_for` is SIGKILLed: `max_wait_time` after its own SIGTERM. A worker is never
    /// killed on the clock of another one, so the workers still queued lose nothing.
    deadline: Option<Instant>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Running,
    ShuttingDown { deadline: Option<Instant>, forced: bool },
}

/// Who a reaped pid was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reaped {
    Worker(usize),
    Detached,
    Stranger,
}

#[derive(Debug)]
pub struct Supervisor {
    slots: Vec<Slot>,
    detached: HashSet<Pid>,
    phase: Phase,
    reload: Option<Reload>,
    max_wait: Duration,
    crash_loop: CrashLoopPolicy,
    restart: RestartPolicy,
    next_policy_check: Option<Instant>,
    next_memory_sample: Option<Instant>,
}

impl Supervisor {
    pub fn new(worker_num: usize, max_wait: Duration) -> Supervisor {
        Supervisor {
            slots: vec![Slot::default(); worker_num],
            detached: HashSet::new(),
            phase: Phase::Running,
            reload: None,
            max_wait,
            crash_loop: CrashLoopPolicy::default(),
            restart: RestartPolicy::default(),
            next_policy_check: None,
            next_memory_sample: None,
        }
    }

    pub fn with_crash_loop(mut self, policy: CrashLoopPolicy) -> Supervisor {
        self.crash_loop = policy;
        self
    }

    /// The restart policies the manager enforces (`max_request` is the workers' own).
    pub fn with_restart_policy(mut self, policy: RestartPolicy) -> Supervisor {
        self.restart = policy;
        self
    }

    /// A new `max_wait_time` (a `Shutdown` callback changed it): grace periods that begin from now
    /// on use it.
    pub fn set_max_wait(&mut self, max_wait: Duration) {
        self.max_wait = max_wait;
    }

    /// Sends `signal` to a worker of slot `id` and remembers the pool asked for its end.
    fn signal_worker(&mut self, id: usize, pid: Pid, signal: i32, ops: &mut dyn ProcessOps) {
        if self.slots[id].pid == Some(pid) {
            self.slots[id].signalled = true;
        }
        ops.kill(pid, signal);
    }

    pub fn start_all(&mut self, ops: &mut dyn ProcessOps) {
        if self.restart.watches() {
            self.next_policy_check = Some(ops.now() + POLICY_CHECK);
        }
        for id in 0..self.slots.len() {
            self.spawn_slot(id, ops);
        }
    }

    #[cfg(test)]
    pub fn pid_of(&self, worker_id: usize) -> Option<Pid> {
        self.slots.get(worker_id).and_then(|s| s.pid)
    }

    #[cfg(test)]
    pub fn respawns_of(&self, worker_id: usize) -> u64 {
        self.slots.get(worker_id).map_or(0, |s| s.respawns)
    }

    /// Every process this supervisor forked and has not reaped: the slots' workers and the
    /// detached ones. The manager reaps these pids, and only these.
    pub fn known_pids(&self) -> Vec<Pid> {
        self.slots
            .iter()
            .filter_map(|s| s.pid)
            .chain(self.detached.iter().copied())
            .collect()
    }

    /// How many slots have a live process.
    pub fn live_workers(&self) -> usize {
        self.slots.iter().filter(|s| s.pid.is_some()).count()
    }

    pub fn is_shutting_down(&self) -> bool {
        matches!(self.phase, Phase::ShuttingDown { .. })
    }

    #[cfg(test)]
    pub fn is_reloading(&self) -> bool {
        self.reload.is_some()
    }

    /// The pool is done once it is shutting down and no worker is left.
    pub fn is_finished(&self) -> bool {
        self.is_shutting_down() && self.live_workers() == 0
    }

    /// Workers told to stop (SIGTERM) that have not exited yet.
    pub fn stopping(&self) -> Vec<(usize, Pid)> {
        if self.is_shutting_down() {
            return self
                .slots
                .iter()
                .enumerate()
                .filter_map(|(id, s)| s.pid.map(|pid| (id, pid)))
                .collect();
        }
        let reloading = self.reload.as_ref().and_then(|r| r.waiting_for);
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(id, s)| {
                let pid = s.pid?;
                (Some(pid) == reloading || s.ended_by == Some(ExitReason::Policy)).then_some((id, pid))
            })
            .collect()
    }

    fn worker_of(&self, pid: Pid) -> Option<usize> {
        self.slots.iter().position(|s| s.pid == Some(pid))
    }

    fn spawn_slot(&mut self, id: usize, ops: &mut dyn ProcessOps) {
        match ops.spawn(id) {
            Ok(pid) => {
                let slot = &mut self.slots[id];
                let replacement = slot.had_process;
                slot.pid = Some(pid);
                slot.retry_at = None;
                slot.started_at = Some(ops.now());
                slot.signalled = false;
                slot.ended_by = None;
                slot.kill_at = None;
                slot.slow_warned = None;
                slot.had_process = true;
                ops.slot_changed(id, Some(pid));
                ops.record(Record::Started {
                    worker_id: id,
                    replacement,
                });
                info!("worker#{id} started, pid {pid}");
            }
            Err(e) => {
                let retry_at = ops.now() + SPAWN_RETRY_DELAY;
                self.slots[id].retry_at = Some(retry_at);
                warning!(
                    "worker#{id} could not be started: {e}; retrying in {}s",
                    SPAWN_RETRY_DELAY.as_secs()
                );
            }
        }
    }

    /// A child was reaped. Workers are replaced at once unless the pool is shutting down.
    pub fn on_child_exit(&mut self, pid: Pid, status: ExitStatus, ops: &mut dyn ProcessOps) -> Reaped {
        if self.detached.remove(&pid) {
            info!(
                "detached process {pid} exited (status={}, signal={})",
                status.code(),
                status.signal()
            );
            return Reaped::Detached;
        }
        let Some(id) = self.worker_of(pid) else {
            warning!(
                "reaped process {pid} that the pool did not fork (status={}, signal={}); not replaced",
                status.code(),
                status.signal()
            );
            return Reaped::Stranger;
        };
        let reason = self.exit_reason(id, status, ops);
        self.slots[id].pid = None;
        self.slots[id].kill_at = None;
        ops.slot_changed(id, None);
        ops.record(Record::Exited { worker_id: id, reason });
        if self.is_shutting_down() {
            info!(
                "worker#{id} (pid {pid}) stopped (status={}, signal={})",
                status.code(),
                status.signal()
            );
            return Reaped::Worker(id);
        }
        self.slots[id].respawns += 1;
        let failed = ops.take_reported_failure(id);
        let delay = self.crash_loop_delay(id, pid, status, failed, ops.now());
        let in_burst = self.crash_loop.threshold > 0 && self.slots[id].quick_failures > self.crash_loop.threshold;
        if status.is_clean() && failed {
            // The embedder reported the failure itself (PHP prints the uncaught exception), as
            // Swoole does; the manager only warns once a burst of them makes a crash loop.
            info!("worker#{id} (pid {pid}) exited with status 0 after a callback failed");
        } else if status.is_clean() {
            info!("worker#{id} (pid {pid}) exited with status 0");
        } else {
            let signal = status.signal();
            let line = format!(
                "worker#{id} (pid {pid}) abnormal exit, status={}, signal={}{}",
                status.code(),
                signal,
                if signal != 0 {
                    format!(" ({})", signals::name(signal))
                } else {
                    String::new()
                }
            );
            // Within a crash-loop burst, its one warning says it all; each death is only info. A
            // restart policy's own kill was already explained by its warning.
            if in_burst || matches!(reason, ExitReason::Policy | ExitReason::RequestTimeout) {
                info!("{line}");
            } else {
                warning!("{line}");
            }
        }
        if delay.is_zero() {
            self.spawn_slot(id, ops);
        } else {
            self.slots[id].retry_at = Some(ops.now() + delay);
        }
        ops.record(Record::CrashLoop(self.crash_looping()));
        if self.reload.as_ref().is_some_and(|r| r.waiting_for == Some(pid)) {
            self.advance_reload(ops);
        }
        Reaped::Worker(id)
    }

    /// Why the process of slot `id` ended, for the figures.
    fn exit_reason(&mut self, id: usize, status: ExitStatus, ops: &mut dyn ProcessOps) -> ExitReason {
        let retired = ops.take_retired(id);
        let slot = &mut self.slots[id];
        if let Some(reason) = slot.ended_by.take() {
            return reason;
        }
        if retired {
            return ExitReason::Policy;
        }
        match status {
            _ if status.is_clean() || slot.signalled => ExitReason::Clean,
            ExitStatus::Exited(_) => ExitReason::ExitCode,
            ExitStatus::Signaled(_) => ExitReason::Signal,
        }
    }

    /// Counts quick abnormal exits of slot `id` (a non-zero status, a signal the pool did not send, or
    /// a reported failure) and says how long to wait before respawning it.
    fn crash_loop_delay(&mut self, id: usize, pid: Pid, status: ExitStatus, failed: bool, now: Instant) -> Duration {
        let policy = self.crash_loop;
        let slot = &mut self.slots[id];
        let quick = slot.started_at.is_some_and(|t| now.duration_since(t) < policy.window);
        let abnormal = (!status.is_clean() || failed) && !slot.signalled;
        if !(quick && abnormal) {
            slot.quick_failures = 0;
            return Duration::ZERO;
        }
        slot.quick_failures += 1;
        let delay = policy.delay(slot.quick_failures);
        if policy.threshold > 0 && slot.quick_failures == policy.threshold {
            warning!(
                "worker#{id} (pid {pid}) is crash-looping: {} abnormal exits within {:?} of starting; respawning it with a growing delay (up to {:?}) until it stays up",
                policy.threshold,
                policy.window,
                policy.max_delay
            );
        }
        delay
    }

    /// Slots waiting out a crash-loop delay now.
    fn crash_looping(&self) -> u64 {
        let threshold = self.crash_loop.threshold;
        self.slots
            .iter()
            .filter(|s| s.pid.is_none() && s.retry_at.is_some() && threshold > 0 && s.quick_failures >= threshold)
            .count() as u64
    }

    /// `detach()` in a worker: the slot gets a new process at once; the old one is left alone.
    pub fn on_detach(&mut self, pid: Pid, ops: &mut dyn ProcessOps) {
        let Some(id) = self.worker_of(pid) else { return };
        self.detached.insert(pid);
        self.slots[id].pid = None;
        ops.slot_changed(id, None);
        info!("worker#{id} (pid {pid}) detached; forking its replacement");
        if self.is_shutting_down() {
            return;
        }
        self.spawn_slot(id, ops);
        if let Some(reload) = &mut self.reload {
            reload.queue.retain(|&(_, p)| p != pid);
            if reload.waiting_for == Some(pid) {
                self.advance_reload(ops);
            }
        }
    }

    /// SIGUSR1/SIGUSR2: stop old workers one at a time. Ignored while a reload or shutdown runs.
    pub fn begin_reload(&mut self, ops: &mut dyn ProcessOps) -> bool {
        if self.is_shutting_down() {
            info!("reload ignored: the pool is shutting down");
            return false;
        }
        if self.reload.is_some() {
            info!("reload ignored: a reload is already running");
            return false;
        }
        let queue = self
            .slots
            .iter()
            .enumerate()
            .filter_map(|(id, s)| s.pid.map(|pid| (id, pid)))
            .collect();
        info!("reloading workers one at a time");
        ops.record(Record::Reload);
        self.reload = Some(Reload {
            queue,
            waiting_for: None,
            deadline: None,
        });
        self.advance_reload(ops);
        true
    }

    fn advance_reload(&mut self, ops: &mut dyn ProcessOps) {
        let Some(reload) = &mut self.reload else { return };
        reload.waiting_for = None;
        reload.deadline = None;
        while let Some((id, pid)) = reload.queue.pop_front() {
            // An old worker that already died or detached has nothing left to reload.
            if self.slots[id].pid == Some(pid) {
                reload.waiting_for = Some(pid);
                reload.deadline = grace_end(ops.now(), self.max_wait);
                self.slots[id].signalled = true;
                ops.kill(pid, libc::SIGTERM);
                return;
            }
        }
        self.reload = None;
        info!("reload finished");
    }

    /// SIGTERM/SIGINT/shutdown(): tell every worker to stop. The caller runs the `Shutdown`
    /// callback first. False when a shutdown already runs.
    pub fn begin_shutdown(&mut self, ops: &mut dyn ProcessOps) -> bool {
        if self.is_shutting_down() {
            return false;
        }
        let deadline = grace_end(ops.now(), self.max_wait);
        self.phase = Phase::ShuttingDown {
            deadline,
            forced: false,
        };
        self.reload = None;
        for slot in &mut self.slots {
            slot.retry_at = None;
            if let Some(pid) = slot.pid {
                ops.kill(pid, libc::SIGTERM);
            }
        }
        true
    }

    /// The next instant at which `tick` has something to do.
    pub fn next_deadline(&self) -> Option<Instant> {
        let retry = self.slots.iter().filter_map(|s| s.retry_at).min();
        let kill = self.slots.iter().filter_map(|s| s.kill_at).min();
        let policy = self.next_policy_check;
        let reload = self.reload.as_ref().and_then(|r| r.deadline);
        let shutdown = match self.phase {
            Phase::ShuttingDown {
                deadline,
                forced: false,
            } => deadline,
            _ => None,
        };
        [retry, kill, policy, reload, shutdown].into_iter().flatten().min()
    }

    /// Time-driven work: fork retries and the `max_wait_time` guards.
    pub fn tick(&mut self, ops: &mut dyn ProcessOps) {
        let now = ops.now();
        if let Phase::ShuttingDown {
            deadline: Some(deadline),
            forced: false,
        } = self.phase
        {
            if now >= deadline {
                self.phase = Phase::ShuttingDown {
                    deadline: Some(deadline),
                    forced: true,
                };
                for (id, slot) in self.slots.iter().enumerate() {
                    if let Some(pid) = slot.pid {
                        warning!(
                            "worker#{id} (pid {pid}) still running {}s after SIGTERM; sending SIGKILL",
                            self.max_wait.as_secs_f64()
                        );
                        ops.kill(pid, libc::SIGKILL);
                    }
                }
            }
            return;
        }
        if self.is_shutting_down() {
            return;
        }
        if let Some(reload) = &mut self.reload {
            if reload.deadline.is_some_and(|d| now >= d) {
                // Once: the reload goes on when this worker is reaped.
                reload.deadline = None;
                if let Some(pid) = reload.waiting_for {
                    if let Some(id) = self.worker_of(pid) {
                        warning!(
                            "worker#{id} (pid {pid}) still running {}s after its SIGTERM (reload); sending SIGKILL",
                            self.max_wait.as_secs_f64()
                        );
                        self.signal_worker(id, pid, libc::SIGKILL, ops);
                    }
                }
            }
        }
        for id in 0..self.slots.len() {
            if self.slots[id].retry_at.is_some_and(|t| now >= t) {
                self.spawn_slot(id, ops);
            }
            if let (Some(pid), Some(at)) = (self.slots[id].pid, self.slots[id].kill_at) {
                if now >= at {
                    self.slots[id].kill_at = None;
                    warning!(
                        "worker#{id} (pid {pid}) still running {}s after a restart policy asked it to stop; sending SIGKILL",
                        self.max_wait.as_secs_f64()
                    );
                    self.signal_worker(id, pid, libc::SIGKILL, ops);
                }
            }
        }
        if self.restart.watches() {
            self.check_policies(now, ops);
        }
    }

    /// request_timeout, slow_request and max_memory, every POLICY_CHECK (memory every MEMORY_SAMPLE).
    fn check_policies(&mut self, now: Instant, ops: &mut dyn ProcessOps) {
        if self.next_policy_check.is_some_and(|t| now < t) {
            return;
        }
        self.next_policy_check = Some(now + POLICY_CHECK);
        let sample_memory = self.restart.max_memory > 0 && self.next_memory_sample.is_none_or(|t| now >= t);
        if sample_memory {
            self.next_memory_sample = Some(now + MEMORY_SAMPLE);
        }
        let policy = self.restart;
        for id in 0..self.slots.len() {
            let Some(pid) = self.slots[id].pid else { continue };
            if self.slots[id].ended_by.is_some() {
                continue;
            }
            if let Some((message, age)) = ops.busy(id) {
                if !policy.request_timeout.is_zero() && age > policy.request_timeout {
                    warning!(
                        "worker#{id} (pid {pid}) killed: its message has run {:.1}s, over request_timeout {}s",
                        age.as_secs_f64(),
                        policy.request_timeout.as_secs_f64()
                    );
                    self.slots[id].ended_by = Some(ExitReason::RequestTimeout);
                    self.signal_worker(id, pid, libc::SIGKILL, ops);
                    continue;
                }
                if !policy.slow_request.is_zero()
                    && age > policy.slow_request
                    && self.slots[id].slow_warned != Some(message)
                {
                    self.slots[id].slow_warned = Some(message);
                    warning!(
                        "worker#{id} (pid {pid}) is slow: its message has run {:.1}s (slow_request {}s)",
                        age.as_secs_f64(),
                        policy.slow_request.as_secs_f64()
                    );
                }
            }
            if sample_memory {
                if let Some(rss) = ops.rss(pid).filter(|&rss| rss > policy.max_memory) {
                    warning!(
                        "worker#{id} (pid {pid}) uses {} bytes, over max_memory {}: asking it to stop after the message in hand",
                        rss,
                        policy.max_memory
                    );
                    self.slots[id].ended_by = Some(ExitReason::Policy);
                    self.slots[id].kill_at = grace_end(now, self.max_wait);
                    self.signal_worker(id, pid, libc::SIGTERM, ops);
                }
            }
        }
    }
}

/// When a grace period that starts `now` ends; None when `max_wait` is 0 (never force). Saturates:
/// no user-given duration can overflow the clock.
fn grace_end(now: Instant, max_wait: Duration) -> Option<Instant> {
    if max_wait.is_zero() {
        return None;
    }
    Some(
        now.checked_add(max_wait)
            .unwrap_or(now + Duration::from_secs(365 * 24 * 3600)),
    )
}

#[cfg(test)]
#[path = "supervisor_tests.rs"]
mod tests;
