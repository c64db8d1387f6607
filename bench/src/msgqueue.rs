//! msgqueue_bench: procpool's MSGQUEUE mode — how fast W workers drain a System V message queue.
//!
//! For each message size (64 B and 8 KiB by default; a size above /proc/sys/kernel/msgmax is
//! lowered to msgmax, and the run says so), this process is the producer: it msgsnd()s N messages
//! (blocking: with msgmnb = 16384 bytes the queue holds only two 8 KiB messages, so it keeps feeding
//! while the workers drain — the same for every target), then one "END" marker. The queue is FIFO:
//! the worker that takes the marker knows every earlier message was taken, and prints
//! "end <CLOCK_MONOTONIC ns>". Throughput = N / (that time - the time before the first msgsnd).
//! Three consumers, each a subprocess on its own queue (a fresh key, made here with IPC_EXCL and
//! removed at the end), started once and measured round after round in a rotated order:
//!
//! * `baseline`: `msgqueue_bench --baseline-consumer KEY W`: W forked processes looping on a
//!   blocking msgrcv(2) and counting.
//! * `c-abi`: bench/msgqueue_drain.c (Message callback), compiled with `cc`.
//! * `php-ext`: bench/msgqueue_drain.php (Message callback).
//!
//! CPU per message = consumer CPU (manager + workers, /proc/PID/schedstat) ÷ N. At the end each
//! consumer is stopped with SIGTERM and its workers' counts are checked against what was sent.

#[path = "common.rs"]
mod common;

use common::*;
use std::io::BufRead;
use std::process::Child;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

const PROG: &str = "msgqueue_bench";
const USAGE: &str = "\
usage: msgqueue_bench [options]

  -n, --messages N      messages per run and size                    (env BENCH_MQ_MESSAGES, default 200000)
  -s, --sizes LIST      comma list of message sizes in bytes          (env BENCH_MQ_SIZES, default 64,8192)
  -t, --targets LIST    comma list of baseline,c,php                  (env BENCH_TARGETS, default baseline,c,php)
  -r, --rounds R        rounds; each figure is the median of R        (env BENCH_ROUNDS, default 3)
  -w, --warmup N        unmeasured messages per target and size       (env BENCH_WARMUP, default 10000)
      --workers W       consumer processes per target                 (env BENCH_WORKERS, default 2)
      --root DIR        the procpool checkout                         (env BENCH_ROOT, default: this crate's parent)
      --lib-dir DIR     where libprocpool.so / libprocpool_php.so are (default ROOT/target/release)
      --php PATH        the php binary                                (env PHP, default php)

The baseline is always measured (ratios need it). The queues are removed at the end.
";

const MTYPE_LEN: usize = std::mem::size_of::<libc::c_long>();
const MAX_MESSAGE: usize = 65536;

/// The goal on the C ABI's slowdown (baseline msg/s ÷ target msg/s); PHP's is 2.0.
const C_GOAL: f64 = 1.2;

// ---------------------------------------------------------------------------------------------
// The baseline consumer: W forked processes on a blocking msgrcv.
// ---------------------------------------------------------------------------------------------

static TERM: AtomicBool = AtomicBool::new(false);

extern "C" fn on_term(_: libc::c_int) {
    TERM.store(true, Ordering::SeqCst);
}

fn baseline_consumer(key: i64, workers: usize) -> ! {
    // SAFETY: plain libc calls in a single-threaded subprocess.
    let id = unsafe { libc::msgget(key as libc::key_t, 0) };
    if id < 0 {
        die(
            PROG,
            &format!("baseline: msgget({key:#x}): {}", std::io::Error::last_os_error()),
        );
    }
    // SAFETY: an all-zero sigaction is valid (empty mask, no flags); the handler only stores to an atomic,
    // which is async-signal-safe. No SA_RESTART, so msgrcv returns EINTR on SIGTERM.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_term as extern "C" fn(libc::c_int) as libc::sighandler_t;
        sa.sa_flags = 0;
        libc::sigaction(libc::SIGTERM, &sa, std::ptr::null_mut());
    }
    fork_until_term(PROG, workers, |w| {
        let mut buf = vec![0u8; MTYPE_LEN + MAX_MESSAGE];
        let mut count = 0u64;
        say(&format!("ready {w}\n"));
        loop {
            // SAFETY: msgrcv into our own buffer, laid out as struct msgbuf.
            let n = unsafe { libc::msgrcv(id, buf.as_mut_ptr().cast(), MAX_MESSAGE, 0, libc::MSG_NOERROR) };
            if n < 0 {
                if std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) && !TERM.load(Ordering::SeqCst) {
                    continue;
                }
                break;
            }
            if n == 3 && &buf[MTYPE_LEN..MTYPE_LEN + 3] == b"END" {
                say(&format!("end {}\n", mono_ns()));
            } else {
                count += 1;
            }
        }
        say(&format!("count {w} {count}\n"));
    });
    std::process::exit(0);
}

