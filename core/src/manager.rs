//! The manager: `Pool::start` forks the workers and then waits in one poll() loop on its signalfd
//! and the control pipe, feeding what happens to the `Supervisor` until the pool has shut down.

use std::io::Write;
use std::os::fd::{AsRawFd, RawFd};
use std::sync::Arc;
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;

use crate::config::{IpcMode, LogLevel, PoolConfig};
use crate::context::Context;
use crate::control::{self, ControlPipe, Notice};
use crate::error::{Error, Result};
use crate::handler::Handler;
use crate::ipc::msgqueue::MsgQueue;
use crate::ipc::unixsock::SocketPairs;
use crate::listener::Listener;
use crate::log::{info, warning};
use crate::metrics::{Interest, MetricsServer};
use crate::signals::ManagerSignals;
use crate::state;
use crate::stats::PoolStats;
use crate::supervisor::{ExitStatus, Pid, ProcessOps, Record, Supervisor};
use crate::worker::{self, WorkerEnv};
use crate::worker_table::{monotonic_us, WorkerTable};

/// A pool of worker processes. Configure it, then `start` it; `start` blocks until shutdown.
pub struct Pool {
    config: PoolConfig,
    started: bool,
    /// SOCKET: made by `listen`, shared by every worker, closed (unix file removed) with the pool.
    listener: Option<Listener>,
    /// The figures as the last run ended.
    last_stats: Option<PoolStats>,
    /// SOCKET: keep the listening socket when a run ends (a later `start()` serves on it, as
    /// Swoole's pool does); otherwise it is closed when `start()` returns.
    keep_listener: bool,
}

impl Pool {
    /// A pool of `config`, checked with `PoolConfig::validate`.
    pub fn new(config: PoolConfig) -> Result<Pool> {
        config.validate()?;
        Ok(Pool {
            config,
            started: false,
            listener: None,
            last_stats: None,
            keep_listener: false,
        })
    }

    /// The settings.
    pub fn config(&self) -> &PoolConfig {
        &self.config
    }

    /// The settings, to change before start() (start() validates them again).
    pub fn config_mut(&mut self) -> &mut PoolConfig {
        &mut self.config
    }

    /// Whether start() got as far as running the pool (a start() refused by its checks, or by a
    /// failure before the first fork, leaves this false and the pool can be started again).
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

    /// SOCKET: whether the listening socket stays open when a run ends, for the next `start()`
    /// (Swoole's pool keeps it until the pool object goes); by default it is closed when
    /// `start()` returns.
    pub fn keep_listener(&mut self, keep: bool) {
        self.keep_listener = keep;
    }

    /// The socket `listen()` made, if any.
    pub fn listener(&self) -> Option<&Listener> {
        self.listener.as_ref()
    }

