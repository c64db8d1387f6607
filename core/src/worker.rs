//! What a freshly forked worker does: become a plain process again (signals, fds), run the
//! embedder's callbacks for its IPC mode, and exit without returning into the manager's code.

use std::io::Write;
use std::os::fd::RawFd;

use crate::config::{IpcMode, PoolConfig};
use crate::context::Context;
use crate::control::{self, Notice};
use crate::error::Error;
use crate::event::Event;
use crate::handler::{Handler, Outcome};
use crate::ipc::{self, Delivery, WorkerSlot};
use crate::listener::Listener;
use crate::log::{info, warning};
use crate::worker_table::{monotonic_us, SlotState, WorkerTable};
use crate::{log, signals, state, worker_signals};

/// What a worker inherits from the manager: fds it must drop, and what its IPC mode works on.
pub(crate) struct WorkerEnv<'a> {
    pub config: &'a PoolConfig,
    /// The manager's signalfd and the read end of its control pipe: closed in the worker.
    pub signal_fd: RawFd,
    pub control_read: RawFd,
    /// SOCKET: the shared listening socket.
    pub listener: Option<&'a Listener>,
    /// MSGQUEUE: the queue's id.
    pub queue_id: Option<i32>,
    /// MSGQUEUE: the queue is the pool's private one (removed with the pool).
    pub queue_is_private: bool,
    /// The manager's pid: a worker whose parent is no longer it is an orphan.
    pub manager_pid: i32,
    /// The write end of the manager's control pipe (worker → manager notices).
    pub control_write: RawFd,
    /// Other fds of the manager's (the metrics endpoint's sockets): closed in the worker.
    pub close_in_worker: Vec<RawFd>,
}

/// The embedder's handler seen from a transport: messages go to `Message`, requests collect the
/// reply `Context::write` builds.
struct HandlerDelivery<'a> {
    handler: &'a mut dyn Handler,
    ctx: Context,
    /// Where this worker's figures go (messages, busy since, the duration histogram).
    slot: WorkerSlot<'a>,
    /// `max_request` for this process (with its random grace); 0: no limit.
    max_request: u64,
}

impl HandlerDelivery<'_> {
    /// Runs `Message` with the worker's figures kept: busy from now, one more message when done
    /// (a few relaxed atomic stores and two vDSO clock reads, no syscall).
    fn counted(&mut self, data: &[u8]) -> Outcome {
        let table = self.slot.table;
        let id = self.slot.id;
        table.message_began(id, monotonic_us());
        let outcome = self.handler.on_message(&self.ctx, data);
        let handled = table.message_ended(id, monotonic_us());
        if self.max_request > 0 && handled >= self.max_request && self.ctx.worker_running() {
            info!("worker#{id} handled {handled} messages (max_request): it stops and is replaced");
            table.report_retired(id);
            self.ctx.stop();
        }
        outcome
    }
}

impl Delivery for HandlerDelivery<'_> {
    fn message(&mut self, data: &[u8]) -> Outcome {
        self.counted(data)
    }

    fn request(&mut self, data: &[u8]) -> (Outcome, Vec<u8>) {
        state::begin_request();
        let outcome = self.counted(data);
        (outcome, state::end_request())
    }

    fn must_leave(&self) -> bool {
        // Lock-free: this runs once per message.
        let leave = worker_signals::term_requested() || state::leave_requested();
        if leave {
            self.slot.table.set_state(self.slot.id, SlotState::Stopping);
        }
        leave
    }
}

impl ipc::event_loop::LoopDelivery for HandlerDelivery<'_> {
    fn runtime(&mut self) -> Option<&mut dyn ipc::event_loop::CoroutineRuntime> {
        self.handler.coroutine_runtime()
    }
}

pub(crate) fn run(handler: &mut dyn Handler, worker_id: usize, env: &WorkerEnv, table: &WorkerTable) -> ! {
    // A panic must end the worker here: unwinding further would run the manager's code (and its
    // destructors, e.g. removing the listening socket's file) in this forked copy.
    let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run_worker(handler, worker_id, env, table)
    }))
    .unwrap_or_else(|_| {
        warning!("worker#{worker_id} panicked; exiting with status 101");
        101
    });
    // A detached process left the pool: what the pool made is not its to remove.
    if orphaned(env.manager_pid) && !Context.is_detached() {
        clean_up_after_dead_manager(env);
    }
    exit(code)
}

/// `max_request` plus a random 0..=`max_request_grace`, drawn once per process so that workers
/// started together do not all restart together.
fn max_request_of_this_process(config: &PoolConfig) -> u64 {
    let policy = config.restart;
    if policy.max_request == 0 || !config.ipc_mode.has_messages() {
        return 0;
    }
    if policy.max_request_grace == 0 {
        return policy.max_request;
    }
    // Not cryptographic: the pid and the clock spread the workers well enough.
    let seed = u64::from(std::process::id()).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ monotonic_us();
    policy.max_request + seed % (policy.max_request_grace + 1)
}

fn orphaned(manager_pid: i32) -> bool {
    // SAFETY: getppid has no preconditions.
    unsafe { libc::getppid() != manager_pid }
}

/// A worker never outlives its manager: the kernel sends it SIGTERM when the manager dies (so a
/// message-mode worker still finishes its message and runs WorkerStop). Checked once after setting
/// it, as the manager may already be gone; then the SIGTERM waits, blocked, for the worker's handler.
fn die_with_manager(manager_pid: i32) {
    // SAFETY: prctl(PR_SET_PDEATHSIG) with a valid signal number; kill(2) on this process itself.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM as libc::c_ulong);
        if orphaned(manager_pid) {
            libc::kill(libc::getpid(), libc::SIGTERM);
        }
    }
}

