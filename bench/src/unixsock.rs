//! unixsock_bench: procpool's UNIXSOCK mode, worker 0 → worker 1.
//!
//! Cases: N messages of 64 bytes without the message bus (messages/s), and, with the message bus,
//! messages of 1 KiB, 4 KiB, 64 KiB, 1 MiB and 16 MiB (MB/s, 10^6 bytes/s). Three targets, each a
//! subprocess that runs one transfer and prints
//! `result elapsed_ns=.. count=.. bytes=.. send_cpu_ns=.. recv_cpu_ns=..`:
//!
//! * `baseline`: `unixsock_bench --baseline-pair N SIZE BUS [SOCKBUF]`, in this binary: two
//!   SOCK_DGRAM socketpairs made before forking a sender and a receiver (procpool's layout,
//!   including its SO_SNDBUF/SO_RCVBUF request); blocking send(2) / recv(2). With BUS, each message
//!   goes as datagrams of a 32-byte header + at most 65504 bytes (the bus's chunking, 17 datagrams
//!   per MiB) and the receiver concatenates them into one reused buffer.
//! * `c-abi`: bench/unixsock_pair.c (procpool_message_send), compiled with `cc`.
//! * `php-ext`: bench/unixsock_pair.php (sendMessage).
//!
//! In all three the receiver says "ready" to the sender first, the sender takes t0 (CLOCK_MONOTONIC)
//! and sends, the receiver takes the time of the N-th arrival; the elapsed time excludes process
//! start-up. CPU per message = sender + receiver CPU (their /proc/self/schedstat) ÷ N. Rounds
//! run the targets in a rotated order; figures are medians over the rounds.

#[path = "common.rs"]
mod common;

use common::*;
use std::io::Read;
use std::time::{Duration, Instant};

const PROG: &str = "unixsock_bench";
const USAGE: &str = "\
usage: unixsock_bench [options]

  -n, --messages N        64-byte messages per run, no bus          (env BENCH_UNIX_MESSAGES, default 200000)
      --small BYTES       size of the messages without the bus      (default 64)
      --bus-sizes LIST    message sizes with the bus, bytes          (env BENCH_UNIX_BUS_SIZES,
                          default 1024,4096,65536,1048576,16777216)
  -m, --bus-messages LIST messages per run for each bus size, or one count for all
                          (env BENCH_UNIX_BUS_MESSAGES, default auto: 2^30 / size within 64..200000)
      --big BYTES         old spelling of --bus-sizes BYTES
      --big-messages M    old spelling of --bus-messages M
      --cases LIST        comma list of small,bus ('big' = bus)       (default small,bus)
  -t, --targets LIST      comma list of baseline,c,php               (env BENCH_TARGETS, default baseline,c,php)
  -r, --rounds R          rounds; each figure is the median of R     (env BENCH_ROUNDS, default 5)
      --baseline-sockbuf B  SO_SNDBUF/SO_RCVBUF the baseline asks for on its socketpairs, as procpool
                          does (default 212992, procpool's request; 0 = the kernel's default)
      --root DIR          the procpool checkout                      (env BENCH_ROOT, default: this crate's parent)
      --lib-dir DIR       where libprocpool.so / libprocpool_php.so are (default ROOT/target/release)
      --php PATH          the php binary                             (env PHP, default php)

Each run is a fresh 2-worker pool (or baseline pair); one unmeasured warm-up run (N/10) per target
and case. The baseline is always measured (ratios need it).
";

const HEADER_LEN: usize = 32;
const CHUNK_PAYLOAD: usize = 64 * 1024 - HEADER_LEN;

/// What procpool asks for as SO_SNDBUF and SO_RCVBUF on its UNIXSOCK socketpairs
/// (core/src/ipc/unixsock.rs SOCKET_BUFFER_REQUEST; the kernel doubles it).
const PROCPOOL_SOCKBUF: usize = 212_992;

/// The goal on the C ABI's slowdown (baseline rate ÷ target rate) for 64 B and 1 KiB; PHP's is 2.0.
const C_GOAL: f64 = 1.2;
/// The goals on the throughput ratio (target rate ÷ baseline rate) with the bus from 4 KiB up.
const C_BUS_GOAL: f64 = 0.9;
const PHP_BUS_GOAL: f64 = 0.8;
const BUS_GOAL_FROM: usize = 4096;

// ---------------------------------------------------------------------------------------------
// The baseline: raw SOCK_DGRAM socketpairs between two forked processes.
// ---------------------------------------------------------------------------------------------

fn self_cpu_ns() -> u64 {
    cpu_ns_of("self")
}

fn send_dgram(fd: i32, header: &[u8], payload: &[u8]) {
    loop {
        if sendmsg2(fd, header, payload) >= 0 {
            return;
        }
        if std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            say(&format!("baseline: sendmsg: {}\n", std::io::Error::last_os_error()));
            // SAFETY: _exit(2) has no preconditions; the forked child leaves without running the parent's destructors.
            unsafe { libc::_exit(1) };
        }
    }
}

