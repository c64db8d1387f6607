//! A small Rust program running a real pool, for the integration tests in tests/rust and for
//! trying the core by hand. Every event is printed as one line on stdout:
//!   start <manager pid> | worker_start <id> <pid> | worker_stop <id> <pid> | shutdown | returned
//!
//! usage: pool-scenario <workers> <behaviour> [max_wait_secs]
//! behaviours (what WorkerStart does):
//!   sleep          sleep until signalled (default SIGTERM disposition: dies of it)
//!   graceful       catch SIGTERM and return from WorkerStart (so WorkerStop runs)
//!   ignore-term    ignore SIGTERM and sleep forever (the max_wait_time guard must SIGKILL it)
//!   return         return at once (IPC_NONE: the worker exits 0 and is replaced)
//!   detach         worker 0 detaches on its first run, then sleeps 1 s and exits
//!   shutdown       worker 0 asks the pool to shut down from inside WorkerStart
//!   stranger       the Start callback forks a child of its own that exits at once with status 7;
//!                  after start() returns, `stranger_status <pid> <status>` says what waitpid gave
//!                  this program for it (the pool must leave it to its owner)
//!   panic-shutdown the Shutdown callback panics (the workers sleep): start() must not leave them
//!   threaded       a second thread runs when start() is called: start() must refuse
//!   crash          worker 0 prints `crash 0 <pid> <left>` and dies at once (SIGSEGV, or exit 1 when
//!                  POOL_SCENARIO_CRASH_HOW=exit1) while the number in its crash file is > 0 (it
//!                  decrements it first), then sleeps like `sleep`; other workers sleep. The crash
//!                  file is $POOL_SCENARIO_CRASH_FILE, or <tmp>/pool-scenario-crash-<manager pid>;
//!                  a missing file starts at $POOL_SCENARIO_CRASH_TIMES (default 5). The count lives in
//!                  a file because each replacement is forked afresh from the manager.
//!
//! environment (optional): POOL_SCENARIO_CRASH_THRESHOLD (crash-loop threshold, 0 = off),
//!   POOL_SCENARIO_CRASH_MAX_DELAY (crash-loop max delay in seconds)

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use procpool::{Context, Handler, IpcMode, Outcome, Pool, PoolConfig};

#[path = "common/mod.rs"]
mod common;
use common::{pid, say};

struct Scenario {
    behaviour: String,
    /// `stranger`: the child the Start callback forked.
    stranger: Option<i32>,
}

static TERM_SEEN: AtomicBool = AtomicBool::new(false);

extern "C" fn on_term(_: libc::c_int) {
    TERM_SEEN.store(true, Ordering::SeqCst);
}

fn first_detach(ctx: &Context) -> bool {
    let marker = std::env::temp_dir().join(format!("pool-scenario-detach-{}", ctx.master_pid().unwrap_or(0)));
    let first = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&marker)
        .is_ok();
    if first {
        // The marker only has to exist while the replacement starts.
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(500));
            let _ = std::fs::remove_file(marker);
        });
    }
    first
}

