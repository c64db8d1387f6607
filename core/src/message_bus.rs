//! The UNIXSOCK message bus (`enable_message_bus`): a message of any size travels as datagrams of at
//! most CHUNK_PAYLOAD bytes, each with a header naming its sender, message number, total length and
//! offset. The receiver reassembles per (sender pid, message number), so chunks of several senders
//! to one worker may interleave without mixing; a message is delivered once, whole. A partial
//! message whose sender died or went quiet is dropped, so nothing half-made stays for ever.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::mem::MaybeUninit;
use std::time::{Duration, Instant};

/// Size of the header in front of each chunk's payload: magic `PPMB`, sender pid, message id,
/// 4 reserved bytes, total length and offset, all big-endian.
pub const HEADER_LEN: usize = 32;
const MAGIC: u32 = u32::from_be_bytes(*b"PPMB");
/// Payload per datagram: with the header, comfortably under the default unix socket send buffer.
pub const CHUNK_PAYLOAD: usize = 64 * 1024 - HEADER_LEN;
/// A partial message that got no chunk for this long is dropped.
pub const PARTIAL_TIMEOUT: Duration = Duration::from_secs(10);

/// The decoded header of one chunk: which message it belongs to and where its payload goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkHeader {
    /// Pid of the sending process; the receiver keeps one partial message per sender.
    pub sender_pid: u32,
    /// Number of the message among those of its sender, so stray chunks of another message are caught.
    pub message_id: u32,
    /// Length of the whole message in bytes.
    pub total_len: u64,
    /// Position of this chunk's payload within the message.
    pub offset: u64,
}

impl ChunkHeader {
    /// The wire form of this header, to be sent in front of the chunk's payload.
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[0..4].copy_from_slice(&MAGIC.to_be_bytes());
        out[4..8].copy_from_slice(&self.sender_pid.to_be_bytes());
        out[8..12].copy_from_slice(&self.message_id.to_be_bytes());
        // 12..16 reserved (zero).
        out[16..24].copy_from_slice(&self.total_len.to_be_bytes());
        out[24..32].copy_from_slice(&self.offset.to_be_bytes());
        out
    }

    /// Reads the header at the start of a received datagram (the payload follows it); fails if the
    /// datagram is too short or lacks the magic.
    pub fn decode(datagram: &[u8]) -> Result<ChunkHeader, BusError> {
        if datagram.len() < HEADER_LEN {
            return Err(BusError::Short(datagram.len()));
        }
        let u32_at = |i: usize| u32::from_be_bytes(datagram[i..i + 4].try_into().unwrap());
        let u64_at = |i: usize| u64::from_be_bytes(datagram[i..i + 8].try_into().unwrap());
        if u32_at(0) != MAGIC {
            return Err(BusError::NotABusChunk);
        }
        Ok(ChunkHeader {
            sender_pid: u32_at(4),
            message_id: u32_at(8),
            total_len: u64_at(16),
            offset: u64_at(24),
        })
    }
}

/// The chunks of one message: (header, payload slice) pairs in order. An empty message is one
/// chunk with no payload.
pub fn chunks(data: &[u8], sender_pid: u32, message_id: u32) -> impl Iterator<Item = (ChunkHeader, &[u8])> {
    let total_len = data.len() as u64;
    let count = data.len().div_ceil(CHUNK_PAYLOAD).max(1);
    (0..count).map(move |i| {
        let start = i * CHUNK_PAYLOAD;
        let end = (start + CHUNK_PAYLOAD).min(data.len());
        (
            ChunkHeader {
                sender_pid,
                message_id,
                total_len,
                offset: start as u64,
            },
            &data[start..end],
        )
    })
}

