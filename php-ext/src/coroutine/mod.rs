//! Coroutine mode (`enable_coroutine`) on PHP Fibers: the subset of Swoole's coroutine API that pool
//! scripts use, so that the first example of Swoole's Pool documentation runs unchanged.
//!
//! - `runtime.rs`: the scheduler (coroutines, timers, signals) of one process;
//! - `fiber.rs`: PHP's `Fiber`, driven from Rust;
//! - `handler.rs`: a coroutine-mode pool's handler, which the core's worker loop
//!   (`core/src/ipc/event_loop.rs`) drives;
//! - `api.rs`, `channel.rs`: the PHP classes and functions;
//! - `signal.rs`: `Process::signal()` in coroutine mode.
//!
//! Classes are `ProcPool\...` always and `Swoole\...` (plus Swoole's short names `Co`, `go()`...)
//! when the swoole extension is not loaded. See docs/coroutines.md.

pub mod api;
pub mod channel;
mod fiber;
pub mod handler;
pub mod runtime;
mod signal;

use std::ffi::CString;
use std::sync::OnceLock;

use ext_php_rs::class::RegisteredClass;
use ext_php_rs::exception::PhpException;
use ext_php_rs::types::{ZendCallable, ZendStr, Zval};

pub use handler::CoroutineHandler;

use ext_php_rs::builders::ModuleBuilder;
use runtime::{Mode, SignalSlot};

use crate::errors::warning;
use crate::zend;

/// What `Runtime::enableCoroutine()` and a non-zero `hook_flags` say.
pub const NO_HOOKS: &str = "procpool has no runtime hooks: blocking PHP calls (sleep(), usleep(), blocking \
streams and sockets) block the whole worker, every coroutine with it. Use Swoole\\Coroutine::sleep() \
(Co::sleep) to wait, or the swoole extension for hooked I/O";

/// The error a class outside the subset throws when constructed.
pub fn unsupported(class: &str) -> PhpException {
    PhpException::new(
        format!(
            "{class} is not available: procpool's coroutine mode has no coroutine sockets, clients or \
servers (only the coroutine API a process pool uses, see docs/coroutines.md); use the swoole extension for them"
        ),
        0,
        api::error_ce(),
    )
}

/// Namespace for `unsupported` (used by the stub classes).
pub struct CoroutineError;

impl CoroutineError {
    pub fn unsupported(class: &str) -> PhpException {
        unsupported(class)
    }
}

/// The running coroutine's id, for an API that suspends it. Outside a coroutine: Swoole's fatal
/// error (an uncaught `Swoole\Error` "API must be called in the coroutine"; the script or worker
/// ends with status 255).
pub fn require_coroutine() -> i64 {
    match runtime::suspendable_cid() {
        Some(cid) => cid,
        None => out_of_coroutine(),
    }
}

fn out_of_coroutine() -> ! {
    PhpException::new("API must be called in the coroutine".into(), 0, api::error_ce()).throw();
    zend::report_pending_exception();
    // SAFETY: a fatal error, as Swoole's: called from the body of an API function, which holds no
    // borrow or guard at that point; the engine's bailout ends the script (or the worker).
    unsafe { ext_php_rs::zend::bailout() }
}

/// `Process::signal()` when a coroutine loop runs in this process (a coroutine-mode worker): the loop
/// dispatches the signal, its callback runs in a coroutine. None elsewhere: the caller does what it
/// does outside coroutine mode.
pub fn process_signal(signo: i64, callback: Option<&Zval>) -> Option<bool> {
    if runtime::mode() != Mode::Worker {
        return None;
    }
    Some(signal_in_loop(signo, callback))
}

/// Swoole's `Process::signal()` rules and messages, with the loop's dispatch.
fn signal_in_loop(signo: i64, callback: Option<&Zval>) -> bool {
    if !(0..128).contains(&signo) {
        warning(&format!("invalid signal number [{signo}]"));
        return false;
    }
    let signo = signo as i32;
    if !(1..=signal::MAX_SIGNO).contains(&signo) {
        warning(&format!("invalid signal number [{signo}]"));
        return false;
    }
    if let SignalSlot::System = runtime::signal_slot(signo) {
        warning(&format!("signal [{signo}] processor has been registered by the system"));
        return false;
    }
    let callback = callback.filter(|c| !c.is_null());
    let Some(callback) = callback else {
        if runtime::remove_signal(signo) {
            return true;
        }
        warning(&format!("unable to find the callback of signal [{signo}]"));
        return false;
    };
    let result = if callback.long() == Some(libc::SIG_IGN as i64) {
        runtime::set_signal(signo, None)
    } else if callback.is_callable() {
        runtime::set_signal(signo, Some(callback.shallow_clone()))
    } else {
        let name = callback.string().unwrap_or_else(|| "unknown".into());
        warning(&format!("function '{name}' is not callable"));
        return false;
    };
    match result {
        Ok(()) => true,
        Err(e) => {
            warning(&format!("sigaction({signo}) failed: {e}"));
            false
        }
    }
}

