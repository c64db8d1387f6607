//! What an operator sees of a running pool, end to end: the manager's metrics endpoint
//! (`metrics_listen`: `GET /metrics` in Prometheus text 0.0.4 or OpenMetrics 1.0, `GET /status` as
//! JSON), `Context::stats()` / `Pool::last_stats()`, and the restart policies (`request_timeout`,
//! `max_memory`, `max_request`, `slow_request`).
//!
//! Each test runs the `operate-scenario` binary (one UNIXSOCK pool per process, in its own process
//! group, configured from environment variables) and reads its event lines and the manager's log
//! records (PROCPOOL_LOG=info) through ONE pipe, in order. Scrapes go through `curl` (a real HTTP
//! client) or through a TcpStream opened here, and every page is read by a strict parser of the
//! exposition formats written below. Nothing may hang: every wait has a deadline, and a guard
//! SIGKILLs the whole process group when the test ends, whether it passed or panicked.

use std::collections::{HashMap, HashSet};
use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

#[path = "support/mod.rs"]
mod support;
use support::*;

/// The longest any single expected event may take.
const DEADLINE: Duration = Duration::from_secs(10);

/// Long enough for the kill of a worker to be seen and its replacement to print `worker_start`, and
/// for a scrape to be answered, even on a loaded 2-core machine; the manager's loop is the only
/// thing in between.
const RESPONSIVE: Duration = Duration::from_secs(1);

// ---------------------------------------------------------------------------------------------
// The scenario process
// ---------------------------------------------------------------------------------------------

/// A 10 s deadline; the last 200 lines in panic messages; `wait_until` leaves the cursor where it
/// is; after the exit, lines are read until the pipe closes (every worker is gone by then).
struct Op;

impl Flavor for Op {
    const DEADLINE: Duration = DEADLINE;
    const TRANSCRIPT: Transcript = Transcript::Tail(200);
    const WAIT_UNTIL_MOVES_CURSOR: bool = false;
    const AFTER_EXIT: AfterExit = AfterExit::UntilEof(Duration::from_secs(3));
}

type Scenario = support::Scenario<Op>;

/// The figures of the `final` line (`Pool::last_stats()` after start() returned).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Final {
    messages: u64,
    starts: u64,
    durations: u64,
    clean: u64,
    exit_code: u64,
    signal: u64,
    restart_policy: u64,
    request_timeout: u64,
}

fn parse_final(line: &str) -> Option<Final> {
    let rest = line.strip_prefix("final ")?;
    let mut f = Final::default();
    let mut items: Vec<&str> = Vec::new();
    for token in rest.split_whitespace() {
        match token.strip_prefix("exits=") {
            Some(exits) => items.extend(exits.split(',')),
            None => items.push(token),
        }
    }
    for item in items {
        let (name, value) = item.split_once(['=', ':'])?;
        let value: u64 = value.parse().ok()?;
        *match name {
            "messages" => &mut f.messages,
            "starts" => &mut f.starts,
            "durations" => &mut f.durations,
            "clean" => &mut f.clean,
            "exit_code" => &mut f.exit_code,
            "signal" => &mut f.signal,
            "restart_policy" => &mut f.restart_policy,
            "request_timeout" => &mut f.request_timeout,
            _ => return None,
        } = value;
    }
    Some(f)
}

/// `begin|message <id> <pid> <seq>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Msg {
    id: usize,
    pid: i32,
    seq: u64,
}

fn parse_msg(line: &str, kind: &str) -> Option<Msg> {
    let p: Vec<&str> = line.split_whitespace().collect();
    (p.len() == 4 && p[0] == kind).then(|| Msg {
        id: p[1].parse().unwrap(),
        pid: p[2].parse().unwrap(),
        seq: p[3].parse().unwrap(),
    })
}

fn env(pairs: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
}

impl Scenario {
    fn spawn(env: &[(&str, String)]) -> Scenario {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_operate-scenario"));
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.env("PROCPOOL_LOG", "info");
        Scenario::from_command(cmd, "operate-scenario", Op)
    }

    /// Spawns and waits until `workers` workers started; returns the worker pids by id.
    fn start(workers: usize, env: &[(&str, String)]) -> (Scenario, Vec<i32>) {
        let mut env = env.to_vec();
        env.push(("WORKERS", workers.to_string()));
        let mut s = Scenario::spawn(&env);
        s.expect_start();
        let pids = s.expect_all_started(workers);
        (s, pids)
    }

    /// Like `start`, with the metrics endpoint on a free TCP port of 127.0.0.1; returns the port too.
    /// The port is found by binding port 0 here and closing it; should another process take it in
    /// between, the pool's start() fails with "in use" and another port is tried.
    fn start_with_metrics(workers: usize, env: &[(&str, String)]) -> (Scenario, Vec<i32>, u16) {
        for _ in 0..5 {
            let port = free_port();
            let mut env = env.to_vec();
            env.push(("WORKERS", workers.to_string()));
            env.push(("METRICS_LISTEN", format!("127.0.0.1:{port}")));
            let mut s = Scenario::spawn(&env);
            s.wait_until("start or a start() error", DEADLINE, |s| {
                s.lines
                    .iter()
                    .any(|l| l.starts_with("start ") || l.starts_with("error: "))
            });
            if let Some(error) = s.lines.iter().find(|l| l.starts_with("error: ")) {
                assert!(error.contains("in use"), "start() failed\n{}", s.transcript());
                eprintln!("port {port} was taken meanwhile ({error}); trying another");
                continue;
            }
            s.expect_start();
            let pids = s.expect_all_started(workers);
            return (s, pids, port);
        }
        panic!("no free port for the metrics endpoint after 5 tries");
    }

    /// Waits until a line matching `pred` has arrived, wherever it is in the transcript (a worker's
    /// first lines may come before another worker's `worker_start`); returns its index and moves
    /// the cursor just past it.
    fn wait_line<F: Fn(&str) -> bool>(&mut self, what: &str, timeout: Duration, pred: F) -> usize {
        self.wait_until(what, timeout, |s| s.lines.iter().any(|l| pred(l)));
        let i = self.lines.iter().position(|l| pred(l)).unwrap();
        self.cursor = i + 1;
        i
    }

    fn msgs(&self, kind: &str) -> Vec<Msg> {
        self.lines.iter().filter_map(|l| parse_msg(l, kind)).collect()
    }

