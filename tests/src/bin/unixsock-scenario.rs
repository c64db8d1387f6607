//! A small Rust program running a real SWOOLE_IPC_UNIXSOCK pool, for the integration tests in
//! tests/rust/unixsock.rs and for trying the mode by hand. Every event is one line on stdout:
//!   start <manager pid> | worker_start <id> <pid> | worker_stop <id> <pid> | shutdown | returned
//!   sent <src> <dst> <len> <checksum> <tag>     a worker (src = its id) or the manager (src = m) sent a message
//!   msg <id> <len> <checksum> <tag> <pid>        worker <id> (pid) got a message in `Message`
//!   send_err <src> <dst> <kind> <message>        a send failed (kind: state, invalid, system)
//!   err <what> <kind> <message>                   an expected error of the `errors` behaviour
//!   message_begin <id> | message_end <id>         around the sleep of a slow first message
//!   sent_done <src> <count> <elapsed ms>          a sender finished its whole list
//!   mgr_sent <ok count> <elapsed ms> [<kind> <error>]   the manager's burst (`mgrfull`)
//!   pipe_fd <id> <for id> <fd> | pipe_read <id> <len> <checksum> | pipe_write <id> <len>
//!
//! usage: unixsock-scenario <workers> <behaviour> [bus 0|1] [max_package_size]
//! Parameters in environment variables:
//!   UXS_COUNT (messages per sender, default 3), UXS_SIZES (comma-separated sizes, default 100),
//!   UXS_DSTS (comma-separated destinations, default every worker), UXS_SLEEP_MS (the sleeper's first
//!   `Message` sleeps this long, default 0), UXS_SLEEPER (default 1), UXS_INTERVAL_MS (respawn: pause
//!   between messages, default 20), UXS_MGR_SIZE (multi: the manager's message size, default 1000).
//! Behaviours:
//!   fanout    worker 0 sends UXS_COUNT messages of each size to each destination (incl. itself),
//!             from a thread, so that its own loop keeps serving what it sends to itself
//!   bigbus    worker 0 sends one message of UXS_SIZES (default 64 MiB) to worker 1
//!   multi     the manager (on_start) sends one message to worker 1, and workers 0 and 2 each send
//!             UXS_COUNT messages of UXS_SIZES to worker 1, concurrently
//!   flood     worker 0 sends UXS_COUNT messages to worker 1, whose first `Message` sleeps
//!   mgrfull   the manager sends UXS_COUNT messages to worker 0 before any worker runs, stopping at
//!             the first error (it must never block)
//!   respawn   worker 0 sends a numbered message to worker 1 every UXS_INTERVAL_MS, for ever
//!   rawpipe   no `Message` callback: worker 0 pipe_write()s to worker 1, which pipe_read()s it and
//!             pipe_write()s it back to worker 0; worker 0 then shuts the pool down
//!   diesend   worker 0 sends a small message then a 64 MiB message to worker 1 (whose first
//!             `Message` sleeps); the test SIGKILLs worker 0 meanwhile; its replacement sends `after`
//!   errors    sendMessage to a bad id (manager and worker), too large without the bus,
//!             pipe_write with the bus on; then worker 0 shuts the pool down
//!   idle      workers just serve (fd checks from the outside)

use std::time::{Duration, Instant};

use procpool::{Context, Error, Handler, IpcMode, Outcome, Pool, PoolConfig};

#[path = "common/mod.rs"]
mod common;
use common::payload::{checksum, payload};
use common::{pid, say};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

fn env_list(name: &str) -> Option<Vec<usize>> {
    let v = std::env::var(name).ok()?;
    Some(
        v.split(',')
            .filter(|s| !s.trim().is_empty())
            .map(|s| s.trim().parse().expect("a number"))
            .collect(),
    )
}

/// The tag of a payload: the ASCII text before its first `|` (at most 64 bytes in), else `-`.
pub fn tag_of(data: &[u8]) -> String {
    let head = &data[..data.len().min(64)];
    match head.iter().position(|&b| b == b'|') {
        Some(n) if n > 0 && head[..n].iter().all(|b| b.is_ascii_graphic()) => {
            String::from_utf8_lossy(&head[..n]).into_owned()
        }
        _ => "-".to_string(),
    }
}

fn kind(e: &Error) -> &'static str {
    match e {
        Error::InvalidArgument(_) | Error::InvalidWorkerId { .. } => "invalid",
        Error::WouldBlock(_) => "would_block",
        Error::System { .. } => "system",
        _ => "state",
    }
}

/// Sends one tagged message; prints `sent` or `send_err`. True on success.
fn send_tagged(ctx: &Context, src: &str, dst: usize, tag: &str, len: usize) -> bool {
    let data = payload(tag, len);
    let sum = checksum(&data);
    match ctx.send_message(&data, dst) {
        Ok(()) => {
            say(format!("sent {src} {dst} {len} {sum:016x} {}", tag_of(&data)));
            true
        }
        Err(e) => {
            say(format!("send_err {src} {dst} {} {e}", kind(&e)));
            false
        }
    }
}

