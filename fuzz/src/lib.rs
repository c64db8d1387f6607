//! The fuzz checks (src/checks.rs, shared with core's regression unit tests) and the hooks the fuzz
//! binaries give them: a counting global allocator, switched on only around calls into procpool.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

include!("checks.rs");

struct Counting;

thread_local! {
    static TRACKING: Cell<bool> = const { Cell::new(false) };
    static COUNTS: Cell<(usize, usize, usize)> = const { Cell::new((0, 0, 0)) };
}

fn note(allocated: usize, freed: usize) {
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

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size(), 0);
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size(), 0);
        System.alloc_zeroed(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note(0, layout.size());
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size, layout.size());
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Hooks of the fuzz binaries: allocation counts around each call into procpool.
pub struct Fuzzing;

impl Hooks for Fuzzing {
    fn tracked<T>(f: impl FnOnce() -> T) -> (T, Option<Allocs>) {
        COUNTS.with(|c| c.set((0, 0, 0)));
        TRACKING.with(|t| t.set(true));
        let out = f();
        TRACKING.with(|t| t.set(false));
        let (bytes, freed, largest) = COUNTS.with(|c| c.get());
        (out, Some(Allocs { bytes, freed, largest }))
    }
}