    /// Waits until `n` `message` lines arrived.
    fn wait_messages(&mut self, n: usize, timeout: Duration) {
        self.wait_until(&format!("{n} messages handled"), timeout, |s| {
            s.msgs("message").len() >= n
        });
    }

    /// The manager's (or a worker's) warnings that contain `text`.
    fn warnings_with(&self, text: &str) -> Vec<String> {
        self.warnings()
            .into_iter()
            .filter(|l| l.contains(text))
            .cloned()
            .collect()
    }

    /// SIGTERM → `shutdown`, `returned`, exit 0; returns the `final` figures.
    fn shut_down(&mut self) -> Final {
        self.signal(libc::SIGTERM);
        self.expect("shutdown", |l| l == "shutdown");
        self.expect("returned", |l| l == "returned");
        let line = self.expect("final", |l| l.starts_with("final "));
        let status = self.wait_exit(DEADLINE);
        assert_eq!(
            status.code(),
            Some(0),
            "scenario exit status {status:?}\n{}",
            self.transcript()
        );
        parse_final(&line).unwrap_or_else(|| panic!("unreadable final line {line:?}"))
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind 127.0.0.1:0");
    listener.local_addr().unwrap().port()
}

/// A `(seconds)s` figure after `marker` in a log line, e.g. `has run 1.2s`.
fn seconds_after(line: &str, marker: &str) -> Option<f64> {
    let rest = &line[line.find(marker)? + marker.len()..];
    let end = rest.find('s')?;
    rest[..end].trim().parse().ok()
}

// ---------------------------------------------------------------------------------------------
// HTTP: curl, and a client of our own
// ---------------------------------------------------------------------------------------------

#[derive(Debug)]
struct Response {
    status: u16,
    /// Header names lower-cased.
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Parses a whole HTTP/1.1 response (status line, headers, CRLF CRLF, body).
fn parse_response(raw: &[u8]) -> Result<Response, String> {
    let text = String::from_utf8(raw.to_vec()).map_err(|e| format!("not UTF-8: {e}"))?;
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("no end of headers in {text:?}"))?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let mut parts = status_line.splitn(3, ' ');
    if parts.next() != Some("HTTP/1.1") {
        return Err(format!("bad status line {status_line:?}"));
    }
    let status: u16 = parts
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("bad header line {line:?}"))?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    let response = Response {
        status,
        headers,
        body: body.to_string(),
    };
    if let Some(len) = response.header("content-length") {
        let len: usize = len.parse().map_err(|_| format!("bad Content-Length {len:?}"))?;
        if len != response.body.len() {
            return Err(format!(
                "Content-Length {len} but a body of {} bytes",
                response.body.len()
            ));
        }
    }
    Ok(response)
}

fn curl_available() -> bool {
    Command::new("curl")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `curl -sS -i <args> <url>`: the parsed response (status line and headers included by -i).
fn curl(url: &str, args: &[&str]) -> Response {
    let out = Command::new("curl")
        .args(["-sS", "-i", "--noproxy", "*", "--max-time", "5"])
        .args(args)
        .arg(url)
        .output()
        .expect("run curl");
    assert!(
        out.status.success(),
        "curl {args:?} {url} failed ({:?}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    parse_response(&out.stdout).unwrap_or_else(|e| panic!("curl {args:?} {url}: {e}"))
}

/// A request written here on a plain TcpStream, read to EOF within `budget` (the server closes after
/// its answer).
fn raw_request(port: u16, request: &[u8], budget: Duration) -> Result<Vec<u8>, String> {
    let began = Instant::now();
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&addr, budget).map_err(|e| format!("connect: {e}"))?;
    stream.write_all(request).map_err(|e| format!("write: {e}"))?;
    let mut out = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        let left = budget.saturating_sub(began.elapsed());
        if left.is_zero() {
            return Err(format!("no EOF within {budget:?} ({} bytes read)", out.len()));
        }
        stream.set_read_timeout(Some(left)).unwrap();
        match stream.read(&mut buf) {
            Ok(0) => return Ok(out),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(format!("read after {} bytes: {e}", out.len())),
        }
    }
}

/// A normal scrape of /metrics on our own TcpStream, within `budget`; the parsed page.
fn scrape(port: u16, budget: Duration) -> Result<(Response, Exposition), String> {
    let raw = raw_request(
        port,
        b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: operate-test\r\n\r\n",
        budget,
    )?;
    let response = parse_response(&raw)?;
    if response.status != 200 {
        return Err(format!("status {}: {}", response.status, response.body));
    }
    let page = parse_exposition(&response.body, false)?;
    Ok((response, page))
}

// ---------------------------------------------------------------------------------------------
// A strict parser of the Prometheus text format 0.0.4 and of OpenMetrics 1.0 text
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Gauge,
    Counter,
    Histogram,
}

/// A series' labels, as (name, value) pairs.
type Labels = Vec<(String, String)>;

#[derive(Debug, Clone)]
struct Sample {
    name: String,
    labels: Labels,
    value: f64,
}

#[derive(Debug, Default)]
struct Exposition {
    /// Family name (as in its TYPE line) → kind.
    types: HashMap<String, Kind>,
    samples: Vec<Sample>,
}

impl Exposition {
    /// The value of the series `name{labels}` (labels in any order).
    fn get(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let mut want: Labels = labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        want.sort();
        self.samples
            .iter()
            .find(|s| {
                let mut have = s.labels.clone();
                have.sort();
                s.name == name && have == want
            })
            .map(|s| s.value)
    }

    fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.get(name, labels)
            .unwrap_or_else(|| panic!("no series {name}{labels:?} in the page"))
    }

    fn series_of(&self, name: &str) -> Vec<&Sample> {
        self.samples.iter().filter(|s| s.name == name).collect()
    }
}

fn valid_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn valid_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A sample value: a decimal or exponent float, `+Inf`, `-Inf` or `NaN` (nothing else Rust's parser
/// would take, such as `inf` or `infinity`).
fn parse_value(text: &str) -> Result<f64, String> {
    match text {
        "+Inf" => return Ok(f64::INFINITY),
        "-Inf" => return Ok(f64::NEG_INFINITY),
        "NaN" => return Ok(f64::NAN),
        _ => {}
    }
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    let (mantissa, exponent) = match digits.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e)),
        None => (digits, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    let ok_mantissa = all_digits(int) && all_digits(frac) && !(int.is_empty() && frac.is_empty());
    let ok_exponent = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && all_digits(e)
    });
    if !(ok_mantissa && ok_exponent) {
        return Err(format!("bad value {text:?}"));
    }
    text.parse().map_err(|e| format!("bad value {text:?}: {e}"))
}