/// A plain script made its first coroutine or timer: `Swoole\Event::wait()` runs the loop at the
/// end of the script, as a shutdown function (what Swoole registers too).
pub fn register_script_loop() {
    if let Ok(register) = ZendCallable::try_from_name("register_shutdown_function") {
        let _ = register.try_call(vec![&"ProcPool\\Event::wait"]);
    }
}

/// The classes of the subset with their Swoole name and Swoole's short names (`Co`, `Chan`...).
fn swoole_classes() -> [(
    &'static ext_php_rs::zend::ClassEntry,
    &'static str,
    &'static [&'static str],
); 14] {
    use api::{Client, Constant, Coroutine, Event, HttpClient, HttpServer, Runtime, Server, Socket, System, Timer};
    use channel::{Channel, WaitGroup};
    [
        (Coroutine::get_metadata().ce(), "Swoole\\Coroutine", &["Co"]),
        (
            System::get_metadata().ce(),
            "Swoole\\Coroutine\\System",
            &["Co\\System"],
        ),
        (
            Channel::get_metadata().ce(),
            "Swoole\\Coroutine\\Channel",
            &["Co\\Channel", "Chan"],
        ),
        (
            WaitGroup::get_metadata().ce(),
            "Swoole\\Coroutine\\WaitGroup",
            &["Co\\WaitGroup"],
        ),
        (Timer::get_metadata().ce(), "Swoole\\Timer", &[]),
        (Event::get_metadata().ce(), "Swoole\\Event", &[]),
        (Constant::get_metadata().ce(), "Swoole\\Constant", &[]),
        (api::error_ce(), "Swoole\\Error", &[]),
        (Runtime::get_metadata().ce(), "Swoole\\Runtime", &[]),
        (
            Socket::get_metadata().ce(),
            "Swoole\\Coroutine\\Socket",
            &["Co\\Socket"],
        ),
        (
            Client::get_metadata().ce(),
            "Swoole\\Coroutine\\Client",
            &["Co\\Client"],
        ),
        (
            Server::get_metadata().ce(),
            "Swoole\\Coroutine\\Server",
            &["Co\\Server"],
        ),
        (
            HttpClient::get_metadata().ce(),
            "Swoole\\Coroutine\\Http\\Client",
            &["Co\\Http\\Client"],
        ),
        (
            HttpServer::get_metadata().ce(),
            "Swoole\\Coroutine\\Http\\Server",
            &["Co\\Http\\Server"],
        ),
    ]
}

/// The Swoole names of `swoole_classes()`, as permanent interned strings made in MINIT (unset when
/// the swoole extension is loaded).
static SWOOLE_NAMES: OnceLock<Vec<usize>> = OnceLock::new();

/// MINIT: registers `ProcPool\\Error` and, when the swoole extension is not loaded, interns the
/// Swoole names of the classes (they exist only at request start, when `register_swoole_names`
/// renames them).
pub fn module_startup() -> ext_php_rs::error::Result<()> {
    api::register_error_class()?;
    if !zend::extension_loaded("swoole") {
        intern_swoole_names();
    }
    Ok(())
}

fn intern_swoole_names() {
    let names = SWOOLE_NAMES_LIST
        .iter()
        .map(|name| ZendStr::new_interned(name, true).into_raw() as *mut _ as usize)
        .collect();
    let _ = SWOOLE_NAMES.set(names);
}

/// The Swoole names, in the order of `swoole_classes()`.
const SWOOLE_NAMES_LIST: [&str; 14] = [
    "Swoole\\Coroutine",
    "Swoole\\Coroutine\\System",
    "Swoole\\Coroutine\\Channel",
    "Swoole\\Coroutine\\WaitGroup",
    "Swoole\\Timer",
    "Swoole\\Event",
    "Swoole\\Constant",
    "Swoole\\Error",
    "Swoole\\Runtime",
    "Swoole\\Coroutine\\Socket",
    "Swoole\\Coroutine\\Client",
    "Swoole\\Coroutine\\Server",
    "Swoole\\Coroutine\\Http\\Client",
    "Swoole\\Coroutine\\Http\\Server",
];

