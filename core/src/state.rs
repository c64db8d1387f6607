//! What this process is in the pool right now (nothing, the manager, or worker N) and what it shares
//! with the other processes of its pool. A process holds at most one running pool, so this is
//! process-global; after a fork the child gets its own copy and sets itself up as a worker.
//!
//! A leaf: it imports nothing above it (no transport, no context), so any layer may read it. Keep
//! the lock short and never log or call out while holding it.

use std::os::fd::RawFd;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use parking_lot::{Mutex, MutexGuard};

use crate::error::{Error, Result};
use crate::ipc_mode::IpcMode;
use crate::worker_table::WorkerTable;

/// This process's part in a pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// No pool is running in this process (before start(), or after it returned).
    Idle,
    /// The process that called start(): it forks, watches and stops the workers.
    Manager,
    /// A forked worker.
    Worker,
}

pub(crate) struct State {
    pub role: Role,
    pub master_pid: i32,
    pub worker_num: usize,
    pub worker_id: Option<usize>,
    /// False once `stop()` was called: the worker leaves its loop after the current message.
    pub worker_running: bool,
    pub detached: bool,
    pub control_write: RawFd,
    pub table: Option<Arc<WorkerTable>>,
    /// SOCKET: the reply of the request in hand; None outside `Message`.
    pub reply: Option<Vec<u8>>,
    /// MSGQUEUE: the queue's id, for push()/pop().
    pub queue_id: Option<i32>,
    /// UNIXSOCK: (send end, receive end) per worker; -1 for ends this process closed.
    pub unix_pairs: Vec<(RawFd, RawFd)>,
    pub message_bus: bool,
    pub ipc_mode: IpcMode,
    /// SOCKET: the listening socket (for the accept-queue depth in `stats()`).
    pub listen_fd: Option<RawFd>,
}

/// What every process of a running pool shares, set up by the manager before the first fork.
pub(crate) struct Shared {
    pub worker_num: usize,
    pub control_write: RawFd,
    pub table: Arc<WorkerTable>,
    pub queue_id: Option<i32>,
    pub unix_pairs: Vec<(RawFd, RawFd)>,
    pub message_bus: bool,
    pub ipc_mode: IpcMode,
    pub listen_fd: Option<RawFd>,
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
    ipc_mode: IpcMode::None,
    listen_fd: None,
});

/// The state, locked. Hold the guard briefly: no logging, no callback, no blocking call under it.
pub(crate) fn lock() -> MutexGuard<'static, State> {
    STATE.lock()
}

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
    s.ipc_mode = shared.ipc_mode;
    s.listen_fd = shared.listen_fd;
    Ok(())
}

pub(crate) fn leave_manager() {
    let mut s = STATE.lock();
    s.role = Role::Idle;
    s.control_write = -1;
    s.table = None;
    s.queue_id = None;
    s.unix_pairs.clear();
    s.listen_fd = None;
}

/// In a freshly forked worker. Returns the worker's own UNIXSOCK receive end, if any.
pub(crate) fn enter_worker(worker_id: usize) -> Option<RawFd> {
    let mut s = STATE.lock();
    s.role = Role::Worker;
    remember_own_pid();
    s.worker_id = Some(worker_id);
    s.worker_running = true;
    s.detached = false;
    LEAVE_REQUESTED.store(false, Ordering::Relaxed);
    // Other workers' receive ends are theirs to read: a worker keeps only its own.
    for (id, (_, recv_end)) in s.unix_pairs.iter_mut().enumerate() {
        if id != worker_id && *recv_end >= 0 {
            // SAFETY: closing an inherited fd this worker must not read; it is marked -1 at once so
            // nothing closes or uses it again.
            unsafe { libc::close(*recv_end) };
            *recv_end = -1;
        }
    }
    s.unix_pairs.get(worker_id).map(|&(_, recv_end)| recv_end)
}

/// Set in a worker once `stop()` or `detach()` was called: its message loop reads this on every
/// message, without taking the state lock.
static LEAVE_REQUESTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// A worker's message loop must end after the message in hand (`stop()` or `detach()`).
pub(crate) fn request_leave() {
    LEAVE_REQUESTED.store(true, Ordering::Relaxed);
}

/// Whether `request_leave` was called in this worker.
pub(crate) fn leave_requested() -> bool {
    LEAVE_REQUESTED.load(Ordering::Relaxed)
}

/// This process's pid, read once when it took its role (getpid is a syscall, and the message bus
/// stamps it on every message).
static OWN_PID: AtomicU32 = AtomicU32::new(0);

pub(crate) fn own_pid() -> u32 {
    match OWN_PID.load(Ordering::Relaxed) {
        0 => std::process::id(),
        pid => pid,
    }
}

fn remember_own_pid() {
    OWN_PID.store(std::process::id(), Ordering::Relaxed);
}

/// This process's role.
pub fn role() -> Role {
    STATE.lock().role
}

/// The worker id of this process, if it is a worker.
pub(crate) fn worker_id() -> Option<usize> {
    let s = STATE.lock();
    if s.role == Role::Worker {
        s.worker_id
    } else {
        None
    }
}

/// The table and this worker's id in it, for the "waiting for work" flag.
pub(crate) fn worker_slot() -> Option<(usize, Arc<WorkerTable>)> {
    let s = STATE.lock();
    match (s.role, s.worker_id, s.table.as_ref()) {
        (Role::Worker, Some(id), Some(table)) => Some((id, table.clone())),
        _ => None,
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