/// `name{label="value",...} value`: no timestamp, no trailing comma, escapes `\\`, `\"`, `\n` only.
fn parse_sample(line: &str) -> Result<Sample, String> {
    let name_end = line.find(['{', ' ']).ok_or("no value")?;
    let name = &line[..name_end];
    if !valid_metric_name(name) {
        return Err(format!("bad metric name {name:?}"));
    }
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(after) = rest.strip_prefix('{') {
        rest = after;
        loop {
            let eq = rest.find('=').ok_or("label without '='")?;
            let label = &rest[..eq];
            if !valid_label_name(label) {
                return Err(format!("bad label name {label:?}"));
            }
            rest = rest[eq + 1..].strip_prefix('"').ok_or("label value not quoted")?;
            let mut value = String::new();
            let mut chars = rest.char_indices();
            let end = loop {
                match chars.next().ok_or("unterminated label value")? {
                    (i, '"') => break i,
                    (_, '\\') => match chars.next().ok_or("dangling escape")?.1 {
                        '\\' => value.push('\\'),
                        '"' => value.push('"'),
                        'n' => value.push('\n'),
                        other => return Err(format!("bad escape \\{other}")),
                    },
                    (_, '\n') => return Err("newline in a label value".into()),
                    (_, c) => value.push(c),
                }
            };
            labels.push((label.to_string(), value));
            rest = &rest[end + 1..];
            if let Some(after) = rest.strip_prefix(',') {
                rest = after;
                if rest.starts_with('}') {
                    return Err("trailing comma in the label set".into());
                }
            } else {
                rest = rest.strip_prefix('}').ok_or("label set not closed")?;
                break;
            }
        }
        let mut names: Vec<&str> = labels.iter().map(|(k, _)| k.as_str()).collect();
        names.sort();
        if names.windows(2).any(|w| w[0] == w[1]) {
            return Err("a label given twice".into());
        }
    }
    let value = rest.strip_prefix(' ').ok_or("no space before the value")?;
    if value.contains(' ') {
        return Err(format!("more than a value after the series: {value:?}"));
    }
    Ok(Sample {
        name: name.to_string(),
        labels,
        value: parse_value(value)?,
    })
}

/// Parses a whole page strictly: every line is `# HELP name text`, `# TYPE name
/// gauge|counter|histogram` or a sample; every sample belongs to a family whose TYPE came before it,
/// and a family's samples are not interleaved with another's; counter samples end in `_total`
/// (Prometheus: the family is named with `_total`; OpenMetrics: without, and the page ends with
/// `# EOF`); no series twice; counters are >= 0; histogram buckets have increasing `le` bounds and
/// cumulative counts, end in `le="+Inf"` equal to `_count`, and come with `_sum` and `_count`.
fn parse_exposition(text: &str, openmetrics: bool) -> Result<Exposition, String> {
    let body = if openmetrics {
        text.strip_suffix("# EOF\n")
            .or_else(|| text.strip_suffix("# EOF"))
            .ok_or("an OpenMetrics page must end with '# EOF'")?
    } else {
        if text.contains("# EOF") {
            return Err("'# EOF' in a Prometheus text page".into());
        }
        text
    };
    if body.is_empty() || !body.ends_with('\n') {
        return Err("the page must be non-empty lines, each ending in a newline".into());
    }
    let mut page = Exposition::default();
    let mut helps: HashSet<String> = HashSet::new();
    let mut families_with_samples: HashSet<String> = HashSet::new();
    let mut current: Option<String> = None;
    let mut series: HashSet<(String, Labels)> = HashSet::new();
    for (n, line) in body[..body.len() - 1].split('\n').enumerate() {
        let at = |e: String| format!("line {}: {e}: {line:?}", n + 1);
        if line.is_empty() {
            return Err(at("empty line".into()));
        }
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, _text) = rest.split_once(' ').ok_or_else(|| at("HELP without text".into()))?;
            if !valid_metric_name(name) {
                return Err(at(format!("bad family name {name:?}")));
            }
            if !helps.insert(name.to_string()) {
                return Err(at("a second HELP for the family".into()));
            }
            if families_with_samples.contains(name) {
                return Err(at("HELP after the family's samples".into()));
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').ok_or_else(|| at("TYPE without a type".into()))?;
            if !valid_metric_name(name) {
                return Err(at(format!("bad family name {name:?}")));
            }
            let kind = match kind {
                "gauge" => Kind::Gauge,
                "counter" => Kind::Counter,
                "histogram" => Kind::Histogram,
                other => return Err(at(format!("unexpected type {other:?}"))),
            };
            if kind == Kind::Counter && name.ends_with("_total") == openmetrics {
                return Err(at(if openmetrics {
                    "an OpenMetrics counter family is named without _total".into()
                } else {
                    "a Prometheus text counter is named with _total".into()
                }));
            }
            if page.types.insert(name.to_string(), kind).is_some() {
                return Err(at("a second TYPE for the family".into()));
            }
            continue;
        }
        if line.starts_with('#') {
            return Err(at("a comment that is neither HELP nor TYPE".into()));
        }
        let sample = parse_sample(line).map_err(at)?;
        // The family the sample belongs to, declared before it.
        let name = sample.name.as_str();
        let candidates = [
            (name, None),
            (name.strip_suffix("_total").unwrap_or(""), Some("_total")),
            (name.strip_suffix("_bucket").unwrap_or(""), Some("_bucket")),
            (name.strip_suffix("_sum").unwrap_or(""), Some("_sum")),
            (name.strip_suffix("_count").unwrap_or(""), Some("_count")),
        ];
        let family = candidates
            .iter()
            .filter(|(f, _)| !f.is_empty())
            .find_map(|&(f, suffix)| {
                let kind = *page.types.get(f)?;
                let fits = match (kind, suffix) {
                    (Kind::Gauge, None) => true,
                    (Kind::Counter, None) => !openmetrics,
                    (Kind::Counter, Some("_total")) => openmetrics,
                    (Kind::Histogram, Some("_bucket" | "_sum" | "_count")) => true,
                    _ => false,
                };
                fits.then(|| (f.to_string(), kind))
            });
        let Some((family, kind)) = family else {
            return Err(at("a sample of no family declared by a TYPE line before it".into()));
        };
        if kind == Kind::Counter {
            if !name.ends_with("_total") {
                return Err(at("a counter sample must end in _total".into()));
            }
            if sample.value.is_nan() || sample.value < 0.0 {
                return Err(at("a counter below 0".into()));
            }
        }
        if name.ends_with("_bucket") && kind == Kind::Histogram && !sample.labels.iter().any(|(k, _)| k == "le") {
            return Err(at("a bucket without le".into()));
        }
        if current.as_deref() != Some(family.as_str()) {
            if families_with_samples.contains(&family) {
                return Err(at(format!("samples of {family} interleaved with another family's")));
            }
            current = Some(family.clone());
            families_with_samples.insert(family.clone());
        }
        let mut key_labels = sample.labels.clone();
        key_labels.sort();
        if !series.insert((sample.name.clone(), key_labels)) {
            return Err(at("a series given twice".into()));
        }
        page.samples.push(sample);
    }
    if let Some(orphan) = helps.iter().find(|h| !page.types.contains_key(*h)) {
        return Err(format!("HELP for {orphan}, which has no TYPE"));
    }
    for (family, kind) in &page.types {
        if *kind == Kind::Histogram {
            check_histogram(&page, family)?;
        }
    }
    Ok(page)
}

