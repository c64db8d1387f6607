use super::*;
use std::mem::MaybeUninit;

fn datagrams(data: &[u8], pid: u32, id: u32) -> Vec<Vec<u8>> {
    chunks(data, pid, id)
        .map(|(h, p)| {
            let mut d = h.encode().to_vec();
            d.extend_from_slice(p);
            d
        })
        .collect()
}

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

#[test]
fn header_round_trips() {
    let h = ChunkHeader {
        sender_pid: 42,
        message_id: 7,
        total_len: 1 << 40,
        offset: 99,
    };
    assert_eq!(ChunkHeader::decode(&h.encode()), Ok(h));
}

#[test]
fn messages_of_every_size_are_reassembled_whole_and_once() {
    let now = Instant::now();
    for len in [
        0,
        1,
        CHUNK_PAYLOAD - 1,
        CHUNK_PAYLOAD,
        CHUNK_PAYLOAD + 1,
        3 * CHUNK_PAYLOAD + 17,
    ] {
        let data = pattern(len, 3);
        let mut r = Reassembler::new();
        let mut delivered = Vec::new();
        for d in datagrams(&data, 9, 1) {
            if let Some(m) = r.feed(&d, now).unwrap() {
                delivered.push(m);
            }
        }
        assert_eq!(delivered, vec![(9, data)], "len {len}");
        assert!(!r.has_partials());
    }
}

#[test]
fn chunks_of_two_senders_interleave_without_mixing() {
    let now = Instant::now();
    let (a, b) = (pattern(5 * CHUNK_PAYLOAD, 1), pattern(3 * CHUNK_PAYLOAD + 5, 2));
    let (da, db) = (datagrams(&a, 100, 1), datagrams(&b, 200, 1));
    let mut r = Reassembler::new();
    let mut delivered = Vec::new();
    let mut ib = db.iter();
    for d in &da {
        for d in [Some(d), ib.next()].into_iter().flatten() {
            if let Some(m) = r.feed(d, now).unwrap() {
                delivered.push(m);
            }
        }
    }
    delivered.sort();
    assert_eq!(delivered, vec![(100, a), (200, b)]);
}

#[test]
fn a_sender_that_died_mid_message_leaves_nothing_behind() {
    let now = Instant::now();
    let data = pattern(3 * CHUNK_PAYLOAD, 5);
    let mut r = Reassembler::new();
    r.feed(&datagrams(&data, 77, 1)[0], now).unwrap();
    assert!(r.expire(now, |_| true).is_empty());
    assert_eq!(r.expire(now, |pid| pid != 77), vec![(77, CHUNK_PAYLOAD)]);
    assert!(!r.has_partials());
}

#[test]
fn a_silent_partial_expires_after_the_timeout() {
    let now = Instant::now();
    let mut r = Reassembler::new();
    r.feed(&datagrams(&pattern(2 * CHUNK_PAYLOAD, 0), 5, 1)[0], now)
        .unwrap();
    assert!(r
        .expire(now + PARTIAL_TIMEOUT - Duration::from_millis(1), |_| true)
        .is_empty());
    assert_eq!(r.expire(now + PARTIAL_TIMEOUT, |_| true).len(), 1);
}

#[test]
fn a_new_message_replaces_an_unfinished_one_of_the_same_sender() {
    let now = Instant::now();
    let first = datagrams(&pattern(3 * CHUNK_PAYLOAD, 0), 5, 1);
    let second = pattern(10, 1);
    let mut r = Reassembler::new();
    r.feed(&first[0], now).unwrap();
    assert_eq!(r.feed(&datagrams(&second, 5, 2)[0], now).unwrap(), Some((5, second)));
    // A late chunk of the abandoned message is refused, not glued onto anything.
    assert!(matches!(r.feed(&first[1], now), Err(BusError::OutOfOrder { .. })));
}