/// One message: one datagram, or bus-style chunks (header: total length at 16..24, offset at 24..32).
fn send_message(fd: i32, data: &[u8], bus: bool) {
    if !bus {
        send_dgram(fd, &[], data);
        return;
    }
    let count = data.len().div_ceil(CHUNK_PAYLOAD).max(1);
    for i in 0..count {
        let start = i * CHUNK_PAYLOAD;
        let end = (start + CHUNK_PAYLOAD).min(data.len());
        let mut header = [0u8; HEADER_LEN];
        header[0..4].copy_from_slice(b"PPMB");
        header[16..24].copy_from_slice(&(data.len() as u64).to_be_bytes());
        header[24..32].copy_from_slice(&(start as u64).to_be_bytes());
        send_dgram(fd, &header, &data[start..end]);
    }
}

/// Receives datagrams until one whole message is in `msg` (bus: concatenated chunks).
fn recv_message(fd: i32, buf: &mut [u8], msg: &mut Vec<u8>, bus: bool) {
    msg.clear();
    loop {
        // SAFETY: recv into our own buffer.
        let n = unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), 0) };
        if n < 0 {
            if std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            say(&format!("baseline: recv: {}\n", std::io::Error::last_os_error()));
            // SAFETY: _exit(2) has no preconditions; the forked child leaves without running the parent's destructors.
            unsafe { libc::_exit(1) };
        }
        let n = n as usize;
        if !bus {
            msg.extend_from_slice(&buf[..n]);
            return;
        }
        let total = u64::from_be_bytes(buf[16..24].try_into().unwrap()) as usize;
        let offset = u64::from_be_bytes(buf[24..32].try_into().unwrap()) as usize;
        if offset == 0 {
            msg.clear();
        }
        msg.extend_from_slice(&buf[HEADER_LEN..n]);
        if msg.len() >= total {
            return;
        }
    }
}

