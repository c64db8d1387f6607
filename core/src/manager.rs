//! The manager: `Pool::start` forks the workers and then waits in one poll() loop on its signalfd
//! and the control pipe, feeding what happens to the `Supervisor` until the pool has shut down.

use std::io::Write;
use std::os::fd::{AsRawFd, RawFd};
use std::sync::Arc;
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;

use crate::config::{IpcMode, LogLevel, PoolConfig};
use crate::control::{self, ControlPipe, Notice};
use crate::error::{Error, Result};
use crate::handler::Handler;
use crate::ipc::msgqueue::MsgQueue;
use crate::ipc::unixsock::SocketPairs;
use crate::listener::Listener;
use crate::log::info;
use crate::runtime::{self, Context};
use crate::signals::ManagerSignals;
use crate::supervisor::{ExitStatus, Pid, ProcessOps, Supervisor};
use crate::worker::{self, WorkerEnv};
use crate::worker_table::WorkerTable;

/// A pool of worker processes. Configure it, then `start` it; `start` blocks until shutdown.
pub struct Pool {
    config: PoolConfig,
    started: bool,
    /// SOCKET: made by `listen`, shared by every worker, closed (unix file removed) with the pool.
    listener: Option<Listener>,
}

impl Pool {
    pub fn new(config: PoolConfig) -> Result<Pool> {
        config.validate()?;
        Ok(Pool {
            config,
            started: false,
            listener: None,
        })
    }

    pub fn config(&self) -> &PoolConfig {
        &self.config
    }

    pub fn config_mut(&mut self) -> &mut PoolConfig {
        &mut self.config
    }

    pub fn is_started(&self) -> bool {
        self.started
    }

    /// SOCKET: listens on `host` (`unix:/path`, or a TCP host with `port`) before start().
    pub fn listen(&mut self, host: &str, port: i64, backlog: i32) -> Result<&Listener> {
        if self.config.ipc_mode != IpcMode::Socket {
            return Err(Error::WrongState(
                "listen() is only available with SWOOLE_IPC_SOCKET".into(),
            ));
        }
        if self.started {
            return Err(Error::AlreadyStarted);
        }
        // A second listen() replaces the first socket (and removes its unix file) once it succeeded.
        let listener = Listener::bind(host, port, backlog)?;
        Ok(self.listener.insert(listener))
    }

    pub fn listener(&self) -> Option<&Listener> {
        self.listener.as_ref()
    }

    /// Runs the pool in this process until it shuts down (SIGTERM/SIGINT or `Context::shutdown`).
    /// Returns in the manager only; workers exit inside.
    pub fn start(&mut self, handler: &mut dyn Handler) -> Result<()> {
        if self.started {
            return Err(Error::AlreadyStarted);
        }
        self.config.validate()?;
        if self.config.ipc_mode == IpcMode::Socket && self.listener.is_none() {
            return Err(Error::NotListening);
        }
        crate::log::set_level(effective_log_level(self.config.log_level));
        let table = Arc::new(WorkerTable::new(self.config.worker_num)?);
        let control = ControlPipe::new()?;
        // Opened before anything is forked: a queue that cannot be opened is start()'s error, not a
        // worker that fails and is respawned for ever.
        let queue = match self.config.ipc_mode {
            IpcMode::MsgQueue => Some(MsgQueue::open(
                self.config.msgqueue_key,
                self.config.msgqueue_permissions,
            )?),
            _ => None,
        };
        let queue_id = queue.as_ref().map(MsgQueue::id);
        let socket_pairs = match self.config.ipc_mode {
            IpcMode::UnixSock => Some(SocketPairs::new(self.config.worker_num)?),
            _ => None,
        };
        let shared = runtime::Shared {
            worker_num: self.config.worker_num,
            control_write: control.write.as_raw_fd(),
            table: table.clone(),
            queue_id,
            unix_pairs: socket_pairs.as_ref().map(SocketPairs::raw).unwrap_or_default(),
            message_bus: self.config.enable_message_bus,
        };
        runtime::enter_manager(shared)?;
        self.started = true;
        // Leave the manager role even if a callback panics through run_manager.
        struct LeaveManager;
        impl Drop for LeaveManager {
            fn drop(&mut self) {
                runtime::leave_manager();
            }
        }
        let _leave = LeaveManager;
        let listen_fd = self.listener.as_ref().map(Listener::raw_fd);
        let result = run_manager(
            &self.config,
            handler,
            &control,
            &table,
            WorkerIpc { listen_fd, queue_id },
        );
        self.listener = None;
        result
    }
}

