//! `make test` side of the fuzzing (`make fuzz`, see fuzz/README.md): replays every input kept in
//! fuzz/regressions/<target>/ through the same checks the fuzz targets run, and runs those checks on
//! a few thousand pseudo-random inputs. Allocations are counted as in the fuzz binaries (the
//! counting global allocator below), since the readers' internals are private to procpool.

use procpool_fuzz_checks::inputs::{random_inputs, regressions};
use procpool_fuzz_checks::{check_bus_feed, check_bus_roundtrip, check_frame, Counted, Counting};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

mod frame {
    use super::*;

    #[test]
    fn kept_fuzz_inputs_still_pass() {
        for (name, input) in regressions("frame") {
            eprintln!("replaying {name}");
            check_frame::<Counted>(&input);
        }
    }

    #[test]
    fn random_splits_of_random_streams_match_the_spec() {
        for input in random_inputs(0x5eed_f4a3e, 20_000, 64) {
            check_frame::<Counted>(&input);
        }
        // Well-formed frames too: max_len 255 (selector 0), one split size, a header N <= 255.
        for input in random_inputs(0x00f4_a3e2, 5_000, 300) {
            let mut framed = vec![0, 255, 1, input.first().copied().unwrap_or(1), 0, 0, 0];
            framed.push(input.len().saturating_sub(1).min(255) as u8);
            framed.extend_from_slice(input.get(1..).unwrap_or_default());
            check_frame::<Counted>(&framed);
        }
    }
}

mod message_bus {
    use procpool::message_bus::{ChunkHeader, Reassembler, CHUNK_PAYLOAD};

    use super::*;

    #[test]
    fn kept_fuzz_inputs_still_pass() {
        for (name, input) in regressions("bus_feed") {
            eprintln!("replaying {name}");
            check_bus_feed::<Counted>(&input);
        }
        for (name, input) in regressions("bus_roundtrip") {
            eprintln!("replaying {name}");
            check_bus_roundtrip::<Counted>(&input);
        }
    }

    /// Fuzz find (fuzz/regressions/bus_feed/lying-total-len-64mib-prealloc): one full chunk at
    /// offset 0 announcing 1 TiB made the reassembler reserve 64 MiB for 64 KiB received, per forged
    /// sender pid. What it holds = what the feeds allocated and did not free.
    #[test]
    fn a_lying_total_length_reserves_nothing_beyond_what_arrived() {
        let now = std::time::Instant::now();
        let mut r = Reassembler::new();
        let mut held = 0isize;
        for pid in 1..=4u32 {
            let h = ChunkHeader {
                sender_pid: pid,
                message_id: 1,
                total_len: 1 << 40,
                offset: 0,
            };
            let mut d = h.encode().to_vec();
            d.extend_from_slice(&vec![7u8; CHUNK_PAYLOAD]);
            let (result, allocs) = Counted::count(|| r.feed(&d, now));
            assert_eq!(result, Ok(None));
            held += allocs.bytes as isize - allocs.freed as isize;
        }
        assert!(
            held <= (2 * 4 * CHUNK_PAYLOAD) as isize,
            "{held} bytes held for 4 chunks"
        );
    }

    #[test]
    fn random_datagrams_match_the_spec() {
        for input in random_inputs(0xb05_f33d, 3_000, 96) {
            check_bus_feed::<Counted>(&input);
        }
    }

    #[test]
    fn random_interleavings_deliver_every_message_whole_once() {
        for input in random_inputs(0x2047_d719, 300, 64) {
            check_bus_roundtrip::<Counted>(&input);
        }
    }
}