/// SO_SNDBUF and SO_RCVBUF of `bytes` on `fd` (as procpool's socketpairs get them).
fn set_buffers(fd: i32, bytes: usize) {
    let v = bytes.min(i32::MAX as usize) as libc::c_int;
    for opt in [libc::SO_SNDBUF, libc::SO_RCVBUF] {
        // SAFETY: setsockopt reads one c_int from a live local.
        unsafe {
            libc::setsockopt(
                fd,
                libc::SOL_SOCKET,
                opt,
                (&v as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
    }
}

fn baseline_pair(n: usize, size: usize, bus: bool, sockbuf: usize) -> ! {
    // pairs[w] = (send end, receive end) of worker w, as procpool makes them.
    let mut pairs = Vec::new();
    for _ in 0..2 {
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
            die(PROG, &format!("socketpair: {}", std::io::Error::last_os_error()));
        }
        if sockbuf > 0 {
            set_buffers(fds[0], sockbuf);
            set_buffers(fds[1], sockbuf);
        }
        pairs.push((fds[0], fds[1]));
    }
    let buf_len = if bus {
        HEADER_LEN + CHUNK_PAYLOAD
    } else {
        size.max(64 * 1024)
    };
    let mut pids = Vec::new();
    for id in [1usize, 0] {
        // SAFETY: this subprocess is single-threaded; the child only uses libc and its own memory.
        let pid = unsafe { libc::fork() };
        if pid < 0 {
            die(PROG, "fork failed");
        }
        if pid > 0 {
            pids.push(pid);
            continue;
        }
        let mut buf = vec![0u8; buf_len];
        let mut msg = Vec::with_capacity(if bus { size + CHUNK_PAYLOAD } else { buf_len });
        if id == 1 {
            // Receiver.
            let cpu0 = self_cpu_ns();
            send_message(pairs[0].0, b"ready", bus);
            let (mut bytes, mut t_end, mut cpu1) = (0usize, 0u64, 0u64);
            for i in 1..=n {
                recv_message(pairs[1].1, &mut buf, &mut msg, bus);
                bytes += msg.len();
                if i == n {
                    t_end = mono_ns();
                    cpu1 = self_cpu_ns();
                }
            }
            recv_message(pairs[1].1, &mut buf, &mut msg, bus);
            let trailer = String::from_utf8_lossy(&msg).into_owned();
            let mut f = trailer.split(' ').skip(1).map(|v| v.parse::<u64>().unwrap_or(0));
            let (t0, send_cpu) = (f.next().unwrap_or(0), f.next().unwrap_or(0));
            say(&format!(
                "result elapsed_ns={} count={n} bytes={bytes} send_cpu_ns={send_cpu} recv_cpu_ns={}\n",
                t_end.saturating_sub(t0),
                cpu1 - cpu0
            ));
        } else {
            // Sender.
            recv_message(pairs[0].1, &mut buf, &mut msg, bus);
            let data = vec![b'a'; size];
            let c0 = self_cpu_ns();
            let t0 = mono_ns();
            for _ in 0..n {
                send_message(pairs[1].0, &data, bus);
            }
            let c1 = self_cpu_ns();
            send_message(pairs[1].0, format!("T {t0} {}", c1 - c0).as_bytes(), bus);
        }
        // SAFETY: leaving the forked child without running the parent's destructors.
        unsafe { libc::_exit(0) };
    }
    let mut code = 0;
    for pid in pids {
        let mut status = 0;
        // SAFETY: waitpid(2) only writes the exit status into `status`, a live c_int of ours.
        unsafe { libc::waitpid(pid, &mut status, 0) };
        if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
            code = 1;
        }
    }
    std::process::exit(code);
}

// ---------------------------------------------------------------------------------------------
// Running the targets.
// ---------------------------------------------------------------------------------------------

/// One measured case: `n` messages of `size` bytes, with or without the bus.
#[derive(Clone, Copy, Debug)]
struct Case {
    size: usize,
    bus: bool,
    n: usize,
}

impl Case {
    fn name(&self) -> String {
        let s = if self.size >= 1024 * 1024 && self.size.is_multiple_of(1024 * 1024) {
            format!("{} MiB", self.size / (1024 * 1024))
        } else if self.size >= 1024 && self.size.is_multiple_of(1024) {
            format!("{} KiB", self.size / 1024)
        } else {
            format!("{} B", self.size)
        };
        if self.bus {
            format!("{s} bus")
        } else {
            s
        }
    }
}

struct Options {
    cases: Vec<Case>,
    targets: Vec<Target>,
    rounds: usize,
    baseline_sockbuf: usize,
    setup: Setup,
}

#[derive(Clone, Copy, Debug)]
struct RunResult {
    elapsed_s: f64,
    /// messages/s
    rate: f64,
    /// MB/s (10^6 bytes)
    mbps: f64,
    /// sender + receiver CPU per message, µs
    cpu_us: f64,
}

fn field(line: &str, key: &str) -> Option<u64> {
    line.split_whitespace().find_map(|kv| {
        kv.strip_prefix(key)
            .and_then(|v| v.strip_prefix('='))
            .and_then(|v| v.parse().ok())
    })
}

fn run_one(o: &Options, target: Target, n: usize, size: usize, bus: bool) -> Result<RunResult, String> {
    let mut args = vec![n.to_string(), size.to_string(), (bus as u8).to_string()];
    if target == Target::Baseline {
        args.push(o.baseline_sockbuf.to_string());
    }
    let mut child = spawn_piped(&mut o.setup.command(target, "--baseline-pair", "unixsock_pair.php", &args))?;
    let mut stdout = child.stdout.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() > deadline => {
                // SAFETY: killing the process group of the child we spawned (its pool included).
                unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
                let _ = child.wait();
                let _ = reader.join();
                return Err("no result within 120 s (killed)".into());
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(format!("wait: {e}")),
        }
    };
    // Stray workers of a failed pool would keep the pipe open: give the group a SIGKILL first.
    // SAFETY: as above; the group is ours (ESRCH when it is already gone).
    unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
    let out = reader.join().unwrap_or_default();
    let Some(line) = out.lines().find(|l| l.starts_with("result ")) else {
        return Err(format!("no result line ({status}); output: {}", out.trim()));
    };
    let get = |k| field(line, k).ok_or_else(|| format!("bad result line: {line}"));
    let (elapsed, count, bytes) = (get("elapsed_ns")?, get("count")?, get("bytes")?);
    let cpu = get("send_cpu_ns")? + get("recv_cpu_ns")?;
    if count as usize != n || bytes as usize != n * size {
        return Err(format!(
            "wrong transfer: {count} messages / {bytes} bytes, expected {n} / {}",
            n * size
        ));
    }
    let elapsed_s = elapsed as f64 / 1e9;
    Ok(RunResult {
        elapsed_s,
        rate: n as f64 / elapsed_s,
        mbps: (n * size) as f64 / elapsed_s / 1e6,
        cpu_us: cpu as f64 / 1000.0 / n as f64,
    })
}

