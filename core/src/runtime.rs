//! What this process is in the pool right now (nothing, the manager, or worker N), and the
//! actions a callback may take (`Context`). A process holds at most one running pool, so this is
//! process-global; after a fork the child gets its own copy and sets itself up as a worker.

use std::os::fd::RawFd;
use std::sync::Arc;

use parking_lot::Mutex;

use crate::control::{self, Notice};
use crate::error::{Error, Result};
use crate::ipc::unixsock;
use crate::log::info;
use crate::worker_table::WorkerTable;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// No pool is running in this process (before start(), or after it returned).
    Idle,
    Manager,
    Worker,
}

struct State {
    role: Role,
    master_pid: i32,
    worker_num: usize,
    worker_id: Option<usize>,
    /// False once `stop()` was called: the worker leaves its loop after the current message.
    worker_running: bool,
    detached: bool,
    control_write: RawFd,
    table: Option<Arc<WorkerTable>>,
    /// SOCKET: the reply of the request in hand; None outside `Message`.
    reply: Option<Vec<u8>>,
    /// MSGQUEUE: the queue's id, for push()/pop().
    queue_id: Option<i32>,
    /// UNIXSOCK: (send end, receive end) per worker; -1 for ends this process closed.
    unix_pairs: Vec<(RawFd, RawFd)>,
    message_bus: bool,
}

/// What every process of a running pool shares, set up by the manager before the first fork.
pub(crate) struct Shared {
    pub worker_num: usize,
    pub control_write: RawFd,
    pub table: Arc<WorkerTable>,
    pub queue_id: Option<i32>,
    pub unix_pairs: Vec<(RawFd, RawFd)>,
    pub message_bus: bool,
}

static STATE: Mutex<State> = Mutex::new(State {
    role: Role::Idle,
    master_pid: -1,
    worker_num: 0,
    worker_id: None,
    worker_running: false,
    detached: false,
    control_write: -1,
    table: None,
    reply: None,
    queue_id: None,
    unix_pairs: Vec::new(),
    message_bus: false,
});

pub(crate) fn enter_manager(shared: Shared) -> Result<()> {
    let mut s = STATE.lock();
    if s.role != Role::Idle {
        return Err(Error::AlreadyRunning);
    }
    s.role = Role::Manager;
    s.master_pid = std::process::id() as i32;
    remember_own_pid();
    s.worker_num = shared.worker_num;
    s.worker_id = None;
    s.control_write = shared.control_write;
    s.table = Some(shared.table);
    s.queue_id = shared.queue_id;
    s.unix_pairs = shared.unix_pairs;
    s.message_bus = shared.message_bus;
    Ok(())
}

pub(crate) fn leave_manager() {
    let mut s = STATE.lock();
    s.role = Role::Idle;
    s.control_write = -1;
    s.table = None;
    s.queue_id = None;
    s.unix_pairs.clear();
}

/// In a freshly forked worker. Returns the worker's own UNIXSOCK receive end, if any.
pub(crate) fn enter_worker(worker_id: usize) -> Option<RawFd> {
    let mut s = STATE.lock();
    s.role = Role::Worker;
    remember_own_pid();
    s.worker_id = Some(worker_id);
    s.worker_running = true;
    s.detached = false;
    // Other workers' receive ends are theirs to read: a worker keeps only its own.
    for (id, (_, recv_end)) in s.unix_pairs.iter_mut().enumerate() {
        if id != worker_id && *recv_end >= 0 {
            // SAFETY: closing an inherited fd this worker must not read.
            unsafe { libc::close(*recv_end) };
            *recv_end = -1;
        }
    }
    s.unix_pairs.get(worker_id).map(|&(_, recv_end)| recv_end)
}

/// This process's pid, read once when it took its role (getpid is a syscall, and the message bus
/// stamps it on every message).
static OWN_PID: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

pub(crate) fn own_pid() -> u32 {
    match OWN_PID.load(std::sync::atomic::Ordering::Relaxed) {
        0 => std::process::id(),
        pid => pid,
    }
}

fn remember_own_pid() {
    OWN_PID.store(std::process::id(), std::sync::atomic::Ordering::Relaxed);
}

/// MSGQUEUE: this worker is (or is no longer) blocked waiting for a message.
pub(crate) fn set_waiting(waiting: bool) {
    let s = STATE.lock();
    if let (Some(id), Some(table)) = (s.worker_id, s.table.as_ref()) {
        table.set_waiting(id, waiting);
    }
}

