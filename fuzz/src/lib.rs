//! What the fuzz targets call: the checks of procpool-fuzz-checks (checks/, shared with the replay
//! test that `make test` runs), with the counting global allocator installed, so that [`Fuzzing`]
//! sees the allocations of each call into procpool.

pub use procpool_fuzz_checks::{check_bus_feed, check_bus_roundtrip, check_frame, Counting};

/// Hooks of the fuzz binaries: allocation counts around each call into procpool.
pub use procpool_fuzz_checks::Counted as Fuzzing;

#[global_allocator]
static ALLOCATOR: Counting = Counting;
