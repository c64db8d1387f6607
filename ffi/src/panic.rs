//! The panic boundary every exported function runs inside: a panic never unwinds into C.
//!
//! Every export is written `#[no_mangle] pub extern "C" fn procpool_...(...) { guard(|| ...) }` (or
//! `guard_or`), in plain sight, so that cbindgen reads it without expanding macros; `tests/exports.rs`
//! fails when an `extern "C" fn` of `src/` lacks `#[no_mangle]` right above it or does not start its
//! body with `guard(` / `guard_or(`.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::last_error;
use crate::result::{procpool_result, FfiResult, PROCPOOL_ERR_PANIC, PROCPOOL_OK};

/// Runs a fallible body: Ok → `PROCPOOL_OK` (and the last error is cleared); an error → its code
/// (and its message becomes the last error); a panic → `PROCPOOL_ERR_PANIC` with the panic's text.
pub(crate) fn guard(body: impl FnOnce() -> FfiResult) -> procpool_result {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => {
            last_error::clear();
            PROCPOOL_OK
        }
        Ok(Err(error)) => {
            last_error::set(error.message);
            error.code
        }
        Err(payload) => {
            last_error::set(format!(
                "procpool panicked (a bug in procpool): {}",
                panic_text(&*payload)
            ));
            PROCPOOL_ERR_PANIC
        }
    }
}

/// Runs an infallible body; a panic gives `fallback` instead (the last error is left alone).
pub(crate) fn guard_or<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

fn panic_text(payload: &(dyn Any + Send)) -> &str {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text
    } else {
        "(no message)"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::{FfiError, PROCPOOL_ERR_INVALID_ARGUMENT};

    fn last_message() -> String {
        let mut buf = [0 as std::ffi::c_char; 256];
        crate::last_error::procpool_last_error_message(buf.as_mut_ptr(), buf.len());
        // SAFETY: NUL-terminated by procpool_last_error_message.
        unsafe { std::ffi::CStr::from_ptr(buf.as_ptr()) }
            .to_string_lossy()
            .into_owned()
    }

    #[test]
    fn ok_error_and_panic() {
        assert_eq!(guard(|| Err(FfiError::invalid("bad"))), PROCPOOL_ERR_INVALID_ARGUMENT);
        assert_eq!(last_message(), "bad");
        assert_eq!(guard(|| Ok(())), PROCPOOL_OK);
        assert_eq!(last_message(), "");
        assert_eq!(guard(|| panic!("oops {}", 42)), PROCPOOL_ERR_PANIC);
        assert!(last_message().ends_with("oops 42"), "{}", last_message());
        assert_eq!(guard_or(7, || -> i32 { panic!("x") }), 7);
    }
}
