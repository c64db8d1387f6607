//! `Context`: the actions a callback may take (write a reply, send a message, push/pop, detach,
//! stop, shut down) and what it may ask (its worker id, the manager's pid). It sits above the
//! transports and drives them with what the process-global state holds.

use std::os::fd::RawFd;

use parking_lot::Mutex;

use crate::config::PoolConfig;
use crate::control::{self, Notice};
use crate::error::{Error, Result};
use crate::ipc::msgqueue::{self, MsgQueue, Received, RecvBuffer, Taken};
use crate::ipc::{unixsock, wait_interruptibly, WorkerSlot};
use crate::log::info;
use crate::state::{self, Role};
use crate::stats::{self, PoolStats};
use crate::worker_signals;

/// Handle for the actions a callback may take. Cheap to make; every method acts on this process.
#[derive(Debug, Default, Clone, Copy)]
pub struct Context;

impl Context {
    /// This process's part in the pool.
    pub fn role(&self) -> Role {
        state::role()
    }

    /// The manager's pid while a pool runs (in the manager or any worker).
    pub fn master_pid(&self) -> Option<i32> {
        let s = state::lock();
        (s.role != Role::Idle).then_some(s.master_pid)
    }

    /// This worker's id (None outside a worker).
    pub fn worker_id(&self) -> Option<usize> {
        state::worker_id()
    }

    /// The running pool's worker count (0 when none runs).
    pub fn worker_num(&self) -> usize {
        state::lock().worker_num
    }

    /// False in a worker once `stop()` was called or (message modes) SIGTERM arrived.
    pub fn worker_running(&self) -> bool {
        let s = state::lock();
        s.role != Role::Worker || (s.worker_running && !worker_signals::term_requested())
    }

    /// The pool's and every worker's figures (in the manager or any worker of a running pool).
    pub fn stats(&self) -> Result<PoolStats> {
        let (table, master_pid, ipc_mode, queue_id, listen_fd) = {
            let s = state::lock();
            let table = s
                .table
                .clone()
                .ok_or_else(|| Error::WrongState("no pool is running in this process".into()))?;
            (table, s.master_pid, s.ipc_mode, s.queue_id, s.listen_fd)
        };
        Ok(PoolStats::from_snapshot(
            &table.snapshot(),
            master_pid,
            ipc_mode,
            stats::queue_depth(queue_id, listen_fd),
            stats::rss_of,
        ))
    }

    /// Whether this worker has left the pool with `detach()`.
    pub fn is_detached(&self) -> bool {
        state::lock().detached
    }

    /// The current pid of worker `id`, as the manager last recorded it.
    pub fn worker_pid(&self, id: usize) -> Option<i32> {
        let s = state::lock();
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
        match state::lock().reply.as_mut() {
            Some(reply) => {
                reply.extend_from_slice(data);
                true
            }
            None => false,
        }
    }

    /// MSGQUEUE: the id of the pool's System V queue (as `ipcs -q` shows it).
    pub fn queue_id(&self) -> Result<i32> {
        state::lock()
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
        let mut buf = RecvBuffer::new();
        // A worker asked to stop takes no new message (its pop() loop ends, WorkerStop runs).
        let received = with_worker_slot(|slot| {
            wait_interruptibly(slot, worker_signals::term_requested, || {
                msgqueue::receive(queue_id, &mut buf, false)
            })
        });
        match received {
            Some(Received::Message(len)) => Ok(Some(msgqueue::text(&buf, len).to_vec())),
            None | Some(Received::Interrupted) => Ok(None),
            Some(Received::Gone) => Err(Error::QueueGone),
            Some(Received::Failed(source)) => Err(Error::System {
                what: format!("msgrcv (queue id {queue_id})"),
                source,
            }),
        }
    }

    /// UNIXSOCK: sends `data` to worker `dst` (which may be this worker). Blocks while the
    /// destination's buffer is full, except in the manager.
    pub fn send_message(&self, data: &[u8], dst: usize) -> Result<()> {
        let (fd, bus, in_manager) = {
            let s = state::lock();
            if s.role == Role::Idle || s.unix_pairs.is_empty() {
                return Err(Error::WrongState("no SWOOLE_IPC_UNIXSOCK pool is running".into()));
            }
            let id = checked_worker_id(i64::try_from(dst).unwrap_or(i64::MAX), s.unix_pairs.len())?;
            (s.unix_pairs[id].0, s.message_bus, s.role == Role::Manager)
        };
        let blocking = if in_manager {
            unixsock::Blocking::Never
        } else {
            unixsock::Blocking::Wait
        };
        unixsock::send(fd, data, bus.then(state::own_pid), blocking)
    }

