//! `ProcPool\Pool` (aliased `Swoole\Process\Pool`): PHP's face of `procpool::Pool`.
//! Mutable state sits in Cell/RefCell because callbacks re-enter the object (`$pool->getProcess()`,
//! `$pool->workerId`) while start() runs; start() takes what it needs out before calling PHP.

use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicBool, Ordering};

use ext_php_rs::binary_slice::BinarySlice;
use ext_php_rs::class::RegisteredClass;
use ext_php_rs::convert::{FromZval, IntoZval};
use ext_php_rs::flags::DataType;
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendClassObject, ZendHashTable, Zval};
use ext_php_rs::zend::ClassEntry;
use procpool::{Context, IpcMode, PoolConfig, Role};

use crate::callbacks::{Callbacks, Event, ManagerFailure, PhpHandler};
use crate::errors::{error, fatal, from_core, pool_exception, type_error, warning};
use crate::process::{Process, QueueRules};
use crate::settings;
use crate::values::false_zval;

/// What the getter of a read-only property returns: the value, seen by PHP exactly as a `T` (same
/// conversion, same declared type). Its other half lets any value through to the property's setter:
/// ext-php-rs converts an assigned value to the getter's type before calling the setter and, when
/// that fails, throws its own "Unable to convert property value" Exception, so a typed setter would
/// answer `$pool->master_pid = "x"` with that instead of the readonly-property Error.
pub struct ReadOnly<T>(Option<T>);

impl<T> From<T> for ReadOnly<T> {
    fn from(value: T) -> Self {
        ReadOnly(Some(value))
    }
}

impl<T: IntoZval> IntoZval for ReadOnly<T> {
    const TYPE: DataType = T::TYPE;
    const NULLABLE: bool = T::NULLABLE;

    fn set_zval(self, zv: &mut Zval, persistent: bool) -> ext_php_rs::error::Result<()> {
        match self.0 {
            Some(value) => value.set_zval(zv, persistent),
            None => {
                zv.set_null();
                Ok(())
            }
        }
    }
}

/// Any assigned value: the setter refuses it without looking at it.
impl<T> FromZval<'_> for ReadOnly<T> {
    const TYPE: DataType = DataType::Mixed;

    fn from_zval(_: &Zval) -> Option<Self> {
        Some(ReadOnly(None))
    }
}

/// A write to a read-only property: PHP's own `Error` for a readonly property, naming it (ext-php-rs
/// would throw "No setter available for this property." for a property without a setter). Thrown
/// here, as ext-php-rs ignores what a setter returns.
pub(crate) fn refuse_write(class: &ClassEntry, property: &str) {
    let class = class.name().unwrap_or("ProcPool\\Pool");
    error(format!("Cannot modify readonly property {class}::${property}")).throw();
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Never started.
    Configuring,
    Running,
    /// A run ended; the pool can be configured and started again, as Swoole's.
    Finished,
}

#[php_class]
#[php(name = "ProcPool\\Pool")]
pub struct Pool {
    /// None while start() runs (the core pool is borrowed by the manager loop).
    core: RefCell<Option<procpool::Pool>>,
    ipc_mode: IpcMode,
    worker_num: usize,
    callbacks: RefCell<Callbacks>,
    /// getProcess() returns the same object for an id, as Swoole does; in the order they were
    /// first asked for (`$pool->workers` lists them so).
    processes: RefCell<Vec<(usize, Zval)>>,
    /// Whether `$pool->workers` is an array yet (Swoole makes it one at the first getProcess()).
    workers_array: Cell<bool>,
    phase: Cell<Phase>,
    master_pid: Cell<i64>,
    /// Coroutine mode (`enable_coroutine`): see crate::coroutine.
    enable_coroutine: Cell<bool>,
    /// While the pool runs: its settings as set() changed them inside a manager callback (Swoole's
    /// set() in Start takes effect); written back to the pool when the run ends.
    running_config: RefCell<Option<PoolConfig>>,
}

/// Whether the running pool has a `Message` callback (Swoole then gives process handles no queue,
/// and takes SIGTERM in workers itself).
static HAS_MESSAGE: AtomicBool = AtomicBool::new(false);

impl Pool {
    /// Whether this process is stopping: in the manager from Shutdown on (and after start()
    /// returned), in a worker in WorkerStop and once its loop was told to end.
    fn stopping(&self) -> bool {
        match self.phase.get() {
            Phase::Configuring => false,
            Phase::Finished => true,
            Phase::Running => match Context.role() {
                Role::Manager => crate::callbacks::manager_stopping(),
                Role::Worker => !Context.worker_running() || crate::callbacks::worker_stopping(),
                Role::Idle => true,
            },
        }
    }
}

