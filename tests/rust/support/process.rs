//! A scenario binary run in its own process group, its output read line by line with deadlines,
//! and a guard that SIGKILLs the whole group when the test ends, passed or panicked.
//!
//! The scenario's stdout and stderr go into ONE pipe, so the test sees a single stream in the real
//! order of the write(2) calls.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use super::lines::{event, is_log};

pub fn send(pid: i32, sig: i32) {
    // SAFETY: kill(2) on a pid of our scenario.
    let rc = unsafe { libc::kill(pid, sig) };
    assert_eq!(rc, 0, "kill({pid}, {sig}): {}", std::io::Error::last_os_error());
}

/// Spawns `cmd` in a process group of its own with stdin from /dev/null and stdout and stderr into
/// one pipe; returns the child and the pipe's read end. `what` names it in the spawn panic.
pub fn spawn_in_group(mut cmd: Command, what: &str) -> (Child, File) {
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two fresh fds into the array.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0, "pipe2");
    // SAFETY: both fds were just created and belong to nothing else.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    let write2 = write.try_clone().expect("dup pipe");
    cmd.stdin(Stdio::null())
        .stdout(Stdio::from(write))
        .stderr(Stdio::from(write2))
        .process_group(0);
    // SAFETY: only fcntl, which is async-signal-safe. Whatever fds this test process holds without
    // close-on-exec (other tests' pipes and client sockets, a jobserver pipe) must not leak into the
    // pool, so that fd counts and the fd hygiene tests see exactly what the pool itself opens.
    unsafe {
        cmd.pre_exec(|| {
            for fd in 3..4096 {
                let flags = libc::fcntl(fd, libc::F_GETFD);
                if flags >= 0 {
                    libc::fcntl(fd, libc::F_SETFD, flags | libc::FD_CLOEXEC);
                }
            }
            Ok(())
        });
    }
    let child = cmd.spawn().unwrap_or_else(|e| panic!("spawn {what}: {e:?}"));
    drop(cmd); // closes our copies of the pipe's write end, so EOF comes when the pool's processes end
    (child, File::from(read))
}