fn check_histogram(page: &Exposition, family: &str) -> Result<(), String> {
    let without_le = |s: &Sample| -> Labels {
        let mut l: Labels = s.labels.iter().filter(|(k, _)| k != "le").cloned().collect();
        l.sort();
        l
    };
    let mut groups: HashMap<Labels, Vec<(f64, f64)>> = HashMap::new();
    for s in page.series_of(&format!("{family}_bucket")) {
        let le = &s.labels.iter().find(|(k, _)| k == "le").unwrap().1;
        let le = parse_value(le).map_err(|e| format!("{family}: le: {e}"))?;
        groups.entry(without_le(s)).or_default().push((le, s.value));
    }
    if groups.is_empty() {
        return Err(format!("histogram {family} has no buckets"));
    }
    for (labels, buckets) in groups {
        let count = page
            .series_of(&format!("{family}_count"))
            .into_iter()
            .find(|s| without_le(s) == labels)
            .ok_or_else(|| format!("{family}{labels:?} has no _count"))?
            .value;
        if !page
            .series_of(&format!("{family}_sum"))
            .iter()
            .any(|s| without_le(s) == labels)
        {
            return Err(format!("{family}{labels:?} has no _sum"));
        }
        for w in buckets.windows(2) {
            if w[1].0 <= w[0].0 {
                return Err(format!("{family}: le bounds not increasing: {buckets:?}"));
            }
            if w[1].1 < w[0].1 {
                return Err(format!("{family}: buckets not cumulative: {buckets:?}"));
            }
        }
        let last = buckets.last().unwrap();
        if last.0 != f64::INFINITY {
            return Err(format!("{family}: the last bucket is not le=\"+Inf\": {buckets:?}"));
        }
        if last.1 != count {
            return Err(format!("{family}: le=\"+Inf\" {} != _count {count}", last.1));
        }
    }
    Ok(())
}

#[test]
fn the_strict_parser_refuses_what_it_must() {
    let good = "# HELP a_total A.\n# TYPE a_total counter\na_total 1\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n";
    parse_exposition(good, false).unwrap();
    let bad = [
        ("no TYPE", "x 1\n"),
        ("a Prometheus counter family without _total", "# TYPE c counter\nc 1\n"),
        ("duplicate", "# TYPE g gauge\ng 1\ng 2\n"),
        (
            "interleaved",
            "# TYPE g gauge\n# TYPE k gauge\ng 1\nk 1\ng{a=\"b\"} 1\n",
        ),
        (
            "not cumulative",
            "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
        ),
        (
            "no +Inf",
            "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_sum 1\nh_count 2\n",
        ),
        (
            "+Inf != count",
            "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n",
        ),
        ("empty line", "# TYPE g gauge\n\ng 1\n"),
        ("trailing comma", "# TYPE g gauge\ng{a=\"b\",} 1\n"),
        ("timestamp", "# TYPE g gauge\ng 1 1700000000\n"),
        ("bad value", "# TYPE g gauge\ng inf\n"),
        ("no newline at the end", "# TYPE g gauge\ng 1"),
        ("HELP of another name", "# HELP b B.\n# TYPE g gauge\ng 1\n"),
    ];
    for (what, text) in bad {
        assert!(parse_exposition(text, false).is_err(), "accepted: {what}");
    }
    let om = "# TYPE a counter\na_total 1\n# EOF\n";
    parse_exposition(om, true).unwrap();
    assert!(parse_exposition("# TYPE a_total counter\na_total 1\n# EOF\n", true).is_err());
    assert!(parse_exposition("# TYPE a counter\na_total 1\n", true).is_err());
}

// ---------------------------------------------------------------------------------------------
// A tiny JSON reader (for /status)
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl Json {
    fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn num(&self, key: &str) -> f64 {
        match self.get(key) {
            Some(Json::Num(n)) => *n,
            other => panic!("{key}: not a number: {other:?}"),
        }
    }
}

fn parse_json(text: &str) -> Result<Json, String> {
    let bytes = text.trim_end().as_bytes();
    let mut at = 0;
    let value = json_value(bytes, &mut at)?;
    if at != bytes.len() {
        return Err(format!("trailing bytes at {at}"));
    }
    Ok(value)
}

