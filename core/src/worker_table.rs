//! What every process of the pool may know about each worker slot, in a shared anonymous mapping
//! made before the first fork: the slot's current pid (so `getProcess($id)->pid` shows a
//! replacement's pid anywhere) and whether its worker is waiting for work (so the manager knows
//! which stopping workers may be blocked in a call a signal has to interrupt again), and whether its
//! worker reported a failed callback (so the crash-loop guard counts it whatever its exit status).

use std::sync::atomic::{AtomicI32, Ordering};

use crate::error::{Error, Result};

#[repr(C)]
struct Slot {
    pid: AtomicI32,
    waiting: AtomicI32,
    /// Set by the slot's worker when a callback failed; taken by the manager when it reaps it.
    failed: AtomicI32,
}

pub struct WorkerTable {
    base: *mut Slot,
    len: usize,
}

// SAFETY: the mapping holds atomics only and lives until drop, so moving the owner to another
// thread is sound.
unsafe impl Send for WorkerTable {}
// SAFETY: every access goes through atomics, so shared use from several threads is sound.
unsafe impl Sync for WorkerTable {}

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
        // Anonymous mappings are zero-filled: pid 0 ("no process"), not waiting.
        Ok(WorkerTable { base: base.cast(), len })
    }

    fn bytes(len: usize) -> usize {
        len.max(1) * std::mem::size_of::<Slot>()
    }

    fn slot(&self, id: usize) -> Option<&Slot> {
        // SAFETY: id < len is inside the mapping, which outlives &self.
        (id < self.len).then(|| unsafe { &*self.base.add(id) })
    }

    /// Records the slot's process (0: none). A slot left empty is not waiting; a new process's own
    /// flag is left alone, as the worker may set it before the manager records its pid.
    pub fn set_pid(&self, id: usize, pid: i32) {
        if let Some(slot) = self.slot(id) {
            if pid <= 0 {
                slot.waiting.store(0, Ordering::SeqCst);
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

    pub fn is_waiting(&self, id: usize) -> bool {
        self.slot(id).is_some_and(|s| s.waiting.load(Ordering::SeqCst) != 0)
    }
}

impl Drop for WorkerTable {
    fn drop(&mut self) {
        // SAFETY: unmapping the mapping made in new().
        unsafe { libc::munmap(self.base.cast(), Self::bytes(self.len)) };
    }
}
