//! What every process of the pool may know about the pool and each worker slot, in a shared
//! anonymous mapping made before the first fork. Per slot: its current pid (so
//! `getProcess($id)->pid` shows a replacement's pid anywhere); whether its worker is waiting for
//! work (so the manager knows which stopping workers may be blocked in a call a signal has to
//! interrupt again); whether it reported a failed callback (so the crash-loop guard counts it
//! whatever its exit status); and its figures for `stats()` and the metrics. Pool-wide: the
//! manager's counters and the message-duration histogram.
//!
//! Everything is an atomic: a worker updates its own figures on the hot path with a few relaxed
//! stores and no syscall, and any process reads them without a lock.

use std::sync::atomic::{AtomicI32, AtomicU32, AtomicU64, Ordering};

use crate::error::{Error, Result};

/// Upper bounds (µs) of the message-duration histogram's buckets; a last bucket takes the rest.
pub const DURATION_BUCKETS_US: [u64; 12] = [
    100, 500, 1_000, 5_000, 10_000, 50_000, 100_000, 500_000, 1_000_000, 5_000_000, 10_000_000, 60_000_000,
];

/// A worker's state as `stats()` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotState {
    /// No live process.
    Empty = 0,
    /// Forked, running WorkerStart (IPC_NONE: its whole life).
    Starting = 1,
    /// Waiting for a message.
    Idle = 2,
    /// Running `Message`.
    Busy = 3,
    /// Asked to stop (SIGTERM), not exited yet.
    Stopping = 4,
}

impl SlotState {
    fn from_raw(raw: u32) -> SlotState {
        match raw {
            1 => SlotState::Starting,
            2 => SlotState::Idle,
            3 => SlotState::Busy,
            4 => SlotState::Stopping,
            _ => SlotState::Empty,
        }
    }
}

/// Why a worker process ended, as the counters tell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitReason {
    /// Status 0 on its own (or at the pool's request: reload, shutdown).
    Clean = 0,
    /// A non-zero exit status.
    ExitCode = 1,
    /// A signal the pool did not send.
    Signal = 2,
    /// A restart policy (`max_request`, `max_memory`).
    Policy = 3,
    /// Killed by `request_timeout`.
    RequestTimeout = 4,
}

/// The number of `ExitReason`s.
pub const EXIT_REASONS: usize = 5;

#[repr(C)]
struct Slot {
    pid: AtomicI32,
    waiting: AtomicI32,
    /// Set by the slot's worker when a callback failed; taken by the manager when it reaps it.
    failed: AtomicI32,
    /// Set by the slot's worker when it leaves on a restart policy (`max_request`).
    retired: AtomicI32,
    state: AtomicU32,
    /// Unix time (ms) the current process started.
    started_at_ms: AtomicU64,
    /// Messages handled by the current process.
    messages: AtomicU64,
    /// CLOCK_MONOTONIC (µs) when the message in hand began; 0 when none is.
    busy_since_us: AtomicU64,
    /// Processes this slot had after its first (manager-owned).
    restarts: AtomicU64,
    /// How long this process's messages took (its own histogram: one writer, so plain stores).
    durations: Durations,
}

/// A message-duration histogram. A slot's is written by its worker only; the header's holds what
/// exited processes had (added by the manager when it reaps them).
#[repr(C)]
struct Durations {
    buckets: [AtomicU64; DURATION_BUCKETS_US.len() + 1],
    sum_us: AtomicU64,
    count: AtomicU64,
}

/// `a += n` by the only writer of `a`: a load and a store, no locked instruction.
fn bump(a: &AtomicU64, n: u64) {
    a.store(a.load(Ordering::Relaxed).wrapping_add(n), Ordering::Relaxed);
}

#[repr(C)]
struct Header {
    started_at_ms: AtomicU64,
    worker_starts: AtomicU64,
    exits: [AtomicU64; EXIT_REASONS],
    reloads: AtomicU64,
    /// Slots waiting out a crash-loop delay right now.
    crash_loop: AtomicU64,
    /// Messages handled by processes that have exited (the live ones count in their slot).
    messages_retired: AtomicU64,
    /// Message durations of processes that have exited.
    durations_retired: Durations,
}