fn json_value(b: &[u8], at: &mut usize) -> Result<Json, String> {
    let expect = |at: &mut usize, lit: &str| -> Result<(), String> {
        if b[*at..].starts_with(lit.as_bytes()) {
            *at += lit.len();
            Ok(())
        } else {
            Err(format!("expected {lit} at {at}"))
        }
    };
    match b.get(*at).ok_or("unexpected end")? {
        b'n' => expect(at, "null").map(|_| Json::Null),
        b't' => expect(at, "true").map(|_| Json::Bool(true)),
        b'f' => expect(at, "false").map(|_| Json::Bool(false)),
        b'"' => json_string(b, at).map(Json::Str),
        b'[' => {
            *at += 1;
            let mut items = Vec::new();
            if b.get(*at) == Some(&b']') {
                *at += 1;
                return Ok(Json::Arr(items));
            }
            loop {
                items.push(json_value(b, at)?);
                match b.get(*at) {
                    Some(b',') => *at += 1,
                    Some(b']') => {
                        *at += 1;
                        return Ok(Json::Arr(items));
                    }
                    _ => return Err(format!("expected , or ] at {at}")),
                }
            }
        }
        b'{' => {
            *at += 1;
            let mut fields = Vec::new();
            if b.get(*at) == Some(&b'}') {
                *at += 1;
                return Ok(Json::Obj(fields));
            }
            loop {
                let key = json_string(b, at)?;
                expect(at, ":")?;
                if fields.iter().any(|(k, _)| *k == key) {
                    return Err(format!("key {key:?} twice"));
                }
                fields.push((key, json_value(b, at)?));
                match b.get(*at) {
                    Some(b',') => *at += 1,
                    Some(b'}') => {
                        *at += 1;
                        return Ok(Json::Obj(fields));
                    }
                    _ => return Err(format!("expected , or }} at {at}")),
                }
            }
        }
        _ => {
            let start = *at;
            while b.get(*at).is_some_and(|c| c.is_ascii_digit() || b"+-.eE".contains(c)) {
                *at += 1;
            }
            let text = std::str::from_utf8(&b[start..*at]).unwrap();
            let ok = !text.is_empty() && !text.starts_with('+') && !text.ends_with('.');
            match text.parse::<f64>() {
                Ok(n) if ok && n.is_finite() => Ok(Json::Num(n)),
                _ => Err(format!("bad number {text:?} at {start}")),
            }
        }
    }
}

fn json_string(b: &[u8], at: &mut usize) -> Result<String, String> {
    if b.get(*at) != Some(&b'"') {
        return Err(format!("expected a string at {at}"));
    }
    *at += 1;
    let mut out = Vec::new();
    loop {
        match *b.get(*at).ok_or("unterminated string")? {
            b'"' => {
                *at += 1;
                return String::from_utf8(out).map_err(|e| e.to_string());
            }
            b'\\' => {
                let c = *b.get(*at + 1).ok_or("dangling escape")?;
                out.push(match c {
                    b'"' | b'\\' | b'/' => c,
                    b'n' => b'\n',
                    b't' => b'\t',
                    b'r' => b'\r',
                    _ => return Err(format!("unsupported escape \\{}", c as char)),
                });
                *at += 2;
            }
            c if c < 0x20 => return Err("control character in a string".into()),
            c => {
                out.push(c);
                *at += 1;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Tests: the metrics endpoint
// ---------------------------------------------------------------------------------------------

/// The figures every page of the two-worker, 50-message pool must show.
fn assert_fifty_messages_page(page: &Exposition, body: &str) {
    let ctx = || format!("--- page ---\n{body}---");
    assert_eq!(page.value("procpool_messages_total", &[]), 50.0, "{}", ctx());
    assert_eq!(
        page.value("procpool_message_duration_seconds_count", &[]),
        50.0,
        "{}",
        ctx()
    );
    assert_eq!(
        page.value("procpool_message_duration_seconds_bucket", &[("le", "+Inf")]),
        50.0,
        "{}",
        ctx()
    );
    assert_eq!(page.value("procpool_workers", &[]), 2.0, "{}", ctx());
    assert_eq!(page.value("procpool_workers_alive", &[]), 2.0, "{}", ctx());
    assert_eq!(page.value("procpool_worker_starts_total", &[]), 2.0, "{}", ctx());
    for reason in ["clean", "exit_code", "signal", "restart_policy", "request_timeout"] {
        assert_eq!(
            page.value("procpool_worker_exits_total", &[("reason", reason)]),
            0.0,
            "exits {reason}\n{}",
            ctx()
        );
    }
    let per_worker: f64 = page.series_of("procpool_worker_messages").iter().map(|s| s.value).sum();
    assert_eq!(per_worker, 50.0, "the workers' own counts add up\n{}", ctx());
    let idle: f64 = page.value("procpool_workers_by_state", &[("state", "idle")]);
    assert_eq!(idle, 2.0, "both workers wait for messages\n{}", ctx());
}

#[test]
fn metrics_scraped_with_curl_in_both_formats_and_status_as_json() {
    if !curl_available() {
        eprintln!("SKIPPED: curl is not installed (the bootstrap installs it); this test needs a real HTTP client");
        return;
    }
    let e = env(&[("MESSAGES", "50")]);
    let (mut s, _pids, port) = Scenario::start_with_metrics(2, &e);
    s.wait_messages(50, DEADLINE);
    assert!(
        s.lines.iter().all(|l| !l.starts_with("send_err")),
        "every send succeeded\n{}",
        s.transcript()
    );
    assert!(
        s.lines
            .iter()
            .any(|l| l.contains("metrics on port") && l.contains(&port.to_string())),
        "the manager logs where it serves the metrics\n{}",
        s.transcript()
    );
    let url = |path: &str| format!("http://127.0.0.1:{port}{path}");

    // A worker counts its message just after Message returns (after it printed its line): scrape
    // until the last one is in, then check that page whole.
    let until = Instant::now() + Duration::from_secs(3);
    let (response, page) = loop {
        let response = curl(&url("/metrics"), &[]);
        assert_eq!(response.status, 200, "{response:?}");
        let page = parse_exposition(&response.body, false)
            .unwrap_or_else(|e| panic!("a strict parse of the Prometheus page: {e}\n{}", response.body));
        if page.get("procpool_message_duration_seconds_count", &[]) == Some(50.0) || Instant::now() >= until {
            break (response, page);
        }
        thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(
        response.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8"),
        "{response:?}"
    );
    assert_fifty_messages_page(&page, &response.body);
    assert!(
        page.types.get("procpool_worker_starts_total") == Some(&Kind::Counter),
        "a Prometheus text counter family carries _total\n{}",
        response.body
    );

    // OpenMetrics.
    let om = curl(&url("/metrics"), &["-H", "Accept: application/openmetrics-text"]);
    assert_eq!(om.status, 200, "{om:?}");
    let content_type = om.header("content-type").unwrap_or("");
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "Content-Type {content_type:?}"
    );
    assert!(om.body.ends_with("# EOF\n"), "the page ends with # EOF\n{}", om.body);
    let om_page = parse_exposition(&om.body, true)
        .unwrap_or_else(|e| panic!("a strict parse of the OpenMetrics page: {e}\n{}", om.body));
    for line in om
        .body
        .lines()
        .filter(|l| l.starts_with("# TYPE ") && l.ends_with(" counter"))
    {
        assert!(
            !line.split(' ').nth(2).unwrap().ends_with("_total"),
            "an OpenMetrics counter family without _total: {line}"
        );
    }
    assert_eq!(om_page.types.get("procpool_worker_starts"), Some(&Kind::Counter));
    assert_fifty_messages_page(&om_page, &om.body);

    // /status.
    let status = curl(&url("/status"), &[]);
    assert_eq!(status.status, 200, "{status:?}");
    assert_eq!(status.header("content-type"), Some("application/json"), "{status:?}");
    assert!(status.body.contains("\"messages\":50"), "{}", status.body);
    let json = parse_json(&status.body).unwrap_or_else(|e| panic!("/status is not JSON ({e}): {}", status.body));
    assert_eq!(json.num("messages"), 50.0, "{}", status.body);
    assert_eq!(json.num("workers"), 2.0, "{}", status.body);
    assert_eq!(json.num("worker_starts"), 2.0, "{}", status.body);
    assert_eq!(json.num("master_pid"), f64::from(s.pid), "{}", status.body);
    let Some(Json::Arr(per_worker)) = json.get("per_worker") else {
        panic!("per_worker is not an array: {}", status.body);
    };
    assert_eq!(per_worker.len(), 2, "{}", status.body);
    let handled: f64 = per_worker.iter().map(|w| w.num("messages")).sum();
    assert_eq!(handled, 50.0, "{}", status.body);

    // What is not served.
    let nope = curl(&url("/nope"), &[]);
    assert_eq!(nope.status, 404, "{nope:?}");
    let post = curl(&url("/metrics"), &["-X", "POST"]);
    assert_eq!(post.status, 405, "{post:?}");
    let mut big = b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: ".to_vec();
    big.extend(std::iter::repeat_n(b'a', 9 * 1024));
    big.extend_from_slice(b"\r\n\r\n");
    match raw_request(port, &big, Duration::from_secs(5)) {
        Ok(raw) if raw.is_empty() => eprintln!("a 9 KiB request: closed without an answer"),
        Ok(raw) => {
            let response = parse_response(&raw).unwrap_or_else(|e| panic!("a 9 KiB request: {e}"));
            assert_eq!(response.status, 431, "a 9 KiB request: {response:?}");
            eprintln!("a 9 KiB request: 431");
        }
        Err(e) => {
            assert!(
                e.contains("reset") || e.contains("Broken pipe") || e.contains("write"),
                "a 9 KiB request is answered 431 or closed, not: {e}"
            );
            eprintln!("a 9 KiB request: closed ({e})");
        }
    }
    // The endpoint is still there for a normal scraper.
    let (_, after) = scrape(port, Duration::from_secs(2)).expect("a scrape after the bad requests");
    assert_eq!(after.value("procpool_messages_total", &[]), 50.0);

    let f = s.shut_down();
    assert!(
        s.lines.iter().any(|l| l == "live messages=50 starts=2 alive=2"),
        "Context::stats() in the manager at Shutdown\n{}",
        s.transcript()
    );
    assert_eq!(
        f,
        Final {
            messages: 50,
            starts: 2,
            durations: 50,
            clean: 2,
            ..Final::default()
        },
        "Pool::last_stats() after start() returned\n{}",
        s.transcript()
    );
}

/// Raises this process's soft RLIMIT_NOFILE to at least `want` (within the hard limit); false when
/// the hard limit is lower.
fn raise_nofile(want: libc::rlim_t) -> bool {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit read and write the struct we own.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0, "getrlimit");
        if limit.rlim_cur < want {
            limit.rlim_cur = want.min(limit.rlim_max);
            assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &limit), 0, "setrlimit");
        }
    }
    limit.rlim_cur >= want
}

