//! SWOOLE_IPC_SOCKET tests against real pools: each test runs the `socket-scenario` binary (one
//! SOCKET pool per process, in its own process group), reads its event lines, and drives real
//! sockets (unix, TCP over 127.0.0.1 and ::1) from this process: request = 4-byte big-endian
//! length N + N bytes; reply = the same framing, then the connection is closed.
//!
//! The scenario's stdout and stderr go into ONE pipe, so the test sees event lines
//! (`worker_start 0 123`) and the manager's log records (lines starting with `[`) in order.
//!
//! Nothing may hang: every socket has read/write timeouts, every wait has a deadline, and a guard
//! SIGKILLs the whole process group when the test ends, whether it passed or panicked.

use std::collections::HashSet;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::FileTypeExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

#[path = "support/mod.rs"]
mod support;
use support::*;

/// The longest any single expected event may take.
const DEADLINE: Duration = Duration::from_secs(5);
/// Read/write timeout of every client socket: longer than that is a hang.
const IO_TIMEOUT: Duration = Duration::from_secs(5);
const DEFAULT_MAX: usize = 2 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// Where a pool listens, and the client side
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Listen {
    Unix,
    Tcp4,
    Tcp6,
}

#[derive(Debug, Clone)]
enum Addr {
    Unix(PathBuf),
    Tcp(SocketAddr),
}

