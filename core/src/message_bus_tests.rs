use super::*;

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
