//! The checks themselves. They only use std and procpool's public `frame` and `message_bus` API.
//! Each check decodes the fuzzer's bytes into a scenario, runs it, and panics when a property of
//! the target is violated.
//!
//! Properties checked:
//! - frame (FrameReader): fed any split of any bytes, it behaves exactly like the spec model below
//!   (N == 0 -> Empty, N > max -> TooLarge, else the N body bytes, decided at the very commit that
//!   completes the header / body); spare() is never empty while a frame is incomplete (an empty read
//!   buffer would look like EOF to read(2)) and never longer than what the first frame still needs;
//!   nothing is allocated before the header has been checked, and never more than max_len.
//! - bus_feed (Reassembler): any datagrams, expiries and partial sends never panic; every result
//!   equals the spec model's (so nothing is delivered that was not sent whole by one sender, and
//!   no chunks of two senders mix); a delivered message has the completing header's sender and
//!   total length; what the reassembler holds stays proportional to what it has received, whatever
//!   total length a (lying) header announces.
//! - bus_roundtrip: messages of several senders, chunked by `chunks()` and interleaved arbitrarily
//!   (each sender's order kept), are each delivered whole, exactly once, in order per sender.

use procpool::frame::{FrameError, FrameReader, Progress, HEADER_LEN as FRAME_HEADER_LEN};
use procpool::message_bus::{chunks, BusError, ChunkHeader, Reassembler, CHUNK_PAYLOAD, PARTIAL_TIMEOUT};

/// Allocation figures of one tracked call (fuzz binaries count them with a global allocator).
#[derive(Debug, Clone, Copy, Default)]
pub struct Allocs {
    pub bytes: usize,
    pub freed: usize,
    pub largest: usize,
}

/// What the runner can observe beyond the public API. The fuzz targets and the replay tests track
/// allocations with [`crate::Counted`]; `frame_held`/`bus_held` are for a runner that can see how
/// much a reader holds (none can from outside procpool). All are optional: the defaults only check
/// results.
pub trait Hooks {
    fn tracked<T>(f: impl FnOnce() -> T) -> (T, Option<Allocs>) {
        (f(), None)
    }
    fn frame_held(_reader: &FrameReader) -> Option<usize> {
        None
    }
    fn bus_held(_reassembler: &Reassembler) -> Option<usize> {
        None
    }
}

/// A cursor over the fuzzer's bytes that yields zeros once exhausted.
pub struct Bytes<'a> {
    data: &'a [u8],
}

impl<'a> Bytes<'a> {
    pub fn new(data: &'a [u8]) -> Bytes<'a> {
        Bytes { data }
    }
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
    pub fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }
    pub fn take(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.data.len());
        let (head, rest) = self.data.split_at(n);
        self.data = rest;
        head
    }
    pub fn rest(&mut self) -> &'a [u8] {
        self.take(self.data.len())
    }
    pub fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.byte(), self.byte()])
    }
    pub fn u32(&mut self) -> u32 {
        u32::from_be_bytes([self.byte(), self.byte(), self.byte(), self.byte()])
    }
    pub fn u64(&mut self) -> u64 {
        (u64::from(self.u32()) << 32) | u64::from(self.u32())
    }
}

// ---------------------------------------------------------------------------------------------
// frame

#[derive(Debug, PartialEq, Eq)]
enum FrameOutcome {
    /// The stream ends before the first frame is decided.
    NeedMore,
    /// Decided once `at` bytes were committed.
    Decided {
        at: usize,
        result: Result<Vec<u8>, FrameError>,
    },
}

fn frame_model(stream: &[u8], max_len: usize) -> FrameOutcome {
    if stream.len() < FRAME_HEADER_LEN {
        return FrameOutcome::NeedMore;
    }
    let len = u32::from_be_bytes(stream[..4].try_into().unwrap()) as u64;
    if len == 0 {
        return FrameOutcome::Decided {
            at: 4,
            result: Err(FrameError::Empty),
        };
    }
    if len > max_len as u64 {
        return FrameOutcome::Decided {
            at: 4,
            result: Err(FrameError::TooLarge { len, max: max_len }),
        };
    }
    let end = 4 + len as usize;
    if stream.len() < end {
        return FrameOutcome::NeedMore;
    }
    FrameOutcome::Decided {
        at: end,
        result: Ok(stream[4..end].to_vec()),
    }
}

