//! Allocation counting for [`Hooks::tracked`](crate::Hooks::tracked): a global allocator that adds
//! up, per thread, what is allocated and freed while a tracked call runs, and the hooks that read it.
//!
//! A library cannot install a global allocator for its users, so each binary that uses [`Counted`]
//! declares it:
//!
//! ```no_run
//! #[global_allocator]
//! static ALLOCATOR: procpool_fuzz_checks::Counting = procpool_fuzz_checks::Counting;
//! # fn main() {}
//! ```
//!
//! [`Counted`] panics on its first use if that was forgotten (its counts would all be zero, and every
//! allocation check would pass without checking anything).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::{Allocs, Hooks};

/// The system allocator, counting what is allocated and freed on each thread while tracking is on.
pub struct Counting;

thread_local! {
    static TRACKING: Cell<bool> = const { Cell::new(false) };
    static COUNTS: Cell<(usize, usize, usize)> = const { Cell::new((0, 0, 0)) };
}

/// Set by the first allocation that went through [`Counting`].
static INSTALLED: AtomicBool = AtomicBool::new(false);

fn note(allocated: usize, freed: usize) {
    if !INSTALLED.load(Ordering::Relaxed) {
        INSTALLED.store(true, Ordering::Relaxed);
    }
    // try_with: thread-locals may be gone while a thread exits.
    let _ = TRACKING.try_with(|t| {
        if t.get() {
            let _ = COUNTS.try_with(|c| {
                let (a, f, largest) = c.get();
                c.set((a + allocated, f + freed, largest.max(allocated)));
            });
        }
    });
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so `System`'s
// guarantees (layout, alignment, ownership of the returned memory) hold as they are; the counting
// beside it only touches thread-local `Cell`s of plain integers and never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size(), 0);
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which is `System`'s.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size(), 0);
        // SAFETY: as in `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note(0, layout.size());
        // SAFETY: `ptr` was allocated by this allocator, i.e. by `System`, with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size, layout.size());
        // SAFETY: `ptr` was allocated by `System` with `layout`; the caller upholds the rest.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Hooks that count the allocations of each call into procpool (needs [`Counting`] as the global
/// allocator).
pub struct Counted;

impl Counted {
    /// Runs `f` with counting on; returns its result and what it allocated and freed.
    pub fn count<T>(f: impl FnOnce() -> T) -> (T, Allocs) {
        if !INSTALLED.load(Ordering::Relaxed) {
            drop(std::hint::black_box(Box::new(0u8)));
            assert!(
                INSTALLED.load(Ordering::Relaxed),
                "procpool_fuzz_checks::Counting is not the global allocator of this binary"
            );
        }
        COUNTS.with(|c| c.set((0, 0, 0)));
        TRACKING.with(|t| t.set(true));
        let out = f();
        TRACKING.with(|t| t.set(false));
        let (bytes, freed, largest) = COUNTS.with(|c| c.get());
        (out, Allocs { bytes, freed, largest })
    }
}

impl Hooks for Counted {
    fn tracked<T>(f: impl FnOnce() -> T) -> (T, Option<Allocs>) {
        let (out, allocs) = Counted::count(f);
        (out, Some(allocs))
    }
}