/// Whether the pool running in this process has a `Message` callback.
pub fn has_message_callback() -> bool {
    HAS_MESSAGE.load(Ordering::Relaxed)
}

#[php_impl]
impl Pool {
    pub const IPC_NONE: i64 = 0;
    pub const IPC_UNIXSOCK: i64 = 1;
    pub const IPC_MSGQUEUE: i64 = 2;
    pub const IPC_SOCKET: i64 = 3;
    /// A Redis stream read through a consumer group, at least once (beyond Swoole): docs/redis.md.
    pub const IPC_REDIS: i64 = 100;

    #[php(defaults(ipc_type = 0, msgqueue_key = 0, enable_coroutine = false))]
    pub fn __construct(worker_num: i64, ipc_type: i64, msgqueue_key: i64, enable_coroutine: bool) -> PhpResult<Self> {
        if ext_php_rs::zend::php_sapi_name().as_deref() != Some("cli") {
            return Err(pool_exception("ProcPool\\Pool can only be used in the CLI SAPI"));
        }
        if procpool::role() != Role::Idle {
            return Err(error(
                "a process pool is already running in this process; only one pool may run at a time",
            ));
        }
        if worker_num <= 0 {
            return Err(pool_exception(format!(
                "worker_num must be greater than 0, {worker_num} given"
            )));
        }
        let ipc_mode = IpcMode::from_raw(ipc_type).map_err(from_core)?;
        if enable_coroutine {
            crate::coroutine::check_ipc_mode(ipc_mode)?;
        }
        let mut config = PoolConfig::new(worker_num as usize, ipc_mode);
        config.msgqueue_key = msgqueue_key;
        let mut core = procpool::Pool::new(config).map_err(from_core)?;
        // As Swoole's: the listening socket stays for a second start(), until the pool goes.
        core.keep_listener(true);
        Ok(Pool {
            core: RefCell::new(Some(core)),
            ipc_mode,
            worker_num: worker_num as usize,
            callbacks: RefCell::new(Callbacks::default()),
            processes: RefCell::new(Vec::new()),
            workers_array: Cell::new(false),
            phase: Cell::new(Phase::Configuring),
            master_pid: Cell::new(-1),
            enable_coroutine: Cell::new(enable_coroutine),
            running_config: RefCell::new(None),
        })
    }

    /// Before start() and after it returned: the pool's settings. While it runs, in the manager's
    /// callbacks: what the running pool can still use takes effect (e.g. `max_wait_time` for the
    /// shutdown, as Swoole's set() inside Start); in a worker: nothing changes. Never a warning
    /// for the moment it is called, as in Swoole.
    pub fn set(&self, settings: &ZendHashTable) -> PhpResult<()> {
        if self.phase.get() == Phase::Running {
            let mut running = self.running_config.borrow_mut();
            let Some(config) = running.as_mut() else {
                return Ok(());
            };
            let mut changed = config.clone();
            settings::apply(&mut changed, settings)?;
            if Context.role() == Role::Manager {
                if let Err(e) = Context.update_settings(changed.clone()) {
                    warning(&format!("set() failed: {e}"));
                    return Ok(());
                }
            }
            *config = changed;
            return Ok(());
        }
        if let Some(on) = crate::coroutine::setting(settings, self.ipc_mode)? {
            self.enable_coroutine.set(on);
        }
        let mut core = self.core.borrow_mut();
        match core.as_mut() {
            Some(core) => settings::apply(core.config_mut(), settings),
            None => Ok(()),
        }
    }

    pub fn on(&self, name: String, callback: &Zval) -> PhpResult<bool> {
        if self.phase.get() == Phase::Running {
            warning("on() cannot be called once the pool has been started");
            return Ok(false);
        }
        let Some(parsed) = Event::parse(&name) else {
            warning(&format!("unknown event types[{name}]"));
            return Ok(false);
        };
        if !callback.is_callable() {
            return Err(type_error(format!(
                "{}::on(): Argument #2 ($callback) must be a valid callback",
                Pool::get_metadata().ce().name().unwrap_or("ProcPool\\Pool")
            )));
        }
        if parsed == Event::Message && self.ipc_mode == IpcMode::None {
            return Err(pool_exception(
                "cannot set a Message callback with SWOOLE_IPC_NONE: workers of this mode receive no messages",
            ));
        }
        *self.callbacks.borrow_mut().slot(parsed) = Some(callback.shallow_clone());
        Ok(true)
    }