/// Why a received datagram was rejected; chunk-order errors also drop the sender's partial message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BusError {
    /// The datagram (of this many bytes) is shorter than `HEADER_LEN`.
    #[error("datagram of {0} bytes is shorter than a message-bus header")]
    Short(usize),
    /// The datagram does not start with the bus magic.
    #[error("datagram is not a message-bus chunk")]
    NotABusChunk,
    /// A chunk that does not continue the sender's partial message (wrong message, or a gap or
    /// repeat in the offsets).
    #[error("chunk of message {message_id} from pid {sender_pid} is out of place (offset {offset}, expected {expected}); the partial message is dropped")]
    OutOfOrder {
        /// Pid of the chunk's sender.
        sender_pid: u32,
        /// Message number the chunk claims.
        message_id: u32,
        /// Offset the chunk claims.
        offset: u64,
        /// Offset that would continue the partial message (0 when there is none to continue).
        expected: u64,
    },
    /// A chunk whose payload ends past the message's total length.
    #[error("chunk of message {message_id} from pid {sender_pid} goes past its total length {total_len}; the partial message is dropped")]
    Overflow {
        /// Pid of the chunk's sender.
        sender_pid: u32,
        /// Message number the chunk claims.
        message_id: u32,
        /// Total length the chunk's header announces.
        total_len: u64,
    },
}

#[derive(Debug)]
struct Partial {
    message_id: u32,
    total_len: u64,
    data: Vec<u8>,
    last_chunk: Instant,
}

/// Reassembles messages from chunks. One partial message per sender at a time: a sender sends its
/// chunks in order and a message whole before the next, and one socket keeps a sender's order.
///
/// Two ways in: [`Reassembler::feed`] takes a datagram already received somewhere (and returns each
/// message as a fresh `Vec`), while the worker loop uses `receive` (crate-private), which has the
/// datagram received straight into the buffer it ends up in: the partial message it most likely
/// continues, or a spare buffer that becomes the next message's (and is kept from one message to
/// the next). Both follow the same rules, see `check`.
#[derive(Debug, Default)]
pub struct Reassembler {
    partials: HashMap<u32, Partial, BuildHasherDefault<PidHasher>>,
    /// `receive` only: the sender whose chunk came last (its partial is where the next datagram
    /// is received), and the buffer a datagram lands in when there is no such partial. Between two
    /// `receive` calls it holds the message the last one returned.
    last: Option<u32>,
    spare: Vec<u8>,
}

/// The partial messages are keyed by sender pid; std's default SipHash costs more than the rest of a
/// small message's bookkeeping, and keys chosen to collide are not a concern here (only the pool's
/// own processes can write to its sockets). A multiplicative hash: distinct pids, distinct hashes.
#[derive(Debug, Default, Clone, Copy)]
struct PidHasher(u64);

impl Hasher for PidHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn write_u32(&mut self, pid: u32) {
        self.0 = (self.0 ^ u64::from(pid)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// Where `receive` had the kernel put a datagram's payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Landed {
    /// At the start of `spare` (empty before).
    Spare,
    /// Just past the data of this sender's partial message.
    Partial(u32),
}

/// What a valid chunk does, once `check` accepted it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// A whole message in one chunk.
    Whole,
    /// The first chunk of a longer message.
    Start,
    /// The next chunk of the sender's partial message.
    Continue,
}

impl Reassembler {
    /// A reassembler holding no partial message.
    pub fn new() -> Reassembler {
        Reassembler::default()
    }

    /// Takes one datagram; returns the message it completes, if any.
    pub fn feed(&mut self, datagram: &[u8], now: Instant) -> Result<Option<(u32, Vec<u8>)>, BusError> {
        let header = ChunkHeader::decode(datagram)?;
        let payload = &datagram[HEADER_LEN..];
        let sender_pid = header.sender_pid;
        match self.check(&header, payload.len())? {
            Step::Whole => Ok(Some((sender_pid, payload.to_vec()))),
            Step::Start => {
                // Nothing is reserved on the word of the header (a lying total length would cost
                // memory per forged sender): the buffer grows with what arrives, see `append`.
                self.start(&header, payload.to_vec(), now);
                Ok(None)
            }
            Step::Continue => {
                let partial = self.partials.get_mut(&sender_pid).expect("checked");
                append(partial, payload, now);
                Ok(self.take_if_complete(sender_pid).map(|data| (sender_pid, data)))
            }
        }
    }