pub struct WorkerTable {
    base: *mut u8,
    len: usize,
}

// SAFETY: the mapping holds atomics only and lives until drop, so moving the owner to another
// thread is sound.
unsafe impl Send for WorkerTable {}
// SAFETY: every access goes through atomics, so shared use from several threads is sound.
unsafe impl Sync for WorkerTable {}

/// CLOCK_MONOTONIC in µs: the same clock in every process of the machine (a vDSO call, no syscall).
pub fn monotonic_us() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes into the timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000 + ts.tv_nsec as u64 / 1_000
}

/// Unix time in ms.
pub fn unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

impl WorkerTable {
    pub fn new(len: usize) -> Result<WorkerTable> {
        // SAFETY: a fresh anonymous shared mapping; checked for MAP_FAILED below.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                Self::bytes(len),
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(Error::last_os("mmap (shared worker table)"));
        }
        // Anonymous mappings are zero-filled: pid 0 ("no process"), not waiting, counters at 0.
        let table = WorkerTable { base: base.cast(), len };
        table.header().started_at_ms.store(unix_ms(), Ordering::Relaxed);
        Ok(table)
    }

    fn bytes(len: usize) -> usize {
        std::mem::size_of::<Header>() + len.max(1) * std::mem::size_of::<Slot>()
    }

    fn header(&self) -> &Header {
        // SAFETY: the header is at the start of the mapping (page-aligned), which outlives &self.
        unsafe { &*self.base.cast::<Header>() }
    }

    fn slot(&self, id: usize) -> Option<&Slot> {
        // SAFETY: id < len is inside the mapping, after the header; Header's size is a multiple of
        // 8, so every Slot is aligned; the mapping outlives &self.
        (id < self.len).then(|| unsafe { &*self.base.add(std::mem::size_of::<Header>()).cast::<Slot>().add(id) })
    }

    /// Records the slot's process (0: none). A slot left empty is not waiting; a new process's own
    /// flag is left alone, as the worker may set it before the manager records its pid.
    pub fn set_pid(&self, id: usize, pid: i32) {
        if let Some(slot) = self.slot(id) {
            if pid <= 0 {
                slot.waiting.store(0, Ordering::SeqCst);
                slot.state.store(SlotState::Empty as u32, Ordering::Relaxed);
                slot.busy_since_us.store(0, Ordering::Relaxed);
            }
            slot.pid.store(pid, Ordering::Release);
        }
    }

    /// The slot's pid, or None while the slot has no live process.
    pub fn pid(&self, id: usize) -> Option<i32> {
        self.slot(id)
            .map(|s| s.pid.load(Ordering::Acquire))
            .filter(|&pid| pid > 0)
    }

    pub fn set_waiting(&self, id: usize, waiting: bool) {
        if let Some(slot) = self.slot(id) {
            slot.waiting.store(waiting as i32, Ordering::SeqCst);
        }
    }

    /// The worker of slot `id` reports that a callback failed (before it exits).
    pub fn report_failure(&self, id: usize) {
        if let Some(slot) = self.slot(id) {
            slot.failed.store(1, Ordering::SeqCst);
        }
    }

    /// Whether the (just reaped) worker of slot `id` reported a failure; clears the report.
    pub fn take_failure(&self, id: usize) -> bool {
        self.slot(id).is_some_and(|s| s.failed.swap(0, Ordering::SeqCst) != 0)
    }

    /// The worker of slot `id` leaves on a restart policy (`max_request`).
    pub fn report_retired(&self, id: usize) {
        if let Some(slot) = self.slot(id) {
            slot.retired.store(1, Ordering::SeqCst);
        }
    }

    /// Whether the (just reaped) worker of slot `id` left on a restart policy; clears the report.
    pub fn take_retired(&self, id: usize) -> bool {
        self.slot(id).is_some_and(|s| s.retired.swap(0, Ordering::SeqCst) != 0)
    }

    pub fn is_waiting(&self, id: usize) -> bool {
        self.slot(id).is_some_and(|s| s.waiting.load(Ordering::SeqCst) != 0)
    }

    // ---- figures: written by the slot's own worker ----

    /// A new process of slot `id` begins (called in the child right after the fork).
    pub fn worker_began(&self, id: usize) {
        if let Some(slot) = self.slot(id) {
            slot.started_at_ms.store(unix_ms(), Ordering::Relaxed);
            slot.messages.store(0, Ordering::Relaxed);
            slot.busy_since_us.store(0, Ordering::Relaxed);
            let d = &slot.durations;
            d.buckets
                .iter()
                .chain([&d.sum_us, &d.count])
                .for_each(|a| a.store(0, Ordering::Relaxed));
            slot.state.store(SlotState::Starting as u32, Ordering::Relaxed);
        }
    }

    pub fn set_state(&self, id: usize, state: SlotState) {
        if let Some(slot) = self.slot(id) {
            slot.state.store(state as u32, Ordering::Relaxed);
        }
    }

    /// A message is in hand from `now_us` (monotonic).
    pub fn message_began(&self, id: usize, now_us: u64) {
        if let Some(slot) = self.slot(id) {
            slot.busy_since_us.store(now_us.max(1), Ordering::Relaxed);
            slot.state.store(SlotState::Busy as u32, Ordering::Relaxed);
        }
    }

    /// The message in hand is done at `now_us`; returns how many this process has handled. Only
    /// the slot's own worker writes these fields: loads and stores, no locked instruction.
    pub fn message_ended(&self, id: usize, now_us: u64) -> u64 {
        let Some(slot) = self.slot(id) else { return 0 };
        let began = slot.busy_since_us.load(Ordering::Relaxed);
        slot.busy_since_us.store(0, Ordering::Relaxed);
        slot.state.store(SlotState::Idle as u32, Ordering::Relaxed);
        let took = now_us.saturating_sub(began);
        let bucket = DURATION_BUCKETS_US
            .iter()
            .position(|&le| took <= le)
            .unwrap_or(DURATION_BUCKETS_US.len());
        let d = &slot.durations;
        bump(&d.buckets[bucket], 1);
        bump(&d.sum_us, took);
        bump(&d.count, 1);
        let handled = slot.messages.load(Ordering::Relaxed) + 1;
        slot.messages.store(handled, Ordering::Relaxed);
        handled
    }

    // ---- figures: written by the manager ----

    /// A process of slot `id` was forked; `replacement`: the slot had one before.
    pub fn count_start(&self, id: usize, replacement: bool) {
        self.header().worker_starts.fetch_add(1, Ordering::Relaxed);
        if let (Some(slot), true) = (self.slot(id), replacement) {
            slot.restarts.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The process of slot `id` was reaped for `reason`: its messages move to the pool's total.
    pub fn count_exit(&self, id: usize, reason: ExitReason) {
        let header = self.header();
        header.exits[reason as usize].fetch_add(1, Ordering::Relaxed);
        if let Some(slot) = self.slot(id) {
            // The process is reaped: nothing writes its slot until the next fork.
            header
                .messages_retired
                .fetch_add(slot.messages.swap(0, Ordering::Relaxed), Ordering::Relaxed);
            let (from, to) = (&slot.durations, &header.durations_retired);
            for (a, b) in from
                .buckets
                .iter()
                .chain([&from.sum_us, &from.count])
                .zip(to.buckets.iter().chain([&to.sum_us, &to.count]))
            {
                b.fetch_add(a.swap(0, Ordering::Relaxed), Ordering::Relaxed);
            }
        }
    }

    pub fn count_reload(&self) {
        self.header().reloads.fetch_add(1, Ordering::Relaxed);
    }

    pub fn set_crash_loop(&self, slots: u64) {
        self.header().crash_loop.store(slots, Ordering::Relaxed);
    }

    // ---- reading ----

    /// Age of the message slot `id` has in hand (None: none), against monotonic `now_us`.
    pub fn busy_for_us(&self, id: usize, now_us: u64) -> Option<u64> {
        let began = self.slot(id)?.busy_since_us.load(Ordering::Relaxed);
        (began != 0).then(|| now_us.saturating_sub(began))
    }

    /// A copy of every figure, as of now.
    pub fn snapshot(&self) -> TableSnapshot {
        let h = self.header();
        let now_us = monotonic_us();
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let slots = (0..self.len)
            .filter_map(|id| self.slot(id).map(|s| (id, s)))
            .map(|(id, s)| SlotSnapshot {
                id,
                pid: s.pid.load(Ordering::Acquire).max(0),
                state: SlotState::from_raw(s.state.load(Ordering::Relaxed)),
                started_at_ms: load(&s.started_at_ms),
                messages: load(&s.messages),
                busy_for_us: self.busy_for_us(id, now_us),
                restarts: load(&s.restarts),
            })
            .collect::<Vec<_>>();
        let live_messages: u64 = slots.iter().map(|s| s.messages).sum();
        // Durations: the exited processes' plus every live slot's.
        let all = |pick: &dyn Fn(&Durations) -> &AtomicU64| {
            load(pick(&h.durations_retired))
                + (0..self.len)
                    .filter_map(|id| self.slot(id))
                    .map(|s| load(pick(&s.durations)))
                    .sum::<u64>()
        };
        TableSnapshot {
            started_at_ms: load(&h.started_at_ms),
            worker_starts: load(&h.worker_starts),
            exits: std::array::from_fn(|i| load(&h.exits[i])),
            reloads: load(&h.reloads),
            crash_loop: load(&h.crash_loop),
            messages: load(&h.messages_retired) + live_messages,
            duration_buckets: std::array::from_fn(|i| all(&|d: &Durations| &d.buckets[i])),
            duration_sum_us: all(&|d: &Durations| &d.sum_us),
            duration_count: all(&|d: &Durations| &d.count),
            slots,
        }
    }
}

/// One slot's figures at a moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotSnapshot {
    pub id: usize,
    pub pid: i32,
    pub state: SlotState,
    pub started_at_ms: u64,
    pub messages: u64,
    pub busy_for_us: Option<u64>,
    pub restarts: u64,
}