#[test]
fn hostile_scrapers_never_delay_the_manager() {
    const IDLE: usize = 200;
    const KILLS: usize = 10;
    assert!(
        raise_nofile(2048),
        "RLIMIT_NOFILE cannot be raised enough for {IDLE} idle connections"
    );
    // Crash-loop protection off: ten SIGKILLs from outside, each within a second of the previous
    // one's replacement, would otherwise (rightly) be respawned with back-off, which is not what is
    // measured here.
    let e = env(&[("CRASH_LOOP", "0")]);
    let (mut s, mut pids, port) = Scenario::start_with_metrics(2, &e);
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));

    // 200 connections that never send a byte, held open here for the whole test.
    let mut idle = Vec::with_capacity(IDLE);
    for i in 0..IDLE {
        let c = TcpStream::connect_timeout(&addr, Duration::from_secs(3))
            .unwrap_or_else(|e| panic!("idle connection {i}: {e}"));
        idle.push(c);
    }

    let stop = Arc::new(AtomicBool::new(false));
    // A client writing a request that never ends, one byte per 100 ms; when the manager drops it,
    // it connects again.
    let slow_connections = Arc::new(AtomicUsize::new(0));
    let slow = {
        let (stop, connections) = (stop.clone(), slow_connections.clone());
        thread::spawn(move || {
            let head = b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
            while !stop.load(Ordering::SeqCst) {
                let Ok(mut c) = TcpStream::connect_timeout(&addr, Duration::from_secs(1)) else {
                    thread::sleep(Duration::from_millis(100));
                    continue;
                };
                connections.fetch_add(1, Ordering::SeqCst);
                for i in 0.. {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let byte = head.get(i).copied().unwrap_or(b'a');
                    if c.write_all(&[byte]).is_err() {
                        break;
                    }
                    thread::sleep(Duration::from_millis(100));
                }
            }
        })
    };
    // Normal scrapes, one after the other, while the workers are killed.
    let scrapes: Arc<Mutex<Vec<Result<Duration, String>>>> = Arc::new(Mutex::new(Vec::new()));
    let scraper = {
        let (stop, scrapes) = (stop.clone(), scrapes.clone());
        thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                let began = Instant::now();
                let result = scrape(port, RESPONSIVE).map(|_| began.elapsed());
                scrapes.lock().unwrap().push(result);
                thread::sleep(Duration::from_millis(100));
            }
        })
    };

    // One kill every 200 ms or so, so that the hostile clients and the scrapes run through the
    // whole series (about 2 s, the manager's per-connection deadline).
    let mut latencies = Vec::with_capacity(KILLS);
    for k in 0..KILLS {
        thread::sleep(Duration::from_millis(200));
        let id = k % 2;
        let old = pids[id];
        let killed_at = Instant::now();
        send(old, libc::SIGKILL);
        let line = s.expect_within(&format!("the replacement of worker {id} (pid {old})"), DEADLINE, |l| {
            event(l, "worker_start").is_some_and(|(i, p)| i == id && p != old)
        });
        let arrived = s.times[s.cursor - 1];
        latencies.push(arrived.saturating_duration_since(killed_at));
        pids[id] = event(&line, "worker_start").unwrap().1;
    }
    stop.store(true, Ordering::SeqCst);
    scraper.join().unwrap();
    slow.join().unwrap();

    let max = latencies.iter().max().copied().unwrap();
    eprintln!(
        "kill → replacement's worker_start: max {max:?}, all {latencies:?} (with {IDLE} idle connections and a slow writer, {} slow connections)",
        slow_connections.load(Ordering::SeqCst)
    );
    let scrapes = scrapes.lock().unwrap().clone();
    let slowest = scrapes.iter().filter_map(|r| r.as_ref().ok()).max().copied();
    eprintln!("{} scrapes meanwhile, slowest {slowest:?}", scrapes.len());
    assert!(
        latencies.iter().all(|&l| l <= RESPONSIVE),
        "every replacement started within {RESPONSIVE:?} of its kill: {latencies:?}\n{}",
        s.transcript()
    );
    assert!(scrapes.len() >= 3, "scrapes ran meanwhile: {scrapes:?}");
    for (i, r) in scrapes.iter().enumerate() {
        assert!(
            r.as_ref().is_ok_and(|d| *d <= RESPONSIVE),
            "scrape {i} of {} completes within {RESPONSIVE:?} and parses: {r:?}",
            scrapes.len()
        );
    }

    // Afterwards: the cap dropped idle connections, and the counters saw the kills.
    let (_, page) = scrape(port, Duration::from_secs(2)).expect("a scrape after the kills");
    let dropped = page.value("procpool_metrics_dropped_connections_total", &[]);
    eprintln!("procpool_metrics_dropped_connections_total {dropped}");
    assert!(dropped > 0.0, "the cap dropped idle connections");
    assert_eq!(page.value("procpool_worker_starts_total", &[]), (2 + KILLS) as f64);
    assert_eq!(
        page.value("procpool_worker_exits_total", &[("reason", "signal")]),
        KILLS as f64
    );
    let restarts: f64 = page
        .series_of("procpool_worker_restarts_total")
        .iter()
        .map(|s| s.value)
        .sum();
    assert_eq!(restarts, KILLS as f64);
    drop(idle);

    let f = s.shut_down();
    assert_eq!(
        (f.starts, f.signal, f.clean),
        (2 + KILLS as u64, KILLS as u64, 2),
        "{f:?}\n{}",
        s.transcript()
    );
}

