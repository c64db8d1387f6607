//! SWOOLE_IPC_SOCKET in a worker: accept connections on the shared listening socket, read one frame
//! per connection (4-byte big-endian length + body), run `Message`, send the reply written with
//! `write()` (if any) as one frame, close.
//!
//! A worker holds many connections at once (at most `max_connections`), all non-blocking, and waits
//! for all of them in ONE poll() together with the listening socket and its wake pipe (SIGTERM).
//! `Message` runs only for a complete frame, so idle or slow clients cost a worker an fd and a few
//! bytes each, never its time: they are closed after `header_timeout` (no header yet) or
//! `read_timeout` (no whole request), counted from the accept. A reply the client does not take at
//! once stays buffered on its connection and is sent as POLLOUT allows, for at most `read_timeout`.
//! A full worker leaves the listening socket out of its poll: the kernel backlog and the other
//! workers take the load.
//!
//! The wait costs no syscall that is not needed: a worker tries accept4 first and polls only when
//! it gets EAGAIN; it reads a new connection at once (its request is usually there already, and one
//! read into a scratch buffer takes the header and a small body together); it polls with a zero
//! timeout only after a burst of accepts, to look at the connections it holds. So a request costs
//! accept4, read, sendmsg, ioctl(FIONREAD), close under load (bench/README.md has the counts).

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

use super::Delivery;
use crate::config::PoolConfig;
use crate::event::Outcome;
use crate::fd;
use crate::frame::{reply_header, FrameError, FrameReader, Progress, HEADER_LEN};
use crate::log::{info, warning};
use crate::worker_signals;

/// Once the worker is asked to stop, the connections it holds still get this long (at most) to
/// deliver their request or take their reply, so that WorkerStop runs before max_wait_time's SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(1);

/// How long a worker keeps discarding a client's extra input after the reply (see `State::Draining`).
const DRAIN_LIMIT: Duration = Duration::from_secs(1);

/// Connections accepted in a row before the worker looks at the ones it holds (a zero-timeout poll).
const ACCEPT_BURST: usize = 16;

/// After accept() failed for lack of fds or memory, the worker accepts nothing for this long.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// The worker's one read buffer: a request's first read lands here (header and a small body in one
/// read), as do the bytes discarded while draining. Its size depends on nothing a client sends.
const SCRATCH_LEN: usize = 64 * 1024;

pub(crate) fn serve(delivery: &mut dyn Delivery, listen_fd: RawFd, wake_fd: RawFd, config: &PoolConfig) -> Outcome {
    let grace = if config.max_wait_time.is_zero() {
        STOP_GRACE
    } else {
        STOP_GRACE.min(config.max_wait_time / 2)
    };
    let mut server = Server {
        listen_fd,
        wake_fd,
        grace,
        conns: Vec::new(),
        pollfds: Vec::new(),
        stop_by: None,
        accept_paused_until: None,
        listen_known_idle: false,
        io: Io {
            config,
            scratch: vec![0; SCRATCH_LEN],
            fatal: None,
        },
    };
    server.run(delivery)
}

/// Where a connection is in its one request.
enum State {
    /// Receiving the request frame.
    Reading(FrameReader),
    /// Sending the reply frame: its header, the reply, and how many bytes of both went out.
    Writing {
        header: [u8; HEADER_LEN],
        reply: Vec<u8>,
        sent: usize,
    },
    /// The reply is out, but the client sent more than the one frame. Closing a TCP socket with
    /// unread input makes the kernel reset the connection, which can destroy the end of a reply the
    /// client has not read yet. So the worker half-closed it and discards its input until it closes
    /// (bounded by `DRAIN_LIMIT`), then closes.
    Draining,
}

struct Conn {
    fd: OwnedFd,
    state: State,
    accepted: Instant,
    /// When the connection is closed if it is still here; depends on the state (see `Io::advance`).
    deadline: Instant,
    /// Request bytes received so far (the header is whole at `HEADER_LEN`).
    received: usize,
    /// The client sent more than its one frame (seen in a read).
    extra_input: bool,
}

impl Conn {
    fn new(fd: OwnedFd, config: &PoolConfig) -> Conn {
        let accepted = Instant::now();
        Conn {
            fd,
            state: State::Reading(FrameReader::new(config.max_package_size)),
            accepted,
            deadline: accepted + config.header_timeout.min(config.read_timeout),
            received: 0,
            extra_input: false,
        }
    }

