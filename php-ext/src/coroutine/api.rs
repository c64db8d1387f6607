//! The coroutine API a pool script uses, with Swoole's names and signatures: `Coroutine`
//! (create/getCid/getPcid/defer/sleep/exists/list), `Coroutine\System::sleep`, `Timer`,
//! `Event::wait`, `Constant::EVENT_*`, the functions `go()`, `defer()` and `Coroutine\run()`, and
//! stubs that say clearly what is not there (runtime hooks, coroutine sockets, clients, servers).

use std::sync::atomic::{AtomicPtr, Ordering};
use std::time::Duration;

use ext_php_rs::builders::ClassBuilder;

use ext_php_rs::convert::IntoZval;
use ext_php_rs::exception::PhpException;
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendHashTable, ZendObject, Zval};
use ext_php_rs::zend::{ce, ClassEntry};

use super::runtime::{self, Mode, SpawnError};
use super::{require_coroutine, CoroutineError};
use crate::errors::{type_error, warning};
use crate::values::false_zval;

/// Swoole's smallest sleep (SW_TIMER_MIN_SEC) and timer (SW_TIMER_MIN_MS).
const MIN_SLEEP: f64 = 0.001;
const MIN_TIMER_MS: i64 = 1;

fn long(n: i64) -> Zval {
    let mut z = Zval::new();
    z.set_long(n);
    z
}

fn callable_or_type_error(function: &str, position: u32, name: &str, value: &Zval) -> PhpResult<()> {
    if value.is_callable() {
        Ok(())
    } else {
        Err(type_error(format!(
            "{function}(): Argument #{position} (${name}) must be a valid callback"
        )))
    }
}

/// `go()` / `Coroutine::create()`: the new coroutine runs at once until it suspends or ends.
pub fn create(function: &str, func: &Zval, params: &[&Zval]) -> PhpResult<Zval> {
    callable_or_type_error(function, 1, "func", func)?;
    let args: Vec<Zval> = params.iter().map(|p| p.shallow_clone()).collect();
    let spawned = runtime::spawn(func, args);
    match spawned {
        Ok((cid, ran)) => {
            // SAFETY: nothing in this frame needs dropping but plain memory.
            unsafe { runtime::settle_in_php(ran) };
            Ok(long(cid))
        }
        // `new Fiber()` threw: the exception is pending and propagates.
        Err(SpawnError::Refused) => Ok(false_zval()),
    }
}

/// `Co::sleep()` / `System::sleep()`.
pub fn sleep(seconds: f64) -> bool {
    if seconds.is_nan() || seconds < MIN_SLEEP {
        warning("Timer must be greater than or equal to 0.001");
        return false;
    }
    let cid = require_coroutine();
    let Some(delay) = Duration::try_from_secs_f64(seconds).ok() else {
        warning("Timer is too long");
        return false;
    };
    let timer = runtime::wake_at(cid, runtime::after(delay));
    match runtime::suspend(cid) {
        Some(_) => true,
        None => {
            runtime::cancel_timer(timer);
            false
        }
    }
}

/// `Swoole\Coroutine` (and `Co`).
#[php_class]
#[php(name = "ProcPool\\Coroutine")]
pub struct Coroutine;

#[php_impl]
impl Coroutine {
    /// Runs `$func(...$params)` in a new coroutine at once, until it suspends or ends; returns its id.
    pub fn create(func: &Zval, params: &[&Zval]) -> PhpResult<Zval> {
        create("Swoole\\Coroutine::create", func, params)
    }

    /// The running coroutine's id, -1 outside any coroutine.
    pub fn get_cid() -> i64 {
        runtime::current_cid()
    }

    /// The id of the coroutine that created `$cid` (0: the running one); -1 for one made outside any
    /// coroutine; false outside a coroutine or for a coroutine that does not exist.
    #[php(defaults(cid = 0))]
    pub fn get_pcid(cid: i64) -> Zval {
        let cid = if cid == 0 { runtime::current_cid() } else { cid };
        match runtime::parent_of(cid) {
            Some(pcid) => long(pcid),
            None => false_zval(),
        }
    }

