//! SWOOLE_IPC_UNIXSOCK: one datagram socketpair per worker, made before the first fork, so the
//! manager and every worker hold a way to reach every worker. For worker i the pair is
//! (`send_end`, `recv_end`): anyone writes to `send_end` i, worker i reads `recv_end` i. The manager
//! keeps every `recv_end`, so a replacement inherits its slot's socket and messages sent while a
//! worker is being replaced wait for it there.
//!
//! Sending blocks while the destination's socket buffer is full (never drops), except from the
//! manager, which must never block: there a full buffer is an error.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crate::config::PoolConfig;
use crate::error::{Error, Result};
use crate::fd::{self, interrupted};
use super::Delivery;
use crate::event::Outcome;
use crate::log::warning;
use crate::message_bus::{self, Reassembler};
use crate::worker_signals;

#[derive(Debug)]
pub struct SocketPairs {
    pairs: Vec<(OwnedFd, OwnedFd)>,
}

impl SocketPairs {
    pub fn new(worker_num: usize) -> Result<SocketPairs> {
        let mut pairs = Vec::with_capacity(worker_num);
        for id in 0..worker_num {
            let mut fds = [0; 2];
            // SAFETY: socketpair fills the array.
            if unsafe {
                libc::socketpair(
                    libc::AF_UNIX,
                    libc::SOCK_DGRAM | libc::SOCK_CLOEXEC,
                    0,
                    fds.as_mut_ptr(),
                )
            } != 0
            {
                return Err(Error::last_os(format!("socketpair (worker#{id})")));
            }
            // SAFETY: fresh fds owned by nothing else.
            pairs.push(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) });
        }
        Ok(SocketPairs { pairs })
    }

    /// (send end, receive end) of every worker, as raw fds for the runtime.
    pub fn raw(&self) -> Vec<(RawFd, RawFd)> {
        self.pairs.iter().map(|(a, b)| (a.as_raw_fd(), b.as_raw_fd())).collect()
    }
}

static NEXT_MESSAGE_ID: AtomicU32 = AtomicU32::new(1);

/// How a send waits when the destination's buffer is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Blocking {
    Wait,
    Never,
}

/// Sends `data` as one datagram, or as message-bus chunks stamped with `sender_pid`.
pub(crate) fn send(fd: RawFd, data: &[u8], bus: Option<u32>, blocking: Blocking) -> Result<()> {
    let Some(sender_pid) = bus else {
        return send_datagram(fd, &[], data, blocking).map_err(|e| match e {
            Error::System { source, .. } if source.raw_os_error() == Some(libc::EMSGSIZE) => Error::InvalidArgument(format!(
                "a message of {} bytes does not fit in one datagram; set 'enable_message_bus' => true to send messages of any size",
                data.len()
            )),
            other => other,
        });
    };
    let message_id = NEXT_MESSAGE_ID.fetch_add(1, Ordering::Relaxed);
    for (header, payload) in message_bus::chunks(data, sender_pid, message_id) {
        send_datagram(fd, &header.encode(), payload, blocking)?;
    }
    Ok(())
}

fn send_datagram(fd: RawFd, header: &[u8], payload: &[u8], blocking: Blocking) -> Result<()> {
    loop {
        // Never block inside sendmsg: a worker must stay able to notice SIGTERM while the
        // destination's buffer is full (nobody may drain it during a shutdown).
        let n = fd::send_two(fd, header, payload, libc::MSG_DONTWAIT);
        if n >= 0 {
            return Ok(());
        }
        let full = std::io::Error::last_os_error().raw_os_error() == Some(libc::EAGAIN);
        if !full && !interrupted() {
            return Err(Error::last_os("sendmsg (UNIXSOCK)"));
        }
        if full && blocking == Blocking::Never {
            return Err(Error::WouldBlock(
                "the destination's socket buffer is full (the manager never waits for it to drain)".into(),
            ));
        }
        if worker_signals::term_requested() {
            return Err(Error::WouldBlock(
                "not sent: this worker is stopping and the destination's socket buffer is full".into(),
            ));
        }
        if full {
            let mut pfd = libc::pollfd {
                fd,
                events: libc::POLLOUT,
                revents: 0,
            };
            // SAFETY: poll on one pollfd we own; the timeout bounds how late SIGTERM is noticed.
            unsafe { libc::poll(&mut pfd, 1, SEND_WAIT_SLICE_MS) };
        }
    }
}

