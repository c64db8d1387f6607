//! The few places where a C pointer is dereferenced, after the caller checked it for NULL.
//! As in rustls-ffi, the exported functions keep safe signatures and document their pointer
//! contracts; these helpers hold the unsafe blocks.

/// Writes `value` through a non-NULL out-parameter.
pub(crate) fn write_out<T>(out: *mut T, value: T) {
    debug_assert!(!out.is_null());
    // SAFETY: callers check `out` for NULL first; the C caller gives a writable, aligned pointer.
    unsafe { out.write(value) }
}

/// Gives a heap value to C as an owned pointer.
pub(crate) fn into_raw<T>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// Borrows a value given to C by `into_raw`, or None for NULL.
pub(crate) fn borrow<'a, T>(ptr: *const T) -> Option<&'a T> {
    // SAFETY: non-NULL pointers come from into_raw and were not freed (the C caller's promise).
    unsafe { ptr.as_ref() }
}

/// Takes back and drops a non-NULL value given to C by `into_raw`.
pub(crate) fn free<T>(ptr: *mut T) {
    debug_assert!(!ptr.is_null());
    // SAFETY: made by into_raw, not freed before (the C caller's promise).
    drop(unsafe { Box::from_raw(ptr) });
}

/// Borrows a non-NULL C string for the duration of a call.
pub(crate) fn c_str<'a>(ptr: *const std::ffi::c_char) -> &'a std::ffi::CStr {
    debug_assert!(!ptr.is_null());
    // SAFETY: callers check for NULL first; the C caller promises a NUL-terminated string that
    // stays alive during the call.
    unsafe { std::ffi::CStr::from_ptr(ptr) }
}

/// Borrows `len` bytes at a non-NULL pointer for the duration of a call.
pub(crate) fn bytes<'a>(data: *const u8, len: usize) -> &'a [u8] {
    debug_assert!(!data.is_null());
    // SAFETY: callers check for NULL first; the C caller promises `len` readable bytes that stay
    // alive during the call.
    unsafe { std::slice::from_raw_parts(data, len) }
}

/// Copies `src` to a non-NULL C buffer that the caller promised holds at least `src.len()` bytes.
pub(crate) fn copy_to(dst: *mut u8, src: &[u8]) {
    debug_assert!(!dst.is_null() || src.is_empty());
    if !src.is_empty() {
        // SAFETY: callers check `dst` for NULL and only pass up to the capacity the C caller gave.
        unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), dst, src.len()) }
    }
}
