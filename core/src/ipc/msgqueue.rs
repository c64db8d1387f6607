//! SWOOLE_IPC_MSGQUEUE: a System V message queue. Producers are other processes (PHP's
//! `msg_send($q, $type, $data, false)`, any non-zero type); each message goes to exactly one worker,
//! which takes it with msgrcv(2) and runs `Message` once.
//!
//! Permissions: a queue the pool creates is owner-only (0600) unless `msgqueue_permissions` widens it,
//! since anyone who can write to it can make the workers run their code on any input. An existing
//! queue another user can write to is refused by a root pool (unless `msgqueue_allow_foreign`) and
//! warned about by any other.

use super::{wait_interruptibly, Delivery, WorkerSlot};
use crate::error::{Error, Result};
use crate::event::Outcome;
use crate::log::warning;

/// The largest message a worker takes whole, as Swoole documents. A longer one is cut to this size.
pub const MAX_MESSAGE: usize = 65536;
const MTYPE_LEN: usize = std::mem::size_of::<libc::c_long>();

/// The type `push()` gives its messages (receivers take any type).
const PUSH_TYPE: libc::c_long = 1;

/// The pool's queue. A private queue (key 0) lives as long as its pool and is removed when this is
/// dropped in the process that opened it; a keyed one stays, with its messages, for the next run.
#[derive(Debug)]
pub struct MsgQueue {
    id: i32,
    key: i64,
    owner_pid: u32,
}

impl MsgQueue {
    /// Opens the queue of `key`, creating it with `permissions` if missing; key 0 makes a private queue.
    /// An existing queue that another user may write to (see `foreign_writer`) is refused when this
    /// process runs as root, unless `allow_foreign`; otherwise it is used with one warning.
    pub fn open(key: i64, permissions: u32, allow_foreign: bool) -> Result<MsgQueue> {
        let mode = (permissions & 0o777) as i32;
        let queue = |id| MsgQueue {
            id,
            key,
            owner_pid: std::process::id(),
        };
        if key == 0 {
            // SAFETY: msgget(2) with plain values.
            let id = unsafe { libc::msgget(libc::IPC_PRIVATE, libc::IPC_CREAT | mode) };
            return if id < 0 {
                Err(Error::last_os(
                    "msgget(IPC_PRIVATE): cannot make the private message queue",
                ))
            } else {
                Ok(queue(id))
            };
        }
        let ipc_key = key as libc::key_t;
        // SAFETY: msgget(2) with plain values.
        let created = unsafe { libc::msgget(ipc_key, libc::IPC_CREAT | libc::IPC_EXCL | mode) };
        if created >= 0 {
            return Ok(queue(created));
        }
        // Opens the queue that exists, asking for read and write access (EACCES if this user may
        // not use it, rather than a worker failing at its first msgrcv).
        let id = match std::io::Error::last_os_error().raw_os_error() {
            // SAFETY: msgget(2) with plain values.
            Some(libc::EEXIST) => unsafe { libc::msgget(ipc_key, 0o600) },
            _ => -1,
        };
        if id < 0 {
            return Err(Error::last_os(format!(
                "msgget(key {key:#x}): cannot open the message queue"
            )));
        }
        if let Some(why) = foreign_writer(id, permissions) {
            // SAFETY: geteuid has no preconditions.
            let root = unsafe { libc::geteuid() } == 0;
            if root && !allow_foreign {
                return Err(Error::InvalidArgument(format!(
                    "the message queue of key {key:#x} (id {id}) {why}: whoever can write to it chooses what the workers run on; \
                     a pool running as root refuses it (set msgqueue_allow_foreign to use it anyway)"
                )));
            }
            if !allow_foreign {
                warning!("the message queue of key {key:#x} (id {id}) {why}: whoever can write to it chooses what the workers run on");
            }
        }
        Ok(queue(id))
    }

    /// The queue's id (as `ipcs -q` shows it).
    pub fn id(&self) -> i32 {
        self.id
    }

    /// The key it was opened with (0: private).
    pub fn key(&self) -> i64 {
        self.key
    }

    /// Whether the queue still exists (it may be removed with `ipcrm` while the pool runs).
    pub fn exists(&self) -> bool {
        // SAFETY: IPC_STAT writes into a msqid_ds we own.
        let mut info: libc::msqid_ds = unsafe { std::mem::zeroed() };
        // SAFETY: as above; the id is only looked up.
        unsafe { libc::msgctl(self.id, libc::IPC_STAT, &mut info) == 0 }
    }

    /// Whether it is the pool's own private queue (removed with the pool).
    pub fn is_private(&self) -> bool {
        self.key == 0
    }
}

impl Drop for MsgQueue {
    fn drop(&mut self) {
        if self.is_private() && std::process::id() == self.owner_pid {
            // SAFETY: msgctl(IPC_RMID) on the queue this process created.
            unsafe { libc::msgctl(self.id, libc::IPC_RMID, std::ptr::null_mut()) };
        }
    }
}