/// Input: max_len selector, split sizes, then the byte stream.
pub fn check_frame<H: Hooks>(data: &[u8]) {
    let mut input = Bytes::new(data);
    let max_len = match input.byte() % 4 {
        0 => input.byte() as usize,
        1 => input.u16() as usize,
        2 => 2 * 1024 * 1024,
        _ => input.u32() as usize % (4 * 1024 * 1024 + 1),
    };
    let split_count = (input.byte() % 16) as usize;
    let mut splits: Vec<usize> = input
        .take(split_count)
        .iter()
        .map(|&s| if s == 255 { usize::MAX } else { s as usize })
        .collect();
    if splits.iter().all(|&s| s == 0) {
        splits.push(usize::MAX);
    }
    let stream = input.rest();
    let expected = frame_model(stream, max_len);

    let mut reader = FrameReader::new(max_len);
    let mut pos = 0usize;
    let mut allocated = 0usize;
    let mut step = 0usize;
    let mut zero_commits_in_a_row = 0;
    let outcome = loop {
        let want = if splits.is_empty() {
            usize::MAX
        } else {
            splits[step % splits.len()]
        };
        step += 1;
        // What the first frame still needs (None: unknown until the header is there).
        let header_done = pos >= FRAME_HEADER_LEN;
        let still_needed = if header_done {
            let len = u32::from_be_bytes(stream[..4].try_into().unwrap()) as usize;
            4 + len - pos
        } else {
            FRAME_HEADER_LEN - pos
        };
        let available = stream.len() - pos;
        let ((n, result), allocs) = H::tracked(|| {
            let spare = reader.spare();
            assert!(
                !spare.is_empty(),
                "spare() is empty while the frame is incomplete (a read would look like EOF)"
            );
            assert!(
                spare.len() <= still_needed,
                "spare() of {} bytes reaches past the first frame ({still_needed} still needed)",
                spare.len()
            );
            let n = spare.len().min(want).min(available);
            spare[..n].copy_from_slice(&stream[pos..pos + n]);
            (n, reader.commit(n))
        });
        pos += n;
        if let Some(a) = allocs {
            allocated += a.bytes;
            assert!(
                a.largest <= max_len,
                "allocated {} bytes at once, max_len is {max_len}",
                a.largest
            );
            assert!(
                allocated <= max_len,
                "allocated {allocated} bytes in all, max_len is {max_len}"
            );
            if pos < FRAME_HEADER_LEN || result.is_err() {
                assert_eq!(a.bytes, 0, "allocated before the length was accepted");
            }
        }
        if let Some(held) = H::frame_held(&reader) {
            assert!(held <= max_len, "reader holds {held} bytes, max_len is {max_len}");
            if result.is_err() {
                assert_eq!(held, 0, "reader holds memory for a refused frame");
            }
        }
        match result {
            Ok(Progress::NeedMore) => {
                assert!(
                    reader.is_partial() == (pos > 0),
                    "is_partial() is {} after {pos} bytes",
                    reader.is_partial()
                );
                if pos == stream.len() {
                    // Committing nothing must change nothing.
                    zero_commits_in_a_row += 1;
                    if zero_commits_in_a_row >= 2 {
                        break FrameOutcome::NeedMore;
                    }
                } else {
                    zero_commits_in_a_row = 0;
                }
            }
            Ok(Progress::Complete(body)) => {
                assert!(!reader.is_partial(), "reader still partial after a complete frame");
                assert_eq!(
                    reader.spare().len(),
                    FRAME_HEADER_LEN,
                    "reader not ready for the next header"
                );
                break FrameOutcome::Decided {
                    at: pos,
                    result: Ok(body),
                };
            }
            Err(e) => {
                break FrameOutcome::Decided {
                    at: pos,
                    result: Err(e),
                }
            }
        }
    };
    assert_eq!(
        outcome, expected,
        "frame reader disagrees with the spec (max_len {max_len})"
    );
}

// ---------------------------------------------------------------------------------------------
// bus_feed