/// A fresh unix socket path under /tmp (short: sun_path holds 108 bytes).
fn unique_path(tag: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let path = PathBuf::from(format!("/tmp/pp-sock-{}-{n}-{tag}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

enum Stream {
    Unix(UnixStream),
    Tcp(TcpStream),
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Unix(s) => s.read(buf),
            Stream::Tcp(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Unix(s) => s.write(buf),
            Stream::Tcp(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Stream {
    fn shutdown_write(&self) -> io::Result<()> {
        match self {
            Stream::Unix(s) => s.shutdown(Shutdown::Write),
            Stream::Tcp(s) => s.shutdown(Shutdown::Write),
        }
    }

    fn set_read_timeout(&self, t: Duration) {
        match self {
            Stream::Unix(s) => s.set_read_timeout(Some(t)).unwrap(),
            Stream::Tcp(s) => s.set_read_timeout(Some(t)).unwrap(),
        }
    }
}

fn connect(addr: &Addr) -> io::Result<Stream> {
    let stream = match addr {
        Addr::Unix(path) => {
            let s = UnixStream::connect(path)?;
            s.set_read_timeout(Some(IO_TIMEOUT))?;
            s.set_write_timeout(Some(IO_TIMEOUT))?;
            Stream::Unix(s)
        }
        Addr::Tcp(sa) => {
            let s = TcpStream::connect_timeout(sa, IO_TIMEOUT)?;
            s.set_read_timeout(Some(IO_TIMEOUT))?;
            s.set_write_timeout(Some(IO_TIMEOUT))?;
            s.set_nodelay(true)?;
            Stream::Tcp(s)
        }
    };
    Ok(stream)
}

fn frame(payload: &[u8]) -> Vec<u8> {
    let mut out = (payload.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(payload);
    out
}

#[derive(Debug, PartialEq, Eq)]
enum Reply {
    /// A whole reply frame arrived.
    Data(Vec<u8>),
    /// The server closed the connection (EOF or reset) before sending a single byte.
    Closed,
}

impl Reply {
    fn short(&self) -> String {
        match self {
            Reply::Data(d) if d.len() > 80 => format!("Data({} bytes)", d.len()),
            Reply::Data(d) => format!("Data({:?})", String::from_utf8_lossy(d)),
            Reply::Closed => "Closed".into(),
        }
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}

/// Reads one reply frame. A timeout is an error (the server hung).
fn read_reply(stream: &mut Stream) -> io::Result<Reply> {
    let mut header = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        match stream.read(&mut header[got..]) {
            Ok(0) if got == 0 => return Ok(Reply::Closed),
            Ok(0) => {
                return Err(io::Error::new(
                    ErrorKind::UnexpectedEof,
                    format!("reply header cut after {got} bytes"),
                ))
            }
            Ok(n) => got += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if e.kind() == ErrorKind::ConnectionReset && got == 0 => return Ok(Reply::Closed),
            Err(e) => return Err(e),
        }
    }
    let len = u32::from_be_bytes(header) as usize;
    let mut body = vec![0u8; len];
    stream.read_exact(&mut body)?;
    Ok(Reply::Data(body))
}

/// After a reply, the server must close the connection: the next read sees EOF (or a reset).
fn expect_closed_after(stream: &mut Stream, what: &str) {
    let mut buf = [0u8; 64];
    match stream.read(&mut buf) {
        Ok(0) => {}
        Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
        Ok(n) => panic!("{what}: {n} more bytes after the reply: {:?}", &buf[..n]),
        Err(e) => panic!("{what}: the connection was not closed after the reply: {e}"),
    }
}

/// Writes `bytes` raw; a write the server refused by closing (EPIPE/ECONNRESET) is not an error:
/// what counts is what the client then reads.
fn write_raw(stream: &mut Stream, bytes: &[u8]) -> io::Result<()> {
    match stream.write_all(bytes) {
        Ok(()) => Ok(()),
        Err(e) if matches!(e.kind(), ErrorKind::BrokenPipe | ErrorKind::ConnectionReset) => Ok(()),
        Err(e) => Err(e),
    }
}

/// One connection: send `bytes` as they are, read the reply.
fn send_raw(addr: &Addr, bytes: &[u8]) -> io::Result<Reply> {
    let mut stream = connect(addr)?;
    write_raw(&mut stream, bytes)?;
    read_reply(&mut stream)
}

/// One request: frame `payload`, read the reply.
fn round_trip(addr: &Addr, payload: &[u8]) -> io::Result<Reply> {
    send_raw(addr, &frame(payload))
}

/// Asserts that `payload` comes back whole, followed by the close of the connection.
fn assert_echo(addr: &Addr, payload: &[u8]) {
    let mut stream = connect(addr).unwrap_or_else(|e| panic!("connect {addr:?}: {e}"));
    stream.write_all(&frame(payload)).expect("write request");
    let reply = read_reply(&mut stream).unwrap_or_else(|e| panic!("reply to {} bytes: {e}", payload.len()));
    match &reply {
        Reply::Data(d) if d == payload => {}
        other => panic!(
            "expected the {}-byte payload back, got {} (payload starts {:?})",
            payload.len(),
            other.short(),
            &payload[..payload.len().min(16)]
        ),
    }
    expect_closed_after(&mut stream, "echo");
}

/// Asserts that the server closes the connection without a reply.
fn assert_closed(addr: &Addr, bytes: &[u8], what: &str) {
    match send_raw(addr, bytes) {
        Ok(Reply::Closed) => {}
        Ok(other) => panic!(
            "{what}: expected the connection closed without a reply, got {}",
            other.short()
        ),
        Err(e) => panic!("{what}: expected the connection closed without a reply, got error {e}"),
    }
}

/// A deterministic pseudo-random payload (xorshift).
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The scenario process and its output stream
// ---------------------------------------------------------------------------------------------

/// The socket file of a scenario that listens on a unix socket, removed (if still a socket) when
/// the scenario is dropped.
struct Sock {
    unix_path: Option<PathBuf>,
}

impl Flavor for Sock {
    // The tests that hold 1,000 connections log one line per connection closed.
    const TRANSCRIPT: Transcript = Transcript::Tail(400);

    fn on_drop(&mut self, _pid: i32) {
        if let Some(path) = &self.unix_path {
            if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_socket()) {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

type Scenario = support::Scenario<Sock>;

struct Opts<'a> {
    behaviour: &'a str,
    max_package_size: usize,
    read_timeout: f64,
    header_timeout: f64,
    max_connections: usize,
}

impl Default for Opts<'_> {
    fn default() -> Self {
        Opts {
            behaviour: "echo",
            max_package_size: DEFAULT_MAX,
            read_timeout: 10.0,
            header_timeout: 5.0,
            max_connections: 256,
        }
    }
}

fn opts(behaviour: &str) -> Opts<'_> {
    Opts {
        behaviour,
        ..Opts::default()
    }
}

impl Scenario {
    fn spawn(workers: usize, spec: &str, o: &Opts) -> Scenario {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_socket-scenario"));
        cmd.arg(workers.to_string())
            .arg(spec)
            .arg(o.behaviour)
            .arg(o.max_package_size.to_string())
            .arg(o.read_timeout.to_string())
            .arg(o.header_timeout.to_string())
            .arg(o.max_connections.to_string());
        cmd.env("PROCPOOL_LOG", "info");
        let unix_path = spec.strip_prefix("unix:").map(PathBuf::from);
        Scenario::from_command(cmd, "socket-scenario", Sock { unix_path })
    }

    /// Spawns a pool listening on a fresh address of kind `listen`, waits until it listens and
    /// all its workers started. Returns the scenario, the address clients use, and the worker pids.
    fn start(workers: usize, listen: Listen, o: &Opts) -> (Scenario, Addr, Vec<i32>) {
        let spec = match listen {
            Listen::Unix => format!("unix:{}", unique_path(o.behaviour).display()),
            Listen::Tcp4 => "127.0.0.1:0".to_string(),
            Listen::Tcp6 => "[::1]:0".to_string(),
        };
        let mut s = Scenario::spawn(workers, &spec, o);
        let addr = s.expect_listening(listen);
        s.expect_start();
        let pids = s.expect_all_started(workers);
        (s, addr, pids)
    }

    /// `listening <spec> <port>` → the address clients connect to.
    fn expect_listening(&mut self, listen: Listen) -> Addr {
        let line = self.expect("listening", |l| {
            l.starts_with("listening ") || l.starts_with("listen_failed")
        });
        assert!(
            line.starts_with("listening "),
            "listen failed: {line}\n{}",
            self.transcript()
        );
        let port: u16 = line.rsplit(' ').next().unwrap().parse().expect("port");
        match listen {
            Listen::Unix => Addr::Unix(self.x.unix_path.clone().unwrap()),
            Listen::Tcp4 => {
                assert_ne!(port, 0, "port 0 must be reported as the port actually bound");
                Addr::Tcp(SocketAddr::from(([127, 0, 0, 1], port)))
            }
            Listen::Tcp6 => {
                assert_ne!(port, 0, "port 0 must be reported as the port actually bound");
                Addr::Tcp(SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, port)))
            }
        }
    }

    /// Asserts that no worker was started beyond the first `n` (no worker died or was replaced).
    fn assert_no_respawn(&mut self, n: usize) {
        self.gather(Duration::from_millis(50));
        assert_eq!(self.starts().len(), n, "a worker was replaced\n{}", self.transcript());
    }

    /// SIGTERM → `shutdown`, `returned`, exit 0, and the unix socket file (if any) is gone.
    fn shut_down(&mut self) {
        self.signal(libc::SIGTERM);
        self.expect("shutdown", |l| l == "shutdown");
        self.expect("returned", |l| l == "returned");
        let status = self.wait_exit(DEADLINE);
        assert_eq!(
            status.code(),
            Some(0),
            "scenario exit status {status:?}\n{}",
            self.transcript()
        );
        if let Some(path) = &self.x.unix_path {
            assert!(
                std::fs::symlink_metadata(path).is_err(),
                "the unix socket file {} is removed when the pool ends",
                path.display()
            );
        }
    }
}

/// What one client request came to, under traffic.
#[derive(Debug)]
enum Outcome {
    Correct,
    /// Closed without a (whole) reply: EOF, reset, broken pipe, or a reply cut short.
    Closed(String),
    /// A wrong reply, a hang (timeout) or any other failure.
    Failed(String),
}

fn classify(result: io::Result<Reply>, payload: &[u8]) -> Outcome {
    match result {
        Ok(Reply::Data(d)) if d == payload => Outcome::Correct,
        Ok(Reply::Data(d)) => Outcome::Failed(format!(
            "wrong reply to {:?}: {:?}",
            String::from_utf8_lossy(payload),
            String::from_utf8_lossy(&d[..d.len().min(80)])
        )),
        Ok(Reply::Closed) => Outcome::Closed("closed without a reply".into()),
        Err(e) if is_timeout(&e) => Outcome::Failed(format!("hang: no reply within {IO_TIMEOUT:?}: {e}")),
        Err(e)
            if matches!(
                e.kind(),
                ErrorKind::UnexpectedEof
                    | ErrorKind::ConnectionReset
                    | ErrorKind::BrokenPipe
                    | ErrorKind::ConnectionAborted
            ) =>
        {
            Outcome::Closed(format!("closed mid-reply: {e}"))
        }
        Err(e) => Outcome::Failed(format!("error: {e} ({:?})", e.kind())),
    }
}

impl Outcome {
    fn is_correct(&self) -> bool {
        matches!(self, Outcome::Correct)
    }
}

#[derive(Debug, Default)]
struct Stats {
    correct: usize,
    closed: Vec<String>,
    failed: Vec<String>,
}

impl Stats {
    fn merge(&mut self, other: Stats) {
        self.correct += other.correct;
        self.closed.extend(other.closed);
        self.failed.extend(other.failed);
    }
}

/// `threads` clients sending distinct payloads, one request per connection, until `stop`.
fn traffic(addr: &Addr, threads: usize, stop: &Arc<AtomicBool>) -> Vec<thread::JoinHandle<Stats>> {
    (0..threads)
        .map(|t| {
            let addr = addr.clone();
            let stop = stop.clone();
            thread::spawn(move || {
                let mut stats = Stats::default();
                let mut i = 0usize;
                while !stop.load(Ordering::SeqCst) {
                    let payload = format!("client {t} request {i} {}", "#".repeat(i % 61)).into_bytes();
                    match classify(round_trip(&addr, &payload), &payload) {
                        Outcome::Correct => stats.correct += 1,
                        Outcome::Closed(why) => stats.closed.push(why),
                        Outcome::Failed(why) => stats.failed.push(why),
                    }
                    i += 1;
                }
                stats
            })
        })
        .collect()
}

fn join_traffic(handles: Vec<thread::JoinHandle<Stats>>) -> Stats {
    let mut all = Stats::default();
    for h in handles {
        all.merge(h.join().expect("client thread panicked"));
    }
    all
}

fn ipv6_loopback_available() -> bool {
    TcpListener::bind("[::1]:0").is_ok()
}

// ---------------------------------------------------------------------------------------------
// 1. echo over each transport
// ---------------------------------------------------------------------------------------------

fn echo_over(listen: Listen) {
    let (mut s, addr, _) = Scenario::start(2, listen, &opts("echo"));
    if let Addr::Unix(path) = &addr {
        let meta = std::fs::symlink_metadata(path).expect("the unix socket file exists while the pool runs");
        assert!(meta.file_type().is_socket());
    }
    for payload in [
        &b"hello"[..],
        b"x",
        b"a somewhat longer request, with spaces and punctuation!",
    ] {
        assert_echo(&addr, payload);
    }
    s.assert_no_respawn(2);
    s.shut_down();
}

#[test]
fn echo_over_unix_socket_and_the_socket_file_is_removed_at_shutdown() {
    echo_over(Listen::Unix);
}

#[test]
fn echo_over_tcp_ipv4_port_0_reports_the_bound_port() {
    echo_over(Listen::Tcp4);
}

#[test]
fn echo_over_tcp_ipv6_loopback() {
    if !ipv6_loopback_available() {
        eprintln!("skipped: [::1] cannot be bound on this machine");
        return;
    }
    echo_over(Listen::Tcp6);
}

#[test]
fn upper_behaviour_replies_in_upper_case() {
    let (mut s, addr, _) = Scenario::start(1, Listen::Tcp4, &opts("upper"));
    assert_eq!(
        round_trip(&addr, b"Hello, World 42").unwrap(),
        Reply::Data(b"HELLO, WORLD 42".to_vec())
    );
    s.shut_down();
}

// ---------------------------------------------------------------------------------------------
// 2. framing
// ---------------------------------------------------------------------------------------------

#[test]
fn payloads_are_binary_safe_and_may_arrive_in_pieces() {
    for listen in [Listen::Unix, Listen::Tcp4] {
        let (mut s, addr, _) = Scenario::start(2, listen, &opts("echo"));
        let all_bytes: Vec<u8> = (0..=255u8).collect();
        let reversed: Vec<u8> = (0..=255u8).rev().collect();
        for payload in [
            &all_bytes[..],
            &reversed[..],
            b"\0",
            b"\0\0\0\0",
            b"\0\0\0\x05hello",
            b"\xff\xff\xff\xff",
            b"\r\n\r\n",
            "héllo wörld ✓".as_bytes(),
        ] {
            assert_echo(&addr, payload);
        }
        // 1 MiB of noise (below the default max_package_size of 2 MiB).
        assert_echo(&addr, &noise(1024 * 1024, 7));

        // The same frame, written in small pieces with pauses: header split, body split.
        let payload = noise(5000, 11);
        let bytes = frame(&payload);
        let mut stream = connect(&addr).unwrap();
        for piece in [
            &bytes[..1],
            &bytes[1..3],
            &bytes[3..4],
            &bytes[4..100],
            &bytes[100..4000],
            &bytes[4000..],
        ] {
            stream.write_all(piece).unwrap();
            thread::sleep(Duration::from_millis(30));
        }
        assert_eq!(read_reply(&mut stream).unwrap(), Reply::Data(payload));
        expect_closed_after(&mut stream, "split request");
        s.assert_no_respawn(2);
        s.shut_down();
    }
}

#[test]
fn frame_of_exactly_max_package_size_is_accepted_and_max_plus_1_is_closed_without_reply() {
    for listen in [Listen::Unix, Listen::Tcp4] {
        let max = 1000;
        let (mut s, addr, _) = Scenario::start(
            1,
            listen,
            &Opts {
                max_package_size: max,
                ..opts("echo")
            },
        );
        assert_echo(&addr, &noise(max, 1));
        assert_closed(
            &addr,
            &frame(&noise(max + 1, 2)),
            &format!("{listen:?}: a frame of max_package_size + 1 bytes"),
        );
        // The header alone, announcing max + 1, is refused at once too.
        let t0 = Instant::now();
        assert_closed(&addr, &((max + 1) as u32).to_be_bytes(), "header announcing max + 1");
        assert!(
            t0.elapsed() < Duration::from_secs(2),
            "refused from the header, not after read_timeout: {:?}",
            t0.elapsed()
        );
        // The worker carries on.
        assert_echo(&addr, &noise(max, 3));
        assert_echo(&addr, b"small");
        s.assert_no_respawn(1);
        s.shut_down();
    }
}

#[test]
fn zero_length_frame_is_closed_without_reply_and_the_worker_carries_on() {
    let (mut s, addr, _) = Scenario::start(1, Listen::Unix, &opts("echo"));
    let t0 = Instant::now();
    assert_closed(&addr, &[0, 0, 0, 0], "N == 0");
    assert!(
        t0.elapsed() < Duration::from_secs(2),
        "closed at once: {:?}",
        t0.elapsed()
    );
    assert_echo(&addr, b"after the empty frame");
    s.assert_no_respawn(1);
    s.shut_down();
}

#[test]
fn length_0xffffffff_is_closed_without_allocating_and_the_worker_answers_the_next_request() {
    let (mut s, addr, pids) = Scenario::start(1, Listen::Unix, &opts("echo"));
    assert_echo(&addr, b"warm up");
    let peak_before = proc_status_kb(pids[0], "VmPeak:");
    let t0 = Instant::now();
    assert_closed(&addr, &[0xff, 0xff, 0xff, 0xff], "length 0xFFFFFFFF");
    assert_closed(
        &addr,
        &[0xff, 0xff, 0xff, 0xff, b'a', b'b', b'c'],
        "length 0xFFFFFFFF + some body",
    );
    assert!(
        t0.elapsed() < Duration::from_secs(2),
        "refused from the header: {:?}",
        t0.elapsed()
    );
    assert_echo(&addr, b"the next request");
    let peak_after = proc_status_kb(pids[0], "VmPeak:");
    assert!(
        peak_after < peak_before + 256 * 1024,
        "the worker's peak virtual size grew from {peak_before} kB to {peak_after} kB: it allocated for the announced length"
    );
    s.assert_no_respawn(1);
    s.shut_down();
}

#[test]
fn client_closing_mid_frame_or_sending_nothing_does_not_disturb_the_worker() {
    // read_timeout is 10 s: a worker waiting for the rest of a closed request would show as a delay.
    let (mut s, addr, _) = Scenario::start(1, Listen::Unix, &opts("echo"));
    let t0 = Instant::now();
    {
        // Header announces 100 bytes, 10 are sent, then the client closes.
        let mut c = connect(&addr).unwrap();
        c.write_all(&100u32.to_be_bytes()).unwrap();
        c.write_all(&[7u8; 10]).unwrap();
    }
    {
        // Closed in the middle of the header.
        let mut c = connect(&addr).unwrap();
        c.write_all(&[0, 0]).unwrap();
    }
    {
        // Connects and closes without a byte.
        let _c = connect(&addr).unwrap();
    }
    {
        // Half-closes mid-body and waits for an answer: none comes, the connection is closed.
        let mut c = connect(&addr).unwrap();
        c.write_all(&100u32.to_be_bytes()).unwrap();
        c.write_all(b"partial").unwrap();
        c.shutdown_write().unwrap();
        assert_eq!(
            read_reply(&mut c).unwrap(),
            Reply::Closed,
            "a half-closed partial request gets no reply"
        );
    }
    assert_echo(&addr, b"next client");
    assert!(
        t0.elapsed() < Duration::from_secs(3),
        "the worker did not wait for closed clients: {:?}",
        t0.elapsed()
    );
    s.assert_no_respawn(1);
    s.shut_down();
}

#[test]
fn stalled_partial_frame_is_closed_after_read_timeout_and_the_worker_serves_the_next_client() {
    let (mut s, addr, _) = Scenario::start(
        1,
        Listen::Unix,
        &Opts {
            read_timeout: 1.0,
            ..opts("echo")
        },
    );
    let t0 = Instant::now();
    let mut stalled = connect(&addr).unwrap();
    stalled.write_all(&10u32.to_be_bytes()).unwrap();
    stalled.write_all(b"abc").unwrap();
    thread::sleep(Duration::from_millis(100)); // the only worker has taken the stalled connection
    let next_addr = addr.clone();
    let next = thread::spawn(move || {
        let r = round_trip(&next_addr, b"waiting behind the stalled client");
        (r.map_err(|e| e.to_string()), Instant::now())
    });
    let reply = read_reply(&mut stalled);
    let closed_after = t0.elapsed();
    assert!(
        matches!(reply, Ok(Reply::Closed)),
        "the stalled client is closed without a reply: {reply:?}"
    );
    assert!(
        closed_after >= Duration::from_millis(800) && closed_after < Duration::from_secs(3),
        "closed after read_timeout (1 s), not {closed_after:?}"
    );
    let closed_at = t0 + closed_after;
    let (r, at) = next.join().unwrap();
    assert_eq!(r.unwrap(), Reply::Data(b"waiting behind the stalled client".to_vec()));
    assert!(
        at < closed_at,
        "the next client is served while the stalled one is still held (served {:?}, stalled closed {:?} after the start)",
        at.duration_since(t0),
        closed_after
    );
    s.assert_no_respawn(1);
    s.shut_down();
}

/// Reads a `big` reply (`mib` MiB, byte i = i % 251) to its end: Ok(true) when it came whole and
/// then the close, Ok(false) when the connection closed before the whole reply.
fn read_big_reply(stream: &mut Stream, mib: usize) -> Result<bool, String> {
    let expected = 4 + mib * 1024 * 1024;
    let mut total = 0usize;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                for (k, &b) in buf[..n].iter().enumerate() {
                    let at = total + k;
                    if at >= 4 && at < expected && b != ((at - 4) % 251) as u8 {
                        return Err(format!("wrong reply byte at {at}"));
                    }
                }
                total += n;
            }
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
            Err(e) => return Err(format!("the connection was not closed ({total} bytes read): {e}")),
        }
    }
    Ok(total == expected)
}

#[test]
fn client_that_never_reads_a_large_reply_does_not_block_the_worker() {
    // One worker. A reply the client does not take stays buffered on its connection: the worker
    // serves the next client meanwhile, sends the rest as the slow client reads, and gives up on a
    // client that takes nothing for read_timeout.
    let (mut s, addr, _) = Scenario::start(
        1,
        Listen::Tcp4,
        &Opts {
            read_timeout: 2.0,
            ..opts("big")
        },
    );
    let mut late = connect(&addr).unwrap();
    late.write_all(&frame(b"16")).unwrap(); // asks for 16 MiB and reads only after the next client
    thread::sleep(Duration::from_millis(100));
    let next_addr = addr.clone();
    let next = thread::spawn(move || {
        let mut c = connect(&next_addr).map_err(|e| e.to_string())?;
        c.set_read_timeout(Duration::from_secs(10));
        c.write_all(&frame(b"1")).map_err(|e| e.to_string())?;
        read_reply(&mut c).map_err(|e| e.to_string())
    });
    let reply = next.join().unwrap().expect("the next client is served");
    let Reply::Data(body) = reply else {
        panic!("the next client got no reply")
    };
    assert_eq!(body.len(), 1024 * 1024);
    assert!(
        body.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8),
        "1 MiB reply content"
    );
    // Served while the late client still held its unread 16 MiB: that reply is still there, whole.
    late.set_read_timeout(Duration::from_secs(5));
    assert_eq!(
        read_big_reply(&mut late, 16),
        Ok(true),
        "the late client gets its whole reply, sent while the worker served another client"
    );

    // A client that never reads: given up after read_timeout, the reply cut short, the worker fine.
    let t0 = Instant::now();
    let mut lazy = connect(&addr).unwrap();
    lazy.write_all(&frame(b"16")).unwrap();
    assert_echo_big(&addr, 1);
    thread::sleep(Duration::from_secs(3).saturating_sub(t0.elapsed()));
    lazy.set_read_timeout(Duration::from_secs(5));
    assert_eq!(
        read_big_reply(&mut lazy, 16),
        Ok(false),
        "the abandoned reply was cut short after read_timeout"
    );
    s.assert_no_respawn(1);
    s.shut_down();
}

/// Asserts that a `big` request for `mib` MiB gets its whole reply.
fn assert_echo_big(addr: &Addr, mib: usize) {
    let mut c = connect(addr).unwrap();
    c.write_all(&frame(mib.to_string().as_bytes())).unwrap();
    assert_eq!(read_big_reply(&mut c, mib), Ok(true), "a {mib} MiB reply");
}

#[test]
fn only_the_first_frame_of_a_connection_is_answered() {
    for listen in [Listen::Unix, Listen::Tcp4] {
        let (mut s, addr, _) = Scenario::start(1, listen, &opts("echo"));
        let mut c = connect(&addr).unwrap();
        let mut bytes = frame(b"first");
        bytes.extend(frame(b"second"));
        c.write_all(&bytes).unwrap();
        let reply = read_reply(&mut c).unwrap_or_else(|e| panic!("{listen:?}: reply to the first frame: {e}"));
        assert_eq!(reply.short(), Reply::Data(b"first".to_vec()).short(), "{listen:?}");
        expect_closed_after(&mut c, "two frames on one connection");
        // The second frame was not taken as a request of its own: the next connection is answered normally.
        assert_echo(&addr, b"third");
        s.assert_no_respawn(1);
        s.shut_down();
    }
}

/// The worker reads only the first frame; whatever else the client sent is still unread when it
/// closes. Over TCP, close(2) with unread input sends a RST at once and drops whatever of the
/// reply the kernel had not transmitted yet, so the reply must be out before the close.
fn large_reply_with_a_second_frame_pending(listen: Listen) {
    let (mut s, addr, _) = Scenario::start(1, listen, &opts("big"));
    let mib = 16;
    let mut c = connect(&addr).unwrap();
    let mut bytes = frame(mib.to_string().as_bytes());
    bytes.extend(frame(b"a second frame, never read"));
    c.write_all(&bytes).unwrap();
    // A client reading at a modest pace: when the worker queues the last bytes of the reply and
    // closes, some of them have not been transmitted yet.
    let mut got = Vec::with_capacity(mib * 1024 * 1024 + 4);
    let mut buf = vec![0u8; 256 * 1024];
    let outcome = loop {
        match c.read(&mut buf) {
            Ok(0) => break Ok(()),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) => break Err(e),
        }
        thread::sleep(Duration::from_millis(5));
    };
    let expected_len = 4 + mib * 1024 * 1024;
    // After the whole reply, a reset (the unread second frame) is as good as EOF.
    let closed = outcome.is_ok()
        || (got.len() == expected_len && outcome.as_ref().is_err_and(|e| e.kind() == ErrorKind::ConnectionReset));
    assert!(
        closed && got.len() == expected_len,
        "{listen:?}: the {mib} MiB reply to the first frame was not delivered whole: {} of {expected_len} bytes, then {outcome:?}",
        got.len()
    );
    assert_eq!(&got[..4], &((mib * 1024 * 1024) as u32).to_be_bytes());
    assert!(
        got[4..].iter().enumerate().all(|(i, &b)| b == (i % 251) as u8),
        "reply content"
    );
    s.shut_down();
}