/// `crash`: takes one crash from worker 0's crash file; true when this start must crash.
fn take_crash(ctx: &Context) -> Option<u64> {
    let path = std::env::var_os("POOL_SCENARIO_CRASH_FILE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join(format!("pool-scenario-crash-{}", ctx.master_pid().unwrap_or(0))));
    let left: u64 = match std::fs::read_to_string(&path) {
        Ok(text) => text.trim().parse().unwrap_or(0),
        Err(_) => std::env::var("POOL_SCENARIO_CRASH_TIMES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(5),
    };
    if left == 0 {
        let _ = std::fs::write(&path, "0");
        return None;
    }
    std::fs::write(&path, (left - 1).to_string()).expect("write the crash file");
    Some(left - 1)
}

fn crash_now() -> ! {
    if std::env::var("POOL_SCENARIO_CRASH_HOW").as_deref() == Ok("exit1") {
        // SAFETY: _exit(2) has no preconditions; it ends the process without unwinding.
        unsafe { libc::_exit(1) };
    }
    // SAFETY: Rust's runtime installs a SIGSEGV handler (stack overflow detection) that returns on a
    // signal sent by kill(); the default action makes this a real death by SIGSEGV.
    unsafe {
        libc::signal(libc::SIGSEGV, libc::SIG_DFL);
        libc::kill(libc::getpid(), libc::SIGSEGV);
        libc::_exit(99);
    }
}

impl Handler for Scenario {
    fn on_start(&mut self, ctx: &Context) {
        say(format!("start {}", ctx.master_pid().unwrap_or(-1)));
        if self.behaviour == "stranger" {
            // SAFETY: the child only calls _exit, which is async-signal-safe, so forking is sound even
            // with other threads around.
            match unsafe { libc::fork() } {
                // SAFETY: _exit(2) is async-signal-safe and runs no destructors of the parent's state.
                0 => unsafe { libc::_exit(7) },
                pid => self.stranger = Some(pid),
            }
        }
    }

    fn on_worker_start(&mut self, ctx: &Context, id: usize) -> Outcome {
        say(format!("worker_start {id} {}", pid()));
        match self.behaviour.as_str() {
            "return" => std::thread::sleep(Duration::from_millis(50)),
            "graceful" => {
                // SAFETY: the handler only stores to an atomic.
                unsafe {
                    libc::signal(
                        libc::SIGTERM,
                        on_term as extern "C" fn(libc::c_int) as libc::sighandler_t,
                    )
                };
                while !TERM_SEEN.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(10));
                }
            }
            "ignore-term" => {
                // SAFETY: SIG_IGN installs no handler code, so nothing can run in signal context.
                unsafe { libc::signal(libc::SIGTERM, libc::SIG_IGN) };
                loop {
                    std::thread::sleep(Duration::from_secs(1));
                }
            }
            // Only the first worker 0 of the pool detaches: the marker file is created exclusively
            // (replacements are forked from the manager, so no in-memory flag would survive).
            "detach" if id == 0 && first_detach(ctx) => {
                say(format!("detached {id} {} {}", pid(), ctx.detach()));
                std::thread::sleep(Duration::from_secs(1));
                say(format!("detached_exit {}", pid()));
            }
            "crash" if id == 0 => {
                if let Some(left) = take_crash(ctx) {
                    say(format!("crash {id} {} {left}", pid()));
                    crash_now();
                }
                loop {
                    std::thread::sleep(Duration::from_secs(1));
                }
            }
            "shutdown" if id == 0 => {
                say(format!("shutdown_requested {:?}", ctx.shutdown().is_ok()));
                loop {
                    std::thread::sleep(Duration::from_secs(1));
                }
            }
            _ => loop {
                std::thread::sleep(Duration::from_secs(1));
            },
        }
        Outcome::Normal
    }

    fn on_worker_stop(&mut self, _ctx: &Context, id: usize) {
        say(format!("worker_stop {id} {}", pid()));
    }

    fn on_shutdown(&mut self, _ctx: &Context) {
        say("shutdown".to_string());
        if self.behaviour == "panic-shutdown" {
            panic!("the Shutdown callback panics");
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: pool-scenario <workers> <behaviour> [max_wait_secs]");
        std::process::exit(2);
    }
    let workers: usize = args[1].parse().expect("workers must be a number");
    let mut config = PoolConfig::new(workers, IpcMode::None);
    if let Some(wait) = args.get(3) {
        config.max_wait_time = Duration::from_secs_f64(wait.parse().expect("max_wait_secs must be a number"));
    }
    if let Ok(threshold) = std::env::var("POOL_SCENARIO_CRASH_THRESHOLD") {
        config.crash_loop.threshold = threshold
            .parse()
            .expect("POOL_SCENARIO_CRASH_THRESHOLD must be a number");
    }
    if let Ok(delay) = std::env::var("POOL_SCENARIO_CRASH_MAX_DELAY") {
        config.crash_loop.max_delay =
            Duration::from_secs_f64(delay.parse().expect("POOL_SCENARIO_CRASH_MAX_DELAY must be a number"));
    }
    let mut pool = match Pool::new(config) {
        Ok(pool) => pool,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let mut scenario = Scenario {
        behaviour: args[2].clone(),
        stranger: None,
    };
    if scenario.behaviour == "threaded" {
        std::thread::spawn(|| std::thread::sleep(Duration::from_secs(60)));
    }
    match pool.start(&mut scenario) {
        Ok(()) => {
            say("returned".to_string());
            if let Some(stranger) = scenario.stranger {
                let mut status = 0;
                // SAFETY: waitpid on this program's own child, with a valid status pointer.
                let reaped = unsafe { libc::waitpid(stranger, &mut status, 0) };
                let code = if reaped == stranger {
                    libc::WEXITSTATUS(status)
                } else {
                    -1
                };
                say(format!("stranger_status {stranger} {code}"));
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