/// What the workers of a message mode work on.
#[derive(Clone, Copy)]
struct WorkerIpc {
    listen_fd: Option<RawFd>,
    queue_id: Option<i32>,
}

/// `PROCPOOL_LOG=off|warning|info` overrides the configured level, for debugging a deployed script.
fn effective_log_level(configured: LogLevel) -> LogLevel {
    std::env::var("PROCPOOL_LOG")
        .ok()
        .and_then(|v| LogLevel::parse(&v))
        .unwrap_or(configured)
}

fn run_manager(
    config: &PoolConfig,
    handler: &mut dyn Handler,
    control: &ControlPipe,
    table: &WorkerTable,
    ipc: WorkerIpc,
) -> Result<()> {
    let signals = ManagerSignals::block()?;
    let ctx = Context;
    let manager_pid = std::process::id();
    handler.on_start(&ctx);
    end_if_forked_copy(manager_pid);
    info!(
        "manager pid {} starting {} workers",
        std::process::id(),
        config.worker_num
    );
    let mut ops = ForkOps {
        handler,
        table,
        env: WorkerEnv {
            config,
            signal_fd: signals.raw_fd(),
            control_read: control.read.as_raw_fd(),
            listen_fd: ipc.listen_fd,
            queue_id: ipc.queue_id,
        },
    };
    let mut supervisor = Supervisor::new(config.worker_num, config.max_wait_time).with_crash_loop(config.crash_loop);
    supervisor.start_all(&mut ops);
    let mut next_resignal = None;
    while !supervisor.is_finished() {
        let deadline = [supervisor.next_deadline(), next_resignal].into_iter().flatten().min();
        wait_for_events(&signals, control.read.as_raw_fd(), deadline)?;
        // Notices first: a worker that detached and then exited must be known as detached
        // before its exit is reaped.
        for notice in control::drain(control.read.as_raw_fd()) {
            let Notice::Detached { pid, .. } = notice;
            supervisor.on_detach(pid, &mut ops);
        }
        for signal in signals.drain() {
            match signal {
                Signal::SIGTERM | Signal::SIGINT if !supervisor.is_shutting_down() => {
                    info!("{} received: shutting down", signal.as_str());
                    ops.handler.on_shutdown(&ctx);
                    end_if_forked_copy(manager_pid);
                    supervisor.begin_shutdown(&mut ops);
                }
                Signal::SIGUSR1 | Signal::SIGUSR2 => {
                    supervisor.begin_reload(&mut ops);
                }
                _ => {}
            }
        }
        reap_children(&mut supervisor, &mut ops);
        supervisor.tick(&mut ops);
        if matches!(config.ipc_mode, IpcMode::MsgQueue | IpcMode::UnixSock) {
            next_resignal = resignal_waiting_workers(&supervisor, &mut ops, next_resignal);
        }
    }
    info!("all workers stopped; manager done");
    Ok(())
}

/// A manager callback that forked (e.g. to start a helper process) must not have its child come
/// back here and run a second manager loop: such a child ends as the callback's caller would.
fn end_if_forked_copy(manager_pid: u32) {
    if std::process::id() != manager_pid {
        worker::exit(0);
    }
}

