//! `make test` side of the fuzzing (`make fuzz`, see fuzz/README.md): replays every input kept in
//! fuzz/regressions/bus_feed/ and bus_roundtrip/ through the same checks the fuzz targets run
//! (fuzz/src/checks.rs), and runs those checks on pseudo-random inputs. A child of `message_bus`,
//! so it can see how much the reassembler holds.

use super::Reassembler;
use crate::fuzz_inputs::{random_inputs, regressions};

#[allow(dead_code, unused_imports)]
mod checks {
    use crate as procpool;
    include!("../../fuzz/src/checks.rs");
}

struct WhiteBox;

impl checks::Hooks for WhiteBox {
    fn bus_held(reassembler: &Reassembler) -> Option<usize> {
        Some(reassembler.partials.values().map(|p| p.data.capacity()).sum())
    }
}

#[test]
fn kept_fuzz_inputs_still_pass() {
    for (name, input) in regressions("bus_feed") {
        eprintln!("replaying {name}");
        checks::check_bus_feed::<WhiteBox>(&input);
    }
    for (name, input) in regressions("bus_roundtrip") {
        eprintln!("replaying {name}");
        checks::check_bus_roundtrip::<WhiteBox>(&input);
    }
}

/// Fuzz find (fuzz/regressions/bus_feed/lying-total-len-64mib-prealloc): one full chunk at offset 0
/// announcing 1 TiB made the reassembler reserve 64 MiB for 64 KiB received, per forged sender pid.
#[test]
fn a_lying_total_length_reserves_nothing_beyond_what_arrived() {
    let now = std::time::Instant::now();
    let mut r = Reassembler::new();
    for pid in 1..=4u32 {
        let h = super::ChunkHeader {
            sender_pid: pid,
            message_id: 1,
            total_len: 1 << 40,
            offset: 0,
        };
        let mut d = h.encode().to_vec();
        d.extend_from_slice(&vec![7u8; super::CHUNK_PAYLOAD]);
        assert_eq!(r.feed(&d, now), Ok(None));
    }
    let held: usize = r.partials.values().map(|p| p.data.capacity()).sum();
    assert!(held <= 2 * 4 * super::CHUNK_PAYLOAD, "{held} bytes held for 4 chunks");
}

#[test]
fn random_datagrams_match_the_spec() {
    for input in random_inputs(0xb05_f33d, 3_000, 96) {
        checks::check_bus_feed::<WhiteBox>(&input);
    }
}

#[test]
fn random_interleavings_deliver_every_message_whole_once() {
    for input in random_inputs(0x2047_d719, 300, 64) {
        checks::check_bus_roundtrip::<WhiteBox>(&input);
    }
}
