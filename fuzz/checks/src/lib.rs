//! The fuzz checks of procpool's two byte parsers (the SOCKET `FrameReader` and the message-bus
//! `Reassembler`), shared by the cargo-fuzz targets in fuzz/ and by this crate's replay test
//! (tests/replay.rs, part of `make test`), which runs them on every input kept under
//! fuzz/regressions/ and on pseudo-random inputs. See fuzz/README.md.
//!
//! Only procpool's public API is used. Allocations are observed through a counting global
//! allocator ([`Counting`], [`Counted`]) that each binary installs itself.

mod checks;
mod counting;
pub mod inputs;

pub use checks::{check_bus_feed, check_bus_roundtrip, check_frame, Allocs, Bytes, Hooks};
pub use counting::{Counted, Counting};
