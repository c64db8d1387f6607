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