#[test]
fn a_large_reply_is_delivered_whole_over_unix_when_the_client_sent_a_second_frame() {
    large_reply_with_a_second_frame_pending(Listen::Unix);
}

#[test]
fn a_large_reply_is_delivered_whole_over_tcp_when_the_client_sent_a_second_frame() {
    large_reply_with_a_second_frame_pending(Listen::Tcp4);
}

#[test]
fn a_panic_in_message_ends_only_that_worker_and_leaves_the_socket_file_in_place() {
    let (mut s, addr, pids) = Scenario::start(1, Listen::Unix, &opts("panic"));
    let Addr::Unix(path) = addr.clone() else { unreachable!() };
    assert!(
        !classify(round_trip(&addr, b"panic"), b"").is_correct(),
        "no reply from a panicking Message"
    );
    let next = s.expect_worker_start(0);
    assert_ne!(next, pids[0]);
    assert!(wait_gone(pids[0], DEADLINE));
    assert!(
        std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_socket()),
        "the pool's socket file {} is still there after a worker panicked\n{}",
        path.display(),
        s.transcript()
    );
    assert_echo(&addr, b"served by the replacement");
    s.shut_down();
}

#[test]
fn no_reply_when_nothing_was_written() {
    // A Message callback that writes nothing: the client reads EOF, zero bytes.
    let (mut s, addr, _) = Scenario::start(1, Listen::Unix, &opts("silent"));
    for _ in 0..3 {
        let t0 = Instant::now();
        let mut c = connect(&addr).unwrap();
        c.write_all(&frame(b"anything")).unwrap();
        let mut all = Vec::new();
        c.read_to_end(&mut all).expect("a clean EOF, not a reset or a hang");
        assert!(all.is_empty(), "no bytes at all: {all:?}");
        assert!(t0.elapsed() < Duration::from_secs(2));
    }
    s.assert_no_respawn(1);
    s.shut_down();

    // A client that sends nothing (EOF at once) gets no reply either, and the worker carries on.
    let (mut s, addr, _) = Scenario::start(1, Listen::Tcp4, &opts("echo"));
    let mut c = connect(&addr).unwrap();
    c.shutdown_write().unwrap();
    let mut all = Vec::new();
    c.read_to_end(&mut all).expect("EOF");
    assert!(all.is_empty());
    assert_echo(&addr, b"still serving");
    s.assert_no_respawn(1);
    s.shut_down();
}