    /// Runs the pool in this process until it shuts down (SIGTERM/SIGINT/SIGHUP or
    /// `Context::shutdown`). Returns in the manager only; workers exit inside. Whatever way it
    /// returns (an error, a panic in a callback), no worker is left running behind it.
    pub fn start(&mut self, handler: &mut dyn Handler) -> Result<()> {
        // A pool whose run ended can run again, as Swoole's does (the SOCKET listener is kept
        // between runs). `started` tells whether this call got as far as running the pool.
        self.started = false;
        if state::role() != state::Role::Idle {
            return Err(Error::AlreadyRunning);
        }
        self.config.validate()?;
        self.config
            .ipc_mode
            .check_callbacks(|event| handler.implements(event))?;
        if self.config.ipc_mode == IpcMode::Socket && self.listener.is_none() {
            return Err(Error::NotListening);
        }
        refuse_threads()?;
        reopen_closed_stdio()?;
        // REDIS: connect once to check the URL, AUTH and keys and create the group, then disconnect
        // (nothing is shared across the fork); the guard forgets the settings when start() ends.
        let _redis = crate::ipc::redis::prepare(&self.config)?;
        let policy = self.config.restart;
        if !self.config.ipc_mode.has_messages()
            && (policy.max_request > 0 || !policy.request_timeout.is_zero() || !policy.slow_request.is_zero())
        {
            warning!("max_request, request_timeout and slow_request do not apply to SWOOLE_IPC_NONE (its workers get no messages); max_memory does");
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
                self.config.msgqueue_allow_foreign,
            )?),
            _ => None,
        };
        let queue_id = queue.as_ref().map(MsgQueue::id);
        // Bound before anything is forked: a bad address is start()'s error.
        let metrics = match &self.config.metrics_listen {
            Some(addr) => Some(MetricsServer::bind(addr)?),
            None => None,
        };
        let socket_pairs = match self.config.ipc_mode {
            IpcMode::UnixSock => Some(SocketPairs::new(self.config.worker_num)?),
            _ => None,
        };
        let shared = state::Shared {
            worker_num: self.config.worker_num,
            control_write: control.write.as_raw_fd(),
            table: table.clone(),
            queue_id,
            unix_pairs: socket_pairs.as_ref().map(SocketPairs::raw).unwrap_or_default(),
            message_bus: self.config.enable_message_bus,
            ipc_mode: self.config.ipc_mode,
            listen_fd: self.listener.as_ref().map(Listener::raw_fd),
        };
        state::enter_manager(shared)?;
        crate::log::set_worker_id(None);
        let _ = crate::context::take_settings_update();
        self.started = true;
        // Leave the manager role even if a callback panics through run_manager.
        struct LeaveManager;
        impl Drop for LeaveManager {
            fn drop(&mut self) {
                state::leave_manager();
            }
        }
        let _leave = LeaveManager;
        let mut queue = queue;
        let result = run_manager(
            &self.config,
            handler,
            &control,
            &table,
            WorkerIpc {
                listener: self.listener.as_ref(),
                queue: &mut queue,
            },
            metrics,
        );
        // The figures as the pool ended, for stats() after start() returned.
        self.last_stats = Some(PoolStats::from_snapshot(
            &table.snapshot(),
            std::process::id() as i32,
            self.config.ipc_mode,
            None,
            |_| None,
        ));
        // The listener is closed (its unix socket file removed) now, or, when asked to be kept
        // for the next run (as Swoole's is), when the pool is dropped.
        if !self.keep_listener {
            self.listener = None;
        }
        crate::log::set_idle();
        result
    }

    /// The figures as the last run ended (None before a run has ended).
    pub fn last_stats(&self) -> Option<&PoolStats> {
        self.last_stats.as_ref()
    }
}

/// What the workers of a message mode work on.
struct WorkerIpc<'a> {
    listener: Option<&'a Listener>,
    /// MSGQUEUE: the queue, re-opened by the manager if it is removed while the pool runs.
    queue: &'a mut Option<MsgQueue>,
}

/// fork() copies only the calling thread: a child could wait for ever on a lock another thread
/// held (an allocator's, glibc's timezone lock), and the pool's signal mask covers one thread only.
fn refuse_threads() -> Result<()> {
    let threads = std::fs::read_dir("/proc/self/task").map(|d| d.count()).unwrap_or(1);
    if threads > 1 {
        return Err(Error::MultiThreaded { threads });
    }
    Ok(())
}

