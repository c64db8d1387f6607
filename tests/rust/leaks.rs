//! Leak checks of the manager: after 1,000 respawns and 100 rolling reloads, its open fd count
//! (/proc/<pid>/fd), RSS (VmRSS) and child count are what they were after start (fds and children
//! equal; RSS within +2 MiB), no zombie is left at any point, and after shutdown nothing of the pool
//! remains: no process of its group, no unix socket file (SOCKET), no private queue (MSGQUEUE key 0).
//!
//! Each pool is the `chaos-scenario` binary, one pool per process in its own process group; a guard
//! SIGKILLs the group when the test ends, and every wait has a deadline. Crash-loop protection is
//! OFF in these pools (`crash_loop_threshold` 0): the 1,000 respawns of the message modes are
//! SIGKILLs sent by this test, each waited for (4 children again, none the killed one), which with
//! the default policy would be answered with back-off. IPC_NONE's 1,000 respawns are clean exits
//! instead (WorkerStart returns at once, exit 0, which the policy never delays anyway).
//!
//! Zombies: a worker that just died is a zombie until the manager reaps it (microseconds later), so
//! a sampler thread looks at the manager's children every 2 ms for the whole run and fails on a
//! zombie that stays one for more than ZOMBIE_BOUND (not reaped), and the quiet points (after start,
//! after the respawns, after the reloads) must show none at all. The brief sightings are reported.
//!
//! The four tests run two at a time (cargo's default on 2 cores); the file takes about 20-30 s.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

#[path = "support/mod.rs"]
mod support;
use support::*;

const WORKERS: usize = 4;
const RESPAWNS: usize = 1000;
const RELOADS: usize = 100;
const DEADLINE: Duration = Duration::from_secs(5);
/// How much the manager's RSS may grow over the run.
const RSS_MARGIN_KB: i64 = 2048;
/// A zombie child of the manager still there after this long was not reaped.
const ZOMBIE_BOUND: Duration = Duration::from_millis(500);

// ---------------------------------------------------------------------------------------------
// The pool process (as in chaos.rs)
// ---------------------------------------------------------------------------------------------

impl PoolProc {
    fn spawn(mode: &str, behaviour: &str, env: &[(&str, String)]) -> PoolProc {
        // info: the manager logs `reload finished`, which the reload loop waits for.
        PoolProc::spawn_with("info", mode, WORKERS, behaviour, env)
    }