/// Request start, when the swoole extension is not loaded: the classes take Swoole's names (what
/// `get_class()` and error messages show; the `ProcPool\...` names keep resolving), Swoole's short
/// names become aliases, and `go()`, `defer()`, `Co\run()` and the `SWOOLE_CHANNEL_*` constants are
/// defined in a few lines of PHP.
pub fn register_swoole_names() {
    let Some(names) = SWOOLE_NAMES.get() else {
        return;
    };
    for ((ce, swoole, short), &name) in swoole_classes().into_iter().zip(names) {
        // SAFETY: our own class entries, and permanent interned names made in MINIT.
        unsafe { zend::rename_class(ce, name as *mut ext_php_rs::ffi::zend_string) };
        zend::register_class_alias(swoole, ce);
        for alias in short {
            zend::register_class_alias(alias, ce);
        }
    }
    eval(SWOOLE_FUNCTIONS);
}

/// The global `go()` and `defer()`, `Swoole\Coroutine\run()`/`Co\run()` and the
/// `SWOOLE_CHANNEL_*` constants, each only where nothing else defined it.
const SWOOLE_FUNCTIONS: &str = r#"
namespace {
    if (!function_exists('go')) {
        function go(callable $func, mixed ...$params): int|false { return \ProcPool\Coroutine::create($func, ...$params); }
    }
    if (!function_exists('defer')) {
        function defer(callable $callback): void { \ProcPool\Coroutine::defer($callback); }
    }
    if (!defined('SWOOLE_CHANNEL_OK')) { define('SWOOLE_CHANNEL_OK', 0); }
    if (!defined('SWOOLE_CHANNEL_TIMEOUT')) { define('SWOOLE_CHANNEL_TIMEOUT', -1); }
    if (!defined('SWOOLE_CHANNEL_CLOSED')) { define('SWOOLE_CHANNEL_CLOSED', -2); }
}
namespace Swoole\Coroutine {
    if (!function_exists('Swoole\Coroutine\run')) {
        function run(callable $fn, mixed ...$args): bool { return \ProcPool\Coroutine\run($fn, ...$args); }
    }
}
namespace Co {
    if (!function_exists('Co\run')) {
        function run(callable $fn, mixed ...$args): bool { return \ProcPool\Coroutine\run($fn, ...$args); }
    }
}
"#;

fn eval(code: &str) {
    let (Ok(code), Ok(name)) = (CString::new(code), CString::new("procpool coroutine names")) else {
        return;
    };
    // SAFETY: both strings are NUL-terminated and outlive the call; no return value is asked for.
    unsafe { ext_php_rs::ffi::zend_eval_string(code.as_ptr(), std::ptr::null_mut(), name.as_ptr()) };
}

/// Adds the coroutine classes and functions (`ProcPool\\...` names) to the module.
pub fn register(module: ModuleBuilder) -> ModuleBuilder {
    api::register(module)
        .class::<channel::Channel>()
        .class::<channel::WaitGroup>()
        .request_shutdown_function(request_shutdown)
}

/// At the end of the request, while the engine still runs: the runtime lets go of its zvals.
pub extern "C" fn request_shutdown(_type: i32, _module_number: i32) -> i32 {
    runtime::request_shutdown();
    0
}

/// Swoole allows coroutine mode with SWOOLE_IPC_NONE and SWOOLE_IPC_UNIXSOCK only; its constructor
/// throws this `Error` for the other modes (and procpool's set() too, rather than run a pool that
/// would never read its messages).
pub fn check_ipc_mode(mode: procpool::IpcMode) -> Result<(), PhpException> {
    match mode {
        procpool::IpcMode::None | procpool::IpcMode::UnixSock => Ok(()),
        _ => Err(crate::errors::error(
            "the parameter $ipc_type must be SWOOLE_IPC_UNIXSOCK when enable coroutine",
        )),
    }
}

/// `enable_coroutine` in `Pool::set()`: Some(on) when the key is there (true checked against the
/// pool's IPC mode).
pub fn setting(
    settings: &ext_php_rs::types::ZendHashTable,
    mode: procpool::IpcMode,
) -> Result<Option<bool>, PhpException> {
    let Some(value) = settings.get("enable_coroutine") else {
        return Ok(None);
    };
    let on = value.bool().unwrap_or(false) || value.long().is_some_and(|n| n != 0);
    if on {
        check_ipc_mode(mode)?;
    }
    Ok(Some(on))
}
