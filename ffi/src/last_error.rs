//! The message of the last failed call, kept per thread (like `errno`) and rendered into a
//! caller's buffer by `procpool_last_error_message`.

use std::cell::RefCell;
use std::ffi::c_char;

use crate::panic::guard_or;

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

pub(crate) fn set(message: String) {
    LAST_ERROR.with(|slot| *slot.borrow_mut() = message);
}

pub(crate) fn clear() {
    LAST_ERROR.with(|slot| slot.borrow_mut().clear());
}

/// Copies `message` into `buf` (capacity `len`) as a NUL-terminated string, cut at a UTF-8 character
/// boundary when it does not fit. Returns the full length of the message in bytes, without the NUL.
fn render(message: &str, buf: *mut c_char, len: usize) -> usize {
    if !buf.is_null() && len > 0 {
        let mut n = message.len().min(len - 1);
        while !message.is_char_boundary(n) {
            n -= 1;
        }
        // SAFETY: the caller promises `buf` has room for `len` bytes; n + 1 <= len.
        unsafe {
            std::ptr::copy_nonoverlapping(message.as_ptr(), buf.cast::<u8>(), n);
            *buf.add(n) = 0;
        }
    }
    message.len()
}

/// Writes the message of the last call on this thread that returned an error into `buf`.
///
/// Every function returning a `procpool_result` sets this message when it fails and clears it when
/// it succeeds; other functions leave it alone. The message is NUL-terminated and cut to fit
/// `len` bytes (NUL included). `buf` may be NULL (with any `len`) to ask only for the length.
///
/// Returns the full length of the message in bytes, not counting the NUL: a return value `>= len`
/// means the text was truncated. Returns 0 (and writes `""` when there is room) when there is no error.
///
/// Ownership: `buf` stays the caller's; nothing is kept after the call.
#[no_mangle]
pub extern "C" fn procpool_last_error_message(buf: *mut c_char, len: usize) -> usize {
    guard_or(0, || LAST_ERROR.with(|slot| render(&slot.borrow(), buf, len)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(message: &str, len: usize) -> (usize, String) {
        let mut buf = vec![0x55 as c_char; len.max(1)];
        let full = render(
            message,
            if len == 0 {
                std::ptr::null_mut()
            } else {
                buf.as_mut_ptr()
            },
            len,
        );
        let text = if len == 0 {
            String::new()
        } else {
            // SAFETY: render wrote a NUL inside buf.
            unsafe { std::ffi::CStr::from_ptr(buf.as_ptr()) }
                .to_string_lossy()
                .into_owned()
        };
        (full, text)
    }

    #[test]
    fn fits_truncates_and_measures() {
        assert_eq!(rendered("hello", 16), (5, "hello".into()));
        assert_eq!(rendered("hello", 6), (5, "hello".into()));
        assert_eq!(rendered("hello", 5), (5, "hell".into()));
        assert_eq!(rendered("hello", 1), (5, "".into()));
        assert_eq!(rendered("hello", 0), (5, "".into()));
        assert_eq!(rendered("", 4), (0, "".into()));
        // "é" is two bytes: never cut in the middle of it.
        assert_eq!(rendered("aé", 3), (3, "a".into()));
    }

    #[test]
    fn set_and_clear_per_thread() {
        set("boom".into());
        assert_eq!(procpool_last_error_message(std::ptr::null_mut(), 0), 4);
        std::thread::spawn(|| assert_eq!(procpool_last_error_message(std::ptr::null_mut(), 0), 0))
            .join()
            .unwrap();
        clear();
        assert_eq!(procpool_last_error_message(std::ptr::null_mut(), 0), 0);
    }
}
