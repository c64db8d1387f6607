//! Worker → manager notices over a pipe made before the first fork. Each notice is one small
//! write (well under PIPE_BUF), so notices of many workers never interleave.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use crate::error::{Error, Result};
use crate::fd::set_nonblocking;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// The process `pid`, worker `worker_id`, has left the pool (`detach()`).
    Detached { pid: i32, worker_id: usize },
}

const NOTICE_SIZE: usize = 12;
const KIND_DETACHED: u32 = 1;

pub struct ControlPipe {
    pub read: OwnedFd,
    pub write: OwnedFd,
}

impl ControlPipe {
    pub fn new() -> Result<ControlPipe> {
        let mut fds = [0; 2];
        // Close-on-exec so a worker that exec()s drops its end; the read end is non-blocking so the
        // manager can drain it after poll() without ever stalling.
        // SAFETY: pipe2 writes two fds into the array.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            return Err(Error::last_os("pipe2 (manager control pipe)"));
        }
        // SAFETY: both fds were just created and are owned by nothing else.
        let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        set_nonblocking(read.as_raw_fd())?;
        Ok(ControlPipe { read, write })
    }
}

pub fn send(write_fd: RawFd, notice: Notice) -> Result<()> {
    let Notice::Detached { pid, worker_id } = notice;
    let mut buf = [0u8; NOTICE_SIZE];
    buf[0..4].copy_from_slice(&KIND_DETACHED.to_ne_bytes());
    buf[4..8].copy_from_slice(&pid.to_ne_bytes());
    buf[8..12].copy_from_slice(&(worker_id as u32).to_ne_bytes());
    loop {
        // SAFETY: writing our own buffer to a pipe fd.
        let n = unsafe { libc::write(write_fd, buf.as_ptr().cast(), NOTICE_SIZE) };
        if n == NOTICE_SIZE as isize {
            return Ok(());
        }
        if n < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
            continue;
        }
        return Err(Error::last_os("write to the manager's control pipe"));
    }
}

/// Reads every notice waiting in the pipe.
pub fn drain(read_fd: RawFd) -> Vec<Notice> {
    let mut notices = Vec::new();
    let mut buf = [0u8; NOTICE_SIZE * 64];
    loop {
        // SAFETY: reading into our own buffer.
        let n = unsafe { libc::read(read_fd, buf.as_mut_ptr().cast(), buf.len()) };
        if n <= 0 {
            if n < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            return notices;
        }
        // Writes are atomic and whole, so reads come back in whole notices.
        for chunk in buf[..n as usize].chunks_exact(NOTICE_SIZE) {
            let kind = u32::from_ne_bytes(chunk[0..4].try_into().unwrap());
            let pid = i32::from_ne_bytes(chunk[4..8].try_into().unwrap());
            let worker_id = u32::from_ne_bytes(chunk[8..12].try_into().unwrap()) as usize;
            if kind == KIND_DETACHED {
                notices.push(Notice::Detached { pid, worker_id });
            }
        }
    }
}