    fn events(&self) -> i16 {
        match self.state {
            State::Writing { .. } => libc::POLLOUT,
            State::Reading(_) | State::Draining => libc::POLLIN,
        }
    }

    /// Why the connection is closed when its own deadline passes (None: quietly).
    fn expiry_reason(&self, config: &PoolConfig) -> Option<String> {
        match &self.state {
            State::Reading(_) if self.received < HEADER_LEN && config.header_timeout < config.read_timeout => {
                Some(format!(
                    "connection closed without a reply: no request header within header_timeout ({:?})",
                    config.header_timeout
                ))
            }
            State::Reading(_) => Some(format!(
                "connection closed without a reply: no complete request within read_timeout ({:?})",
                config.read_timeout
            )),
            State::Writing { reply, .. } => Some(format!(
                "reply of {} bytes not delivered: the client did not read it within read_timeout ({:?})",
                reply.len(),
                config.read_timeout
            )),
            State::Draining => None,
        }
    }
}

/// What `Io::advance` left a connection in.
#[derive(PartialEq, Eq)]
enum Step {
    /// Waiting for the socket (`Conn::events`).
    Wait,
    /// Done with, or given up: drop it (which closes it).
    Close,
}

/// What one connection's work needs, apart from the list of connections.
struct Io<'a> {
    config: &'a PoolConfig,
    scratch: Vec<u8>,
    /// `Message` returned Fatal: no more `Message`, the worker exits with this code.
    fatal: Option<i32>,
}

struct Server<'a> {
    listen_fd: RawFd,
    wake_fd: RawFd,
    grace: Duration,
    conns: Vec<Conn>,
    pollfds: Vec<libc::pollfd>,
    /// Set once the worker must leave: nothing more is accepted, the connections held get until then.
    stop_by: Option<Instant>,
    /// accept() failed for lack of resources: no accept before then.
    accept_paused_until: Option<Instant>,
    /// The last poll watched the listening socket and it had nothing: no accept4 before the next poll.
    listen_known_idle: bool,
    io: Io<'a>,
}