// ---------------------------------------------------------------------------------------------
// 3. load
// ---------------------------------------------------------------------------------------------

#[test]
fn many_concurrent_clients_each_get_their_own_reply() {
    let (mut s, addr, _) = Scenario::start(4, Listen::Tcp4, &opts("echo"));
    let (threads, requests) = (64, 20);
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let addr = addr.clone();
            thread::spawn(move || {
                let mut failures = Vec::new();
                for i in 0..requests {
                    let mut payload = format!("thread {t} request {i}:").into_bytes();
                    payload.extend(noise((t * requests + i) % 700 + 1, (t * 1000 + i) as u64));
                    match classify(round_trip(&addr, &payload), &payload) {
                        Outcome::Correct => {}
                        other => failures.push(format!("thread {t} request {i}: {other:?}")),
                    }
                }
                failures
            })
        })
        .collect();
    let failures: Vec<String> = handles.into_iter().flat_map(|h| h.join().unwrap()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} requests failed: {:#?}",
        failures.len(),
        threads * requests,
        &failures[..failures.len().min(10)]
    );
    s.assert_no_respawn(4);
    s.shut_down();
}

#[test]
fn pid_replies_come_from_the_pool_workers() {
    let (mut s, addr, pids) = Scenario::start(2, Listen::Unix, &opts("pid"));
    for _ in 0..10 {
        let Reply::Data(d) = round_trip(&addr, b"who").unwrap() else {
            panic!("no reply")
        };
        let pid: i32 = String::from_utf8(d).unwrap().parse().unwrap();
        assert!(pids.contains(&pid), "reply pid {pid} is one of the workers {pids:?}");
    }
    s.shut_down();
}

