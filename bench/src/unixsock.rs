//! unixsock_bench: procpool's UNIXSOCK mode, worker 0 → worker 1.
//!
//! Two cases: N messages of 64 bytes without the message bus (messages/s), and M messages of 1 MiB
//! with the message bus (MB/s, 10^6 bytes/s). Three targets, each a subprocess that runs one
//! transfer and prints `result elapsed_ns=.. count=.. bytes=.. send_cpu_ns=.. recv_cpu_ns=..`:
//!
//! * `baseline`: `unixsock_bench --baseline-pair N SIZE BUS`, in this binary: two SOCK_DGRAM
//!   socketpairs made before forking a sender and a receiver (procpool's layout); blocking send(2) /
//!   recv(2). With BUS, each message goes as datagrams of a 32-byte header + at most 65504 bytes
//!   (the bus's chunking, 17 datagrams per MiB) and the receiver concatenates them into one buffer.
//! * `c-abi`: bench/unixsock_pair.c (procpool_send_message), compiled with `cc`.
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

  -n, --messages N      64-byte messages per run, no bus            (env BENCH_UNIX_MESSAGES, default 200000)
  -m, --big-messages M  1 MiB messages per run, with the bus         (env BENCH_UNIX_BIG_MESSAGES, default 1000)
      --small BYTES     size of the small messages                  (default 64)
      --big BYTES       size of the big messages                    (default 1048576)
  -t, --targets LIST    comma list of baseline,c,php                 (env BENCH_TARGETS, default baseline,c,php)
  -r, --rounds R        rounds; each figure is the median of R       (env BENCH_ROUNDS, default 5)
      --cases LIST      comma list of small,big                      (default small,big)
      --root DIR        the procpool checkout                        (env BENCH_ROOT, default: this crate's parent)
      --lib-dir DIR     where libprocpool.so / libprocpool_php.so are (default ROOT/target/release)
      --php PATH        the php binary                               (env PHP, default php)

Each run is a fresh 2-worker pool (or baseline pair); one unmeasured warm-up run (N/10) per target
and case. The baseline is always measured (ratios need it).
";

const HEADER_LEN: usize = 32;
const CHUNK_PAYLOAD: usize = 64 * 1024 - HEADER_LEN;

/// The goal on the C ABI's slowdown (baseline rate ÷ target rate); PHP's is 2.0.
const C_GOAL: f64 = 1.2;

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

fn baseline_pair(n: usize, size: usize, bus: bool) -> ! {
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

struct Options {
    small_n: usize,
    big_n: usize,
    small: usize,
    big: usize,
    targets: Vec<Target>,
    rounds: usize,
    cases: Vec<bool>, // bus? (false: small, true: big)
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
    let args = [n.to_string(), size.to_string(), (bus as u8).to_string()];
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

fn parse_options(args: &[String]) -> Options {
    let mut specs = vec![
        ("-n", "--messages", "BENCH_UNIX_MESSAGES", "200000"),
        ("-m", "--big-messages", "BENCH_UNIX_BIG_MESSAGES", "1000"),
        ("", "--small", "", "64"),
        ("", "--big", "", "1048576"),
        ("-t", "--targets", "BENCH_TARGETS", "baseline,c,php"),
        ("-r", "--rounds", "BENCH_ROUNDS", "5"),
        ("", "--cases", "", "small,big"),
    ];
    specs.extend(SETUP_SPECS);
    let v = parse_args(PROG, USAGE, args, &specs);
    let num = |i: usize, what| parse_num(PROG, what, &v[i]);
    let targets = Target::parse_list(PROG, &v[4]);
    let cases = v[6]
        .split(',')
        .filter(|c| !c.is_empty())
        .map(|c| match c.trim() {
            "small" => false,
            "big" => true,
            other => die(PROG, &format!("unknown case '{other}' (small, big)")),
        })
        .collect();
    let o = Options {
        small_n: num(0, "messages"),
        big_n: num(1, "big-messages"),
        small: num(2, "small"),
        big: num(3, "big"),
        targets,
        rounds: num(5, "rounds"),
        cases,
        setup: Setup::from_values(&v[7..]),
    };
    if o.small_n == 0 || o.big_n == 0 || o.small == 0 || o.big == 0 || o.rounds == 0 {
        die(PROG, "message counts, sizes and rounds must be > 0");
    }
    o
}

fn case_name(size: usize, bus: bool) -> String {
    let s = if size.is_multiple_of(1024 * 1024) {
        format!("{} MiB", size / (1024 * 1024))
    } else {
        format!("{size} B")
    };
    if bus {
        format!("{s} bus")
    } else {
        s
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--baseline-pair") {
        let get = |i: usize| {
            parse_num(
                PROG,
                "--baseline-pair N SIZE BUS",
                args.get(i).map_or("", String::as_str),
            )
        };
        baseline_pair(get(1), get(2), get(3) != 0);
    }
    let mut o = parse_options(&args);
    let targets = o
        .setup
        .usable_targets(&o.targets, "bench/unixsock_pair.c", "unixsock_pair_c");
    println!(
        "unixsock_bench: worker 0 -> worker 1, {} x {} B (no bus) and {} x {} B (message bus) per run, {} rounds, targets {}",
        o.small_n,
        o.small,
        o.big_n,
        o.big,
        o.rounds,
        targets.iter().map(|t| t.name()).collect::<Vec<_>>().join(",")
    );

    let mut table: Vec<(bool, Target, Vec<RunResult>)> = Vec::new();
    for &bus in &o.cases {
        let (n, size) = if bus { (o.big_n, o.big) } else { (o.small_n, o.small) };
        let case = case_name(size, bus);
        let mut live = Vec::new();
        for &t in &targets {
            match run_one(&o, t, (n / 10).max(1), size, bus) {
                Ok(_) => live.push(t),
                Err(why) => println!("{} skipped for {case}: warm-up failed: {why}", t.label()),
            }
        }
        let mut results: Vec<Vec<RunResult>> = live.iter().map(|_| Vec::new()).collect();
        for round in 0..o.rounds {
            for i in rotated(round, live.len()) {
                match run_one(&o, live[i], n, size, bus) {
                    Ok(r) => {
                        println!(
                            "  round {} {:<12} {:<8} {:>10.0} msg/s {:>9.1} MB/s  {:>7.3} s  cpu {:>8.2} us/msg",
                            round + 1,
                            case,
                            live[i].name(),
                            r.rate,
                            r.mbps,
                            r.elapsed_s,
                            r.cpu_us
                        );
                        results[i].push(r);
                    }
                    Err(why) => println!("  round {} {case} {}: FAILED: {why}", round + 1, live[i].name()),
                }
            }
        }
        for (t, r) in live.into_iter().zip(results) {
            table.push((bus, t, r));
        }
    }

    println!();
    println!(
        "medians of {} rounds; x = baseline rate / target rate (slowdown, >1 is slower; goals are on it);",
        o.rounds
    );
    println!("cpu us/msg = sender + receiver CPU per message (schedstat); x cpu = target / baseline");
    println!(
        "{:<14} {:<9} {:>12} {:>10} {:>11}   {:>7} {:>7}   goal",
        "case", "target", "msg/s", "MB/s", "cpu us/msg", "x", "x cpu"
    );
    let mut misses = Vec::new();
    for &bus in &o.cases {
        let size = if bus { o.big } else { o.small };
        let case = case_name(size, bus);
        let med = |t: Target| {
            table
                .iter()
                .find(|(b, tg, r)| *b == bus && *tg == t && !r.is_empty())
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
            let goal = goal_text(t.name(), &case, x, t.goal(C_GOAL), &mut misses);
            println!(
                "{case:<14} {:<9} {rate:>12.0} {mbps:>10.1} {cpu:>11.3}   {x:>6.2}x {xcpu:>6.2}x   {goal}",
                t.name()
            );
        }
    }
    print_misses(&misses);
}
