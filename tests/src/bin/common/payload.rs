//! Payloads of the UNIXSOCK scenario and their checksum. Also included by tests/rust/unixsock.rs,
//! which regenerates and checks what the scenario sends.

/// 64-bit FNV-1a over 8-byte little-endian words (the last one zero-padded), then the length.
pub fn checksum(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut words = data.chunks_exact(8);
    for w in &mut words {
        h = (h ^ u64::from_le_bytes(w.try_into().unwrap())).wrapping_mul(0x0000_0100_0000_01b3);
    }
    let rest = words.remainder();
    if !rest.is_empty() {
        let mut last = [0u8; 8];
        last[..rest.len()].copy_from_slice(rest);
        h = (h ^ u64::from_le_bytes(last)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    (h ^ data.len() as u64).wrapping_mul(0x0000_0100_0000_01b3)
}

pub fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// `len` bytes: `<tag>|` then pseudo-random bytes seeded by the tag (cut to `len`).
pub fn payload(tag: &str, len: usize) -> Vec<u8> {
    let seed = checksum(tag.as_bytes());
    let mut out = Vec::with_capacity(len + 8);
    let mut i = 0u64;
    while out.len() < len {
        out.extend_from_slice(&splitmix(seed ^ i).to_le_bytes());
        i += 1;
    }
    out.truncate(len);
    let head = format!("{tag}|");
    let n = head.len().min(len);
    out[..n].copy_from_slice(&head.as_bytes()[..n]);
    out
}