    /// The rules, shared by `feed` and `receive`: decides what a chunk of `payload_len` bytes with
    /// this header does. A chunk that cannot belong (past its total length, a gap, a repeat, another
    /// message) drops its sender's partial message and is an error; a chunk at offset 0 drops an
    /// unfinished older message of its sender (it can never complete now).
    fn check(&mut self, header: &ChunkHeader, payload_len: usize) -> Result<Step, BusError> {
        let &ChunkHeader {
            sender_pid,
            message_id,
            total_len,
            offset,
        } = header;
        let end = offset.checked_add(payload_len as u64);
        if end.is_none_or(|end| end > total_len) {
            self.drop_partial(sender_pid);
            return Err(BusError::Overflow {
                sender_pid,
                message_id,
                total_len,
            });
        }
        if offset == 0 {
            self.drop_partial(sender_pid);
            return Ok(if payload_len as u64 == total_len {
                Step::Whole
            } else {
                Step::Start
            });
        }
        let expected = match self.partials.get(&sender_pid) {
            Some(p) if p.message_id == message_id && p.total_len == total_len => p.data.len() as u64,
            _ => 0,
        };
        if expected == 0 || offset != expected {
            self.drop_partial(sender_pid);
            return Err(BusError::OutOfOrder {
                sender_pid,
                message_id,
                offset,
                expected,
            });
        }
        Ok(Step::Continue)
    }

    /// Forgets the sender's partial message, if it has one (no lookup at all when none is held,
    /// the usual case with messages of one chunk).
    fn drop_partial(&mut self, sender_pid: u32) {
        if !self.partials.is_empty() {
            self.partials.remove(&sender_pid);
        }
    }

    /// Makes `data` (the first chunk's payload) the sender's partial message.
    fn start(&mut self, header: &ChunkHeader, data: Vec<u8>, now: Instant) {
        self.partials.insert(
            header.sender_pid,
            Partial {
                message_id: header.message_id,
                total_len: header.total_len,
                data,
                last_chunk: now,
            },
        );
    }

    /// The sender's message, taken out, if its partial is now whole.
    fn take_if_complete(&mut self, sender_pid: u32) -> Option<Vec<u8>> {
        let partial = self.partials.get(&sender_pid)?;
        if partial.data.len() as u64 != partial.total_len {
            return None;
        }
        self.partials.remove(&sender_pid).map(|p| p.data)
    }

    /// Receives one datagram straight into its final place and takes it (the worker loop's way in;
    /// `feed` is the same with the datagram received elsewhere). `recv` is given the header buffer
    /// and the payload buffer (CHUNK_PAYLOAD bytes) and receives one datagram across the two, like
    /// recvmsg(2) with two iovecs; it returns how many bytes it wrote (a longer datagram is cut
    /// there), or its own error, which is handed back as is. The payload buffer is the spare
    /// capacity of the partial message whose sender sent the last chunk (the likely next one) or,
    /// without one, of the spare buffer; a chunk of another sender is copied to its place from
    /// there. A message in one datagram is thus returned where it was received, and a longer one
    /// is received in place, chunk after chunk, with no copy in the single-sender case. The returned
    /// message stays valid until the next call; its buffer is then reused (see `trim_spare`).
    ///
    /// # Safety
    ///
    /// `recv` must return, as its count, no more than the number of bytes it actually initialized
    /// at the start of the header buffer and then of the payload buffer, in that order (which is
    /// what recvmsg(2) reports for those two iovecs).
    pub(crate) unsafe fn receive<E>(
        &mut self,
        now: impl Fn() -> Instant,
        recv: impl FnOnce(&mut [u8; HEADER_LEN], &mut [MaybeUninit<u8>]) -> Result<usize, E>,
    ) -> Result<Result<Option<(u32, &[u8])>, BusError>, E> {
        let mut header_buf = [0u8; HEADER_LEN];
        // Where the payload goes: after the partial message of the last chunk's sender, or into
        // the spare buffer (which held the message returned last time).
        let landed = match self.last.filter(|pid| !self.partials.is_empty() && self.partials.contains_key(pid)) {
            Some(pid) => Landed::Partial(pid),
            None => Landed::Spare,
        };
        let region = match landed {
            Landed::Partial(pid) => {
                let partial = self.partials.get_mut(&pid).expect("checked");
                make_room(partial);
                &mut partial.data.spare_capacity_mut()[..CHUNK_PAYLOAD]
            }
            Landed::Spare => {
                self.spare.clear();
                self.spare.reserve_exact(CHUNK_PAYLOAD);
                &mut self.spare.spare_capacity_mut()[..CHUNK_PAYLOAD]
            }
        };
        let n = recv(&mut header_buf, region)?.min(HEADER_LEN + CHUNK_PAYLOAD);
        let payload_len = n.saturating_sub(HEADER_LEN);
        // SAFETY: by the caller's contract `recv` initialized the first `n` bytes across the header
        // buffer and the payload region, so the region's first `payload_len` bytes are initialized.
        unsafe { self.mark_received(landed, payload_len) };
        Ok(self.take_received(&header_buf[..n.min(HEADER_LEN)], landed, payload_len, now))
    }

