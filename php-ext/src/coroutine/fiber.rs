//! PHP's own `Fiber`, driven from Rust: every coroutine runs in a `Fiber` object, which has its own C
//! stack and its own VM stack, so a coroutine can be suspended from deep inside an internal function
//! (`Co::sleep()` suspends from its Rust body) and resumed later from the worker's loop.
//!
//! Only the four calls the scheduler needs: create (`new Fiber($callable)`), `start(...$args)`,
//! `resume()` and `Fiber::suspend()`, plus `isTerminated()`. Each is a direct
//! `zend_call_known_function` on the method of the `Fiber` class entry, with no exception check:
//! the scheduler looks at EG(exception) itself after each call.

use std::ffi::c_void;

use ext_php_rs::convert::IntoZval;
use ext_php_rs::ffi::{
    zend_call_known_function, zend_class_entry, zend_execute_data, zend_function, zend_hash_str_find_ptr_lc,
};
use ext_php_rs::types::{ZendObject, Zval};
use ext_php_rs::zend::ExecutorGlobals;

unsafe extern "C" {
    /// `Fiber`'s class entry, registered by the engine at startup (PHP 8.1+).
    static mut zend_ce_fiber: *mut zend_class_entry;
    fn zend_is_graceful_exit(ex: *const ext_php_rs::ffi::zend_object) -> bool;
}

/// Whether the pending exception is the engine destroying the running fiber (a suspended fiber
/// destroyed at the end of the script is resumed with it): the fiber must unwind, never suspend
/// again.
pub fn destroyed() -> bool {
    let ex = ExecutorGlobals::get().exception;
    // SAFETY: `ex` is the live pending exception object (checked non-null first).
    !ex.is_null() && unsafe { zend_is_graceful_exit(ex) }
}

fn class_entry() -> *mut zend_class_entry {
    // SAFETY: the engine sets zend_ce_fiber once at startup and never changes it; this reads it.
    unsafe { *std::ptr::addr_of!(zend_ce_fiber) }
}

/// The method `name` (lower case) of `Fiber`.
fn method(name: &str) -> *mut zend_function {
    let ce = class_entry();
    // SAFETY: `ce` is the live, persistent Fiber class entry; the lookup only reads its method table.
    unsafe { zend_hash_str_find_ptr_lc(&(*ce).function_table, name.as_ptr().cast(), name.len()).cast() }
}

/// Calls method `name` of `fiber` (or the static method when `fiber` is None) with `args`. What it
/// returns, with EG(exception) left as the call left it.
fn call(fiber: Option<&Zval>, name: &str, args: &[&Zval]) -> Zval {
    let function = method(name);
    let mut retval = Zval::new();
    if function.is_null() {
        return retval;
    }
    let mut params: Vec<Zval> = args.iter().map(|a| a.shallow_clone()).collect();
    let object = fiber
        .and_then(Zval::object)
        .map_or(std::ptr::null_mut(), |o| std::ptr::from_ref(o).cast_mut());
    // SAFETY: `function` is a method of the Fiber class, `object` a live Fiber object (or null for the
    // static suspend()), and `params` a contiguous array of `params.len()` initialised zvals that
    // outlives the call. The callee may switch C stacks (that is what a fiber is); it comes back here
    // when the fiber suspends or ends.
    unsafe {
        zend_call_known_function(
            function,
            object,
            class_entry(),
            &mut retval,
            params.len() as u32,
            params.as_mut_ptr().cast(),
            std::ptr::null_mut(),
        );
    }
    drop(params);
    retval
}

/// `new Fiber($callable)`; None when the engine refused it (an exception is then pending).
pub fn new(callable: &Zval) -> Option<Zval> {
    let ce = class_entry();
    // SAFETY: the Fiber class entry is live for the whole process.
    let object = ZendObject::new(unsafe { &*ce });
    let fiber = object.into_zval(false).ok()?;
    // SAFETY: reads the constructor pointer of the live class entry.
    let constructor = unsafe { (*ce).constructor };
    if constructor.is_null() {
        return None;
    }
    let mut retval = Zval::new();
    let mut param = callable.shallow_clone();
    // SAFETY: the constructor of Fiber called on a fresh Fiber object with one argument.
    unsafe {
        zend_call_known_function(
            constructor,
            std::ptr::from_ref(fiber.object()?).cast_mut(),
            ce,
            &mut retval,
            1,
            std::ptr::from_mut(&mut param).cast(),
            std::ptr::null_mut(),
        );
    }
    drop(param);
    if ExecutorGlobals::get().exception.is_null() {
        Some(fiber)
    } else {
        None
    }
}

/// The engine's address of this Fiber object (a `zend_fiber*` is its `zend_object*`).
pub fn address(fiber: &Zval) -> *const c_void {
    fiber
        .object()
        .map_or(std::ptr::null(), |o| std::ptr::from_ref(o).cast())
}

/// The fiber running now (EG(active_fiber)), null on the main stack.
pub fn active() -> *const c_void {
    ExecutorGlobals::get().active_fiber as *const c_void
}

/// `$fiber->start(...$args)`: runs it until it suspends or ends.
pub fn start(fiber: &Zval, args: &[Zval]) {
    let args: Vec<&Zval> = args.iter().collect();
    drop(call(Some(fiber), "start", &args));
}

/// `$fiber->resume()`: runs it from where it suspended until it suspends again or ends.
pub fn resume(fiber: &Zval) {
    drop(call(Some(fiber), "resume", &[]));
}

/// `Fiber::suspend()` of the running fiber: returns when something resumes it (or the engine
/// destroys it: an exception is then pending).
pub fn suspend() {
    drop(call(None, "suspend", &[]));
}

/// In a coroutine's entry function, the first code its fiber runs: cuts the fiber's bottom frame
/// off whoever started it (as Swoole's coroutines have a stack of their own, a backtrace taken in
/// the coroutine ends there: `#0 [internal function]: {closure}()`, `#1 {main}`) and makes that
/// bottom frame the current one, so the body called next does not show the entry function either.
/// Returns (the entry function's own frame, to put back with `restore_frame`, and the bottom).
pub fn enter_body() -> (*mut zend_execute_data, *mut zend_execute_data) {
    let mut eg = ExecutorGlobals::get_mut();
    let own = eg.current_execute_data;
    if own.is_null() {
        return (own, own);
    }
    // SAFETY: `own` is the live frame of the entry function, called by the fiber's start with the
    // fiber's bottom frame as its previous one.
    let bottom = unsafe { (*own).prev_execute_data };
    if bottom.is_null() {
        return (own, bottom);
    }
    // SAFETY: the bottom frame lives as long as the fiber; PHP itself sets this link to NULL
    // whenever the fiber suspends.
    unsafe { (*bottom).prev_execute_data = std::ptr::null_mut() };
    eg.current_execute_data = bottom;
    (own, bottom)
}

/// Puts back the entry function's frame once the body returned.
pub fn restore_frame(own: *mut zend_execute_data) {
    ExecutorGlobals::get_mut().current_execute_data = own;
}

/// After the fiber was resumed (`Fiber::resume()` links its bottom frame to the resumer): cuts the
/// link again, for the same backtraces as at start.
pub fn cut_bottom(bottom: *mut zend_execute_data) {
    if !bottom.is_null() {
        // SAFETY: `bottom` is the bottom frame of the running fiber (recorded by `enter_body`).
        unsafe { (*bottom).prev_execute_data = std::ptr::null_mut() };
    }
}
