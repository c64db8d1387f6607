//! The `procpool` PHP extension: `ProcPool\Pool`, `ProcPool\Process`, `ProcPool\Exception`, the
//! `SWOOLE_IPC_*` constants and, when the swoole extension is not loaded, the `Swoole\...` aliases.
#![cfg_attr(windows, feature(abi_vectorcall))]

mod callbacks;
mod errors;
mod pool;
mod process;
mod settings;
mod socket;
mod stats;
mod values;
mod zend;

use ext_php_rs::class::RegisteredClass;
use ext_php_rs::prelude::*;
use ext_php_rs::zend::ModuleEntry;
use ext_php_rs::{info_table_end, info_table_row, info_table_start};

use errors::PoolException;
use pool::Pool;
use process::Process;

pub extern "C" fn module_info(_module: *mut ModuleEntry) {
    info_table_start!();
    info_table_row!("procpool support", "enabled");
    info_table_row!("Version", procpool::VERSION);
    info_table_row!(
        "IPC modes",
        "SWOOLE_IPC_NONE, SWOOLE_IPC_UNIXSOCK, SWOOLE_IPC_MSGQUEUE, SWOOLE_IPC_SOCKET"
    );
    info_table_row!(
        "Swoole aliases",
        if zend::extension_loaded("swoole") {
            "off (the swoole extension is loaded)"
        } else {
            "on"
        }
    );
    info_table_end!();
}

/// Registers `Swoole\Process\Pool` etc. as aliases, once the classes exist (ext-php-rs has no alias
/// API, and its startup hook runs before classes are registered, so this runs at request start).
extern "C" fn register_swoole_aliases(_type: i32, _module_number: i32) -> i32 {
    if !zend::extension_loaded("swoole") {
        zend::register_class_alias("Swoole\\Process\\Pool", Pool::get_metadata().ce());
        zend::register_class_alias("Swoole\\Process", Process::get_metadata().ce());
        zend::register_class_alias("Swoole\\Exception", PoolException::get_metadata().ce());
    }
    0
}

#[php_module]
pub fn get_module(module: ModuleBuilder) -> ModuleBuilder {
    module
        .name("procpool")
        .version(procpool::VERSION)
        .constant(("SWOOLE_IPC_NONE", 0i64, &[]))
        .constant(("SWOOLE_IPC_UNIXSOCK", 1i64, &[]))
        .constant(("SWOOLE_IPC_MSGQUEUE", 2i64, &[]))
        .constant(("SWOOLE_IPC_SOCKET", 3i64, &[]))
        .class::<PoolException>()
        .class::<Pool>()
        .class::<Process>()
        .class::<socket::Socket>()
        .request_startup_function(register_swoole_aliases)
        .info_function(module_info)
}