/// SOCKET: a request is in hand; `Context::write` appends to its reply from now on.
pub(crate) fn begin_request() {
    STATE.lock().reply = Some(Vec::new());
}

/// SOCKET: the request's `Message` returned; hands over its reply.
pub(crate) fn end_request() -> Vec<u8> {
    STATE.lock().reply.take().unwrap_or_default()
}

pub fn role() -> Role {
    STATE.lock().role
}

pub fn worker_id() -> Option<usize> {
    let s = STATE.lock();
    if s.role == Role::Worker {
        s.worker_id
    } else {
        None
    }
}

/// Handle for the actions a callback may take. Cheap to make; every method acts on this process.
#[derive(Debug, Default, Clone, Copy)]
pub struct Context;

impl Context {
    pub fn role(&self) -> Role {
        role()
    }

    /// The manager's pid while a pool runs (in the manager or any worker).
    pub fn master_pid(&self) -> Option<i32> {
        let s = STATE.lock();
        (s.role != Role::Idle).then_some(s.master_pid)
    }

    pub fn worker_id(&self) -> Option<usize> {
        worker_id()
    }

    pub fn worker_num(&self) -> usize {
        STATE.lock().worker_num
    }

    /// False in a worker once `stop()` was called or (message modes) SIGTERM arrived.
    pub fn worker_running(&self) -> bool {
        let s = STATE.lock();
        s.role != Role::Worker || (s.worker_running && !crate::worker_signals::term_requested())
    }

    pub fn is_detached(&self) -> bool {
        STATE.lock().detached
    }

    /// The current pid of worker `id`, as the manager last recorded it.
    pub fn worker_pid(&self, id: usize) -> Option<i32> {
        let s = STATE.lock();
        if s.role == Role::Worker && s.worker_id == Some(id) && !s.detached {
            return Some(std::process::id() as i32);
        }
        s.table.as_ref().and_then(|table| table.pid(id))
    }

    /// Starts the graceful shutdown: SIGTERM to the manager, from the manager itself or a worker.
    /// The manager blocks SIGTERM and reads it from its signalfd, so this is safe in any callback.
    pub fn shutdown(&self) -> Result<()> {
        let master = self
            .master_pid()
            .ok_or_else(|| Error::WrongState("the pool is not running".into()))?;
        // SAFETY: kill(2) with a pid we recorded.
        if unsafe { libc::kill(master, libc::SIGTERM) } != 0 {
            return Err(Error::last_os(format!("kill({master}, SIGTERM)")));
        }
        Ok(())
    }

    /// SOCKET, inside `Message`: appends `data` to the reply. False (nothing written) outside a
    /// request or for empty data.
    pub fn write(&self, data: &[u8]) -> bool {
        if data.is_empty() {
            return false;
        }
        match STATE.lock().reply.as_mut() {
            Some(reply) => {
                reply.extend_from_slice(data);
                true
            }
            None => false,
        }
    }

    /// MSGQUEUE: the id of the pool's System V queue (as `ipcs -q` shows it).
    pub fn queue_id(&self) -> Result<i32> {
        STATE
            .lock()
            .queue_id
            .ok_or_else(|| Error::WrongState("no SWOOLE_IPC_MSGQUEUE pool is running".into()))
    }

    /// MSGQUEUE: sends `data` to the pool's queue (any worker, or a `pop()`, takes it).
    pub fn push(&self, data: &[u8]) -> Result<()> {
        crate::ipc::msgqueue::send(self.queue_id()?, data)
    }

    /// MSGQUEUE: takes the next message from the pool's queue, waiting for one. None when the wait
    /// was interrupted by a signal (e.g. the worker is asked to stop).
    pub fn pop(&self) -> Result<Option<Vec<u8>>> {
        let queue_id = self.queue_id()?;
        // A worker asked to stop takes no new message (its pop() loop ends, WorkerStop runs).
        if crate::worker_signals::term_requested() {
            return Ok(None);
        }
        let mut buf = crate::ipc::msgqueue::RecvBuffer::new();
        // Marked waiting so the manager's repeated SIGTERM can interrupt the wait (see manager.rs).
        set_waiting(true);
        let received = if crate::worker_signals::term_requested() {
            crate::ipc::msgqueue::Received::Interrupted
        } else {
            crate::ipc::msgqueue::receive(queue_id, &mut buf, false)
        };
        set_waiting(false);
        match received {
            crate::ipc::msgqueue::Received::Message(len) => Ok(Some(crate::ipc::msgqueue::text(&buf, len).to_vec())),
            crate::ipc::msgqueue::Received::Interrupted => Ok(None),
            crate::ipc::msgqueue::Received::Gone => Err(Error::WrongState("the message queue was removed".into())),
        }
    }