// ---------------------------------------------------------------------------------------------
// 4. signals under traffic
// ---------------------------------------------------------------------------------------------

#[test]
fn sigterm_during_a_slow_message_still_delivers_the_reply_runs_worker_stop_and_removes_the_socket_file() {
    let (mut s, addr, pids) = Scenario::start(1, Listen::Unix, &opts("slow"));
    let Addr::Unix(path) = addr.clone() else { unreachable!() };
    let client_addr = addr.clone();
    let client = thread::spawn(move || round_trip(&client_addr, b"finish me").map_err(|e| e.to_string()));
    s.expect("message_begin", |l| l.starts_with("message_begin "));
    s.signal(libc::SIGTERM);
    s.expect("shutdown", |l| l == "shutdown");
    s.expect("worker_stop of the busy worker", |l| {
        event(l, "worker_stop") == Some((0, pids[0]))
    });
    s.expect("returned", |l| l == "returned");
    let status = s.wait_exit(DEADLINE);
    assert_eq!(status.code(), Some(0), "exit status {status:?}\n{}", s.transcript());
    assert_eq!(
        client.join().unwrap().unwrap(),
        Reply::Data(b"finish me".to_vec()),
        "the reply is delivered"
    );
    assert!(
        std::fs::symlink_metadata(&path).is_err(),
        "the socket file {} is removed",
        path.display()
    );
    assert!(!exists(pids[0]));
    assert!(s.warnings().is_empty(), "no warnings: {:?}", s.warnings());
}

#[test]
fn rolling_reload_under_steady_traffic_loses_no_request() {
    let n = 3;
    let (mut s, addr, first) = Scenario::start(n, Listen::Tcp4, &opts("echo"));
    let stop = Arc::new(AtomicBool::new(false));
    let clients = traffic(&addr, 4, &stop);
    thread::sleep(Duration::from_millis(200));
    let mut seen: HashSet<i32> = first.iter().copied().collect();
    let mut generations = vec![first];
    for round in 0..3 {
        s.signal(libc::SIGUSR1);
        let known = seen.clone();
        s.wait_until(
            &format!("reload {round}: a new worker for each id"),
            Duration::from_secs(10),
            |s| (0..n).all(|id| s.starts().iter().any(|&(i, p)| i == id && !known.contains(&p))),
        );
        let fresh: Vec<i32> = (0..n)
            .map(|id| {
                s.starts()
                    .iter()
                    .find(|&&(i, p)| i == id && !known.contains(&p))
                    .unwrap()
                    .1
            })
            .collect();
        seen.extend(&fresh);
        generations.push(fresh);
        thread::sleep(Duration::from_millis(150));
    }
    stop.store(true, Ordering::SeqCst);
    let stats = join_traffic(clients);
    assert!(
        stats.failed.is_empty() && stats.closed.is_empty(),
        "every request gets its reply during reloads: {} correct, {} closed {:?}, {} failed {:?}\n{}",
        stats.correct,
        stats.closed.len(),
        &stats.closed[..stats.closed.len().min(5)],
        stats.failed.len(),
        &stats.failed[..stats.failed.len().min(5)],
        s.transcript()
    );
    eprintln!("reload under traffic: {} correct", stats.correct);
    assert!(stats.correct > 50, "steady traffic: only {} requests", stats.correct);
    // Every replaced worker left gracefully: WorkerStop ran, no abnormal exit was logged.
    s.gather(Duration::from_millis(100));
    let stops = s.stops();
    for gen in &generations[..generations.len() - 1] {
        for (id, &pid) in gen.iter().enumerate() {
            assert!(stops.contains(&(id, pid)), "worker_stop {id} {pid}\n{}", s.transcript());
        }
    }
    assert!(s.warnings().is_empty(), "no abnormal exit: {:?}", s.warnings());
    assert_eq!(live_children(s.pid).len(), n);
    s.shut_down();
}