impl Server<'_> {
    fn run(&mut self, delivery: &mut dyn Delivery) -> Outcome {
        loop {
            self.check_leave(delivery);
            if self.done() {
                break;
            }
            // `more`: the burst ended with accept4 still succeeding; don't block before trying again.
            let listen_known_idle = std::mem::take(&mut self.listen_known_idle);
            let more = if self.accepting(Instant::now()) && !listen_known_idle {
                self.accept_burst(delivery)
            } else {
                false
            };
            let next = self.expire(Instant::now());
            if self.done() {
                break;
            }
            if more && self.conns.is_empty() {
                continue;
            }
            let timeout = if more { 0 } else { poll_timeout(next) };
            self.wait(delivery, timeout);
        }
        match self.io.fatal {
            Some(exit_code) => Outcome::Fatal { exit_code },
            None => Outcome::Normal,
        }
    }

    /// The worker leaves its loop once it must and holds no connection any more.
    fn done(&self) -> bool {
        self.stop_by.is_some() && self.conns.is_empty()
    }

    /// Whether the listening socket is watched / accepted on now.
    fn accepting(&mut self, now: Instant) -> bool {
        if let Some(until) = self.accept_paused_until {
            if now < until {
                return false;
            }
            self.accept_paused_until = None;
        }
        self.stop_by.is_none() && self.conns.len() < self.io.config.max_connections
    }

    /// SIGTERM, stop(), detach() or a fatal `Message`: stop accepting, give what is held the grace time.
    fn check_leave(&mut self, delivery: &mut dyn Delivery) {
        if self.stop_by.is_some() {
            return;
        }
        if self.io.fatal.is_none() && !delivery.must_leave() {
            return;
        }
        self.stop_by = Some(Instant::now() + self.grace);
        if self.io.fatal.is_some() {
            // No more Message in this process: requests still arriving cannot be served.
            let before = self.conns.len();
            self.conns.retain(|c| !matches!(c.state, State::Reading(_)));
            if before > self.conns.len() {
                info!(
                    "{} connection(s) closed without a reply: the worker ends (fatal error in Message)",
                    before - self.conns.len()
                );
            }
        }
    }

    /// Accepts up to `ACCEPT_BURST` connections, serving each at once as far as it can without
    /// waiting. True when the burst ended with accept4 still succeeding.
    fn accept_burst(&mut self, delivery: &mut dyn Delivery) -> bool {
        for _ in 0..ACCEPT_BURST {
            // SAFETY: accept4 on the listening socket; the new fd is owned below.
            let fd = unsafe {
                libc::accept4(
                    self.listen_fd,
                    std::ptr::null_mut(),
                    std::ptr::null_mut(),
                    libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK,
                )
            };
            if fd < 0 {
                let err = std::io::Error::last_os_error();
                match err.raw_os_error() {
                    Some(libc::EAGAIN) => return false,
                    // A signal arrived, or the client gave up before we took it: carry on.
                    Some(libc::EINTR | libc::ECONNABORTED | libc::EPROTO) => continue,
                    _ => {
                        // EMFILE/ENFILE/ENOBUFS/ENOMEM: the connection stays queued and the socket
                        // readable; stop accepting briefly instead of spinning on it.
                        warning!("accept() failed: {err}; retrying in {} ms", ACCEPT_BACKOFF.as_millis());
                        self.accept_paused_until = Some(Instant::now() + ACCEPT_BACKOFF);
                        return false;
                    }
                }
            }
            // SAFETY: fd is a fresh connection nobody else owns.
            let mut conn = Conn::new(unsafe { OwnedFd::from_raw_fd(fd) }, self.io.config);
            if self.io.advance(delivery, &mut conn) == Step::Wait {
                self.conns.push(conn);
            }
            self.check_leave(delivery);
            if !self.accepting(Instant::now()) {
                return false;
            }
        }
        true
    }

    /// Closes the connections whose time is up; returns the earliest deadline left (the poll's).
    fn expire(&mut self, now: Instant) -> Option<Instant> {
        let mut next = self.accept_paused_until.filter(|_| self.stop_by.is_none());
        let mut cut_by_grace = 0usize;
        for i in (0..self.conns.len()).rev() {
            let conn = &self.conns[i];
            let own = conn.deadline;
            let at = self.stop_by.map_or(own, |stop_by| own.min(stop_by));
            if at > now {
                next = Some(next.map_or(at, |n| n.min(at)));
                continue;
            }
            if own > now {
                if !matches!(conn.state, State::Draining) {
                    cut_by_grace += 1;
                }
            } else if let Some(why) = conn.expiry_reason(self.io.config) {
                info!("{why}");
            }
            self.conns.swap_remove(i);
        }
        if cut_by_grace > 0 {
            info!(
                "{cut_by_grace} connection(s) closed without a (whole) reply: the worker stops and its grace time ({:?}) is over",
                self.grace
            );
        }
        next
    }

    /// One poll over the wake pipe, the listening socket (while accepting) and every connection
    /// held; then serves the connections that are ready.
    fn wait(&mut self, delivery: &mut dyn Delivery, timeout: i32) {
        self.pollfds.clear();
        self.pollfds.push(libc::pollfd {
            fd: self.wake_fd,
            events: libc::POLLIN,
            revents: 0,
        });
        let watch_listen = self.accepting(Instant::now());
        if watch_listen {
            self.pollfds.push(libc::pollfd {
                fd: self.listen_fd,
                events: libc::POLLIN,
                revents: 0,
            });
        }
        let base = self.pollfds.len();
        self.pollfds.extend(self.conns.iter().map(|c| libc::pollfd {
            fd: c.fd.as_raw_fd(),
            events: c.events(),
            revents: 0,
        }));
        // SAFETY: poll on a vector we own, with its length.
        let n = unsafe { libc::poll(self.pollfds.as_mut_ptr(), self.pollfds.len() as libc::nfds_t, timeout) };
        if n <= 0 {
            // Timeout (deadlines are handled by `expire`) or EINTR (a signal: the loop looks again).
            self.listen_known_idle = watch_listen && n == 0;
            return;
        }
        if self.pollfds[0].revents != 0 {
            worker_signals::drain_wake(self.wake_fd);
        }
        self.listen_known_idle = watch_listen && self.pollfds[1].revents == 0;
        // From the end, so that swap_remove only moves connections already looked at.
        for i in (0..self.conns.len()).rev() {
            if self.pollfds[base + i].revents == 0 {
                continue;
            }
            if self.io.advance(delivery, &mut self.conns[i]) == Step::Close {
                self.conns.swap_remove(i);
            }
        }
    }
}

/// The poll timeout in ms until `next` (rounded up; -1: no deadline).
fn poll_timeout(next: Option<Instant>) -> i32 {
    match next {
        None => -1,
        Some(at) => {
            let left = at.saturating_duration_since(Instant::now());
            left.as_micros().div_ceil(1000).min(i32::MAX as u128) as i32
        }
    }
}

