//! `stats()`: the pool's and each worker's figures, read from the shared worker table without a
//! lock, in any process of the pool (and kept by the manager after start() returned).

use std::time::Duration;

use crate::ipc_mode::IpcMode;
pub use crate::worker_table::ExitReason;
use crate::worker_table::{unix_ms, SlotState, TableSnapshot, DURATION_BUCKETS_US, EXIT_REASONS};

/// A worker's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerState {
    /// No live process in the slot (between a death and the replacement, or in a crash-loop delay).
    Empty,
    /// Running WorkerStart (IPC_NONE: its whole life).
    Starting,
    /// Waiting for a message.
    Idle,
    /// Running `Message`.
    Busy,
    /// Asked to stop, not exited yet.
    Stopping,
}

impl WorkerState {
    /// The lower-case name used by `stats()` and the metrics.
    pub fn name(self) -> &'static str {
        match self {
            WorkerState::Empty => "empty",
            WorkerState::Starting => "starting",
            WorkerState::Idle => "idle",
            WorkerState::Busy => "busy",
            WorkerState::Stopping => "stopping",
        }
    }

    /// Every state, in order.
    pub const ALL: [WorkerState; 5] = [
        WorkerState::Empty,
        WorkerState::Starting,
        WorkerState::Idle,
        WorkerState::Busy,
        WorkerState::Stopping,
    ];
}

impl From<SlotState> for WorkerState {
    fn from(state: SlotState) -> WorkerState {
        match state {
            SlotState::Empty => WorkerState::Empty,
            SlotState::Starting => WorkerState::Starting,
            SlotState::Idle => WorkerState::Idle,
            SlotState::Busy => WorkerState::Busy,
            SlotState::Stopping => WorkerState::Stopping,
        }
    }
}

impl ExitReason {
    /// The lower-case name used by `stats()` and the metrics' `reason` label.
    pub fn name(self) -> &'static str {
        match self {
            ExitReason::Clean => "clean",
            ExitReason::ExitCode => "exit_code",
            ExitReason::Signal => "signal",
            ExitReason::Policy => "restart_policy",
            ExitReason::RequestTimeout => "request_timeout",
        }
    }

    /// Every reason, in the order of `PoolStats::exits`.
    pub const ALL: [ExitReason; EXIT_REASONS] = [
        ExitReason::Clean,
        ExitReason::ExitCode,
        ExitReason::Signal,
        ExitReason::Policy,
        ExitReason::RequestTimeout,
    ];
}

/// One worker slot's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerStats {
    /// The worker id.
    pub id: usize,
    /// The current process (None: the slot has none right now).
    pub pid: Option<i32>,
    /// What it is doing.
    pub state: WorkerState,
    /// When the current process started (Unix time, seconds).
    pub started_at: f64,
    /// Messages handled by the current process.
    pub messages: u64,
    /// Age of the message in hand.
    pub busy_for: Option<Duration>,
    /// Resident memory of the current process (bytes, from /proc).
    pub rss: Option<u64>,
    /// Processes this slot had after its first.
    pub restarts: u64,
}

/// The message-duration histogram (all workers, since the pool started).
#[derive(Debug, Clone, PartialEq)]
pub struct DurationHistogram {
    /// (upper bound in seconds, messages that took at most that long: cumulative); the last bound
    /// is +Inf.
    pub buckets: Vec<(f64, u64)>,
    /// Total time of all messages, seconds.
    pub sum: f64,
    /// How many messages.
    pub count: u64,
}

/// The pool's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolStats {
    /// The manager's pid.
    pub master_pid: i32,
    /// The IPC mode.
    pub ipc_mode: IpcMode,
    /// Time since start() began.
    pub uptime: Duration,
    /// Configured worker count.
    pub workers: usize,
    /// Slots with a live process.
    pub workers_alive: usize,
    /// How many workers are in each state, in `WorkerState::ALL` order.
    pub by_state: [usize; 5],
    /// Worker processes forked, in all.
    pub worker_starts: u64,
    /// Worker processes ended, by reason, in `ExitReason::ALL` order.
    pub exits: [u64; EXIT_REASONS],
    /// Reloads (SIGUSR1/SIGUSR2) begun.
    pub reloads: u64,
    /// Slots waiting out a crash-loop delay now.
    pub crash_loop: u64,
    /// Messages handled, in all.
    pub messages: u64,
    /// Messages waiting (MSGQUEUE: the queue's count; SOCKET over TCP: connections waiting to be
    /// accepted); None where the mode has no such figure.
    pub queue_depth: Option<u64>,
    /// How long messages took.
    pub durations: DurationHistogram,
    /// Per worker, by id.
    pub per_worker: Vec<WorkerStats>,
}