#[test]
fn sigkill_of_a_worker_under_traffic_never_hangs_a_client_and_the_pool_keeps_2_workers() {
    let n = 2;
    let (mut s, addr, mut current) = Scenario::start(n, Listen::Tcp4, &opts("echo"));
    let stop = Arc::new(AtomicBool::new(false));
    let clients = traffic(&addr, 4, &stop);
    thread::sleep(Duration::from_millis(150));
    let mut seen: HashSet<i32> = current.iter().copied().collect();
    for k in 0..4 {
        let id = k % n;
        let victim = current[id];
        send(victim, libc::SIGKILL);
        let known = seen.clone();
        s.wait_until(&format!("replacement of worker {id} (pid {victim})"), DEADLINE, |s| {
            s.starts().iter().any(|&(i, p)| i == id && !known.contains(&p))
        });
        current[id] = s
            .starts()
            .iter()
            .find(|&&(i, p)| i == id && !known.contains(&p))
            .unwrap()
            .1;
        seen.insert(current[id]);
        assert!(wait_gone(victim, DEADLINE), "the killed worker {victim} is reaped");
        thread::sleep(Duration::from_millis(150));
    }
    stop.store(true, Ordering::SeqCst);
    let stats = join_traffic(clients);
    assert!(
        stats.failed.is_empty(),
        "a correct reply or a closed connection, never a hang or a wrong reply: {} correct, {} closed, failed: {:?}",
        stats.correct,
        stats.closed.len(),
        &stats.failed[..stats.failed.len().min(10)]
    );
    eprintln!(
        "SIGKILL under traffic: {} correct, {} closed {:?}",
        stats.correct,
        stats.closed.len(),
        stats.closed
    );
    assert!(
        stats.correct > 50,
        "steady traffic: only {} correct requests",
        stats.correct
    );
    // The pool is back to exactly 2 workers, the current ones, and they serve.
    let until = Instant::now() + DEADLINE;
    loop {
        let live = live_children(s.pid);
        if live.len() == n && current.iter().all(|p| live.contains(p)) {
            break;
        }
        assert!(
            Instant::now() < until,
            "live workers {live:?}, expected {current:?}\n{}",
            s.transcript()
        );
        thread::sleep(Duration::from_millis(20));
    }
    assert_echo(&addr, b"after the kills");
    assert_eq!(s.starts().len(), n + 4, "one replacement per kill\n{}", s.transcript());
    s.shut_down();
}

// ---------------------------------------------------------------------------------------------
// 5. listen()
// ---------------------------------------------------------------------------------------------

#[test]
fn a_stale_unix_socket_file_is_replaced_by_listen() {
    let path = unique_path("stale");
    {
        let _dead = UnixListener::bind(&path).expect("bind a unix listener");
    } // dropped without unlinking: the file stays, nobody accepts on it
    let meta = std::fs::symlink_metadata(&path).expect("the stale socket file remains");
    assert!(meta.file_type().is_socket());
    let mut s = Scenario::spawn(1, &format!("unix:{}", path.display()), &opts("echo"));
    let addr = s.expect_listening(Listen::Unix);
    s.expect_start();
    s.expect_all_started(1);
    assert_echo(&addr, b"over the replaced socket");
    s.shut_down();
}

#[test]
fn a_non_socket_file_at_the_path_makes_listen_fail_and_is_left_untouched() {
    let path = unique_path("regular");
    std::fs::write(&path, b"precious data\n").unwrap();
    let mut s = Scenario::spawn(1, &format!("unix:{}", path.display()), &opts("echo"));
    let line = s.expect("listen_failed", |l| {
        l.starts_with("listen_failed") || l.starts_with("listening")
    });
    assert!(
        line.starts_with("listen_failed"),
        "listen must fail over a regular file: {line}"
    );
    assert!(
        line.contains(path.to_str().unwrap()),
        "the error names the path: {line}"
    );
    let status = s.wait_exit(DEADLINE);
    assert_eq!(status.code(), Some(3), "{status:?}");
    let meta = std::fs::symlink_metadata(&path).expect("the file is still there");
    assert!(meta.file_type().is_file());
    assert_eq!(
        std::fs::read(&path).unwrap(),
        b"precious data\n",
        "the file is untouched"
    );
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn a_live_unix_socket_is_not_stolen() {
    let path = unique_path("live");
    let live = UnixListener::bind(&path).expect("bind");
    let mut s = Scenario::spawn(1, &format!("unix:{}", path.display()), &opts("echo"));
    let line = s.expect("listen_failed", |l| {
        l.starts_with("listen_failed") || l.starts_with("listening")
    });
    assert!(
        line.starts_with("listen_failed"),
        "listen must fail over a socket someone listens on: {line}"
    );
    assert_eq!(s.wait_exit(DEADLINE).code(), Some(3));
    // Still ours: a client reaches our listener.
    let _c = UnixStream::connect(&path).expect("the live socket still works");
    live.set_nonblocking(true).unwrap();
    let deadline = Instant::now() + DEADLINE;
    while live.accept().is_err() {
        assert!(Instant::now() < deadline, "our listener got the connection");
        thread::sleep(Duration::from_millis(10));
    }
    drop(live);
    let _ = std::fs::remove_file(&path);
}

#[test]
fn a_port_in_use_makes_listen_fail_with_an_error() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let mut s = Scenario::spawn(1, &format!("127.0.0.1:{port}"), &opts("echo"));
    let line = s.expect("listen_failed", |l| {
        l.starts_with("listen_failed") || l.starts_with("listening")
    });
    assert!(
        line.starts_with("listen_failed"),
        "listen must fail on a port in use: {line}"
    );
    assert!(line.to_lowercase().contains("in use"), "the error says why: {line}");
    assert_eq!(s.wait_exit(DEADLINE).code(), Some(3));
    drop(taken);
}

// ---------------------------------------------------------------------------------------------
// 6. stop() and detach() inside Message
// ---------------------------------------------------------------------------------------------

#[test]
fn stop_inside_message_sends_the_reply_then_the_worker_exits_and_is_replaced() {
    let (mut s, addr, pids) = Scenario::start(1, Listen::Unix, &opts("stop"));
    let mut pid = pids[0];
    for round in 0..3 {
        let payload = format!("stop round {round}");
        assert_echo(&addr, payload.as_bytes());
        s.expect(&format!("worker_stop 0 {pid}"), |l| {
            event(l, "worker_stop") == Some((0, pid))
        });
        let next = s.expect_worker_start(0);
        assert_ne!(next, pid, "a new process replaces the stopped worker");
        assert!(
            wait_gone(pid, DEADLINE),
            "the stopped worker {pid} exited and was reaped"
        );
        pid = next;
    }
    assert!(
        s.warnings().is_empty(),
        "a stopped worker exits 0, quietly: {:?}",
        s.warnings()
    );
    s.shut_down();
}

#[test]
fn detach_inside_message_sends_the_reply_and_a_replacement_serves_the_next_requests() {
    let (mut s, addr, pids) = Scenario::start(1, Listen::Unix, &opts("detach"));
    let mut pid = pids[0];
    for round in 0..3 {
        let payload = format!("detach round {round}");
        assert_echo(&addr, payload.as_bytes());
        let next = s.expect_worker_start(0);
        assert_ne!(next, pid, "a new process takes the detached worker's id");
        // The detached process has left its loop; it exits on its own and is reaped quietly.
        assert!(wait_gone(pid, DEADLINE), "the detached process {pid} ended");
        pid = next;
    }
    assert!(
        s.warnings().is_empty(),
        "detached processes are reaped quietly: {:?}",
        s.warnings()
    );
    s.shut_down();
    assert_eq!(s.starts().len(), 4, "{}", s.transcript());
}

#[test]
fn the_socket_file_is_not_left_behind_after_listen_succeeds_but_the_manager_returns() {
    // A second sanity check of the file's life, with more than one worker and after traffic.
    let (mut s, addr, _) = Scenario::start(3, Listen::Unix, &opts("echo"));
    let Addr::Unix(path) = addr.clone() else { unreachable!() };
    for i in 0..20 {
        assert_echo(&addr, format!("r{i}").as_bytes());
    }
    s.shut_down();
    assert!(!Path::new(&path).exists());
}