/// How often a stopping worker still blocked in msgrcv (MSGQUEUE) or in a raw pipe read
/// (UNIXSOCK `Process::read`, `Socket::recv`) is sent SIGTERM again.
const RESIGNAL_INTERVAL: Duration = Duration::from_millis(100);

/// msgrcv, and reads the script makes itself, cannot watch the worker's wake pipe: a SIGTERM that
/// lands after the worker's last look at its flag and before it blocks would be missed. So stopping workers that are still waiting get SIGTERM
/// again, every RESIGNAL_INTERVAL, until they exit. Workers busy in `Message` are left alone.
fn resignal_waiting_workers(supervisor: &Supervisor, ops: &mut ForkOps, next: Option<Instant>) -> Option<Instant> {
    let stopping = supervisor.stopping();
    if stopping.is_empty() {
        return None;
    }
    let now = Instant::now();
    match next {
        None => Some(now + RESIGNAL_INTERVAL),
        Some(at) if now < at => Some(at),
        Some(_) => {
            for (id, pid) in stopping {
                if ops.table.is_waiting(id) {
                    ops.kill(pid, libc::SIGTERM);
                }
            }
            Some(now + RESIGNAL_INTERVAL)
        }
    }
}

/// Sleeps in poll() until a signal, a control notice, or the supervisor's next deadline.
fn wait_for_events(signals: &ManagerSignals, control_read: RawFd, deadline: Option<Instant>) -> Result<()> {
    let timeout_ms = match deadline {
        None => -1,
        Some(d) => {
            d.saturating_duration_since(Instant::now())
                .as_millis()
                .min(i32::MAX as u128) as i32
                + 1
        }
    };
    let mut fds = [
        libc::pollfd {
            fd: signals.raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        },
        libc::pollfd {
            fd: control_read,
            events: libc::POLLIN,
            revents: 0,
        },
    ];
    // SAFETY: poll on an array we own.
    let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout_ms) };
    if n < 0 && std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
        return Err(Error::last_os("poll (manager loop)"));
    }
    Ok(())
}

fn reap_children(supervisor: &mut Supervisor, ops: &mut ForkOps) {
    loop {
        let mut status = 0;
        // SAFETY: waitpid with a valid status pointer.
        let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
        if pid <= 0 {
            return;
        }
        supervisor.on_child_exit(pid, ExitStatus::from_wait_status(status), ops);
    }
}

/// The real `ProcessOps`: fork, kill(2), the monotonic clock, and the shared pid table.
struct ForkOps<'a> {
    handler: &'a mut dyn Handler,
    table: &'a WorkerTable,
    env: WorkerEnv<'a>,
}

impl ProcessOps for ForkOps<'_> {
    fn spawn(&mut self, worker_id: usize) -> Result<Pid> {
        // Anything buffered now would be written twice, once by each process.
        let _ = std::io::stdout().flush();
        // SAFETY: fflush(NULL) flushes C stdio; fork is safe as the manager is single-threaded.
        unsafe { libc::fflush(std::ptr::null_mut()) };
        match unsafe { libc::fork() } {
            -1 => Err(Error::last_os(format!("fork (worker#{worker_id})"))),
            0 => {
                // The child's own pid goes into the table at once, so it can read it back before the
                // manager gets to record it.
                self.table.set_pid(worker_id, std::process::id() as i32);
                worker::run(self.handler, worker_id, &self.env)
            }
            pid => Ok(pid),
        }
    }

    fn kill(&mut self, pid: Pid, signal: i32) {
        // SAFETY: kill(2) on a pid this manager forked and has not reaped yet.
        unsafe { libc::kill(pid, signal) };
    }

    fn now(&self) -> Instant {
        Instant::now()
    }

    fn slot_changed(&mut self, worker_id: usize, pid: Option<Pid>) {
        self.table.set_pid(worker_id, pid.unwrap_or(0));
    }
}
