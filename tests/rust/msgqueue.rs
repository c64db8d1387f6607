//! SWOOLE_IPC_MSGQUEUE tests against real pools: each test runs the `msgqueue-scenario` binary (one
//! MSGQUEUE pool per process, in its own process group), reads its event lines, and produces
//! messages from this process with msgsnd(2) (any non-zero type), as PHP's `msg_send()` would.
//!
//! The scenario's stdout and stderr go into ONE pipe, so the test sees event lines
//! (`msg 0 123 payload`) and the manager's log records (lines starting with `[`) in order.
//!
//! Nothing may hang: every wait has a deadline, msgsnd is done with IPC_NOWAIT and retried until a
//! deadline, and guards SIGKILL the scenario's whole process group and remove every keyed queue a
//! test used (msgctl IPC_RMID) when the test ends, whether it passed or panicked.
//! Keys are derived from this process's pid and a per-test number, so parallel tests (and parallel
//! runs) never share a queue. Nothing here needs special rights or changes a system setting.

use std::collections::{HashMap, HashSet};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

#[path = "support/mod.rs"]
mod support;
use support::*;

/// The longest any single expected event may take.
const DEADLINE: Duration = Duration::from_secs(5);
const MTYPE_LEN: usize = std::mem::size_of::<libc::c_long>();
/// The core's per-message limit (`procpool::MSGQUEUE_MAX_MESSAGE`), written out as the spec says it.
const POOL_MAX_MESSAGE: usize = 65536;

// ---------------------------------------------------------------------------------------------
// System V queues from the test's side
// ---------------------------------------------------------------------------------------------

/// A key unique to this test process and `slot` (0..255).
fn unique_key(slot: u32) -> i64 {
    0x5100_0000 + ((std::process::id() as i64 & 0xffff) << 8) + slot as i64
}

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// msgsnd with IPC_NOWAIT, retried while the queue is full (workers drain it) until `timeout`.
fn send_msg(id: i32, mtype: libc::c_long, data: &[u8], timeout: Duration) -> Result<(), i32> {
    let mut buf = Vec::with_capacity(MTYPE_LEN + data.len());
    buf.extend_from_slice(&mtype.to_ne_bytes());
    buf.extend_from_slice(data);
    let until = Instant::now() + timeout;
    loop {
        // SAFETY: buf is laid out as struct msgbuf with data.len() bytes of text.
        if unsafe { libc::msgsnd(id, buf.as_ptr().cast(), data.len(), libc::IPC_NOWAIT) } == 0 {
            return Ok(());
        }
        match errno() {
            libc::EAGAIN | libc::EINTR if Instant::now() < until => thread::sleep(Duration::from_micros(200)),
            e => return Err(e),
        }
    }
}

fn send_ok(id: i32, mtype: libc::c_long, data: &[u8]) {
    if let Err(e) = send_msg(id, mtype, data, DEADLINE) {
        panic!(
            "msgsnd of {} bytes: {}",
            data.len(),
            std::io::Error::from_raw_os_error(e)
        );
    }
}

/// Takes every message left in the queue (IPC_NOWAIT), as text.
fn drain(id: i32) -> Vec<String> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; MTYPE_LEN + POOL_MAX_MESSAGE];
    loop {
        // SAFETY: the buffer holds an mtype and POOL_MAX_MESSAGE bytes.
        let n = unsafe {
            libc::msgrcv(
                id,
                buf.as_mut_ptr().cast(),
                POOL_MAX_MESSAGE,
                0,
                libc::IPC_NOWAIT | libc::MSG_NOERROR,
            )
        };
        if n < 0 {
            return out;
        }
        out.push(String::from_utf8_lossy(&buf[MTYPE_LEN..MTYPE_LEN + n as usize]).into_owned());
    }
}

/// One row of /proc/sysvipc/msg.
#[derive(Debug, Clone)]
struct Row {
    key: i64,
    msqid: i32,
    perms: u32,
    qnum: u64,
    lspid: i32,
    lrpid: i32,
}