/// Says why an existing queue can be written by a user other than this process's: it is owned (or
/// was created) by another uid, or its mode has group/other write bits beyond `permissions`.
fn foreign_writer(id: i32, permissions: u32) -> Option<String> {
    // SAFETY: IPC_STAT writes into a msqid_ds we own.
    let mut info: libc::msqid_ds = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    if unsafe { libc::msgctl(id, libc::IPC_STAT, &mut info) } != 0 {
        return None;
    }
    // SAFETY: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    let perm = &info.msg_perm;
    let mode = u32::from(perm.mode) & 0o777;
    let extra_writers = mode & 0o022 & !(permissions & 0o777);
    if perm.uid != me || perm.cuid != me || extra_writers != 0 {
        Some(format!(
            "is owned by uid {} (created by uid {}) with mode {mode:04o}",
            perm.uid, perm.cuid
        ))
    } else {
        None
    }
}

/// A receive buffer laid out as `struct msgbuf { long mtype; char mtext[MAX_MESSAGE]; }`.
pub(crate) struct RecvBuffer(Vec<u8>);

impl RecvBuffer {
    pub fn new() -> RecvBuffer {
        RecvBuffer(vec![0; MTYPE_LEN + MAX_MESSAGE])
    }
}

pub(crate) enum Received {
    Message(usize),
    Interrupted,
    /// The queue was removed under the pool (EIDRM/EINVAL): nothing more can come.
    Gone,
    /// Any other failure (e.g. EACCES once the queue's mode was changed): retrying cannot help.
    Failed(std::io::Error),
}

/// Blocks in msgrcv(2) for the next message of any type. A message longer than MAX_MESSAGE is cut
/// to MAX_MESSAGE (MSG_NOERROR) rather than left at the head of the queue for ever.
pub(crate) fn receive(queue_id: i32, buf: &mut RecvBuffer, nowait: bool) -> Received {
    let flags = libc::MSG_NOERROR | if nowait { libc::IPC_NOWAIT } else { 0 };
    // SAFETY: the buffer holds an mtype and MAX_MESSAGE bytes of text.
    let n = unsafe { libc::msgrcv(queue_id, buf.0.as_mut_ptr().cast(), MAX_MESSAGE, 0, flags) };
    if n >= 0 {
        return Received::Message(n as usize);
    }
    match std::io::Error::last_os_error().raw_os_error() {
        Some(libc::EINTR | libc::ENOMSG) => Received::Interrupted,
        Some(libc::EIDRM | libc::EINVAL) => Received::Gone,
        _ => Received::Failed(std::io::Error::last_os_error()),
    }
}

pub(crate) fn text(buf: &RecvBuffer, len: usize) -> &[u8] {
    &buf.0[MTYPE_LEN..MTYPE_LEN + len]
}

/// Sends one message (used by `Process::push`). Blocks while the queue is full.
pub(crate) fn send(queue_id: i32, data: &[u8]) -> Result<()> {
    if data.len() > MAX_MESSAGE {
        return Err(Error::InvalidArgument(format!(
            "message of {} bytes is larger than the {MAX_MESSAGE}-byte limit of SWOOLE_IPC_MSGQUEUE",
            data.len()
        )));
    }
    let mut buf = Vec::with_capacity(MTYPE_LEN + data.len());
    buf.extend_from_slice(&PUSH_TYPE.to_ne_bytes());
    buf.extend_from_slice(data);
    loop {
        // SAFETY: msgsnd(2) with a buffer laid out as struct msgbuf.
        if unsafe { libc::msgsnd(queue_id, buf.as_ptr().cast(), data.len(), 0) } == 0 {
            return Ok(());
        }
        if std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            return Err(Error::last_os("msgsnd"));
        }
    }
}

/// How a `receive_typed` ended.
pub(crate) enum Taken {
    /// A whole message of that many bytes is in the buffer.
    Message(usize),
    /// Interrupted by a signal, or (IPC_NOWAIT) no message of that type waits.
    Nothing,
    /// The next message is longer than the buffer: it stays in the queue (E2BIG).
    TooBig,
    /// The queue was removed (EIDRM/EINVAL).
    Gone,
    /// Any other failure.
    Failed(std::io::Error),
}

/// Swoole's `MsgQueue::pop`: takes the next message of `mtype` (0: any type) of at most `size`
/// bytes. A longer message is left in the queue whole (no MSG_NOERROR), so nothing of it is lost.
pub(crate) fn receive_typed(queue_id: i32, mtype: i64, buf: &mut Vec<u8>, size: usize, nowait: bool) -> Taken {
    buf.resize(MTYPE_LEN + size, 0);
    let flags = if nowait { libc::IPC_NOWAIT } else { 0 };
    // SAFETY: the buffer holds an mtype and `size` bytes of text.
    let n = unsafe { libc::msgrcv(queue_id, buf.as_mut_ptr().cast(), size, mtype as libc::c_long, flags) };
    if n >= 0 {
        return Taken::Message(n as usize);
    }
    match std::io::Error::last_os_error().raw_os_error() {
        Some(libc::EINTR | libc::ENOMSG) => Taken::Nothing,
        Some(libc::E2BIG) => Taken::TooBig,
        Some(libc::EIDRM | libc::EINVAL) => Taken::Gone,
        _ => Taken::Failed(std::io::Error::last_os_error()),
    }
}

