//! `PoolStats` rendered for scrapers: the Prometheus text format (0.0.4), OpenMetrics 1.0 text
//! (when the scraper asks for it), and the JSON of `/status`.
//!
//! Written here rather than with the `prometheus-client` crate: that crate keeps live metric
//! objects in a registry and renders OpenMetrics only, while the pool's figures are a snapshot read
//! from shared memory on each scrape and must also be served in the classic text format.

use std::fmt::Write;

use crate::stats::{ExitReason, PoolStats, WorkerState, WorkerStats};

/// Which text format a scrape gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Prometheus,
    OpenMetrics,
}

impl Format {
    /// The format an `Accept` header asks for.
    pub fn from_accept(accept: &str) -> Format {
        if accept.contains("application/openmetrics-text") {
            Format::OpenMetrics
        } else {
            Format::Prometheus
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Prometheus => "text/plain; version=0.0.4; charset=utf-8",
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }
}

struct Writer {
    out: String,
    format: Format,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Gauge,
    Counter,
    Histogram,
}

impl Writer {
    /// `# HELP`/`# TYPE` of a family. Counters are named without `_total` here; the samples carry it.
    fn family(&mut self, name: &str, kind: Kind, help: &str) {
        let (type_name, family) = match (kind, self.format) {
            (Kind::Gauge, _) => ("gauge", name.to_string()),
            (Kind::Histogram, _) => ("histogram", name.to_string()),
            (Kind::Counter, Format::OpenMetrics) => ("counter", name.to_string()),
            (Kind::Counter, Format::Prometheus) => ("counter", format!("{name}_total")),
        };
        let _ = writeln!(self.out, "# HELP {family} {help}");
        let _ = writeln!(self.out, "# TYPE {family} {type_name}");
    }

    /// A family with one sample per worker (label `worker`); `value` None leaves a worker out.
    fn per_worker(
        &mut self,
        stats: &PoolStats,
        (name, kind): (&str, Kind),
        help: &str,
        value: impl Fn(&WorkerStats) -> Option<f64>,
    ) {
        self.family(name, kind, help);
        let sample = if kind == Kind::Counter {
            format!("{name}_total")
        } else {
            name.to_string()
        };
        for s in &stats.per_worker {
            if let Some(v) = value(s) {
                self.sample(&sample, &[("worker", &s.id.to_string())], v);
            }
        }
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.out.push_str(name);
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (key, val)) in labels.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                let _ = write!(self.out, "{key}=\"{}\"", escape(val));
            }
            self.out.push('}');
        }
        let _ = writeln!(self.out, " {}", number(value));
    }
}

fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

fn number(value: f64) -> String {
    if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.to_string()
    } else if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

