//! socket_bench: a load generator for procpool's SOCKET mode.
//!
//! Drives a 2-worker SOCKET pool with C concurrent client threads (each one: connect, send one
//! frame, read the reply frame, close — one request per connection) over TCP and over a unix
//! socket, for three servers measured in the same run, interleaved round by round:
//!
//! * `baseline`: the same accept → read frame → write frame → close loop written directly against
//!   libc, in this binary (`socket_bench --baseline-server SPEC N`): one listening socket, N forked
//!   processes blocking in accept(2) on it.
//! * `c`: bench/socket_echo.c against the C ABI (include/procpool.h, target/release/libprocpool.so),
//!   compiled by this binary with `cc`.
//! * `php`: `php -d extension=target/release/libprocpool_php.so bench/socket_echo.php SPEC`.
//!
//! Prints requests/s and p50/p99 latency (medians over the rounds), each as a ratio to the baseline.
//! Run `socket_bench --help` for the options.

#[path = "common.rs"]
mod common;
#[path = "held.rs"]
mod held;

use common::*;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const PROG: &str = "socket_bench";

const USAGE: &str = "\
usage: socket_bench [options]

  -n, --requests N      measured requests per target per round   (env BENCH_REQUESTS, default 20000)
  -c, --concurrency C   concurrent client connections (threads)   (env BENCH_CONCURRENCY, default 16)
  -s, --payload BYTES   request payload size                      (env BENCH_PAYLOAD, default 64)
  -t, --targets LIST    comma list of baseline,c,php              (env BENCH_TARGETS, default baseline,c,php)
  -T, --transports LIST comma list of tcp,unix                    (env BENCH_TRANSPORTS, default tcp,unix)
  -r, --rounds R        rounds; each figure is the median of R    (env BENCH_ROUNDS, default 3)
  -w, --warmup N        unmeasured requests before each target    (env BENCH_WARMUP, default 2000)
      --workers N       worker processes per server               (env BENCH_WORKERS, default 2)
      --root DIR        the procpool checkout                     (env BENCH_ROOT, default: this crate's parent)
      --lib-dir DIR     where libprocpool.so / libprocpool_php.so are (default ROOT/target/release)
      --php PATH        the php binary                            (env PHP, default php)
      --connect SPEC    only load an already running server (tcp://HOST:PORT or unix:/path): one
                        warm-up + one measured run, no ratios (used by bench/profile.sh)
      --held IDLE,SLOW  instead: latency of N sequential requests while IDLE idle connections and SLOW
                        connections sending a request one byte per second are held, vs quiet (C and
                        PHP targets only; see bench/README.md)         (env BENCH_HELD)
      --max-connections N  the servers' max_connections (0: the pool's default, 256)
                                                                      (env BENCH_MAX_CONNECTIONS, default 0)

The baseline is always measured (ratios need it). Rounds run the targets in a rotated order.
";

/// The goal on the C ABI's slowdown (baseline req/s ÷ target req/s); PHP's is 2.0.
const C_GOAL: f64 = 1.25;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Transport {
    Tcp,
    Unix,
}

impl Transport {
    fn name(self) -> &'static str {
        match self {
            Transport::Tcp => "tcp",
            Transport::Unix => "unix",
        }
    }
}

#[derive(Clone, Debug)]
enum Addr {
    Tcp(u16),
    Unix(PathBuf),
}

impl Addr {
    fn spec(&self) -> String {
        match self {
            Addr::Tcp(port) => format!("tcp://127.0.0.1:{port}"),
            Addr::Unix(path) => format!("unix:{}", path.display()),
        }
    }
}

struct Options {
    requests: usize,
    concurrency: usize,
    payload: usize,
    targets: Vec<Target>,
    transports: Vec<Transport>,
    rounds: usize,
    warmup: usize,
    workers: usize,
    setup: Setup,
    connect: Option<String>,
    /// `--held IDLE,SLOW`: the held-connections latency mode (held.rs).
    held: Option<String>,
    /// The servers' max_connections (0: the pool's default).
    max_connections: usize,
}

fn die(msg: &str) -> ! {
    common::die(PROG, msg)
}