    /// Runs `$callback` when the running coroutine ends (last registered first), in the coroutine.
    pub fn defer(callback: &Zval) -> PhpResult<()> {
        callable_or_type_error("Swoole\\Coroutine::defer", 1, "callback", callback)?;
        let cid = require_coroutine();
        runtime::add_defer(cid, callback.shallow_clone());
        Ok(())
    }

    /// Suspends the running coroutine for `$seconds` (at least 0.001); other coroutines run meanwhile.
    pub fn sleep(seconds: f64) -> bool {
        sleep(seconds)
    }

    pub fn exists(cid: i64) -> bool {
        runtime::exists(cid)
    }

    /// The ids of the coroutines that exist, as an iterator.
    pub fn list() -> PhpResult<Zval> {
        let ids: Vec<i64> = runtime::list();
        let mut array = ZendHashTable::new();
        for id in ids {
            array.push(id).map_err(|e| PhpException::from_message(e.to_string()))?;
        }
        array_iterator(array)
    }

    /// `['coroutine_num' => n, 'coroutine_last_cid' => id]` (a subset of Swoole's stats()).
    pub fn stats() -> PhpResult<Zval> {
        let mut array = ZendHashTable::new();
        let err = |e: ext_php_rs::error::Error| PhpException::from_message(e.to_string());
        array.insert("coroutine_num", runtime::count() as i64).map_err(err)?;
        array.insert("coroutine_last_cid", runtime::last_cid()).map_err(err)?;
        Ok(array.into_zval(false)?)
    }

    /// Swoole's coroutine options. procpool has no runtime hooks: a non-zero `hook_flags` says so
    /// with a warning; the other options are accepted and have no effect.
    pub fn set(options: &ZendHashTable) {
        let hooks = options.get("hook_flags").and_then(Zval::long).unwrap_or(0);
        if hooks != 0 {
            warning(super::NO_HOOKS);
        }
    }
}

fn array_iterator(array: ext_php_rs::boxed::ZBox<ZendHashTable>) -> PhpResult<Zval> {
    let Some(class) = ClassEntry::try_find("ArrayIterator") else {
        return Ok(array.into_zval(false)?);
    };
    let object = ZendObject::new(class);
    let iterator = object.into_zval(false)?;
    let values = array.into_zval(false)?;
    iterator
        .object()
        .map(|o| o.try_call_method("__construct", vec![&values]))
        .transpose()
        .map_err(|e| PhpException::from_message(e.to_string()))?;
    Ok(iterator)
}

/// `Swoole\Coroutine\System` (and `Co\System`): the `sleep` of the subset.
#[php_class]
#[php(name = "ProcPool\\Coroutine\\System")]
pub struct System;

#[php_impl]
impl System {
    pub fn sleep(seconds: f64) -> bool {
        sleep(seconds)
    }
}

/// `Swoole\Timer`: callbacks run in a coroutine of their own, fired by the worker's loop (in a
/// coroutine-mode worker) or by `Swoole\Event::wait()` at the end of a plain script. A worker outside
/// coroutine mode runs no loop: its timers never fire, as in Swoole.
#[php_class]
#[php(name = "ProcPool\\Timer")]
pub struct Timer;

fn add_timer(function: &str, ms: i64, callback: &Zval, params: &[&Zval], tick: bool) -> PhpResult<Zval> {
    callable_or_type_error(function, 2, "callback", callback)?;
    if ms < MIN_TIMER_MS {
        warning("Timer must be greater than or equal to 1");
        return Ok(false_zval());
    }
    let every = Duration::from_millis(ms as u64);
    let params = params.iter().map(|p| p.shallow_clone()).collect();
    let id = runtime::user_timer(every, callback.shallow_clone(), params, tick.then_some(every));
    Ok(long(id))
}