fn pid_from(b: u8) -> u32 {
    match b % 8 {
        0 => 1,
        1 => 2,
        2 => u32::MAX,
        3 => 0,
        4 => 4242,
        _ => u32::from(b).wrapping_mul(16_777_619),
    }
}

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ ((i >> 8) as u8))
        .collect()
}

fn datagram(header: &ChunkHeader, payload: &[u8]) -> Vec<u8> {
    let mut d = header.encode().to_vec();
    d.extend_from_slice(payload);
    d
}

struct ModelPartial {
    message_id: u32,
    total_len: u64,
    data: Vec<u8>,
    last_chunk: std::time::Instant,
}

/// The reassembly rules as documented, written independently of the implementation's layout.
#[derive(Default)]
struct BusModel {
    partials: std::collections::BTreeMap<u32, ModelPartial>,
}

impl BusModel {
    fn feed(&mut self, datagram: &[u8], now: std::time::Instant) -> Result<Option<(u32, Vec<u8>)>, BusError> {
        if datagram.len() < 32 {
            return Err(BusError::Short(datagram.len()));
        }
        if &datagram[..4] != b"PPMB" {
            return Err(BusError::NotABusChunk);
        }
        let h = ChunkHeader::decode(datagram).expect("model and decode agree on the magic");
        let payload = &datagram[32..];
        let fits = h
            .offset
            .checked_add(payload.len() as u64)
            .is_some_and(|end| end <= h.total_len);
        if !fits {
            self.partials.remove(&h.sender_pid);
            return Err(BusError::Overflow {
                sender_pid: h.sender_pid,
                message_id: h.message_id,
                total_len: h.total_len,
            });
        }
        if h.offset == 0 {
            if payload.len() as u64 == h.total_len {
                self.partials.remove(&h.sender_pid);
                return Ok(Some((h.sender_pid, payload.to_vec())));
            }
            let p = ModelPartial {
                message_id: h.message_id,
                total_len: h.total_len,
                data: payload.to_vec(),
                last_chunk: now,
            };
            self.partials.insert(h.sender_pid, p);
            return Ok(None);
        }
        let expected = match self.partials.get(&h.sender_pid) {
            Some(p) if p.message_id == h.message_id && p.total_len == h.total_len => p.data.len() as u64,
            _ => 0,
        };
        if expected == 0 || h.offset != expected {
            self.partials.remove(&h.sender_pid);
            return Err(BusError::OutOfOrder {
                sender_pid: h.sender_pid,
                message_id: h.message_id,
                offset: h.offset,
                expected,
            });
        }
        let p = self.partials.get_mut(&h.sender_pid).unwrap();
        p.data.extend_from_slice(payload);
        p.last_chunk = now;
        if p.data.len() as u64 == p.total_len {
            let p = self.partials.remove(&h.sender_pid).unwrap();
            return Ok(Some((h.sender_pid, p.data)));
        }
        Ok(None)
    }

    fn expire(&mut self, now: std::time::Instant, alive: impl Fn(u32) -> bool) -> Vec<(u32, usize)> {
        let mut dropped = Vec::new();
        self.partials.retain(|&pid, p| {
            let keep = now.saturating_duration_since(p.last_chunk) < PARTIAL_TIMEOUT && alive(pid);
            if !keep {
                dropped.push((pid, p.data.len()));
            }
            keep
        });
        dropped
    }

    fn buffered(&self) -> usize {
        self.partials.values().map(|p| p.data.len()).sum()
    }
}

/// Slack allowed beyond 2x the buffered bytes for the reassembler's own bookkeeping (its map: at
/// most 256 distinct senders here).
const BUS_BOOKKEEPING: usize = 64 * 1024;

fn bus_total_len(input: &mut Bytes, offset: u64, payload_len: usize) -> u64 {
    match input.byte() % 10 {
        0 => u64::from(input.byte()),
        1 => u64::from(input.u16()),
        2 => offset.wrapping_add(payload_len as u64),
        3 => offset
            .wrapping_add(payload_len as u64)
            .wrapping_add(u64::from(input.byte())),
        4 => input.u64(),
        5 => u64::MAX,
        6 => 1 << 40,
        7 => (CHUNK_PAYLOAD as u64) * u64::from(input.byte() % 8 + 1) + u64::from(input.byte()),
        8 => u64::from(input.u32()),
        _ => 64 * 1024 * 1024 + u64::from(input.byte()),
    }
}

