//! A `chaos-scenario` pool whose output lines are collected by a thread into a shared list, for
//! tests that poll conditions over everything received so far (chaos.rs, leaks.rs).

use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use super::proc_fs::children;
use super::process::{kill_group, send, spawn_in_group};

const DEADLINE: Duration = Duration::from_secs(5);

pub struct PoolProc {
    pub child: Option<Child>,
    /// The scenario process = the manager = the process group id.
    pub pid: i32,
    pub workers: usize,
    pub lines: Arc<Mutex<Vec<String>>>,
    pub eof: Arc<AtomicBool>,
}

impl PoolProc {
    /// `chaos-scenario <mode> <workers> <behaviour>` with PROCPOOL_LOG=`log`, then `env`.
    pub fn spawn_with(log: &str, mode: &str, workers: usize, behaviour: &str, env: &[(&str, String)]) -> PoolProc {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_chaos-scenario"));
        cmd.arg(mode).arg(workers.to_string()).arg(behaviour);
        cmd.env("PROCPOOL_LOG", log);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let (child, read) = spawn_in_group(cmd, "chaos-scenario");
        let pid = child.id() as i32;
        let lines = Arc::new(Mutex::new(Vec::new()));
        let eof = Arc::new(AtomicBool::new(false));
        {
            let (lines, eof) = (lines.clone(), eof.clone());
            thread::spawn(move || {
                let reader = BufReader::new(read);
                for line in reader.lines() {
                    let Ok(line) = line else { break };
                    lines.lock().unwrap().push(line);
                }
                eof.store(true, Ordering::SeqCst);
            });
        }
        PoolProc {
            child: Some(child),
            pid,
            workers,
            lines,
            eof,
        }
    }

    pub fn snapshot(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    pub fn transcript_tail(&self) -> String {
        let lines = self.lines.lock().unwrap();
        let from = lines.len().saturating_sub(60);
        lines[from..].join("\n")
    }

    /// Waits until `cond` holds over all lines received so far.
    pub fn wait_until<F: Fn(&[String]) -> bool>(&self, what: &str, timeout: Duration, cond: F) {
        let until = Instant::now() + timeout;
        loop {
            if cond(&self.lines.lock().unwrap()) {
                return;
            }
            if Instant::now() >= until {
                panic!(
                    "timed out ({timeout:?}) waiting for {what}\n--- last lines ---\n{}\n---",
                    self.transcript_tail()
                );
            }
            thread::sleep(Duration::from_millis(2));
        }
    }

    pub fn count(&self, prefix: &str) -> usize {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.starts_with(prefix))
            .count()
    }

    pub fn wait_started(&self) {
        let n = self.workers;
        self.wait_until("start", DEADLINE, |l| l.iter().any(|l| l.starts_with("start ")));
        self.wait_until(&format!("{n} workers"), DEADLINE, |l| {
            l.iter().filter(|l| l.starts_with("worker_start ")).count() >= n
        });
        self.wait_until(&format!("{n} children"), DEADLINE, |_| children(self.pid).len() == n);
    }

    /// SIGTERM, then the manager must exit 0 within 10 s; waits (at most DEADLINE) for the pipe to
    /// close. The callers check `returned` and what is left.
    pub fn sigterm_and_wait_exit(&mut self) {
        send(self.pid, libc::SIGTERM);
        let until = Instant::now() + Duration::from_secs(10);
        let child = self.child.as_mut().unwrap();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            assert!(
                Instant::now() < until,
                "the manager did not exit after SIGTERM\n{}",
                self.transcript_tail()
            );
            thread::sleep(Duration::from_millis(10));
        };
        self.child = None;
        let until = Instant::now() + DEADLINE;
        while !self.eof.load(Ordering::SeqCst) && Instant::now() < until {
            thread::sleep(Duration::from_millis(5));
        }
        assert!(
            status.success(),
            "the manager exited with {status:?} (signal {:?})\n{}",
            status.signal(),
            self.transcript_tail()
        );
    }
}

impl Drop for PoolProc {
    fn drop(&mut self) {
        kill_group(self.pid, self.child.take());
    }
}