    fn shut_down(&mut self) {
        self.sigterm_and_wait_exit();
        assert!(
            self.snapshot().iter().any(|l| l == "returned"),
            "start() returned\n{}",
            self.transcript_tail()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// What is measured
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Sample {
    fds: BTreeMap<i32, String>,
    rss_kb: i64,
    children: usize,
    zombies: usize,
}

impl Sample {
    fn of(pid: i32) -> Sample {
        let mut fds = BTreeMap::new();
        for entry in std::fs::read_dir(format!("/proc/{pid}/fd"))
            .expect("read the manager's fds")
            .flatten()
        {
            let Some(fd) = entry.file_name().to_str().and_then(|s| s.parse().ok()) else {
                continue;
            };
            let target = std::fs::read_link(entry.path())
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            fds.insert(fd, target);
        }
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
        let rss_kb = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .expect("VmRSS");
        let kids = children(pid);
        let zombies = kids.iter().filter(|&&c| proc_state(c) == Some('Z')).count();
        Sample {
            fds,
            rss_kb,
            children: kids.len(),
            zombies,
        }
    }

    fn short(&self) -> String {
        format!(
            "fds {}, RSS {} KiB, children {}, zombies {}",
            self.fds.len(),
            self.rss_kb,
            self.children,
            self.zombies
        )
    }
}

/// Watches the manager's children every 2 ms: how often a zombie was seen, the longest one stayed.
struct ZombieWatch {
    stop: Arc<AtomicBool>,
    handle: Option<thread::JoinHandle<(usize, Duration, Vec<i32>)>>,
}

impl ZombieWatch {
    fn start(manager: i32) -> ZombieWatch {
        let stop = Arc::new(AtomicBool::new(false));
        let handle = {
            let stop = stop.clone();
            thread::spawn(move || {
                let mut first_seen: HashMap<i32, Instant> = HashMap::new();
                let mut sightings = 0usize;
                let mut longest = Duration::ZERO;
                let mut lingering = Vec::new();
                while !stop.load(Ordering::SeqCst) {
                    let now = Instant::now();
                    let mut current = HashSet::new();
                    for c in children(manager) {
                        if proc_state(c) == Some('Z') {
                            sightings += 1;
                            current.insert(c);
                            let since = *first_seen.entry(c).or_insert(now);
                            let age = now - since;
                            longest = longest.max(age);
                            if age > ZOMBIE_BOUND && !lingering.contains(&c) {
                                lingering.push(c);
                            }
                        }
                    }
                    first_seen.retain(|pid, _| current.contains(pid));
                    thread::sleep(Duration::from_millis(2));
                }
                (sightings, longest, lingering)
            })
        };
        ZombieWatch {
            stop,
            handle: Some(handle),
        }
    }

    fn finish(mut self) -> (usize, Duration, Vec<i32>) {
        self.stop.store(true, Ordering::SeqCst);
        self.handle.take().unwrap().join().unwrap()
    }
}

/// SIGKILLs a random worker and waits until the manager has 4 children again, none the victim.
fn kill_one_and_wait(pool: &PoolProc, seed: &mut u64) -> Duration {
    let kids = children(pool.pid);
    assert_eq!(
        kids.len(),
        WORKERS,
        "4 workers before a kill\n{}",
        pool.transcript_tail()
    );
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    let victim = kids[(*seed % kids.len() as u64) as usize];
    let t0 = Instant::now();
    // SAFETY: kill(2) on a child of our manager.
    assert_eq!(unsafe { libc::kill(victim, libc::SIGKILL) }, 0);
    loop {
        let now = children(pool.pid);
        if now.len() == WORKERS && !now.contains(&victim) {
            return t0.elapsed();
        }
        assert!(
            t0.elapsed() < DEADLINE,
            "no replacement for {victim} within {DEADLINE:?}\n{}",
            pool.transcript_tail()
        );
        thread::sleep(Duration::from_micros(200));
    }
}

/// What a mode's test does beside the common part.
struct Mode {
    mode: &'static str,
    behaviour: &'static str,
    env: Vec<(&'static str, String)>,
    /// true: the respawns are the workers' own clean exits (IPC_NONE `return`); false: SIGKILLs.
    clean_exits: bool,
    /// Called every 10 respawns and after each reload with the pool, e.g. to send it some work.
    poke: Box<dyn FnMut(&PoolProc) + Send>,
}

struct Outcome {
    before: Sample,
    after_respawns: Sample,
    after: Sample,
    zombies: (usize, Duration, Vec<i32>),
    pool: PoolProc,
    elapsed: Duration,
}

fn run(mut m: Mode) -> Outcome {
    let began = Instant::now();
    let pool = PoolProc::spawn(m.mode, m.behaviour, &m.env);
    pool.wait_started();
    if m.clean_exits {
        // The budget's first returns may already have happened: wait for all of them.
        pool.wait_until(&format!("{RESPAWNS} clean respawns"), Duration::from_secs(30), |l| {
            l.iter().filter(|l| l.starts_with("worker_start ")).count() >= WORKERS + RESPAWNS
        });
        pool.wait_until("4 children", DEADLINE, |_| children(pool.pid).len() == WORKERS);
    }
    thread::sleep(Duration::from_millis(300));
    let watch = ZombieWatch::start(pool.pid);
    let before = Sample::of(pool.pid);
    let mut seed = (std::process::id() as u64) << 16 | 0x9e37;
    if !m.clean_exits {
        for i in 0..RESPAWNS {
            kill_one_and_wait(&pool, &mut seed);
            if i % 10 == 9 {
                (m.poke)(&pool);
            }
        }
    }
    thread::sleep(Duration::from_millis(300));
    let after_respawns = Sample::of(pool.pid);
    for n in 1..=RELOADS {
        send(pool.pid, libc::SIGUSR1);
        pool.wait_until(&format!("reload #{n} finished"), Duration::from_secs(10), |l| {
            l.iter()
                .filter(|l| l.starts_with('[') && l.contains("reload finished"))
                .count()
                >= n
        });
        (m.poke)(&pool);
    }
    pool.wait_until("4 children after the reloads", DEADLINE, |_| {
        children(pool.pid).len() == WORKERS
    });
    thread::sleep(Duration::from_millis(300));
    let after = Sample::of(pool.pid);
    let zombies = watch.finish();
    Outcome {
        before,
        after_respawns,
        after,
        zombies,
        pool,
        elapsed: began.elapsed(),
    }
}

impl Outcome {
    fn report_and_check(&mut self, name: &str) {
        // Forks as the manager logs them (a worker killed right after its fork may not have
        // printed its own worker_start line yet).
        let starts = self
            .pool
            .snapshot()
            .iter()
            .filter(|l| l.starts_with('[') && l.contains(" started, pid "))
            .count();
        println!(
            "LEAKS {name}: {} workers forked ({} respawns + {} reloads x {WORKERS}) in {:.1}s; before: {}; after respawns: {}; after reloads: {}; \
             RSS growth {} KiB (margin {RSS_MARGIN_KB}); zombie sightings {} (longest seen {:.1} ms, none unreaped)",
            starts,
            RESPAWNS,
            RELOADS,
            self.elapsed.as_secs_f64(),
            self.before.short(),
            self.after_respawns.short(),
            self.after.short(),
            self.after.rss_kb - self.before.rss_kb,
            self.zombies.0,
            self.zombies.1.as_secs_f64() * 1000.0,
        );
        assert!(
            starts >= WORKERS + RESPAWNS + RELOADS * WORKERS,
            "{starts} workers forked"
        );
        for (when, s) in [
            ("after the respawns", &self.after_respawns),
            ("after the reloads", &self.after),
        ] {
            assert_eq!(s.fds, self.before.fds, "the manager's open fds {when} (before = left)");
            assert_eq!(s.children, self.before.children, "the manager's children {when}");
            assert_eq!(s.zombies, 0, "zombies {when}");
            assert!(
                s.rss_kb - self.before.rss_kb <= RSS_MARGIN_KB,
                "the manager's RSS grew by {} KiB {when} ({} -> {})",
                s.rss_kb - self.before.rss_kb,
                self.before.rss_kb,
                s.rss_kb
            );
        }
        assert_eq!(self.before.children, WORKERS);
        assert_eq!(self.before.zombies, 0);
        assert!(
            self.zombies.2.is_empty(),
            "zombies not reaped within {ZOMBIE_BOUND:?}: {:?}",
            self.zombies.2
        );
    }

    /// Shuts the pool down; then no process of its group may remain.
    fn shut_down_clean(&mut self) {
        let pids: HashSet<i32> = self
            .pool
            .snapshot()
            .iter()
            .filter_map(|l| {
                let mut p = l.split_whitespace();
                (p.next()? == "worker_start").then_some(())?;
                p.nth(1)?.parse().ok()
            })
            .collect();
        self.pool.shut_down();
        // SAFETY: kill(2) with signal 0 on the pool's own process group.
        let rc = unsafe { libc::kill(-self.pool.pid, 0) };
        assert!(rc != 0, "a process of the pool's group is still alive after shutdown");
        let alive: Vec<i32> = pids
            .iter()
            .copied()
            // SAFETY: getpgid(2) takes a plain pid and touches no memory of ours.
            .filter(|&p| exists(p) && unsafe { libc::getpgid(p) } == self.pool.pid)
            .collect();
        assert!(alive.is_empty(), "workers still alive after shutdown: {alive:?}");
    }
}

fn no_poke() -> Box<dyn FnMut(&PoolProc) + Send> {
    Box::new(|_| {})
}

// ---------------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------------

/// IPC_NONE: 1,000 clean exits (WorkerStart returns at once), then 100 reloads.
#[test]
fn leaks_none() {
    let mut out = run(Mode {
        mode: "none",
        behaviour: "return",
        env: vec![("CHAOS_BUDGET", RESPAWNS.to_string())],
        clean_exits: true,
        poke: no_poke(),
    });
    out.report_and_check("NONE");
    out.shut_down_clean();
}

/// One request to the SOCKET pool: answered right, or the connection closed (a worker was killed).
fn socket_request(path: &str, body: &[u8]) -> Result<bool, String> {
    let mut conn = UnixStream::connect(path).map_err(|e| format!("connect: {e}"))?;
    conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    conn.set_write_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut frame = (body.len() as u32).to_be_bytes().to_vec();
    frame.extend_from_slice(body);
    if conn.write_all(&frame).is_err() {
        return Ok(false);
    }
    let mut reply = Vec::new();
    match conn.read_to_end(&mut reply) {
        Ok(_) => {}
        Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
            return Err("no reply within 5 s".into())
        }
        Err(_) => return Ok(false),
    }
    let expected: Vec<u8> = body.iter().map(|b| b ^ 0x5a).collect();
    if reply.len() == 4 + expected.len() && reply[4..] == expected[..] {
        Ok(true)
    } else if reply.is_empty() {
        Ok(false)
    } else {
        Err(format!("wrong reply of {} bytes", reply.len()))
    }
}

/// IPC_SOCKET on a unix socket: 1,000 SIGKILLs, 100 reloads, a request every 10 kills and after each
/// reload (all must be answered: the kills are waited for before the request).
#[test]
fn leaks_socket_unix() {
    let path = format!("/tmp/procpool-leaks-{}.sock", std::process::id());
    let _ = std::fs::remove_file(&path);
    // If the test fails, its guard SIGKILLs the manager, which then cannot remove the file.
    let _file_guard = RemoveFile(path.clone());
    let answered = Arc::new(AtomicUsize::new(0));
    let poke = {
        let (path, answered) = (path.clone(), answered.clone());
        Box::new(move |_: &PoolProc| {
            let n = answered.load(Ordering::SeqCst);
            match socket_request(&path, format!("leak-{n}").as_bytes()) {
                Ok(true) => {
                    answered.fetch_add(1, Ordering::SeqCst);
                }
                other => panic!("request {n}: {other:?}"),
            }
        })
    };
    let mut out = run(Mode {
        mode: "socket",
        behaviour: "echo",
        env: vec![("CHAOS_LISTEN", format!("unix:{path}"))],
        clean_exits: false,
        poke,
    });
    out.report_and_check("SOCKET unix");
    assert!(
        out.before.fds.values().any(|t| t.starts_with("socket:")),
        "the manager holds the listening socket"
    );
    out.shut_down_clean();
    assert!(
        !std::path::Path::new(&path).exists(),
        "the socket file {path} is removed at shutdown"
    );
    println!(
        "LEAKS SOCKET unix: {} requests answered; socket file removed",
        answered.load(Ordering::SeqCst)
    );
}

/// Key-0 rows of /proc/sysvipc/msg: msqid -> (lspid, lrpid), the last sender and receiver.
fn private_queues() -> BTreeMap<i32, (i32, i32)> {
    let text = std::fs::read_to_string("/proc/sysvipc/msg").expect("read /proc/sysvipc/msg");
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            (f.first()?.parse::<i64>().ok()? == 0).then_some(())?;
            Some((
                f.get(1)?.parse().ok()?,
                (f.get(5)?.parse().ok()?, f.get(6)?.parse().ok()?),
            ))
        })
        .collect()
}

/// IPC_MSGQUEUE with a private queue (key 0): 1,000 SIGKILLs, 100 reloads, a message sent to the
/// queue every 10 kills and after each reload; the queue must be gone after shutdown.
#[test]
fn leaks_msgqueue_private() {
    let rows_before = private_queues();
    let sent = Arc::new(AtomicUsize::new(0));
    let poke = {
        let sent = sent.clone();
        Box::new(move |pool: &PoolProc| {
            let id: i32 = pool
                .snapshot()
                .iter()
                .find_map(|l| l.strip_prefix("start ")?.split_whitespace().nth(2)?.parse().ok())
                .expect("the queue id on the start line");
            let n = sent.load(Ordering::SeqCst);
            let data = format!("leak-{n}");
            let mut buf = (1 as libc::c_long).to_ne_bytes().to_vec();
            buf.extend_from_slice(data.as_bytes());
            // SAFETY: buf is laid out as struct msgbuf.
            let rc = unsafe { libc::msgsnd(id, buf.as_ptr().cast(), data.len(), libc::IPC_NOWAIT) };
            assert_eq!(
                rc,
                0,
                "msgsnd to the private queue: {}",
                std::io::Error::last_os_error()
            );
            sent.fetch_add(1, Ordering::SeqCst);
        })
    };
    let mut out = run(Mode {
        mode: "msgqueue",
        behaviour: "log",
        env: vec![("CHAOS_KEY", "0".into())],
        clean_exits: false,
        poke,
    });
    out.report_and_check("MSGQUEUE private");
    let queue: i32 = out
        .pool
        .snapshot()
        .iter()
        .find_map(|l| l.strip_prefix("start ")?.split_whitespace().nth(2)?.parse().ok())
        .expect("the queue id");
    assert!(
        private_queues().contains_key(&queue),
        "the private queue {queue} exists while the pool runs"
    );
    // Let the last message be handled before the shutdown.
    let sent = sent.load(Ordering::SeqCst);
    thread::sleep(Duration::from_millis(200));
    out.shut_down_clean();
    let rows_after = private_queues();
    let lines = out.pool.snapshot();
    let handled: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("msg ")?.split_whitespace().nth(2))
        .collect();
    let distinct: HashSet<&str> = handled.iter().copied().collect();
    // Key-0 queues that appeared during the run and are still there are ours only if one of our
    // processes was their last receiver (other programs on the machine may make private queues).
    let ours: HashSet<i32> = lines
        .iter()
        .filter_map(|l| {
            let mut p = l.split_whitespace();
            (p.next()? == "worker_start").then_some(())?;
            p.nth(1)?.parse().ok()
        })
        .chain([out.pool.pid])
        .collect();
    let appeared: Vec<(&i32, &(i32, i32))> = rows_after
        .iter()
        .filter(|(k, _)| !rows_before.contains_key(k))
        .collect();
    println!(
        "LEAKS MSGQUEUE private: queue {queue} removed: {}; key-0 queues before {} after {} (new ones: {appeared:?}); \
         messages sent {sent}, handled {} (lost with a kill: {})",
        !rows_after.contains_key(&queue),
        rows_before.len(),
        rows_after.len(),
        handled.len(),
        sent - distinct.len()
    );
    assert!(
        !rows_after.contains_key(&queue),
        "the private queue {queue} is removed at shutdown"
    );
    let leaked: Vec<_> = appeared
        .iter()
        .filter(|(_, (s, r))| ours.contains(s) || ours.contains(r))
        .collect();
    assert!(
        leaked.is_empty(),
        "private queues of this pool left after shutdown: {leaked:?}"
    );
    assert_eq!(handled.len(), distinct.len(), "no message handled twice");
    // Only the messages sent during the kills may be lost (the one in hand of a killed worker).
    assert!(
        sent - distinct.len() <= RESPAWNS / 10,
        "{} of {sent} messages lost",
        sent - distinct.len()
    );
}

/// IPC_UNIXSOCK with the message bus: 1,000 SIGKILLs, 100 reloads; every worker sends one small
/// message to the next one when it starts.
#[test]
fn leaks_unixsock_bus() {
    let mut out = run(Mode {
        mode: "unixsock",
        behaviour: "ping",
        env: vec![("CHAOS_BUS", "1".into())],
        clean_exits: false,
        poke: no_poke(),
    });
    out.report_and_check("UNIXSOCK+bus");
    // 4 socketpairs = 8 fds held by the manager for the whole run.
    assert!(out.before.fds.values().filter(|t| t.starts_with("socket:")).count() >= 2 * WORKERS);
    out.shut_down_clean();
    let lines = out.pool.snapshot();
    let bad = lines
        .iter()
        .filter(|l| l.starts_with("umsg ") && !l.ends_with(" ok"))
        .count();
    let ok = lines
        .iter()
        .filter(|l| l.starts_with("umsg ") && l.ends_with(" ok"))
        .count();
    let sent = lines.iter().filter(|l| l.starts_with("sent ")).count();
    println!("LEAKS UNIXSOCK+bus: pings sent {sent}, delivered intact {ok}, corrupt {bad}");
    assert_eq!(bad, 0);
    assert!(ok > 0);
}
