//! What this process is in the pool right now (nothing, the manager, or worker N), and the
//! actions a callback may take (`Context`). A process holds at most one running pool, so this is
//! process-global; after a fork the child gets its own copy and sets itself up as a worker.

use std::os::fd::RawFd;
use std::sync::Arc;

use parking_lot::Mutex;

use crate::control::{self, Notice};
use crate::error::{Error, Result};
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
    pids: Option<Arc<WorkerTable>>,
    /// SOCKET: the reply of the request in hand; None outside `Message`.
    reply: Option<Vec<u8>>,
    /// MSGQUEUE: the queue's id, for push()/pop().
    queue_id: Option<i32>,
}

static STATE: Mutex<State> = Mutex::new(State {
    role: Role::Idle,
    master_pid: -1,
    worker_num: 0,
    worker_id: None,
    worker_running: false,
    detached: false,
    control_write: -1,
    pids: None,
    reply: None,
    queue_id: None,
});

pub(crate) fn enter_manager(
    worker_num: usize,
    control_write: RawFd,
    pids: Arc<WorkerTable>,
    queue_id: Option<i32>,
) -> Result<()> {
    let mut s = STATE.lock();
    if s.role != Role::Idle {
        return Err(Error::AlreadyRunning);
    }
    s.role = Role::Manager;
    s.master_pid = std::process::id() as i32;
    s.worker_num = worker_num;
    s.worker_id = None;
    s.control_write = control_write;
    s.pids = Some(pids);
    s.queue_id = queue_id;
    Ok(())
}

pub(crate) fn leave_manager() {
    let mut s = STATE.lock();
    s.role = Role::Idle;
    s.control_write = -1;
    s.pids = None;
    s.queue_id = None;
}

pub(crate) fn enter_worker(worker_id: usize) {
    let mut s = STATE.lock();
    s.role = Role::Worker;
    s.worker_id = Some(worker_id);
    s.worker_running = true;
    s.detached = false;
}

/// MSGQUEUE: this worker is (or is no longer) blocked waiting for a message.
pub(crate) fn set_waiting(waiting: bool) {
    let s = STATE.lock();
    if let (Some(id), Some(table)) = (s.worker_id, s.pids.as_ref()) {
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
    if s.role == Role::Worker { s.worker_id } else { None }
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

    /// False in a worker once `stop()` was called.
    pub fn worker_running(&self) -> bool {
        let s = STATE.lock();
        s.role != Role::Worker || s.worker_running
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
        s.pids.as_ref().and_then(|table| table.pid(id))
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

    fn queue_id(&self) -> Result<i32> {
        STATE.lock().queue_id.ok_or_else(|| Error::WrongState("no SWOOLE_IPC_MSGQUEUE pool is running".into()))
    }

    /// MSGQUEUE: sends `data` to the pool's queue (any worker, or a `pop()`, takes it).
    pub fn push(&self, data: &[u8]) -> Result<()> {
        crate::ipc::msgqueue::send(self.queue_id()?, data)
    }

    /// MSGQUEUE: takes the next message from the pool's queue, waiting for one. None when the wait
    /// was interrupted by a signal (e.g. the worker is asked to stop).
    pub fn pop(&self) -> Result<Option<Vec<u8>>> {
        let queue_id = self.queue_id()?;
        let mut buf = crate::ipc::msgqueue::RecvBuffer::new();
        match crate::ipc::msgqueue::receive(queue_id, &mut buf, false) {
            crate::ipc::msgqueue::Received::Message(len) => Ok(Some(crate::ipc::msgqueue::text(&buf, len).to_vec())),
            crate::ipc::msgqueue::Received::Interrupted => Ok(None),
            crate::ipc::msgqueue::Received::Gone => Err(Error::WrongState("the message queue was removed".into())),
        }
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