    /// SOCKET, before start() (or after it returned): `unix:/path`, or a TCP host (IPv4, IPv6,
    /// name) and port. As Swoole: a failure is reported in the pool's log, not as a PHP warning,
    /// and a second listen() keeps the socket of the first.
    #[php(defaults(port = 0, backlog = 2048))]
    pub fn listen(&self, host: String, port: i64, backlog: i64) -> bool {
        if self.ipc_mode != IpcMode::Socket {
            warning("listen() is only available with SWOOLE_IPC_SOCKET");
            return false;
        }
        let mut core = self.core.borrow_mut();
        let Some(core) = core.as_mut().filter(|_| self.phase.get() != Phase::Running) else {
            warning("listen() must be called before start()");
            return false;
        };
        if core.listener().is_some() {
            return true;
        }
        let backlog = backlog.clamp(0, i32::MAX as i64) as i32;
        match core.listen(&host, port, backlog) {
            Ok(_) => true,
            Err(e) => {
                Context.log_warning(&format!("listen({host}, {port}) failed: {e}"));
                false
            }
        }
    }

    /// SOCKET, inside Message: appends to the reply sent when Message returns.
    pub fn write(&self, data: BinarySlice<u8>) -> bool {
        if self.ipc_mode != IpcMode::Socket {
            warning("write() is only available with SWOOLE_IPC_SOCKET");
            return false;
        }
        Context.write(&data)
    }

    /// UNIXSOCK, after start(): sends `$data` to worker `$dst_worker_id` (any worker, this one too).
    pub fn send_message(&self, data: BinarySlice<u8>, dst_worker_id: i64) -> bool {
        if self.ipc_mode != IpcMode::UnixSock {
            warning("sendMessage() is only available with SWOOLE_IPC_UNIXSOCK");
            return false;
        }
        if self.phase.get() != Phase::Running {
            warning("sendMessage() can only be used once the pool has been started");
            return false;
        }
        let sent = Context
            .worker_id_in_range(dst_worker_id)
            .and_then(|dst| Context.send_message(&data, dst));
        match sent {
            Ok(()) => true,
            Err(procpool::Error::InvalidWorkerId { .. }) => {
                // Swoole's words.
                warning(&format!("invalid worker_id[{dst_worker_id}]"));
                false
            }
            Err(e) => {
                warning(&format!("to worker#{dst_worker_id} failed: {e}"));
                false
            }
        }
    }

    /// Blocks in the manager until the pool shuts down, then returns null; can be called again
    /// once it returned (the whole pool runs again). Workers never return.
    pub fn start(self_: &mut ZendClassObject<Pool>) -> PhpResult<Zval> {
        let mut this = Zval::new();
        this.set_object(&mut self_.std);
        let pool: &Pool = self_;
        if pool.phase.get() == Phase::Running {
            warning("the pool has already been started");
            return Ok(false_zval());
        }
        if procpool::role() != Role::Idle {
            return Err(error(
                "a process pool is already running in this process; only one pool may run at a time",
            ));
        }
        if pool.callbacks.borrow().worker_exit.is_some() && !pool.enable_coroutine.get() {
            return Err(pool_exception("cannot set `onWorkerExit` without enable_coroutine"));
        }
        let Some(mut core) = pool.core.borrow_mut().take() else {
            return Ok(false_zval());
        };
        let callbacks = std::mem::take(&mut *pool.callbacks.borrow_mut());
        HAS_MESSAGE.store(callbacks.message.is_some(), Ordering::Relaxed);
        let mut handler = PhpHandler::new(callbacks, this);
        let phase_before = pool.phase.get();
        let master_pid_before = pool.master_pid.get();
        pool.phase.set(Phase::Running);
        pool.master_pid.set(std::process::id() as i64);
        *pool.running_config.borrow_mut() = Some(core.config().clone());
        let result = if pool.enable_coroutine.get() {
            core.start(&mut crate::coroutine::CoroutineHandler::new(&mut handler))
        } else {
            core.start(&mut handler)
        };
        // Only the manager gets here (workers exit inside). What set() changed inside the manager's
        // callbacks stays for the next run, as in Swoole.
        if let Some(config) = pool.running_config.borrow_mut().take() {
            *core.config_mut() = config;
        }
        let PhpHandler {
            callbacks,
            this,
            manager_failure,
            ..
        } = handler;
        drop(this);
        *pool.callbacks.borrow_mut() = callbacks;
        *pool.core.borrow_mut() = Some(core);
        // Refused before anything ran (a missing callback, no listen(), a queue it may not use):
        // the pool is as it was.
        let refused = result.is_err() && !pool.core.borrow().as_ref().is_some_and(procpool::Pool::is_started);
        if refused {
            let Err(e) = result else { unreachable!() };
            pool.phase.set(phase_before);
            pool.master_pid.set(master_pid_before);
            return match e {
                procpool::Error::MissingCallback { event, .. } => {
                    let message = format!("require on{} callback", event.name());
                    // SAFETY: Swoole's words, as a fatal error. Every RefCell borrow of this object
                    // ended above; what the longjmp skips (the message) is memory only.
                    unsafe { fatal(&message) }
                }
                procpool::Error::NotListening => {
                    // As Swoole: its own log line, no PHP warning.
                    Context.log_warning("must first listen to an tcp port");
                    Ok(false_zval())
                }
                other => Err(from_core(other)),
            };
        }
        pool.phase.set(Phase::Finished);
        if let Some(ManagerFailure::Fatal) = manager_failure {
            // SAFETY: a fatal error in Start/Shutdown bailed out of the callback; the pool is over
            // and nothing of it is borrowed here, so continuing the engine's bailout skips no
            // needed drop.
            unsafe { ext_php_rs::zend::bailout() }
        }
        result.map_err(from_core)?;
        Ok(Zval::null())
    }