/// Input: a sequence of operations (raw datagrams, forged chunks, legit or cut-off messages,
/// expiries), each checked against the model.
pub fn check_bus_feed<H: Hooks>(data: &[u8]) {
    let mut input = Bytes::new(data);
    let start = std::time::Instant::now();
    let mut now = start;
    let mut model = BusModel::default();
    let mut reassembler = Reassembler::new();
    let mut held: isize = 0; // live bytes allocated inside the reassembler, when tracked
    let mut next_id: u32 = 0;

    let feed =
        |d: &[u8], now: std::time::Instant, model: &mut BusModel, reassembler: &mut Reassembler, held: &mut isize| {
            let expected = model.feed(d, now);
            let (got, allocs) = H::tracked(|| reassembler.feed(d, now));
            if let Some(a) = allocs {
                *held += a.bytes as isize - a.freed as isize;
            }
            assert_eq!(
                got,
                expected,
                "reassembler disagrees with the spec on a datagram of {} bytes",
                d.len()
            );
            if let Ok(Some((pid, ref message))) = got {
                let h = ChunkHeader::decode(d).unwrap();
                assert_eq!(pid, h.sender_pid, "delivered under another sender");
                assert_eq!(
                    message.len() as u64,
                    h.total_len,
                    "delivered a message of another length than announced"
                );
            }
            // Give back the delivered message where its allocation was counted.
            let ((), allocs) = H::tracked(|| drop(got));
            if let Some(a) = allocs {
                *held += a.bytes as isize - a.freed as isize;
            }
        };

    let mut ops = 0;
    while !input.is_empty() && ops < 512 {
        ops += 1;
        match input.byte() % 8 {
            0 => {
                let n = input.byte() as usize;
                let d = input.take(n).to_vec();
                feed(&d, now, &mut model, &mut reassembler, &mut held);
            }
            1 => {
                let n = input.byte() as usize;
                let mut d = b"PPMB".to_vec();
                d.extend_from_slice(input.take(n));
                feed(&d, now, &mut model, &mut reassembler, &mut held);
            }
            2..=5 => {
                let sender_pid = pid_from(input.byte());
                let message_id = u32::from(input.byte() % 4);
                let payload_len = match input.byte() % 8 {
                    0 => CHUNK_PAYLOAD,
                    1 => input.u16() as usize % (CHUNK_PAYLOAD + 1),
                    _ => input.byte() as usize % 64,
                };
                let offset = match input.byte() % 6 {
                    0 | 1 => 0,
                    2 => model.partials.get(&sender_pid).map_or(0, |p| p.data.len() as u64),
                    3 => u64::from(input.byte()),
                    4 => input.u64(),
                    _ => u64::MAX - u64::from(input.byte()),
                };
                let total_len = bus_total_len(&mut input, offset, payload_len);
                let seed = input.byte();
                let h = ChunkHeader {
                    sender_pid,
                    message_id,
                    total_len,
                    offset,
                };
                feed(
                    &datagram(&h, &pattern(payload_len, seed)),
                    now,
                    &mut model,
                    &mut reassembler,
                    &mut held,
                );
            }
            6 => {
                now += std::time::Duration::from_millis(u64::from(input.byte()) * 100);
                let mask = input.byte();
                let alive = |pid: u32| mask & (1 << (pid % 8)) != 0;
                let mut expected = model.expire(now, alive);
                let (mut got, allocs) = H::tracked(|| reassembler.expire(now, alive));
                got.sort();
                expected.sort();
                assert_eq!(got, expected, "expire() disagrees with the spec");
                let ((), allocs2) = H::tracked(|| drop(got));
                for a in [allocs, allocs2].into_iter().flatten() {
                    held += a.bytes as isize - a.freed as isize;
                }
            }
            _ => {
                // A real message from chunks(), possibly cut off (its sender died).
                let sender_pid = pid_from(input.byte());
                let len = match input.byte() % 4 {
                    0 => CHUNK_PAYLOAD * usize::from(input.byte() % 3 + 1) + usize::from(input.byte()) % 3,
                    _ => input.byte() as usize,
                };
                let seed = input.byte();
                let keep = match input.byte() % 4 {
                    0 => input.byte() as usize % 4,
                    _ => usize::MAX,
                };
                next_id = next_id.wrapping_add(1);
                let message = pattern(len, seed);
                for (h, p) in chunks(&message, sender_pid, next_id).take(keep) {
                    feed(&datagram(&h, p), now, &mut model, &mut reassembler, &mut held);
                }
            }
        }
        let buffered = model.buffered();
        assert_eq!(
            reassembler.has_partials(),
            !model.partials.is_empty(),
            "has_partials() disagrees with the spec"
        );
        if H::tracked(|| ()).1.is_some() {
            assert!(
                held <= (2 * buffered + BUS_BOOKKEEPING) as isize,
                "reassembler holds {held} bytes for {buffered} bytes received in {} partial message(s)",
                model.partials.len()
            );
        }
        if let Some(h) = H::bus_held(&reassembler) {
            assert!(
                h <= 2 * buffered,
                "reassembler holds {h} bytes for {buffered} bytes received in {} partial message(s)",
                model.partials.len()
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// bus_roundtrip

/// A sender of the roundtrip: its pid, the messages it sends, and its datagrams not yet fed.
type Sender = (u32, Vec<Vec<u8>>, std::collections::VecDeque<Vec<u8>>);

/// Input: senders and their messages, then the interleaving (which sender's next chunk comes).
pub fn check_bus_roundtrip<H: Hooks>(data: &[u8]) {
    let mut input = Bytes::new(data);
    let sender_count = usize::from(input.byte() % 4) + 1;
    let mut senders: Vec<Sender> = Vec::new();
    for _ in 0..sender_count {
        let mut pid = pid_from(input.byte());
        while senders.iter().any(|s| s.0 == pid) {
            pid = pid.wrapping_add(1);
        }
        let mut message_id = input.u32();
        let mut messages = Vec::new();
        let mut queue = std::collections::VecDeque::new();
        for _ in 0..input.byte() % 6 {
            let len = match input.byte() % 16 {
                0 => 0,
                1 => CHUNK_PAYLOAD - 1 + usize::from(input.byte() % 3),
                2 => 2 * CHUNK_PAYLOAD + usize::from(input.byte()),
                3 => input.u16() as usize,
                _ => input.byte() as usize,
            };
            let message = pattern(len, input.byte());
            for (h, p) in chunks(&message, pid, message_id) {
                queue.push_back(datagram(&h, p));
            }
            message_id = message_id.wrapping_add(1);
            messages.push(message);
        }
        senders.push((pid, messages, queue));
    }

    let now = std::time::Instant::now();
    let mut reassembler = Reassembler::new();
    let mut delivered: std::collections::BTreeMap<u32, Vec<Vec<u8>>> = Default::default();
    let mut round_robin = 0usize;
    loop {
        let pending: Vec<usize> = (0..senders.len()).filter(|&i| !senders[i].2.is_empty()).collect();
        if pending.is_empty() {
            break;
        }
        let pick = if input.is_empty() {
            round_robin += 1;
            pending[round_robin % pending.len()]
        } else {
            pending[usize::from(input.byte()) % pending.len()]
        };
        let d = senders[pick].2.pop_front().unwrap();
        let (got, _) = H::tracked(|| reassembler.feed(&d, now));
        match got {
            Ok(Some((pid, message))) => delivered.entry(pid).or_default().push(message),
            Ok(None) => {}
            Err(e) => panic!("a chunk of a whole message was refused: {e}"),
        }
    }
    assert!(
        !reassembler.has_partials(),
        "partial messages left after every chunk arrived"
    );
    for (pid, messages, _) in &senders {
        let got = delivered.remove(pid).unwrap_or_default();
        assert!(
            got == *messages,
            "sender {pid}: sent {} message(s), delivered {} (or different bytes)",
            messages.len(),
            got.len()
        );
    }
    assert!(
        delivered.is_empty(),
        "delivered for senders that sent nothing: {:?}",
        delivered.keys()
    );
}
