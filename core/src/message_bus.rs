//! The UNIXSOCK message bus (`enable_message_bus`): a message of any size travels as datagrams of at
//! most CHUNK_PAYLOAD bytes, each with a header naming its sender, message number, total length and
//! offset. The receiver reassembles per (sender pid, message number), so chunks of several senders
//! to one worker may interleave without mixing; a message is delivered once, whole. A partial
//! message whose sender died or went quiet is dropped, so nothing half-made stays for ever.

use std::collections::HashMap;
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
#[derive(Debug, Default)]
pub struct Reassembler {
    partials: HashMap<u32, Partial>,
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
        let ChunkHeader {
            sender_pid,
            message_id,
            total_len,
            offset,
        } = header;
        let end = offset.checked_add(payload.len() as u64);
        if end.is_none_or(|end| end > total_len) {
            self.partials.remove(&sender_pid);
            return Err(BusError::Overflow {
                sender_pid,
                message_id,
                total_len,
            });
        }
        if offset == 0 {
            // A new message from this sender; an unfinished older one can never complete now.
            if offset + payload.len() as u64 == total_len {
                self.partials.remove(&sender_pid);
                return Ok(Some((sender_pid, payload.to_vec())));
            }
            // Nothing is reserved on the word of the header (a lying total length would cost
            // memory per forged sender): the buffer grows with what arrives, see below.
            let data = payload.to_vec();
            self.partials.insert(
                sender_pid,
                Partial {
                    message_id,
                    total_len,
                    data,
                    last_chunk: now,
                },
            );
            return Ok(None);
        }
        let expected = match self.partials.get(&sender_pid) {
            Some(p) if p.message_id == message_id && p.total_len == total_len => p.data.len() as u64,
            _ => 0,
        };
        if expected == 0 || offset != expected {
            self.partials.remove(&sender_pid);
            return Err(BusError::OutOfOrder {
                sender_pid,
                message_id,
                offset,
                expected,
            });
        }
        let partial = self.partials.get_mut(&sender_pid).expect("checked above");
        // Doubling, capped at the total length (which this chunk fits in): at most twice what was
        // received is held, and a whole message ends with no spare capacity.
        let needed = partial.data.len() + payload.len();
        if needed > partial.data.capacity() {
            let doubled = (2 * partial.data.len() as u64).min(total_len) as usize;
            partial.data.reserve_exact(needed.max(doubled) - partial.data.len());
        }
        partial.data.extend_from_slice(payload);
        partial.last_chunk = now;
        if partial.data.len() as u64 == total_len {
            let done = self.partials.remove(&sender_pid).expect("present");
            return Ok(Some((sender_pid, done.data)));
        }
        Ok(None)
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

#[cfg(test)]
#[path = "message_bus_tests.rs"]
mod tests;
