//! SWOOLE_IPC_UNIXSOCK tests against real pools: each test runs the `unixsock-scenario` binary (one
//! UNIXSOCK pool per process, in its own process group) and reads its event lines: what was sent
//! (`sent <src> <dst> <len> <checksum> <tag>`) and what each worker's `Message` got
//! (`msg <id> <len> <checksum> <tag> <pid>`), plus the manager's log records (lines starting with `[`),
//! all through ONE pipe, in order.
//!
//! Nothing may hang: every wait has a deadline, and a guard SIGKILLs the whole process group when the
//! test ends, whether it passed or panicked.

use std::collections::{HashMap, HashSet};
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use procpool::message_bus::CHUNK_PAYLOAD;

#[path = "support/mod.rs"]
mod support;
use support::*;

/// The longest any single expected event may take.
const DEADLINE: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------------
// The payloads (the same functions as the scenario's)
// ---------------------------------------------------------------------------------------------

#[path = "../src/bin/common/payload.rs"]
mod scenario_payload;
use scenario_payload::{checksum, payload};

// ---------------------------------------------------------------------------------------------
// Event lines
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Sent {
    src: String,
    dst: usize,
    len: usize,
    sum: String,
    tag: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Msg {
    id: usize,
    len: usize,
    sum: String,
    tag: String,
    pid: i32,
}

fn parse_sent(line: &str) -> Option<Sent> {
    let p: Vec<&str> = line.split_whitespace().collect();
    (p.len() == 6 && p[0] == "sent").then(|| Sent {
        src: p[1].to_string(),
        dst: p[2].parse().unwrap(),
        len: p[3].parse().unwrap(),
        sum: p[4].to_string(),
        tag: p[5].to_string(),
    })
}

fn parse_msg(line: &str) -> Option<Msg> {
    let p: Vec<&str> = line.split_whitespace().collect();
    (p.len() == 6 && p[0] == "msg").then(|| Msg {
        id: p[1].parse().unwrap(),
        len: p[2].parse().unwrap(),
        sum: p[3].to_string(),
        tag: p[4].to_string(),
        pid: p[5].parse().unwrap(),
    })
}

/// The sequence number of a tag `S<src>#<seq>`.
fn seq_of(tag: &str) -> Option<(String, usize)> {
    let (src, seq) = tag.strip_prefix('S')?.split_once('#')?;
    Some((src.to_string(), seq.parse().ok()?))
}

fn hex(sum: u64) -> String {
    format!("{sum:016x}")
}

// ---------------------------------------------------------------------------------------------
// The scenario process and its output stream
// ---------------------------------------------------------------------------------------------

/// A 10 s deadline; long transcripts are cut at about 60 KB (64 MiB tests print few lines);
/// `wait_until` leaves the cursor where it is; after the exit, lines are read until none came for
/// 200 ms; the workers' mark files are removed on drop.
struct Ux;

impl Flavor for Ux {
    const DEADLINE: Duration = DEADLINE;
    const TRANSCRIPT: Transcript = Transcript::Capped(60_000);
    const WAIT_UNTIL_MOVES_CURSOR: bool = false;
    const AFTER_EXIT: AfterExit = AfterExit::UntilIdle(Duration::from_millis(200));

    fn on_drop(&mut self, pid: i32) {
        for id in 0..8 {
            let _ = std::fs::remove_file(format!("/tmp/uxs-{pid}-{id}.mark"));
        }
    }
}

type Scenario = support::Scenario<Ux>;

impl Scenario {
    fn spawn(
        workers: usize,
        behaviour: &str,
        bus: bool,
        max_package_size: Option<usize>,
        env: &[(&str, String)],
    ) -> Scenario {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_unixsock-scenario"));
        cmd.arg(workers.to_string())
            .arg(behaviour)
            .arg(if bus { "1" } else { "0" });
        if let Some(max) = max_package_size {
            cmd.arg(max.to_string());
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.env("PROCPOOL_LOG", "info");
        Scenario::from_command(cmd, "unixsock-scenario", Ux)
    }

    /// Spawns and waits until every worker started; returns the worker pids by id.
    fn start(
        workers: usize,
        behaviour: &str,
        bus: bool,
        max: Option<usize>,
        env: &[(&str, String)],
    ) -> (Scenario, Vec<i32>) {
        let mut s = Scenario::spawn(workers, behaviour, bus, max, env);
        let line = s.expect("start", |l| l.starts_with("start "));
        assert_eq!(
            line[6..].trim().parse::<i32>().unwrap(),
            s.pid,
            "the manager is the scenario process"
        );
        let pids = s.expect_all_started(workers);
        (s, pids)
    }

    fn sent(&self) -> Vec<Sent> {
        self.lines.iter().filter_map(|l| parse_sent(l)).collect()
    }

    fn msgs(&self) -> Vec<Msg> {
        self.lines.iter().filter_map(|l| parse_msg(l)).collect()
    }

    fn has(&self, prefix: &str) -> bool {
        self.lines.iter().any(|l| l.starts_with(prefix))
    }

    fn line(&self, prefix: &str) -> Option<&String> {
        self.lines.iter().find(|l| l.starts_with(prefix))
    }

    /// The pool ends by itself (a worker called shutdown()): `returned`, exit 0.
    fn expect_returned(&mut self) {
        self.expect("returned", |l| l == "returned");
        let status = self.wait_exit(DEADLINE);
        assert_eq!(
            status.code(),
            Some(0),
            "scenario exit status {status:?}\n{}",
            self.transcript()
        );
    }

    /// SIGTERM → `shutdown`, `returned`, exit 0, every worker ran WorkerStop.
    fn shut_down(&mut self, workers: usize) {
        self.signal(libc::SIGTERM);
        self.expect("shutdown", |l| l == "shutdown");
        self.expect_returned();
        let stops: HashSet<usize> = self
            .lines
            .iter()
            .filter_map(|l| event(l, "worker_stop"))
            .map(|(i, _)| i)
            .collect();
        assert_eq!(
            stops.len(),
            workers,
            "every worker runs WorkerStop at shutdown\n{}",
            self.transcript()
        );
    }
}

fn env(pairs: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
}

fn sizes(list: &[usize]) -> String {
    list.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(",")
}

/// Every `sent` line has exactly one matching `msg` line at its destination (same length,
/// checksum and tag) and no `msg` line is left over.
fn assert_each_sent_received_once(s: &Scenario) {
    let sent = s.sent();
    let msgs = s.msgs();
    let mut want: HashMap<(usize, usize, String, String), usize> = HashMap::new();
    for m in &sent {
        *want.entry((m.dst, m.len, m.sum.clone(), m.tag.clone())).or_default() += 1;
    }
    let mut got: HashMap<(usize, usize, String, String), usize> = HashMap::new();
    for m in &msgs {
        *got.entry((m.id, m.len, m.sum.clone(), m.tag.clone())).or_default() += 1;
    }
    assert_eq!(
        got,
        want,
        "each message delivered whole and exactly once\n{}",
        s.transcript()
    );
}

/// Waits until `n` msg lines arrived.
fn wait_msgs(s: &mut Scenario, n: usize, timeout: Duration) {
    s.wait_until(&format!("{n} messages"), timeout, |s| s.msgs().len() >= n);
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[test]
fn without_the_bus_one_datagram_is_one_message_to_every_worker_including_the_sender() {
    let e = env(&[("UXS_COUNT", "3"), ("UXS_SIZES", &sizes(&[1, 100, 5000, 60_000]))]);
    let (mut s, pids) = Scenario::start(3, "fanout", false, None, &e);
    s.expect("sent_done", |l| l.starts_with("sent_done 0 36 "));
    wait_msgs(&mut s, 36, DEADLINE);
    s.gather(Duration::from_millis(100));
    assert_each_sent_received_once(&s);
    for m in s.msgs() {
        assert_eq!(m.pid, pids[m.id], "worker {} got it in its own process", m.id);
    }
    // Per destination, the one sender's order is kept.
    for dst in 0..3 {
        let seqs: Vec<usize> = s
            .msgs()
            .iter()
            .filter(|m| m.id == dst)
            .filter_map(|m| seq_of(&m.tag))
            .map(|t| t.1)
            .collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "order to worker {dst}: {seqs:?}");
    }
    s.shut_down(3);
}

#[test]
fn without_the_bus_a_longer_message_is_cut_to_max_package_size_and_the_next_arrives_intact() {
    let e = env(&[("UXS_COUNT", "1"), ("UXS_SIZES", "3000,500,1000"), ("UXS_DSTS", "1")]);
    let (mut s, _) = Scenario::start(2, "fanout", false, Some(1000), &e);
    wait_msgs(&mut s, 3, DEADLINE);
    let msgs = s.msgs();
    let cut = payload("S0#0", 3000);
    assert_eq!(
        (msgs[0].len, msgs[0].sum.clone()),
        (1000, hex(checksum(&cut[..1000]))),
        "{}",
        s.transcript()
    );
    assert_eq!(
        (msgs[1].len, msgs[1].sum.clone()),
        (500, hex(checksum(&payload("S0#1", 500)))),
        "{}",
        s.transcript()
    );
    assert_eq!(
        (msgs[2].len, msgs[2].sum.clone()),
        (1000, hex(checksum(&payload("S0#2", 1000)))),
        "exactly max_package_size is whole\n{}",
        s.transcript()
    );
    s.shut_down(2);
}

#[test]
fn the_bus_reassembles_empty_tiny_and_chunk_boundary_messages_exactly_once() {
    let c = CHUNK_PAYLOAD;
    let list = [0, 1, c - 1, c, c + 1, 2 * c, 3 * c + 17, 3 << 20];
    let e = env(&[("UXS_COUNT", "2"), ("UXS_SIZES", &sizes(&list))]);
    let (mut s, _) = Scenario::start(3, "fanout", true, None, &e);
    let n = 2 * list.len() * 3;
    s.expect("sent_done", |l| l.starts_with(&format!("sent_done 0 {n} ")));
    wait_msgs(&mut s, n, DEADLINE);
    s.gather(Duration::from_millis(200));
    assert_each_sent_received_once(&s);
    let m0 = s.msgs().into_iter().find(|m| m.len == 0).unwrap();
    assert_eq!(m0.sum, hex(checksum(b"")), "an empty message arrives empty");
    let big = s.msgs().into_iter().find(|m| m.len == 3 << 20 && m.id == 2).unwrap();
    assert_eq!(
        big.sum,
        hex(checksum(&payload(&big.tag, 3 << 20))),
        "the checksum is the payload's"
    );
    assert!(s.warnings().is_empty(), "no warning\n{}", s.transcript());
    s.shut_down(3);
}

#[test]
fn the_bus_delivers_a_64_mib_message_whole_and_once() {
    let (mut s, _) = Scenario::start(2, "bigbus", true, None, &[]);
    let sent = s.expect_within("sent", Duration::from_secs(30), |l| l.starts_with("sent "));
    let sent = parse_sent(&sent).unwrap();
    assert_eq!(sent.len, 64 << 20);
    let line = s.expect_within("msg", Duration::from_secs(30), |l| l.starts_with("msg "));
    let msg = parse_msg(&line).unwrap();
    assert_eq!(
        (msg.id, msg.len, &msg.sum, &msg.tag),
        (1, 64 << 20, &sent.sum, &sent.tag),
        "{}",
        s.transcript()
    );
    s.gather(Duration::from_millis(200));
    assert_eq!(s.msgs().len(), 1, "delivered once\n{}", s.transcript());
    s.shut_down(2);
}

#[test]
fn chunks_of_several_senders_interleave_without_mixing_and_each_keeps_its_order() {
    let e = env(&[
        ("UXS_COUNT", "6"),
        ("UXS_SIZES", &(700 * 1024).to_string()),
        ("UXS_MGR_SIZE", "40000"),
    ]);
    let (mut s, _) = Scenario::start(3, "multi", true, None, &e);
    assert!(
        s.has("sent m 1 40000 "),
        "the manager's send (before any worker runs) succeeds\n{}",
        s.transcript()
    );
    wait_msgs(&mut s, 13, Duration::from_secs(20));
    s.gather(Duration::from_millis(200));
    assert_each_sent_received_once(&s);
    for src in ["0", "2"] {
        let seqs: Vec<usize> = s
            .msgs()
            .iter()
            .filter_map(|m| seq_of(&m.tag))
            .filter(|(s, _)| s == src)
            .map(|(_, q)| q)
            .collect();
        assert_eq!(
            seqs,
            (0..6).collect::<Vec<_>>(),
            "sender {src}'s order\n{}",
            s.transcript()
        );
    }
    assert!(s.warnings().is_empty(), "no warning\n{}", s.transcript());
    s.shut_down(3);
}

fn flood(bus: bool, count: usize, size: usize) {
    let e = env(&[
        ("UXS_COUNT", &count.to_string()),
        ("UXS_SIZES", &size.to_string()),
        ("UXS_SLEEP_MS", "1500"),
    ]);
    let (mut s, _) = Scenario::start(2, "flood", bus, None, &e);
    let done = s.expect_within("sent_done", Duration::from_secs(20), |l| l.starts_with("sent_done "));
    let parts: Vec<&str> = done.split_whitespace().collect();
    assert_eq!(parts[2], count.to_string(), "every send succeeded\n{}", s.transcript());
    let elapsed: u64 = parts[3].parse().unwrap();
    assert!(
        elapsed >= 800,
        "the sender waited for the sleeping receiver ({elapsed} ms)\n{}",
        s.transcript()
    );
    assert!(
        s.has("message_end 1"),
        "the sender finished only after the receiver woke\n{}",
        s.transcript()
    );
    wait_msgs(&mut s, count, DEADLINE);
    s.gather(Duration::from_millis(100));
    assert_each_sent_received_once(&s);
    let seqs: Vec<usize> = s.msgs().iter().map(|m| seq_of(&m.tag).unwrap().1).collect();
    assert_eq!(seqs, (0..count).collect::<Vec<_>>(), "nothing lost, order kept");
    s.shut_down(2);
}

#[test]
fn a_full_buffer_blocks_the_worker_sender_without_loss_or_reordering() {
    flood(false, 300, 1000);
}

#[test]
fn a_full_buffer_blocks_the_worker_sender_with_the_bus_too() {
    flood(true, 40, 150_000);
}

#[test]
fn the_manager_never_blocks_a_full_buffer_is_an_error_and_what_was_sent_arrives() {
    let e = env(&[("UXS_COUNT", "1000"), ("UXS_SIZES", "1000")]);
    let mut s = Scenario::spawn(1, "mgrfull", false, None, &e);
    let line = s.expect("mgr_sent", |l| l.starts_with("mgr_sent "));
    let parts: Vec<&str> = line.split_whitespace().collect();
    let ok: usize = parts[1].parse().unwrap();
    let elapsed: u64 = parts[2].parse().unwrap();
    assert!((1..1000).contains(&ok), "some fit, then the buffer was full: {line}");
    assert!(elapsed < 1000, "the manager did not wait ({elapsed} ms)");
    assert_eq!(
        parts.get(3),
        Some(&"would_block"),
        "a full buffer is a would-block error: {line}"
    );
    assert!(line.contains("full"), "{line}");
    wait_msgs(&mut s, ok, DEADLINE);
    s.gather(Duration::from_millis(100));
    let seqs: Vec<usize> = s.msgs().iter().map(|m| seq_of(&m.tag).unwrap().1).collect();
    assert_eq!(
        seqs,
        (0..ok).collect::<Vec<_>>(),
        "all the manager's messages that were sent arrive"
    );
    s.shut_down(1);
}

#[test]
fn invalid_destination_and_too_large_without_the_bus_are_errors() {
    let mut s = Scenario::spawn(2, "errors", false, None, &[]);
    s.expect("errors_done", |l| l == "errors_done");
    s.expect_returned();
    for what in ["mgr_baddst", "baddst", "hugedst", "toolarge"] {
        let line = s
            .line(&format!("err {what} "))
            .unwrap_or_else(|| panic!("no error for {what}\n{}", s.transcript()));
        assert!(line.starts_with(&format!("err {what} invalid ")), "{line}");
    }
    assert!(
        s.line("err baddst ").unwrap().contains("invalid worker id 2"),
        "{}",
        s.transcript()
    );
    assert!(
        s.line("err toolarge ").unwrap().contains("enable_message_bus"),
        "{}",
        s.transcript()
    );
    assert!(
        !s.has("err pipe_write"),
        "raw datagrams work without the bus\n{}",
        s.transcript()
    );
}

#[test]
fn pipe_write_and_pipe_read_are_refused_while_the_bus_is_on() {
    let mut s = Scenario::spawn(2, "errors", true, None, &[]);
    s.expect("errors_done", |l| l == "errors_done");
    s.expect_returned();
    for what in ["pipe_write", "pipe_read"] {
        let line = s
            .line(&format!("err {what} "))
            .unwrap_or_else(|| panic!("no error for {what}\n{}", s.transcript()));
        assert!(
            line.starts_with(&format!("err {what} state ")) && line.contains("enable_message_bus"),
            "{line}"
        );
    }
    assert!(
        !s.has("err toolarge"),
        "with the bus a 4 MiB message is fine\n{}",
        s.transcript()
    );
}

#[test]
fn raw_pipe_write_and_pipe_read_round_trip_between_workers() {
    let e = env(&[("UXS_SIZES", "5000")]);
    let mut s = Scenario::spawn(3, "rawpipe", false, None, &e);
    s.expect("pipe_read 0", |l| l.starts_with("pipe_read 0 "));
    s.expect_returned();
    let sent = s.line("pipe_write 0 ").unwrap().clone();
    let want = format!("5000 {}", hex(checksum(&payload("raw", 5000))));
    assert_eq!(sent, format!("pipe_write 0 {want}"), "{}", s.transcript());
    assert_eq!(
        s.line("pipe_read 1 ").unwrap(),
        &format!("pipe_read 1 {want}"),
        "{}",
        s.transcript()
    );
    assert_eq!(
        s.line("pipe_read 0 ").unwrap(),
        &format!("pipe_read 0 {want}"),
        "{}",
        s.transcript()
    );
    // pipe_fd: a worker's own id gives its receive end, any other id the send end everyone shares.
    let fd = |me: usize, of: usize| -> i32 {
        let prefix = format!("pipe_fd {me} {of} ");
        s.line(&prefix)
            .unwrap_or_else(|| panic!("no {prefix}"))
            .rsplit(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    for of in 0..3 {
        let others: HashSet<i32> = (0..3).filter(|&me| me != of).map(|me| fd(me, of)).collect();
        assert_eq!(
            others.len(),
            1,
            "every other process uses the same send end for worker {of}"
        );
        assert!(
            !others.contains(&fd(of, of)),
            "worker {of} uses its receive end, not the send end"
        );
        assert!(fd(of, of) >= 0);
    }
}

#[test]
fn messages_to_a_worker_being_replaced_reach_the_replacement() {
    let (mut s, pids) = Scenario::start(2, "respawn", false, None, &env(&[("UXS_INTERVAL_MS", "10")]));
    wait_msgs(&mut s, 5, DEADLINE);
    send(pids[1], libc::SIGKILL);
    let line = s.expect("replacement of worker 1", |l| {
        event(l, "worker_start").is_some_and(|(i, p)| i == 1 && p != pids[1])
    });
    let new_pid = event(&line, "worker_start").unwrap().1;
    s.wait_until("5 messages in the replacement", DEADLINE, |s| {
        s.msgs().iter().filter(|m| m.pid == new_pid).count() >= 5
    });
    let msgs = s.msgs();
    let old: Vec<usize> = msgs
        .iter()
        .filter(|m| m.pid == pids[1])
        .map(|m| seq_of(&m.tag).unwrap().1)
        .collect();
    let new: Vec<usize> = msgs
        .iter()
        .filter(|m| m.pid == new_pid)
        .map(|m| seq_of(&m.tag).unwrap().1)
        .collect();
    assert!(
        new.windows(2).all(|w| w[1] == w[0] + 1),
        "the replacement gets every message in order: {new:?}"
    );
    // At most the one message the killed worker had taken and not yet printed is missing.
    let gap = new[0] - old.last().unwrap();
    assert!(
        (1..=2).contains(&gap),
        "messages sent while worker 1 was dead waited for its replacement: old {old:?} new {new:?}"
    );
    assert!(msgs.iter().all(|m| m.id == 1), "only worker 1 gets them");
    s.shut_down(2);
}

#[test]
fn a_sender_dying_mid_message_leaves_no_partial_and_the_receiver_keeps_serving() {
    let e = env(&[("UXS_SLEEP_MS", "3000")]);
    let (mut s, pids) = Scenario::start(2, "diesend", true, None, &e);
    s.wait_until("sending_big", DEADLINE, |s| s.has("sending_big"));
    // After `sending_big` the sender only calls sendmsg: once it sleeps in the kernel, the receiver's
    // queue is full of the big message's first chunks.
    let until = Instant::now() + DEADLINE;
    let mut sleeping = 0;
    while sleeping < 5 && Instant::now() < until {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", pids[0])).unwrap_or_default();
        let state = stat.rfind(')').and_then(|i| stat[i + 2..].chars().next());
        sleeping = if state == Some('S') { sleeping + 1 } else { 0 };
        thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(sleeping, 5, "the sender blocked on the full buffer");
    send(pids[0], libc::SIGKILL);
    let warning = s.expect_within("the partial-message warning", Duration::from_secs(15), |l| {
        l.starts_with('[') && l.contains("dropped a partial message")
    });
    assert!(warning.contains(&format!("from pid {}", pids[0])), "{warning}");
    s.wait_until("the replacement's message", DEADLINE, |s| {
        s.msgs().iter().any(|m| m.tag == "after")
    });
    s.gather(Duration::from_millis(200));
    let msgs = s.msgs();
    assert!(
        msgs.iter().all(|m| m.len != 64 << 20),
        "the partial message was never delivered\n{}",
        s.transcript()
    );
    let after = msgs.iter().find(|m| m.tag == "after").unwrap();
    assert_eq!(
        (after.id, after.pid, after.len),
        (1, pids[1], 100),
        "the same receiver keeps serving"
    );
    assert_eq!(after.sum, hex(checksum(&payload("after", 100))));
    s.shut_down(2);
}

#[test]
fn a_worker_waiting_for_buffer_room_stops_on_sigterm_instead_of_being_killed() {
    // The receiver sleeps in its first Message long past max_wait_time, so nobody drains its socket:
    // the sender fills it and waits for room. SIGTERM must end that wait, not max_wait_time's SIGKILL.
    let e = env(&[("UXS_COUNT", "3000"), ("UXS_SIZES", "1000"), ("UXS_SLEEP_MS", "6000")]);
    let (mut s, pids) = Scenario::start(2, "flood", false, None, &e);
    s.expect("message_begin", |l| l == "message_begin 1");
    thread::sleep(Duration::from_millis(300));
    let asked = Instant::now();
    s.signal(libc::SIGTERM);
    let stop = format!("worker_stop 0 {}", pids[0]);
    s.expect_within("the sender's WorkerStop", Duration::from_secs(2), |l| l == stop);
    assert!(
        asked.elapsed() < Duration::from_millis(1500),
        "the sender stopped {:?} after SIGTERM",
        asked.elapsed()
    );
    assert!(
        s.lines
            .iter()
            .any(|l| l.starts_with("send_err 0 1") && l.contains("stopping")),
        "the unsent message is reported as refused because the worker is stopping\n{}",
        s.transcript()
    );
    let killed_sender = s
        .warnings()
        .iter()
        .any(|w| w.contains(&format!("pid {}", pids[0])) && w.contains("SIGKILL"));
    assert!(!killed_sender, "the sender was not SIGKILLed\n{}", s.transcript());
    s.expect_returned();
}

#[test]
fn sigterm_during_message_lets_it_finish_then_worker_stop_runs() {
    let e = env(&[("UXS_COUNT", "1"), ("UXS_SLEEP_MS", "800")]);
    let (mut s, pids) = Scenario::start(2, "flood", false, None, &e);
    s.expect("message_begin", |l| l == "message_begin 1");
    s.signal(libc::SIGTERM);
    s.expect("shutdown", |l| l == "shutdown");
    s.expect("message_end", |l| l == "message_end 1");
    s.expect("msg", |l| l.starts_with("msg 1 100 "));
    s.expect("worker_stop 1", |l| l == format!("worker_stop 1 {}", pids[1]));
    s.expect_returned();
    assert!(
        s.warnings().iter().all(|w| !w.contains("signal")),
        "no worker died of a signal\n{}",
        s.transcript()
    );
}

/// Inodes of the sockets process `pid` holds open.
fn socket_inodes(pid: i32) -> Vec<u64> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(format!("/proc/{pid}/fd")).unwrap().flatten() {
        if let Ok(target) = std::fs::read_link(entry.path()) {
            if let Some(inode) = target
                .to_str()
                .and_then(|t| t.strip_prefix("socket:["))
                .and_then(|t| t.strip_suffix(']'))
            {
                out.push(inode.parse().unwrap());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn fd_hygiene_a_worker_holds_its_own_receive_end_and_every_send_end_only() {
    let n = 3;
    let (mut s, pids) = Scenario::start(n, "idle", false, None, &[]);
    thread::sleep(Duration::from_millis(100));
    let sets: Vec<HashSet<u64>> = pids.iter().map(|&p| socket_inodes(p).into_iter().collect()).collect();
    for (id, set) in sets.iter().enumerate() {
        assert_eq!(set.len(), n + 1, "worker {id} holds worker_num + 1 sockets: {set:?}");
    }
    let common: HashSet<u64> = sets
        .iter()
        .skip(1)
        .fold(sets[0].clone(), |acc, s| acc.intersection(s).copied().collect());
    assert_eq!(common.len(), n, "the send ends are shared by every worker");
    let own: Vec<HashSet<u64>> = sets.iter().map(|s| s.difference(&common).copied().collect()).collect();
    for (id, o) in own.iter().enumerate() {
        assert_eq!(o.len(), 1, "worker {id} has exactly one receive end");
    }
    let manager: HashSet<u64> = socket_inodes(s.pid).into_iter().collect();
    assert_eq!(manager.len(), 2 * n, "the manager keeps both ends of every pair");
    for o in &own {
        assert!(o.is_subset(&manager));
    }
    s.shut_down(n);
}
