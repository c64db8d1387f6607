//! The UNIXSOCK message bus (`enable_message_bus`): a message of any size travels as datagrams of at
//! most CHUNK_PAYLOAD bytes, each with a header naming its sender, message number, total length and
//! offset. The receiver reassembles per (sender pid, message number), so chunks of several senders
//! to one worker may interleave without mixing; a message is delivered once, whole. A partial
//! message whose sender died or went quiet is dropped, so nothing half-made stays for ever.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::mem::MaybeUninit;
use std::ptr::NonNull;
use std::sync::OnceLock;
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
    data: Buf,
    last_chunk: Instant,
}

// ---------------------------------------------------------------------------------------------
// Message memory: where long messages are reassembled.
// ---------------------------------------------------------------------------------------------

/// Memory the worker loop reassembles long messages (more than one chunk) in, when the embedder
/// has its own kind of string with a header in front of the bytes (the PHP extension: a
/// zend_string): the message is then received in place, chunk after chunk, and handed to `Message`
/// where it lies, so the embedder can make it its own string without copying it. Without one
/// (`set_message_memory` never called) the Rust heap is used. Messages of one chunk are always
/// received into a heap buffer and handed out from there (copying them is cheap, and a string made
/// to measure is better for one the script keeps).
///
/// A block given to `Message` is the last one the core called `prepare` on; after `Message`
/// returns the core asks `shared` whether the embedder still holds it (then it calls `release`,
/// and the embedder keeps it) or reuses it for the next long message (no allocation and no page
/// faults per message). The core holds at most a few blocks: one per partial message and one kept.
///
/// # Safety
///
/// `alloc` returns null or a pointer to `capacity` bytes, valid for reads and writes until the
/// core passes it to `release`, and not used by anyone else until `prepare` (the core writes the
/// bytes as it likes). `prepare`, `shared` and `release` are only given pointers `alloc` returned.
pub unsafe trait MessageMemory: Send + Sync {
    /// A block of `capacity` bytes (null: out of memory; the heap is used instead).
    fn alloc(&self, capacity: usize) -> *mut u8;
    /// The core is about to hand the first `len` bytes of `block` to `Message`.
    fn prepare(&self, block: *mut u8, len: usize);
    /// Whether someone else than the core holds `block` (then it is not reused).
    fn shared(&self, block: *mut u8) -> bool;
    /// The core lets go of `block` (it stays alive if it is shared).
    fn release(&self, block: *mut u8);
}

impl std::fmt::Debug for dyn MessageMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MessageMemory")
    }
}

static MESSAGE_MEMORY: OnceLock<&'static dyn MessageMemory> = OnceLock::new();

/// Makes `memory` where this process reassembles long bus messages from now on; once per process
/// (false, and no change, if one was set already).
pub fn set_message_memory(memory: &'static dyn MessageMemory) -> bool {
    MESSAGE_MEMORY.set(memory).is_ok()
}

fn message_memory() -> Option<&'static dyn MessageMemory> {
    MESSAGE_MEMORY.get().copied()
}

/// A block of a [`MessageMemory`]: `len` bytes written of `cap`.
struct Block {
    memory: &'static dyn MessageMemory,
    ptr: NonNull<u8>,
    len: usize,
    cap: usize,
}

impl Block {
    fn alloc(memory: &'static dyn MessageMemory, cap: usize) -> Option<Block> {
        let ptr = NonNull::new(memory.alloc(cap.max(1)))?;
        Some(Block {
            memory,
            ptr,
            len: 0,
            cap: cap.max(1),
        })
    }

    fn shared(&self) -> bool {
        self.memory.shared(self.ptr.as_ptr())
    }
}

// SAFETY: a Block is the only handle to its memory (nothing else uses it until `prepare` hands
// it out, and then only through the embedder's own refcounting, see MessageMemory), and the
// MessageMemory it refers to is Send + Sync: moving it to another thread is like moving a Vec.
unsafe impl Send for Block {}

impl Drop for Block {
    fn drop(&mut self) {
        self.memory.release(self.ptr.as_ptr());
    }
}

impl std::fmt::Debug for Block {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Block")
            .field("len", &self.len)
            .field("cap", &self.cap)
            .finish()
    }
}

/// A message buffer: heap memory, or a block of the embedder's [`MessageMemory`]. A heap buffer
/// may start with `skip` bytes that are not part of the message (the header of the first chunk,
/// received in front of its payload).
#[derive(Debug)]
enum Buf {
    Heap { v: Vec<u8>, skip: usize },
    Block(Block),
}

