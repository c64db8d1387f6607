//! PROCPOOL_IPC_REDIS against a real redis-server: each test starts its own server on a free
//! loopback port (no persistence, or AOF where the test restarts it), runs `redis-scenario` pools
//! against it and checks what they print and what Redis holds. Guards SIGKILL the pools' process
//! groups and the server (and remove its directory) when a test ends, passed or panicked.
//!
//! redis-server must be installed (scripts/bootstrap.sh installs it): these tests fail, not skip,
//! without it.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use redis::Value;

#[path = "support/mod.rs"]
mod support;
use support::*;

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
    args: Vec<String>,
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().unwrap().port()
}

impl RedisServer {
    /// A server on a free port; `aof`: append-only file with fsync on every write (the restart
    /// test), otherwise no persistence at all. `extra`: more redis-server arguments.
    fn start(aof: bool, extra: &[&str]) -> RedisServer {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("procpool-redis-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut args: Vec<String> = vec![
            "--port".into(),
            port.to_string(),
            "--bind".into(),
            "127.0.0.1".into(),
            "--save".into(),
            "".into(),
            "--dir".into(),
            dir.display().to_string(),
            "--appendonly".into(),
            if aof { "yes" } else { "no" }.into(),
        ];
        if aof {
            args.extend(["--appendfsync".into(), "always".into()]);
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        let mut server = RedisServer {
            child: None,
            port,
            dir,
            args,
        };
        server.spawn();
        server
    }

    fn spawn(&mut self) {
        let child = Command::new("redis-server")
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run redis-server ({e}): it must be installed for these tests \
                     (scripts/bootstrap.sh installs it; by hand: apt-get install redis-server)"
                )
            });
        self.child = Some(child);
        let until = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(mut conn) = self.try_conn() {
                let pong: redis::RedisResult<Value> = redis::cmd("PING").query(&mut conn);
                match pong {
                    Ok(_) => return,
                    // requirepass: the server answers, just not to us.
                    Err(e) if e.code() == Some("NOAUTH") => return,
                    Err(_) => {}
                }
            }
            assert!(
                Instant::now() < until,
                "redis-server on port {} did not come up",
                self.port
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn try_conn(&self) -> redis::RedisResult<redis::Connection> {
        redis::Client::open(self.url())?.get_connection_with_timeout(Duration::from_secs(1))
    }

    fn conn(&self) -> redis::Connection {
        self.try_conn().expect("connect to the test's redis-server")
    }

    /// SIGKILL (no shutdown, no final save), then wait for it.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn restart(&mut self) {
        self.kill();
        self.spawn();
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn add(conn: &mut redis::Connection, stream: &str, payloads: &[String]) -> Vec<String> {
    let mut pipe = redis::pipe();
    for p in payloads {
        pipe.cmd("XADD").arg(stream).arg("*").arg("data").arg(p);
    }
    pipe.query(conn).expect("XADD")
}

/// How many entries of `group` are pending (delivered, not acknowledged).
fn pending(conn: &mut redis::Connection, stream: &str, group: &str) -> u64 {
    let reply: Value = redis::cmd("XPENDING")
        .arg(stream)
        .arg(group)
        .query(conn)
        .expect("XPENDING");
    match reply {
        Value::Array(items) => match items.first() {
            Some(Value::Int(n)) => *n as u64,
            _ => 0,
        },
        _ => 0,
    }
}

/// The ids pending for `consumer`.
fn pending_of(conn: &mut redis::Connection, stream: &str, group: &str, consumer: &str) -> Vec<String> {
    let rows: Vec<(String, String, u64, u64)> = redis::cmd("XPENDING")
        .arg(stream)
        .arg(group)
        .arg("-")
        .arg("+")
        .arg(100_000)
        .arg(consumer)
        .query(conn)
        .expect("XPENDING range");
    rows.into_iter().map(|(id, ..)| id).collect()
}

/// The entries of a stream as field maps.
fn entries(conn: &mut redis::Connection, stream: &str) -> Vec<HashMap<String, String>> {
    let rows: Vec<(String, Vec<String>)> = redis::cmd("XRANGE")
        .arg(stream)
        .arg("-")
        .arg("+")
        .query(conn)
        .expect("XRANGE");
    rows.into_iter()
        .map(|(_, flat)| flat.chunks(2).map(|kv| (kv[0].clone(), kv[1].clone())).collect())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The pools
// ---------------------------------------------------------------------------------------------

struct Quiet;

impl Flavor for Quiet {
    const DEADLINE: Duration = Duration::from_secs(10);
    const TRANSCRIPT: Transcript = Transcript::Tail(80);
    const AFTER_EXIT: AfterExit = AfterExit::UntilEof(Duration::from_secs(5));
}

type Pool = Scenario<Quiet>;

fn pool(url: &str, stream: &str, workers: usize, env: &[(&str, &str)]) -> Pool {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_redis-scenario"));
    cmd.arg(url).arg(stream).arg(workers.to_string());
    cmd.env("PROCPOOL_LOG", "warning");
    for (k, v) in env {
        cmd.env(k, v);
    }
    Scenario::from_command(cmd, "redis-scenario", Quiet)
}

/// One `Message` as the scenario prints it.
#[derive(Debug, Clone)]
struct Handled {
    kind: String,
    worker: usize,
    pid: i32,
    entry: String,
    deliveries: u64,
    data: String,
}

fn handled(line: &str) -> Option<Handled> {
    let mut p = line.splitn(6, ' ');
    let kind = p.next()?;
    if !matches!(kind, "msg" | "failed" | "fatal" | "msg_begin") {
        return None;
    }
    Some(Handled {
        kind: kind.to_string(),
        worker: p.next()?.parse().ok()?,
        pid: p.next()?.parse().ok()?,
        entry: p.next()?.to_string(),
        deliveries: p.next()?.parse().ok()?,
        data: p.next().unwrap_or("").to_string(),
    })
}

fn all_handled(lines: &[String]) -> Vec<Handled> {
    lines.iter().filter_map(|l| handled(l)).collect()
}

/// Payloads that ran `Message` to its end (kind `msg`).
fn done(lines: &[String]) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for h in all_handled(lines) {
        if h.kind == "msg" {
            *counts.entry(h.data).or_insert(0) += 1;
        }
    }
    counts
}

fn payloads(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}-{i}")).collect()
}