// ---------------------------------------------------------------------------------------------
// Tests: the restart policies
// ---------------------------------------------------------------------------------------------

#[test]
fn request_timeout_kills_the_worker_and_replaces_it() {
    let e = env(&[("MESSAGES", "1"), ("SLEEP_MS", "3000"), ("REQUEST_TIMEOUT", "1")]);
    let (mut s, pids) = Scenario::start(2, &e);
    let i = s.wait_line("the message begins", DEADLINE, |l| parse_msg(l, "begin").is_some());
    let begin = parse_msg(&s.lines[i], "begin").unwrap();
    assert_eq!((begin.id, begin.pid, begin.seq), (0, pids[0], 0));
    let began_at = s.times[i];
    let warning = s.expect_within("the request_timeout warning", Duration::from_secs(5), |l| {
        is_log(l) && l.contains("\tWARNING\t") && l.contains("request_timeout")
    });
    let named = format!("worker#0 (pid {})", pids[0]);
    assert!(warning.contains(&named), "the warning names {named}: {warning}");
    let age =
        seconds_after(&warning, "has run ").unwrap_or_else(|| panic!("the warning gives the message's age: {warning}"));
    assert!((1.0..3.0).contains(&age), "age {age}s: {warning}");
    let replacement = s.expect_worker_start(0);
    let replaced_after = s.times[s.cursor - 1].saturating_duration_since(began_at);
    eprintln!("message began → replacement started: {replaced_after:?} (the warning said {age}s)");
    assert_ne!(replacement, pids[0]);
    assert!(
        replaced_after < Duration::from_millis(2500),
        "killed and replaced before the 3 s message could end ({replaced_after:?})\n{}",
        s.transcript()
    );
    assert!(wait_gone(pids[0], DEADLINE), "the killed worker was reaped");
    s.gather(Duration::from_millis(300));
    assert!(
        s.msgs("message").is_empty(),
        "the killed message never finished\n{}",
        s.transcript()
    );
    assert_eq!(s.starts().len(), 3, "only worker 0 was replaced\n{}", s.transcript());
    let f = s.shut_down();
    assert_eq!(
        f,
        Final {
            messages: 0,
            starts: 3,
            durations: 0,
            clean: 2,
            request_timeout: 1,
            ..Final::default()
        },
        "{}",
        s.transcript()
    );
}