#[test]
fn sigterm_while_a_client_stalls_mid_request_does_not_cost_max_wait_time_or_worker_stop() {
    // read_timeout 10 s, max_wait_time 3 s (default). A half-sent request is not a message in hand:
    // the worker must give up on it soon after SIGTERM (well before max_wait_time's SIGKILL), run
    // WorkerStop and exit 0.
    let (mut s, addr, pids) = Scenario::start(1, Listen::Unix, &opts("echo"));
    let mut stalled = connect(&addr).unwrap();
    stalled.write_all(&10u32.to_be_bytes()).unwrap();
    stalled.write_all(b"abc").unwrap();
    thread::sleep(Duration::from_millis(200)); // the worker is now reading the stalled request
    let t0 = Instant::now();
    s.signal(libc::SIGTERM);
    s.expect("shutdown", |l| l == "shutdown");
    s.expect_within("returned", Duration::from_secs(8), |l| l == "returned");
    let took = t0.elapsed();
    assert!(
        s.stops().contains(&(0, pids[0])) && took < Duration::from_secs(2),
        "the worker left at once with WorkerStop: took {took:?}, stops {:?}\n{}",
        s.stops(),
        s.transcript()
    );
    assert_eq!(s.wait_exit(DEADLINE).code(), Some(0));
}

// ---------------------------------------------------------------------------------------------
// 7. many connections per worker: idle and slow clients cost a worker an fd, never its time
// ---------------------------------------------------------------------------------------------

/// Raises this process's soft RLIMIT_NOFILE to at least `want` (within the hard limit); the
/// scenario processes spawned afterwards inherit it. Returns the soft limit now in force.
fn raise_nofile(want: libc::rlim_t) -> libc::rlim_t {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit read and write the struct we own.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0, "getrlimit");
        if limit.rlim_cur < want {
            limit.rlim_cur = want.min(limit.rlim_max);
            assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &limit), 0, "setrlimit");
        }
    }
    limit.rlim_cur
}

/// Waits (at most `DEADLINE`) until `cond` holds.
fn wait_for(what: &str, cond: impl Fn() -> bool) {
    let until = Instant::now() + DEADLINE;
    while !cond() {
        assert!(Instant::now() < until, "timed out ({DEADLINE:?}) waiting until {what}");
        thread::sleep(Duration::from_millis(10));
    }
}

/// Whether the server closed `stream` (EOF or reset); false while it is still open (nothing to read).
fn closed_by_server(stream: &TcpStream) -> bool {
    stream.set_nonblocking(true).unwrap();
    let mut byte = [0u8; 1];
    let mut reader: &TcpStream = stream;
    match reader.read(&mut byte) {
        Ok(0) => true,
        Ok(n) => panic!("{n} unexpected bytes on a connection that sent nothing"),
        Err(e) if e.kind() == ErrorKind::ConnectionReset => true,
        Err(e) if e.kind() == ErrorKind::WouldBlock => false,
        Err(e) => panic!("read: {e}"),
    }
}

fn count_lines(s: &Scenario, needle: &str) -> usize {
    s.lines.iter().filter(|l| l.contains(needle)).count()
}

const HEADER_TIMEOUT_LOG: &str = "connection closed without a reply: no request header within header_timeout";
const READ_TIMEOUT_LOG: &str = "connection closed without a reply: no complete request within read_timeout";

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[test]
fn idle_and_byte_a_second_connections_do_not_keep_a_4_worker_pool_from_a_sequential_client() {
    // The outside trial's fault: each worker accepted one connection and blocked on it, so 4 idle
    // connections (or 1,000) left a normal client without a reply for read_timeout. Here 1,000 idle
    // connections and 50 that send a valid request one byte per second are held while a client
    // makes 2,000 sequential requests. Timeouts are short so that the test takes ~7 s:
    // header_timeout 4.5 s (a byte-a-second header is whole at ~3 s), read_timeout 6 s.
    const IDLE: usize = 1000;
    const SLOW: usize = 50;
    const REQUESTS: usize = 2000;
    let (header_timeout, read_timeout) = (4.5, 6.0);
    assert!(
        raise_nofile(4096) >= 2 * (IDLE + SLOW) as libc::rlim_t,
        "RLIMIT_NOFILE cannot be raised enough for {IDLE} + {SLOW} client connections"
    );
    // 4 x 512 connections: room for all of them (with the default 256, 1,050 would fill the pool
    // and the client would wait in the backlog, by design, until header_timeout frees some).
    let (mut s, addr, _) = Scenario::start(
        4,
        Listen::Tcp4,
        &Opts {
            read_timeout,
            header_timeout,
            max_connections: 512,
            ..opts("echo")
        },
    );
    let Addr::Tcp(sa) = addr.clone() else { unreachable!() };
    let t_idle = Instant::now();
    let idle: Vec<TcpStream> = (0..IDLE)
        .map(|i| TcpStream::connect_timeout(&sa, IO_TIMEOUT).unwrap_or_else(|e| panic!("idle connection {i}: {e}")))
        .collect();

    // Byte-a-second clients: the first half send a 1-byte request (5 bytes, whole at ~4 s: within
    // both timeouts), the second half a 14-byte one (18 bytes: not whole within read_timeout).
    let slow_requests: Vec<Vec<u8>> = (0..SLOW)
        .map(|i| {
            if i < SLOW / 2 {
                frame(&[b'a' + (i % 26) as u8])
            } else {
                frame(format!("slow client {i:>2}").as_bytes())
            }
        })
        .collect();
    let t_slow = Instant::now();
    let slow: Vec<TcpStream> = (0..SLOW)
        .map(|i| {
            let c = TcpStream::connect_timeout(&sa, IO_TIMEOUT).unwrap_or_else(|e| panic!("slow connection {i}: {e}"));
            c.set_nodelay(true).unwrap();
            c
        })
        .collect();
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let writers: Vec<TcpStream> = slow.iter().map(|c| c.try_clone().unwrap()).collect();
        let (requests, stop) = (slow_requests.clone(), stop.clone());
        thread::spawn(move || {
            let longest = requests.iter().map(Vec::len).max().unwrap();
            for k in 0..longest {
                // Byte k of every request at t_slow + k seconds.
                while Instant::now() < t_slow + Duration::from_secs(k as u64) {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    thread::sleep(Duration::from_millis(10));
                }
                for (w, request) in writers.iter().zip(&requests) {
                    if k < request.len() {
                        let mut w: &TcpStream = w;
                        let _ = w.write(&request[k..k + 1]); // a connection closed by read_timeout fails
                    }
                }
            }
        })
    };

    let mut latencies = Vec::with_capacity(REQUESTS);
    let mut failures = Vec::new();
    let mut while_held = 0usize;
    let t_requests = Instant::now();
    for i in 0..REQUESTS {
        let payload = format!("sequential request {i}").into_bytes();
        let t = Instant::now();
        match classify(round_trip(&addr, &payload), &payload) {
            Outcome::Correct => latencies.push(t.elapsed()),
            other => {
                failures.push(format!("request {i} after {:?}: {other:?}", t.elapsed()));
                if failures.len() >= 3 {
                    break;
                }
            }
        }
        if t_idle.elapsed() < Duration::from_secs_f64(header_timeout) {
            while_held += 1;
        }
    }
    let took = t_requests.elapsed();
    assert!(
        failures.is_empty(),
        "every sequential request is answered while idle and slow connections are held: {} correct, failures {failures:#?}",
        latencies.len()
    );
    latencies.sort_unstable();
    eprintln!(
        "{REQUESTS} sequential requests with {IDLE} idle + {SLOW} byte-a-second connections held: {took:?} in all, \
         p50 {:?}, p99 {:?}, max {:?}; {while_held} of them done before header_timeout closed the idle connections",
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
        percentile(&latencies, 1.0)
    );

    // The byte-a-second clients: the short requests are answered, the long ones closed by read_timeout.
    for (i, (c, request)) in slow.into_iter().zip(&slow_requests).enumerate() {
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let reply = read_reply(&mut Stream::Tcp(c)).map_err(|e| e.to_string());
        if i < SLOW / 2 {
            assert_eq!(
                reply,
                Ok(Reply::Data(request[4..].to_vec())),
                "byte-a-second client {i} (5 bytes) gets its reply"
            );
        } else {
            assert_eq!(
                reply,
                Ok(Reply::Closed),
                "byte-a-second client {i} (18 bytes) is closed by read_timeout"
            );
        }
    }
    stop.store(true, Ordering::SeqCst);
    writer.join().unwrap();
    assert!(
        t_slow.elapsed() >= Duration::from_secs_f64(read_timeout * 0.9),
        "the long byte-a-second requests were closed by read_timeout, not before: {:?}",
        t_slow.elapsed()
    );

    // Every idle connection was closed by the server, for header_timeout (the log says why).
    let still_open = idle.iter().filter(|c| !closed_by_server(c)).count();
    assert_eq!(
        still_open,
        0,
        "idle connections still open {:?} after they were opened",
        t_idle.elapsed()
    );
    s.wait_until("one log line per connection closed by a timeout", DEADLINE, |s| {
        count_lines(s, HEADER_TIMEOUT_LOG) >= IDLE && count_lines(s, READ_TIMEOUT_LOG) >= SLOW / 2
    });
    assert_eq!(count_lines(&s, HEADER_TIMEOUT_LOG), IDLE, "closed for header_timeout");
    assert_eq!(count_lines(&s, READ_TIMEOUT_LOG), SLOW / 2, "closed for read_timeout");
    s.assert_no_respawn(4);
    s.shut_down();
}