/// The manager died without cleaning up: what it would have removed at shutdown, the workers remove
/// on their way out (each may, and only what is still the pool's): the unix socket's file and the
/// private queue.
fn clean_up_after_dead_manager(env: &WorkerEnv) {
    if let Some(listener) = env.listener {
        listener.remove_unix_file();
    }
    if let (Some(queue_id), true) = (env.queue_id, env.queue_is_private) {
        // SAFETY: msgctl(IPC_RMID) on the pool's own private queue; no buffer is passed.
        unsafe { libc::msgctl(queue_id, libc::IPC_RMID, std::ptr::null_mut()) };
    }
}

/// The worker's life; returns its exit status.
fn run_worker(handler: &mut dyn Handler, worker_id: usize, env: &WorkerEnv, table: &WorkerTable) -> i32 {
    die_with_manager(env.manager_pid);
    // SAFETY: closing fds this child inherited and will never use.
    unsafe {
        libc::close(env.signal_fd);
        libc::close(env.control_read);
        for &fd in &env.close_in_worker {
            libc::close(fd);
        }
    }
    signals::reset_for_worker();
    let unix_recv_fd = state::enter_worker(worker_id);
    log::set_worker_id(Some(worker_id));
    table.worker_began(worker_id);
    let ctx = Context;
    // Message modes handle SIGTERM themselves (finish the message in hand); IPC_NONE keeps the
    // default action unless the script installs its own handler. In coroutine mode (PHP) the
    // runtime handles it, as Swoole's pool does (see ipc/event_loop.rs).
    let coroutine = handler.coroutine_runtime().is_some();
    let wake_fd = if env.config.ipc_mode.has_messages() && !coroutine {
        match worker_signals::install(env.manager_pid, env.config.max_wait_time) {
            Ok(fd) => Some(fd),
            Err(e) => {
                warning!("worker#{worker_id} cannot handle SIGTERM: {e}");
                return 1;
            }
        }
    } else {
        None
    };
    signals::unblock_for_worker();
    match handler.on_worker_start(&ctx, worker_id) {
        Outcome::Fatal { exit_code } => return exit_code,
        Outcome::Failed => table.report_failure(worker_id),
        Outcome::Normal => {}
    }
    // A SIGTERM handler the script installed in WorkerStart must not take the loop's stop away.
    worker_signals::reclaim();
    if env.config.ipc_mode.has_messages() {
        table.set_state(worker_id, SlotState::Idle);
    }
    let mut delivery = HandlerDelivery {
        handler,
        ctx,
        slot: WorkerSlot { id: worker_id, table },
        max_request: max_request_of_this_process(env.config),
    };
    let wants_messages = delivery.handler.implements(Event::Message);
    let outcome = match (env.config.ipc_mode, wake_fd) {
        _ if coroutine => {
            let recv_fd = unix_recv_fd.filter(|_| env.config.ipc_mode == IpcMode::UnixSock && wants_messages);
            ipc::event_loop::serve(&mut delivery, recv_fd, env.config)
        }
        (IpcMode::Socket, Some(wake_fd)) => match env.listener {
            Some(listener) => ipc::socket::serve(&mut delivery, listener.raw_fd(), wake_fd, env.config),
            None => Outcome::Normal,
        },
        (IpcMode::UnixSock, Some(wake_fd)) => match unix_recv_fd {
            Some(recv_fd) if wants_messages => ipc::unixsock::serve(&mut delivery, recv_fd, wake_fd, env.config),
            _ => Outcome::Normal,
        },
        (IpcMode::MsgQueue, Some(_)) => match env.queue_id {
            Some(queue_id) if wants_messages => {
                let slot = delivery.slot;
                match ipc::msgqueue::serve(&mut delivery, slot, queue_id) {
                    Ok(outcome) => outcome,
                    Err(e) => return queue_failed(worker_id, queue_id, env.control_write, e),
                }
            }
            _ => Outcome::Normal,
        },
        (IpcMode::Redis, Some(_)) if wants_messages => {
            let slot = delivery.slot;
            ipc::redis::serve(&mut delivery, slot, &env.config.redis)
        }
        _ => Outcome::Normal,
    };
    let handler = delivery.handler;
    if let Outcome::Fatal { exit_code } = outcome {
        return exit_code;
    }
    handler.on_worker_stop(&ctx, worker_id);
    0
}

/// The queue a MSGQUEUE worker reads failed for good: say so, tell the manager (it re-opens a
/// removed queue before forking the replacement), and end with a failure the crash-loop guard counts.
fn queue_failed(worker_id: usize, queue_id: i32, control_write: RawFd, error: Error) -> i32 {
    match error {
        Error::QueueGone => warning!("worker#{worker_id} stops: {error} (queue id {queue_id})"),
        _ => warning!("worker#{worker_id} stops: {error}"),
    }
    if matches!(error, Error::QueueGone) {
        let _ = control::send(control_write, Notice::QueueGone { queue_id });
    }
    1
}

/// Ends the worker: flush what C stdio and Rust buffered, then _exit, so that nothing inherited
/// from the manager (atexit handlers, PHP shutdown functions, Rust destructors) runs twice.
pub fn exit(code: i32) -> ! {
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    // SAFETY: fflush(NULL) flushes every C stdio stream; _exit ends the process.
    unsafe {
        libc::fflush(std::ptr::null_mut());
        libc::_exit(code)
    }
}