/// What a read of the request came to.
enum Read {
    /// Nothing more to read now.
    Wait,
    /// The whole frame's body.
    Complete(Vec<u8>),
    /// The connection cannot be served: why (None: the client reset it, close quietly).
    Failed(Option<String>),
}

impl Io<'_> {
    /// Takes a connection as far as it goes without waiting: read the request, run `Message`, send
    /// the reply, drain the client's extra input.
    fn advance(&mut self, delivery: &mut dyn Delivery, conn: &mut Conn) -> Step {
        loop {
            match &mut conn.state {
                State::Reading(_) if self.fatal.is_some() => {
                    info!("connection closed without a reply: the worker ends (fatal error in Message)");
                    return Step::Close;
                }
                State::Reading(_) => {
                    let body = match self.read_request(conn) {
                        Read::Wait => return Step::Wait,
                        Read::Complete(body) => body,
                        Read::Failed(why) => {
                            if let Some(why) = why {
                                info!("connection closed without a reply: {why}");
                            }
                            return Step::Close;
                        }
                    };
                    let (outcome, reply) = delivery.request(&body);
                    drop(body);
                    if let Outcome::Fatal { exit_code } = outcome {
                        self.fatal = Some(exit_code);
                    }
                    if reply.is_empty() {
                        return Step::Close;
                    }
                    let Some(header) = reply_header(reply.len()) else {
                        info!(
                            "reply of {} bytes not delivered: larger than 4 GiB, it cannot be framed",
                            reply.len()
                        );
                        return Step::Close;
                    };
                    conn.deadline = Instant::now() + self.config.read_timeout;
                    conn.state = State::Writing { header, reply, sent: 0 };
                }
                State::Writing { header, reply, sent } => {
                    match send_reply(conn.fd.as_raw_fd(), header, reply, sent) {
                        Ok(true) => {}
                        Ok(false) => return Step::Wait,
                        Err(why) => {
                            if let Some(why) = why {
                                info!("reply of {} bytes not delivered: {why}", reply.len());
                            }
                            return Step::Close;
                        }
                    }
                    if !conn.extra_input && unread_bytes(conn.fd.as_raw_fd()) == 0 {
                        return Step::Close;
                    }
                    // SAFETY: shutdown(2) of our own connection's sending side.
                    unsafe { libc::shutdown(conn.fd.as_raw_fd(), libc::SHUT_WR) };
                    conn.deadline = conn.deadline.min(Instant::now() + DRAIN_LIMIT);
                    conn.state = State::Draining;
                }
                State::Draining => return self.drain(conn.fd.as_raw_fd()),
            }
        }
    }

    /// Reads what has arrived of the request. A read that does not fill its buffer took all there
    /// was: the worker then waits for POLLIN instead of reading again into an EAGAIN.
    fn read_request(&mut self, conn: &mut Conn) -> Read {
        let State::Reading(reader) = &mut conn.state else {
            unreachable!("read_request on a connection that is not reading")
        };
        let fd = conn.fd.as_raw_fd();
        loop {
            // Into the scratch buffer unless the rest of the body is larger: then straight into it.
            let direct = reader.spare().len() >= self.scratch.len();
            let buf: &mut [u8] = if direct { reader.spare() } else { &mut self.scratch };
            let asked = buf.len();
            // SAFETY: reading into a buffer we own, at most its length.
            let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), asked) };
            if n > 0 {
                let n = n as usize;
                let had_header = conn.received >= HEADER_LEN;
                conn.received += n;
                let fed = if direct {
                    reader.commit(n).map(|p| match p {
                        Progress::Complete(body) => Some((body, false)),
                        Progress::NeedMore => None,
                    })
                } else {
                    feed(reader, &self.scratch[..n])
                };
                match fed {
                    Ok(Some((body, extra))) => {
                        conn.extra_input = extra;
                        return Read::Complete(body);
                    }
                    Ok(None) => {}
                    Err(e @ (FrameError::Empty | FrameError::TooLarge { .. })) => {
                        return Read::Failed(Some(e.to_string()))
                    }
                }
                if !had_header && conn.received >= HEADER_LEN {
                    // The header is in: from now on only read_timeout (from the accept) counts.
                    conn.deadline = conn.accepted + self.config.read_timeout;
                }
                if n < asked {
                    return Read::Wait;
                }
                continue;
            }
            if n == 0 {
                return Read::Failed(Some(
                    if conn.received > 0 {
                        "client closed in the middle of a request"
                    } else {
                        "client closed before sending a request"
                    }
                    .into(),
                ));
            }
            let err = std::io::Error::last_os_error();
            match err.raw_os_error() {
                Some(libc::EINTR) => continue,
                Some(libc::EAGAIN) => return Read::Wait,
                Some(libc::ECONNRESET) => return Read::Failed(None),
                _ => return Read::Failed(Some(format!("read failed: {err}"))),
            }
        }
    }

    /// Discards what the client still sends after its reply; closes at its EOF (or any error).
    fn drain(&mut self, fd: RawFd) -> Step {
        loop {
            // SAFETY: reading into our own buffer, at most its length.
            let n = unsafe { libc::read(fd, self.scratch.as_mut_ptr().cast(), self.scratch.len()) };
            if n > 0 {
                if (n as usize) < self.scratch.len() {
                    return Step::Wait;
                }
                continue;
            }
            if n < 0 && fd::interrupted() {
                continue;
            }
            if n < 0 && fd::retryable() {
                return Step::Wait;
            }
            return Step::Close;
        }
    }
}

