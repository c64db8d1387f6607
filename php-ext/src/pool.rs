//! `ProcPool\Pool` (aliased `Swoole\Process\Pool`): PHP's face of `procpool::Pool`.
//! Mutable state sits in Cell/RefCell because callbacks re-enter the object (`$pool->getProcess()`,
//! `$pool->workerId`) while start() runs; start() takes what it needs out before calling PHP.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use ext_php_rs::binary_slice::BinarySlice;
use ext_php_rs::convert::{FromZval, IntoZval};
use ext_php_rs::flags::DataType;
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendClassObject, ZendHashTable, Zval};
use procpool::{Context, IpcMode, PoolConfig, Role};

use crate::callbacks::{Callbacks, Event, ManagerFailure, PhpHandler};
use crate::errors::{error, fatal, from_core, pool_exception, type_error, warning};
use crate::process::Process;
use crate::settings::{self, COROUTINE_REFUSED};
use crate::values::false_zval;
use crate::zend;

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
pub(crate) fn refuse_write(class: &str, property: &str) {
    error(format!("Cannot modify readonly property {class}::${property}")).throw();
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Configuring,
    Running,
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
    /// getProcess() returns the same object for an id, as Swoole does.
    processes: RefCell<HashMap<usize, Zval>>,
    phase: Cell<Phase>,
    master_pid: Cell<i64>,
}

