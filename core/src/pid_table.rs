//! The current pid of every worker slot, in a shared anonymous mapping made before the first fork,
//! so that any process of the pool can see a replacement's pid (`getProcess($id)->pid`).

use std::sync::atomic::{AtomicI32, Ordering};

use crate::error::{Error, Result};

pub struct PidTable {
    base: *mut AtomicI32,
    len: usize,
}

// SAFETY: the mapping holds atomics only; it lives until drop.
unsafe impl Send for PidTable {}
unsafe impl Sync for PidTable {}

impl PidTable {
    pub fn new(len: usize) -> Result<PidTable> {
        let bytes = len.max(1) * std::mem::size_of::<AtomicI32>();
        // SAFETY: a fresh anonymous shared mapping; checked for MAP_FAILED below.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                bytes,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(Error::last_os("mmap (shared worker pid table)"));
        }
        // Anonymous mappings are zero-filled: every slot reads as pid 0, "no process".
        Ok(PidTable { base: base.cast(), len })
    }

    fn slot(&self, id: usize) -> Option<&AtomicI32> {
        // SAFETY: id < len is inside the mapping, which outlives &self.
        (id < self.len).then(|| unsafe { &*self.base.add(id) })
    }

    pub fn set(&self, id: usize, pid: i32) {
        if let Some(slot) = self.slot(id) {
            slot.store(pid, Ordering::Release);
        }
    }

    /// The slot's pid, or None while the slot has no live process.
    pub fn get(&self, id: usize) -> Option<i32> {
        self.slot(id).map(|s| s.load(Ordering::Acquire)).filter(|&pid| pid > 0)
    }
}

impl Drop for PidTable {
    fn drop(&mut self) {
        let bytes = self.len.max(1) * std::mem::size_of::<AtomicI32>();
        // SAFETY: unmapping the mapping made in new().
        unsafe { libc::munmap(self.base.cast(), bytes) };
    }
}