/// A process started with fd 0, 1 or 2 closed would get them back from the pool's first pipe or
/// socket, and then log into it (or read it as stdin). Closed ones are opened on /dev/null first.
fn reopen_closed_stdio() -> Result<()> {
    for fd in 0..3 {
        // SAFETY: F_GETFD only asks whether `fd` is open.
        if unsafe { libc::fcntl(fd, libc::F_GETFD) } != -1 {
            continue;
        }
        // SAFETY: open(2) of a constant path; the lowest free fd is the closed one, checked below.
        let opened = unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_RDWR) };
        if opened != fd {
            if opened >= 0 {
                // SAFETY: closing the fd just opened, which nothing else uses.
                unsafe { libc::close(opened) };
            }
            return Err(Error::last_os(format!("open /dev/null as fd {fd}")));
        }
    }
    Ok(())
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
    mut metrics: Option<MetricsServer>,
) -> Result<()> {
    let signals = ManagerSignals::block()?;
    let ctx = Context;
    let manager_pid = std::process::id();
    handler.on_start(&ctx);
    end_if_forked_copy(handler, manager_pid);
    // Settings changed inside Start apply to this run (Swoole's set() in Start takes effect).
    let updated;
    let config = match crate::context::take_settings_update() {
        Some(new) => {
            updated = runtime_settings(config, new);
            crate::log::set_level(effective_log_level(updated.log_level));
            &updated
        }
        None => config,
    };
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
            listener: ipc.listener,
            queue_id: ipc.queue.as_ref().map(MsgQueue::id),
            queue_is_private: ipc.queue.as_ref().is_some_and(MsgQueue::is_private),
            manager_pid: manager_pid as i32,
            control_write: control.write.as_raw_fd(),
            close_in_worker: metrics.as_ref().map(MetricsServer::fds).unwrap_or_default(),
        },
    };
    let mut supervisor = Supervisor::new(config.worker_num, config.max_wait_time)
        .with_crash_loop(config.crash_loop)
        .with_restart_policy(config.restart);
    // Whatever ends the loop early (a poll error, a panic in a callback), the workers started so far
    // are stopped and reaped before start() returns or the panic goes on.
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        supervise(
            &mut supervisor,
            &mut ops,
            &signals,
            control,
            ipc.queue,
            manager_pid,
            metrics.as_mut(),
        )
    }));
    if !supervisor.is_finished() {
        stop_after_failure(&mut supervisor, &mut ops, config.max_wait_time);
    }
    match run {
        Ok(result) => result,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// The manager's loop: wait for signals, notices and deadlines, and feed them to the supervisor
/// until the pool has shut down.
fn supervise(
    supervisor: &mut Supervisor,
    ops: &mut ForkOps,
    signals: &ManagerSignals,
    control: &ControlPipe,
    queue: &mut Option<MsgQueue>,
    manager_pid: u32,
    mut metrics: Option<&mut MetricsServer>,
) -> Result<()> {
    let ctx = Context;
    let config = ops.env.config;
    supervisor.start_all(ops);
    let mut next_resignal = None;
    while !supervisor.is_finished() {
        let metrics_deadline = metrics.as_ref().and_then(|m| m.next_deadline());
        let deadline = [supervisor.next_deadline(), next_resignal, metrics_deadline]
            .into_iter()
            .flatten()
            .min();
        let interests = metrics.as_ref().map(|m| m.interests()).unwrap_or_default();
        wait_for_events(signals, control.read.as_raw_fd(), &interests, deadline)?;
        if let Some(server) = metrics.as_mut() {
            let table = ops.table;
            let queue_id = queue.as_ref().map(MsgQueue::id);
            let listen_fd = ops.env.listener.map(Listener::raw_fd);
            server.serve(&|| {
                PoolStats::from_snapshot(
                    &table.snapshot(),
                    manager_pid as i32,
                    config.ipc_mode,
                    crate::stats::queue_depth(queue_id, listen_fd),
                    crate::stats::rss_of,
                )
            });
            ops.env.close_in_worker = server.fds();
        }
        // Notices first: a worker that detached and then exited must be known as detached
        // before its exit is reaped.
        for notice in control::drain(control.read.as_raw_fd()) {
            match notice {
                Notice::Detached { pid, .. } => supervisor.on_detach(pid, ops),
                Notice::QueueGone { queue_id } => reopen_queue(queue, queue_id, ops),
            }
        }
        for signal in signals.drain() {
            match signal {
                Signal::SIGTERM | Signal::SIGINT | Signal::SIGHUP if !supervisor.is_shutting_down() => {
                    info!("{} received: shutting down", signal.as_str());
                    ops.handler.on_shutdown(&ctx);
                    end_if_forked_copy(ops.handler, manager_pid);
                    if let Some(new) = crate::context::take_settings_update() {
                        supervisor.set_max_wait(new.max_wait_time);
                    }
                    supervisor.begin_shutdown(ops);
                }
                Signal::SIGUSR1 | Signal::SIGUSR2 => {
                    supervisor.begin_reload(ops);
                }
                _ => {}
            }
        }
        reap_children(supervisor, ops);
        supervisor.tick(ops);
        if matches!(config.ipc_mode, IpcMode::MsgQueue | IpcMode::UnixSock) {
            next_resignal = resignal_waiting_workers(supervisor, ops, next_resignal);
        }
    }
    info!("all workers stopped; manager done");
    Ok(())
}

/// The settings of a running pool after a `Start` callback changed them to `new`: what was fixed
/// when the pool started (worker count, IPC mode, the queue, the socketpairs and message bus, the
/// metrics endpoint) stays as it was.
fn runtime_settings(current: &PoolConfig, new: PoolConfig) -> PoolConfig {
    PoolConfig {
        worker_num: current.worker_num,
        ipc_mode: current.ipc_mode,
        msgqueue_key: current.msgqueue_key,
        msgqueue_permissions: current.msgqueue_permissions,
        msgqueue_allow_foreign: current.msgqueue_allow_foreign,
        enable_message_bus: current.enable_message_bus,
        metrics_listen: current.metrics_listen.clone(),
        redis: current.redis.clone(),
        ..new
    }
}

/// A worker found the pool's queue removed (`ipcrm`). The manager opens the queue again (same key,
/// same permissions; a private one is made anew) so that replacements have something to read,
/// instead of forking workers that would each fail at once.
fn reopen_queue(queue: &mut Option<MsgQueue>, gone_id: i32, ops: &mut ForkOps) {
    let Some(current) = queue.as_ref() else { return };
    if current.id() != gone_id || current.exists() {
        return;
    }
    let config = ops.env.config;
    match MsgQueue::open(
        current.key(),
        config.msgqueue_permissions,
        config.msgqueue_allow_foreign,
    ) {
        Ok(reopened) => {
            warning!(
                "the message queue (id {gone_id}) was removed while the pool used it; opened it again as id {}",
                reopened.id()
            );
            ops.env.queue_id = Some(reopened.id());
            state::lock().queue_id = Some(reopened.id());
            *queue = Some(reopened);
        }
        Err(e) => warning!("the message queue (id {gone_id}) was removed and cannot be opened again: {e}"),
    }
}

/// The manager's loop ended before the pool shut down: stop the workers (SIGTERM, SIGKILL after
/// `max_wait_time`, or 3 s when that is 0) and reap them, so that none outlives start().
fn stop_after_failure(supervisor: &mut Supervisor, ops: &mut ForkOps, max_wait: Duration) {
    warning!("the manager is stopping its workers after a failure");
    supervisor.begin_shutdown(ops);
    let grace = if max_wait.is_zero() {
        DEFAULT_FAILURE_GRACE
    } else {
        max_wait
    };
    let deadline = Instant::now() + grace;
    while !supervisor.is_finished() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
        reap_children(supervisor, ops);
    }
    for pid in supervisor.known_pids() {
        ops.kill(pid, libc::SIGKILL);
        let mut status = 0;
        // SAFETY: waitpid on a child of ours with a valid status pointer.
        if unsafe { libc::waitpid(pid, &mut status, 0) } == pid {
            supervisor.on_child_exit(pid, ExitStatus::from_wait_status(status), ops);
        }
    }
}

