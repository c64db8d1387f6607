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
    fn zend_throw_unwind_exit();
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

/// Makes the current PHP call end the script as `exit()` would, once control is back in PHP.
pub fn throw_exit() {
    // SAFETY: throws a fresh UnwindExit into the current (internal function) frame.
    unsafe { zend_throw_unwind_exit() };
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
