//! `make test` side of the fuzzing (`make fuzz`, see fuzz/README.md): replays every input kept in
//! fuzz/regressions/frame/ through the same checks the fuzz target runs (fuzz/src/checks.rs), and
//! runs those checks on a few thousand pseudo-random inputs. A child of `frame`, so it can see how
//! much the reader holds.

use super::FrameReader;
use crate::fuzz_inputs::{random_inputs, regressions};

#[allow(dead_code, unused_imports)]
mod checks {
    use crate as procpool;
    include!("../../fuzz/src/checks.rs");
}

struct WhiteBox;

impl checks::Hooks for WhiteBox {
    fn frame_held(reader: &FrameReader) -> Option<usize> {
        Some(reader.body.capacity())
    }
}

#[test]
fn kept_fuzz_inputs_still_pass() {
    for (name, input) in regressions("frame") {
        eprintln!("replaying {name}");
        checks::check_frame::<WhiteBox>(&input);
    }
}

#[test]
fn random_splits_of_random_streams_match_the_spec() {
    for input in random_inputs(0x5eed_f4a3e, 20_000, 64) {
        checks::check_frame::<WhiteBox>(&input);
    }
    // Well-formed frames too: max_len 255 (selector 0), one split size, a header N <= 255.
    for input in random_inputs(0xf4a3e_2, 5_000, 300) {
        let mut framed = vec![0, 255, 1, input.first().copied().unwrap_or(1), 0, 0, 0];
        framed.push(input.len().saturating_sub(1).min(255) as u8);
        framed.extend_from_slice(input.get(1..).unwrap_or_default());
        checks::check_frame::<WhiteBox>(&framed);
    }
}