/// True only in the first process ever to ask for `id` in this pool run (a marker file per id).
fn first_incarnation(ctx: &Context, id: usize) -> bool {
    let path = format!("/tmp/uxs-{}-{id}.mark", ctx.master_pid().unwrap_or(0));
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .is_ok()
}

fn remove_markers(workers: usize) {
    for id in 0..workers {
        let _ = std::fs::remove_file(format!("/tmp/uxs-{}-{id}.mark", pid()));
    }
}

struct Scenario {
    behaviour: String,
    workers: usize,
    count: usize,
    sizes: Vec<usize>,
    dsts: Vec<usize>,
    sleep_ms: u64,
    sleeper: usize,
    interval_ms: u64,
    mgr_size: usize,
    /// The first message of this process was seen (for the sleeper).
    seen_first: bool,
}

impl Scenario {
    /// Sends `count` messages of each size to each destination; tags `S<src>#<seq>`.
    fn send_list(&self, ctx: &Context, src: usize) {
        let began = Instant::now();
        let mut seq = 0usize;
        let mut sent = 0usize;
        for _ in 0..self.count {
            for &len in &self.sizes {
                for &dst in &self.dsts {
                    if send_tagged(ctx, &src.to_string(), dst, &format!("S{src}#{seq}"), len) {
                        sent += 1;
                    }
                    seq += 1;
                }
            }
        }
        say(format!("sent_done {src} {sent} {}", began.elapsed().as_millis()));
    }
}

impl Handler for Scenario {
    fn on_start(&mut self, ctx: &Context) {
        say(format!("start {}", ctx.master_pid().unwrap_or(-1)));
        match self.behaviour.as_str() {
            "multi" => {
                send_tagged(ctx, "m", 1, "SM#0", self.mgr_size);
            }
            "mgrfull" => {
                let began = Instant::now();
                let mut ok = 0;
                let mut failure = String::new();
                for seq in 0..self.count {
                    let data = payload(&format!("SM#{seq}"), self.sizes[0]);
                    match ctx.send_message(&data, 0) {
                        Ok(()) => ok += 1,
                        Err(e) => {
                            failure = format!(" {} {e}", kind(&e));
                            break;
                        }
                    }
                }
                say(format!("mgr_sent {ok} {}{failure}", began.elapsed().as_millis()));
            }
            "errors" => {
                if let Err(e) = ctx.send_message(b"x", self.workers) {
                    say(format!("err mgr_baddst {} {e}", kind(&e)));
                }
            }
            _ => {}
        }
    }

    fn on_worker_start(&mut self, ctx: &Context, id: usize) -> Outcome {
        say(format!("worker_start {id} {}", pid()));
        match (self.behaviour.as_str(), id) {
            ("fanout", 0) => {
                let me = self.clone_params();
                std::thread::spawn(move || me.send_list(&Context, 0));
            }
            ("bigbus", 0) | ("flood", 0) => self.send_list(ctx, 0),
            ("multi", 0) | ("multi", 2) => {
                let me = self.clone_params();
                std::thread::spawn(move || me.send_list(&Context, id));
            }
            ("respawn", 0) => {
                let interval = Duration::from_millis(self.interval_ms);
                std::thread::spawn(move || {
                    let ctx = Context;
                    for seq in 0.. {
                        send_tagged(&ctx, "0", 1, &format!("S0#{seq}"), 64);
                        std::thread::sleep(interval);
                    }
                });
            }
            ("diesend", 0) => {
                if first_incarnation(ctx, 0) {
                    // Made before `hold`, so that the receiver sleeps while the chunks queue up.
                    let big = payload("big", 64 << 20);
                    send_tagged(ctx, "0", 1, "hold", 10);
                    say("sending_big".to_string());
                    if let Err(e) = ctx.send_message(&big, 1) {
                        say(format!("send_err 0 1 {} {e}", kind(&e)));
                    }
                } else {
                    send_tagged(ctx, "0", 1, "after", 100);
                }
            }
            ("rawpipe", _) => return self.rawpipe(ctx, id),
            ("errors", 0) => {
                for e in [
                    ctx.send_message(b"x", self.workers).err().map(|e| ("baddst", e)),
                    ctx.send_message(b"x", usize::MAX).err().map(|e| ("hugedst", e)),
                    ctx.send_message(&vec![7u8; 4 << 20], 1).err().map(|e| ("toolarge", e)),
                    ctx.pipe_write(1, b"raw").err().map(|e| ("pipe_write", e)),
                    ctx.pipe_read(0, 100, Some(Duration::from_millis(10)))
                        .err()
                        .map(|e| ("pipe_read", e)),
                ]
                .into_iter()
                .flatten()
                {
                    say(format!("err {} {} {}", e.0, kind(&e.1), e.1));
                }
                say("errors_done".to_string());
                let _ = ctx.shutdown();
            }
            _ => {}
        }
        Outcome::Normal
    }