/// The text of a message `receive_typed` took.
pub(crate) fn typed_text(buf: &[u8], len: usize) -> &[u8] {
    &buf[MTYPE_LEN..MTYPE_LEN + len]
}

/// Swoole's `MsgQueue::push`: sends one message of type `mtype` (> 0). Retries on EINTR; with
/// `nowait`, a full queue is `Ok(false)` (EAGAIN) instead of a wait.
pub(crate) fn send_typed(queue_id: i32, mtype: i64, data: &[u8], nowait: bool) -> Result<bool> {
    let mut buf = Vec::with_capacity(MTYPE_LEN + data.len());
    buf.extend_from_slice(&(mtype as libc::c_long).to_ne_bytes());
    buf.extend_from_slice(data);
    let flags = if nowait { libc::IPC_NOWAIT } else { 0 };
    loop {
        // SAFETY: msgsnd(2) with a buffer laid out as struct msgbuf.
        if unsafe { libc::msgsnd(queue_id, buf.as_ptr().cast(), data.len(), flags) } == 0 {
            return Ok(true);
        }
        match std::io::Error::last_os_error().raw_os_error() {
            Some(libc::EINTR) => continue,
            Some(libc::EAGAIN) => return Ok(false),
            _ => return Err(Error::last_os(format!("msgsnd({queue_id}, {}, {mtype})", data.len()))),
        }
    }
}

/// The number of messages and of bytes in the queue (msgctl IPC_STAT).
pub(crate) fn stat(queue_id: i32) -> Result<(u64, u64)> {
    // SAFETY: IPC_STAT writes into a msqid_ds we own.
    let mut info: libc::msqid_ds = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    if unsafe { libc::msgctl(queue_id, libc::IPC_STAT, &mut info) } != 0 {
        return Err(Error::last_os(format!("msgctl({queue_id}, IPC_STAT)")));
    }
    Ok((info.msg_qnum as u64, info.__msg_cbytes as u64))
}

/// Sets the queue's capacity in bytes (msg_qbytes; above `kernel.msgmnb` needs CAP_SYS_RESOURCE).
pub(crate) fn set_capacity(queue_id: i32, bytes: u64) -> Result<()> {
    // SAFETY: IPC_STAT writes into a msqid_ds we own.
    let mut info: libc::msqid_ds = unsafe { std::mem::zeroed() };
    // SAFETY: as above; IPC_SET reads the same struct back.
    unsafe {
        if libc::msgctl(queue_id, libc::IPC_STAT, &mut info) != 0 {
            return Err(Error::last_os(format!("msgctl({queue_id}, IPC_STAT)")));
        }
        info.msg_qbytes = bytes as libc::msglen_t;
        if libc::msgctl(queue_id, libc::IPC_SET, &mut info) != 0 {
            return Err(Error::last_os(format!(
                "msgctl(msqid={queue_id}, IPC_SET, msg_qbytes={bytes})"
            )));
        }
    }
    Ok(())
}

/// Removes the queue (msgctl IPC_RMID).
pub(crate) fn remove(queue_id: i32) -> Result<()> {
    // SAFETY: msgctl(IPC_RMID) takes no buffer.
    if unsafe { libc::msgctl(queue_id, libc::IPC_RMID, std::ptr::null_mut()) } != 0 {
        return Err(Error::last_os(format!("msgctl({queue_id}, IPC_RMID)")));
    }
    Ok(())
}

/// The worker loop: one `Message` per message until SIGTERM, stop() or detach(). `Err(QueueGone)`
/// when the queue was removed under the pool: nothing more can come from it.
pub(crate) fn serve(delivery: &mut dyn Delivery, slot: WorkerSlot, queue_id: i32) -> Result<Outcome> {
    let mut buf = RecvBuffer::new();
    loop {
        let received = wait_interruptibly(
            Some(slot),
            || delivery.must_leave(),
            || receive(queue_id, &mut buf, false),
        );
        match received {
            None => return Ok(Outcome::Normal),
            Some(Received::Message(len)) => {
                if let Outcome::Fatal { exit_code } = delivery.message(text(&buf, len)) {
                    return Ok(Outcome::Fatal { exit_code });
                }
            }
            Some(Received::Interrupted) => {}
            // A stopping worker whose queue went away (its dead manager's other workers remove a
            // private queue on their way out) simply stops.
            Some(Received::Gone) if delivery.must_leave() => return Ok(Outcome::Normal),
            Some(Received::Gone) => return Err(Error::QueueGone),
            Some(Received::Failed(source)) => {
                return Err(Error::System {
                    what: format!("msgrcv (queue id {queue_id})"),
                    source,
                })
            }
        }
    }
}