// ---------------------------------------------------------------------------------------------
// Queues (made here, removed at the end) and the producer.
// ---------------------------------------------------------------------------------------------

struct Queue {
    key: i64,
    id: i32,
}

impl Queue {
    /// A new queue on a key no one uses (IPC_EXCL), owner-only.
    fn create(salt: u32) -> Queue {
        let base = 0x5071_0000u32 | ((std::process::id() & 0xfff) << 4);
        for attempt in 0..4096u32 {
            let key = (base ^ salt.wrapping_mul(0x9e37).wrapping_add(attempt << 16)) as i32;
            if key == 0 {
                continue;
            }
            // SAFETY: msgget with plain values.
            let id = unsafe { libc::msgget(key, libc::IPC_CREAT | libc::IPC_EXCL | 0o600) };
            if id >= 0 {
                return Queue {
                    key: key as u32 as i64,
                    id,
                };
            }
            if std::io::Error::last_os_error().raw_os_error() != Some(libc::EEXIST) {
                die(PROG, &format!("msgget: {}", std::io::Error::last_os_error()));
            }
        }
        die(PROG, "no free message queue key");
    }
}

impl Drop for Queue {
    fn drop(&mut self) {
        // SAFETY: removing the queue we made.
        unsafe { libc::msgctl(self.id, libc::IPC_RMID, std::ptr::null_mut()) };
    }
}

/// A msgbuf: mtype 1, then `size` bytes.
fn message(data: &[u8]) -> Vec<u8> {
    let mut buf = Vec::with_capacity(MTYPE_LEN + data.len());
    buf.extend_from_slice(&(1 as libc::c_long).to_ne_bytes());
    buf.extend_from_slice(data);
    buf
}

