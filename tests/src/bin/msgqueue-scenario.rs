//! A small Rust program running a real SWOOLE_IPC_MSGQUEUE pool, for the integration tests in
//! tests/rust/msgqueue.rs and for trying the MSGQUEUE mode by hand. Every event is one line on stdout
//! (one write per line, flushed, so lines of several processes never mix):
//!   start <manager pid> | worker_start <id> <pid> | worker_stop <id> <pid> | shutdown | returned
//!   msg <id> <pid> <payload>     `Message` ran with <payload> (behaviours log, slow)
//!   msg_begin <id> <pid>         (behaviour `slow` only) a worker entered `Message`
//!   pop <id> <pid> <payload>     (behaviour `pop`) ctx.pop() returned a message
//!   pop_end <id> <pid> <why>     (behaviour `pop`) the pop loop ended: `interrupted` or an error
//!   push <id> <pid> <n>          (behaviour `pop`) worker 0 pushed <n> messages
//! A payload longer than 64 bytes is printed as `len=<n>:<fnv-1a hash in hex>`.
//!
//! usage: msgqueue-scenario <workers> <key> [behaviour] [max_wait_secs] [permissions (octal)]
//!   key: a decimal or 0x-hex System V key; 0 makes a private queue (removed when the pool ends)
//! behaviours:
//!   log (default)  `Message` prints `msg ...`
//!   slow           `Message` prints `msg_begin ...`, sleeps 300 ms, then prints `msg ...`
//!   pop            no `Message` callback: WorkerStart loops on ctx.pop() (printing `pop ...`) until a
//!                  pop is interrupted (SIGTERM); worker 0 (its first process only) first pushes the
//!                  messages `push-0` .. `push-4` with ctx.push()

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use procpool::{Context, Handler, IpcMode, Outcome, Pool, PoolConfig};

#[path = "common/mod.rs"]
mod common;
use common::{pid, say};

const PUSHED: usize = 5;

struct Scenario {
    behaviour: String,
}

/// Worker 0 pushes only in the first process forked for it (not in its replacements).
static PUSHED_ONCE: AtomicBool = AtomicBool::new(false);

fn show(data: &[u8]) -> String {
    if data.len() <= 64 && data.iter().all(|b| b.is_ascii_graphic()) {
        return String::from_utf8_lossy(data).into_owned();
    }
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in data {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("len={}:{hash:016x}", data.len())
}

impl Handler for Scenario {
    fn on_start(&mut self, ctx: &Context) {
        say(format!("start {}", ctx.master_pid().unwrap_or(-1)));
    }

    fn on_worker_start(&mut self, ctx: &Context, id: usize) -> Outcome {
        say(format!("worker_start {id} {}", pid()));
        if self.behaviour != "pop" {
            return Outcome::Normal;
        }
        if id == 0 && !PUSHED_ONCE.swap(true, Ordering::SeqCst) {
            for i in 0..PUSHED {
                if let Err(e) = ctx.push(format!("push-{i}").as_bytes()) {
                    say(format!("push_failed {id} {} {e}", pid()));
                }
            }
            say(format!("push {id} {} {PUSHED}", pid()));
        }
        loop {
            match ctx.pop() {
                Ok(Some(data)) => say(format!("pop {id} {} {}", pid(), show(&data))),
                Ok(None) => {
                    say(format!("pop_end {id} {} interrupted", pid()));
                    return Outcome::Normal;
                }
                Err(e) => {
                    say(format!("pop_end {id} {} error: {e}", pid()));
                    return Outcome::Normal;
                }
            }
        }
    }

    fn on_message(&mut self, ctx: &Context, data: &[u8]) -> Outcome {
        let id = ctx.worker_id().unwrap_or(usize::MAX);
        match self.behaviour.as_str() {
            "slow" => {
                say(format!("msg_begin {id} {}", pid()));
                std::thread::sleep(Duration::from_millis(300));
                say(format!("msg {id} {} {}", pid(), show(data)));
            }
            _ => say(format!("msg {id} {} {}", pid(), show(data))),
        }
        Outcome::Normal
    }

    fn implements(&self, event: procpool::Event) -> bool {
        event != procpool::Event::Message || self.behaviour != "pop"
    }

    fn on_worker_stop(&mut self, _ctx: &Context, id: usize) {
        say(format!("worker_stop {id} {}", pid()));
    }

    fn on_shutdown(&mut self, _ctx: &Context) {
        say("shutdown".to_string());
    }
}

fn parse_key(text: &str) -> i64 {
    let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => i64::from_str_radix(hex, 16),
        None => text.parse(),
    };
    parsed.unwrap_or_else(|_| {
        eprintln!("bad key {text}: expected a decimal or 0x-hex number");
        std::process::exit(2);
    })
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: msgqueue-scenario <workers> <key> [log|slow|pop] [max_wait_secs] [permissions (octal)]");
        std::process::exit(2);
    }
    let workers: usize = args[1].parse().expect("workers must be a number");
    let key = parse_key(&args[2]);
    let behaviour = args.get(3).cloned().unwrap_or_else(|| "log".to_string());
    if !matches!(behaviour.as_str(), "log" | "slow" | "pop") {
        eprintln!("unknown behaviour {behaviour} (log, slow or pop)");
        std::process::exit(2);
    }
    let mut config = PoolConfig::new(workers, IpcMode::MsgQueue);
    config.msgqueue_key = key;
    if let Some(wait) = args.get(4) {
        config.max_wait_time = Duration::from_secs_f64(wait.parse().expect("max_wait_secs must be a number"));
    }
    if let Some(mode) = args.get(5) {
        config.msgqueue_permissions = u32::from_str_radix(mode, 8).expect("permissions must be octal");
    }
    let mut pool = match Pool::new(config) {
        Ok(pool) => pool,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let mut scenario = Scenario { behaviour };
    match pool.start(&mut scenario) {
        Ok(()) => say("returned".to_string()),
        Err(e) => {
            say(format!("start_failed {e}"));
            std::process::exit(1);
        }
    }
}