#[test]
fn malformed_chunks_are_refused() {
    let now = Instant::now();
    let mut r = Reassembler::new();
    assert_eq!(r.feed(b"short", now), Err(BusError::Short(5)));
    assert_eq!(r.feed(&[0u8; HEADER_LEN], now), Err(BusError::NotABusChunk));
    let liar = ChunkHeader {
        sender_pid: 1,
        message_id: 1,
        total_len: 2,
        offset: 0,
    };
    let mut d = liar.encode().to_vec();
    d.extend_from_slice(b"too long");
    assert!(matches!(r.feed(&d, now), Err(BusError::Overflow { .. })));
    let huge = ChunkHeader {
        sender_pid: 1,
        message_id: 1,
        total_len: u64::MAX,
        offset: u64::MAX - 1,
    };
    let mut d = huge.encode().to_vec();
    d.extend_from_slice(b"xx");
    assert!(matches!(r.feed(&d, now), Err(BusError::Overflow { .. })));
}

/// What recvmsg(2) does with the two buffers `receive` hands out: the datagram across them, cut at
/// their total length; returns the byte count.
fn recv_like_the_kernel(d: &[u8], header: &mut [u8; HEADER_LEN], payload: &mut [MaybeUninit<u8>]) -> usize {
    let n = d.len().min(HEADER_LEN + payload.len());
    let h = n.min(HEADER_LEN);
    header[..h].copy_from_slice(&d[..h]);
    for (dst, &src) in payload.iter_mut().zip(&d[h..n]) {
        dst.write(src);
    }
    n
}

fn receive_one(r: &mut Reassembler, d: &[u8], now: Instant) -> Result<Option<(u32, Vec<u8>)>, BusError> {
    // SAFETY: recv_like_the_kernel returns exactly the count of bytes it wrote, in order.
    let got = unsafe { r.receive(|| now, |h, p| Ok::<_, ()>(recv_like_the_kernel(d, h, p))) };
    got.unwrap().map(|m| m.map(|(pid, data)| (pid, data.to_vec())))
}

/// A tiny deterministic generator (xorshift), so the differential test needs no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

#[test]
fn receive_in_place_delivers_every_message_whole_once_like_feed() {
    let now = Instant::now();
    for len in [
        0,
        1,
        4096,
        CHUNK_PAYLOAD - 1,
        CHUNK_PAYLOAD,
        CHUNK_PAYLOAD + 1,
        3 * CHUNK_PAYLOAD + 17,
        (1 << 20) + 5,
    ] {
        let data = pattern(len, 3);
        let mut r = Reassembler::new();
        // Twice: the second message reuses the first one's buffers.
        for id in 1..=2 {
            let mut delivered = Vec::new();
            for d in datagrams(&data, 9, id) {
                if let Some(m) = receive_one(&mut r, &d, now).unwrap() {
                    delivered.push(m);
                }
            }
            assert_eq!(delivered, vec![(9, data.clone())], "len {len}");
            assert!(!r.has_partials());
        }
    }
}