#[php_impl]
impl Timer {
    /// Runs `$callback(...$params)` once, `$ms` milliseconds from now; returns the timer's id.
    pub fn after(ms: i64, callback: &Zval, params: &[&Zval]) -> PhpResult<Zval> {
        add_timer("Swoole\\Timer::after", ms, callback, params, false)
    }

    /// Runs `$callback($timerId, ...$params)` every `$ms` milliseconds; returns the timer's id.
    pub fn tick(ms: i64, callback: &Zval, params: &[&Zval]) -> PhpResult<Zval> {
        add_timer("Swoole\\Timer::tick", ms, callback, params, true)
    }

    pub fn clear(timer_id: i64) -> bool {
        runtime::clear_user_timer(timer_id)
    }

    pub fn clear_all() -> bool {
        runtime::clear_user_timers();
        true
    }

    pub fn exists(timer_id: i64) -> bool {
        runtime::user_timer_exists(timer_id)
    }
}

/// `Swoole\Event`: `wait()` runs the loop of a plain script until no timer is left (registered as
/// a shutdown function once a script makes a coroutine or a timer, as Swoole does). In a worker
/// the pool's own loop runs instead, and `wait()` does nothing.
#[php_class]
#[php(name = "ProcPool\\Event")]
pub struct Event;

#[php_impl]
impl Event {
    pub fn wait() {
        runtime::run_script_loop();
    }
}

/// `Swoole\Constant`: the event names of `Pool::on()`.
#[php_class]
#[php(name = "ProcPool\\Constant")]
pub struct Constant;

#[php_impl]
impl Constant {
    pub const EVENT_START: &'static str = "start";
    pub const EVENT_SHUTDOWN: &'static str = "shutdown";
    pub const EVENT_WORKER_START: &'static str = "workerStart";
    pub const EVENT_WORKER_STOP: &'static str = "workerStop";
    pub const EVENT_WORKER_EXIT: &'static str = "workerExit";
    pub const EVENT_MESSAGE: &'static str = "message";
}

/// `ProcPool\Error` (`Swoole\Error`): what a fatal misuse of the coroutine API throws (as an
/// uncaught error). A plain subclass of `\Error`, registered in MINIT with a `ClassBuilder` (a
/// `#[php_class]` object would not get the file and line `\Error`'s constructor records).
static ERROR_CE: AtomicPtr<ClassEntry> = AtomicPtr::new(std::ptr::null_mut());

pub fn register_error_class() -> ext_php_rs::error::Result<()> {
    ClassBuilder::new("ProcPool\\Error")
        .extends((ce::error, "\\Error"))
        .registration(|ce, _| ERROR_CE.store(ce, Ordering::SeqCst))
        .register()
}

/// The error class (`\Error` if it could not be registered).
pub fn error_ce() -> &'static ClassEntry {
    let ce = ERROR_CE.load(Ordering::SeqCst);
    // SAFETY: a class entry registered in MINIT lives as long as the module.
    unsafe { ce.as_ref() }.unwrap_or_else(ce::error)
}

/// `Swoole\Runtime`: procpool has no runtime hooks. `enableCoroutine()`/`setHookFlags()` warn and
/// return false; blocking PHP calls (sleep(), blocking streams) block the whole worker.
#[php_class]
#[php(name = "ProcPool\\Runtime")]
pub struct Runtime;

#[php_impl]
impl Runtime {
    pub fn enable_coroutine(args: &[&Zval]) -> bool {
        let _ = args;
        warning(super::NO_HOOKS);
        false
    }

    pub fn set_hook_flags(_flags: i64) -> bool {
        warning(super::NO_HOOKS);
        false
    }

    pub fn get_hook_flags() -> i64 {
        0
    }
}

/// `ProcPool\Coroutine\go()` (and the global `go()`).
#[php_function]
#[php(name = "ProcPool\\Coroutine\\go")]
pub fn go(func: &Zval, params: &[&Zval]) -> PhpResult<Zval> {
    create("go", func, params)
}

