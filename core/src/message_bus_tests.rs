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

/// What recv(2) / recvmsg(2) do with the buffers `receive` hands out: the datagram across them,
/// cut at their total length; returns the byte count.
fn recv_like_the_kernel(d: &[u8], first: &mut [MaybeUninit<u8>], second: &mut [MaybeUninit<u8>]) -> usize {
    let n = d.len().min(first.len() + second.len());
    for (dst, &src) in first.iter_mut().chain(second.iter_mut()).zip(&d[..n]) {
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
    receive_agrees_with_feed(None);
}

#[test]
fn receive_into_the_embedders_blocks_agrees_with_feed_on_any_datagrams() {
    let memory = CountedMemory::leaked();
    receive_agrees_with_feed(Some(memory));
    assert_eq!(memory.live_blocks(), 0, "nothing leaks");
}

/// Interleaved senders, cut-off messages, replays, foreign and garbage datagrams, lying headers,
/// oversized datagrams and expiries: `receive` must return what `feed` returns, every time, and
/// keep the same partial messages.
fn receive_agrees_with_feed(memory: Option<&'static CountedMemory>) {
    let start = Instant::now();
    let (mut whole, mut refused) = (0, 0);
    for seed in 1..=120u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let mut fed = Reassembler::new();
        let mut received = match memory {
            Some(m) => Reassembler::with_memory(m),
            None => Reassembler::new(),
        };
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
    assert!(whole > 800 && refused > 200, "the scenarios exercise both");
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

/// A MessageMemory like the PHP extension's: each block has a refcount in front of its bytes; the
/// test plays the embedder, which may keep a block it was handed (refcount + 1) and let it go later.
struct CountedMemory {
    live: std::sync::Mutex<std::collections::HashMap<usize, (usize, usize)>>, // block -> (refcount, cap)
    prepared: std::sync::Mutex<Option<(usize, usize)>>,
}

impl CountedMemory {
    fn leaked() -> &'static CountedMemory {
        Box::leak(Box::new(CountedMemory {
            live: Default::default(),
            prepared: Default::default(),
        }))
    }
    fn live_blocks(&self) -> usize {
        self.live.lock().unwrap().len()
    }
    /// The embedder keeps the block of the message it was just handed.
    fn keep(&self, message: &[u8]) -> usize {
        let (block, len) = self.prepared.lock().unwrap().expect("a block was handed out");
        assert_eq!(
            (block, len),
            (message.as_ptr() as usize, message.len()),
            "handed out where prepared"
        );
        self.live.lock().unwrap().get_mut(&block).unwrap().0 += 1;
        block
    }
    /// The embedder lets go of a block it kept.
    fn drop_kept(&self, block: usize) {
        self.release(block as *mut u8);
    }
}

// SAFETY: blocks are leaked boxed slices of `capacity` bytes, freed only when their count drops
// to zero.
unsafe impl MessageMemory for CountedMemory {
    fn alloc(&self, capacity: usize) -> *mut u8 {
        let block = Box::leak(vec![0u8; capacity].into_boxed_slice()).as_mut_ptr();
        self.live.lock().unwrap().insert(block as usize, (1, capacity));
        block
    }
    fn prepare(&self, block: *mut u8, len: usize) {
        assert!(self.live.lock().unwrap()[&(block as usize)].1 >= len);
        *self.prepared.lock().unwrap() = Some((block as usize, len));
    }
    fn shared(&self, block: *mut u8) -> bool {
        self.live.lock().unwrap()[&(block as usize)].0 > 1
    }
    fn release(&self, block: *mut u8) {
        let mut live = self.live.lock().unwrap();
        let entry = live.get_mut(&(block as usize)).expect("a live block");
        entry.0 -= 1;
        if entry.0 == 0 {
            let cap = entry.1;
            live.remove(&(block as usize));
            // SAFETY: the block was leaked from a boxed slice of `cap` bytes in `alloc`.
            drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(block, cap)) });
        }
    }
}

fn receive_in<'a>(r: &'a mut Reassembler, d: &[u8], now: Instant) -> Result<Option<(u32, &'a [u8])>, BusError> {
    // SAFETY: recv_like_the_kernel returns exactly the count of bytes it wrote, in order.
    unsafe { r.receive(|| now, |h, p| Ok::<_, ()>(recv_like_the_kernel(d, h, p))) }.unwrap()
}

