//! `ProcPool\Exception` and the ways the extension reports misuse: exceptions, warnings, fatal errors.

use ext_php_rs::exception::PhpException;
use ext_php_rs::flags::ErrorType;
use ext_php_rs::prelude::*;
use ext_php_rs::zend::ce;

#[php_class]
#[php(name = "ProcPool\\Exception")]
#[php(extends(ce = ce::exception, stub = "\\Exception"))]
#[derive(Default)]
pub struct PoolException;

pub fn pool_exception(message: impl Into<String>) -> PhpException {
    PhpException::from_class::<PoolException>(message.into())
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