fn parse_options(args: &[String]) -> Options {
    let mut specs = vec![
        ("-n", "--requests", "BENCH_REQUESTS", "20000"),
        ("-c", "--concurrency", "BENCH_CONCURRENCY", "16"),
        ("-s", "--payload", "BENCH_PAYLOAD", "64"),
        ("-t", "--targets", "BENCH_TARGETS", "baseline,c,php"),
        ("-T", "--transports", "BENCH_TRANSPORTS", "tcp,unix"),
        ("-r", "--rounds", "BENCH_ROUNDS", "3"),
        ("-w", "--warmup", "BENCH_WARMUP", "2000"),
        ("", "--workers", "BENCH_WORKERS", "2"),
        ("", "--connect", "", ""),
        ("", "--held", "BENCH_HELD", ""),
        ("", "--max-connections", "BENCH_MAX_CONNECTIONS", "0"),
    ];
    specs.extend(SETUP_SPECS);
    let v = parse_args(PROG, USAGE, args, &specs);
    let num = |i: usize, what| parse_num(PROG, what, &v[i]);
    let targets = Target::parse_list(PROG, &v[3]);
    let transports = v[4]
        .split(',')
        .filter(|t| !t.is_empty())
        .map(|t| match t.trim() {
            "tcp" => Transport::Tcp,
            "unix" => Transport::Unix,
            other => die(&format!("unknown transport '{other}' (tcp, unix)")),
        })
        .collect();
    let o = Options {
        requests: num(0, "requests"),
        concurrency: num(1, "concurrency"),
        payload: num(2, "payload"),
        targets,
        transports,
        rounds: num(5, "rounds"),
        warmup: num(6, "warmup"),
        workers: num(7, "workers"),
        connect: Some(v[8].clone()).filter(|c| !c.is_empty()),
        held: Some(v[9].clone()).filter(|c| !c.is_empty()),
        max_connections: num(10, "max-connections"),
        setup: Setup::from_values(&v[11..]),
    };
    if o.requests == 0 || o.concurrency == 0 || o.payload == 0 || o.rounds == 0 || o.workers == 0 {
        die("requests, concurrency, payload, rounds and workers must be > 0");
    }
    o
}

// ---------------------------------------------------------------------------------------------
// The baseline server: plain libc, N forked processes accepting on one blocking listening socket.
// ---------------------------------------------------------------------------------------------

fn read_exact_fd(fd: i32, buf: &mut [u8]) -> bool {
    let mut got = 0;
    while got < buf.len() {
        // SAFETY: reading into a live buffer.
        let n = unsafe { libc::read(fd, buf[got..].as_mut_ptr().cast(), buf.len() - got) };
        if n > 0 {
            got += n as usize;
        } else if n == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            return false;
        }
    }
    true
}

fn baseline_worker(listen_fd: i32) -> ! {
    const MAX: usize = 2 * 1024 * 1024;
    let mut body = vec![0u8; MAX];
    loop {
        // SAFETY: accept4 on our listening socket; the fd is closed below.
        let conn = unsafe {
            libc::accept4(
                listen_fd,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                libc::SOCK_CLOEXEC,
            )
        };
        if conn < 0 {
            continue;
        }
        let mut header = [0u8; 4];
        if read_exact_fd(conn, &mut header) {
            let len = u32::from_be_bytes(header) as usize;
            if len > 0 && len <= MAX && read_exact_fd(conn, &mut body[..len]) {
                let total = 4 + len;
                // One call sends the whole (small) reply in practice; a short send just ends the
                // connection (the client reports an error).
                let n = sendmsg2(conn, &header, &body[..len]);
                if n >= 0 && (n as usize) < total {
                    // Rare (big payloads only): finish the send from a flat copy.
                    let mut rest = header.to_vec();
                    rest.extend_from_slice(&body[..len]);
                    send_all_fd(conn, &rest[n as usize..]);
                }
            }
        }
        // SAFETY: closing the connection we accepted.
        unsafe { libc::close(conn) };
    }
}

fn send_all_fd(fd: i32, mut buf: &[u8]) {
    while !buf.is_empty() {
        // SAFETY: sending from a live buffer.
        let n = unsafe { libc::send(fd, buf.as_ptr().cast(), buf.len(), libc::MSG_NOSIGNAL) };
        if n <= 0 {
            return;
        }
        buf = &buf[n as usize..];
    }
}