/// The metrics page. `dropped`: scraper connections the manager dropped (slow, hostile, over the cap).
pub(crate) fn render(stats: &PoolStats, format: Format, dropped: u64) -> String {
    let mut w = Writer {
        out: String::with_capacity(4096),
        format,
    };
    w.family("procpool_workers", Kind::Gauge, "Configured number of workers.");
    w.sample("procpool_workers", &[], stats.workers as f64);
    w.family(
        "procpool_workers_alive",
        Kind::Gauge,
        "Worker slots with a live process.",
    );
    w.sample("procpool_workers_alive", &[], stats.workers_alive as f64);
    w.family("procpool_workers_by_state", Kind::Gauge, "Workers in each state.");
    for (state, &n) in WorkerState::ALL.iter().zip(stats.by_state.iter()) {
        w.sample("procpool_workers_by_state", &[("state", state.name())], n as f64);
    }
    w.family(
        "procpool_uptime_seconds",
        Kind::Gauge,
        "Seconds since the pool started.",
    );
    w.sample("procpool_uptime_seconds", &[], stats.uptime.as_secs_f64());
    w.family("procpool_worker_starts", Kind::Counter, "Worker processes forked.");
    w.sample("procpool_worker_starts_total", &[], stats.worker_starts as f64);
    w.family(
        "procpool_worker_exits",
        Kind::Counter,
        "Worker processes ended, by reason.",
    );
    for (reason, &n) in ExitReason::ALL.iter().zip(stats.exits.iter()) {
        w.sample("procpool_worker_exits_total", &[("reason", reason.name())], n as f64);
    }
    w.family("procpool_reloads", Kind::Counter, "Reloads begun (SIGUSR1/SIGUSR2).");
    w.sample("procpool_reloads_total", &[], stats.reloads as f64);
    w.family(
        "procpool_crash_loop_workers",
        Kind::Gauge,
        "Worker slots waiting out a crash-loop delay.",
    );
    w.sample("procpool_crash_loop_workers", &[], stats.crash_loop as f64);
    w.family("procpool_messages", Kind::Counter, "Messages handled by all workers.");
    w.sample("procpool_messages_total", &[], stats.messages as f64);
    if let Some(depth) = stats.queue_depth {
        w.family(
            "procpool_queue_depth",
            Kind::Gauge,
            "Messages or connections waiting for a worker.",
        );
        w.sample("procpool_queue_depth", &[], depth as f64);
    }
    w.family(
        "procpool_message_duration_seconds",
        Kind::Histogram,
        "How long Message callbacks took.",
    );
    for &(le, n) in &stats.durations.buckets {
        let le = number(le);
        w.sample("procpool_message_duration_seconds_bucket", &[("le", &le)], n as f64);
    }
    w.sample("procpool_message_duration_seconds_sum", &[], stats.durations.sum);
    w.sample(
        "procpool_message_duration_seconds_count",
        &[],
        stats.durations.count as f64,
    );
    w.per_worker(
        stats,
        ("procpool_worker_messages", Kind::Gauge),
        "Messages handled by the worker's current process.",
        |s| Some(s.messages as f64),
    );
    w.per_worker(
        stats,
        ("procpool_worker_busy_seconds", Kind::Gauge),
        "Age of the message in hand (0: idle).",
        |s| Some(s.busy_for.map_or(0.0, |d| d.as_secs_f64())),
    );
    w.per_worker(
        stats,
        ("procpool_worker_resident_memory_bytes", Kind::Gauge),
        "Resident memory of the worker.",
        |s| s.rss.map(|rss| rss as f64),
    );
    w.per_worker(
        stats,
        ("procpool_worker_restarts", Kind::Counter),
        "Processes the worker slot had after its first.",
        |s| Some(s.restarts as f64),
    );
    w.family(
        "procpool_worker_state",
        Kind::Gauge,
        "1 for the state each worker is in.",
    );
    for s in &stats.per_worker {
        let id = s.id.to_string();
        w.sample(
            "procpool_worker_state",
            &[("worker", &id), ("state", s.state.name())],
            1.0,
        );
    }
    w.family(
        "procpool_metrics_dropped_connections",
        Kind::Counter,
        "Scraper connections dropped (too slow, too large, over the cap).",
    );
    w.sample("procpool_metrics_dropped_connections_total", &[], dropped as f64);
    if format == Format::OpenMetrics {
        w.out.push_str("# EOF\n");
    }
    w.out
}

/// `/status`: what `stats()` returns, as JSON.
pub(crate) fn render_json(stats: &PoolStats) -> String {
    let mut out = String::with_capacity(1024);
    let _ = write!(
        out,
        "{{\"master_pid\":{},\"ipc_mode\":{},\"uptime\":{},\"workers\":{},\"workers_alive\":{},",
        stats.master_pid,
        stats.ipc_mode as i32,
        stats.uptime.as_secs_f64(),
        stats.workers,
        stats.workers_alive
    );
    out.push_str("\"by_state\":{");
    for (i, (state, n)) in WorkerState::ALL.iter().zip(stats.by_state.iter()).enumerate() {
        let _ = write!(out, "{}\"{}\":{n}", if i > 0 { "," } else { "" }, state.name());
    }
    let _ = write!(out, "}},\"worker_starts\":{},\"worker_exits\":{{", stats.worker_starts);
    for (i, (reason, n)) in ExitReason::ALL.iter().zip(stats.exits.iter()).enumerate() {
        let _ = write!(out, "{}\"{}\":{n}", if i > 0 { "," } else { "" }, reason.name());
    }
    let _ = write!(
        out,
        "}},\"reloads\":{},\"crash_loop\":{},\"messages\":{},\"queue_depth\":{},\"per_worker\":[",
        stats.reloads,
        stats.crash_loop,
        stats.messages,
        stats.queue_depth.map_or("null".to_string(), |d| d.to_string())
    );
    for (i, s) in stats.per_worker.iter().enumerate() {
        let _ = write!(
            out,
            "{}{{\"id\":{},\"pid\":{},\"state\":\"{}\",\"started_at\":{},\"messages\":{},\"busy_for\":{},\"rss\":{},\"restarts\":{}}}",
            if i > 0 { "," } else { "" },
            s.id,
            s.pid.map_or("null".to_string(), |p| p.to_string()),
            s.state.name(),
            s.started_at,
            s.messages,
            s.busy_for.map_or("null".to_string(), |d| d.as_secs_f64().to_string()),
            s.rss.map_or("null".to_string(), |r| r.to_string()),
            s.restarts
        );
    }
    out.push_str("]}\n");
    out
}
