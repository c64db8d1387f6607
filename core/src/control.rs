//! Worker → manager notices over a pipe made before the first fork. Each notice is one small
//! write (well under PIPE_BUF), so notices of many workers never interleave.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use crate::error::{Error, Result};
use crate::fd::set_nonblocking;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// The process `pid`, worker `worker_id`, has left the pool (`detach()`).
    Detached { pid: i32, worker_id: usize },
    /// A MSGQUEUE worker found the queue `queue_id` removed.
    QueueGone { queue_id: i32 },
}

const NOTICE_SIZE: usize = 12;
const KIND_DETACHED: u32 = 1;
const KIND_QUEUE_GONE: u32 = 2;

impl Notice {
    fn encode(self) -> [u8; NOTICE_SIZE] {
        let (kind, a, b) = match self {
            Notice::Detached { pid, worker_id } => (KIND_DETACHED, pid, worker_id as u32),
            Notice::QueueGone { queue_id } => (KIND_QUEUE_GONE, queue_id, 0),
        };
        let mut buf = [0u8; NOTICE_SIZE];
        buf[0..4].copy_from_slice(&kind.to_ne_bytes());
        buf[4..8].copy_from_slice(&a.to_ne_bytes());
        buf[8..12].copy_from_slice(&b.to_ne_bytes());
        buf
    }

    fn decode(chunk: &[u8]) -> Option<Notice> {
        let word = |at: usize| u32::from_ne_bytes([chunk[at], chunk[at + 1], chunk[at + 2], chunk[at + 3]]);
        match word(0) {
            KIND_DETACHED => Some(Notice::Detached {
                pid: word(4) as i32,
                worker_id: word(8) as usize,
            }),
            KIND_QUEUE_GONE => Some(Notice::QueueGone {
                queue_id: word(4) as i32,
            }),
            _ => None,
        }
    }
}

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
    let buf = notice.encode();
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
        notices.extend(buf[..n as usize].chunks_exact(NOTICE_SIZE).filter_map(Notice::decode));
    }
}