#[test]
fn receive_in_place_agrees_with_feed_on_any_datagrams() {
    // Interleaved senders, cut-off messages, replays, foreign and garbage datagrams, lying
    // headers, oversized datagrams and expiries: `receive` must return what `feed` returns, every
    // time, and keep the same partial messages.
    let start = Instant::now();
    let (mut whole, mut refused) = (0, 0);
    for seed in 1..=200u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let (mut fed, mut received) = (Reassembler::new(), Reassembler::new());
        let mut queue: Vec<Vec<u8>> = Vec::new();
        let mut now = start;
        let mut message_id = 0u32;
        for _ in 0..60 {
            match rng.below(10) {
                0..=4 => {
                    // A real message of one of 3 senders, its chunks spread into the queue.
                    message_id += 1;
                    let pid = 1 + rng.below(3) as u32;
                    let len = match rng.below(4) {
                        0 => rng.below(100) as usize,
                        1 => CHUNK_PAYLOAD - 1 + rng.below(3) as usize,
                        _ => rng.below(4 * CHUNK_PAYLOAD as u64) as usize,
                    };
                    let mut ds = datagrams(&pattern(len, rng.below(256) as u8), pid, message_id);
                    if rng.below(6) == 0 {
                        ds.truncate(rng.below(ds.len() as u64) as usize); // its sender died
                    }
                    if rng.below(8) == 0 && ds.len() > 1 {
                        let i = rng.below(ds.len() as u64 - 1) as usize;
                        ds.swap(i, i + 1); // out of order
                    }
                    let mut at = queue.len().saturating_sub(rng.below(8) as usize);
                    for d in ds {
                        at = (at + 1 + rng.below(2) as usize).min(queue.len());
                        queue.insert(at, d);
                    }
                }
                5 => {
                    let n = rng.below(48) as usize;
                    queue.push((0..n).map(|_| rng.next() as u8).collect());
                }
                6 => {
                    // A forged chunk: any offset / total, any size (up to one chunk and more).
                    let h = ChunkHeader {
                        sender_pid: 1 + rng.below(4) as u32,
                        message_id: rng.below(3) as u32,
                        total_len: match rng.below(3) {
                            0 => rng.below(3 * CHUNK_PAYLOAD as u64),
                            1 => u64::MAX,
                            _ => rng.below(200),
                        },
                        offset: match rng.below(3) {
                            0 => 0,
                            1 => rng.below(2 * CHUNK_PAYLOAD as u64),
                            _ => u64::MAX - rng.below(5),
                        },
                    };
                    let mut d = h.encode().to_vec();
                    d.extend(pattern(rng.below(CHUNK_PAYLOAD as u64 + 100) as usize, 9));
                    queue.push(d);
                }
                7 => {
                    now += Duration::from_secs(rng.below(15));
                    let mask = rng.next();
                    let alive = |pid: u32| mask & (1 << (pid % 64)) != 0;
                    let mut a = fed.expire(now, alive);
                    let mut b = received.expire(now, alive);
                    a.sort();
                    b.sort();
                    assert_eq!(a, b, "seed {seed}: expire");
                }
                _ => {
                    let take = rng.below(queue.len() as u64 + 1) as usize;
                    for d in queue.drain(..take) {
                        let cut = &d[..d.len().min(HEADER_LEN + CHUNK_PAYLOAD)];
                        let got = receive_one(&mut received, &d, now);
                        assert_eq!(got, fed.feed(cut, now), "seed {seed}: a datagram of {} bytes", d.len());
                        match got {
                            Ok(Some(_)) => whole += 1,
                            Err(_) => refused += 1,
                            Ok(None) => {}
                        }
                        assert_eq!(received.has_partials(), fed.has_partials(), "seed {seed}");
                    }
                }
            }
        }
        for d in queue.drain(..) {
            let cut = &d[..d.len().min(HEADER_LEN + CHUNK_PAYLOAD)];
            assert_eq!(receive_one(&mut received, &d, now), fed.feed(cut, now), "seed {seed}");
        }
        let mut a = fed.expire(now + PARTIAL_TIMEOUT, |_| true);
        let mut b = received.expire(now + PARTIAL_TIMEOUT, |_| true);
        a.sort();
        b.sort();
        assert_eq!(a, b, "seed {seed}: what is left partial");
    }
    eprintln!("{whole} messages delivered, {refused} datagrams refused");
    assert!(whole > 1000 && refused > 200, "the scenarios exercise both");
}

#[test]
fn the_spare_buffer_is_kept_between_messages_and_trimmed_on_request() {
    let now = Instant::now();
    let mut r = Reassembler::new();
    let data = pattern(3 << 20, 1);
    for id in 1..=2 {
        for d in datagrams(&data, 4, id) {
            receive_one(&mut r, &d, now).unwrap();
        }
    }
    assert!(r.spare_capacity() >= data.len());
    assert!(!r.trim_spare(r.spare_capacity()));
    assert!(r.trim_spare(1 << 20));
    assert_eq!(r.spare_capacity(), 0);
    // And it works from nothing again.
    let small = pattern(10, 2);
    assert_eq!(
        receive_one(&mut r, &datagrams(&small, 4, 3)[0], now),
        Ok(Some((4, small)))
    );
}
