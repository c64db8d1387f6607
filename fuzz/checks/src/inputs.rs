//! Inputs for the replay tests: the files kept under fuzz/regressions/<target>/ and deterministic
//! pseudo-random bytes.

use std::path::Path;

/// The inputs kept under fuzz/regressions/<target>/ (none is fine: nothing was found there), sorted
/// by path, each with its path.
pub fn regressions(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../regressions")
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
pub fn random_inputs(seed: u64, count: usize, max_len: usize) -> impl Iterator<Item = Vec<u8>> {
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