fn baseline_server(spec: &str, workers: usize) -> ! {
    let listen_fd = match spec.strip_prefix("unix:") {
        Some(path) => {
            let _ = std::fs::remove_file(path);
            let l = std::os::unix::net::UnixListener::bind(path).unwrap_or_else(|e| die(&format!("bind {spec}: {e}")));
            std::os::fd::IntoRawFd::into_raw_fd(l)
        }
        None => {
            let addr = spec.strip_prefix("tcp://").unwrap_or(spec);
            let l = TcpListener::bind(addr).unwrap_or_else(|e| die(&format!("bind {spec}: {e}")));
            std::os::fd::IntoRawFd::into_raw_fd(l)
        }
    };
    // SAFETY: listen on the socket we just bound.
    unsafe { libc::listen(listen_fd, libc::SOMAXCONN) };
    fork_until_term(PROG, workers, |_| baseline_worker(listen_fd));
    if let Some(path) = spec.strip_prefix("unix:") {
        let _ = std::fs::remove_file(path);
    }
    std::process::exit(0);
}

// ---------------------------------------------------------------------------------------------
// The client side.
// ---------------------------------------------------------------------------------------------

enum Conn {
    Tcp(TcpStream),
    Unix(UnixStream),
}

/// A connected stream, read and written through one `&mut` (no fd duplicated).
trait Stream: Read + Write {}
impl<T: Read + Write> Stream for T {}

impl Conn {
    fn connect(addr: &Addr) -> std::io::Result<Conn> {
        Ok(match addr {
            Addr::Tcp(port) => Conn::Tcp(TcpStream::connect(("127.0.0.1", *port))?),
            Addr::Unix(path) => Conn::Unix(UnixStream::connect(path)?),
        })
    }
    fn stream(&mut self) -> &mut dyn Stream {
        match self {
            Conn::Tcp(s) => s,
            Conn::Unix(s) => s,
        }
    }
}

/// One request: connect, send the frame, read the reply frame, check it, close.
fn one_request(addr: &Addr, frame: &[u8], reply: &mut [u8]) -> Result<(), String> {
    let mut conn = Conn::connect(addr).map_err(|e| format!("connect: {e}"))?;
    let stream = conn.stream();
    stream.write_all(frame).map_err(|e| format!("send: {e}"))?;
    stream.read_exact(reply).map_err(|e| format!("recv: {e}"))?;
    if reply != frame {
        return Err("the reply is not the echo of the request".into());
    }
    Ok(())
}

struct RunResult {
    rps: f64,
    /// Server-side CPU time (manager + workers, from /proc/PID/schedstat) per request, in µs.
    cpu_us: f64,
    p50_us: f64,
    p99_us: f64,
    errors: usize,
    first_error: Option<String>,
}

fn run_load(addr: &Addr, requests: usize, concurrency: usize, payload: usize, record: bool) -> RunResult {
    let mut frame = (payload as u32).to_be_bytes().to_vec();
    frame.extend((0..payload).map(|i| b'a' + (i % 26) as u8));
    let frame = Arc::new(frame);
    let remaining = Arc::new(AtomicUsize::new(requests));
    let started = Instant::now();
    let threads: Vec<_> = (0..concurrency.min(requests))
        .map(|_| {
            let (addr, frame, remaining) = (addr.clone(), frame.clone(), remaining.clone());
            std::thread::spawn(move || {
                let mut samples = Vec::with_capacity(if record { requests / concurrency + 1 } else { 0 });
                let mut reply = vec![0u8; frame.len()];
                let (mut errors, mut first_error) = (0usize, None);
                while remaining
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                    .is_ok()
                {
                    let t0 = Instant::now();
                    match one_request(&addr, &frame, &mut reply) {
                        Ok(()) => {
                            if record {
                                samples.push(t0.elapsed().as_nanos() as u64);
                            }
                        }
                        Err(e) => {
                            errors += 1;
                            first_error.get_or_insert(e);
                        }
                    }
                }
                (samples, errors, first_error)
            })
        })
        .collect();
    let mut samples = Vec::with_capacity(requests);
    let (mut errors, mut first_error) = (0, None);
    for t in threads {
        let (s, e, f) = t.join().expect("client thread panicked");
        samples.extend(s);
        errors += e;
        if first_error.is_none() {
            first_error = f;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    samples.sort_unstable();
    RunResult {
        rps: (requests - errors) as f64 / elapsed,
        cpu_us: f64::NAN,
        p50_us: percentile_us(&samples, 0.50),
        p99_us: percentile_us(&samples, 0.99),
        errors,
        first_error,
    }
}

// ---------------------------------------------------------------------------------------------
// Servers: start, wait until they answer, stop.
// ---------------------------------------------------------------------------------------------

struct Server {
    target: Target,
    addr: Addr,
    child: Child,
}

fn free_tcp_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| die(&format!("no free port: {e}")))
}

