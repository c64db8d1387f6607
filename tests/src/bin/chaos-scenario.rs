//! A small Rust program running a real pool in any IPC mode, for the reliability tests in
//! tests/rust/chaos.rs (random SIGKILLs under load) and tests/rust/leaks.rs (fds, RSS, children and
//! zombies of the manager over many respawns and reloads). Every event is one line on stdout, one
//! write(2) each, so lines of several processes never mix:
//!   start <manager pid> [queue <msqid>]      (MSGQUEUE: the id of the pool's queue)
//!   worker_start <id> <pid> <monotonic ns>   (CLOCK_MONOTONIC, the clock of Rust's Instant)
//!   worker_stop <id> <pid> | shutdown <work units> | returned
//!   msg <id> <pid> <payload>                 MSGQUEUE `Message` (payload as sent, ASCII)
//!   sent <pid> <dst> <len> <tag>             UNIXSOCK: a message was sent (send_message returned Ok)
//!   send_err <pid> <dst> <error>             UNIXSOCK: a send failed
//!   umsg <id> <pid> <len> <tag> ok|BAD       UNIXSOCK `Message`: the payload was regenerated from its
//!                                            tag and length and compared byte for byte
//!
//! usage: chaos-scenario <none|socket|msgqueue|unixsock> <workers> <behaviour>
//! behaviours:
//!   none/work      WorkerStart loops on small units of CPU work (about 0.2 ms, then 5 ms of sleep),
//!                  counted in memory shared by the pool; dies of SIGTERM (default disposition)
//!   none/return    WorkerStart returns at once (exit 0, replaced at once) until CHAOS_BUDGET
//!                  returns were made in the whole pool (default 1000); later workers sleep
//!   socket/echo    `Message` replies with every byte of the request XOR 0x5a
//!   msgqueue/log   `Message` prints `msg ...`
//!   unixsock/stream  worker 0 (every incarnation) sends, from a thread, messages of random sizes
//!                  (most of 1 B..4 KiB, at least the tag's length + 1, about one in five 64 KiB..256 KiB = several bus chunks) to workers
//!                  1..n-1 in turn, pausing CHAOS_SEND_INTERVAL_US (default 1000) between messages;
//!                  tags are `<pid>.<seq>`, so no two incarnations share one; while the file
//!                  CHAOS_PAUSE_FILE exists, the sender pauses
//!   unixsock/ping  each worker, when it starts, sends one small message to worker (id+1) % n
//! Settings (environment):
//!   CHAOS_LISTEN (socket: `unix:/path` or host:port), CHAOS_KEY (msgqueue key, default 0 = private),
//!   CHAOS_READ_TIMEOUT (seconds, default 2), CHAOS_MAX_WAIT (seconds, default 3),
//!   CHAOS_CRASH_THRESHOLD (crash-loop protection threshold, default 0 = OFF: the tests' SIGKILLs
//!   look like crashes and must not be answered with back-off), CHAOS_BUS (unixsock, default 1).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use procpool::{Context, Handler, IpcMode, Outcome, Pool, PoolConfig};

#[path = "common/mod.rs"]
mod common;
use common::payload::splitmix;
use common::{pid, say};

fn monotonic_ns() -> u128 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes the timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u128 * 1_000_000_000 + ts.tv_nsec as u128
}

fn env_num<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