impl Default for Buf {
    fn default() -> Buf {
        Buf::heap(Vec::new())
    }
}

impl Buf {
    fn heap(v: Vec<u8>) -> Buf {
        Buf::Heap { v, skip: 0 }
    }

    fn len(&self) -> usize {
        match self {
            Buf::Heap { v, skip } => v.len() - skip,
            Buf::Block(b) => b.len,
        }
    }

    fn capacity(&self) -> usize {
        match self {
            Buf::Heap { v, skip } => v.capacity() - skip,
            Buf::Block(b) => b.cap,
        }
    }

    fn as_slice(&self) -> &[u8] {
        match self {
            Buf::Heap { v, skip } => &v[*skip..],
            // SAFETY: the first `len` bytes of the block were written (see `set_len`), and the
            // block is valid for `cap` >= len bytes while we hold it.
            Buf::Block(b) => unsafe { std::slice::from_raw_parts(b.ptr.as_ptr(), b.len) },
        }
    }

    fn as_mut_slice(&mut self) -> &mut [u8] {
        match self {
            Buf::Heap { v, skip } => &mut v[*skip..],
            // SAFETY: as in `as_slice`, and we hold the block mutably.
            Buf::Block(b) => unsafe { std::slice::from_raw_parts_mut(b.ptr.as_ptr(), b.len) },
        }
    }

    /// `back + room` bytes starting `back` bytes before the end of the data (which must hold
    /// `back` bytes, and the capacity `room` more): where a datagram is received so that its
    /// header lands over the data's last bytes and its payload just after them.
    fn window(&mut self, back: usize, room: usize) -> &mut [MaybeUninit<u8>] {
        let len = self.len();
        assert!(back <= len && room <= self.capacity() - len, "window inside the buffer");
        let start = match self {
            Buf::Heap { v, skip } => v.as_mut_ptr().wrapping_add(*skip),
            Buf::Block(b) => b.ptr.as_ptr(),
        };
        // SAFETY: [len - back, len + room) lies within the allocation (checked above), which we
        // hold mutably; its bytes past `len` are only exposed as MaybeUninit.
        unsafe { std::slice::from_raw_parts_mut(start.add(len - back).cast(), back + room) }
    }

    /// # Safety
    ///
    /// The first `len` bytes must be initialized, and `len` at most the capacity.
    unsafe fn set_len(&mut self, len: usize) {
        match self {
            // SAFETY: the caller's contract.
            Buf::Heap { v, skip } => unsafe { v.set_len(*skip + len) },
            Buf::Block(b) => b.len = len,
        }
    }

    fn truncate(&mut self, len: usize) {
        match self {
            Buf::Heap { v, skip } => v.truncate(*skip + len),
            Buf::Block(b) => b.len = b.len.min(len),
        }
    }

    /// Makes the capacity at least `len() + additional`, keeping the bytes.
    fn reserve_exact(&mut self, additional: usize) {
        let needed = self.len() + additional;
        match self {
            Buf::Heap { v, .. } => v.reserve_exact(additional),
            Buf::Block(b) if needed > b.cap => {
                // A bigger block, the bytes copied over (blocks only grow while a message is
                // being received the first times; then the kept one is reused).
                match Block::alloc(b.memory, needed) {
                    Some(mut bigger) => {
                        // SAFETY: both blocks are valid for `b.len` bytes and distinct.
                        unsafe { std::ptr::copy_nonoverlapping(b.ptr.as_ptr(), bigger.ptr.as_ptr(), b.len) };
                        bigger.len = b.len;
                        *b = bigger;
                    }
                    None => {
                        let mut v = Vec::with_capacity(needed);
                        v.extend_from_slice(self.as_slice());
                        *self = Buf::heap(v);
                    }
                }
            }
            Buf::Block(_) => {}
        }
    }

    fn extend_from_slice(&mut self, bytes: &[u8]) {
        match self {
            Buf::Heap { v, .. } => v.extend_from_slice(bytes),
            Buf::Block(_) => {
                self.reserve_exact(bytes.len());
                let len = self.len();
                let spare = self.window(0, bytes.len());
                // SAFETY: `spare` is `bytes.len()` bytes of our free capacity, which a slice we
                // hold shared cannot overlap.
                unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), spare.as_mut_ptr().cast(), bytes.len()) };
                // SAFETY: the bytes just written.
                unsafe { self.set_len(len + bytes.len()) };
            }
        }
    }

    /// The bytes as a Vec (a block is copied out and released).
    fn into_vec(self) -> Vec<u8> {
        match self {
            Buf::Heap { v, skip: 0 } => v,
            other => other.as_slice().to_vec(),
        }
    }
}

