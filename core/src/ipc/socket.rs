//! SWOOLE_IPC_SOCKET in a worker: accept a connection on the shared listening socket, read one
//! frame (4-byte big-endian length + body), run `Message`, send the reply written with `write()`
//! (if any) as one frame, close. A bad client costs at most `read_timeout` and never stops the worker.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

use crate::config::PoolConfig;
use crate::fd;
use crate::frame::{reply_header, FrameError, FrameReader, Progress};
use super::Delivery;
use crate::event::Outcome;
use crate::log::{info, warning};
use crate::worker_signals;

pub(crate) fn serve(delivery: &mut dyn Delivery, listen_fd: RawFd, wake_fd: RawFd, config: &PoolConfig) -> Outcome {
    loop {
        if delivery.must_leave() {
            return Outcome::Normal;
        }
        // Try first, wait only when nothing is pending: under load this saves a poll() per request.
        // SAFETY: accept4 on the listening socket; the new fd is owned below.
        let conn = unsafe {
            libc::accept4(
                listen_fd,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK,
            )
        };
        if conn < 0 {
            if std::io::Error::last_os_error().raw_os_error() == Some(libc::EAGAIN) {
                wait_for_connection(listen_fd, wake_fd);
            } else {
                accept_failed();
            }
            continue;
        }
        // SAFETY: conn is a fresh fd nobody else owns.
        let conn = unsafe { OwnedFd::from_raw_fd(conn) };
        if let Outcome::Fatal { exit_code } = serve_connection(delivery, &conn, wake_fd, config) {
            return Outcome::Fatal { exit_code };
        }
    }
}

/// Sleeps until the listening socket has a connection or SIGTERM wrote to the wake pipe.
fn wait_for_connection(listen_fd: RawFd, wake_fd: RawFd) {
    let mut fds = [
        libc::pollfd {
            fd: listen_fd,
            events: libc::POLLIN,
            revents: 0,
        },
        libc::pollfd {
            fd: wake_fd,
            events: libc::POLLIN,
            revents: 0,
        },
    ];
    // SAFETY: poll on an array we own.
    unsafe { libc::poll(fds.as_mut_ptr(), 2, -1) };
    if fds[1].revents != 0 {
        worker_signals::drain_wake(wake_fd);
    }
}