fn start_server(o: &Options, target: Target, transport: Transport, dir: &Path) -> Result<Server, String> {
    let addr = match transport {
        Transport::Tcp => Addr::Tcp(free_tcp_port()),
        Transport::Unix => Addr::Unix(dir.join(format!("{}.sock", target.name()))),
    };
    let mut args = vec![addr.spec(), o.workers.to_string()];
    if o.max_connections > 0 {
        args.push(o.max_connections.to_string());
    }
    let mut child = o
        .setup
        .command(target, "--baseline-server", "socket_echo.php", &args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start the {} server: {e}", target.name()))?;
    // Ready = a real request gets its echo back.
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut frame = 4u32.to_be_bytes().to_vec();
    frame.extend(b"ping");
    let mut reply = [0u8; 8];
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("the {} server exited at startup ({status})", target.name()));
        }
        match one_request(&addr, &frame, &mut reply) {
            Ok(()) => return Ok(Server { target, addr, child }),
            Err(e) if Instant::now() > deadline => {
                stop_server(Server { target, addr, child });
                return Err(format!("the {} server did not answer within 15 s: {e}", target.name()));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

fn stop_server(mut s: Server) {
    stop_child(PROG, &format!("{} server", s.target.name()), &mut s.child, false);
    if let Addr::Unix(path) = &s.addr {
        let _ = std::fs::remove_file(path);
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--baseline-server") {
        let spec = args.get(1).unwrap_or_else(|| die("--baseline-server SPEC [WORKERS]"));
        let workers = args.get(2).map_or(2, |w| parse_num(PROG, "workers", w));
        baseline_server(spec, workers);
    }
    let o = parse_options(&args);
    if let Some(spec) = &o.connect {
        let addr = match spec.strip_prefix("unix:") {
            Some(path) => Addr::Unix(PathBuf::from(path)),
            None => Addr::Tcp(
                spec.rsplit_once(':')
                    .and_then(|(_, p)| p.parse().ok())
                    .unwrap_or_else(|| die("--connect: tcp://127.0.0.1:PORT or unix:/path")),
            ),
        };
        if o.warmup > 0 {
            run_load(&addr, o.warmup, o.concurrency, o.payload, false);
        }
        let r = run_load(&addr, o.requests, o.concurrency, o.payload, true);
        println!(
            "{spec}: {:.0} req/s  p50 {:.1} us  p99 {:.1} us  errors {}",
            r.rps, r.p50_us, r.p99_us, r.errors
        );
        return;
    }

    let mut o = o;
    let targets = o
        .setup
        .usable_targets(&o.targets, "bench/socket_echo.c", "socket_echo_c");

    let dir = std::env::temp_dir().join(format!("procpool-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| die(&format!("mkdir {}: {e}", dir.display())));
    if let Some(spec) = o.held.clone() {
        held::run(&o, &spec, &targets, &dir);
        let _ = std::fs::remove_dir(&dir);
        return;
    }
    println!(
        "socket_bench: {} requests x {} rounds per target (+{} warm-up), {} concurrent connections, {}-byte payload, {} workers per server",
        o.requests, o.rounds, o.warmup, o.concurrency, o.payload, o.workers
    );

    // (transport, target) -> per-round results
    let mut table: Vec<(Transport, Target, Vec<RunResult>)> = Vec::new();
    for &transport in &o.transports {
        let mut servers = Vec::new();
        for &target in &targets {
            match start_server(&o, target, transport, &dir) {
                Ok(s) => {
                    // Warm up: PHP's first calls, page faults, TCP/accept queues.
                    let w = run_load(&s.addr, o.warmup.max(1), o.concurrency, o.payload, false);
                    if w.errors > 0 {
                        eprintln!(
                            "socket_bench: {} {} warm-up: {} errors (first: {})",
                            transport.name(),
                            target.name(),
                            w.errors,
                            w.first_error.unwrap_or_default()
                        );
                    }
                    servers.push(s);
                }
                Err(why) => println!("{} skipped over {}: {why}", target.label(), transport.name()),
            }
        }
        if !servers.iter().any(|s| s.target == Target::Baseline) {
            println!(
                "baseline server did not start over {}; no ratios for this transport",
                transport.name()
            );
        }
        let mut results: Vec<Vec<RunResult>> = servers.iter().map(|_| Vec::new()).collect();
        for round in 0..o.rounds {
            for i in rotated(round, servers.len()) {
                let s = &servers[i];
                let cpu0 = tree_cpu_ns(s.child.id());
                let mut r = run_load(&s.addr, o.requests, o.concurrency, o.payload, true);
                r.cpu_us = (tree_cpu_ns(s.child.id()) - cpu0) as f64 / 1000.0 / o.requests as f64;
                println!(
                    "  round {} {:<4} {:<8}  {:>9.0} req/s  p50 {:>7.1} us  p99 {:>7.1} us  server cpu {:>5.1} us/req{}",
                    round + 1,
                    transport.name(),
                    s.target.name(),
                    r.rps,
                    r.p50_us,
                    r.p99_us,
                    r.cpu_us,
                    if r.errors > 0 { format!("  ERRORS {} (first: {})", r.errors, r.first_error.as_deref().unwrap_or("")) } else { String::new() }
                );
                results[i].push(r);
            }
        }
        for (s, r) in servers.into_iter().zip(results) {
            table.push((transport, s.target, r));
            stop_server(s);
        }
    }
    let _ = std::fs::remove_dir(&dir);

    println!();
    println!(
        "medians of {} rounds; x req/s = baseline req/s / target req/s (slowdown, >1 is slower);",
        o.rounds
    );
    println!("x p50, x p99, x cpu = target / baseline; cpu us/r = server CPU (manager + workers) per request");
    println!(
        "{:<5} {:<9} {:>10} {:>10} {:>10} {:>9}   {:>8} {:>8} {:>8} {:>8}   goal (on x req/s)",
        "", "target", "req/s", "p50 us", "p99 us", "cpu us/r", "x req/s", "x p50", "x p99", "x cpu"
    );
    let mut misses = Vec::new();
    for &transport in &o.transports {
        let med = |t: Target| {
            table
                .iter()
                .find(|(tr, tg, _)| *tr == transport && *tg == t)
                .map(|(_, _, r)| {
                    (
                        median_of(r, |x| x.rps),
                        median_of(r, |x| x.p50_us),
                        median_of(r, |x| x.p99_us),
                        median_of(r, |x| x.cpu_us),
                        r.iter().map(|x| x.errors).sum::<usize>(),
                    )
                })
        };
        let base = med(Target::Baseline);
        for &target in &targets {
            let Some((rps, p50, p99, cpu, errors)) = med(target) else {
                continue;
            };
            let (xr, x50, x99, xcpu) = match base {
                Some((brps, b50, b99, bcpu, _)) => (brps / rps, p50 / b50, p99 / b99, cpu / bcpu),
                None => (f64::NAN, f64::NAN, f64::NAN, f64::NAN),
            };
            let over = format!("over {}", transport.name());
            let goal = goal_text(target.name(), &over, xr, target.goal(C_GOAL), &mut misses);
            println!(
                "{:<5} {:<9} {:>10.0} {:>10.1} {:>10.1} {:>9.1}   {:>7.2}x {:>7.2}x {:>7.2}x {:>7.2}x   {}{}",
                transport.name(),
                target.name(),
                rps,
                p50,
                p99,
                cpu,
                xr,
                x50,
                x99,
                xcpu,
                goal,
                if errors > 0 {
                    format!("  ({errors} failed requests)")
                } else {
                    String::new()
                }
            );
        }
    }
    print_misses(&misses);
}