/// Hands `data` (a read into the scratch buffer) to `reader`. The body once the frame is complete,
/// with whether `data` held bytes beyond it (the client sent more than its one frame).
fn feed(reader: &mut FrameReader, mut data: &[u8]) -> Result<Option<(Vec<u8>, bool)>, FrameError> {
    while !data.is_empty() {
        let spare = reader.spare();
        let k = spare.len().min(data.len());
        if k == 0 {
            break;
        }
        spare[..k].copy_from_slice(&data[..k]);
        data = &data[k..];
        if let Progress::Complete(body) = reader.commit(k)? {
            return Ok(Some((body, !data.is_empty())));
        }
    }
    Ok(None)
}

/// Sends what is left of the reply frame. Ok(true): all sent; Ok(false): the socket is full, wait
/// for POLLOUT; Err: given up (None: the client reset the connection, close quietly).
fn send_reply(fd: RawFd, header: &[u8], reply: &[u8], sent: &mut usize) -> Result<bool, Option<String>> {
    let total = header.len() + reply.len();
    while *sent < total {
        let (a, b): (&[u8], &[u8]) = if *sent < header.len() {
            (&header[*sent..], reply)
        } else {
            (&[], &reply[*sent - header.len()..])
        };
        let n = fd::send_two(fd, a, b, 0);
        if n > 0 {
            *sent += n as usize;
            continue;
        }
        let err = std::io::Error::last_os_error();
        match err.raw_os_error() {
            Some(libc::EINTR) => continue,
            Some(libc::EAGAIN) => return Ok(false),
            Some(libc::EPIPE | libc::ECONNRESET) => return Err(None),
            _ => return Err(Some(format!("send failed: {err}"))),
        }
    }
    Ok(true)
}

/// Bytes the client sent that nobody read yet (FIONREAD; 0 on error).
fn unread_bytes(fd: RawFd) -> libc::c_int {
    let mut unread: libc::c_int = 0;
    // SAFETY: FIONREAD writes one int into `unread`.
    if unsafe { libc::ioctl(fd, libc::FIONREAD, &mut unread) } != 0 {
        return 0;
    }
    unread
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_completes_a_frame_from_one_read_and_tells_extra_bytes() {
        let mut reader = FrameReader::new(100);
        assert_eq!(
            feed(&mut reader, b"\0\0\0\x05hello"),
            Ok(Some((b"hello".to_vec(), false)))
        );
        let mut reader = FrameReader::new(100);
        assert_eq!(
            feed(&mut reader, b"\0\0\0\x02hi\0\0\0\x01x"),
            Ok(Some((b"hi".to_vec(), true)))
        );
    }

    #[test]
    fn feed_accepts_any_split() {
        let mut reader = FrameReader::new(100);
        assert_eq!(feed(&mut reader, b"\0\0"), Ok(None));
        assert_eq!(feed(&mut reader, b"\0\x03a"), Ok(None));
        assert_eq!(feed(&mut reader, b"bc"), Ok(Some((b"abc".to_vec(), false))));
    }

    #[test]
    fn feed_refuses_empty_and_oversized_frames_from_the_header() {
        assert_eq!(feed(&mut FrameReader::new(10), b"\0\0\0\0abc"), Err(FrameError::Empty));
        assert_eq!(
            feed(&mut FrameReader::new(10), b"\xff\xff\xff\xffabc"),
            Err(FrameError::TooLarge {
                len: 0xffff_ffff,
                max: 10
            })
        );
    }
}