/// How long workers get to stop after a manager failure when `max_wait_time` is 0 (never force).
const DEFAULT_FAILURE_GRACE: Duration = Duration::from_secs(3);

/// A manager callback that forked (e.g. to start a helper process) must not have its child come
/// back here and run a second manager loop: such a child ends as the callback's caller would.
fn end_if_forked_copy(handler: &mut dyn Handler, manager_pid: u32) {
    if std::process::id() != manager_pid {
        let status = handler.forked_copy_exit_status();
        worker::exit(status);
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

/// Sleeps in poll() until a signal, a control notice, a metrics socket is ready, or the next deadline.
fn wait_for_events(
    signals: &ManagerSignals,
    control_read: RawFd,
    metrics: &[Interest],
    deadline: Option<Instant>,
) -> Result<()> {
    let timeout_ms = match deadline {
        None => -1,
        Some(d) => {
            d.saturating_duration_since(Instant::now())
                .as_millis()
                .min(i32::MAX as u128) as i32
                + 1
        }
    };
    let mut fds = vec![
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
    fds.extend(metrics.iter().map(|i| libc::pollfd {
        fd: i.fd,
        events: i.events,
        revents: 0,
    }));
    // SAFETY: poll on an array we own, of the length given.
    let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout_ms) };
    if n < 0 && std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
        return Err(Error::last_os("poll (manager loop)"));
    }
    Ok(())
}