/// SIGKILLs the process group `pgid` twice (in case a fork was in flight), then reaps `child`.
pub fn kill_group(pgid: i32, child: Option<Child>) {
    // SAFETY: the group was made by process_group(0) for this scenario only.
    unsafe { libc::kill(-pgid, libc::SIGKILL) };
    thread::sleep(Duration::from_millis(20));
    // SAFETY: as above.
    unsafe { libc::kill(-pgid, libc::SIGKILL) };
    if let Some(mut child) = child {
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// How a transcript is rendered into panic messages.
#[derive(Clone, Copy)]
pub enum Transcript {
    /// Every line.
    Full,
    /// The last `n` lines, with a note of how many were left out.
    Tail(usize),
    /// Lines up to about `n` bytes, each ending in a newline, then `[...]`.
    Capped(usize),
}

/// What `wait_exit` does once the scenario process has exited.
#[derive(Clone, Copy)]
pub enum AfterExit {
    Nothing,
    /// Pulls lines until the pipe closes (the last worker is gone too), for at most this long.
    UntilEof(Duration),
    /// Pulls lines until none came for this long.
    UntilIdle(Duration),
}

/// What differs between the test files' scenarios; the value is the file's own state, and
/// `on_drop` runs after the guard has killed the group.
pub trait Flavor {
    /// The longest any single expected event may take (`expect`).
    const DEADLINE: Duration = Duration::from_secs(5);
    const TRANSCRIPT: Transcript = Transcript::Full;
    /// Whether `wait_until` moves the cursor past everything received when it returns.
    const WAIT_UNTIL_MOVES_CURSOR: bool = true;
    const AFTER_EXIT: AfterExit = AfterExit::Nothing;
    /// How often `wait_exit` polls the scenario process.
    const EXIT_POLL: Duration = Duration::from_millis(10);

    fn on_drop(&mut self, _pid: i32) {}
}

impl Flavor for () {}

pub struct Scenario<X: Flavor = ()> {
    pub child: Option<Child>,
    /// The pid of the scenario process = the manager = the process group id.
    pub pid: i32,
    rx: Receiver<(Instant, String)>,
    /// Every line received so far, in order.
    pub lines: Vec<String>,
    /// The instant each line of `lines` arrived.
    pub times: Vec<Instant>,
    /// Index into `lines` of the next line `expect` looks at.
    pub cursor: usize,
    pub eof: bool,
    /// The test file's own state.
    pub x: X,
}

impl<X: Flavor> Scenario<X> {
    /// Spawns `cmd` (see `spawn_in_group`) and reads its output lines on a thread.
    pub fn from_command(cmd: Command, what: &str, x: X) -> Self {
        let (child, read) = spawn_in_group(cmd, what);
        let pid = child.id() as i32;
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(read).lines() {
                let Ok(line) = line else { break };
                if tx.send((Instant::now(), line)).is_err() {
                    break;
                }
            }
        });
        Scenario {
            child: Some(child),
            pid,
            rx,
            lines: Vec::new(),
            times: Vec::new(),
            cursor: 0,
            eof: false,
            x,
        }
    }

    pub fn transcript(&self) -> String {
        match X::TRANSCRIPT {
            Transcript::Full => self.lines.join("\n"),
            Transcript::Tail(max) => {
                let n = self.lines.len();
                if n > max {
                    format!("[{} lines omitted]\n{}", n - max, self.lines[n - max..].join("\n"))
                } else {
                    self.lines.join("\n")
                }
            }
            Transcript::Capped(max) => {
                let mut text = String::new();
                for l in &self.lines {
                    if text.len() > max {
                        text.push_str("\n[...]");
                        break;
                    }
                    text.push_str(l);
                    text.push('\n');
                }
                text
            }
        }
    }

    /// The transcript between the fences of a panic message.
    fn fenced(&self) -> String {
        match X::TRANSCRIPT {
            Transcript::Capped(_) => format!("--- transcript ---\n{}---", self.transcript()),
            _ => format!("--- transcript ---\n{}\n---", self.transcript()),
        }
    }

    fn push(&mut self, (at, line): (Instant, String)) {
        self.times.push(at);
        self.lines.push(line);
    }

    /// Receives one more line into `lines`, waiting until `until`. False on timeout or EOF.
    pub fn pull(&mut self, until: Instant) -> bool {
        if self.eof {
            return false;
        }
        match self.rx.recv_timeout(until.saturating_duration_since(Instant::now())) {
            Ok(entry) => {
                self.push(entry);
                true
            }
            Err(RecvTimeoutError::Timeout) => false,
            Err(RecvTimeoutError::Disconnected) => {
                self.eof = true;
                false
            }
        }
    }

    /// Takes every line already arrived, without waiting.
    pub fn pull_ready(&mut self) {
        while let Ok(entry) = self.rx.try_recv() {
            self.push(entry);
        }
    }

    /// Waits (at most `timeout`) for the next line, after the cursor, that matches `pred`; moves the
    /// cursor past it. Panics with the whole transcript when it does not come.
    pub fn expect_within<F: Fn(&str) -> bool>(&mut self, what: &str, timeout: Duration, pred: F) -> String {
        let until = Instant::now() + timeout;
        loop {
            while self.cursor < self.lines.len() {
                let i = self.cursor;
                self.cursor += 1;
                if pred(&self.lines[i]) {
                    return self.lines[i].clone();
                }
            }
            if !self.pull(until) {
                panic!(
                    "timed out ({timeout:?}{}) waiting for {what}\n{}",
                    if self.eof { ", output closed" } else { "" },
                    self.fenced()
                );
            }
        }
    }

    pub fn expect<F: Fn(&str) -> bool>(&mut self, what: &str, pred: F) -> String {
        self.expect_within(what, X::DEADLINE, pred)
    }

    /// Collects every line that arrives during `period` (the cursor does not move).
    pub fn gather(&mut self, period: Duration) {
        let until = Instant::now() + period;
        while Instant::now() < until {
            if !self.pull(until) && self.eof {
                thread::sleep(until.saturating_duration_since(Instant::now()));
            }
        }
    }

    /// Pulls lines until `cond` holds for what has been received (at most `timeout`); panics with
    /// the transcript otherwise.
    pub fn wait_until<F: Fn(&Self) -> bool>(&mut self, what: &str, timeout: Duration, cond: F) {
        let until = Instant::now() + timeout;
        while !cond(self) {
            if !self.pull(until) && (self.eof || Instant::now() >= until) {
                panic!("timed out ({timeout:?}) waiting for {what}\n{}", self.fenced());
            }
        }
        if X::WAIT_UNTIL_MOVES_CURSOR {
            self.cursor = self.lines.len();
        }
    }

    /// `start <pid>`: the manager's pid, which must be the scenario process itself.
    pub fn expect_start(&mut self) -> i32 {
        let line = self.expect("start", |l| l.starts_with("start "));
        let pid: i32 = line[6..].trim().parse().unwrap();
        assert_eq!(pid, self.pid, "the manager is the scenario process");
        pid
    }

    /// Waits for `worker_start <id> <pid>` with this id; returns the pid.
    pub fn expect_worker_start(&mut self, id: usize) -> i32 {
        let line = self.expect(&format!("worker_start {id}"), |l| {
            event(l, "worker_start").is_some_and(|(i, _)| i == id)
        });
        event(&line, "worker_start").unwrap().1
    }

    /// Waits for one `worker_start` of each id in 0..n (any order); returns the pids by id.
    pub fn expect_all_started(&mut self, n: usize) -> Vec<i32> {
        let mut pids: HashMap<usize, i32> = HashMap::new();
        while pids.len() < n {
            let line = self.expect(&format!("worker_start for all {n} ids (have {pids:?})"), |l| {
                event(l, "worker_start").is_some_and(|(i, _)| !pids.contains_key(&i))
            });
            let (id, pid) = event(&line, "worker_start").unwrap();
            assert!(id < n, "worker id {id} out of range 0..{n}");
            pids.insert(id, pid);
        }
        (0..n).map(|i| pids[&i]).collect()
    }

    pub fn signal(&self, sig: i32) {
        send(self.pid, sig);
    }

    /// Waits for the scenario process to exit (reaps it).
    pub fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let until = Instant::now() + timeout;
        let child = self.child.as_mut().expect("child already waited for");
        loop {
            if let Some(status) = child.try_wait().expect("try_wait") {
                self.child = None;
                match X::AFTER_EXIT {
                    AfterExit::Nothing => {}
                    AfterExit::UntilEof(limit) => {
                        let until = Instant::now() + limit;
                        while self.pull(until) {}
                    }
                    AfterExit::UntilIdle(idle) => while self.pull(Instant::now() + idle) {},
                }
                return status;
            }
            if Instant::now() >= until {
                // Pull what is there so the panic message shows it.
                while self.pull(Instant::now() + Duration::from_millis(50)) {}
                panic!(
                    "the scenario process did not exit within {timeout:?}\n{}",
                    self.fenced()
                );
            }
            thread::sleep(X::EXIT_POLL);
        }
    }

    /// Lines that are warnings of the manager or a worker.
    pub fn warnings(&self) -> Vec<&String> {
        self.lines
            .iter()
            .filter(|l| is_log(l) && l.contains("\tWARNING\t"))
            .collect()
    }

    /// All `worker_start` events seen so far: (id, pid).
    pub fn starts(&self) -> Vec<(usize, i32)> {
        self.lines.iter().filter_map(|l| event(l, "worker_start")).collect()
    }

    /// All `worker_stop` events seen so far: (id, pid).
    pub fn stops(&self) -> Vec<(usize, i32)> {
        self.lines.iter().filter_map(|l| event(l, "worker_stop")).collect()
    }
}

impl<X: Flavor> Drop for Scenario<X> {
    fn drop(&mut self) {
        // Kill everything left in the group (manager, workers, detached processes), then reap the
        // scenario process itself.
        kill_group(self.pid, self.child.take());
        self.x.on_drop(self.pid);
    }
}