/// `ProcPool\Coroutine\defer()` (and the global `defer()`).
#[php_function]
#[php(name = "ProcPool\\Coroutine\\defer")]
pub fn defer(callback: &Zval) -> PhpResult<()> {
    Coroutine::defer(callback)
}

/// `Swoole\Coroutine\run()` / `Co\run()`: runs `$fn(...$args)` in a coroutine and the loop until
/// no timer is left; true. In a coroutine-mode worker (which has its loop already) or inside a
/// coroutine: a warning and false.
#[php_function]
#[php(name = "ProcPool\\Coroutine\\run")]
pub fn run(func: &Zval, args: &[&Zval]) -> PhpResult<bool> {
    callable_or_type_error("Swoole\\Coroutine\\run", 1, "fn", func)?;
    if runtime::mode() == Mode::Worker || runtime::current_cid() >= 0 {
        warning("eventLoop has already been created. unable to start Swoole\\Coroutine\\Scheduler");
        return Ok(false);
    }
    let args: Vec<Zval> = args.iter().map(|a| a.shallow_clone()).collect();
    match runtime::spawn(func, args) {
        Ok((_, ran)) => {
            // SAFETY: nothing in this frame needs dropping but plain memory.
            if !unsafe { runtime::settle_in_php(ran) } {
                return Ok(false);
            }
        }
        Err(SpawnError::Refused) => return Ok(false),
    }
    runtime::run_script_loop();
    Ok(true)
}

/// A class of Swoole's coroutine runtime that procpool does not have: constructing it throws an
/// Error that says so.
macro_rules! unsupported_class {
    ($rust:ident, $php:literal, $swoole:literal) => {
        #[php_class]
        #[php(name = $php)]
        pub struct $rust;

        #[php_impl]
        impl $rust {
            pub fn __construct(args: &[&Zval]) -> PhpResult<Self> {
                let _ = args;
                Err(CoroutineError::unsupported($swoole))
            }
        }
    };
}

unsupported_class!(Socket, "ProcPool\\Coroutine\\Socket", "Swoole\\Coroutine\\Socket");
unsupported_class!(Client, "ProcPool\\Coroutine\\Client", "Swoole\\Coroutine\\Client");
unsupported_class!(Server, "ProcPool\\Coroutine\\Server", "Swoole\\Coroutine\\Server");
unsupported_class!(
    HttpClient,
    "ProcPool\\Coroutine\\Http\\Client",
    "Swoole\\Coroutine\\Http\\Client"
);
unsupported_class!(
    HttpServer,
    "ProcPool\\Coroutine\\Http\\Server",
    "Swoole\\Coroutine\\Http\\Server"
);

/// Adds this file's classes and functions to the module.
pub fn register(module: ext_php_rs::builders::ModuleBuilder) -> ext_php_rs::builders::ModuleBuilder {
    module
        .class::<Coroutine>()
        .class::<System>()
        .class::<Timer>()
        .class::<Event>()
        .class::<Constant>()
        .class::<Runtime>()
        .class::<Socket>()
        .class::<Client>()
        .class::<Server>()
        .class::<HttpClient>()
        .class::<HttpServer>()
        .function(wrap_function!(go))
        .function(wrap_function!(defer))
        .function(wrap_function!(run))
        .function(wrap_function!(coroutine_entry))
}

/// `ProcPool\Coroutine\__run($cid)`: the function every coroutine's fiber starts with; it runs the
/// coroutine's body (or deferred callable) as the fiber's first frame. Not for scripts.
#[php_function]
#[php(name = "ProcPool\\Coroutine\\__run")]
pub fn coroutine_entry(cid: i64) -> PhpResult<()> {
    if runtime::enter(cid) {
        Ok(())
    } else {
        Err(PhpException::new(
            "ProcPool\\Coroutine\\__run() starts coroutines; it is not for scripts".into(),
            0,
            error_ce(),
        ))
    }
}