/// Reassembles messages from chunks. One partial message per sender at a time: a sender sends its
/// chunks in order and a message whole before the next, and one socket keeps a sender's order.
///
/// Two ways in: [`Reassembler::feed`] takes a datagram already received somewhere (and returns each
/// message as a fresh `Vec`), while the worker loop uses `receive` (crate-private), which has each
/// datagram received straight into the buffer it belongs in: the partial message it most likely
/// continues (that of the last chunk's sender), else a spare buffer that a first chunk is taken
/// from (and that a whole message in one datagram is handed out from). Buffers are kept from one
/// message to the next. Both ways follow the same rules, see `check`.
#[derive(Debug, Default)]
pub struct Reassembler {
    partials: HashMap<u32, Partial, BuildHasherDefault<PidHasher>>,
    /// `receive` only: the sender whose chunk came last (its partial is where the next datagram
    /// is received).
    last: Option<u32>,
    /// `receive` only: where a datagram lands when there is no such partial; it holds the message
    /// `receive` returned last when that one came in one datagram, or was reassembled on the heap.
    spare: Vec<u8>,
    /// `receive` only, with a MessageMemory: the block of the last long message, handed out from
    /// there and reused for the next one unless the embedder kept it.
    kept: Option<Block>,
    /// Tests: a MessageMemory of this reassembler's own instead of the process's.
    #[cfg(test)]
    memory: Option<&'static dyn MessageMemory>,
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

/// What `receive` made of one datagram: a whole message (its sender and bytes), nothing yet, or
/// a refused chunk.
pub(crate) type Taken<'a> = Result<Option<(u32, &'a [u8])>, BusError>;

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

    /// Tests: a reassembler that uses `memory` instead of the process's MessageMemory.
    #[cfg(test)]
    fn with_memory(memory: &'static dyn MessageMemory) -> Reassembler {
        Reassembler {
            memory: Some(memory),
            ..Reassembler::default()
        }
    }

    /// The MessageMemory long messages are reassembled in (None: the heap).
    fn memory(&self) -> Option<&'static dyn MessageMemory> {
        #[cfg(test)]
        if self.memory.is_some() {
            return self.memory;
        }
        message_memory()
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
                self.start(&header, Buf::heap(payload.to_vec()), now);
                Ok(None)
            }
            Step::Continue => {
                let partial = self.partials.get_mut(&sender_pid).expect("checked");
                append(partial, payload, now);
                Ok(self
                    .take_if_complete(sender_pid)
                    .map(|data| (sender_pid, data.into_vec())))
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
    fn start(&mut self, header: &ChunkHeader, data: Buf, now: Instant) {
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
    fn take_if_complete(&mut self, sender_pid: u32) -> Option<Buf> {
        let partial = self.partials.get(&sender_pid)?;
        if partial.data.len() as u64 != partial.total_len {
            return None;
        }
        self.partials.remove(&sender_pid).map(|p| p.data)
    }

    /// Receives one datagram straight into its final place and takes it (the worker loop's way in;
    /// `feed` is the same with the datagram received elsewhere). `recv` is given one buffer, or two
    /// (the second is then not empty), of HEADER_LEN + CHUNK_PAYLOAD bytes in all, and receives one
    /// datagram across them like recv(2) / recvmsg(2); it returns how many bytes it wrote (a longer
    /// datagram is cut there), or its own error, which is handed back as is.
    ///
    /// Where it lands: after the partial message whose sender sent the last chunk (the likely next
    /// one), with the header over the partial's last HEADER_LEN bytes, which are saved before and
    /// put back after (one buffer: the kernel copies faster into one than into two); or, without
    /// such a partial, in the spare buffer, header first. A chunk of another sender is copied to
    /// its place from there. So a message in one datagram is returned where it was received, and a
    /// longer one is received in place, chunk after chunk, with no copy in the single-sender case
    /// (with a MessageMemory, its first chunk is copied once from the spare buffer into the block).
    /// The returned message stays valid until the next call; its buffer is then reused (see
    /// `trim_spare`).
    ///
    /// # Safety
    ///
    /// `recv` must return, as its count, no more than the number of bytes it actually initialized
    /// at the start of the first buffer and then of the second, in that order (which is what
    /// recv(2) / recvmsg(2) report).
    pub(crate) unsafe fn receive<E>(
        &mut self,
        now: impl Fn() -> Instant,
        recv: impl FnOnce(&mut [MaybeUninit<u8>], &mut [MaybeUninit<u8>]) -> Result<usize, E>,
    ) -> Result<Taken<'_>, E> {
        if self.kept.as_ref().is_some_and(Block::shared) {
            // The embedder kept the last long message: it is theirs now.
            self.kept = None;
        }
        let last = self
            .last
            .filter(|pid| !self.partials.is_empty() && self.partials.contains_key(pid));
        let Some(pid) = last else {
            // Into the spare buffer: [header][payload].
            self.spare.clear();
            self.spare.reserve_exact(HEADER_LEN + CHUNK_PAYLOAD);
            let region = &mut self.spare.spare_capacity_mut()[..HEADER_LEN + CHUNK_PAYLOAD];
            let n = recv(region, &mut [])?.min(HEADER_LEN + CHUNK_PAYLOAD);
            // SAFETY: by the caller's contract `recv` initialized the first `n` bytes.
            unsafe { self.spare.set_len(n) };
            let h = n.min(HEADER_LEN);
            let header = ChunkHeader::decode(&self.spare[..h]);
            return Ok(self.take_received(header, Landed::Spare, n - h, now));
        };
        let partial = self.partials.get_mut(&pid).expect("checked");
        make_room(partial);
        let data = &mut partial.data;
        let mut header = [0u8; HEADER_LEN];
        let len = data.len();
        let (n, h) = if len >= HEADER_LEN {
            // The header over the data's last HEADER_LEN bytes, saved and put back.
            let mut saved = [0u8; HEADER_LEN];
            saved.copy_from_slice(&data.as_slice()[len - HEADER_LEN..]);
            let window = data.window(HEADER_LEN, CHUNK_PAYLOAD);
            let n = recv(window, &mut [])?.min(HEADER_LEN + CHUNK_PAYLOAD);
            let payload_len = n.saturating_sub(HEADER_LEN);
            // SAFETY: `recv` initialized the window's first `n` bytes: those past the old end
            // are the payload's.
            unsafe { data.set_len(len + payload_len) };
            let h = n.min(HEADER_LEN);
            let tail = &mut data.as_mut_slice()[len - HEADER_LEN..len];
            header[..h].copy_from_slice(&tail[..h]);
            tail.copy_from_slice(&saved);
            (n, h)
        } else {
            // Too little data to hold the header (a first chunk under 32 bytes): two buffers.
            let header_region: &mut [MaybeUninit<u8>] = {
                let p: *mut [u8] = &mut header[..];
                // SAFETY: a [u8] is a valid [MaybeUninit<u8>] of the same length; recv only
                // writes initialized bytes into it.
                unsafe { &mut *(p as *mut [MaybeUninit<u8>]) }
            };
            let n = recv(header_region, data.window(0, CHUNK_PAYLOAD))?.min(HEADER_LEN + CHUNK_PAYLOAD);
            // SAFETY: `recv` initialized the header and then the payload's first bytes.
            unsafe { data.set_len(len + n.saturating_sub(HEADER_LEN)) };
            (n, n.min(HEADER_LEN))
        };
        Ok(self.take_received(ChunkHeader::decode(&header[..h]), Landed::Partial(pid), n - h, now))
    }

    /// `receive`'s second half: the payload of `payload_len` bytes is at the end of the buffer
    /// `landed` names, `header` what its header decoded to; the chunk is checked like `feed` does
    /// and the payload kept where it belongs (copied there when it landed elsewhere).
    fn take_received(
        &mut self,
        header: Result<ChunkHeader, BusError>,
        landed: Landed,
        payload_len: usize,
        now: impl Fn() -> Instant,
    ) -> Taken<'_> {
        let header = match header {
            Ok(h) => h,
            Err(e) => {
                self.unland(landed, payload_len);
                return Err(e);
            }
        };
        let sender_pid = header.sender_pid;
        if landed == Landed::Partial(sender_pid) {
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
        }
        if let Landed::Partial(pid) = landed {
            // Not what `pid`'s partial expected (another sender's chunk, or a new message or a
            // stray chunk of the same sender): give the partial its length back and move the
            // payload to the spare buffer, then apply the rules as if it had landed there.
            let data = &mut self.partials.get_mut(&pid).expect("the landing partial").data;
            let before = data.len() - payload_len;
            self.spare.clear();
            self.spare.resize(HEADER_LEN, 0);
            self.spare.extend_from_slice(&data.as_slice()[before..]);
            data.truncate(before);
        }
        self.take_from_spare(&header, now)
    }

    /// The payload is in `spare`, after HEADER_LEN bytes: apply the rules.
    fn take_from_spare(&mut self, header: &ChunkHeader, now: impl Fn() -> Instant) -> Taken<'_> {
        let sender_pid = header.sender_pid;
        let step = match self.check(header, self.spare.len() - HEADER_LEN) {
            Ok(step) => step,
            Err(e) => {
                self.spare.clear();
                return Err(e);
            }
        };
        match step {
            Step::Whole => Ok(Some((sender_pid, &self.spare[HEADER_LEN..]))),
            Step::Start => {
                let data = match self.memory() {
                    // The embedder's block (the one kept from the last long message if it is
                    // free); the first chunk is copied into it.
                    Some(memory) => {
                        let first = self.spare.len() - HEADER_LEN;
                        let kept = self.kept.take().filter(|b| b.cap >= first);
                        match kept.or_else(|| Block::alloc(memory, first + first.min(CHUNK_PAYLOAD))) {
                            Some(mut block) => {
                                block.len = 0;
                                let mut data = Buf::Block(block);
                                data.extend_from_slice(&self.spare[HEADER_LEN..]);
                                self.spare.clear();
                                data
                            }
                            None => Buf::Heap {
                                v: std::mem::take(&mut self.spare),
                                skip: HEADER_LEN,
                            },
                        }
                    }
                    // The spare buffer becomes the message's (its header bytes skipped); the next
                    // one is made when needed.
                    None => Buf::Heap {
                        v: std::mem::take(&mut self.spare),
                        skip: HEADER_LEN,
                    },
                };
                self.start(header, data, now());
                self.last = Some(sender_pid);
                Ok(None)
            }
            Step::Continue => {
                let partial = self.partials.get_mut(&sender_pid).expect("checked");
                append(partial, &self.spare[HEADER_LEN..], now());
                self.spare.clear();
                self.last = Some(sender_pid);
                Ok(self.finish(sender_pid))
            }
        }
    }

    /// When the sender's partial is whole: it is handed out from where it is kept until the next
    /// call, the spare buffer (heap) or `kept` (a block, `prepare`d for the embedder).
    fn finish(&mut self, sender_pid: u32) -> Option<(u32, &[u8])> {
        match self.take_if_complete(sender_pid)? {
            Buf::Heap { v, skip } => {
                self.spare = v;
                Some((sender_pid, &self.spare[skip..]))
            }
            Buf::Block(block) => {
                block.memory.prepare(block.ptr.as_ptr(), block.len);
                let block = self.kept.insert(block);
                // SAFETY: the block's first `len` bytes are the message, just received into it.
                Some((sender_pid, unsafe {
                    std::slice::from_raw_parts(block.ptr.as_ptr(), block.len)
                }))
            }
        }
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

    /// Frees the buffers `receive` keeps between messages if they are larger than `keep` bytes
    /// (e.g. after a burst of big messages, once the worker is idle); true if it did.
    pub(crate) fn trim_spare(&mut self, keep: usize) -> bool {
        let mut trimmed = false;
        if self.spare.capacity() > keep {
            self.spare = Vec::new();
            trimmed = true;
        }
        if self.kept.as_ref().is_some_and(|b| b.cap > keep) {
            self.kept = None;
            trimmed = true;
        }
        trimmed
    }

    /// Bytes of the buffers `receive` keeps between messages.
    pub(crate) fn spare_capacity(&self) -> usize {
        self.spare.capacity().max(self.kept.as_ref().map_or(0, |b| b.cap))
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

/// Before receiving into a partial message's free capacity: at least CHUNK_PAYLOAD bytes of it
/// (so that any chunk fits, whoever sent it). Grows like `append` (doubling, the doubling capped
/// at the total length), plus room for one chunk: a buffer ends at most one chunk larger than its
/// message.
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