/// Messages per run of a bus case when not given: about 1 GiB, within 64..200000 messages.
fn auto_count(size: usize) -> usize {
    ((1usize << 30) / size.max(1)).clamp(64, 200_000)
}

fn num_list(what: &str, list: &str) -> Vec<usize> {
    list.split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| parse_num(PROG, what, v))
        .collect()
}

fn parse_options(args: &[String]) -> Options {
    let mut specs = vec![
        ("-n", "--messages", "BENCH_UNIX_MESSAGES", "200000"),
        ("", "--small", "", "64"),
        (
            "",
            "--bus-sizes",
            "BENCH_UNIX_BUS_SIZES",
            "1024,4096,65536,1048576,16777216",
        ),
        ("-m", "--bus-messages", "BENCH_UNIX_BUS_MESSAGES", "auto"),
        ("", "--big", "", ""),
        ("", "--big-messages", "BENCH_UNIX_BIG_MESSAGES", ""),
        ("-t", "--targets", "BENCH_TARGETS", "baseline,c,php"),
        ("-r", "--rounds", "BENCH_ROUNDS", "5"),
        ("", "--cases", "", "small,bus"),
        ("", "--baseline-sockbuf", "", "212992"),
    ];
    specs.extend(SETUP_SPECS);
    let v = parse_args(PROG, USAGE, args, &specs);
    let num = |i: usize, what| parse_num(PROG, what, &v[i]);
    let small_n = num(0, "messages");
    let small = num(1, "small");
    let bus_sizes = if v[4].is_empty() {
        num_list("bus-sizes", &v[2])
    } else {
        num_list("big", &v[4])
    };
    let counts_text = if v[5].is_empty() { &v[3] } else { &v[5] };
    let counts = if counts_text == "auto" {
        bus_sizes.iter().map(|&s| auto_count(s)).collect()
    } else {
        let c = num_list("bus-messages", counts_text);
        match c.len() {
            1 => vec![c[0]; bus_sizes.len()],
            n if n == bus_sizes.len() => c,
            _ => die(PROG, "--bus-messages: give one count, or one per bus size"),
        }
    };
    let mut cases = Vec::new();
    for c in v[8].split(',').map(str::trim).filter(|c| !c.is_empty()) {
        match c {
            "small" => cases.push(Case {
                size: small,
                bus: false,
                n: small_n,
            }),
            "bus" | "big" => cases.extend(
                bus_sizes
                    .iter()
                    .zip(&counts)
                    .map(|(&size, &n)| Case { size, bus: true, n }),
            ),
            other => die(PROG, &format!("unknown case '{other}' (small, bus)")),
        }
    }
    let o = Options {
        cases,
        targets: Target::parse_list(PROG, &v[6]),
        rounds: num(7, "rounds"),
        baseline_sockbuf: num(9, "baseline-sockbuf"),
        setup: Setup::from_values(&v[10..]),
    };
    if o.cases.iter().any(|c| c.n == 0 || c.size == 0) || o.rounds == 0 || o.cases.is_empty() {
        die(PROG, "message counts, sizes and rounds must be > 0");
    }
    o
}

