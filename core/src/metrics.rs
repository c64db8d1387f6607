//! The manager's metrics endpoint (`metrics_listen`): `GET /metrics` (Prometheus text, or
//! OpenMetrics when the scraper's `Accept` asks for it) and `GET /status` (JSON), served from the
//! manager's own poll loop. It never blocks the manager: every socket is non-blocking, a request
//! is at most `MAX_REQUEST` bytes, a connection gets `CONNECTION_DEADLINE` in all, and at most
//! `MAX_CONNECTIONS` are open (at the cap the oldest one that has sent nothing is dropped, so a
//! real scrape still gets in). A slow or hostile client is dropped and counted. No auth: listen
//! on localhost or a unix socket.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::exposition::{self, Format};
use crate::fd;
use crate::listener::Listener;
use crate::log::info;
use crate::stats::PoolStats;

/// The largest request accepted (headers included).
pub(crate) const MAX_REQUEST: usize = 8 * 1024;
/// A connection's whole life: request in, response out.
pub(crate) const CONNECTION_DEADLINE: Duration = Duration::from_secs(2);
/// Open connections at most.
pub(crate) const MAX_CONNECTIONS: usize = 64;

struct Connection {
    fd: OwnedFd,
    request: Vec<u8>,
    response: Vec<u8>,
    sent: usize,
    opened: Instant,
}

pub(crate) struct MetricsServer {
    listener: Listener,
    connections: Vec<Connection>,
    dropped: u64,
}

/// What a poll() of the manager asks about the server's sockets.
pub(crate) struct Interest {
    pub fd: RawFd,
    pub events: i16,
}

impl MetricsServer {
    /// Listens on `addr`: `host:port` (`[::1]:9464` for IPv6) or `unix:/path`.
    pub fn bind(addr: &str) -> Result<MetricsServer> {
        let listener = if addr.starts_with("unix:") {
            Listener::bind(addr, 0, 128)?
        } else {
            let (host, port) = addr.rsplit_once(':').ok_or_else(|| {
                Error::InvalidArgument(format!("metrics_listen '{addr}' must be host:port or unix:/path"))
            })?;
            let port: i64 = port
                .parse()
                .map_err(|_| Error::InvalidArgument(format!("metrics_listen '{addr}': bad port '{port}'")))?;
            Listener::bind(host, port, 128)?
        };
        match listener.local_port() {
            Some(port) => info!(
                "metrics on port {port} of {} (GET /metrics, GET /status)",
                listener.addr()
            ),
            None => info!("metrics on {} (GET /metrics, GET /status)", listener.addr()),
        }
        Ok(MetricsServer {
            listener,
            connections: Vec::new(),
            dropped: 0,
        })
    }

    /// Every fd the server holds: a forked worker closes them.
    pub fn fds(&self) -> Vec<RawFd> {
        std::iter::once(self.listener.raw_fd())
            .chain(self.connections.iter().map(|c| c.fd.as_raw_fd()))
            .collect()
    }

    /// The sockets to poll and for what.
    pub fn interests(&self) -> Vec<Interest> {
        let mut out = Vec::with_capacity(self.connections.len() + 1);
        out.push(Interest {
            fd: self.listener.raw_fd(),
            events: libc::POLLIN,
        });
        for c in &self.connections {
            let events = if c.response.is_empty() {
                libc::POLLIN
            } else {
                libc::POLLOUT
            };
            out.push(Interest {
                fd: c.fd.as_raw_fd(),
                events,
            });
        }
        out
    }