    fn on_message(&mut self, ctx: &Context, data: &[u8]) -> Outcome {
        let id = ctx.worker_id().unwrap_or(usize::MAX);
        let first = !self.seen_first;
        self.seen_first = true;
        if first && id == self.sleeper && self.sleep_ms > 0 {
            say(format!("message_begin {id}"));
            std::thread::sleep(Duration::from_millis(self.sleep_ms));
            say(format!("message_end {id}"));
        }
        say(format!(
            "msg {id} {} {:016x} {} {}",
            data.len(),
            checksum(data),
            tag_of(data),
            pid()
        ));
        Outcome::Normal
    }

    fn implements(&self, event: procpool::Event) -> bool {
        event != procpool::Event::Message || self.behaviour != "rawpipe"
    }

    fn on_worker_stop(&mut self, _ctx: &Context, id: usize) {
        say(format!("worker_stop {id} {}", pid()));
    }

    fn on_shutdown(&mut self, _ctx: &Context) {
        say("shutdown".to_string());
    }
}

impl Scenario {
    fn clone_params(&self) -> Scenario {
        Scenario {
            behaviour: self.behaviour.clone(),
            workers: self.workers,
            count: self.count,
            sizes: self.sizes.clone(),
            dsts: self.dsts.clone(),
            sleep_ms: self.sleep_ms,
            sleeper: self.sleeper,
            interval_ms: self.interval_ms,
            mgr_size: self.mgr_size,
            seen_first: false,
        }
    }

    /// Worker 1 echoes raw datagrams back to worker 0 until a signal interrupts its read; worker 0
    /// sends one, reads the echo, and shuts the pool down.
    fn rawpipe(&self, ctx: &Context, id: usize) -> Outcome {
        for other in 0..self.workers {
            say(format!("pipe_fd {id} {other} {}", ctx.pipe_fd(other).unwrap_or(-1)));
        }
        match id {
            0 if first_incarnation(ctx, 0) => {
                let data = payload("raw", self.sizes[0]);
                match ctx.pipe_write(1, &data) {
                    Ok(n) => say(format!("pipe_write 0 {n} {:016x}", checksum(&data))),
                    Err(e) => say(format!("err pipe_write {} {e}", kind(&e))),
                }
                match ctx.pipe_read(0, 1 << 20, Some(Duration::from_secs(5))) {
                    Ok(Some(back)) => say(format!("pipe_read 0 {} {:016x}", back.len(), checksum(&back))),
                    Ok(None) => say("pipe_read 0 none".to_string()),
                    Err(e) => say(format!("err pipe_read {} {e}", kind(&e))),
                }
                let _ = ctx.shutdown();
            }
            1 => loop {
                match ctx.pipe_read(1, 1 << 20, None) {
                    Ok(Some(data)) => {
                        say(format!("pipe_read 1 {} {:016x}", data.len(), checksum(&data)));
                        match ctx.pipe_write(0, &data) {
                            Ok(n) => say(format!("pipe_write 1 {n}")),
                            Err(e) => say(format!("err pipe_write {} {e}", kind(&e))),
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        say(format!("err pipe_read {} {e}", kind(&e)));
                        break;
                    }
                }
            },
            _ => {
                // Wait for SIGTERM without spinning: a read on our own end that nobody writes to.
                while let Ok(Some(_)) = ctx.pipe_read(id, 16, None) {}
            }
        }
        Outcome::Normal
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: unixsock-scenario <workers> <behaviour> [bus 0|1] [max_package_size]");
        std::process::exit(2);
    }
    let workers: usize = args[1].parse().expect("workers must be a number");
    let behaviour = args[2].clone();
    let mut config = PoolConfig::new(workers, IpcMode::UnixSock);
    config.enable_message_bus = args.get(3).is_some_and(|b| b == "1");
    if let Some(max) = args.get(4) {
        config.max_package_size = max.parse().expect("max_package_size must be a number");
    }
    let default_sizes = match behaviour.as_str() {
        "bigbus" => vec![64 << 20],
        _ => vec![100],
    };
    let default_dsts = match behaviour.as_str() {
        "bigbus" | "multi" | "flood" => vec![1],
        _ => (0..workers).collect(),
    };
    let mut scenario = Scenario {
        behaviour: behaviour.clone(),
        workers,
        count: env_usize("UXS_COUNT", if behaviour == "bigbus" { 1 } else { 3 }),
        sizes: env_list("UXS_SIZES").unwrap_or(default_sizes),
        dsts: env_list("UXS_DSTS").unwrap_or(default_dsts),
        sleep_ms: env_usize("UXS_SLEEP_MS", 0) as u64,
        sleeper: env_usize("UXS_SLEEPER", 1),
        interval_ms: env_usize("UXS_INTERVAL_MS", 20) as u64,
        mgr_size: env_usize("UXS_MGR_SIZE", 1000),
        seen_first: false,
    };
    let mut pool = match Pool::new(config) {
        Ok(pool) => pool,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let result = pool.start(&mut scenario);
    remove_markers(workers);
    match result {
        Ok(()) => say("returned".to_string()),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