/// A worker waiting for room in a destination's buffer looks at its SIGTERM flag this often.
const SEND_WAIT_SLICE_MS: i32 = 100;

/// Receives one datagram into `buf` (a longer one is cut to the buffer's size); None when nothing
/// came before `timeout_ms` or a signal arrived.
pub(crate) fn receive(fd: RawFd, buf: &mut [u8], timeout_ms: i32) -> Result<Option<usize>> {
    let mut pfd = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: poll on one pollfd we own.
    let ready = unsafe { libc::poll(&mut pfd, 1, timeout_ms) };
    if ready == 0 || (ready < 0 && interrupted()) {
        return Ok(None);
    }
    if ready < 0 {
        return Err(Error::last_os("poll (UNIXSOCK)"));
    }
    // SAFETY: recv into our own buffer.
    let n = unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), libc::MSG_DONTWAIT) };
    if n >= 0 {
        return Ok(Some(n as usize));
    }
    if fd::retryable() {
        return Ok(None);
    }
    Err(Error::last_os("recv (UNIXSOCK)"))
}

/// After a recv failure that waiting cannot cure, the loop pauses this long before trying again.
const RECV_FAILURE_BACKOFF: Duration = Duration::from_millis(100);

/// While a partial bus message waits, the loop wakes this often to check its sender.
const PARTIAL_CHECK: Duration = Duration::from_secs(1);

/// The worker loop: one `Message` per datagram (or per reassembled bus message).
pub(crate) fn serve(delivery: &mut dyn Delivery, recv_fd: RawFd, wake_fd: RawFd, config: &PoolConfig) -> Outcome {
    let bus = config.enable_message_bus;
    let mut buf = vec![
        0u8;
        if bus {
            message_bus::HEADER_LEN + message_bus::CHUNK_PAYLOAD
        } else {
            config.max_package_size
        }
    ];
    let mut reassembler = Reassembler::new();
    let mut next_partial_check = Instant::now() + PARTIAL_CHECK;
    loop {
        if delivery.must_leave() {
            return Outcome::Normal;
        }
        if reassembler.has_partials() && Instant::now() >= next_partial_check {
            for (pid, bytes) in reassembler.expire(Instant::now(), process_alive) {
                warning!("dropped a partial message ({bytes} bytes) from pid {pid}: its sender died or went silent");
            }
            next_partial_check = Instant::now() + PARTIAL_CHECK;
        }
        // Take what is there first; wait only when the socket is empty (one syscall per message
        // under load instead of poll + recv).
        // SAFETY: recv into our own buffer.
        let n = unsafe { libc::recv(recv_fd, buf.as_mut_ptr().cast(), buf.len(), libc::MSG_DONTWAIT) };
        if n < 0 {
            if !fd::retryable() {
                // Not a matter of waiting for data: report it, and back off instead of spinning.
                warning!(
                    "recv (UNIXSOCK) failed: {}; retrying in {} ms",
                    std::io::Error::last_os_error(),
                    RECV_FAILURE_BACKOFF.as_millis()
                );
                std::thread::sleep(RECV_FAILURE_BACKOFF);
                continue;
            }
            let timeout = if reassembler.has_partials() {
                PARTIAL_CHECK.as_millis() as i32
            } else {
                -1
            };
            wait_readable(recv_fd, wake_fd, timeout);
            continue;
        }
        let len = n as usize;
        let outcome = if bus {
            match reassembler.feed(&buf[..len], Instant::now()) {
                Ok(Some((_sender, message))) => delivery.message(&message),
                Ok(None) => Outcome::Normal,
                Err(e) => {
                    warning!("message bus: {e}");
                    Outcome::Normal
                }
            }
        } else {
            delivery.message(&buf[..len])
        };
        if let Outcome::Fatal { exit_code } = outcome {
            return Outcome::Fatal { exit_code };
        }
    }
}

/// Sleeps until `fd` is readable, SIGTERM wrote to the wake pipe, or `timeout_ms` passed.
fn wait_readable(fd: RawFd, wake_fd: RawFd, timeout_ms: i32) {
    let mut fds = [
        libc::pollfd {
            fd,
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
    unsafe { libc::poll(fds.as_mut_ptr(), 2, timeout_ms) };
    if fds[1].revents != 0 {
        worker_signals::drain_wake(wake_fd);
    }
}

fn process_alive(pid: u32) -> bool {
    // SAFETY: kill with signal 0 only checks the pid.
    unsafe { libc::kill(pid as i32, 0) == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM) }
}