    /// Checks a worker id given by a caller against the running pool's `0..worker_num`.
    pub fn worker_id_in_range(&self, id: i64) -> Result<usize> {
        let worker_num = state::lock().worker_num;
        checked_worker_id(id, worker_num)
    }

    /// UNIXSOCK: this process's end of worker `id`'s socketpair (its receive end in worker `id`
    /// itself, the send end everywhere else).
    pub fn pipe_fd(&self, id: usize) -> Option<RawFd> {
        let s = state::lock();
        let &(send_end, recv_end) = s.unix_pairs.get(id)?;
        Some(if s.role == Role::Worker && s.worker_id == Some(id) {
            recv_end
        } else {
            send_end
        })
    }

    fn raw_pipe(&self, id: usize) -> Result<RawFd> {
        if state::lock().message_bus {
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
        unixsock::send(self.raw_pipe(id)?, data, None, blocking).map(|()| data.len())
    }

    /// UNIXSOCK: reads one raw datagram (cut to `size`) on this process's end for worker `id`,
    /// waiting up to `timeout` (None: no limit). None when nothing came or a signal interrupted.
    pub fn pipe_read(&self, id: usize, size: usize, timeout: Option<std::time::Duration>) -> Result<Option<Vec<u8>>> {
        let fd = self.raw_pipe(id)?;
        let mut buf = vec![0u8; size];
        let timeout_ms = timeout.map_or(-1, |t| t.as_millis().min(i32::MAX as u128) as i32);
        // A worker asked to stop waits for nothing more.
        let received = with_worker_slot(|slot| {
            wait_interruptibly(slot, worker_signals::term_requested, || {
                unixsock::receive(fd, &mut buf, timeout_ms)
            })
        });
        Ok(received.transpose()?.flatten().map(|n| {
            buf.truncate(n);
            buf
        }))
    }

    /// In the manager, from `Start` or `Shutdown`: settings changed by the callback. The manager
    /// takes them when the callback returns; what can still change then does (`max_wait_time`, and
    /// after `Start` also what the workers read when they are forked: `max_package_size`, the
    /// SOCKET timeouts and limits, the restart and crash-loop policies); the rest (worker count,
    /// IPC mode, queue, message bus, metrics endpoint) is fixed once the pool runs.
    pub fn update_settings(&self, config: PoolConfig) -> Result<()> {
        if state::role() != Role::Manager {
            return Err(Error::WrongState(
                "settings can change while the pool runs only in the manager's callbacks".into(),
            ));
        }
        config.validate()?;
        *PENDING_SETTINGS.lock() = Some(config);
        Ok(())
    }

    /// Writes one warning line on stderr in the pool's log layout (`[date time @pid.0]\tWARNING\t…`,
    /// `$pid.-1` in the manager, `*pid.id` in a worker), as Swoole reports failures of its own.
    pub fn log_warning(&self, message: &str) {
        crate::log::write(crate::config::LogLevel::Warning, message);
    }

    /// In a message-mode worker: if the script replaced the pool's SIGTERM handler (e.g. with
    /// `pcntl_signal()`), puts the pool's back, with the script's handler chained after it, so that
    /// SIGTERM still stops the worker's loop gracefully and runs the script's handler too.
    /// Elsewhere: nothing.
    pub fn reclaim_sigterm(&self) {
        worker_signals::reclaim();
    }

    /// Opens (or creates with `permissions`) the System V queue of `key` for a process handle's
    /// `useQueue()`, with the rules of the pool's own queue (see `MsgQueue::open`); returns its id.
    /// The queue stays when the handle goes; `queue_remove` removes it.
    pub fn queue_open(&self, key: i64, permissions: u32, allow_foreign: bool) -> Result<i32> {
        if key == 0 {
            return Err(Error::InvalidArgument("a process handle's queue needs a key".into()));
        }
        let queue = MsgQueue::open(key, permissions, allow_foreign)?;
        Ok(queue.id())
    }

    /// Sends `data` to queue `queue_id` as a message of type `mtype` (> 0), waiting while the
    /// queue is full unless `nowait` (then a full queue is `Ok(false)`).
    pub fn queue_send(&self, queue_id: i32, mtype: i64, data: &[u8], nowait: bool) -> Result<bool> {
        if mtype <= 0 {
            return Err(Error::InvalidArgument(format!(
                "message type {mtype} must be greater than 0"
            )));
        }
        msgqueue::send_typed(queue_id, mtype, data, nowait)
    }

    /// Takes the next message of type `mtype` (0: any) of at most `size` bytes from queue
    /// `queue_id`, waiting for one unless `nowait`. `Ok(None)`: a signal interrupted the wait,
    /// nothing waits (`nowait`), or this worker is stopping. A message longer than `size` stays
    /// in the queue whole: `Err(Error::InvalidArgument)`.
    pub fn queue_receive(&self, queue_id: i32, mtype: i64, size: usize, nowait: bool) -> Result<Option<Vec<u8>>> {
        let mut buf = Vec::new();
        // A worker asked to stop takes no new message (its pop() loop ends, WorkerStop runs).
        let taken = with_worker_slot(|slot| {
            wait_interruptibly(slot, worker_signals::term_requested, || {
                msgqueue::receive_typed(queue_id, mtype, &mut buf, size, nowait)
            })
        });
        match taken {
            Some(Taken::Message(len)) => Ok(Some(msgqueue::typed_text(&buf, len).to_vec())),
            None | Some(Taken::Nothing) => Ok(None),
            Some(Taken::TooBig) => Err(Error::System {
                what: format!("msgrcv({queue_id}, {size}, {mtype})"),
                source: std::io::Error::from_raw_os_error(libc::E2BIG),
            }),
            Some(Taken::Gone) => Err(Error::QueueGone),
            Some(Taken::Failed(source)) => Err(Error::System {
                what: format!("msgrcv({queue_id}, {size}, {mtype})"),
                source,
            }),
        }
    }

    /// The number of messages and of bytes waiting in queue `queue_id`.
    pub fn queue_stat(&self, queue_id: i32) -> Result<(u64, u64)> {
        msgqueue::stat(queue_id)
    }

    /// Sets the capacity of queue `queue_id` in bytes.
    pub fn queue_set_capacity(&self, queue_id: i32, bytes: u64) -> Result<()> {
        msgqueue::set_capacity(queue_id, bytes)
    }

    /// Removes queue `queue_id` (and the messages in it).
    pub fn queue_remove(&self, queue_id: i32) -> Result<()> {
        msgqueue::remove(queue_id)
    }

    /// In a worker: leave the message loop after the current message. Elsewhere: no effect.
    pub fn stop(&self) {
        let mut s = state::lock();
        if s.role == Role::Worker {
            s.worker_running = false;
            state::request_leave();
        }
    }

    /// In a worker: leave the pool. The manager forks a replacement for this id and will neither
    /// signal nor replace this process again. False outside a worker or when already detached.
    pub fn detach(&self) -> bool {
        let (fd, worker_id) = {
            let s = state::lock();
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
        state::lock().detached = true;
        state::request_leave();
        // It left the pool: it no longer dies with the manager, nor limits its own SIGTERM grace.
        // SAFETY: prctl(PR_SET_PDEATHSIG, 0) only clears this process's parent-death signal.
        unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, 0 as libc::c_ulong) };
        worker_signals::forget_manager();
        info!("worker#{worker_id} (pid {pid}) detached from the pool");
        true
    }
}

/// Settings a manager callback changed (`Context::update_settings`), for the manager to take.
static PENDING_SETTINGS: Mutex<Option<PoolConfig>> = Mutex::new(None);

/// The settings a manager callback changed since the last call, if any.
pub(crate) fn take_settings_update() -> Option<PoolConfig> {
    PENDING_SETTINGS.lock().take()
}

/// Runs `f` with this worker's slot in the shared table (None outside a worker), without holding
/// the state lock while `f` blocks.
fn with_worker_slot<T>(f: impl FnOnce(Option<WorkerSlot>) -> T) -> T {
    match state::worker_slot() {
        Some((id, table)) => f(Some(WorkerSlot { id, table: &table })),
        None => f(None),
    }
}

fn checked_worker_id(id: i64, worker_num: usize) -> Result<usize> {
    match usize::try_from(id) {
        Ok(id) if id < worker_num => Ok(id),
        _ => Err(Error::InvalidWorkerId { id, worker_num }),
    }
}