fn sysv_rows() -> Vec<Row> {
    let text = std::fs::read_to_string("/proc/sysvipc/msg").expect("read /proc/sysvipc/msg");
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            Some(Row {
                key: f.first()?.parse().ok()?,
                msqid: f.get(1)?.parse().ok()?,
                perms: u32::from_str_radix(f.get(2)?, 8).ok()?,
                qnum: f.get(4)?.parse().ok()?,
                lspid: f.get(5)?.parse().ok()?,
                lrpid: f.get(6)?.parse().ok()?,
            })
        })
        .collect()
}

fn row_of_id(id: i32) -> Option<Row> {
    sysv_rows().into_iter().find(|r| r.msqid == id)
}

fn queued(id: i32) -> u64 {
    row_of_id(id).map_or(0, |r| r.qnum)
}

fn read_sysctl(name: &str) -> usize {
    std::fs::read_to_string(format!("/proc/sys/kernel/{name}"))
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| panic!("cannot read /proc/sys/kernel/{name}"))
}

/// The scenario's rendering of a payload longer than 64 bytes.
fn fnv(data: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in data {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("len={}:{hash:016x}", data.len())
}

/// A small xorshift generator (no rand crate here).
struct Rng(u64);

impl Rng {
    fn new() -> Rng {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64;
        Rng(t ^ ((std::process::id() as u64) << 32) | 1)
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

// ---------------------------------------------------------------------------------------------
// The scenario process and its output stream
// ---------------------------------------------------------------------------------------------

/// Long transcripts show their last 400 lines; `wait_until` leaves the cursor where it is; the
/// scenario's output is read to the end once it exited.
struct Mq;

impl Flavor for Mq {
    const TRANSCRIPT: Transcript = Transcript::Tail(400);
    const WAIT_UNTIL_MOVES_CURSOR: bool = false;
    const AFTER_EXIT: AfterExit = AfterExit::UntilEof(DEADLINE);
    const EXIT_POLL: Duration = Duration::from_millis(2);
}

type Scenario = support::Scenario<Mq>;

impl Scenario {
    fn spawn(workers: usize, key: i64, behaviour: &str, max_wait: f64, perms: Option<u32>) -> Scenario {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_msgqueue-scenario"));
        cmd.arg(workers.to_string())
            .arg(key.to_string())
            .arg(behaviour)
            .arg(max_wait.to_string());
        if let Some(p) = perms {
            cmd.arg(format!("{p:o}"));
        }
        cmd.env("PROCPOOL_LOG", "info");
        Scenario::from_command(cmd, "msgqueue-scenario", Mq)
    }

    /// Spawns a pool and waits until all its workers started; returns the worker pids by id.
    fn start(workers: usize, key: i64, behaviour: &str, max_wait: f64) -> (Scenario, Vec<i32>) {
        let mut s = Scenario::spawn(workers, key, behaviour, max_wait, None);
        let line = s.expect("start", |l| l.starts_with("start ") || l.starts_with("start_failed"));
        assert_eq!(
            line,
            format!("start {}", s.pid),
            "the manager is the scenario process\n{}",
            s.transcript()
        );
        let pids = s.expect_all_started(workers);
        (s, pids)
    }

    /// Payloads of the `msg` (or `pop`) lines, in order.
    fn payloads(&self, kind: &str) -> Vec<String> {
        self.lines.iter().filter_map(|l| payload(l, kind)).collect()
    }

    /// SIGTERM → `shutdown`, `returned`, exit 0; returns how long the manager took to exit.
    fn shut_down(&mut self, timeout: Duration) -> Duration {
        let t0 = Instant::now();
        self.signal(libc::SIGTERM);
        let status = self.wait_exit(timeout);
        let took = t0.elapsed();
        assert_eq!(
            status.code(),
            Some(0),
            "scenario exit status {status:?}\n{}",
            self.transcript()
        );
        assert!(
            self.lines.iter().any(|l| l == "shutdown"),
            "no shutdown event\n{}",
            self.transcript()
        );
        assert_eq!(
            self.lines.iter().filter(|l| *l == "returned").count(),
            1,
            "start() returned once\n{}",
            self.transcript()
        );
        took
    }
}

/// The payload of `<kind> <id> <pid> <payload>`.
fn payload(line: &str, kind: &str) -> Option<String> {
    let mut parts = line.splitn(4, ' ');
    (parts.next()? == kind).then_some(())?;
    parts.next()?.parse::<usize>().ok()?;
    parts.next()?.parse::<i32>().ok()?;
    Some(parts.next()?.to_string())
}

/// Every payload in `expected` was seen exactly once, and nothing else.
fn assert_exactly_once(seen: &[String], expected: &HashSet<String>, what: &str) {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for p in seen {
        *counts.entry(p.as_str()).or_default() += 1;
    }
    let dups: Vec<_> = counts
        .iter()
        .filter(|(_, &n)| n > 1)
        .map(|(p, n)| format!("{p}×{n}"))
        .take(10)
        .collect();
    let missing: Vec<_> = expected
        .iter()
        .filter(|p| !counts.contains_key(p.as_str()))
        .take(10)
        .collect();
    let extra: Vec<_> = counts.keys().filter(|p| !expected.contains(**p)).take(10).collect();
    assert!(
        dups.is_empty() && missing.is_empty() && extra.is_empty() && seen.len() == expected.len(),
        "{what}: {} handled for {} sent; duplicates {dups:?}; missing {missing:?}; unexpected {extra:?}",
        seen.len(),
        expected.len()
    );
}

fn no_sigkill(s: &Scenario) {
    let kills: Vec<_> = s.warnings().into_iter().filter(|l| l.contains("SIGKILL")).collect();
    assert!(
        kills.is_empty(),
        "no worker may need SIGKILL: {kills:?}\n{}",
        s.transcript()
    );
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

/// 5000 messages of assorted non-zero types, sent while 3 workers run: each is handled exactly once,
/// the work is spread over the workers, and the queue the pool created is owner-only (mode 600).
#[test]
fn every_message_is_handled_exactly_once() {
    const N: usize = 5000;
    let key = KeyGuard::new(unique_key(1));
    let (mut s, pids) = Scenario::start(3, key.0, "log", 5.0);
    let id = key.id();
    let row = row_of_id(id).expect("the queue's row in /proc/sysvipc/msg");
    assert_eq!(row.key, key.0, "{row:?}");
    assert_eq!(row.perms, 0o600, "a queue the pool creates is owner-only: {row:?}");
    let mut expected = HashSet::new();
    for i in 0..N {
        let text = format!("m{i}");
        send_ok(id, (i % 7 + 1) as libc::c_long, text.as_bytes());
        expected.insert(text);
    }
    s.wait_until("all messages handled", Duration::from_secs(20), |s| {
        s.payloads("msg").len() >= N
    });
    thread::sleep(Duration::from_millis(100));
    s.pull_ready();
    assert_exactly_once(&s.payloads("msg"), &expected, "5000 messages, 3 workers");
    let by_worker: HashSet<i32> = s
        .lines
        .iter()
        .filter_map(|l| event(l, "msg"))
        .map(|(_, pid)| pid)
        .collect();
    assert!(
        by_worker.iter().all(|p| pids.contains(p)),
        "only the pool's workers handle messages"
    );
    assert!(
        by_worker.len() >= 2,
        "the work is spread over the workers: {by_worker:?}"
    );
    let took = s.shut_down(DEADLINE);
    assert!(took < Duration::from_secs(2), "shutdown took {took:?}");
    assert_eq!(s.stops().len(), 3, "WorkerStop ran once per worker\n{}", s.transcript());
    assert!(s.warnings().is_empty(), "no warning: {:?}", s.warnings());
    assert!(queue_of(key.0).is_some(), "a keyed queue stays after the pool ends");
}

/// `msgqueue_permissions` sets the mode of a queue the pool creates.
#[test]
fn created_queue_takes_the_configured_permissions() {
    let key = KeyGuard::new(unique_key(2));
    let mut s = Scenario::spawn(1, key.0, "log", 5.0, Some(0o640));
    s.expect_all_started(1);
    let row = row_of_id(key.id()).expect("row");
    assert_eq!(row.perms, 0o640, "{row:?}");
    s.shut_down(DEADLINE);
}

/// Messages queued before start() are delivered; the keyed queue survives the pool, and messages
/// sent while no pool runs are delivered by the next pool on the same key, each exactly once.
#[test]
fn keyed_queue_outlives_the_pool_and_keeps_pending_messages() {
    let key = KeyGuard::new(unique_key(3));
    let id = key.create();
    let mut before = HashSet::new();
    for i in 0..300 {
        let text = format!("early{i}");
        send_ok(id, 1 + (i % 3) as libc::c_long, text.as_bytes());
        before.insert(text);
    }
    assert_eq!(queued(id), 300);
    let (mut s, _) = Scenario::start(2, key.0, "log", 5.0);
    s.wait_until("the early messages", DEADLINE, |s| s.payloads("msg").len() >= 300);
    s.shut_down(DEADLINE);
    assert_exactly_once(&s.payloads("msg"), &before, "queued before start");
    assert_eq!(
        queue_of(key.0),
        Some(id),
        "the keyed queue survives the pool with the same id"
    );
    let mut pending = HashSet::new();
    for i in 0..200 {
        let text = format!("pending{i}");
        send_ok(id, 9, text.as_bytes());
        pending.insert(text);
    }
    assert_eq!(queued(id), 200, "nobody reads while no pool runs");
    let (mut s2, _) = Scenario::start(3, key.0, "log", 5.0);
    s2.wait_until("the pending messages", DEADLINE, |s| s.payloads("msg").len() >= 200);
    thread::sleep(Duration::from_millis(50));
    s2.shut_down(DEADLINE);
    assert_exactly_once(&s2.payloads("msg"), &pending, "pending at the previous shutdown");
    assert_eq!(queued(id), 0);
}

/// Key 0: a private queue (mode 600), usable with push()/pop() when there is no `Message` callback,
/// removed when the pool ends. Its id is found in /proc/sysvipc/msg as the key-0 row whose last
/// sender is worker 0 (the pool does not expose the id).
#[test]
fn private_queue_push_pop_and_removal() {
    let (mut s, pids) = Scenario::start(2, 0, "pop", 5.0);
    s.wait_until("push", DEADLINE, |s| s.lines.iter().any(|l| l.starts_with("push")));
    let line = s.lines.iter().find(|l| l.starts_with("push")).unwrap().clone();
    assert_eq!(line, format!("push 0 {} 5", pids[0]), "{}", s.transcript());
    s.wait_until("5 pops", DEADLINE, |s| s.payloads("pop").len() >= 5);
    let expected: HashSet<String> = (0..5).map(|i| format!("push-{i}")).collect();
    assert_exactly_once(&s.payloads("pop"), &expected, "push/pop");
    let row = sysv_rows()
        .into_iter()
        .find(|r| r.key == 0 && r.lspid == pids[0])
        .unwrap_or_else(|| {
            panic!(
                "no key-0 queue last written by worker 0 ({}):\n{:?}",
                pids[0],
                sysv_rows()
            )
        });
    assert_eq!(row.perms, 0o600, "{row:?}");
    assert!(pids.contains(&row.lrpid), "a worker read last: {row:?}");
    let took = s.shut_down(DEADLINE);
    assert!(took < Duration::from_secs(2), "shutdown took {took:?}");
    // Each worker's pop() was interrupted by SIGTERM; WorkerStart returned; WorkerStop ran.
    let ends: Vec<_> = s.lines.iter().filter(|l| l.starts_with("pop_end ")).collect();
    assert_eq!(ends.len(), 2, "{}", s.transcript());
    assert!(ends.iter().all(|l| l.ends_with(" interrupted")), "{ends:?}");
    assert_eq!(s.stops().len(), 2, "{}", s.transcript());
    no_sigkill(&s);
    assert!(
        row_of_id(row.msqid).is_none(),
        "the private queue {} is removed when the pool ends",
        row.msqid
    );
}

/// SIGTERM while workers wait in msgrcv (or go round their loop under traffic), 20 times: each
/// worker runs WorkerStop, the manager returns quickly (max_wait_time is 5 s), nobody is SIGKILLed,
/// and no message is lost or doubled: handled + left in the queue == sent.
#[test]
fn sigterm_while_waiting_20_rounds() {
    const ROUNDS: usize = 20;
    let mut rng = Rng::new();
    let mut slowest = Duration::ZERO;
    for round in 0..ROUNDS {
        let key = KeyGuard::new(unique_key(10));
        let (mut s, _) = Scenario::start(3, key.0, "log", 5.0);
        let id = key.id();
        let traffic = round % 2 == 1;
        let stop = Arc::new(AtomicBool::new(false));
        let sender = traffic.then(|| {
            let stop = stop.clone();
            thread::spawn(move || {
                let mut sent = Vec::new();
                while !stop.load(Ordering::SeqCst) {
                    let text = format!("r{round}-{}", sent.len());
                    match send_msg(id, 1, text.as_bytes(), Duration::from_millis(50)) {
                        Ok(()) => sent.push(text),
                        Err(libc::EAGAIN) => {}
                        Err(_) => break,
                    }
                }
                sent
            })
        });
        if traffic {
            s.wait_until("some traffic", DEADLINE, |s| s.payloads("msg").len() >= 50);
        }
        thread::sleep(Duration::from_micros(rng.below(20_000)));
        let took = s.shut_down(DEADLINE);
        slowest = slowest.max(took);
        stop.store(true, Ordering::SeqCst);
        let sent = sender.map(|h| h.join().unwrap()).unwrap_or_default();
        assert!(
            took < Duration::from_millis(1500),
            "round {round}: the manager took {took:?} to return\n{}",
            s.transcript()
        );
        let stops = s.stops();
        assert_eq!(
            stops.len(),
            3,
            "round {round}: WorkerStop for each worker\n{}",
            s.transcript()
        );
        no_sigkill(&s);
        assert!(s.warnings().is_empty(), "round {round}: {:?}", s.warnings());
        let left = drain(id);
        let mut seen = s.payloads("msg");
        seen.extend(left);
        assert_exactly_once(
            &seen,
            &sent.into_iter().collect(),
            &format!("round {round}: handled + left"),
        );
    }
    println!("sigterm_while_waiting: {ROUNDS} rounds, slowest shutdown {slowest:?}");
}

/// SIGTERM while a worker is inside a slow `Message`: it finishes that message, runs WorkerStop
/// and exits 0; the manager waits for it (no SIGKILL).
#[test]
fn sigterm_during_a_slow_message_finishes_it() {
    let key = KeyGuard::new(unique_key(4));
    let (mut s, pids) = Scenario::start(1, key.0, "slow", 5.0);
    send_ok(key.id(), 3, b"slow-one");
    s.expect("msg_begin", |l| l.starts_with("msg_begin "));
    let took = s.shut_down(DEADLINE);
    assert_eq!(s.payloads("msg"), vec!["slow-one".to_string()], "{}", s.transcript());
    let finished = s.lines.iter().position(|l| l.starts_with("msg ")).unwrap();
    let stopped = s
        .lines
        .iter()
        .position(|l| l.starts_with("worker_stop "))
        .expect("WorkerStop ran");
    assert!(
        finished < stopped,
        "the message is finished before WorkerStop\n{}",
        s.transcript()
    );
    assert_eq!(s.stops(), vec![(0, pids[0])]);
    assert!(
        took >= Duration::from_millis(100) && took < Duration::from_secs(2),
        "took {took:?}"
    );
    no_sigkill(&s);
    assert!(s.warnings().is_empty(), "the worker exited 0: {:?}", s.warnings());
}

/// THE LOSS TEST: 10,000 messages while another thread SIGKILLs a random worker every 20-100 ms.
/// The sender is paced (about 4 s in all) so that many kills land while messages flow. Then drain
/// and shut down. No message is handled twice; a message in a worker's hands when it was
/// killed may be lost, so at most one message per kill is missing.
#[test]
fn sigkill_under_traffic_loses_at_most_one_message_per_kill() {
    const N: usize = 10_000;
    let key = KeyGuard::new(unique_key(5));
    let (mut s, pids) = Scenario::start(3, key.0, "log", 5.0);
    let id = key.id();
    let group = s.pid;
    let current: Arc<Mutex<HashMap<usize, i32>>> = Arc::new(Mutex::new(pids.iter().copied().enumerate().collect()));
    let done = Arc::new(AtomicBool::new(false));
    let kills = Arc::new(AtomicUsize::new(0));
    let sender = {
        let done = done.clone();
        thread::spawn(move || {
            for i in 0..N {
                if let Err(e) = send_msg(
                    id,
                    1 + (i % 5) as libc::c_long,
                    format!("k{i}").as_bytes(),
                    Duration::from_secs(20),
                ) {
                    done.store(true, Ordering::SeqCst);
                    panic!("msgsnd #{i}: {}", std::io::Error::from_raw_os_error(e));
                }
                if i % 5 == 4 {
                    thread::sleep(Duration::from_millis(2));
                }
            }
            done.store(true, Ordering::SeqCst);
        })
    };
    let killer = {
        let (done, kills, current) = (done.clone(), kills.clone(), current.clone());
        thread::spawn(move || {
            let mut rng = Rng::new();
            while !done.load(Ordering::SeqCst) {
                thread::sleep(Duration::from_millis(20 + rng.below(81)));
                let target = {
                    let map = current.lock().unwrap();
                    let live: Vec<i32> = map.values().copied().collect();
                    live[rng.below(live.len() as u64) as usize]
                };
                // Only a process of our pool's group (the pid may have died and been reaped).
                // SAFETY: getpgid/kill with a pid we just read.
                if unsafe { libc::getpgid(target) } == group && unsafe { libc::kill(target, libc::SIGKILL) } == 0 {
                    kills.fetch_add(1, Ordering::SeqCst);
                }
            }
        })
    };
    let until = Instant::now() + Duration::from_secs(30);
    while !done.load(Ordering::SeqCst) || queued(id) > 0 {
        assert!(
            Instant::now() < until,
            "no progress: {} handled\n{}",
            s.payloads("msg").len(),
            s.transcript()
        );
        let before = s.lines.len();
        s.pull(Instant::now() + Duration::from_millis(20));
        s.pull_ready();
        let mut map = current.lock().unwrap();
        for l in &s.lines[before..] {
            if let Some((wid, pid)) = event(l, "worker_start") {
                map.insert(wid, pid);
            }
        }
    }
    killer.join().unwrap();
    sender.join().unwrap();
    // Drained: let the last lines arrive, then shut down.
    thread::sleep(Duration::from_millis(200));
    s.pull_ready();
    s.shut_down(DEADLINE);
    let kills = kills.load(Ordering::SeqCst);
    let seen = s.payloads("msg");
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for p in &seen {
        *counts.entry(p).or_default() += 1;
    }
    let dups: Vec<_> = counts.iter().filter(|(_, &n)| n > 1).collect();
    let missing: Vec<String> = (0..N)
        .map(|i| format!("k{i}"))
        .filter(|p| !counts.contains_key(p.as_str()))
        .collect();
    let respawns = s.lines.iter().filter(|l| l.starts_with("worker_start ")).count() - 3;
    println!(
        "loss test: sent {N}, handled {} distinct ({} lines), kills {kills}, respawns {respawns}, missing {} {:?}, duplicates {}",
        counts.len(),
        seen.len(),
        missing.len(),
        &missing[..missing.len().min(20)],
        dups.len()
    );
    assert!(dups.is_empty(), "no message is handled twice: {dups:?}");
    assert!(counts.keys().all(|p| p.starts_with('k')), "only our messages");
    assert!(kills > 0, "the killer killed nobody");
    assert!(
        missing.len() <= kills,
        "{} missing for {kills} kills: {missing:?}",
        missing.len()
    );
    assert_eq!(queued(id), 0);
}

/// Rolling reloads (SIGUSR1, four times, each after the previous finished) under traffic: every
/// message is handled exactly once, and no worker needs SIGKILL.
#[test]
fn reload_under_traffic_loses_nothing() {
    const N: usize = 4000;
    let key = KeyGuard::new(unique_key(6));
    let (mut s, _) = Scenario::start(3, key.0, "log", 5.0);
    let id = key.id();
    let sender = thread::spawn(move || {
        for i in 0..N {
            send_msg(id, 2, format!("u{i}").as_bytes(), Duration::from_secs(20)).expect("msgsnd");
            if i % 500 == 0 {
                thread::sleep(Duration::from_millis(5));
            }
        }
    });
    for n in 1..=4 {
        s.wait_until("traffic", DEADLINE, |s| s.payloads("msg").len() >= n * 200);
        s.signal(libc::SIGUSR1);
        s.wait_until(&format!("reload #{n} finished"), DEADLINE, |s| {
            s.lines.iter().filter(|l| l.contains("reload finished")).count() >= n
        });
    }
    sender.join().unwrap();
    s.wait_until("all messages", Duration::from_secs(20), |s| {
        s.payloads("msg").len() >= N
    });
    thread::sleep(Duration::from_millis(100));
    s.pull_ready();
    s.shut_down(DEADLINE);
    assert_exactly_once(
        &s.payloads("msg"),
        &(0..N).map(|i| format!("u{i}")).collect(),
        "reload under traffic",
    );
    assert_eq!(
        s.lines.iter().filter(|l| l.starts_with("worker_start ")).count(),
        3 + 4 * 3,
        "each reload replaced 3 workers"
    );
    no_sigkill(&s);
    assert!(s.warnings().is_empty(), "reloaded workers exit 0: {:?}", s.warnings());
}

/// A message longer than the system's msgmax cannot even be sent (EINVAL, the producer's error);
/// one of exactly msgmax bytes (or the pool's 64 KiB limit, if msgmax is larger) arrives whole.
#[test]
fn message_size_limits() {
    let msgmax = read_sysctl("msgmax");
    let msgmnb = read_sysctl("msgmnb");
    let key = KeyGuard::new(unique_key(7));
    let (mut s, _) = Scenario::start(1, key.0, "log", 5.0);
    let id = key.id();
    let too_long = vec![b'x'; msgmax + 1];
    assert_eq!(
        send_msg(id, 1, &too_long, DEADLINE),
        Err(libc::EINVAL),
        "msgsnd of msgmax + 1 = {} bytes",
        msgmax + 1
    );
    let size = msgmax.min(POOL_MAX_MESSAGE);
    if size <= msgmnb {
        let data: Vec<u8> = (0..size).map(|i| (i * 7 % 251) as u8).collect();
        send_ok(id, 4, &data);
        let want = fnv(&data);
        s.expect("the msgmax-byte message", |l| {
            payload(l, "msg").is_some_and(|p| p == want)
        });
    } else {
        println!("message_size_limits: msgmnb {msgmnb} < {size}: the whole-message check is skipped");
    }
    send_ok(id, 1, b"after");
    s.expect("the next message", |l| payload(l, "msg").is_some_and(|p| p == "after"));
    s.shut_down(DEADLINE);
    println!(
        "message_size_limits: msgmax {msgmax}, msgmnb {msgmnb}: {} bytes refused (EINVAL), {size} arrived whole",
        msgmax + 1
    );
}

/// A pool on a key whose queue exists with other permissions uses it as it is.
#[test]
fn existing_queue_is_used_as_it_is() {
    let key = KeyGuard::new(unique_key(8));
    // SAFETY: msgget with plain values.
    let id = unsafe { libc::msgget(key.0 as libc::key_t, libc::IPC_CREAT | libc::IPC_EXCL | 0o640) };
    assert!(id >= 0);
    let (mut s, _) = Scenario::start(1, key.0, "log", 5.0);
    assert_eq!(key.id(), id);
    assert_eq!(row_of_id(id).unwrap().perms, 0o640, "not chmod-ed");
    send_ok(id, 1, b"hello");
    s.expect("hello", |l| payload(l, "msg").is_some_and(|p| p == "hello"));
    s.shut_down(DEADLINE);
}

/// push/pop mode (no `Message` callback) under traffic, then SIGTERM: each worker's pop loop should
/// end (pop() gives "interrupted"), WorkerStop run, and the manager return well before max_wait_time.
/// (A SIGTERM that lands while the worker is outside msgrcv, printing the last message, must still
/// end the next pop(): under traffic it would otherwise return the next message for ever, and on
/// an idle queue block until SIGKILL at max_wait_time.)
#[test]
fn pop_mode_sigterm_under_traffic() {
    let key = KeyGuard::new(unique_key(9));
    let (mut s, _) = Scenario::start(2, key.0, "pop", 2.0);
    let id = key.id();
    let stop = Arc::new(AtomicBool::new(false));
    let sender = {
        let stop = stop.clone();
        thread::spawn(move || {
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                if send_msg(id, 1, format!("q{n}").as_bytes(), Duration::from_millis(20)).is_ok() {
                    n += 1;
                }
            }
        })
    };
    s.wait_until("traffic", DEADLINE, |s| s.payloads("pop").len() >= 200);
    let took = s.shut_down(DEADLINE);
    stop.store(true, Ordering::SeqCst);
    sender.join().unwrap();
    no_sigkill(&s);
    assert!(took < Duration::from_millis(1500), "took {took:?}");
}