fn send(queue_id: i32, buf: &[u8]) -> Result<(), String> {
    loop {
        // SAFETY: msgsnd with a buffer laid out as struct msgbuf.
        if unsafe { libc::msgsnd(queue_id, buf.as_ptr().cast(), buf.len() - MTYPE_LEN, 0) } == 0 {
            return Ok(());
        }
        let e = std::io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::EINTR) {
            return Err(format!("msgsnd: {e}"));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Consumers.
// ---------------------------------------------------------------------------------------------

struct Consumer {
    target: Target,
    queue: Queue,
    child: Child,
    lines: Receiver<String>,
    sent: u64,
}

struct Options {
    messages: usize,
    sizes: Vec<usize>,
    targets: Vec<Target>,
    rounds: usize,
    warmup: usize,
    workers: usize,
    setup: Setup,
}

fn start(o: &Options, target: Target, salt: u32) -> Result<Consumer, String> {
    let queue = Queue::create(salt);
    let args = [format!("{:#x}", queue.key), o.workers.to_string()];
    let mut child = spawn_piped(
        &mut o
            .setup
            .command(target, "--baseline-consumer", "msgqueue_drain.php", &args),
    )?;
    let stdout = child.stdout.take().expect("piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut c = Consumer {
        target,
        queue,
        child,
        lines: rx,
        sent: 0,
    };
    let mut ready = 0;
    let deadline = Instant::now() + Duration::from_secs(15);
    while ready < o.workers {
        match c.lines.recv_timeout(Duration::from_millis(100)) {
            Ok(l) if l.starts_with("ready ") => ready += 1,
            Ok(_) => {}
            Err(_) if Instant::now() > deadline => {
                stop(c);
                return Err("its workers did not say ready within 15 s".into());
            }
            Err(_) => {
                if let Ok(Some(status)) = c.child.try_wait() {
                    return Err(format!("exited at startup ({status})"));
                }
            }
        }
    }
    // Let the workers reach msgrcv.
    std::thread::sleep(Duration::from_millis(100));
    Ok(c)
}

/// Stops a consumer (SIGTERM, then SIGKILL of its group after 10 s); returns the sum of its
/// workers' "count" lines and how many workers reported.
fn stop(mut c: Consumer) -> (u64, usize) {
    stop_child(PROG, &format!("{} consumer", c.target.name()), &mut c.child, true);
    let (mut total, mut reports) = (0, 0);
    while let Ok(line) = c.lines.recv_timeout(Duration::from_secs(2)) {
        if let Some(n) = line
            .strip_prefix("count ")
            .and_then(|r| r.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
        {
            total += n;
            reports += 1;
        }
    }
    (total, reports)
}

#[derive(Clone, Copy)]
struct RunResult {
    rate: f64,
    elapsed_s: f64,
    cpu_us: f64,
}

/// Sends `n` messages of `size` bytes and the END marker; waits for the "end" line.
fn drain(c: &mut Consumer, n: usize, size: usize) -> Result<RunResult, String> {
    let data = message(&vec![b'a'; size]);
    let marker = message(b"END");
    // Anything left from an earlier run (there should be nothing).
    while c.lines.try_recv().is_ok() {}
    let pid = c.child.id();
    let cpu0 = tree_cpu_ns(pid);
    let t0 = mono_ns();
    for _ in 0..n {
        send(c.queue.id, &data)?;
    }
    c.sent += n as u64;
    send(c.queue.id, &marker)?;
    let deadline = Instant::now() + Duration::from_secs(120);
    let t_end = loop {
        match c.lines.recv_timeout(Duration::from_millis(200)) {
            Ok(l) => {
                if let Some(t) = l.strip_prefix("end ").and_then(|v| v.trim().parse::<u64>().ok()) {
                    break t;
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => return Err("the consumer exited".into()),
            Err(_) if Instant::now() > deadline => return Err("no END within 120 s".into()),
            Err(_) => {}
        }
    };
    let cpu = tree_cpu_ns(pid).saturating_sub(cpu0);
    let elapsed_s = t_end.saturating_sub(t0) as f64 / 1e9;
    Ok(RunResult {
        rate: n as f64 / elapsed_s,
        elapsed_s,
        cpu_us: cpu as f64 / 1000.0 / n as f64,
    })
}

fn parse_options(args: &[String]) -> Options {
    let mut specs = vec![
        ("-n", "--messages", "BENCH_MQ_MESSAGES", "200000"),
        ("-s", "--sizes", "BENCH_MQ_SIZES", "64,8192"),
        ("-t", "--targets", "BENCH_TARGETS", "baseline,c,php"),
        ("-r", "--rounds", "BENCH_ROUNDS", "3"),
        ("-w", "--warmup", "BENCH_WARMUP", "10000"),
        ("", "--workers", "BENCH_WORKERS", "2"),
    ];
    specs.extend(SETUP_SPECS);
    let v = parse_args(PROG, USAGE, args, &specs);
    let targets = Target::parse_list(PROG, &v[2]);
    let sizes: Vec<usize> = v[1]
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| parse_num(PROG, "sizes", s.trim()))
        .collect();
    let o = Options {
        messages: parse_num(PROG, "messages", &v[0]),
        sizes,
        targets,
        rounds: parse_num(PROG, "rounds", &v[3]),
        warmup: parse_num(PROG, "warmup", &v[4]),
        workers: parse_num(PROG, "workers", &v[5]),
        setup: Setup::from_values(&v[6..]),
    };
    if o.messages == 0 || o.rounds == 0 || o.workers == 0 || o.sizes.is_empty() || o.sizes.contains(&0) {
        die(PROG, "messages, rounds, workers and sizes must be > 0");
    }
    o
}

fn read_sys(name: &str) -> Option<usize> {
    std::fs::read_to_string(format!("/proc/sys/kernel/{name}"))
        .ok()
        .and_then(|s| s.trim().parse().ok())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--baseline-consumer") {
        let key = args.get(1).and_then(|k| {
            let k = k.trim();
            match k.strip_prefix("0x") {
                Some(hex) => i64::from_str_radix(hex, 16).ok(),
                None => k.parse().ok(),
            }
        });
        let key = key.unwrap_or_else(|| die(PROG, "--baseline-consumer KEY [WORKERS]"));
        let workers = args.get(2).map_or(2, |w| parse_num(PROG, "workers", w));
        baseline_consumer(key, workers);
    }
    let mut o = parse_options(&args);
    let (msgmax, msgmnb) = (read_sys("msgmax"), read_sys("msgmnb"));
    if let Some(max) = msgmax {
        for s in o.sizes.iter_mut() {
            if *s > max {
                println!(
                    "note: {s}-byte messages are above msgmax ({max}, /proc/sys/kernel/msgmax): using {max} bytes"
                );
                *s = max;
            }
        }
    }
    o.sizes.dedup();
    let targets = o
        .setup
        .usable_targets(&o.targets, "bench/msgqueue_drain.c", "msgqueue_drain_c");
    println!(
        "msgqueue_bench: {} messages x {} rounds per target and size (+{} warm-up), sizes {:?} B, {} workers per consumer, msgmax {}, msgmnb {}",
        o.messages,
        o.rounds,
        o.warmup,
        o.sizes,
        o.workers,
        msgmax.map_or("?".into(), |v| v.to_string()),
        msgmnb.map_or("?".into(), |v| v.to_string())
    );

    let mut consumers = Vec::new();
    for (i, &t) in targets.iter().enumerate() {
        match start(&o, t, i as u32 + 1) {
            Ok(mut c) => {
                let mut ok = true;
                for &size in &o.sizes {
                    if let Err(why) = drain(&mut c, o.warmup.max(1), size) {
                        println!("{} skipped: warm-up failed: {why}", t.label());
                        ok = false;
                        break;
                    }
                }
                if ok {
                    consumers.push(c);
                } else {
                    stop(c);
                }
            }
            Err(why) => println!("{} skipped: {why}", t.label()),
        }
    }
    // results[size index][consumer index]
    let mut results: Vec<Vec<Vec<RunResult>>> = o
        .sizes
        .iter()
        .map(|_| consumers.iter().map(|_| Vec::new()).collect())
        .collect();
    for (si, &size) in o.sizes.iter().enumerate() {
        for round in 0..o.rounds {
            for i in rotated(round, consumers.len()) {
                let c = &mut consumers[i];
                match drain(c, o.messages, size) {
                    Ok(r) => {
                        println!(
                            "  round {} {:>5} B {:<8} {:>10.0} msg/s  {:>7.3} s  consumer cpu {:>6.2} us/msg",
                            round + 1,
                            size,
                            c.target.name(),
                            r.rate,
                            r.elapsed_s,
                            r.cpu_us
                        );
                        results[si][i].push(r);
                    }
                    Err(why) => println!("  round {} {size} B {}: FAILED: {why}", round + 1, c.target.name()),
                }
            }
        }
    }
    let names: Vec<Target> = consumers.iter().map(|c| c.target).collect();
    for c in consumers {
        let (name, sent) = (c.target.name(), c.sent);
        let (got, reports) = stop(c);
        if got != sent || reports != o.workers {
            println!(
                "check: {name}: workers counted {got} messages ({reports} of {} reported), {sent} were sent",
                o.workers
            );
        }
    }

    println!();
    println!(
        "medians of {} rounds; x = baseline msg/s / target msg/s (slowdown, >1 is slower; goals are on it);",
        o.rounds
    );
    println!("cpu us/msg = consumer CPU (manager + workers) per message (schedstat); x cpu = target / baseline");
    println!(
        "{:>7} {:<9} {:>12} {:>11}   {:>7} {:>7}   goal",
        "size", "target", "msg/s", "cpu us/msg", "x", "x cpu"
    );
    let mut misses = Vec::new();
    for (si, &size) in o.sizes.iter().enumerate() {
        let med = |i: usize| -> Option<(f64, f64)> {
            let r = &results[si][i];
            (!r.is_empty()).then(|| (median_of(r, |x| x.rate), median_of(r, |x| x.cpu_us)))
        };
        let base = names.iter().position(|&t| t == Target::Baseline).and_then(med);
        for (i, &t) in names.iter().enumerate() {
            let Some((rate, cpu)) = med(i) else { continue };
            let (x, xcpu) = base.map_or((f64::NAN, f64::NAN), |(br, bc)| (br / rate, cpu / bc));
            let goal = goal_text(t.name(), &format!("{size} B"), x, t.goal(C_GOAL), &mut misses);
            println!(
                "{:>5} B {:<9} {rate:>12.0} {cpu:>11.2}   {x:>6.2}x {xcpu:>6.2}x   {goal}",
                size,
                t.name()
            );
        }
    }
    print_misses(&misses);
}
