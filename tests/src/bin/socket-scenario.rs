//! A small Rust program running a real SWOOLE_IPC_SOCKET pool, for the integration tests in
//! tests/rust/socket.rs and for trying the SOCKET mode by hand. Every event is one line on stdout:
//!   listening <spec> <port>      after listen() succeeded (port: the TCP port actually bound, 0 for unix)
//!   listen_failed <error>        listen() failed (the program then exits with code 3)
//!   start <manager pid> | worker_start <id> <pid> | worker_stop <id> <pid> | shutdown | returned
//!   message_begin <pid>          (behaviour `slow` only) a worker entered `Message`
//!
//! usage: socket-scenario <workers> <listen spec> [behaviour] [max_package_size] [read_timeout_secs]
//!                        [header_timeout_secs] [max_connections]
//!   listen spec: `unix:/path` or `host:port` (`127.0.0.1:0`, `::1:0`, `[::1]:0`, `localhost:8080`)
//! behaviours (what `Message` does with the request):
//!   echo (default)  write the request back
//!   upper           write the request back in ASCII upper case
//!   silent          write nothing (the client gets no reply, just the close)
//!   slow            print `message_begin <pid>`, sleep 300 ms, then echo
//!   pid             reply with the worker's pid (decimal)
//!   stop            echo, then ctx.stop() (the worker leaves its loop and is replaced)
//!   detach          echo, then ctx.detach() (the process leaves the pool; a replacement is forked)
//!   big             the request is a decimal N: reply with N MiB (byte i is i % 251)
//!   panic           the request `panic` makes `Message` panic; anything else is echoed

use std::time::Duration;

use procpool::{Context, Handler, IpcMode, Outcome, Pool, PoolConfig};

#[path = "common/mod.rs"]
mod common;
use common::{pid, say};

struct Scenario {
    behaviour: String,
}

impl Handler for Scenario {
    fn on_start(&mut self, ctx: &Context) {
        say(format!("start {}", ctx.master_pid().unwrap_or(-1)));
    }

    fn on_worker_start(&mut self, _ctx: &Context, id: usize) -> Outcome {
        say(format!("worker_start {id} {}", pid()));
        Outcome::Normal
    }

    fn on_message(&mut self, ctx: &Context, data: &[u8]) -> Outcome {
        match self.behaviour.as_str() {
            "echo" => {
                ctx.write(data);
            }
            "upper" => {
                ctx.write(&data.to_ascii_uppercase());
            }
            "silent" => {}
            "slow" => {
                say(format!("message_begin {}", pid()));
                std::thread::sleep(Duration::from_millis(300));
                ctx.write(data);
            }
            "pid" => {
                ctx.write(pid().to_string().as_bytes());
            }
            "stop" => {
                ctx.write(data);
                ctx.stop();
            }
            "detach" => {
                ctx.write(data);
                ctx.detach();
            }
            "big" => {
                let mib: usize = std::str::from_utf8(data)
                    .ok()
                    .and_then(|s| s.trim().parse().ok())
                    .unwrap_or(1);
                let reply: Vec<u8> = (0..mib * 1024 * 1024).map(|i| (i % 251) as u8).collect();
                ctx.write(&reply);
            }
            "panic" => {
                if data == b"panic" {
                    panic!("Message panicked on purpose");
                }
                ctx.write(data);
            }
            other => {
                say(format!("unknown_behaviour {other}"));
            }
        }
        Outcome::Normal
    }

    fn on_worker_stop(&mut self, _ctx: &Context, id: usize) {
        say(format!("worker_stop {id} {}", pid()));
    }

    fn on_shutdown(&mut self, _ctx: &Context) {
        say("shutdown".to_string());
    }
}

/// `unix:/path` → ("unix:/path", 0); `host:port` → (host, port), split at the last ':' so that
/// `::1:0` and `[::1]:0` both work.
fn parse_spec(spec: &str) -> (String, i64) {
    if spec.starts_with("unix:") {
        return (spec.to_string(), 0);
    }
    let Some((host, port)) = spec.rsplit_once(':') else {
        eprintln!("listen spec must be unix:/path or host:port, not {spec}");
        std::process::exit(2);
    };
    let port: i64 = port.parse().unwrap_or_else(|_| {
        eprintln!("bad port in listen spec {spec}");
        std::process::exit(2);
    });
    (host.to_string(), port)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!(
            "usage: socket-scenario <workers> <unix:/path | host:port> [behaviour] [max_package_size] [read_timeout_secs] [header_timeout_secs] [max_connections]"
        );
        std::process::exit(2);
    }
    let workers: usize = args[1].parse().expect("workers must be a number");
    let (host, port) = parse_spec(&args[2]);
    let behaviour = args.get(3).cloned().unwrap_or_else(|| "echo".to_string());
    let mut config = PoolConfig::new(workers, IpcMode::Socket);
    if let Some(max) = args.get(4) {
        config.max_package_size = max.parse().expect("max_package_size must be a number");
    }
    if let Some(timeout) = args.get(5) {
        config.read_timeout = Duration::from_secs_f64(timeout.parse().expect("read_timeout_secs must be a number"));
    }
    if let Some(timeout) = args.get(6) {
        config.header_timeout = Duration::from_secs_f64(timeout.parse().expect("header_timeout_secs must be a number"));
    }
    if let Some(max) = args.get(7) {
        config.max_connections = max.parse().expect("max_connections must be a number");
    }
    let mut pool = match Pool::new(config) {
        Ok(pool) => pool,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    match pool.listen(&host, port, 2048) {
        Ok(listener) => {
            let port = listener.local_port().unwrap_or(0);
            say(format!("listening {} {port}", args[2]));
        }
        Err(e) => {
            say(format!("listen_failed {e}"));
            std::process::exit(3);
        }
    }
    let mut scenario = Scenario { behaviour };
    match pool.start(&mut scenario) {
        Ok(()) => say("returned".to_string()),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
