//! `make test` side of the fuzzing (`make fuzz`, see fuzz/README.md): replays every input kept in
//! fuzz/regressions/frame/ through the same checks the fuzz target runs (fuzz/src/checks.rs), and
//! runs those checks on a few thousand pseudo-random inputs. A child of `frame`, so it can see how
//! much the reader holds.

use super::FrameReader;

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

/// The inputs kept under fuzz/regressions/<target>/ (none is fine: nothing was found there).
pub(crate) fn regressions(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/regressions")
        .join(target);
    let mut inputs: Vec<(String, Vec<u8>)> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
            .collect(),
        Err(_) => Vec::new(),
    };
    inputs.sort();
    inputs
}

/// Deterministic pseudo-random inputs (xorshift), biased to the short lengths the checks decode.
pub(crate) fn random_inputs(seed: u64, count: usize, max_len: usize) -> impl Iterator<Item = Vec<u8>> {
    let mut state = seed | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..count).map(move |_| {
        let len = (next() as usize) % (max_len + 1);
        (0..len).map(|_| next() as u8).collect()
    })
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