    /// In the manager: begin the graceful shutdown; in a worker: SIGTERM to the manager.
    pub fn shutdown(&self) -> PhpResult<bool> {
        match self.phase.get() {
            Phase::Configuring => Err(pool_exception(
                "shutdown() called before start(): the pool is not running",
            )),
            Phase::Finished => Ok(false),
            Phase::Running => match Context.shutdown() {
                Ok(()) => Ok(true),
                Err(e) => {
                    warning(&format!("shutdown() failed: {e}"));
                    Ok(false)
                }
            },
        }
    }

    pub fn stop(&self) {
        Context.stop();
    }

    pub fn detach(&self) -> bool {
        self.phase.get() == Phase::Running && Context.detach()
    }

    /// The process handle of worker `$work_id` (negative: this worker), one object per id.
    #[php(defaults(work_id = -1))]
    pub fn get_process(&self, work_id: i64) -> PhpResult<Zval> {
        if self.phase.get() != Phase::Running {
            return Ok(false_zval());
        }
        let id = if work_id < 0 {
            match Context.worker_id() {
                Some(id) => id,
                None => return Ok(false_zval()),
            }
        } else {
            match Context.worker_id_in_range(work_id) {
                Ok(id) => id,
                Err(_) => {
                    warning(&format!(
                        "invalid worker_id[{work_id}], the pool has {} workers",
                        self.worker_num
                    ));
                    return Ok(false_zval());
                }
            }
        };
        self.workers_array.set(true);
        if let Some((_, cached)) = self.processes.borrow().iter().find(|(cached_id, _)| *cached_id == id) {
            return Ok(cached.shallow_clone());
        }
        let queue = match self.running_config.borrow().as_ref() {
            Some(config) => QueueRules {
                pool_queue: self.ipc_mode == IpcMode::MsgQueue && !has_message_callback(),
                permissions: config.msgqueue_permissions,
                allow_foreign: config.msgqueue_allow_foreign,
            },
            None => QueueRules::default(),
        };
        let object = Process::new(id, queue).into_zval(false)?;
        self.processes.borrow_mut().push((id, object.shallow_clone()));
        Ok(object)
    }

    #[php(getter, name = "master_pid")]
    pub fn get_master_pid(&self) -> ReadOnly<i64> {
        Context
            .master_pid()
            .map(i64::from)
            .unwrap_or(self.master_pid.get())
            .into()
    }

    #[php(setter, name = "master_pid")]
    pub fn set_master_pid(&self, _value: ReadOnly<i64>) {
        refuse_write(Pool::get_metadata().ce(), "master_pid");
    }

    #[php(getter)]
    pub fn get_worker_id(&self) -> ReadOnly<i64> {
        Context.worker_id().map_or(-1, |id| id as i64).into()
    }