#[test]
fn max_memory_restarts_a_leaking_worker_after_the_message_in_hand_and_loses_nothing() {
    const MAX_MEMORY: u64 = 64 << 20;
    let e = env(&[
        ("MESSAGES", "20"),
        ("SLEEP_MS", "100"),
        ("LEAK_MB", "10"),
        ("MAX_MEMORY", &MAX_MEMORY.to_string()),
        ("MAX_WAIT", "2"),
    ]);
    // One worker: every message waits in its socketpair for whichever process holds the slot.
    let (mut s, _) = Scenario::start(1, &e);
    s.wait_messages(20, Duration::from_secs(20));
    s.gather(Duration::from_millis(200));
    let warnings = s.warnings_with("max_memory");
    assert!(!warnings.is_empty(), "a max_memory warning\n{}", s.transcript());
    let started: HashSet<i32> = s.starts().into_iter().map(|(_, p)| p).collect();
    for w in &warnings {
        assert!(w.contains(&format!("over max_memory {MAX_MEMORY}")), "{w}");
        let rss: u64 = number_after(w, "uses ").unwrap_or_else(|| panic!("no figure: {w}"));
        assert!(rss > MAX_MEMORY, "the figure {rss} is over the limit: {w}");
        let pid: i32 = number_after(w, "(pid ").map(|p| p as i32).unwrap();
        assert!(started.contains(&pid), "the warning names a worker of the pool: {w}");
        assert!(w.contains("worker#0 "), "{w}");
    }
    assert!(
        s.warnings_with("SIGKILL").is_empty(),
        "every worker asked to stop finished its message in hand within max_wait_time\n{}",
        s.transcript()
    );
    let handled: Vec<u64> = s.msgs("message").iter().map(|m| m.seq).collect();
    assert_eq!(
        handled,
        (0..20).collect::<Vec<_>>(),
        "every message handled once, in order: nothing lost\n{}",
        s.transcript()
    );
    let begun: Vec<u64> = s.msgs("begin").iter().map(|m| m.seq).collect();
    assert_eq!(begun, handled, "no message was cut short\n{}", s.transcript());
    let pids: Vec<i32> = s.msgs("message").iter().map(|m| m.pid).collect();
    let distinct: HashSet<i32> = pids.iter().copied().collect();
    assert!(
        distinct.len() >= 2,
        "the messages went to more than one process\n{}",
        s.transcript()
    );
    // Each process that was asked to stop ran WorkerStop.
    let stopped: HashSet<i32> = s.stops().into_iter().map(|(_, p)| p).collect();
    for w in &warnings {
        let pid = number_after(w, "(pid ").unwrap() as i32;
        assert!(stopped.contains(&pid), "pid {pid} ran WorkerStop\n{}", s.transcript());
    }
    let f = s.shut_down();
    eprintln!("max_memory: {} processes, {f:?}", distinct.len());
    assert!(f.restart_policy >= 1, "{f:?}\n{}", s.transcript());
    assert_eq!(
        (f.messages, f.durations, f.signal, f.exit_code, f.request_timeout),
        (20, 20, 0, 0, 0),
        "{f:?}"
    );
    assert_eq!(f.starts, 1 + f.restart_policy, "one replacement per policy exit: {f:?}");
}

/// The whole number right after `marker` (e.g. `uses 123 bytes`, `(pid 42)`).
fn number_after(line: &str, marker: &str) -> Option<u64> {
    let rest = &line[line.find(marker)? + marker.len()..];
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().ok()
}

#[test]
fn max_request_replaces_the_worker_every_three_messages_at_once() {
    let e = env(&[("MESSAGES", "10"), ("MAX_REQUEST", "3")]);
    let (mut s, _) = Scenario::start(1, &e);
    s.wait_messages(10, DEADLINE);
    s.wait_until("the fourth process", DEADLINE, |s| s.starts().len() >= 4);
    s.gather(Duration::from_millis(200));
    let starts: Vec<i32> = s.starts().into_iter().map(|(_, p)| p).collect();
    assert_eq!(starts.len(), 4, "{}", s.transcript());
    let msgs = s.msgs("message");
    let got: Vec<(u64, i32)> = msgs.iter().map(|m| (m.seq, m.pid)).collect();
    let want: Vec<(u64, i32)> = (0..10).map(|seq| (seq, starts[(seq / 3) as usize])).collect();
    assert_eq!(got, want, "a new process every 3 messages\n{}", s.transcript());
    // The replacement starts at once after the third message of its predecessor.
    let mut gaps = Vec::new();
    for k in 0..3 {
        let last = s
            .lines
            .iter()
            .position(|l| parse_msg(l, "message").is_some_and(|m| m.seq == 3 * k + 2))
            .unwrap();
        let next = s
            .lines
            .iter()
            .position(|l| event(l, "worker_start").is_some_and(|(_, p)| p == starts[k as usize + 1]))
            .unwrap();
        assert!(next > last, "{}", s.transcript());
        gaps.push(s.times[next].saturating_duration_since(s.times[last]));
    }
    eprintln!("max_request: third message → replacement's worker_start: {gaps:?}");
    assert!(
        gaps.iter().all(|&g| g <= RESPONSIVE),
        "replacements are immediate: {gaps:?}\n{}",
        s.transcript()
    );
    assert!(
        s.warnings().is_empty(),
        "no warning (no abnormal exit, no crash loop)\n{}",
        s.transcript()
    );
    assert_eq!(
        s.lines.iter().filter(|l| l.contains("(max_request)")).count(),
        3,
        "the workers say why they leave\n{}",
        s.transcript()
    );
    let f = s.shut_down();
    assert_eq!(
        f,
        Final {
            messages: 10,
            starts: 4,
            durations: 10,
            clean: 1,
            restart_policy: 3,
            ..Final::default()
        },
        "{}",
        s.transcript()
    );
}

#[test]
fn slow_request_warns_once_and_kills_nothing() {
    let e = env(&[("MESSAGES", "1"), ("SLEEP_MS", "1500"), ("SLOW_REQUEST", "0.5")]);
    let (mut s, pids) = Scenario::start(2, &e);
    let i = s.wait_line("the message ends", DEADLINE, |l| parse_msg(l, "message").is_some());
    assert_eq!(parse_msg(&s.lines[i], "message").unwrap().pid, pids[0]);
    // A few more policy checks (every 100 ms) after it ended.
    s.gather(Duration::from_millis(400));
    let slow = s.warnings_with("is slow");
    assert_eq!(slow.len(), 1, "exactly one slow warning\n{}", s.transcript());
    let named = format!("worker#0 (pid {})", pids[0]);
    assert!(slow[0].contains(&named), "the warning names {named}: {}", slow[0]);
    let age = seconds_after(&slow[0], "has run ").unwrap_or_else(|| panic!("no age: {}", slow[0]));
    assert!((0.5..1.5).contains(&age), "age {age}s: {}", slow[0]);
    assert_eq!(s.warnings().len(), 1, "no other warning\n{}", s.transcript());
    assert_eq!(s.starts().len(), 2, "nothing killed or replaced\n{}", s.transcript());
    let f = s.shut_down();
    assert_eq!(
        f,
        Final {
            messages: 1,
            starts: 2,
            durations: 1,
            clean: 2,
            ..Final::default()
        },
        "{}",
        s.transcript()
    );
}
