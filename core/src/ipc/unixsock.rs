//! SWOOLE_IPC_UNIXSOCK: one datagram socketpair per worker, made before the first fork, so the
//! manager and every worker hold a way to reach every worker. For worker i the pair is
//! (`send_end`, `recv_end`): anyone writes to `send_end` i, worker i reads `recv_end` i. The manager
//! keeps every `recv_end`, so a replacement inherits its slot's socket and messages sent while a
//! worker is being replaced wait for it there.
//!
//! Sending blocks while the destination's socket buffer is full (never drops), except from the
//! manager, which must never block: there a full buffer is an error.
//!
//! Both ends of every pair get SO_SNDBUF and SO_RCVBUF of [`SOCKET_BUFFER_REQUEST`], so that one
//! datagram carries a message of up to [`MAX_DATAGRAM`] bytes without the message bus, as in
//! Swoole's pool (its UnixSocket asks for 8 MiB, which a stock kernel caps to the same size).

use std::mem::MaybeUninit;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use super::Delivery;
use crate::config::PoolConfig;
use crate::error::{Error, Result};
use crate::event::Outcome;
use crate::fd::{self, interrupted};
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
            let pair = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
            set_buffer_sizes(pair.0.as_raw_fd());
            set_buffer_sizes(pair.1.as_raw_fd());
            pairs.push(pair);
        }
        Ok(SocketPairs { pairs })
    }

    /// (send end, receive end) of every worker, as raw fds for the runtime.
    pub fn raw(&self) -> Vec<(RawFd, RawFd)> {
        self.pairs.iter().map(|(a, b)| (a.as_raw_fd(), b.as_raw_fd())).collect()
    }
}

/// SO_SNDBUF and SO_RCVBUF asked for on both ends of every pair: 212,992 bytes, the stock
/// net.core.wmem_max / rmem_max. The kernel doubles what it grants (for its bookkeeping), so a
/// socket can hold 425,984 bytes and a datagram can be [`MAX_DATAGRAM`] bytes long: on a stock
/// kernel exactly what Swoole's pool gets from its 8 MiB request (which the kernel caps at
/// wmem_max). Asking for the capped size instead of 8 MiB keeps that limit the same where the
/// sysctls were raised (a datagram of several MiB would then be accepted by some kernels and not by
/// others, depending on whether it can allocate one contiguous block for it).
pub const SOCKET_BUFFER_REQUEST: usize = 212_992;

/// The longest message that travels as one datagram without the message bus: 2 × 212,992 − 32
/// (the kernel refuses a datagram longer than the send buffer less 32 bytes). A longer one is
/// refused with an error naming `enable_message_bus`. Where net.core.wmem_max is below its stock
/// value the kernel's own limit is lower.
pub const MAX_DATAGRAM: usize = 2 * SOCKET_BUFFER_REQUEST - 32;