    /// Extends the length of the buffer `landed` names over the `payload_len` bytes just received
    /// past its end (they become part of it, for now; `take_received` decides what they are).
    ///
    /// # Safety
    ///
    /// Those bytes must have been initialized.
    unsafe fn mark_received(&mut self, landed: Landed, payload_len: usize) {
        let data = match landed {
            Landed::Spare => &mut self.spare,
            Landed::Partial(pid) => &mut self.partials.get_mut(&pid).expect("the landing partial").data,
        };
        debug_assert!(data.capacity() - data.len() >= payload_len);
        // SAFETY: the caller's contract; the capacity was reserved by `receive` (CHUNK_PAYLOAD
        // spare bytes, and payload_len <= CHUNK_PAYLOAD).
        unsafe { data.set_len(data.len() + payload_len) };
    }

    /// `receive`'s second half: the payload of `payload_len` bytes is at the end of the buffer
    /// `landed` names; the header's chunk is checked like `feed` does and the payload kept where it
    /// belongs (copied there when it landed elsewhere).
    fn take_received(
        &mut self,
        header: &[u8],
        landed: Landed,
        payload_len: usize,
        now: impl Fn() -> Instant,
    ) -> Result<Option<(u32, &[u8])>, BusError> {
        let header = match ChunkHeader::decode(header) {
            Ok(h) => h,
            Err(e) => {
                self.unland(landed, payload_len);
                return Err(e);
            }
        };
        let sender_pid = header.sender_pid;
        // The landing partial may be the one `check` drops: take the payload out of it first.
        let payload_in_other = match landed {
            Landed::Partial(pid) if pid != sender_pid => true,
            Landed::Partial(_) => false,
            Landed::Spare => true,
        };
        if !payload_in_other {
            // Landed after this very sender's partial: the normal case of a long message.
            let partial = self.partials.get(&sender_pid).expect("the landing partial");
            let before = partial.data.len() - payload_len;
            let continues = header.offset != 0
                && header.offset == before as u64
                && partial.message_id == header.message_id
                && partial.total_len == header.total_len
                && header.offset + payload_len as u64 <= header.total_len;
            if continues {
                let partial = self.partials.get_mut(&sender_pid).expect("present");
                partial.last_chunk = now();
                self.last = Some(sender_pid);
                return Ok(self.finish(sender_pid));
            }
            // Anything else from this sender replaces or drops its partial: move the payload out
            // of it first (to the spare buffer), then apply the rules as if it had landed there.
            let partial = self.partials.get_mut(&sender_pid).expect("present");
            self.spare.clear();
            self.spare.extend_from_slice(&partial.data[before..]);
            partial.data.truncate(before);
            return self.take_from_spare(&header, now);
        }
        if let Landed::Partial(pid) = landed {
            // Another sender's chunk after `pid`'s partial: give `pid` its length back and move the
            // payload to the spare buffer.
            let partial = self.partials.get_mut(&pid).expect("the landing partial");
            let before = partial.data.len() - payload_len;
            self.spare.clear();
            self.spare.extend_from_slice(&partial.data[before..]);
            partial.data.truncate(before);
        }
        self.take_from_spare(&header, now)
    }