    /// When the oldest connection runs out of time.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.connections.iter().map(|c| c.opened + CONNECTION_DEADLINE).min()
    }

    /// Does what can be done without blocking: accept, read, answer, write, expire.
    pub fn serve(&mut self, stats: &dyn Fn() -> PoolStats) {
        self.accept();
        let now = Instant::now();
        let mut i = 0;
        while i < self.connections.len() {
            let keep = now < self.connections[i].opened + CONNECTION_DEADLINE && self.progress(i, stats);
            if keep {
                i += 1;
            } else {
                let c = self.connections.swap_remove(i);
                if c.response.is_empty() || c.sent < c.response.len() {
                    self.dropped += 1;
                }
            }
        }
    }

    fn accept(&mut self) {
        let batch = Instant::now();
        loop {
            // SAFETY: accept4 on our listening socket; the new fd is owned below.
            let fd = unsafe {
                libc::accept4(
                    self.listener.raw_fd(),
                    std::ptr::null_mut(),
                    std::ptr::null_mut(),
                    libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
                )
            };
            if fd < 0 {
                return; // EAGAIN, or a client that gave up: nothing more now.
            }
            if self.connections.len() >= MAX_CONNECTIONS {
                // Make room: the oldest connection that has sent nothing, among those that had a
                // chance to (opened before this batch of accepts; one just accepted may be a real
                // scrape); else the oldest idle one; else the oldest of all.
                let oldest = |idle_before: Option<Instant>| {
                    self.connections
                        .iter()
                        .enumerate()
                        .filter(|(_, c)| idle_before.is_none_or(|t| c.request.is_empty() && c.opened < t))
                        .min_by_key(|(_, c)| c.opened)
                        .map(|(i, _)| i)
                };
                let victim = oldest(Some(batch))
                    .or_else(|| oldest(Some(Instant::now() + CONNECTION_DEADLINE)))
                    .or_else(|| oldest(None))
                    .unwrap_or(0);
                self.connections.swap_remove(victim);
                self.dropped += 1;
            }
            self.connections.push(Connection {
                // SAFETY: a fresh fd nobody else owns.
                fd: unsafe { OwnedFd::from_raw_fd(fd) },
                request: Vec::new(),
                response: Vec::new(),
                sent: 0,
                opened: Instant::now(),
            });
        }
    }

    /// Moves connection `i` on; false when it is finished (answered) or must be dropped.
    fn progress(&mut self, i: usize, stats: &dyn Fn() -> PoolStats) -> bool {
        let c = &mut self.connections[i];
        if c.response.is_empty() {
            let mut buf = [0u8; 2048];
            loop {
                // SAFETY: reading into our own buffer.
                let n = unsafe { libc::read(c.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
                if n > 0 {
                    c.request.extend_from_slice(&buf[..n as usize]);
                    if c.request.len() > MAX_REQUEST {
                        c.response = response(431, "text/plain", "request too large\n");
                        break;
                    }
                    continue;
                }
                if n == 0 || !fd::retryable() {
                    return false;
                }
                break;
            }
            if c.response.is_empty() {
                match answer(&c.request, stats, self.dropped) {
                    Some(response) => c.response = response,
                    None => return true, // the request is not complete yet
                }
            }
        }
        while c.sent < c.response.len() {
            // SAFETY: writing from our own buffer; MSG_NOSIGNAL: a closed peer is an error, not SIGPIPE.
            let n = unsafe {
                libc::send(
                    c.fd.as_raw_fd(),
                    c.response[c.sent..].as_ptr().cast(),
                    c.response.len() - c.sent,
                    libc::MSG_NOSIGNAL,
                )
            };
            if n > 0 {
                c.sent += n as usize;
            } else {
                return n < 0 && fd::retryable();
            }
        }
        false
    }
}

/// The response to a complete request; None while the headers are not all in.
fn answer(request: &[u8], stats: &dyn Fn() -> PoolStats, dropped: u64) -> Option<Vec<u8>> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut parsed = httparse::Request::new(&mut headers);
    let (method, path) = match parsed.parse(request) {
        Ok(httparse::Status::Partial) => return None,
        Err(httparse::Error::TooManyHeaders) => return Some(response(431, "text/plain", "too many headers\n")),
        Err(_) => return Some(response(400, "text/plain", "bad request\n")),
        Ok(httparse::Status::Complete(_)) => (parsed.method.unwrap_or(""), parsed.path.unwrap_or("")),
    };
    let path = path.split('?').next().unwrap_or("");
    if path != "/metrics" && path != "/status" {
        return Some(response(404, "text/plain", "not found: try /metrics or /status\n"));
    }
    if method != "GET" && method != "HEAD" {
        return Some(response(405, "text/plain", "only GET\n"));
    }
    let stats = stats();
    let (content_type, body) = if path == "/status" {
        ("application/json", exposition::render_json(&stats))
    } else {
        let accept = parsed
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case("accept"))
            .and_then(|h| std::str::from_utf8(h.value).ok())
            .unwrap_or("");
        let format = Format::from_accept(accept);
        (format.content_type(), exposition::render(&stats, format, dropped))
    };
    let mut out = response(200, content_type, if method == "HEAD" { "" } else { &body });
    if method == "HEAD" {
        // Content-Length of the GET body, no body.
        out = head_response(content_type, body.len());
    }
    Some(out)
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        _ => "Error",
    }
}

fn response(status: u16, content_type: &str, body: &str) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        reason(status),
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body.as_bytes());
    out
}

fn head_response(content_type: &str, len: usize) -> Vec<u8> {
    format!("HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n")
        .into_bytes()
}