fn fnv(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in data {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// `len` bytes: `<tag>|` then pseudo-random bytes seeded by the tag and the length.
fn payload(tag: &str, len: usize) -> Vec<u8> {
    let seed = fnv(tag.as_bytes()) ^ (len as u64).rotate_left(32);
    let mut out = Vec::with_capacity(len + 8);
    let mut i = 0u64;
    while out.len() < len {
        out.extend_from_slice(&splitmix(seed ^ i).to_le_bytes());
        i += 1;
    }
    out.truncate(len);
    let head = format!("{tag}|");
    let n = head.len().min(len);
    out[..n].copy_from_slice(&head.as_bytes()[..n]);
    out
}

fn tag_of(data: &[u8]) -> Option<String> {
    let head = &data[..data.len().min(64)];
    let n = head.iter().position(|&b| b == b'|')?;
    (n > 0 && head[..n].iter().all(|b| b.is_ascii_graphic())).then(|| String::from_utf8_lossy(&head[..n]).into_owned())
}

/// A counter in memory shared by every process of the pool (mapped before start(), so inherited).
struct Shared(&'static AtomicU64);

impl Shared {
    fn new() -> Shared {
        // SAFETY: an anonymous shared mapping of one page, never unmapped (lives as long as the process).
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                4096,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        assert_ne!(ptr, libc::MAP_FAILED, "mmap");
        // SAFETY: the page is zeroed, aligned, and outlives every use.
        Shared(unsafe { &*(ptr as *const AtomicU64) })
    }
}

struct Scenario {
    mode: String,
    behaviour: String,
    workers: usize,
    counter: Shared,
    budget: u64,
    send_interval: Duration,
}

impl Scenario {
    fn work(&self) -> ! {
        let mut buf = vec![0u8; 4096];
        let mut x = pid() as u64;
        loop {
            let began = std::time::Instant::now();
            while began.elapsed() < Duration::from_micros(200) {
                for b in buf.iter_mut() {
                    x = splitmix(x);
                    *b = x as u8;
                }
                x ^= fnv(&buf);
            }
            self.counter.0.fetch_add(1, Ordering::Relaxed);
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn stream(workers: usize, interval: Duration) {
        let ctx = Context;
        let me = pid();
        let mut rng = splitmix(me as u64 ^ monotonic_ns() as u64);
        let mut seq = 0u64;
        let pause = std::env::var_os("CHAOS_PAUSE_FILE").map(std::path::PathBuf::from);
        loop {
            if pause.as_ref().is_some_and(|p| p.exists()) {
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
            rng = splitmix(rng);
            let len = if rng.is_multiple_of(5) {
                64 * 1024 + (rng >> 8) as usize % (192 * 1024)
            } else {
                1 + (rng >> 8) as usize % 4096
            };
            let dst = 1 + (seq as usize % (workers - 1));
            let tag = format!("{me}.{seq}");
            // Room for the tag and its `|`, so that the receiver can regenerate the payload.
            let len = len.max(tag.len() + 1);
            let data = payload(&tag, len);
            match ctx.send_message(&data, dst) {
                Ok(()) => say(format!("sent {me} {dst} {len} {tag}")),
                Err(e) => say(format!("send_err {me} {dst} {e}")),
            }
            seq += 1;
            std::thread::sleep(interval);
        }
    }
}

impl Handler for Scenario {
    fn on_start(&mut self, ctx: &Context) {
        match ctx.queue_id() {
            Ok(id) if self.mode == "msgqueue" => say(format!("start {} queue {id}", ctx.master_pid().unwrap_or(-1))),
            _ => say(format!("start {}", ctx.master_pid().unwrap_or(-1))),
        }
    }

    fn on_worker_start(&mut self, ctx: &Context, id: usize) -> Outcome {
        say(format!("worker_start {id} {} {}", pid(), monotonic_ns()));
        match (self.mode.as_str(), self.behaviour.as_str()) {
            ("none", "work") => self.work(),
            ("none", "return") => {
                if self.counter.0.fetch_add(1, Ordering::SeqCst) < self.budget {
                    return Outcome::Normal;
                }
                loop {
                    std::thread::sleep(Duration::from_secs(1));
                }
            }
            ("unixsock", "stream") if id == 0 && self.workers > 1 => {
                let (workers, interval) = (self.workers, self.send_interval);
                std::thread::spawn(move || Scenario::stream(workers, interval));
            }
            ("unixsock", "ping") => {
                let dst = (id + 1) % self.workers;
                let tag = format!("{}.0", pid());
                match ctx.send_message(&payload(&tag, 100), dst) {
                    Ok(()) => say(format!("sent {} {dst} 100 {tag}", pid())),
                    Err(e) => say(format!("send_err {} {dst} {e}", pid())),
                }
            }
            _ => {}
        }
        Outcome::Normal
    }

    fn on_message(&mut self, ctx: &Context, data: &[u8]) -> Outcome {
        let id = ctx.worker_id().unwrap_or(usize::MAX);
        match self.mode.as_str() {
            "socket" => {
                let reply: Vec<u8> = data.iter().map(|b| b ^ 0x5a).collect();
                ctx.write(&reply);
            }
            "msgqueue" => say(format!("msg {id} {} {}", pid(), String::from_utf8_lossy(data))),
            "unixsock" => {
                let (tag, ok) = match tag_of(data) {
                    Some(tag) => {
                        let ok = payload(&tag, data.len()) == data;
                        (tag, ok)
                    }
                    None => ("-".to_string(), false),
                };
                say(format!(
                    "umsg {id} {} {} {tag} {}",
                    pid(),
                    data.len(),
                    if ok { "ok" } else { "BAD" }
                ));
            }
            _ => {}
        }
        Outcome::Normal
    }

    fn on_worker_stop(&mut self, _ctx: &Context, id: usize) {
        say(format!("worker_stop {id} {}", pid()));
    }

    fn on_shutdown(&mut self, _ctx: &Context) {
        say(format!("shutdown {}", self.counter.0.load(Ordering::SeqCst)));
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: chaos-scenario <none|socket|msgqueue|unixsock> <workers> <behaviour>");
        std::process::exit(2);
    }
    let mode = args[1].clone();
    let workers: usize = args[2].parse().expect("workers must be a number");
    let behaviour = args[3].clone();
    let ipc = match mode.as_str() {
        "none" => IpcMode::None,
        "socket" => IpcMode::Socket,
        "msgqueue" => IpcMode::MsgQueue,
        "unixsock" => IpcMode::UnixSock,
        other => {
            eprintln!("unknown mode {other}");
            std::process::exit(2);
        }
    };
    let mut config = PoolConfig::new(workers, ipc);
    config.crash_loop.threshold = env_num("CHAOS_CRASH_THRESHOLD", 0u32);
    config.read_timeout = Duration::from_secs_f64(env_num("CHAOS_READ_TIMEOUT", 2.0f64));
    config.max_wait_time = Duration::from_secs_f64(env_num("CHAOS_MAX_WAIT", 3.0f64));
    config.msgqueue_key = env_num("CHAOS_KEY", 0i64);
    config.enable_message_bus = env_num("CHAOS_BUS", 1u32) == 1;
    let mut pool = match Pool::new(config) {
        Ok(pool) => pool,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    if ipc == IpcMode::Socket {
        let spec = std::env::var("CHAOS_LISTEN").unwrap_or_else(|_| "127.0.0.1:0".to_string());
        let (host, port) = if spec.starts_with("unix:") {
            (spec.clone(), 0)
        } else {
            let (h, p) = spec.rsplit_once(':').expect("host:port");
            (h.to_string(), p.parse().expect("port"))
        };
        match pool.listen(&host, port, 2048) {
            Ok(l) => say(format!("listening {spec} {}", l.local_port().unwrap_or(0))),
            Err(e) => {
                say(format!("listen_failed {e}"));
                std::process::exit(3);
            }
        }
    }
    let mut scenario = Scenario {
        mode,
        behaviour,
        workers,
        counter: Shared::new(),
        budget: env_num("CHAOS_BUDGET", 1000u64),
        send_interval: Duration::from_micros(env_num("CHAOS_SEND_INTERVAL_US", 1000u64)),
    };
    match pool.start(&mut scenario) {
        Ok(()) => say("returned".to_string()),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