impl PoolStats {
    /// Worker `id`'s figures; `Error::InvalidWorkerId` outside `0..workers`.
    pub fn worker(&self, id: i64) -> crate::error::Result<&WorkerStats> {
        usize::try_from(id)
            .ok()
            .and_then(|i| self.per_worker.get(i))
            .ok_or(crate::error::Error::InvalidWorkerId {
                id,
                worker_num: self.workers,
            })
    }

    /// Builds the figures from a table snapshot and what the manager knows besides.
    pub(crate) fn from_snapshot(
        snapshot: &TableSnapshot,
        master_pid: i32,
        ipc_mode: IpcMode,
        queue_depth: Option<u64>,
        rss: impl Fn(i32) -> Option<u64>,
    ) -> PoolStats {
        let mut by_state = [0usize; 5];
        let per_worker: Vec<WorkerStats> = snapshot
            .slots
            .iter()
            .map(|s| {
                let state = if s.pid > 0 {
                    WorkerState::from(s.state)
                } else {
                    WorkerState::Empty
                };
                by_state[WorkerState::ALL.iter().position(|&w| w == state).unwrap_or(0)] += 1;
                WorkerStats {
                    id: s.id,
                    pid: (s.pid > 0).then_some(s.pid),
                    state,
                    started_at: s.started_at_ms as f64 / 1000.0,
                    messages: s.messages,
                    busy_for: s.busy_for_us.map(Duration::from_micros),
                    rss: (s.pid > 0).then(|| rss(s.pid)).flatten(),
                    restarts: s.restarts,
                }
            })
            .collect();
        let mut cumulative = 0;
        let buckets = snapshot
            .duration_buckets
            .iter()
            .enumerate()
            .map(|(i, &n)| {
                cumulative += n;
                let le = DURATION_BUCKETS_US.get(i).map_or(f64::INFINITY, |&us| us as f64 / 1e6);
                (le, cumulative)
            })
            .collect();
        PoolStats {
            master_pid,
            ipc_mode,
            uptime: Duration::from_millis(unix_ms().saturating_sub(snapshot.started_at_ms)),
            workers: snapshot.slots.len(),
            workers_alive: per_worker.iter().filter(|w| w.pid.is_some()).count(),
            by_state,
            worker_starts: snapshot.worker_starts,
            exits: snapshot.exits,
            reloads: snapshot.reloads,
            crash_loop: snapshot.crash_loop,
            messages: snapshot.messages,
            queue_depth,
            durations: DurationHistogram {
                buckets,
                sum: snapshot.duration_sum_us as f64 / 1e6,
                count: snapshot.duration_count,
            },
            per_worker,
        }
    }
}

/// Resident memory of `pid` in bytes, from /proc/PID/statm (None when it is gone).
pub(crate) fn rss_of(pid: i32) -> Option<u64> {
    let statm = std::fs::read_to_string(format!("/proc/{pid}/statm")).ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(4096) as u64;
    Some(pages * page)
}

/// Messages waiting for a worker: MSGQUEUE's queue count, or for a TCP listening socket the
/// connections in its accept queue (Linux reports it as `tcpi_unacked`). None elsewhere.
pub(crate) fn queue_depth(queue_id: Option<i32>, listen_fd: Option<std::os::fd::RawFd>) -> Option<u64> {
    if let Some(id) = queue_id {
        // SAFETY: IPC_STAT writes into a msqid_ds we own.
        let mut info: libc::msqid_ds = unsafe { std::mem::zeroed() };
        // SAFETY: as above.
        return (unsafe { libc::msgctl(id, libc::IPC_STAT, &mut info) } == 0).then_some(info.msg_qnum as u64);
    }
    let fd = listen_fd?;
    // SAFETY: TCP_INFO writes at most `len` bytes into the tcp_info we own; a unix socket fails it.
    let mut info: libc::tcp_info = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::tcp_info>() as libc::socklen_t;
    // SAFETY: as above.
    let ok = unsafe {
        libc::getsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_INFO,
            (&mut info as *mut libc::tcp_info).cast(),
            &mut len,
        )
    } == 0;
    ok.then_some(u64::from(info.tcpi_unacked))
}