/// Asks for SOCKET_BUFFER_REQUEST bytes of send and receive buffer on `fd`; best effort, like
/// Swoole's (a kernel that refuses keeps its defaults, and long messages are refused at sending).
fn set_buffer_sizes(fd: RawFd) {
    let bytes = SOCKET_BUFFER_REQUEST as libc::c_int;
    for option in [libc::SO_SNDBUF, libc::SO_RCVBUF] {
        // SAFETY: setsockopt reads one c_int from a live local.
        unsafe {
            libc::setsockopt(
                fd,
                libc::SOL_SOCKET,
                option,
                (&bytes as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
    }
}

/// The longest datagram `fd`'s pair carries: its send buffer less 32 bytes (MAX_DATAGRAM when the
/// buffer is what was asked for).
pub(crate) fn max_datagram(fd: RawFd) -> usize {
    let mut bytes: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: getsockopt writes at most `len` bytes into a live local c_int.
    let ok = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_SNDBUF,
            (&mut bytes as *mut libc::c_int).cast(),
            &mut len,
        )
    } == 0;
    if ok && bytes > 32 {
        bytes as usize - 32
    } else {
        MAX_DATAGRAM
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
    if data.len() <= message_bus::CHUNK_PAYLOAD {
        // One chunk: the common case of small messages, without the iterator's arithmetic.
        let header = message_bus::ChunkHeader {
            sender_pid,
            message_id,
            total_len: data.len() as u64,
            offset: 0,
        };
        return send_datagram(fd, &header.encode(), data, blocking);
    }
    for (header, payload) in message_bus::chunks(data, sender_pid, message_id) {
        send_datagram(fd, &header.encode(), payload, blocking)?;
    }
    Ok(())
}

fn send_datagram(fd: RawFd, header: &[u8], payload: &[u8], blocking: Blocking) -> Result<()> {
    loop {
        // Never block inside sendmsg: a worker must stay able to notice SIGTERM while the
        // destination's buffer is full (nobody may drain it during a shutdown).
        let n = if header.is_empty() {
            // One buffer: the kernel's fast path (no iovec array to import).
            // SAFETY: send reads `payload.len()` bytes from a live slice.
            unsafe {
                libc::send(
                    fd,
                    payload.as_ptr().cast(),
                    payload.len(),
                    libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL,
                )
            }
        } else {
            fd::send_two(fd, header, payload, libc::MSG_DONTWAIT)
        };
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

/// The bus keeps the buffer of the last message for the next one; above this size it is freed once
/// the worker has been idle for IDLE_TRIM.
const SPARE_KEEP: usize = 1 << 20;
const IDLE_TRIM: Duration = Duration::from_secs(1);

/// The worker loop: one `Message` per datagram (or per reassembled bus message).
pub(crate) fn serve(delivery: &mut dyn Delivery, recv_fd: RawFd, wake_fd: RawFd, config: &PoolConfig) -> Outcome {
    if config.enable_message_bus {
        serve_bus(delivery, recv_fd, wake_fd)
    } else {
        serve_datagrams(delivery, recv_fd, wake_fd, config.max_package_size)
    }
}

/// Without the bus: one datagram, cut to max_package_size, is one message. The buffer is made once:
/// max_package_size, or the longest datagram the socket carries if that is less.
fn serve_datagrams(delivery: &mut dyn Delivery, recv_fd: RawFd, wake_fd: RawFd, max_package_size: usize) -> Outcome {
    let mut buf = vec![0u8; max_package_size.min(max_datagram(recv_fd)).max(1)];
    loop {
        if delivery.must_leave() {
            return Outcome::Normal;
        }
        // Take what is there first; wait only when the socket is empty (one syscall per message
        // under load instead of poll + recv).
        // SAFETY: recv into our own buffer.
        let n = unsafe { libc::recv(recv_fd, buf.as_mut_ptr().cast(), buf.len(), libc::MSG_DONTWAIT) };
        if n < 0 {
            recv_failed(recv_fd, wake_fd, -1);
            continue;
        }
        if let Outcome::Fatal { exit_code } = delivery.message(&buf[..n as usize]) {
            return Outcome::Fatal { exit_code };
        }
    }
}

/// With the bus: datagrams are received straight into the message they belong to (see
/// `Reassembler::receive`); a whole message goes to `Message` from where it was received.
fn serve_bus(delivery: &mut dyn Delivery, recv_fd: RawFd, wake_fd: RawFd) -> Outcome {
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
        // SAFETY: recv_into reports what recv(2) / recvmsg(2) wrote into the buffers, in order, as
        // `receive` requires.
        let received = unsafe {
            reassembler.receive(Instant::now, |first, second| {
                recv_into(recv_fd, first, second, libc::MSG_DONTWAIT)
            })
        };
        let outcome = match received {
            Err(()) => {
                // Nothing there (or a failure): wait, waking up to check partial messages and
                // to free a big spare buffer when idle.
                let timeout = if reassembler.has_partials() {
                    PARTIAL_CHECK.as_millis() as i32
                } else if reassembler.spare_capacity() > SPARE_KEEP {
                    IDLE_TRIM.as_millis() as i32
                } else {
                    -1
                };
                if recv_failed(recv_fd, wake_fd, timeout) == Waited::TimedOut {
                    reassembler.trim_spare(SPARE_KEEP);
                }
                continue;
            }
            Ok(Ok(Some((_sender, message)))) => delivery.message(message),
            Ok(Ok(None)) => Outcome::Normal,
            Ok(Err(e)) => {
                warning!("message bus: {e}");
                Outcome::Normal
            }
        };
        if let Outcome::Fatal { exit_code } = outcome {
            return Outcome::Fatal { exit_code };
        }
    }
}

/// One datagram into `first`, or across `first` then `second` when that is not empty (recv(2),
/// or recvmsg(2) with two iovecs; a longer datagram is cut); the bytes written, or Err with errno
/// set. One buffer is the usual case: the kernel copies into it faster than into two.
fn recv_into(
    fd: RawFd,
    first: &mut [MaybeUninit<u8>],
    second: &mut [MaybeUninit<u8>],
    flags: i32,
) -> std::result::Result<usize, ()> {
    let n = if second.is_empty() {
        // SAFETY: recv writes at most first.len() bytes into a buffer we hold mutably.
        unsafe { libc::recv(fd, first.as_mut_ptr().cast(), first.len(), flags) }
    } else {
        let mut iov = [
            libc::iovec {
                iov_base: first.as_mut_ptr().cast(),
                iov_len: first.len(),
            },
            libc::iovec {
                iov_base: second.as_mut_ptr().cast(),
                iov_len: second.len(),
            },
        ];
        // SAFETY: an all-zero msghdr is valid (no address, no control data); recvmsg writes only
        // into the two iovecs, which cover buffers we hold mutably for the call.
        unsafe {
            let mut msg: libc::msghdr = std::mem::zeroed();
            msg.msg_iov = iov.as_mut_ptr();
            msg.msg_iovlen = 2;
            libc::recvmsg(fd, &mut msg, flags)
        }
    };
    if n < 0 {
        Err(())
    } else {
        Ok(n as usize)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Waited {
    /// Something happened (data, a signal, SIGTERM's wake byte), or the recv failed for another
    /// reason than an empty socket.
    Woken,
    /// `timeout_ms` passed with nothing to read.
    TimedOut,
}

/// After a recv that returned nothing: waits for data when the socket was empty (EAGAIN/EINTR),
/// otherwise reports the failure and backs off instead of spinning.
fn recv_failed(recv_fd: RawFd, wake_fd: RawFd, timeout_ms: i32) -> Waited {
    if !fd::retryable() {
        warning!(
            "recv (UNIXSOCK) failed: {}; retrying in {} ms",
            std::io::Error::last_os_error(),
            RECV_FAILURE_BACKOFF.as_millis()
        );
        std::thread::sleep(RECV_FAILURE_BACKOFF);
        return Waited::Woken;
    }
    wait_readable(recv_fd, wake_fd, timeout_ms)
}

/// Sleeps until `fd` is readable, SIGTERM wrote to the wake pipe, or `timeout_ms` passed.
fn wait_readable(fd: RawFd, wake_fd: RawFd, timeout_ms: i32) -> Waited {
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
    let ready = unsafe { libc::poll(fds.as_mut_ptr(), 2, timeout_ms) };
    if fds[1].revents != 0 {
        worker_signals::drain_wake(wake_fd);
    }
    if ready == 0 {
        Waited::TimedOut
    } else {
        Waited::Woken
    }
}

fn process_alive(pid: u32) -> bool {
    // SAFETY: kill with signal 0 only checks the pid.
    unsafe { libc::kill(pid as i32, 0) == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM) }
}
