//! Zend engine symbols that ext-php-rs 0.16.4 does not bind. All are exported by the php binary
//! and resolve when the extension is loaded.

use std::ffi::c_char;

use ext_php_rs::ffi::{zend_class_entry, zend_object, HashTable};
use ext_php_rs::types::ZendHashTable;
use ext_php_rs::zend::ExecutorGlobals;

unsafe extern "C" {
    fn zend_register_class_alias_ex(
        name: *const c_char,
        name_len: usize,
        ce: *mut zend_class_entry,
        persistent: bool,
    ) -> i32;
    fn zend_is_unwind_exit(ex: *const zend_object) -> bool;
    fn zend_exception_error(ex: *mut zend_object, severity: i32) -> i32;
    fn php_output_flush_all();
    static mut module_registry: HashTable;
}

const E_ERROR: i32 = 1;

/// `extension_loaded($name)`, usable before any script runs.
pub fn extension_loaded(name: &str) -> bool {
    // SAFETY: the module registry is filled before any MINIT/RINIT runs and only read here.
    let registry: &ZendHashTable = unsafe { &*std::ptr::addr_of!(module_registry) };
    registry.get(name.to_ascii_lowercase().as_str()).is_some()
}

/// `class_alias()` done from C; false when the name is taken.
pub fn register_class_alias(alias: &str, ce: &ext_php_rs::zend::ClassEntry) -> bool {
    let ce = ce as *const _ as *mut zend_class_entry;
    // SAFETY: alias is valid for alias.len() bytes; the engine copies it.
    unsafe { zend_register_class_alias_ex(alias.as_ptr().cast(), alias.len(), ce, false) == 0 }
}

/// What is pending in EG(exception) after a call into PHP returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pending {
    Nothing,
    /// `exit()` (PHP 8 unwinds with an internal UnwindExit object).
    Exit,
    Exception,
}

pub fn pending() -> Pending {
    let eg = ExecutorGlobals::get();
    if eg.exception.is_null() {
        Pending::Nothing
    // SAFETY: eg.exception is a live exception object (checked non-null above), as
    // zend_is_unwind_exit requires.
    } else if unsafe { zend_is_unwind_exit(eg.exception) } {
        Pending::Exit
    } else {
        Pending::Exception
    }
}

/// Prints the pending exception exactly as PHP prints an uncaught one ("PHP Fatal error:  Uncaught
/// ...", honouring display_errors/log_errors) without bailing out, and clears it.
pub fn report_pending_exception() {
    let ex = ExecutorGlobals::get().exception;
    if !ex.is_null() {
        // SAFETY: zend_exception_error takes the pending exception, clears EG(exception) and frees it;
        // E_DONT_BAIL is added by the engine, so this returns.
        unsafe { zend_exception_error(ex, E_ERROR) };
    }
}

/// Drops whatever is pending (used for `exit()`, whose status stays in EG(exit_status)).
pub fn clear_pending() {
    drop(ExecutorGlobals::take_exception());
}

/// Flushes and closes PHP's output buffers, so a worker's `ob_start()` output is not lost at _exit.
pub fn end_output() {
    // SAFETY: plain engine call, valid while a request is active.
    unsafe { ext_php_rs::ffi::php_output_end_all() };
}

/// Flushes PHP's output buffers to stdout but keeps them open (the script may go on using them).
pub fn flush_output() {
    // SAFETY: plain engine call, valid while a request is active.
    unsafe { php_output_flush_all() };
}

/// Gives an internal class the name `name` (a permanent interned string, made during MINIT):
/// what `get_class()`, `::class` comparisons and error messages show. The old name stays a key
/// of the class table, so both names resolve.
///
/// # Safety
/// `ce` must be a class entry registered by this extension and `name` a permanent interned
/// string; call it outside any use of the class's name by the engine (at request startup).
pub unsafe fn rename_class(ce: &ext_php_rs::zend::ClassEntry, name: *mut ext_php_rs::ffi::zend_string) {
    let ce = ce as *const _ as *mut zend_class_entry;
    // SAFETY: per the contract; the class entry is process-global and written only here.
    unsafe { (*ce).name = name };
}

/// The original `pcntl_signal()` handler, replaced by `pcntl_signal_hook`.
static PCNTL_SIGNAL: std::sync::OnceLock<ext_php_rs::ffi::zif_handler> = std::sync::OnceLock::new();

/// `pcntl_signal()` as the script calls it, then the pool's SIGTERM handler put back in front of
/// the script's (in a message-mode worker: see `Context::reclaim_sigterm`). SIGTERM is blocked
/// meanwhile, so one that arrives between the two is delivered to the pool's handler afterwards
/// instead of to the script's alone.
unsafe extern "C" fn pcntl_signal_hook(ex: *mut ext_php_rs::ffi::zend_execute_data, rv: *mut ext_php_rs::ffi::zval) {
    // SAFETY: sigset operations on locals; sigprocmask on this (single-threaded) process.
    unsafe {
        let mut term: libc::sigset_t = std::mem::zeroed();
        let mut saved: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut term);
        libc::sigaddset(&mut term, libc::SIGTERM);
        libc::sigprocmask(libc::SIG_BLOCK, &term, &mut saved);
        if let Some(Some(original)) = PCNTL_SIGNAL.get() {
            original(ex, rv);
        }
        procpool::Context.reclaim_sigterm();
        libc::sigprocmask(libc::SIG_SETMASK, &saved, std::ptr::null_mut());
    }
}

/// Wraps `pcntl_signal()` (when pcntl is loaded) with `pcntl_signal_hook`, once per process.
pub fn hook_pcntl_signal() {
    if PCNTL_SIGNAL.get().is_some() {
        return;
    }
    let table = ext_php_rs::zend::ExecutorGlobals::get().function_table;
    if table.is_null() {
        return;
    }
    let name = "pcntl_signal";
    // SAFETY: the engine's function table, read with a valid (ptr, len) key.
    let zv = unsafe { ext_php_rs::ffi::zend_hash_str_find(table, name.as_ptr().cast(), name.len()) };
    if zv.is_null() {
        return;
    }
    // SAFETY: function table entries hold a zend_function pointer; pcntl_signal is an internal
    // function, whose handler is a plain field of its (persistent, writable) zend_internal_function.
    unsafe {
        let func = (*zv).value.ptr as *mut ext_php_rs::ffi::zend_function;
        if func.is_null() || (*func).type_ != ext_php_rs::ffi::ZEND_INTERNAL_FUNCTION as u8 {
            return;
        }
        let handler = &mut (*func).internal_function.handler;
        if PCNTL_SIGNAL.set(*handler).is_ok() {
            *handler = Some(pcntl_signal_hook);
        }
    }
}