/// Tiny xorshift, seeded from the clock: which worker dies, and when.
struct Rng(u64);

impl Rng {
    fn new() -> Rng {
        let seed = Instant::now().elapsed().as_nanos() as u64 ^ u64::from(std::process::id()) ^ 0x2545_F491_4F6C_DD1D;
        Rng(seed | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn wait_pending_zero(server: &RedisServer, stream: &str, group: &str, timeout: Duration) {
    let mut conn = server.conn();
    let until = Instant::now() + timeout;
    loop {
        let n = pending(&mut conn, stream, group);
        if n == 0 {
            return;
        }
        assert!(Instant::now() < until, "{n} entries still pending after {timeout:?}");
        thread::sleep(Duration::from_millis(20));
    }
}

fn stop(mut pool: Pool) {
    pool.signal(libc::SIGTERM);
    let status = pool.wait_exit(Duration::from_secs(10));
    assert!(
        status.success(),
        "the manager exited with {status:?}\n{}",
        pool.transcript()
    );
}

// ---------------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------------

/// Message gets the `data` field, other fields are readable, entries are acked; push() works from
/// the manager and from a worker; a pre-existing stream's entries are handled (group made at 0).
#[test]
fn delivers_acks_and_pushes() {
    let server = RedisServer::start(false, &[]);
    let mut conn = server.conn();
    let _: String = redis::cmd("XADD")
        .arg("jobs")
        .arg("*")
        .arg("data")
        .arg("before-start")
        .arg("tenant")
        .arg("acme")
        .query(&mut conn)
        .unwrap();
    let mut pool = pool(&server.url(), "jobs", 2, &[("PUSH", "1"), ("REDIS_CONSUMER", "t")]);
    pool.expect_start();
    pool.expect_all_started(2);
    add(&mut conn, "jobs", &payloads("job", 20));
    pool.wait_until("every entry handled", Duration::from_secs(10), |s| {
        let d = done(&s.lines);
        d.len() == 23
    });
    let d = done(&pool.lines);
    for p in payloads("job", 20)
        .iter()
        .chain(["before-start".to_string(), "from-manager".into(), "from-worker".into()].iter())
    {
        assert_eq!(d.get(p), Some(&1), "{p} handled once\n{}", pool.transcript());
    }
    assert!(
        pool.lines
            .iter()
            .any(|l| l.starts_with("field ") && l.ends_with(" tenant=acme")),
        "the other fields are readable\n{}",
        pool.transcript()
    );
    for h in all_handled(&pool.lines) {
        assert_eq!(h.deliveries, 1);
        assert!(h.worker < 2);
    }
    wait_pending_zero(&server, "jobs", "procpool", Duration::from_secs(5));
    let consumers: Vec<Vec<Value>> = redis::cmd("XINFO")
        .arg("CONSUMERS")
        .arg("jobs")
        .arg("procpool")
        .query(&mut conn)
        .unwrap();
    let names: HashSet<String> = consumers
        .iter()
        .filter_map(|c| match &c[1] {
            Value::BulkString(b) => Some(String::from_utf8_lossy(b).into_owned()),
            _ => None,
        })
        .collect();
    assert!(
        names.is_subset(&HashSet::from(["t-0".to_string(), "t-1".to_string()])),
        "{names:?}"
    );
    stop(pool);
}

/// 20,000 entries while a random worker is SIGKILLed every 20–100 ms: none lost, duplicates no more
/// than kills, nothing pending at the end.
#[test]
fn chaos_kills_lose_nothing() {
    const N: usize = 20_000;
    let server = RedisServer::start(false, &[]);
    let mut conn = server.conn();
    let mut pool = pool(
        &server.url(),
        "chaos",
        4,
        &[
            ("CRASH_LOOP_OFF", "1"),
            ("HANDLER_SLEEP_US", "1000"),
            ("REDIS_BATCH", "10"),
        ],
    );
    pool.expect_start();
    pool.expect_all_started(4);
    for chunk in payloads("c", N).chunks(1000) {
        add(&mut conn, "chaos", chunk);
    }
    let mut rng = Rng::new();
    let mut kills = 0usize;
    let started = Instant::now();
    let mut seen: HashSet<String> = HashSet::new();
    let mut scanned = 0;
    while seen.len() < N {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "only {} of {N} entries handled after 60 s ({kills} kills)\n{}",
            seen.len(),
            pool.transcript()
        );
        pool.gather(Duration::from_millis(20 + rng.below(81)));
        for h in all_handled(&pool.lines[scanned..]) {
            if h.kind == "msg" {
                seen.insert(h.data);
            }
        }
        scanned = pool.lines.len();
        let workers = children(pool.pid);
        if !workers.is_empty() && seen.len() < N {
            let victim = workers[rng.below(workers.len() as u64) as usize];
            // SAFETY: kill(2) on a worker of our own pool.
            if unsafe { libc::kill(victim, libc::SIGKILL) } == 0 {
                kills += 1;
            }
        }
    }
    wait_pending_zero(&server, "chaos", "procpool", Duration::from_secs(10));
    pool.gather(Duration::from_millis(200));
    let d = done(&pool.lines);
    let total: usize = d.values().sum();
    let missing: Vec<_> = payloads("c", N)
        .into_iter()
        .filter(|p| !d.contains_key(p))
        .take(5)
        .collect();
    assert!(missing.is_empty(), "lost entries, e.g. {missing:?}");
    let duplicates = total - N;
    eprintln!(
        "chaos: {N} entries, {kills} kills, {duplicates} duplicates, {:.1}s",
        started.elapsed().as_secs_f64()
    );
    assert!(kills > 20, "the test must actually kill workers ({kills})");
    assert!(duplicates <= kills, "{duplicates} duplicates for {kills} kills");
    let redelivered = all_handled(&pool.lines).iter().filter(|h| h.deliveries > 1).count();
    assert!(redelivered > 0, "entries held by killed workers were delivered again");
    assert_eq!(pending(&mut conn, "chaos", "procpool"), 0);
    stop(pool);
}

/// Two pools on one group; one is SIGKILLed whole (manager and workers): the other claims every
/// entry it held once they are idle for claim_idle (1 s) and handles them.
#[test]
fn dead_pool_entries_claimed_by_the_other() {
    const N: usize = 300;
    let server = RedisServer::start(false, &[]);
    let mut conn = server.conn();
    let common = [
        ("CLAIM_IDLE_MS", "1000"),
        ("HANDLER_SLEEP_US", "20000"),
        ("REDIS_BATCH", "20"),
    ];
    let env_a: Vec<(&str, &str)> = common.iter().copied().chain([("REDIS_CONSUMER", "hosta")]).collect();
    let env_b: Vec<(&str, &str)> = common.iter().copied().chain([("REDIS_CONSUMER", "hostb")]).collect();
    let mut a = pool(&server.url(), "shared", 2, &env_a);
    let mut b = pool(&server.url(), "shared", 2, &env_b);
    a.expect_start();
    a.expect_all_started(2);
    b.expect_start();
    b.expect_all_started(2);
    add(&mut conn, "shared", &payloads("s", N));
    a.wait_until("pool A at work", Duration::from_secs(10), |s| {
        done(&s.lines).len() >= 10
    });
    // The whole pool at once: manager and workers.
    // SAFETY: kill(2) on the process group of our own scenario.
    unsafe { libc::kill(-a.pid, libc::SIGKILL) };
    let killed_at = Instant::now();
    thread::sleep(Duration::from_millis(50));
    let mut held: Vec<String> = Vec::new();
    for consumer in ["hosta-0", "hosta-1"] {
        held.extend(pending_of(&mut conn, "shared", "procpool", consumer));
    }
    assert!(
        !held.is_empty(),
        "pool A held nothing when it died (batch 20, slow handler)"
    );
    b.wait_until(
        &format!("pool B handles the {} entries pool A held", held.len()),
        Duration::from_secs(10),
        |s| {
            let by_b: HashSet<String> = all_handled(&s.lines)
                .into_iter()
                .filter(|h| h.kind == "msg")
                .map(|h| h.entry)
                .collect();
            held.iter().all(|id| by_b.contains(id))
        },
    );
    let took = killed_at.elapsed();
    eprintln!(
        "claim: {} entries held by the dead pool, handled by the other {:.2}s after the kill",
        held.len(),
        took.as_secs_f64()
    );
    assert!(
        took < Duration::from_millis(1000 + 3000),
        "took {took:?} (claim_idle 1 s)"
    );
    a.pull_ready();
    b.wait_until("every entry handled by A or B", Duration::from_secs(20), |s| {
        let mut d = done(&s.lines);
        for (k, v) in done(&a.lines) {
            *d.entry(k).or_insert(0) += v;
        }
        payloads("s", N).iter().all(|p| d.contains_key(p))
    });
    wait_pending_zero(&server, "shared", "procpool", Duration::from_secs(5));
    stop(b);
}

/// Redis SIGKILLed and restarted (AOF, fsync always) mid-run: the pool's workers stay (no exit, no
/// crash loop), warn once when it goes and once when it is back, and go on; nothing is lost.
#[test]
fn redis_restart_survived() {
    let mut server = RedisServer::start(true, &[]);
    let mut conn = server.conn();
    let mut pool = pool(&server.url(), "jobs", 2, &[("HANDLER_SLEEP_US", "1000")]);
    pool.expect_start();
    let pids = pool.expect_all_started(2);
    add(&mut conn, "jobs", &payloads("before", 200));
    // Restart while entries are being handled.
    pool.wait_until("some entries handled", Duration::from_secs(10), |s| {
        done(&s.lines).len() >= 50
    });
    server.kill();
    drop(conn);
    pool.gather(Duration::from_millis(1500));
    server.restart();
    let mut conn = server.conn();
    add(&mut conn, "jobs", &payloads("after", 200));
    pool.wait_until("every entry handled", Duration::from_secs(20), |s| {
        let d = done(&s.lines);
        payloads("before", 200)
            .iter()
            .chain(payloads("after", 200).iter())
            .all(|p| d.contains_key(p))
    });
    wait_pending_zero(&server, "jobs", "procpool", Duration::from_secs(5));
    pool.gather(Duration::from_millis(300));
    let starts = pool.starts();
    assert_eq!(
        starts.len(),
        2,
        "no worker was replaced: {starts:?}\n{}",
        pool.transcript()
    );
    for pid in pids {
        assert!(exists(pid), "worker {pid} is still alive");
    }
    let warnings = pool.warnings();
    let down = warnings.iter().filter(|l| l.contains("is unavailable")).count();
    let back = warnings.iter().filter(|l| l.contains("is back after")).count();
    assert_eq!(
        (down, back),
        (1, 1),
        "one warning when Redis went, one when it came back\n{}",
        pool.transcript()
    );
    let d = done(&pool.lines);
    let duplicates: usize = d.values().map(|n| n - 1).sum();
    assert!(
        duplicates <= 2 * 10,
        "{duplicates} duplicates (at most a batch per worker)"
    );
    stop(pool);
}

/// A poison entry (the handler fails every time) is handled max_deliveries times, then moved to
/// the dead-letter stream with the error text; so is one whose handler ends the worker (fatal);
/// everything else flows.
#[test]
fn poison_entries_dead_lettered() {
    let server = RedisServer::start(false, &[]);
    let mut conn = server.conn();
    let mut pool = pool(&server.url(), "jobs", 2, &[("MAX_DELIVERIES", "3")]);
    pool.expect_start();
    pool.expect_all_started(2);
    let mut batch = payloads("good", 20);
    batch.push("fail-poison".into());
    batch.extend(payloads("more", 20));
    batch.push("fatal-poison".into());
    batch.extend(payloads("last", 20));
    add(&mut conn, "jobs", &batch);
    pool.wait_until("two entries dead-lettered", Duration::from_secs(20), |s| {
        s.warnings()
            .iter()
            .filter(|l| l.contains("moved to 'jobs:dead'"))
            .count()
            == 2
    });
    pool.wait_until("every good entry handled", Duration::from_secs(10), |s| {
        let d = done(&s.lines);
        batch
            .iter()
            .filter(|p| !p.contains("poison"))
            .all(|p| d.contains_key(p))
    });
    wait_pending_zero(&server, "jobs", "procpool", Duration::from_secs(5));
    let h = all_handled(&pool.lines);
    let fails: Vec<_> = h.iter().filter(|h| h.data == "fail-poison").collect();
    let fatals: Vec<_> = h.iter().filter(|h| h.data == "fatal-poison").collect();
    assert_eq!(fails.len(), 3, "{fails:?}");
    assert_eq!(fatals.len(), 3, "{fatals:?}");
    assert_eq!(fails.iter().map(|h| h.deliveries).collect::<Vec<_>>(), vec![1, 2, 3]);
    assert_eq!(fatals.iter().map(|h| h.deliveries).collect::<Vec<_>>(), vec![1, 2, 3]);
    let fatal_pids: HashSet<i32> = fatals.iter().map(|h| h.pid).collect();
    assert_eq!(fatal_pids.len(), 3, "each fatal delivery ended its worker");
    let dead = entries(&mut conn, "jobs:dead");
    assert_eq!(dead.len(), 2, "{dead:?}");
    let fail = dead
        .iter()
        .find(|e| e["data"] == "fail-poison")
        .expect("fail-poison dead-lettered");
    assert_eq!(fail["procpool.error"], "boom: fail-poison");
    assert_eq!(fail["procpool.deliveries"], "3");
    assert_eq!(fail["procpool.stream"], "jobs");
    let fatal = dead
        .iter()
        .find(|e| e["data"] == "fatal-poison")
        .expect("fatal-poison dead-lettered");
    assert_eq!(fatal["procpool.error"], "fatal: fatal-poison");
    stop(pool);
}

/// SIGTERM while an entry is in hand: the handler finishes and the entry is acked; an idle worker
/// (blocked waiting for entries) stops within a few hundred ms.
#[test]
fn sigterm_finishes_the_entry_in_hand_and_idle_workers_stop_fast() {
    let server = RedisServer::start(false, &[]);
    let mut conn = server.conn();
    let mut pool = pool(&server.url(), "jobs", 2, &[]);
    pool.expect_start();
    pool.expect_all_started(2);
    add(&mut conn, "jobs", &["slow-1".to_string()]);
    pool.expect("msg_begin", |l| l.starts_with("msg_begin "));
    pool.signal(libc::SIGTERM);
    let sent = Instant::now();
    pool.expect("the slow entry finishes", |l| {
        l.starts_with("msg ") && l.ends_with(" slow-1")
    });
    let status = pool.wait_exit(Duration::from_secs(10));
    assert!(status.success());
    assert!(
        sent.elapsed() < Duration::from_millis(1500),
        "took {:?}",
        sent.elapsed()
    );
    assert_eq!(pending(&mut conn, "jobs", "procpool"), 0, "the entry in hand was acked");
    // Idle pool: the stop takes about one BLOCK (100 ms).
    let mut idle = pool_for(&server, "jobs");
    idle.expect_start();
    idle.expect_all_started(2);
    thread::sleep(Duration::from_millis(300));
    idle.signal(libc::SIGTERM);
    let sent = Instant::now();
    idle.wait_until("both workers stopped", Duration::from_secs(5), |s| s.stops().len() == 2);
    let took = sent.elapsed();
    assert!(took < Duration::from_millis(600), "idle workers took {took:?} to stop");
    let status = idle.wait_exit(Duration::from_secs(5));
    assert!(status.success());
}

fn pool_for(server: &RedisServer, stream: &str) -> Pool {
    pool(&server.url(), stream, 2, &[])
}

/// A reload (SIGUSR1) with an entry in hand: it is finished and acked, then the new workers take
/// the next entries; each entry is handled once.
#[test]
fn reload_loses_nothing() {
    let server = RedisServer::start(false, &[]);
    let mut conn = server.conn();
    let mut pool = pool(&server.url(), "jobs", 2, &[]);
    pool.expect_start();
    pool.expect_all_started(2);
    add(&mut conn, "jobs", &["slow-a".to_string(), "slow-b".to_string()]);
    pool.expect("msg_begin", |l| l.starts_with("msg_begin "));
    pool.signal(libc::SIGUSR1);
    pool.wait_until("4 worker starts", Duration::from_secs(10), |s| s.starts().len() >= 4);
    add(&mut conn, "jobs", &payloads("after", 10));
    pool.wait_until("everything handled", Duration::from_secs(10), |s| {
        let d = done(&s.lines);
        d.contains_key("slow-a") && d.contains_key("slow-b") && payloads("after", 10).iter().all(|p| d.contains_key(p))
    });
    wait_pending_zero(&server, "jobs", "procpool", Duration::from_secs(5));
    for (p, n) in done(&pool.lines) {
        assert_eq!(n, 1, "{p} handled {n} times\n{}", pool.transcript());
    }
    stop(pool);
}

/// What start() refuses before forking anything: no server, a refused AUTH, a key of the wrong
/// type, a malformed URL, no stream.
#[test]
fn start_refuses_bad_settings_before_forking() {
    let expect_refusal = |url: &str, stream: &str, what: &str| {
        let mut p = pool(url, stream, 2, &[]);
        let line = p.expect(&format!("start_failed ({what})"), |l| l.starts_with("start_failed "));
        assert!(line.contains(what), "{line:?} should say {what:?}");
        let status = p.wait_exit(Duration::from_secs(5));
        assert!(!status.success());
        assert!(p.starts().is_empty(), "nothing forked\n{}", p.transcript());
        assert!(!line.contains("secret"), "the password is not shown: {line}");
    };
    let port = free_port();
    expect_refusal(&format!("redis://127.0.0.1:{port}"), "jobs", "cannot connect to Redis");
    let locked = RedisServer::start(false, &["--requirepass", "secret"]);
    expect_refusal(&locked.url(), "jobs", "NOAUTH");
    expect_refusal(
        &format!("redis://:wrong-secret@127.0.0.1:{}", locked.port),
        "jobs",
        "authentication failed",
    );
    let server = RedisServer::start(false, &[]);
    let mut conn = server.conn();
    let _: () = redis::cmd("SET").arg("plain").arg("x").query(&mut conn).unwrap();
    expect_refusal(&server.url(), "plain", "holds a string, not a stream");
    expect_refusal("http://127.0.0.1:1", "jobs", "not a valid Redis URL");
    expect_refusal(&server.url(), "", "needs redis_stream");
    // And with the right password it runs (the password is not logged).
    let mut ok = pool(&format!("redis://:secret@127.0.0.1:{}", locked.port), "jobs", 1, &[]);
    ok.expect_start();
    ok.expect_all_started(1);
    stop(ok);
}

/// A second pool started with the consumer prefix of a running one is warned about it (each pool
/// needs its own: worker N of both would be the same consumer); a pool with its own prefix is not.
#[test]
fn same_consumer_prefix_warns() {
    let server = RedisServer::start(false, &[]);
    let mut first = pool(&server.url(), "jobs", 2, &[("REDIS_CONSUMER", "dup")]);
    first.expect_start();
    first.expect_all_started(2);
    thread::sleep(Duration::from_millis(300));
    let mut second = pool(&server.url(), "jobs", 2, &[("REDIS_CONSUMER", "dup")]);
    second.expect("the warning", |l| {
        l.contains("WARNING") && l.contains("another pool with the same redis_consumer ('dup')")
    });
    second.expect_all_started(2);
    let mut third = pool(&server.url(), "jobs", 2, &[("REDIS_CONSUMER", "other")]);
    third.expect_start();
    third.expect_all_started(2);
    assert!(third.warnings().is_empty(), "{}", third.transcript());
    stop(third);
    stop(second);
    stop(first);
}
