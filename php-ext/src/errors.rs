//! `ProcPool\Exception` and the ways the extension reports misuse: exceptions, warnings, fatal errors.

use std::sync::atomic::{AtomicPtr, Ordering};

use ext_php_rs::builders::ClassBuilder;
use ext_php_rs::exception::PhpException;
use ext_php_rs::flags::ErrorType;
use ext_php_rs::zend::{ce, ClassEntry};

/// `ProcPool\Exception` (`Swoole\Exception`): a plain subclass of `\Exception`, constructible
/// from PHP (`throw new Swoole\Exception("x")`) with the parent's constructor and properties. It is
/// registered with a `ClassBuilder` and no Rust object behind it: a `#[php_class]` would refuse
/// `new` without a Rust constructor, and one would bypass `Exception::__construct`.
static EXCEPTION_CE: AtomicPtr<ClassEntry> = AtomicPtr::new(std::ptr::null_mut());

/// Registers the exception class; from the module's startup (MINIT).
pub fn register_exception_class() -> ext_php_rs::error::Result<()> {
    ClassBuilder::new("ProcPool\\Exception")
        .extends((ce::exception, "\\Exception"))
        .registration(|ce, _| EXCEPTION_CE.store(ce, Ordering::SeqCst))
        .register()
}

/// The exception class (`\Exception` if it could not be registered).
pub fn exception_ce() -> &'static ClassEntry {
    let ce = EXCEPTION_CE.load(Ordering::SeqCst);
    // SAFETY: a class entry registered in MINIT lives as long as the module.
    unsafe { ce.as_ref() }.unwrap_or_else(ce::exception)
}

pub fn pool_exception(message: impl Into<String>) -> PhpException {
    PhpException::new(message.into(), 0, exception_ce())
}

/// PHP's `\Error`, for misuse that Swoole reports with an Error (e.g. a second running pool).
pub fn error(message: impl Into<String>) -> PhpException {
    PhpException::new(message.into(), 0, ce::error())
}

pub fn type_error(message: impl Into<String>) -> PhpException {
    PhpException::new(message.into(), 0, ce::type_error())
}

/// `Warning: ProcPool\Pool::method(): message in file on line N`, as php_error_docref prints it.
pub fn warning(message: &str) {
    ext_php_rs::error::php_error(&ErrorType::Warning, message);
}

/// A fatal error: prints "Fatal error: ..." and ends the script. It never returns: E_ERROR makes the
/// engine bail out with a longjmp straight through the Rust frames between here and PHP.
///
/// # Safety
/// The longjmp skips every destructor on the way: the caller must hold no value whose drop matters
/// (no live `RefCell` borrow, lock guard or owned resource other than memory the script's end frees)
/// in any Rust frame between it and the engine.
pub unsafe fn fatal(message: &str) -> ! {
    ext_php_rs::error::php_error(&ErrorType::Error, message);
    unreachable!("E_ERROR bails out")
}

pub fn from_core(e: procpool::Error) -> PhpException {
    match e {
        procpool::Error::AlreadyRunning => error(format!("{e}")),
        other => pool_exception(other.to_string()),
    }
}