/// The table's figures at a moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSnapshot {
    pub started_at_ms: u64,
    pub worker_starts: u64,
    pub exits: [u64; EXIT_REASONS],
    pub reloads: u64,
    pub crash_loop: u64,
    pub messages: u64,
    pub duration_buckets: [u64; DURATION_BUCKETS_US.len() + 1],
    pub duration_sum_us: u64,
    pub duration_count: u64,
    pub slots: Vec<SlotSnapshot>,
}

impl Drop for WorkerTable {
    fn drop(&mut self) {
        // SAFETY: unmapping the mapping made in new().
        unsafe { libc::munmap(self.base.cast(), Self::bytes(self.len)) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_and_exits_are_counted() {
        let table = WorkerTable::new(2).unwrap();
        table.set_pid(0, 42);
        table.worker_began(0);
        table.message_began(0, 1_000);
        assert_eq!(table.busy_for_us(0, 1_500), Some(500));
        assert_eq!(table.message_ended(0, 3_000), 1);
        assert_eq!(table.busy_for_us(0, 4_000), None);
        table.count_exit(0, ExitReason::Policy);
        let snapshot = table.snapshot();
        assert_eq!(
            snapshot.messages, 1,
            "a dead process's messages move to the pool's total"
        );
        assert_eq!(snapshot.exits[ExitReason::Policy as usize], 1);
        assert_eq!(snapshot.duration_count, 1);
        assert_eq!(snapshot.duration_sum_us, 2_000);
        assert_eq!(
            snapshot.duration_buckets[DURATION_BUCKETS_US.iter().position(|&b| b >= 2_000).unwrap()],
            1
        );
    }

    /// What the counters cost a worker per message (two monotonic clock reads and a few relaxed
    /// atomics): `cargo test -p procpool-core --release -- --ignored counters_cost --nocapture`.
    #[test]
    #[ignore]
    fn counters_cost() {
        let table = WorkerTable::new(1).unwrap();
        let n = 10_000_000u64;
        let t0 = std::time::Instant::now();
        for _ in 0..n {
            table.message_began(0, monotonic_us());
            std::hint::black_box(table.message_ended(0, monotonic_us()));
        }
        let per = t0.elapsed().as_nanos() as f64 / n as f64;
        println!("counters: {per:.1} ns per message");
    }
}