    /// The payload is all of `spare`: apply the rules.
    fn take_from_spare(
        &mut self,
        header: &ChunkHeader,
        now: impl Fn() -> Instant,
    ) -> Result<Option<(u32, &[u8])>, BusError> {
        let sender_pid = header.sender_pid;
        let step = match self.check(header, self.spare.len()) {
            Ok(step) => step,
            Err(e) => {
                self.spare.clear();
                return Err(e);
            }
        };
        match step {
            Step::Whole => Ok(Some((sender_pid, &self.spare[..]))),
            Step::Start => {
                // The spare buffer becomes the message's; the next one is made when needed.
                let data = std::mem::take(&mut self.spare);
                self.start(header, data, now());
                self.last = Some(sender_pid);
                Ok(None)
            }
            Step::Continue => {
                let partial = self.partials.get_mut(&sender_pid).expect("checked");
                append(partial, &self.spare, now());
                self.spare.clear();
                self.last = Some(sender_pid);
                Ok(self.finish(sender_pid))
            }
        }
    }

    /// When the sender's partial is whole: it becomes the spare buffer (so its memory serves the
    /// next message too) and is returned from there.
    fn finish(&mut self, sender_pid: u32) -> Option<(u32, &[u8])> {
        self.spare = self.take_if_complete(sender_pid)?;
        Some((sender_pid, &self.spare[..]))
    }

    /// Forgets a payload that turned out to be garbage.
    fn unland(&mut self, landed: Landed, payload_len: usize) {
        match landed {
            Landed::Spare => self.spare.clear(),
            Landed::Partial(pid) => {
                let data = &mut self.partials.get_mut(&pid).expect("the landing partial").data;
                data.truncate(data.len() - payload_len);
            }
        }
    }

    /// Frees the spare buffer `receive` keeps between messages if it is larger than `keep` bytes
    /// (e.g. after a burst of big messages, once the worker is idle); true if it did.
    pub(crate) fn trim_spare(&mut self, keep: usize) -> bool {
        if self.spare.capacity() <= keep {
            return false;
        }
        self.spare = Vec::new();
        true
    }

    /// Bytes of the spare buffer `receive` keeps between messages.
    pub(crate) fn spare_capacity(&self) -> usize {
        self.spare.capacity()
    }

    /// True while some message is partly received (so `expire` needs calling).
    pub fn has_partials(&self) -> bool {
        !self.partials.is_empty()
    }

    /// Drops partial messages whose sender is gone or silent for PARTIAL_TIMEOUT; returns
    /// (sender pid, bytes received) of each dropped one.
    pub fn expire(&mut self, now: Instant, sender_alive: impl Fn(u32) -> bool) -> Vec<(u32, usize)> {
        let mut dropped = Vec::new();
        self.partials.retain(|&pid, p| {
            let keep = now.duration_since(p.last_chunk) < PARTIAL_TIMEOUT && sender_alive(pid);
            if !keep {
                dropped.push((pid, p.data.len()));
            }
            keep
        });
        dropped
    }
}

/// Appends a chunk's payload to its partial message. The buffer grows by doubling, capped at the
/// total length (which this chunk fits in): at most twice what was received is held, and a whole
/// message ends with no spare capacity.
fn append(partial: &mut Partial, payload: &[u8], now: Instant) {
    let needed = partial.data.len() + payload.len();
    if needed > partial.data.capacity() {
        let doubled = (2 * partial.data.len() as u64).min(partial.total_len) as usize;
        partial.data.reserve_exact(needed.max(doubled) - partial.data.len());
    }
    partial.data.extend_from_slice(payload);
    partial.last_chunk = now;
}

/// Before receiving into a partial message's spare capacity: at least CHUNK_PAYLOAD bytes of it
/// (so that any chunk fits, whoever sent it). Grows like `append` (doubling, the doubling capped
/// at the total length), plus room for one chunk.
fn make_room(partial: &mut Partial) {
    let len = partial.data.len();
    if partial.data.capacity() - len >= CHUNK_PAYLOAD {
        return;
    }
    let doubled = (2 * len as u64).min(partial.total_len) as usize;
    let target = (len + CHUNK_PAYLOAD).max(doubled);
    partial.data.reserve_exact(target - len);
}

#[cfg(test)]
#[path = "message_bus_tests.rs"]
mod tests;
