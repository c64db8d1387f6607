//! Small fd helpers shared by the manager's pipes and sockets.

use std::os::fd::RawFd;

use crate::error::{Error, Result};

pub(crate) fn set_nonblocking(fd: RawFd) -> Result<()> {
    // SAFETY: fcntl on a valid fd.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags < 0 || libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) < 0 {
            return Err(Error::last_os("fcntl(O_NONBLOCK)"));
        }
    }
    Ok(())
}

/// True when the last OS error is EINTR (a signal interrupted the call: just retry).
pub(crate) fn interrupted() -> bool {
    std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR)
}

/// True when the last OS error is EINTR or EAGAIN: nothing failed, the call is just to be retried
/// (after waiting for readiness, for EAGAIN).
pub(crate) fn retryable() -> bool {
    matches!(
        std::io::Error::last_os_error().raw_os_error(),
        Some(libc::EINTR | libc::EAGAIN)
    )
}

/// sendmsg(2) of two buffers as one write (a header and its payload, without copying them together).
/// Never raises SIGPIPE: a vanished peer is an EPIPE error instead.
pub(crate) fn send_two(fd: RawFd, first: &[u8], second: &[u8], flags: i32) -> isize {
    let iov = [
        libc::iovec {
            iov_base: first.as_ptr() as *mut _,
            iov_len: first.len(),
        },
        libc::iovec {
            iov_base: second.as_ptr() as *mut _,
            iov_len: second.len(),
        },
    ];
    // SAFETY: sendmsg with iovecs over buffers that outlive the call.
    unsafe {
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_iov = iov.as_ptr() as *mut _;
        msg.msg_iovlen = 2;
        libc::sendmsg(fd, &msg, flags | libc::MSG_NOSIGNAL)
    }
}