#[test]
fn long_messages_are_reassembled_in_the_embedders_blocks_and_reused_unless_kept() {
    let memory = CountedMemory::leaked();
    let now = Instant::now();
    let mut r = Reassembler::with_memory(memory);
    let (small, long) = (pattern(1000, 1), pattern(5 * CHUNK_PAYLOAD + 3, 2));
    let mut blocks = Vec::new();
    for id in 1..=3 {
        let mut got = None;
        for d in datagrams(&long, 8, id) {
            if let Some((pid, m)) = receive_in(&mut r, &d, now).unwrap() {
                assert_eq!((pid, m), (8, &long[..]));
                got = Some(memory.prepared.lock().unwrap().unwrap().0);
            }
        }
        blocks.push(got.expect("delivered"));
        // Small messages come from the heap, not a block.
        let d = &datagrams(&small, 8, 100 + id)[0];
        assert_eq!(receive_in(&mut r, d, now).unwrap(), Some((8, &small[..])));
    }
    assert!(blocks.windows(2).all(|w| w[0] == w[1]), "one block, reused: {blocks:?}");
    assert_eq!(memory.live_blocks(), 1);

    // The embedder keeps message 4: message 5 goes into another block and 4 is not touched.
    let mut kept = None;
    for d in datagrams(&long, 8, 4) {
        if let Some((_, m)) = receive_in(&mut r, &d, now).unwrap() {
            kept = Some((memory.keep(m), m.len()));
        }
    }
    let other = pattern(2 * CHUNK_PAYLOAD + 9, 7);
    for d in datagrams(&other, 8, 5) {
        if let Some((_, m)) = receive_in(&mut r, &d, now).unwrap() {
            assert_eq!(m, &other[..]);
        }
    }
    let (block, len) = kept.unwrap();
    // SAFETY: the test holds a count on the block, so it is alive and holds `len` bytes.
    let still_there = unsafe { std::slice::from_raw_parts(block as *const u8, len) };
    assert_eq!(still_there, &long[..]);
    assert_eq!(memory.live_blocks(), 2, "the kept one and the reassembler's");
    memory.drop_kept(block);
    assert_eq!(memory.live_blocks(), 1);
    drop(r);
    assert_eq!(memory.live_blocks(), 0, "nothing leaks");
}

#[test]
fn receive_into_the_embedders_blocks_agrees_with_feed_on_interleaved_senders() {
    let memory = CountedMemory::leaked();
    let now = Instant::now();
    for seed in 1..=60u64 {
        let mut rng = Rng(seed.wrapping_mul(0x2545_F491_4F6C_DD1D) | 1);
        let (mut fed, mut received) = (Reassembler::new(), Reassembler::with_memory(memory));
        let mut queues: Vec<Vec<Vec<u8>>> = Vec::new();
        for pid in 1..=3u32 {
            let mut q = Vec::new();
            for id in 0..4 {
                let len = match rng.below(3) {
                    0 => rng.below(2000) as usize,
                    _ => rng.below(4 * CHUNK_PAYLOAD as u64) as usize,
                };
                q.extend(datagrams(&pattern(len, rng.below(256) as u8), pid, id));
            }
            q.reverse();
            queues.push(q);
        }
        let mut kept = Vec::new();
        while queues.iter().any(|q| !q.is_empty()) {
            let i = rng.below(3) as usize;
            let Some(d) = queues[i].pop() else { continue };
            let expected = fed.feed(&d, now);
            match receive_in(&mut received, &d, now) {
                Ok(Some((pid, m))) => {
                    let (epid, em) = expected.unwrap().unwrap();
                    assert_eq!((pid, m), (epid, &em[..]), "seed {seed}");
                    if m.len() > CHUNK_PAYLOAD && rng.below(2) == 0 {
                        kept.push((memory.keep(m), em));
                    }
                }
                other => assert_eq!(other.map(|o| o.map(|(p, m)| (p, m.to_vec()))), expected, "seed {seed}"),
            }
        }
        for (block, bytes) in kept {
            // SAFETY: the test holds a count on each kept block.
            let now_there = unsafe { std::slice::from_raw_parts(block as *const u8, bytes.len()) };
            assert_eq!(now_there, &bytes[..], "seed {seed}: a kept message was overwritten");
            memory.drop_kept(block);
        }
        drop(received);
        assert_eq!(memory.live_blocks(), 0, "seed {seed}: nothing leaks");
    }
}

#[test]
fn a_first_chunk_shorter_than_a_header_is_continued_too() {
    // Real senders send full chunks, but any split is a valid message: the next chunk after a
    // partial of under HEADER_LEN bytes is received into two buffers instead of over its tail.
    let now = Instant::now();
    let data = pattern(CHUNK_PAYLOAD + 40, 4);
    let chunk = |offset: usize, len: usize| {
        let h = ChunkHeader {
            sender_pid: 3,
            message_id: 1,
            total_len: data.len() as u64,
            offset: offset as u64,
        };
        let mut d = h.encode().to_vec();
        d.extend_from_slice(&data[offset..offset + len]);
        d
    };
    for memory in [None, Some(CountedMemory::leaked())] {
        let mut r = match memory {
            Some(m) => Reassembler::with_memory(m),
            None => Reassembler::new(),
        };
        assert_eq!(receive_one(&mut r, &chunk(0, 5), now), Ok(None));
        assert_eq!(receive_one(&mut r, &chunk(5, 20), now), Ok(None));
        assert_eq!(receive_one(&mut r, &chunk(25, CHUNK_PAYLOAD), now), Ok(None));
        assert_eq!(
            receive_one(&mut r, &chunk(25 + CHUNK_PAYLOAD, 15), now),
            Ok(Some((3, data.clone())))
        );
        drop(r);
        if let Some(m) = memory {
            assert_eq!(m.live_blocks(), 0);
        }
    }
}