    #[php(setter)]
    pub fn set_worker_id(&self, _value: ReadOnly<i64>) {
        refuse_write(Pool::get_metadata().ce(), "workerId");
    }

    #[php(getter)]
    pub fn get_worker_pid(&self) -> ReadOnly<i64> {
        match Context.worker_id() {
            Some(_) => std::process::id() as i64,
            None => -1,
        }
        .into()
    }

    #[php(setter)]
    pub fn set_worker_pid(&self, _value: ReadOnly<i64>) {
        refuse_write(Pool::get_metadata().ce(), "workerPid");
    }

    /// False once this process is stopping: in the manager from Shutdown on (and after start()
    /// returned), in a worker in WorkerStop and once stop() was called or (message modes) SIGTERM
    /// arrived.
    #[php(getter)]
    pub fn get_worker_running(&self) -> ReadOnly<bool> {
        (!self.stopping()).into()
    }

    #[php(setter)]
    pub fn set_worker_running(&self, _value: ReadOnly<bool>) {
        refuse_write(Pool::get_metadata().ce(), "workerRunning");
    }

    /// As `workerRunning`.
    #[php(getter)]
    pub fn get_running(&self) -> ReadOnly<bool> {
        (!self.stopping()).into()
    }

    #[php(setter)]
    pub fn set_running(&self, _value: ReadOnly<bool>) {
        refuse_write(Pool::get_metadata().ce(), "running");
    }

    /// Null until getProcess() first succeeded in this process; then the process handles asked
    /// for so far, by worker id (as Swoole's property).
    #[php(getter)]
    pub fn get_workers(&self) -> ReadOnly<Zval> {
        if !self.workers_array.get() {
            return ReadOnly::from(Zval::null());
        }
        let mut workers = ZendHashTable::new();
        for (id, process) in self.processes.borrow().iter() {
            let _ = workers.insert_at_index(*id as i64, process.shallow_clone());
        }
        ReadOnly::from(workers.into_zval(false).unwrap_or_default())
    }

    /// The pool's and every worker's figures: in the manager's callbacks, in any worker, and after
    /// start() returned (the figures as the pool ended). False with a warning before start().
    pub fn stats(&self) -> PhpResult<Zval> {
        let stats = match self.phase.get() {
            Phase::Configuring => {
                warning("stats() is only available once the pool has been started");
                return Ok(false_zval());
            }
            Phase::Running => Context.stats().map_err(from_core)?,
            Phase::Finished => match self.core.borrow().as_ref().and_then(|c| c.last_stats().cloned()) {
                Some(stats) => stats,
                None => return Ok(false_zval()),
            },
        };
        Ok(crate::stats::to_array(&stats)?.into_zval(false)?)
    }

    #[php(setter)]
    pub fn set_workers(&self, _value: ReadOnly<Zval>) {
        refuse_write(Pool::get_metadata().ce(), "workers");
    }

    /// IPC_REDIS: XADDs `$data` (as the field `data`) to the pool's stream; returns the new entry's
    /// id, false on failure (with a warning). Before start() it uses the settings given to set(); in
    /// the manager and the workers, the running pool's.
    pub fn push(&self, data: BinarySlice<u8>) -> Zval {
        if self.ipc_mode != IpcMode::Redis {
            warning("push() is only available with ProcPool\\Pool::IPC_REDIS (a worker's ProcPool\\Process::push() feeds SWOOLE_IPC_MSGQUEUE)");
            return false_zval();
        }
        let pushed = match (self.phase.get(), self.core.try_borrow()) {
            (Phase::Running, _) => Context.redis_push(&data),
            (_, Ok(core)) => match core.as_ref() {
                Some(core) => core.config().redis.push(&data),
                None => Context.redis_push(&data),
            },
            (_, Err(_)) => Context.redis_push(&data),
        };
        match pushed {
            Ok(id) => {
                let mut z = Zval::new();
                let _ = z.set_string(&id, false);
                z
            }
            Err(e) => {
                warning(&format!("push() failed: {e}"));
                false_zval()
            }
        }
    }

    /// IPC_REDIS, inside Message: every field of the entry in hand (`data` included) as
    /// `['field' => 'value', ...]`; false elsewhere.
    pub fn get_message_fields(&self) -> Zval {
        crate::redis::fields()
    }

    /// IPC_REDIS, inside Message: the id of the entry in hand (e.g. `"1700000000000-0"`); false
    /// elsewhere.
    pub fn get_message_id(&self) -> Zval {
        crate::redis::id()
    }
}
