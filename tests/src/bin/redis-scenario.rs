//! A small Rust program running a real PROCPOOL_IPC_REDIS pool, for the integration tests in
//! tests/rust/redis.rs and for trying the mode by hand. Every event is one line on stdout (one write
//! per line, flushed, so lines of several processes never mix):
//!   start <manager pid> | worker_start <id> <pid> | worker_stop <id> <pid> | shutdown | returned
//!   start_failed <error>          start() refused to run (nothing was forked)
//!   msg_begin <id> <pid> <entry id> <deliveries> <data>   `Message` began (data starting `slow`)
//!   msg <id> <pid> <entry id> <deliveries> <data>         `Message` ran and returns normally
//!   failed <id> <pid> <entry id> <deliveries> <data>      `Message` fails (data starting `fail`)
//!   fatal <id> <pid> <entry id> <deliveries> <data>       `Message` ends the worker (data `fatal...`)
//!   field <entry id> <name>=<value>                       an entry's fields other than `data`
//!   pushed <who> <entry id>                               (PUSH=1) the manager / worker 0 pushed
//!
//! usage: redis-scenario <url> <stream> <workers>
//! environment (all optional):
//!   REDIS_GROUP, REDIS_CONSUMER, MAX_DELIVERIES, CLAIM_IDLE_MS, REDIS_BATCH, DEAD_LETTER,
//!   MAX_WAIT_SECS, HANDLER_SLEEP_US (each `Message` sleeps this long),
//!   CRASH_LOOP_OFF=1 (no respawn delay after quick crashes, for the chaos test),
//!   PUSH=1 (the manager pushes `from-manager` in Start, worker 0's first process `from-worker`).
//! Data starting with `slow` sleeps 300 ms; `fail` returns Outcome::Failed with the error text
//! `boom: <data>`; `fatal` returns Outcome::Fatal (exit status 70).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use procpool::{Context, Handler, IpcMode, Outcome, Pool, PoolConfig};

#[path = "common/mod.rs"]
mod common;
use common::{pid, say};

struct Scenario {
    sleep: Duration,
    push: bool,
}

/// Worker 0 pushes only in the first process forked for it.
static PUSHED_ONCE: AtomicBool = AtomicBool::new(false);

fn env<T: std::str::FromStr>(name: &str) -> Option<T> {
    let value = std::env::var(name).ok()?;
    Some(value.parse().unwrap_or_else(|_| {
        eprintln!("bad {name}={value}");
        std::process::exit(2);
    }))
}

impl Handler for Scenario {
    fn on_start(&mut self, ctx: &Context) {
        say(format!("start {}", ctx.master_pid().unwrap_or(-1)));
        if self.push {
            match ctx.redis_push(b"from-manager") {
                Ok(id) => say(format!("pushed manager {id}")),
                Err(e) => say(format!("push_failed manager {e}")),
            }
        }
    }

    fn on_worker_start(&mut self, ctx: &Context, id: usize) -> Outcome {
        say(format!("worker_start {id} {}", pid()));
        if self.push && id == 0 && !PUSHED_ONCE.swap(true, Ordering::SeqCst) {
            match ctx.redis_push(b"from-worker") {
                Ok(entry) => say(format!("pushed worker {entry}")),
                Err(e) => say(format!("push_failed worker {e}")),
            }
        }
        Outcome::Normal
    }

    fn on_message(&mut self, ctx: &Context, data: &[u8]) -> Outcome {
        let id = ctx.worker_id().unwrap_or(usize::MAX);
        let entry = ctx.redis_entry().expect("an entry is in hand inside Message");
        let text = String::from_utf8_lossy(data).into_owned();
        let tail = format!("{id} {} {} {} {text}", pid(), entry.id, entry.deliveries);
        for (name, value) in &entry.fields {
            if name != b"data" {
                say(format!(
                    "field {} {}={}",
                    entry.id,
                    String::from_utf8_lossy(name),
                    String::from_utf8_lossy(value)
                ));
            }
        }
        if !self.sleep.is_zero() {
            std::thread::sleep(self.sleep);
        }
        if text.starts_with("fail") {
            say(format!("failed {tail}"));
            ctx.set_message_error(&format!("boom: {text}"));
            return Outcome::Failed;
        }
        if text.starts_with("fatal") {
            say(format!("fatal {tail}"));
            ctx.set_message_error(&format!("fatal: {text}"));
            return Outcome::Fatal { exit_code: 70 };
        }
        if text.starts_with("slow") {
            say(format!("msg_begin {tail}"));
            std::thread::sleep(Duration::from_millis(300));
        }
        say(format!("msg {tail}"));
        Outcome::Normal
    }

    fn on_worker_stop(&mut self, _ctx: &Context, id: usize) {
        say(format!("worker_stop {id} {}", pid()));
    }

    fn on_shutdown(&mut self, _ctx: &Context) {
        say("shutdown".to_string());
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: redis-scenario <url> <stream> <workers>   (settings: see the source)");
        std::process::exit(2);
    }
    let workers: usize = args[3].parse().expect("workers must be a number");
    let mut config = PoolConfig::new(workers, IpcMode::Redis);
    config.redis.url = args[1].clone();
    config.redis.stream = args[2].clone();
    if let Some(group) = env("REDIS_GROUP") {
        config.redis.group = group;
    }
    config.redis.consumer = env("REDIS_CONSUMER");
    config.redis.dead_letter_stream = env("DEAD_LETTER");
    if let Some(n) = env("MAX_DELIVERIES") {
        config.redis.max_deliveries = n;
    }
    if let Some(ms) = env::<u64>("CLAIM_IDLE_MS") {
        config.redis.claim_idle = Duration::from_millis(ms);
    }
    if let Some(n) = env("REDIS_BATCH") {
        config.redis.batch = n;
    }
    if let Some(secs) = env::<f64>("MAX_WAIT_SECS") {
        config.max_wait_time = Duration::from_secs_f64(secs);
    }
    if env::<u8>("CRASH_LOOP_OFF") == Some(1) {
        config.crash_loop.threshold = 0;
    }
    let mut scenario = Scenario {
        sleep: Duration::from_micros(env("HANDLER_SLEEP_US").unwrap_or(0)),
        push: env::<u8>("PUSH") == Some(1),
    };
    let mut pool = match Pool::new(config) {
        Ok(pool) => pool,
        Err(e) => {
            say(format!("start_failed {e}"));
            std::process::exit(1);
        }
    };
    match pool.start(&mut scenario) {
        Ok(()) => say("returned".to_string()),
        Err(e) => {
            say(format!("start_failed {e}"));
            std::process::exit(1);
        }
    }
}
