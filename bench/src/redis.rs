//! redis_bench: procpool's REDIS mode (PROCPOOL_IPC_REDIS) — how fast W workers drain a Redis stream
//! through a consumer group, acknowledging each entry, against a raw XREADGROUP/XACK loop.
//!
//! The bench starts its own redis-server (no persistence) on a free loopback port. For each entry size
//! (64 B and 4 KiB by default) and each consumer, on a fresh stream: this process adds N entries
//! (pipelined XADD, 500 per round trip), then starts the consumer (which creates the group at 0) and
//! polls the group until every entry was read and acknowledged (XINFO GROUPS lag 0, XPENDING 0).
//! Throughput = N / (that moment - the first worker's "ready"). Consumers:
//!
//! * `baseline`: `redis_bench --baseline-consumer URL STREAM W BATCH`: W forked processes, each with its
//!   own connection, looping on XREADGROUP GROUP bench raw-<w> COUNT BATCH BLOCK 100 STREAMS s > and one
//!   XACK per entry — the same Redis work per entry as the pool (which also re-reads a worker's pending
//!   entries at start, and checks delivery counts only on such re-reads).
//! * `php-ext`: bench/redis_drain.php (a Message callback that counts).
//!
//! CPU per entry = consumer CPU (manager + workers, /proc/PID/schedstat) ÷ N, and the same for
//! redis-server. Each figure is the median of R rounds.

#[path = "common.rs"]
mod common;

use common::*;
use std::io::BufRead;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use redis::Value;