#[test]
fn idle_connections_are_closed_after_header_timeout_not_read_timeout_and_the_worker_serves_meanwhile() {
    // 1 worker, header_timeout 1 s, read_timeout 3 s.
    let (mut s, addr, _) = Scenario::start(
        1,
        Listen::Unix,
        &Opts {
            header_timeout: 1.0,
            read_timeout: 3.0,
            ..opts("echo")
        },
    );
    let t0 = Instant::now();
    let mut idle = connect(&addr).unwrap();
    let mut half_header = connect(&addr).unwrap();
    half_header.write_all(&[0, 0]).unwrap();
    let mut header_in = connect(&addr).unwrap();
    header_in.write_all(&10u32.to_be_bytes()).unwrap();
    header_in.write_all(b"abc").unwrap();
    thread::sleep(Duration::from_millis(100)); // the only worker now holds all three
    assert_echo(&addr, b"served while three connections wait");
    let served = t0.elapsed();

    let closed = |stream: &mut Stream, what: &str| {
        let reply = read_reply(stream).map_err(|e| e.to_string());
        assert_eq!(reply, Ok(Reply::Closed), "{what}: closed without a reply");
        t0.elapsed()
    };
    let idle_closed = closed(&mut idle, "idle connection");
    let half_closed = closed(&mut half_header, "half a header");
    let header_in_closed = closed(&mut header_in, "header and part of the body");
    assert!(
        served < idle_closed,
        "the worker served a request while it held the idle connection ({served:?} < {idle_closed:?})"
    );
    for (what, at) in [("idle", idle_closed), ("half a header", half_closed)] {
        assert!(
            at >= Duration::from_millis(800) && at < Duration::from_millis(2500),
            "{what}: closed at header_timeout (1 s), not read_timeout (3 s): {at:?}"
        );
    }
    assert!(
        header_in_closed >= Duration::from_millis(2500) && header_in_closed < Duration::from_millis(4500),
        "once the header is in, only read_timeout (3 s) counts: closed at {header_in_closed:?}"
    );
    s.wait_until("the log lines of the three closes", DEADLINE, |s| {
        count_lines(s, HEADER_TIMEOUT_LOG) >= 2 && count_lines(s, READ_TIMEOUT_LOG) >= 1
    });
    assert_eq!(count_lines(&s, HEADER_TIMEOUT_LOG), 2);
    assert_eq!(count_lines(&s, READ_TIMEOUT_LOG), 1);
    s.assert_no_respawn(1);
    s.shut_down();
}

#[test]
fn a_full_worker_leaves_the_next_connection_in_the_backlog_until_one_of_its_connections_frees() {
    // 1 worker, max_connections 2: with two idle connections held, a third is not accepted (it
    // waits in the listen backlog), and is served as soon as one of the two goes away.
    let (mut s, addr, pids) = Scenario::start(
        1,
        Listen::Unix,
        &Opts {
            max_connections: 2,
            header_timeout: 10.0,
            read_timeout: 10.0,
            ..opts("echo")
        },
    );
    let worker = pids[0];
    let sockets = || open_fds(worker).values().filter(|t| t.starts_with("socket:")).count();
    let base = sockets();
    let idle1 = connect(&addr).unwrap();
    let _idle2 = connect(&addr).unwrap();
    wait_for("the worker holds both idle connections", || sockets() == base + 2);

    let mut third = connect(&addr).unwrap();
    third.write_all(&frame(b"third")).unwrap();
    third.set_read_timeout(Duration::from_millis(500));
    let early = read_reply(&mut third);
    assert!(
        matches!(&early, Err(e) if is_timeout(e)),
        "no reply while the worker is full: {early:?}"
    );
    assert_eq!(
        sockets(),
        base + 2,
        "the worker did not accept a third connection while it held max_connections (2)"
    );

    let t = Instant::now();
    drop(idle1);
    third.set_read_timeout(IO_TIMEOUT);
    assert_eq!(read_reply(&mut third).unwrap(), Reply::Data(b"third".to_vec()));
    let waited = t.elapsed();
    assert!(
        waited < Duration::from_secs(3),
        "served once a connection freed, not after header_timeout (10 s): {waited:?}"
    );
    expect_closed_after(&mut third, "third");
    s.assert_no_respawn(1);
    s.shut_down();
}

#[test]
fn sigterm_with_idle_and_partial_connections_held_runs_worker_stop_within_the_grace_time() {
    // Long timeouts: only the stop grace (1 s, max_wait_time 3 s) can end these connections in time.
    let (mut s, addr, pids) = Scenario::start(
        2,
        Listen::Unix,
        &Opts {
            header_timeout: 20.0,
            read_timeout: 20.0,
            ..opts("echo")
        },
    );
    let mut held: Vec<Stream> = (0..20).map(|_| connect(&addr).unwrap()).collect();
    for _ in 0..4 {
        let mut partial = connect(&addr).unwrap();
        partial.write_all(&frame(b"never finished")[..6]).unwrap();
        held.push(partial);
    }
    assert_echo(&addr, b"before the stop");
    thread::sleep(Duration::from_millis(100));
    let t0 = Instant::now();
    s.signal(libc::SIGTERM);
    s.expect("shutdown", |l| l == "shutdown");
    s.expect_within("returned", Duration::from_secs(8), |l| l == "returned");
    let took = t0.elapsed();
    let stops = s.stops();
    assert!(
        pids.iter().enumerate().all(|(id, &pid)| stops.contains(&(id, pid))),
        "both workers ran WorkerStop: {stops:?}\n{}",
        s.transcript()
    );
    assert!(
        took < Duration::from_millis(2800),
        "the workers left within the grace time, before max_wait_time (3 s): {took:?}"
    );
    assert_eq!(s.wait_exit(DEADLINE).code(), Some(0));
    assert!(s.warnings().is_empty(), "no worker was killed: {:?}", s.warnings());
    for (i, c) in held.iter_mut().enumerate() {
        assert_eq!(
            read_reply(c).map_err(|e| e.to_string()),
            Ok(Reply::Closed),
            "held connection {i} closed without a reply"
        );
    }
}