    /// UNIXSOCK: sends `data` to worker `dst` (which may be this worker). Blocks while the
    /// destination's buffer is full, except in the manager.
    pub fn send_message(&self, data: &[u8], dst: usize) -> Result<()> {
        let (fd, bus, in_manager) = {
            let s = STATE.lock();
            if s.role == Role::Idle || s.unix_pairs.is_empty() {
                return Err(Error::WrongState("no SWOOLE_IPC_UNIXSOCK pool is running".into()));
            }
            let Some(&(send_end, _)) = s.unix_pairs.get(dst) else {
                return Err(Error::InvalidArgument(format!(
                    "invalid dst_worker_id {dst}: the pool has workers 0..{}",
                    s.unix_pairs.len() - 1
                )));
            };
            (send_end, s.message_bus, s.role == Role::Manager)
        };
        let blocking = if in_manager {
            unixsock::Blocking::Never
        } else {
            unixsock::Blocking::Wait
        };
        unixsock::send(fd, data, bus, blocking)
    }

    /// UNIXSOCK: this process's end of worker `id`'s socketpair (its receive end in worker `id`
    /// itself, the send end everywhere else).
    pub fn pipe_fd(&self, id: usize) -> Option<RawFd> {
        let s = STATE.lock();
        let &(send_end, recv_end) = s.unix_pairs.get(id)?;
        Some(if s.role == Role::Worker && s.worker_id == Some(id) {
            recv_end
        } else {
            send_end
        })
    }

    fn raw_pipe(&self, id: usize) -> Result<RawFd> {
        if STATE.lock().message_bus {
            return Err(Error::WrongState(
                "raw datagrams are disabled while enable_message_bus is on; use sendMessage()".into(),
            ));
        }
        self.pipe_fd(id)
            .ok_or_else(|| Error::WrongState("no SWOOLE_IPC_UNIXSOCK pool is running".into()))
    }

    /// UNIXSOCK: writes one raw datagram on this process's end for worker `id`; returns its length.
    pub fn pipe_write(&self, id: usize, data: &[u8]) -> Result<usize> {
        let blocking = if self.role() == Role::Manager {
            unixsock::Blocking::Never
        } else {
            unixsock::Blocking::Wait
        };
        unixsock::send(self.raw_pipe(id)?, data, false, blocking).map(|()| data.len())
    }

    /// UNIXSOCK: reads one raw datagram (cut to `size`) on this process's end for worker `id`,
    /// waiting up to `timeout` (None: no limit). None when nothing came or a signal interrupted.
    pub fn pipe_read(&self, id: usize, size: usize, timeout: Option<std::time::Duration>) -> Result<Option<Vec<u8>>> {
        let fd = self.raw_pipe(id)?;
        // A worker asked to stop waits for nothing more; while it waits it is marked waiting, so
        // the manager's re-sent SIGTERM interrupts the wait (see manager.rs).
        if crate::worker_signals::term_requested() {
            return Ok(None);
        }
        let mut buf = vec![0u8; size];
        let timeout_ms = timeout.map_or(-1, |t| t.as_millis().min(i32::MAX as u128) as i32);
        set_waiting(true);
        let received = if crate::worker_signals::term_requested() {
            Ok(None)
        } else {
            unixsock::receive(fd, &mut buf, timeout_ms)
        };
        set_waiting(false);
        Ok(received?.map(|n| {
            buf.truncate(n);
            buf
        }))
    }

    /// In a worker: leave the message loop after the current message. Elsewhere: no effect.
    pub fn stop(&self) {
        let mut s = STATE.lock();
        if s.role == Role::Worker {
            s.worker_running = false;
        }
    }

    /// In a worker: leave the pool. The manager forks a replacement for this id and will neither
    /// signal nor replace this process again. False outside a worker or when already detached.
    pub fn detach(&self) -> bool {
        let (fd, worker_id) = {
            let s = STATE.lock();
            match (s.role, s.worker_id) {
                (Role::Worker, Some(id)) if !s.detached => (s.control_write, id),
                _ => return false,
            }
        };
        let pid = std::process::id() as i32;
        if let Err(e) = control::send(fd, Notice::Detached { pid, worker_id }) {
            crate::log::warning!("worker#{worker_id} (pid {pid}) could not detach: {e}");
            return false;
        }
        STATE.lock().detached = true;
        info!("worker#{worker_id} (pid {pid}) detached from the pool");
        true
    }
}
