//! `socket_bench --held IDLE,SLOW`: the latency of sequential requests to a SOCKET pool while other
//! clients hold IDLE idle connections (connected, sending nothing) and SLOW connections that send a
//! valid request one byte per second, against the same pool with nothing held ("quiet").
//!
//! A pressure thread keeps the held connections at their count for the whole measurement: the pool
//! closes idle ones after header_timeout and slow ones after read_timeout (or answers them), and each
//! one closed is opened again at once. Per target and transport, R rounds of: N sequential requests
//! quiet, then the held connections are opened, N sequential requests again, then they are closed.
//! Printed: p50 / p99 / max of each, medians over the rounds, and held ÷ quiet. The baseline server
//! is not measured: its processes block in read() on the first connection each (no timeout), so
//! with idle connections held it serves nothing.

use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{die, start_server, stop_server, Addr, Conn, Options, Transport};
use crate::common::{median_of, Target};

/// One round: (quiet, held).
type Round = (Latency, Latency);

/// The figures of N sequential requests.
struct Latency {
    p50_us: f64,
    p99_us: f64,
    max_us: f64,
    errors: usize,
    first_error: Option<String>,
}

/// N sequential requests (connect, send one frame, read the reply, close), each timed.
fn sequential(addr: &Addr, requests: usize, payload: usize) -> Latency {
    let mut frame = (payload as u32).to_be_bytes().to_vec();
    frame.extend((0..payload).map(|i| b'a' + (i % 26) as u8));
    let mut reply = vec![0u8; frame.len()];
    let mut samples = Vec::with_capacity(requests);
    let (mut errors, mut first_error) = (0, None);
    for _ in 0..requests {
        let t0 = Instant::now();
        match super::one_request(addr, &frame, &mut reply) {
            Ok(()) => samples.push(t0.elapsed().as_nanos() as u64),
            Err(e) => {
                errors += 1;
                first_error.get_or_insert(e);
            }
        }
    }
    samples.sort_unstable();
    Latency {
        p50_us: crate::common::percentile_us(&samples, 0.50),
        p99_us: crate::common::percentile_us(&samples, 0.99),
        max_us: samples.last().map_or(f64::NAN, |&ns| ns as f64 / 1000.0),
        errors,
        first_error,
    }
}