#[php_impl]
impl Pool {
    pub const IPC_NONE: i64 = 0;
    pub const IPC_UNIXSOCK: i64 = 1;
    pub const IPC_MSGQUEUE: i64 = 2;
    pub const IPC_SOCKET: i64 = 3;

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
            return Err(pool_exception(COROUTINE_REFUSED));
        }
        let mut config = PoolConfig::new(worker_num as usize, ipc_mode);
        config.msgqueue_key = msgqueue_key;
        let core = procpool::Pool::new(config).map_err(from_core)?;
        Ok(Pool {
            core: RefCell::new(Some(core)),
            ipc_mode,
            worker_num: worker_num as usize,
            callbacks: RefCell::new(Callbacks::default()),
            processes: RefCell::new(HashMap::new()),
            phase: Cell::new(Phase::Configuring),
            master_pid: Cell::new(-1),
        })
    }

    pub fn set(&self, settings: &ZendHashTable) -> PhpResult<()> {
        let mut core = self.core.borrow_mut();
        match (self.phase.get(), core.as_mut()) {
            (Phase::Configuring, Some(core)) => settings::apply(core.config_mut(), settings),
            _ => {
                warning("set() has no effect once the pool has been started");
                Ok(())
            }
        }
    }

    pub fn on(&self, event: String, callback: &Zval) -> PhpResult<bool> {
        if self.phase.get() != Phase::Configuring {
            warning("on() cannot be called once the pool has been started");
            return Ok(false);
        }
        let Some(parsed) = Event::parse(&event) else {
            warning(&format!("unknown event types[{event}]"));
            return Ok(false);
        };
        if !callback.is_callable() {
            return Err(type_error(
                "ProcPool\\Pool::on(): Argument #2 ($callback) must be a valid callback",
            ));
        }
        if parsed == Event::Message && self.ipc_mode == IpcMode::None {
            return Err(pool_exception(
                "cannot set a Message callback with SWOOLE_IPC_NONE: workers of this mode receive no messages",
            ));
        }
        *self.callbacks.borrow_mut().slot(parsed) = Some(callback.shallow_clone());
        Ok(true)
    }

    /// SOCKET, before start(): `unix:/path`, or a TCP host (IPv4, IPv6, name) and port.
    #[php(defaults(port = 0, backlog = 2048))]
    pub fn listen(&self, host: String, port: i64, backlog: i64) -> bool {
        if self.ipc_mode != IpcMode::Socket {
            warning("listen() is only available with SWOOLE_IPC_SOCKET");
            return false;
        }
        let mut core = self.core.borrow_mut();
        let Some(core) = core.as_mut().filter(|_| self.phase.get() == Phase::Configuring) else {
            warning("listen() must be called before start()");
            return false;
        };
        let backlog = backlog.clamp(0, i32::MAX as i64) as i32;
        match core.listen(&host, port, backlog) {
            Ok(_) => true,
            Err(e) => {
                warning(&format!("listen({host}, {port}) failed: {e}"));
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
            Err(procpool::Error::InvalidWorkerId { worker_num, .. }) => {
                warning(&format!(
                    "invalid dst_worker_id[{dst_worker_id}], the pool has workers 0..{}",
                    worker_num.saturating_sub(1)
                ));
                false
            }
            Err(e) => {
                warning(&format!("to worker#{dst_worker_id} failed: {e}"));
                false
            }
        }
    }

    /// Blocks in the manager until the pool shuts down, then returns null. Workers never return.
    pub fn start(self_: &mut ZendClassObject<Pool>) -> PhpResult<Zval> {
        let mut this = Zval::new();
        this.set_object(&mut self_.std);
        let pool: &Pool = self_;
        if pool.phase.get() != Phase::Configuring {
            warning("the pool has already been started");
            return Ok(false_zval());
        }
        if procpool::role() != Role::Idle {
            return Err(error(
                "a process pool is already running in this process; only one pool may run at a time",
            ));
        }
        if pool.callbacks.borrow().worker_exit.is_some() {
            return Err(pool_exception(
                "the WorkerExit event exists only in coroutine mode, which procpool does not support; use WorkerStop",
            ));
        }
        let Some(mut core) = pool.core.borrow_mut().take() else {
            return Ok(false_zval());
        };
        let callbacks = std::mem::take(&mut *pool.callbacks.borrow_mut());
        let mut handler = PhpHandler::new(callbacks, this);
        pool.phase.set(Phase::Running);
        pool.master_pid.set(std::process::id() as i64);
        let result = core.start(&mut handler);
        // Refused before anything ran (a missing callback, no listen(), a queue it may not use): the
        // pool stays configurable.
        if result.is_err() && !core.is_started() {
            let Err(e) = result else { unreachable!() };
            *pool.callbacks.borrow_mut() = handler.callbacks;
            *pool.core.borrow_mut() = Some(core);
            pool.phase.set(Phase::Configuring);
            pool.master_pid.set(-1);
            return match e {
                procpool::Error::MissingCallback { event, .. } => {
                    let message = format!("require on{} callback", event.name());
                    // SAFETY: Swoole's words, as a fatal error. Every RefCell borrow of this object
                    // ended above; what the longjmp skips (the message, `this`) is memory only.
                    unsafe { fatal(&message) }
                }
                procpool::Error::NotListening => {
                    warning("a SWOOLE_IPC_SOCKET pool must listen() successfully before start()");
                    Ok(false_zval())
                }
                other => Err(from_core(other)),
            };
        }
        // Only the manager gets here. Drop the callables now: the cycle collector cannot see them.
        let PhpHandler {
            callbacks,
            this,
            manager_failure,
            ..
        } = handler;
        drop((callbacks, this));
        pool.processes.borrow_mut().clear();
        *pool.core.borrow_mut() = Some(core);
        pool.phase.set(Phase::Finished);
        match manager_failure {
            Some(ManagerFailure::Exception(ex)) => {
                let _ = ext_php_rs::exception::throw_object(ex.into_zval(false)?);
                return Ok(Zval::null());
            }
            Some(ManagerFailure::Exit) => {
                zend::throw_exit();
                return Ok(Zval::null());
            }
            // SAFETY: a fatal error in Start/Shutdown bailed out of the callback; the pool is over and
            // nothing of it is borrowed here, so continuing the engine's bailout skips no needed drop.
            Some(ManagerFailure::Fatal) => unsafe { ext_php_rs::zend::bailout() },
            None => {}
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

    #[php(defaults(worker_id = -1))]
    pub fn get_process(&self, worker_id: i64) -> PhpResult<Zval> {
        if self.phase.get() != Phase::Running {
            return Ok(false_zval());
        }
        let id = if worker_id < 0 {
            match Context.worker_id() {
                Some(id) => id,
                None => return Ok(false_zval()),
            }
        } else {
            match Context.worker_id_in_range(worker_id) {
                Ok(id) => id,
                Err(_) => {
                    warning(&format!(
                        "invalid worker_id[{worker_id}], the pool has {} workers",
                        self.worker_num
                    ));
                    return Ok(false_zval());
                }
            }
        };
        if let Some(cached) = self.processes.borrow().get(&id) {
            return Ok(cached.shallow_clone());
        }
        let object = Process::new(id).into_zval(false)?;
        self.processes.borrow_mut().insert(id, object.shallow_clone());
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
        refuse_write("ProcPool\\Pool", "master_pid");
    }

    #[php(getter)]
    pub fn get_worker_id(&self) -> ReadOnly<i64> {
        Context.worker_id().map_or(-1, |id| id as i64).into()
    }

    #[php(setter)]
    pub fn set_worker_id(&self, _value: ReadOnly<i64>) {
        refuse_write("ProcPool\\Pool", "workerId");
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
        refuse_write("ProcPool\\Pool", "workerPid");
    }

    #[php(getter)]
    pub fn get_worker_running(&self) -> ReadOnly<bool> {
        Context.worker_running().into()
    }

    #[php(setter)]
    pub fn set_worker_running(&self, _value: ReadOnly<bool>) {
        refuse_write("ProcPool\\Pool", "workerRunning");
    }

    #[php(getter)]
    pub fn get_running(&self) -> ReadOnly<bool> {
        (self.phase.get() != Phase::Finished).into()
    }

    #[php(setter)]
    pub fn set_running(&self, _value: ReadOnly<bool>) {
        refuse_write("ProcPool\\Pool", "running");
    }

    #[php(getter)]
    pub fn get_workers(&self) -> ReadOnly<Option<i64>> {
        None.into()
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
    pub fn set_workers(&self, _value: ReadOnly<Option<i64>>) {
        refuse_write("ProcPool\\Pool", "workers");
    }
}