/// Reaps the pool's own children only, by pid: never waitpid(-1), which would take the exit status
/// of the embedder's own children (a PHP `proc_open`, a C host's child) from their owner.
fn reap_children(supervisor: &mut Supervisor, ops: &mut ForkOps) {
    for pid in supervisor.known_pids() {
        let mut status = 0;
        // SAFETY: waitpid on one pid this manager forked, with a valid status pointer.
        let reaped = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if reaped == pid {
            supervisor.on_child_exit(pid, ExitStatus::from_wait_status(status), ops);
        } else if reaped < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ECHILD) {
            // Someone else in this process reaped it (e.g. a script's wait() in a manager callback):
            // it is gone all the same, and waiting for it would hang the pool.
            warning!("process {pid} of the pool was reaped outside the pool; its exit status is unknown");
            supervisor.on_child_exit(pid, ExitStatus::Exited(0), ops);
        }
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
        // SAFETY: fflush(NULL) flushes every C stdio stream.
        unsafe { libc::fflush(std::ptr::null_mut()) };
        // SAFETY: start() refused a multi-threaded process, so the child cannot inherit a lock held
        // by another thread; it never returns into the caller's code (worker::run ends in _exit).
        match unsafe { libc::fork() } {
            -1 => Err(Error::last_os(format!("fork (worker#{worker_id})"))),
            0 => {
                // The child's own pid goes into the table at once, so it can read it back before the
                // manager gets to record it.
                self.table.set_pid(worker_id, std::process::id() as i32);
                worker::run(self.handler, worker_id, &self.env, self.table)
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

    fn take_reported_failure(&mut self, worker_id: usize) -> bool {
        self.table.take_failure(worker_id)
    }

    fn take_retired(&mut self, worker_id: usize) -> bool {
        self.table.take_retired(worker_id)
    }

    fn busy(&self, worker_id: usize) -> Option<(u64, Duration)> {
        let now = monotonic_us();
        let age = self.table.busy_for_us(worker_id, now)?;
        // The message's start time is its identity (a slow_request warning is given once per message).
        Some((now - age, Duration::from_micros(age)))
    }

    fn rss(&self, pid: Pid) -> Option<u64> {
        crate::stats::rss_of(pid)
    }

    fn record(&mut self, event: Record) {
        match event {
            Record::Started { worker_id, replacement } => self.table.count_start(worker_id, replacement),
            Record::Exited { worker_id, reason } => self.table.count_exit(worker_id, reason),
            Record::Reload => self.table.count_reload(),
            Record::CrashLoop(slots) => self.table.set_crash_loop(slots),
        }
    }
}