/// The goal check of one target in one case: the throughput ratio (target ÷ baseline) with the
/// bus from 4 KiB up, the slowdown (baseline ÷ target) otherwise.
fn goal_of(t: Target, case: &Case, x: f64, rel: f64, misses: &mut Vec<String>) -> String {
    if case.bus && case.size >= BUS_GOAL_FROM {
        let goal = match t {
            Target::Baseline => return String::new(),
            Target::C => C_BUS_GOAL,
            Target::Php => PHP_BUS_GOAL,
        };
        if rel >= goal {
            format!("rel >= {goal:.2}: met")
        } else {
            misses.push(format!("{} {}: rel {rel:.2} < {goal:.2}", t.name(), case.name()));
            format!("rel >= {goal:.2}: MISSED")
        }
    } else {
        goal_text(t.name(), &case.name(), x, t.goal(C_GOAL), misses)
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--baseline-pair") {
        let get = |i: usize, default: &str| {
            parse_num(
                PROG,
                "--baseline-pair N SIZE BUS [SOCKBUF]",
                args.get(i).map_or(default, String::as_str),
            )
        };
        baseline_pair(get(1, ""), get(2, ""), get(3, "") != 0, get(4, "0"));
    }
    let mut o = parse_options(&args);
    let targets = o
        .setup
        .usable_targets(&o.targets, "bench/unixsock_pair.c", "unixsock_pair_c");
    println!(
        "unixsock_bench: worker 0 -> worker 1, cases {}, {} rounds, targets {}, baseline SO_SNDBUF/SO_RCVBUF request {} (procpool's: {PROCPOOL_SOCKBUF})",
        o.cases
            .iter()
            .map(|c| format!("{} x {}", c.n, c.name()))
            .collect::<Vec<_>>()
            .join(", "),
        o.rounds,
        targets.iter().map(|t| t.name()).collect::<Vec<_>>().join(","),
        if o.baseline_sockbuf == 0 {
            "none".to_string()
        } else {
            o.baseline_sockbuf.to_string()
        }
    );

    let mut table: Vec<(usize, Target, Vec<RunResult>)> = Vec::new();
    for (ci, case) in o.cases.iter().enumerate() {
        let name = case.name();
        let mut live = Vec::new();
        for &t in &targets {
            match run_one(&o, t, (case.n / 10).max(1), case.size, case.bus) {
                Ok(_) => live.push(t),
                Err(why) => println!("{} skipped for {name}: warm-up failed: {why}", t.label()),
            }
        }
        let mut results: Vec<Vec<RunResult>> = live.iter().map(|_| Vec::new()).collect();
        for round in 0..o.rounds {
            for i in rotated(round, live.len()) {
                match run_one(&o, live[i], case.n, case.size, case.bus) {
                    Ok(r) => {
                        println!(
                            "  round {} {:<12} {:<8} {:>10.0} msg/s {:>9.1} MB/s  {:>7.3} s  cpu {:>8.2} us/msg",
                            round + 1,
                            name,
                            live[i].name(),
                            r.rate,
                            r.mbps,
                            r.elapsed_s,
                            r.cpu_us
                        );
                        results[i].push(r);
                    }
                    Err(why) => println!("  round {} {name} {}: FAILED: {why}", round + 1, live[i].name()),
                }
            }
        }
        for (t, r) in live.into_iter().zip(results) {
            table.push((ci, t, r));
        }
    }

    println!();
    println!(
        "medians of {} rounds; x = baseline rate / target rate (slowdown, >1 is slower); rel = target rate / baseline rate",
        o.rounds
    );
    println!("(>1 is faster); cpu us/msg = sender + receiver CPU per message (schedstat); x cpu = target / baseline");
    println!(
        "goals: bus from 4 KiB up on rel (c-abi >= {C_BUS_GOAL}, php-ext >= {PHP_BUS_GOAL}); otherwise on x (c-abi <= {C_GOAL}, php-ext <= 2)"
    );
    println!(
        "{:<14} {:<9} {:>12} {:>10} {:>11}   {:>7} {:>7} {:>7}   goal",
        "case", "target", "msg/s", "MB/s", "cpu us/msg", "x", "x cpu", "rel"
    );
    let mut misses = Vec::new();
    for (ci, case) in o.cases.iter().enumerate() {
        let name = case.name();
        let med = |t: Target| {
            table
                .iter()
                .find(|(c, tg, r)| *c == ci && *tg == t && !r.is_empty())
                .map(|(_, _, r)| {
                    (
                        median_of(r, |x| x.rate),
                        median_of(r, |x| x.mbps),
                        median_of(r, |x| x.cpu_us),
                    )
                })
        };
        let base = med(Target::Baseline);
        for &t in &targets {
            let Some((rate, mbps, cpu)) = med(t) else { continue };
            let (x, xcpu) = base.map_or((f64::NAN, f64::NAN), |(br, _, bc)| (br / rate, cpu / bc));
            let rel = 1.0 / x;
            let goal = goal_of(t, case, x, rel, &mut misses);
            println!(
                "{name:<14} {:<9} {rate:>12.0} {mbps:>10.1} {cpu:>11.3}   {x:>6.2}x {xcpu:>6.2}x {rel:>7.2}   {goal}",
                t.name()
            );
        }
    }
    print_misses(&misses);
}