/// Raises the soft RLIMIT_NOFILE to at least `want` (within the hard limit); the servers started
/// afterwards inherit it.
pub fn raise_nofile(want: u64) {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit read and write the struct we own.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < want {
            limit.rlim_cur = want.min(limit.rlim_max);
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

/// One held connection.
struct Held {
    conn: Conn,
    /// A byte-a-second client: how much of its request it has sent.
    slow: Option<usize>,
}

/// What the pressure thread saw.
#[derive(Default)]
struct PressureStats {
    /// Idle connections closed by the pool (and opened again).
    idle_closed: AtomicUsize,
    /// Byte-a-second connections answered or closed by the pool (and opened again).
    slow_ended: AtomicUsize,
}

/// The thread that holds the connections; dropping it (or `stop`) closes them all.
struct Pressure {
    stop: Arc<AtomicBool>,
    stats: Arc<PressureStats>,
    thread: Option<JoinHandle<()>>,
}

impl Pressure {
    fn start(addr: &Addr, idle: usize, slow: usize, payload: usize) -> Pressure {
        let stop = Arc::new(AtomicBool::new(false));
        let ready = Arc::new(AtomicBool::new(false));
        let stats = Arc::new(PressureStats::default());
        let thread = {
            let (addr, stop, ready, stats) = (addr.clone(), stop.clone(), ready.clone(), stats.clone());
            std::thread::spawn(move || hold(&addr, idle, slow, payload, &stop, &ready, &stats))
        };
        let until = Instant::now() + Duration::from_secs(60);
        while !ready.load(Ordering::SeqCst) {
            if Instant::now() > until {
                die("the held connections were not all opened within 60 s");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Pressure {
            stop,
            stats,
            thread: Some(thread),
        }
    }

    fn stop(mut self) -> (usize, usize) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        (
            self.stats.idle_closed.load(Ordering::SeqCst),
            self.stats.slow_ended.load(Ordering::SeqCst),
        )
    }
}

fn open(addr: &Addr) -> Conn {
    let conn = Conn::connect(addr).unwrap_or_else(|e| die(&format!("held connection: connect: {e}")));
    match &conn {
        Conn::Tcp(s) => {
            s.set_nodelay(true).unwrap();
            s.set_nonblocking(true).unwrap();
        }
        Conn::Unix(s) => s.set_nonblocking(true).unwrap(),
    }
    conn
}

fn raw_fd(conn: &Conn) -> i32 {
    match conn {
        Conn::Tcp(s) => s.as_raw_fd(),
        Conn::Unix(s) => s.as_raw_fd(),
    }
}

fn hold(
    addr: &Addr,
    idle: usize,
    slow: usize,
    payload: usize,
    stop: &AtomicBool,
    ready: &AtomicBool,
    stats: &PressureStats,
) {
    let mut request = (payload as u32).to_be_bytes().to_vec();
    request.extend((0..payload).map(|i| b'a' + (i % 26) as u8));
    let mut held: Vec<Held> = (0..idle + slow)
        .map(|i| Held {
            conn: open(addr),
            slow: (i >= idle).then_some(0),
        })
        .collect();
    ready.store(true, Ordering::SeqCst);
    let mut next_byte = Instant::now();
    let mut buf = [0u8; 4096];
    let mut fds: Vec<libc::pollfd> = Vec::with_capacity(held.len());
    while !stop.load(Ordering::SeqCst) {
        if Instant::now() >= next_byte {
            next_byte += Duration::from_secs(1);
            for h in held.iter_mut() {
                if let Some(sent) = h.slow.as_mut() {
                    if *sent < request.len() && matches!(h.conn.stream().write(&request[*sent..*sent + 1]), Ok(1)) {
                        *sent += 1;
                    }
                }
            }
        }
        fds.clear();
        fds.extend(held.iter().map(|h| libc::pollfd {
            fd: raw_fd(&h.conn),
            events: libc::POLLIN,
            revents: 0,
        }));
        // SAFETY: poll on a vector we own, with its length.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, 50) };
        if n <= 0 {
            continue;
        }
        for (i, fd) in fds.iter().enumerate() {
            if fd.revents == 0 {
                continue;
            }
            // The pool closed it (EOF or reset), or answered a slow one: read what is there, and
            // replace the connection once the pool is done with it.
            let ended = loop {
                match held[i].conn.stream().read(&mut buf) {
                    Ok(0) => break true,
                    Ok(_) => continue,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break false,
                    Err(_) => break true,
                }
            };
            if ended {
                match held[i].slow {
                    Some(_) => stats.slow_ended.fetch_add(1, Ordering::SeqCst),
                    None => stats.idle_closed.fetch_add(1, Ordering::SeqCst),
                };
                let slow = held[i].slow.map(|_| 0);
                held[i] = Held { conn: open(addr), slow };
            }
        }
    }
}

/// `--held IDLE,SLOW`: quiet vs held latency of sequential requests, per transport and target.
pub fn run(o: &Options, spec: &str, targets: &[Target], dir: &std::path::Path) {
    let (idle, slow) = match spec.split_once(',') {
        Some((a, b)) => (a.trim().parse().ok(), b.trim().parse().ok()),
        None => (spec.trim().parse().ok(), Some(0)),
    };
    let (Some(idle), Some(slow)): (Option<usize>, Option<usize>) = (idle, slow) else {
        die("--held IDLE,SLOW: two numbers")
    };
    raise_nofile(2 * (idle + slow) as u64 + 1024);
    let targets: Vec<Target> = targets.iter().copied().filter(|&t| t != Target::Baseline).collect();
    println!(
        "socket_bench --held: {} sequential requests per measurement, {} rounds, {}-byte payload, {} workers, max_connections {}; \
         held: {idle} idle + {slow} byte-a-second connections (the baseline is not measured: it blocks on idle connections)",
        o.requests,
        o.rounds,
        o.payload,
        o.workers,
        if o.max_connections == 0 { "default".to_string() } else { o.max_connections.to_string() }
    );
    let mut table: Vec<(Transport, Target, Vec<Round>)> = Vec::new();
    for &transport in &o.transports {
        for &target in &targets {
            let server = match start_server(o, target, transport, dir) {
                Ok(s) => s,
                Err(why) => {
                    println!("{} skipped over {}: {why}", target.label(), transport.name());
                    continue;
                }
            };
            sequential(&server.addr, o.warmup.max(1), o.payload);
            let mut rounds = Vec::new();
            for round in 0..o.rounds {
                let quiet = sequential(&server.addr, o.requests, o.payload);
                let pressure = Pressure::start(&server.addr, idle, slow, o.payload);
                std::thread::sleep(Duration::from_millis(300));
                let loaded = sequential(&server.addr, o.requests, o.payload);
                let (idle_closed, slow_ended) = pressure.stop();
                println!(
                    "  round {} {:<4} {:<8}  quiet p50 {:>7.1} us p99 {:>8.1} us max {:>9.1} us | held p50 {:>7.1} us p99 {:>8.1} us max {:>9.1} us  (reopened {idle_closed} idle, {slow_ended} slow){}",
                    round + 1,
                    transport.name(),
                    target.name(),
                    quiet.p50_us,
                    quiet.p99_us,
                    quiet.max_us,
                    loaded.p50_us,
                    loaded.p99_us,
                    loaded.max_us,
                    match (quiet.errors + loaded.errors, quiet.first_error.as_ref().or(loaded.first_error.as_ref())) {
                        (0, _) => String::new(),
                        (n, e) => format!("  ERRORS {n} (first: {})", e.map_or("", String::as_str)),
                    }
                );
                rounds.push((quiet, loaded));
                // Let the pool notice the closes before the next quiet measurement.
                std::thread::sleep(Duration::from_millis(300));
            }
            stop_server(server);
            table.push((transport, target, rounds));
        }
    }
    println!();
    println!("medians of {} rounds (us); x p99 = held p99 / quiet p99", o.rounds);
    println!(
        "{:<5} {:<9} {:>10} {:>10} {:>10}   {:>10} {:>10} {:>10}   {:>7}",
        "", "target", "quiet p50", "quiet p99", "quiet max", "held p50", "held p99", "held max", "x p99"
    );
    for (transport, target, rounds) in &table {
        let q50 = median_of(rounds, |r| r.0.p50_us);
        let q99 = median_of(rounds, |r| r.0.p99_us);
        let qmax = median_of(rounds, |r| r.0.max_us);
        let h50 = median_of(rounds, |r| r.1.p50_us);
        let h99 = median_of(rounds, |r| r.1.p99_us);
        let hmax = median_of(rounds, |r| r.1.max_us);
        let errors: usize = rounds.iter().map(|r| r.0.errors + r.1.errors).sum();
        println!(
            "{:<5} {:<9} {:>10.1} {:>10.1} {:>10.1}   {:>10.1} {:>10.1} {:>10.1}   {:>6.2}x{}",
            transport.name(),
            target.name(),
            q50,
            q99,
            qmax,
            h50,
            h99,
            hmax,
            h99 / q99,
            if errors > 0 {
                format!("  ({errors} failed requests)")
            } else {
                String::new()
            }
        );
    }
}