const PROG: &str = "redis_bench";
const USAGE: &str = "\
usage: redis_bench [options]

  -n, --messages N      entries per run and size                      (env BENCH_REDIS_MESSAGES, default 100000)
  -s, --sizes LIST      comma list of entry sizes in bytes            (env BENCH_REDIS_SIZES, default 64,4096)
  -t, --targets LIST    comma list of baseline,php                    (env BENCH_TARGETS, default baseline,php)
  -r, --rounds R        rounds; each figure is the median of R        (env BENCH_ROUNDS, default 3)
      --workers W       consumer processes per target                 (env BENCH_WORKERS, default 2)
      --batch B         entries per XREADGROUP                        (env BENCH_REDIS_BATCH, default 10)
      --root DIR        the procpool checkout                         (env BENCH_ROOT, default: this crate's parent)
      --lib-dir DIR     where libprocpool_php.so is                   (default ROOT/target/release)
      --php PATH        the php binary                                (env PHP, default php)

Needs redis-server on the PATH. The baseline is always measured (ratios need it).
";

const GROUP: &str = "bench";

// ---------------------------------------------------------------------------------------------
// The baseline consumer.
// ---------------------------------------------------------------------------------------------

fn baseline_consumer(url: &str, stream: &str, workers: usize, batch: usize) -> ! {
    let mut conn = connect(url);
    create_group(&mut conn, stream);
    drop(conn);
    fork_until_term(PROG, workers, |w| {
        let mut conn = connect(url);
        conn.set_read_timeout(Some(Duration::from_secs(5))).ok();
        let consumer = format!("raw-{w}");
        say(&format!("ready {w}\n"));
        let mut count = 0u64;
        loop {
            let reply: redis::RedisResult<Value> = redis::cmd("XREADGROUP")
                .arg("GROUP")
                .arg(GROUP)
                .arg(&consumer)
                .arg("COUNT")
                .arg(batch)
                .arg("BLOCK")
                .arg(100)
                .arg("STREAMS")
                .arg(stream)
                .arg(">")
                .query(&mut conn);
            let Ok(reply) = reply else { break };
            for id in entry_ids(reply) {
                let acked: redis::RedisResult<Value> =
                    redis::cmd("XACK").arg(stream).arg(GROUP).arg(&id).query(&mut conn);
                if acked.is_err() {
                    break;
                }
                count += 1;
            }
        }
        say(&format!("count {w} {count}\n"));
    });
    std::process::exit(0)
}

/// The ids of an XREADGROUP reply: [[stream, [[id, fields], ...]]].
fn entry_ids(reply: Value) -> Vec<String> {
    let Value::Array(streams) = reply else {
        return Vec::new();
    };
    let mut ids = Vec::new();
    for s in streams {
        let Value::Array(mut parts) = s else { continue };
        if parts.len() < 2 {
            continue;
        }
        let Value::Array(entries) = parts.swap_remove(1) else {
            continue;
        };
        for e in entries {
            if let Value::Array(fields) = e {
                if let Some(Value::BulkString(id)) = fields.first() {
                    ids.push(String::from_utf8_lossy(id).into_owned());
                }
            }
        }
    }
    ids
}

fn connect(url: &str) -> redis::Connection {
    redis::Client::open(url)
        .and_then(|c| c.get_connection_with_timeout(Duration::from_secs(2)))
        .unwrap_or_else(|e| die(PROG, &format!("cannot connect to {url}: {e}")))
}

fn create_group(conn: &mut redis::Connection, stream: &str) {
    let created: redis::RedisResult<Value> = redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(stream)
        .arg(GROUP)
        .arg("0")
        .arg("MKSTREAM")
        .query(conn);
    if let Err(e) = created {
        if e.code() != Some("BUSYGROUP") {
            die(PROG, &format!("XGROUP CREATE {stream}: {e}"));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The server and the measurement.
// ---------------------------------------------------------------------------------------------

struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start() -> Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or_else(|e| die(PROG, &format!("no free port: {e}")));
        let mut child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| die(PROG, &format!("cannot run redis-server: {e}")));
        let url = format!("redis://127.0.0.1:{port}");
        let until = Instant::now() + Duration::from_secs(10);
        while Instant::now() < until {
            if let Ok(mut c) = redis::Client::open(url.as_str()).and_then(|c| c.get_connection()) {
                if redis::cmd("PING").query::<String>(&mut c).is_ok() {
                    return Server { child, url };
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        die(PROG, "redis-server did not come up")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Round {
    rate: f64,
    cpu_us: f64,
    redis_cpu_us: f64,
}

/// Waits for `n` "ready" lines of the consumer (at most 20 s).
fn wait_ready(child: &mut Child, n: usize) -> std::io::Lines<std::io::BufReader<std::process::ChildStdout>> {
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = std::io::BufReader::new(stdout).lines();
    let mut ready = 0;
    while ready < n {
        match lines.next() {
            Some(Ok(line)) if line.starts_with("ready ") => ready += 1,
            Some(Ok(_)) => {}
            _ => die(PROG, "the consumer ended before its workers were ready"),
        }
    }
    lines
}

/// Whether the group has read and acknowledged every entry of the stream.
fn drained(conn: &mut redis::Connection, stream: &str, n: usize) -> bool {
    let pending: Value = redis::cmd("XPENDING")
        .arg(stream)
        .arg(GROUP)
        .query(conn)
        .unwrap_or(Value::Nil);
    let pending = match pending {
        Value::Array(v) => matches!(v.first(), Some(Value::Int(0))),
        _ => false,
    };
    if !pending {
        return false;
    }
    let groups: Vec<Vec<Value>> = redis::cmd("XINFO")
        .arg("GROUPS")
        .arg(stream)
        .query(conn)
        .unwrap_or_default();
    groups.iter().any(|g| {
        let mut it = g.iter();
        let mut read = None;
        let mut lag = None;
        while let (Some(k), Some(v)) = (it.next(), it.next()) {
            match (k, v) {
                (Value::BulkString(k), Value::Int(v)) if k == b"entries-read" => read = Some(*v),
                (Value::BulkString(k), Value::Int(v)) if k == b"lag" => lag = Some(*v),
                _ => {}
            }
        }
        read == Some(n as i64) && lag == Some(0)
    })
}

/// One run's shape: entries, entry size, consumer processes, entries per read.
#[derive(Clone, Copy)]
struct Shape {
    n: usize,
    size: usize,
    workers: usize,
    batch: usize,
}

fn measure(setup: &Setup, server: &Server, target: Target, stream: &str, shape: Shape) -> Round {
    let Shape {
        n,
        size,
        workers,
        batch,
    } = shape;
    let args = [
        server.url.clone(),
        stream.to_string(),
        workers.to_string(),
        batch.to_string(),
    ];
    // The stream is filled first, so that every read takes a full batch whatever the consumer's
    // speed (a consumer faster than the producer would read smaller batches, and pay more per entry).
    let mut conn = connect(&server.url);
    let payload = vec![b'x'; size];
    let mut added = 0;
    while added < n {
        let k = (n - added).min(500);
        let mut pipe = redis::pipe();
        for _ in 0..k {
            pipe.cmd("XADD").arg(stream).arg("*").arg("data").arg(&payload).ignore();
        }
        pipe.query::<()>(&mut conn)
            .unwrap_or_else(|e| die(PROG, &format!("XADD: {e}")));
        added += k;
    }
    let mut child = spawn_piped(&mut setup.command(target, "--baseline-consumer", "redis_drain.php", &args))
        .unwrap_or_else(|e| die(PROG, &format!("{}: {e}", target.name())));
    // The clock starts when the first worker is ready (the others follow within milliseconds).
    let mut lines = wait_ready(&mut child, 1);
    let t0 = Instant::now();
    let redis_cpu0 = cpu_ns_of(&server.child.id().to_string());
    let cpu0 = tree_cpu_ns(child.id());
    let mut ready = 1;
    while ready < workers {
        match lines.next() {
            Some(Ok(line)) if line.starts_with("ready ") => ready += 1,
            Some(Ok(_)) => {}
            _ => die(PROG, "the consumer ended before its workers were ready"),
        }
    }
    let until = Instant::now() + Duration::from_secs(300);
    while !drained(&mut conn, stream, n) {
        if Instant::now() > until {
            die(PROG, &format!("{}: the stream was not drained in 300 s", target.name()));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let secs = t0.elapsed().as_secs_f64();
    let cpu = tree_cpu_ns(child.id()).saturating_sub(cpu0);
    let redis_cpu = cpu_ns_of(&server.child.id().to_string()).saturating_sub(redis_cpu0);
    stop_child(PROG, target.name(), &mut child, true);
    let _: redis::RedisResult<Value> = redis::cmd("DEL").arg(stream).query(&mut conn);
    Round {
        rate: n as f64 / secs,
        cpu_us: cpu as f64 / 1000.0 / n as f64,
        redis_cpu_us: redis_cpu as f64 / 1000.0 / n as f64,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--baseline-consumer") {
        let workers = args.get(3).map_or(2, |v| parse_num(PROG, "workers", v));
        let batch = args.get(4).map_or(10, |v| parse_num(PROG, "batch", v));
        baseline_consumer(&args[1], &args[2], workers, batch);
    }
    let mut specs: Vec<OptSpec> = vec![
        ("-n", "--messages", "BENCH_REDIS_MESSAGES", "100000"),
        ("-s", "--sizes", "BENCH_REDIS_SIZES", "64,4096"),
        ("-t", "--targets", "BENCH_TARGETS", "baseline,php"),
        ("-r", "--rounds", "BENCH_ROUNDS", "3"),
        ("", "--workers", "BENCH_WORKERS", "2"),
        ("", "--batch", "BENCH_REDIS_BATCH", "10"),
    ];
    specs.extend(SETUP_SPECS);
    let v = parse_args(PROG, USAGE, &args, &specs);
    let n = parse_num(PROG, "messages", &v[0]);
    let sizes: Vec<usize> = v[1].split(',').map(|s| parse_num(PROG, "size", s)).collect();
    let mut targets = Target::parse_list(PROG, &v[2]);
    targets.retain(|&t| t != Target::C);
    let rounds = parse_num(PROG, "rounds", &v[3]).max(1);
    let workers = parse_num(PROG, "workers", &v[4]).max(1);
    let batch = parse_num(PROG, "batch", &v[5]).max(1);
    let mut setup = Setup::from_values(&v[6..]);
    let targets = setup.usable_targets(&targets, "", "");
    let server = Server::start();
    println!(
        "redis_bench: {n} entries per run, {workers} workers, batch {batch}, {rounds} rounds, redis-server at {}",
        server.url
    );
    println!();
    println!(
        "{:<10} {:>7} {:>12} {:>10} {:>18} {:>18}",
        "target", "size", "entries/s", "vs base", "consumer CPU/entry", "redis CPU/entry"
    );
    let mut misses = Vec::new();
    for &size in &sizes {
        let mut results: Vec<(Target, Vec<Round>)> = targets.iter().map(|&t| (t, Vec::new())).collect();
        for round in 0..rounds {
            for k in rotated(round, targets.len()) {
                let target = targets[k];
                let stream = format!("bench-{}-{size}-{round}", target.name());
                let r = measure(
                    &setup,
                    &server,
                    target,
                    &stream,
                    Shape {
                        n,
                        size,
                        workers,
                        batch,
                    },
                );
                results[k].1.push(r);
            }
        }
        let base = median_of(&results[0].1, |r| r.rate);
        for (target, rs) in &results {
            let rate = median_of(rs, |r| r.rate);
            let ratio = base / rate;
            let goal = goal_text(
                target.name(),
                &format!("{size} B"),
                ratio,
                target.goal(1.2),
                &mut misses,
            );
            println!(
                "{:<10} {:>6}B {:>12.0} {:>9.2}x {:>15.1} µs {:>15.1} µs  {goal}",
                target.name(),
                size,
                rate,
                ratio,
                median_of(rs, |r| r.cpu_us),
                median_of(rs, |r| r.redis_cpu_us),
            );
        }
    }
    print_misses(&misses);
}
