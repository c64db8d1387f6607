//! One UNIXSOCK pool (no message bus) run through procpool's public API to exercise what an operator
//! sees: the metrics endpoint (`metrics_listen`), `Context::stats()`, `Pool::last_stats()` and the
//! restart policies (`PoolConfig::restart`). Used by tests/rust/operate.rs.
//!
//! Event lines on stdout (one write each, so lines of several processes never interleave):
//!   start <manager pid>                          Start (the manager, before any worker runs)
//!   send_err <seq> <error>                       the manager could not send message <seq>
//!   worker_start <id> <pid>                      WorkerStart
//!   begin <id> <pid> <seq>                       Message <seq> began in worker <id>
//!   message <id> <pid> <seq>                     Message <seq> was handled (after its sleep and leak)
//!   worker_stop <id> <pid>                       WorkerStop
//!   live messages=N starts=N alive=N             `Context::stats()` in the manager, at Shutdown
//!   shutdown                                     Shutdown
//!   returned                                     start() returned Ok
//!   final messages=N starts=N durations=N exits=clean:N,exit_code:N,signal:N,restart_policy:N,request_timeout:N
//!                                                `Pool::last_stats()` after start() returned
//! The manager's and workers' log records (PROCPOOL_LOG) go to stderr, which the tests read through the
//! same pipe.
//!
//! Parameters in environment variables:
//!   WORKERS (default 2); METRICS_LISTEN (`host:port` or `unix:/path`; unset: no endpoint);
//!   MESSAGES (how many the manager sends from Start, message <seq> to worker <seq % WORKERS>;
//!   default 0); SLEEP_MS (each message sleeps this long; default 0); LEAK_MB (each message allocates
//!   this many MiB, touches them and keeps them for the life of the process; default 0);
//!   MAX_REQUEST, MAX_MEMORY (bytes), REQUEST_TIMEOUT, SLOW_REQUEST (seconds, fractions allowed),
//!   MAX_WAIT (max_wait_time, seconds); CRASH_LOOP (the crash-loop threshold; 0 turns it off;
//!   default: the pool's default).

use std::time::Duration;

use procpool::{Context, ExitReason, Handler, IpcMode, Outcome, Pool, PoolConfig, PoolStats};

#[path = "common/mod.rs"]
mod common;
use common::{pid, say};

fn env_u64(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    Some(
        value
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a whole number, not {value:?}")),
    )
}

fn env_secs(name: &str) -> Option<Duration> {
    let value = std::env::var(name).ok()?;
    let secs: f64 = value
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("{name} must be a number of seconds, not {value:?}"));
    Some(Duration::from_secs_f64(secs))
}

struct Scenario {
    workers: usize,
    messages: u64,
    sleep: Duration,
    leak_mb: usize,
    /// What this process leaked on purpose (each forked worker has its own copy).
    leaked: Vec<Vec<u8>>,
}

impl Handler for Scenario {
    fn on_start(&mut self, ctx: &Context) {
        say(format!("start {}", ctx.master_pid().unwrap_or(-1)));
        for seq in 0..self.messages {
            let dst = (seq % self.workers as u64) as usize;
            if let Err(e) = ctx.send_message(seq.to_string().as_bytes(), dst) {
                say(format!("send_err {seq} {e}"));
            }
        }
    }

    fn on_worker_start(&mut self, _ctx: &Context, id: usize) -> Outcome {
        say(format!("worker_start {id} {}", pid()));
        Outcome::Normal
    }

    fn on_message(&mut self, ctx: &Context, data: &[u8]) -> Outcome {
        let id = ctx.worker_id().unwrap_or(usize::MAX);
        let seq = String::from_utf8_lossy(data).into_owned();
        say(format!("begin {id} {} {seq}", pid()));
        if self.leak_mb > 0 {
            // Non-zero bytes: every page is written, so it counts in the resident memory at once.
            self.leaked.push(vec![0x5a; self.leak_mb << 20]);
        }
        if !self.sleep.is_zero() {
            std::thread::sleep(self.sleep);
        }
        say(format!("message {id} {} {seq}", pid()));
        Outcome::Normal
    }

    fn on_worker_stop(&mut self, _ctx: &Context, id: usize) {
        say(format!("worker_stop {id} {}", pid()));
    }

    fn on_shutdown(&mut self, ctx: &Context) {
        match ctx.stats() {
            Ok(s) => say(format!(
                "live messages={} starts={} alive={}",
                s.messages, s.worker_starts, s.workers_alive
            )),
            Err(e) => say(format!("live error {e}")),
        }
        say("shutdown".to_string());
    }
}

fn exit_count(stats: &PoolStats, reason: ExitReason) -> u64 {
    let i = ExitReason::ALL
        .iter()
        .position(|&r| r == reason)
        .expect("a known reason");
    stats.exits[i]
}

fn main() {
    let workers = env_u64("WORKERS").unwrap_or(2) as usize;
    let mut config = PoolConfig::new(workers, IpcMode::UnixSock);
    config.metrics_listen = std::env::var("METRICS_LISTEN").ok();
    if let Some(n) = env_u64("MAX_REQUEST") {
        config.restart.max_request = n;
    }
    if let Some(bytes) = env_u64("MAX_MEMORY") {
        config.restart.max_memory = bytes;
    }
    if let Some(d) = env_secs("REQUEST_TIMEOUT") {
        config.restart.request_timeout = d;
    }
    if let Some(d) = env_secs("SLOW_REQUEST") {
        config.restart.slow_request = d;
    }
    if let Some(d) = env_secs("MAX_WAIT") {
        config.max_wait_time = d;
    }
    if let Some(n) = env_u64("CRASH_LOOP") {
        config.crash_loop.threshold = n as u32;
    }
    let mut scenario = Scenario {
        workers,
        messages: env_u64("MESSAGES").unwrap_or(0),
        sleep: Duration::from_millis(env_u64("SLEEP_MS").unwrap_or(0)),
        leak_mb: env_u64("LEAK_MB").unwrap_or(0) as usize,
        leaked: Vec::new(),
    };
    let mut pool = match Pool::new(config) {
        Ok(pool) => pool,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = pool.start(&mut scenario) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
    say("returned".to_string());
    match pool.last_stats() {
        Some(s) => say(format!(
            "final messages={} starts={} durations={} exits=clean:{},exit_code:{},signal:{},restart_policy:{},request_timeout:{}",
            s.messages,
            s.worker_starts,
            s.durations.count,
            exit_count(s, ExitReason::Clean),
            exit_count(s, ExitReason::ExitCode),
            exit_count(s, ExitReason::Signal),
            exit_count(s, ExitReason::Policy),
            exit_count(s, ExitReason::RequestTimeout),
        )),
        None => say("final none".to_string()),
    }
}
