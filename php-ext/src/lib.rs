//! The `procpool` PHP extension: `ProcPool\Pool`, `ProcPool\Process`, `ProcPool\Exception`, the
//! `SWOOLE_IPC_*` constants and, when the swoole extension is not loaded, the same classes under
//! Swoole's names (`Swoole\Process\Pool`, `Swoole\Process`, `Swoole\Exception`), which are then
//! their real names (what `get_class()` and error messages show) and the `ProcPool\...` names
//! aliases.
#![cfg_attr(windows, feature(abi_vectorcall))]

mod arginfo;
mod callbacks;
mod coroutine;
mod errors;
mod info;
mod pool;
mod process;
mod redis;
mod settings;
mod socket;
mod stats;
mod values;
mod zend;

use std::sync::OnceLock;

use ext_php_rs::class::RegisteredClass;
use ext_php_rs::prelude::*;
use ext_php_rs::types::ZendStr;
use ext_php_rs::zend::ClassEntry;

use pool::Pool;
use process::Process;

/// The Swoole names of the classes, as permanent interned strings made in MINIT (None when the
/// swoole extension is loaded: its classes own those names).
struct SwooleNames {
    pool: usize,
    process: usize,
    exception: usize,
}

static SWOOLE_NAMES: OnceLock<SwooleNames> = OnceLock::new();

/// MINIT, before ext-php-rs registers the `#[php_class]` classes: the exception class, and the
/// Swoole names (interned now, while interned strings are permanent).
extern "C" fn module_startup(_type: i32, _module_number: i32) -> i32 {
    if errors::register_exception_class().is_err() {
        return 1;
    }
    if !zend::extension_loaded("swoole") {
        let interned = |name: &str| ZendStr::new_interned(name, true).into_raw() as usize;
        let _ = SWOOLE_NAMES.set(SwooleNames {
            pool: interned("Swoole\\Process\\Pool"),
            process: interned("Swoole\\Process"),
            exception: interned("Swoole\\Exception"),
        });
    }
    if coroutine::module_startup().is_err() {
        return 1;
    }
    0
}

/// Request startup, once the classes exist: when the swoole extension is not loaded, the classes
/// take Swoole's names and keep `ProcPool\...` as aliases (ext-php-rs has no alias or rename API,
/// and its startup hook runs before classes exist); and `pcntl_signal()` is wrapped so that a
/// script's SIGTERM handler never takes a worker's graceful stop away.
extern "C" fn request_startup(_type: i32, _module_number: i32) -> i32 {
    if let Some(names) = SWOOLE_NAMES.get() {
        let classes: [(&ClassEntry, usize, &str); 3] = [
            (Pool::get_metadata().ce(), names.pool, "Swoole\\Process\\Pool"),
            (Process::get_metadata().ce(), names.process, "Swoole\\Process"),
            (errors::exception_ce(), names.exception, "Swoole\\Exception"),
        ];
        for (ce, name, alias) in classes {
            // SAFETY: our own class entries, and permanent interned names made in MINIT.
            unsafe { zend::rename_class(ce, name as *mut ext_php_rs::ffi::zend_string) };
            zend::register_class_alias(alias, ce);
        }
    }
    coroutine::register_swoole_names();
    arginfo::declare_types();
    zend::hook_pcntl_signal();
    0
}

#[php_module]
pub fn get_module(module: ModuleBuilder) -> ModuleBuilder {
    coroutine::register(module)
        .name("procpool")
        .version(procpool::VERSION)
        .constant(("SWOOLE_IPC_NONE", 0i64, &[]))
        .constant(("SWOOLE_IPC_UNIXSOCK", 1i64, &[]))
        .constant(("SWOOLE_IPC_MSGQUEUE", 2i64, &[]))
        .constant(("SWOOLE_IPC_SOCKET", 3i64, &[]))
        .constant(("PROCPOOL_IPC_REDIS", 100i64, &[]))
        .class::<Pool>()
        .class::<Process>()
        .class::<socket::Socket>()
        .startup_function(module_startup)
        .request_startup_function(request_startup)
        .info_function(info::module_info)
}