fn accept_failed() {
    let err = std::io::Error::last_os_error();
    match err.raw_os_error() {
        // Another worker took the connection, a signal arrived, or the client gave up: carry on.
        Some(libc::EAGAIN | libc::EINTR | libc::ECONNABORTED | libc::EPROTO) => {}
        _ => {
            // EMFILE/ENFILE/ENOBUFS: back off briefly instead of spinning on a readable socket.
            warning!("accept() failed: {err}; retrying in 100 ms");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Once the worker is asked to stop, a connection it already accepted still gets this long (at most)
/// to deliver its request or take its reply, so that WorkerStop runs before max_wait_time's SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(1);

/// The time a connection may still take: `read_timeout` from now, cut short once SIGTERM arrived.
struct Deadline {
    at: Instant,
    wake_fd: RawFd,
    grace: Duration,
}

impl Deadline {
    fn new(config: &PoolConfig, wake_fd: RawFd) -> Deadline {
        let grace = if config.max_wait_time.is_zero() {
            STOP_GRACE
        } else {
            STOP_GRACE.min(config.max_wait_time / 2)
        };
        Deadline {
            at: Instant::now() + config.read_timeout,
            wake_fd,
            grace,
        }
    }

    /// Waits until `fd` is ready for `events`; false once the deadline passed.
    fn wait(&mut self, fd: RawFd, events: i16) -> bool {
        loop {
            if worker_signals::term_requested() {
                self.at = self.at.min(Instant::now() + self.grace);
            }
            let left = self.at.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            let timeout = left.as_millis().clamp(1, i32::MAX as u128) as i32;
            let mut fds = [
                libc::pollfd { fd, events, revents: 0 },
                libc::pollfd {
                    fd: self.wake_fd,
                    events: libc::POLLIN,
                    revents: 0,
                },
            ];
            // SAFETY: poll on an array we own.
            unsafe { libc::poll(fds.as_mut_ptr(), 2, timeout) };
            if fds[1].revents != 0 {
                worker_signals::drain_wake(self.wake_fd);
            }
            if fds[0].revents != 0 {
                return true;
            }
        }
    }
}

fn serve_connection(delivery: &mut dyn Delivery, conn: &OwnedFd, wake_fd: RawFd, config: &PoolConfig) -> Outcome {
    let mut deadline = Deadline::new(config, wake_fd);
    let request = match read_frame(conn.as_raw_fd(), config.max_package_size, &mut deadline) {
        Ok(request) => request,
        Err(why) => {
            info!("connection closed without a reply: {why}");
            return Outcome::Normal;
        }
    };
    let (outcome, reply) = delivery.request(&request);
    if !reply.is_empty() {
        let mut deadline = Deadline::new(config, wake_fd);
        match send_reply(conn.as_raw_fd(), &reply, &mut deadline) {
            Ok(()) => {
                deadline.at = deadline.at.min(Instant::now() + DRAIN_LIMIT);
                drain_unread_input(conn.as_raw_fd(), &mut deadline)
            }
            Err(why) => info!("reply of {} bytes not delivered: {why}", reply.len()),
        }
    }
    outcome
}

fn read_frame(fd: RawFd, max_len: usize, deadline: &mut Deadline) -> Result<Vec<u8>, String> {
    let mut reader = FrameReader::new(max_len);
    loop {
        let spare = reader.spare();
        // SAFETY: reading into the reader's own buffer.
        let n = unsafe { libc::read(fd, spare.as_mut_ptr().cast(), spare.len()) };
        if n > 0 {
            match reader.commit(n as usize) {
                Ok(Progress::Complete(body)) => return Ok(body),
                Ok(Progress::NeedMore) => continue,
                Err(e @ (FrameError::Empty | FrameError::TooLarge { .. })) => return Err(e.to_string()),
            }
        }
        if n == 0 {
            return Err(if reader.is_partial() {
                "client closed in the middle of a request"
            } else {
                "client closed before sending a request"
            }
            .into());
        }
        if !fd::retryable() {
            return Err(format!("read failed: {}", std::io::Error::last_os_error()));
        }
        if !deadline.wait(fd, libc::POLLIN) {
            return Err("no complete request within read_timeout (or the stop grace time)".into());
        }
    }
}

/// How long a worker keeps discarding a client's extra input after the reply (see below).
const DRAIN_LIMIT: Duration = Duration::from_secs(1);

/// Closing a TCP socket with unread input makes the kernel reset the connection, which can destroy
/// the end of a reply the client has not read yet. So when the client sent more than the one frame
/// served, half-close and discard its input until it closes (bounded by the deadline) before closing.
fn drain_unread_input(fd: RawFd, deadline: &mut Deadline) {
    let mut unread: libc::c_int = 0;
    // SAFETY: FIONREAD writes an int.
    if unsafe { libc::ioctl(fd, libc::FIONREAD, &mut unread) } != 0 || unread == 0 {
        return;
    }
    // SAFETY: shutdown/read on our connection, into our own buffer.
    unsafe { libc::shutdown(fd, libc::SHUT_WR) };
    let mut sink = [0u8; 16 * 1024];
    loop {
        // SAFETY: reading into our own buffer, at most its length.
        let n = unsafe { libc::read(fd, sink.as_mut_ptr().cast(), sink.len()) };
        if n == 0 || (n < 0 && !fd::retryable()) {
            return;
        }
        if n < 0 && !deadline.wait(fd, libc::POLLIN) {
            return;
        }
    }
}

fn send_reply(fd: RawFd, reply: &[u8], deadline: &mut Deadline) -> Result<(), String> {
    let header = reply_header(reply.len()).ok_or("reply larger than 4 GiB cannot be framed")?;
    let mut sent = 0usize;
    let total = header.len() + reply.len();
    while sent < total {
        let (a, b): (&[u8], &[u8]) = if sent < header.len() {
            (&header[sent..], reply)
        } else {
            (&[], &reply[sent - header.len()..])
        };
        let n = fd::send_two(fd, a, b, 0);
        if n > 0 {
            sent += n as usize;
            continue;
        }
        if !fd::retryable() {
            return Err(format!("send failed: {}", std::io::Error::last_os_error()));
        }
        if !deadline.wait(fd, libc::POLLOUT) {
            return Err("client did not read its reply within read_timeout (or the stop grace time)".into());
        }
    }
    Ok(())
}
