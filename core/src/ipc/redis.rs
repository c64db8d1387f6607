//! PROCPOOL_IPC_REDIS (beyond Swoole): workers read a Redis stream through a consumer group, with
//! at-least-once delivery. Each worker slot is the consumer `<prefix>-<id>`, so a replacement is the
//! same consumer as the worker it replaces and re-reads its pending entries first. `Message` runs
//! once per entry; the entry is XACKed when it returns. A failed `Message` (an exception, a non-zero
//! status, a fatal error, a killed worker) leaves it pending: it is delivered again, and after
//! `max_deliveries` it is moved to the dead-letter stream (with the error text) and acked. Worker 0
//! of every pool also claims (XAUTOCLAIM) the entries other consumers left pending for longer than
//! `claim_idle`: those of a dead pool or host.
//!
//! The `redis` crate's synchronous client is used: a forked worker has no async runtime (and must
//! not start threads behind the embedder's back), and a blocking XREADGROUP with a short BLOCK is
//! all the loop needs. Connections are opened in each worker after the fork, never inherited: the
//! manager connects once in start() to check the settings and create the group, then disconnects
//! before forking.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use redis::{Client, Connection, RedisError, Value};

use super::{Delivery, WorkerSlot};
use crate::config::PoolConfig;
use crate::error::{Error, Result};
use crate::event::Outcome;
use crate::ipc_mode::IpcMode;
use crate::log::{info, warning};
use crate::redis_config::describe;
pub use crate::redis_config::*;

/// How long one XREADGROUP waits for new entries: a stopping worker leaves within about this long.
const BLOCK: Duration = Duration::from_millis(100);
/// Connecting (TCP or unix) gives up after this long.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// A reply that takes longer than this (BLOCK excluded) counts as a lost connection.
const IO_TIMEOUT: Duration = Duration::from_secs(5);
/// Reconnection back-off: the first delay, doubled after every failure up to the cap.
const BACKOFF_FIRST: Duration = Duration::from_millis(50);
const BACKOFF_MAX: Duration = Duration::from_secs(2);
/// A stopping worker that cannot acknowledge the entry it handled gives up after this long (the
/// entry stays pending and is delivered again).
const ACK_GRACE: Duration = Duration::from_secs(1);
/// At most this many failure texts are remembered per worker (for the dead-letter entries).
const MAX_REMEMBERED_ERRORS: usize = 1024;

impl RedisConfig {
    pub(crate) fn connect(&self) -> std::result::Result<Connection, RedisError> {
        let client = Client::open(self.url.as_str())?;
        let conn = client.get_connection_with_timeout(CONNECT_TIMEOUT)?;
        conn.set_read_timeout(Some(IO_TIMEOUT + BLOCK))?;
        conn.set_write_timeout(Some(IO_TIMEOUT))?;
        Ok(conn)
    }

    /// XADDs `data` (as the `data` field) to the stream on a connection of its own, closed before
    /// returning; returns the new entry's id. Usable before start() (to feed a pool) and anywhere.
    pub fn push(&self, data: &[u8]) -> Result<String> {
        self.validate_complete()?;
        let mut conn = self.connect().map_err(|e| self.failure("connect to", &e))?;
        xadd(&mut conn, &self.stream, data).map_err(|e| self.failure("XADD to", &e))
    }

    pub(crate) fn failure(&self, what: &str, e: &RedisError) -> Error {
        Error::System {
            what: format!("{what} Redis at {} (stream '{}')", self.shown_url(), self.stream),
            source: std::io::Error::other(describe(e)),
        }
    }
}

/// The entry a worker's `Message` is handling (`Context::redis_entry`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisEntry {
    /// The entry's id, e.g. `1700000000000-0`.
    pub id: String,
    /// Every field of the entry, in order (`data` included).
    pub fields: Vec<(Vec<u8>, Vec<u8>)>,
    /// How many times it has been delivered, this time included (1 the first time).
    pub deliveries: u64,
}

impl RedisEntry {
    /// The value of field `name` (the first one of that name).
    pub fn field(&self, name: &[u8]) -> Option<&[u8]> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_slice())
    }
}

/// The settings of the REDIS pool running in this process (manager and workers), for push().
pub(crate) static RUNNING: Mutex<Option<RedisConfig>> = Mutex::new(None);
/// The entry in hand and why its `Message` failed, if the adapter said.
pub(crate) static IN_HAND: Mutex<Option<RedisEntry>> = Mutex::new(None);
pub(crate) static FAILURE: Mutex<Option<String>> = Mutex::new(None);
/// A worker's connection for push(), opened on first use (pid: the process that opened it).
pub(crate) static PUSH: Mutex<Option<(u32, Connection)>> = Mutex::new(None);

/// Clears the running pool's settings when start() ends.
pub(crate) struct Running;

impl Drop for Running {
    fn drop(&mut self) {
        *RUNNING.lock() = None;
    }
}

/// start(), before anything is forked: checks that Redis is reachable with these settings (the
/// URL, AUTH, the keys' types), creates the group if missing, and disconnects. Nothing is kept
/// open across the fork. Returns a guard that forgets the settings when start() ends.
pub(crate) fn prepare(config: &PoolConfig) -> Result<Option<Running>> {
    if config.ipc_mode != IpcMode::Redis {
        return Ok(None);
    }
    let redis = &config.redis;
    redis.validate_complete()?;
    let at = redis.shown_url();
    let mut conn = redis.connect().map_err(|e| Error::System {
        what: format!("cannot connect to Redis at {at}"),
        source: std::io::Error::other(describe(&e)),
    })?;
    let refused = |what: &str, e: RedisError| Error::System {
        what: format!("Redis at {at}: {what}"),
        source: std::io::Error::other(describe(&e)),
    };
    // A password-less connection to a server that wants one only fails at its first command.
    redis::cmd("PING").query::<Value>(&mut conn).map_err(|e| {
        refused(
            "PING failed (a password-protected server needs redis://:password@host)",
            e,
        )
    })?;
    for key in [redis.stream.clone(), redis.dead_letter()] {
        let kind: String = redis::cmd("TYPE")
            .arg(&key)
            .query(&mut conn)
            .map_err(|e| refused(&format!("TYPE {key} failed"), e))?;
        if kind != "stream" && kind != "none" {
            return Err(Error::InvalidArgument(format!(
                "Redis at {at}: the key '{key}' holds a {kind}, not a stream"
            )));
        }
    }
    create_group(&mut conn, redis).map_err(|e| {
        refused(
            &format!("cannot create the group '{}' on '{}'", redis.group, redis.stream),
            e,
        )
    })?;
    warn_if_consumers_in_use(&mut conn, config);
    drop(conn);
    *RUNNING.lock() = Some(redis.clone());
    Ok(Some(Running))
}

/// A live pool's workers poll every BLOCK, so their consumers are never idle for long: one of this
/// pool's consumer names that was active a moment ago most likely belongs to another running pool
/// with the same `redis_consumer` (e.g. two pools on one host with the default, the host name).
fn warn_if_consumers_in_use(conn: &mut Connection, config: &PoolConfig) {
    let redis = &config.redis;
    let Ok(reply) = redis::cmd("XINFO")
        .arg("CONSUMERS")
        .arg(&redis.stream)
        .arg(&redis.group)
        .query::<Value>(conn)
    else {
        return;
    };
    let ours: Vec<String> = (0..config.worker_num).map(|id| redis.consumer_name(id)).collect();
    let busy: Vec<String> = items(reply)
        .into_iter()
        .filter_map(|consumer| {
            let mut fields = items(consumer).into_iter();
            let (mut name, mut idle) = (None, None);
            while let (Some(k), Some(v)) = (fields.next(), fields.next()) {
                match text(&k).as_deref() {
                    Some("name") => name = text(&v),
                    Some("idle") => idle = int(&v),
                    _ => {}
                }
            }
            let name = name?;
            (ours.contains(&name) && idle? < 1000).then_some(name)
        })
        .collect();
    if !busy.is_empty() {
        warning!(
            "consumer(s) {} of group '{}' were active less than a second ago: another pool with the same redis_consumer ('{}') may be running; each pool needs its own prefix",
            busy.join(", "),
            redis.group,
            redis.consumer_prefix()
        );
    }
}

/// XGROUP CREATE ... 0 MKSTREAM: a new group starts at the beginning of the stream, so entries
/// added before the first pool started are handled too. An existing group is left as it is.
fn create_group(conn: &mut Connection, config: &RedisConfig) -> std::result::Result<bool, RedisError> {
    let created = redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(&config.stream)
        .arg(&config.group)
        .arg("0")
        .arg("MKSTREAM")
        .query::<Value>(conn);
    match created {
        Ok(_) => Ok(true),
        Err(e) if e.code() == Some("BUSYGROUP") => Ok(false),
        Err(e) => Err(e),
    }
}

pub(crate) fn xadd(conn: &mut Connection, stream: &str, data: &[u8]) -> std::result::Result<String, RedisError> {
    redis::cmd("XADD")
        .arg(stream)
        .arg("*")
        .arg(DATA_FIELD)
        .arg(data)
        .query(conn)
}

/// Whether a signal interrupted the system call under the error (EINTR).
fn interrupted(e: &RedisError) -> bool {
    std::error::Error::source(e)
        .and_then(|source| source.downcast_ref::<std::io::Error>())
        .is_some_and(|io| io.kind() == std::io::ErrorKind::Interrupted)
}

// ---------------------------------------------------------------------------------------------
// The worker side.

/// Why a command did not give a result.
enum Failure {
    /// The group (or the stream with it) is gone: Redis restarted without persistence, or someone
    /// deleted it. It is created again.
    NoGroup,
    /// No connection, or it broke: reconnect with back-off.
    Down,
}

/// A worker's connection: opened after the fork, reopened with capped exponential back-off when it
/// breaks. An outage is told once when it begins and once when it ends (by worker 0; the other
/// workers log it at info level).
struct Link<'a> {
    config: &'a RedisConfig,
    worker_id: usize,
    conn: Option<Connection>,
    /// Set while Redis cannot be used: since when, the next delay, and when to try again.
    outage: Option<Outage>,
}

struct Outage {
    since: Instant,
    delay: Duration,
    retry_at: Instant,
}

impl Link<'_> {
    /// The connection, (re)connecting first if needed. None when `give_up()` said so before a
    /// connection could be had.
    fn ready(&mut self, give_up: &dyn Fn() -> bool) -> bool {
        loop {
            if self.conn.is_some() {
                return true;
            }
            if give_up() {
                return false;
            }
            if let Some(outage) = &self.outage {
                let wait = outage.retry_at.saturating_duration_since(Instant::now());
                if !wait.is_zero() {
                    if !sleep_unless(wait, give_up) {
                        return false;
                    }
                    continue;
                }
            }
            match self.config.connect() {
                Ok(conn) => self.conn = Some(conn),
                Err(e) if interrupted(&e) => {}
                Err(e) => self.failed("connect", &e),
            }
        }
    }

    /// Runs one command on the connection (which `ready` made).
    fn call<T>(
        &mut self,
        what: &str,
        f: impl FnOnce(&mut Connection) -> std::result::Result<T, RedisError>,
    ) -> std::result::Result<T, Failure> {
        let Some(conn) = self.conn.as_mut() else {
            return Err(Failure::Down);
        };
        match f(conn) {
            Ok(value) => {
                self.recovered();
                Ok(value)
            }
            Err(e) if e.code() == Some("NOGROUP") => Err(Failure::NoGroup),
            // A signal (SIGTERM) cut the wait short: the reply is lost with the connection, but
            // Redis is fine. Reconnect at once (or leave).
            Err(e) if interrupted(&e) => {
                self.conn = None;
                Err(Failure::Down)
            }
            Err(e) => {
                self.failed(what, &e);
                Err(Failure::Down)
            }
        }
    }

    fn failed(&mut self, what: &str, e: &RedisError) {
        self.conn = None;
        let now = Instant::now();
        match self.outage.as_mut() {
            Some(outage) => {
                outage.delay = (outage.delay * 2).min(BACKOFF_MAX);
                outage.retry_at = now + jitter(outage.delay);
            }
            None => {
                let text = format!(
                    "worker#{}: Redis at {} is unavailable ({what}: {}); the worker waits and reconnects",
                    self.worker_id,
                    self.config.shown_url(),
                    describe(e)
                );
                if self.worker_id == 0 {
                    warning!("{text}");
                } else {
                    info!("{text}");
                }
                self.outage = Some(Outage {
                    since: now,
                    delay: BACKOFF_FIRST,
                    retry_at: now + jitter(BACKOFF_FIRST),
                });
            }
        }
    }

    fn recovered(&mut self) {
        if let Some(outage) = self.outage.take() {
            let text = format!(
                "worker#{}: Redis at {} is back after {:.1}s",
                self.worker_id,
                self.config.shown_url(),
                outage.since.elapsed().as_secs_f64()
            );
            if self.worker_id == 0 {
                warning!("{text}");
            } else {
                info!("{text}");
            }
        }
    }

    /// The group is missing (Redis lost its data, or it was deleted): create it again.
    fn recreate_group(&mut self) {
        let config = self.config;
        let created = self.call("XGROUP CREATE", |conn| create_group(conn, config));
        if let Ok(true) = created {
            warning!(
                "worker#{}: the group '{}' of stream '{}' was missing at {} (Redis lost its data, or it was deleted); created it again",
                self.worker_id,
                config.group,
                config.stream,
                config.shown_url()
            );
        }
    }
}

/// Up to a quarter more, so that the workers of many pools do not reconnect in step.
fn jitter(delay: Duration) -> Duration {
    let seed = u64::from(std::process::id()).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ crate::worker_table::monotonic_us();
    let quarter = delay.as_micros() as u64 / 4;
    delay + Duration::from_micros(if quarter == 0 { 0 } else { seed % quarter })
}

/// Sleeps `total` in short steps; false (early) once `give_up()` holds.
fn sleep_unless(total: Duration, give_up: &dyn Fn() -> bool) -> bool {
    let until = Instant::now() + total;
    loop {
        if give_up() {
            return false;
        }
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return true;
        }
        std::thread::sleep(left.min(Duration::from_millis(20)));
    }
}

/// One entry as XREADGROUP returns it; `fields` is None for an entry deleted (XDEL, trimming)
/// while it was pending.
#[derive(Debug, PartialEq)]
struct Raw {
    id: String,
    fields: Option<Vec<(Vec<u8>, Vec<u8>)>>,
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::BulkString(bytes) => String::from_utf8(bytes.clone()).ok(),
        Value::SimpleString(s) => Some(s.clone()),
        Value::VerbatimString { text, .. } => Some(text.clone()),
        Value::Int(n) => Some(n.to_string()),
        _ => None,
    }
}

fn bytes(value: Value) -> Vec<u8> {
    match value {
        Value::BulkString(bytes) => bytes,
        Value::SimpleString(s) => s.into_bytes(),
        Value::VerbatimString { text, .. } => text.into_bytes(),
        Value::Int(n) => n.to_string().into_bytes(),
        Value::Double(f) => f.to_string().into_bytes(),
        _ => Vec::new(),
    }
}

fn int(value: &Value) -> Option<u64> {
    match value {
        Value::Int(n) => u64::try_from(*n).ok(),
        other => text(other)?.parse().ok(),
    }
}

/// An array, or a map flattened into key, value, key, value...
fn items(value: Value) -> Vec<Value> {
    match value {
        Value::Array(items) | Value::Set(items) => items,
        Value::Map(pairs) => pairs.into_iter().flat_map(|(k, v)| [k, v]).collect(),
        _ => Vec::new(),
    }
}

/// XREADGROUP's reply for one stream: `[[stream, [[id, [f, v, ...]], ...]]]` (RESP2) or
/// `{stream: [[id, [f, v, ...]], ...]}` (RESP3); Nil when BLOCK timed out.
fn parse_read(reply: Value) -> Vec<Raw> {
    let streams = match reply {
        Value::Map(pairs) => pairs.into_iter().map(|(_, entries)| entries).collect(),
        Value::Array(streams) => streams
            .into_iter()
            .filter_map(|s| items(s).into_iter().nth(1))
            .collect(),
        _ => Vec::new(),
    };
    streams
        .into_iter()
        .flat_map(items)
        .filter_map(|entry| {
            let mut parts = items(entry).into_iter();
            let id = text(&parts.next()?)?;
            let fields = match parts.next() {
                None | Some(Value::Nil) => None,
                Some(list) => {
                    let mut flat = items(list).into_iter();
                    let mut fields = Vec::new();
                    while let (Some(k), Some(v)) = (flat.next(), flat.next()) {
                        fields.push((bytes(k), bytes(v)));
                    }
                    Some(fields)
                }
            };
            Some(Raw { id, fields })
        })
        .collect()
}

fn read(
    conn: &mut Connection,
    config: &RedisConfig,
    consumer: &str,
    from: &str,
    count: usize,
    block: Option<Duration>,
) -> std::result::Result<Vec<Raw>, RedisError> {
    let mut cmd = redis::cmd("XREADGROUP");
    cmd.arg("GROUP")
        .arg(&config.group)
        .arg(consumer)
        .arg("COUNT")
        .arg(count);
    if let Some(block) = block {
        cmd.arg("BLOCK").arg(block.as_millis() as u64);
    }
    cmd.arg("STREAMS").arg(&config.stream).arg(from);
    Ok(parse_read(cmd.query::<Value>(conn)?))
}

/// The delivery counts of this consumer's pending entries from `first` to `last`.
fn delivery_counts(
    conn: &mut Connection,
    config: &RedisConfig,
    consumer: &str,
    first: &str,
    last: &str,
    count: usize,
) -> std::result::Result<HashMap<String, u64>, RedisError> {
    let reply: Value = redis::cmd("XPENDING")
        .arg(&config.stream)
        .arg(&config.group)
        .arg(first)
        .arg(last)
        .arg(count)
        .arg(consumer)
        .query(conn)?;
    Ok(items(reply)
        .into_iter()
        .filter_map(|row| {
            let row = items(row);
            Some((text(row.first()?)?, int(row.get(3)?)?))
        })
        .collect())
}

fn ack(conn: &mut Connection, config: &RedisConfig, id: &str) -> std::result::Result<(), RedisError> {
    redis::cmd("XACK")
        .arg(&config.stream)
        .arg(&config.group)
        .arg(id)
        .query::<Value>(conn)
        .map(drop)
}

/// XADD to the dead-letter stream and XACK, in one MULTI/EXEC: both happen or neither.
fn dead_letter(
    conn: &mut Connection,
    config: &RedisConfig,
    consumer: &str,
    entry: &RedisEntry,
    error: &str,
) -> std::result::Result<(), RedisError> {
    let mut add = redis::cmd("XADD");
    add.arg(config.dead_letter()).arg("*");
    for (k, v) in &entry.fields {
        add.arg(k.as_slice()).arg(v.as_slice());
    }
    add.arg("procpool.id")
        .arg(&entry.id)
        .arg("procpool.stream")
        .arg(&config.stream)
        .arg("procpool.group")
        .arg(&config.group)
        .arg("procpool.consumer")
        .arg(consumer)
        .arg("procpool.deliveries")
        .arg(entry.deliveries)
        .arg("procpool.error")
        .arg(error);
    let mut xack = redis::cmd("XACK");
    xack.arg(&config.stream).arg(&config.group).arg(&entry.id);
    redis::pipe()
        .atomic()
        .add_command(add)
        .ignore()
        .add_command(xack)
        .ignore()
        .query::<()>(conn)
}

/// Worker 0's claim of what other consumers left pending for longer than `claim_idle`.
struct Claimer {
    interval: Duration,
    next: Instant,
    cursor: String,
}

impl Claimer {
    fn new(config: &RedisConfig) -> Claimer {
        Claimer {
            interval: (config.claim_idle / 4).clamp(Duration::from_millis(100), Duration::from_secs(5)),
            next: Instant::now(),
            cursor: "0-0".into(),
        }
    }

    /// XAUTOCLAIM ... JUSTID (the delivery count is not raised: the history read that follows
    /// does it). Returns how many entries this consumer took over.
    fn run(
        &mut self,
        conn: &mut Connection,
        config: &RedisConfig,
        consumer: &str,
    ) -> std::result::Result<usize, RedisError> {
        let reply: Value = redis::cmd("XAUTOCLAIM")
            .arg(&config.stream)
            .arg(&config.group)
            .arg(consumer)
            .arg(config.claim_idle.as_millis() as u64)
            .arg(&self.cursor)
            .arg("COUNT")
            .arg(config.batch)
            .arg("JUSTID")
            .query(conn)?;
        let mut parts = items(reply).into_iter();
        let cursor = parts.next().as_ref().and_then(text).unwrap_or_else(|| "0-0".into());
        let claimed = parts.next().map(items).unwrap_or_default().len();
        let deleted = parts.next().map(items).unwrap_or_default().len();
        if claimed > 0 || deleted > 0 {
            info!(
                "claimed {claimed} entries left pending over {:.1}s by other consumers of group '{}' ({deleted} deleted ones dropped)",
                config.claim_idle.as_secs_f64(),
                config.group
            );
        }
        // The whole pending list was scanned: wait before the next round. Otherwise go on at once
        // (after handling what was claimed).
        self.next = if cursor == "0-0" {
            Instant::now() + self.interval
        } else {
            Instant::now()
        };
        self.cursor = cursor;
        Ok(claimed)
    }
}

/// The worker loop: its own pending entries first (after a restart, a failure or a claim), then
/// new ones, one `Message` each, until SIGTERM, stop() or detach(). Redis being unreachable never
/// ends it: it waits and reconnects.
pub(crate) fn serve(delivery: &mut dyn Delivery, slot: WorkerSlot, config: &RedisConfig) -> Outcome {
    let consumer = config.consumer_name(slot.id);
    let mut link = Link {
        config,
        worker_id: slot.id,
        conn: None,
        outage: None,
    };
    let mut claimer = (slot.id == 0).then(|| Claimer::new(config));
    // Own pending entries are read first: those the previous process of this slot held.
    let mut history = true;
    let mut errors: HashMap<String, String> = HashMap::new();
    loop {
        if delivery.must_leave() || !link.ready(&|| delivery.must_leave()) {
            return Outcome::Normal;
        }
        // Claims wait until this worker's own pending entries are handled, so that worker 0 does
        // not hoard what it cannot handle soon (claimed entries would go idle in its list again).
        if let Some(claimer) = claimer.as_mut().filter(|c| !history && Instant::now() >= c.next) {
            match link.call("XAUTOCLAIM", |conn| claimer.run(conn, config, &consumer)) {
                Ok(0) => {}
                Ok(_) => history = true,
                Err(Failure::NoGroup) => {
                    link.recreate_group();
                    continue;
                }
                Err(Failure::Down) => continue,
            }
        }
        // Reading the pending history raises the delivery count of every entry it returns, so it
        // is read one entry at a time: only the entry about to be handled is counted again (a
        // batch read and then left unhandled by a dying worker is not worn out by its successors).
        let (from, count, block) = if history {
            ("0", 1, None)
        } else {
            (">", config.batch, Some(BLOCK))
        };
        let batch = match link.call("XREADGROUP", |conn| read(conn, config, &consumer, from, count, block)) {
            Ok(batch) => batch,
            Err(Failure::NoGroup) => {
                link.recreate_group();
                continue;
            }
            Err(Failure::Down) => continue,
        };
        if batch.is_empty() {
            history = false;
            continue;
        }
        let counts = if history {
            let (first, last) = (&batch[0].id, &batch[batch.len() - 1].id);
            match link.call("XPENDING", |conn| {
                delivery_counts(conn, config, &consumer, first, last, batch.len())
            }) {
                Ok(counts) => counts,
                Err(Failure::NoGroup) => {
                    link.recreate_group();
                    continue;
                }
                Err(Failure::Down) => continue,
            }
        } else {
            HashMap::new()
        };
        for raw in batch {
            // The rest of the batch stays pending for this consumer: the next process of this slot
            // (or a claim, after claim_idle) takes it.
            if delivery.must_leave() {
                return Outcome::Normal;
            }
            let Some(fields) = raw.fields else {
                // Deleted (XDEL, trimming) while pending: nothing to handle.
                acknowledge(&mut link, delivery, &raw.id);
                continue;
            };
            let entry = RedisEntry {
                deliveries: counts.get(&raw.id).copied().unwrap_or(1),
                id: raw.id,
                fields,
            };
            if entry.deliveries > u64::from(config.max_deliveries) {
                let error = errors.remove(&entry.id).unwrap_or_else(|| {
                    "the worker handling it exited or was killed before acknowledging it".to_owned()
                });
                bury(&mut link, delivery, &consumer, &entry, &error);
                continue;
            }
            let (outcome, error, entry) = handle(delivery, entry);
            match (outcome, error) {
                (Outcome::Normal, _) => {
                    errors.remove(&entry.id);
                    acknowledge(&mut link, delivery, &entry.id);
                }
                (Outcome::Failed, error) => {
                    let error = error.unwrap_or_else(|| "the Message callback failed".to_owned());
                    if entry.deliveries >= u64::from(config.max_deliveries) {
                        errors.remove(&entry.id);
                        bury(&mut link, delivery, &consumer, &entry, &error);
                    } else {
                        if errors.len() >= MAX_REMEMBERED_ERRORS {
                            errors.clear();
                        }
                        errors.insert(entry.id.clone(), error);
                        history = true;
                    }
                }
                (Outcome::Fatal { exit_code }, error) => {
                    if entry.deliveries >= u64::from(config.max_deliveries) {
                        let error = error
                            .unwrap_or_else(|| format!("a fatal error ended the worker (exit status {exit_code})"));
                        bury(&mut link, delivery, &consumer, &entry, &error);
                    }
                    return Outcome::Fatal { exit_code };
                }
            }
        }
    }
}

/// Runs `Message` for the entry's `data` field (empty when it has none) with the entry in hand for
/// `Context::redis_entry`; returns how it ended and the failure text the adapter gave.
fn handle(delivery: &mut dyn Delivery, entry: RedisEntry) -> (Outcome, Option<String>, RedisEntry) {
    let data = entry.field(DATA_FIELD.as_bytes()).unwrap_or_default().to_vec();
    *FAILURE.lock() = None;
    *IN_HAND.lock() = Some(entry);
    let outcome = delivery.message(&data);
    let entry = IN_HAND.lock().take().expect("the entry stays in hand during Message");
    (outcome, FAILURE.lock().take(), entry)
}

/// XACK, retried (reconnecting) until it succeeds; a stopping worker gives up after ACK_GRACE
/// (the entry stays pending and is delivered again: at least once).
fn acknowledge(link: &mut Link, delivery: &dyn Delivery, id: &str) {
    let config = link.config;
    let started = Instant::now();
    let give_up = || delivery.must_leave() && started.elapsed() >= ACK_GRACE;
    while link.ready(&give_up) {
        match link.call("XACK", |conn| ack(conn, config, id)) {
            Ok(()) => return,
            // Acknowledging in a new group is pointless: the entry is pending in none.
            Err(Failure::NoGroup) => return,
            Err(Failure::Down) => {}
        }
    }
    warning!(
        "worker#{}: could not acknowledge entry {id} before stopping; it will be delivered again",
        link.worker_id
    );
}

/// Moves an entry to the dead-letter stream (and acks it), retried like `acknowledge`.
fn bury(link: &mut Link, delivery: &dyn Delivery, consumer: &str, entry: &RedisEntry, error: &str) {
    let config = link.config;
    let started = Instant::now();
    let give_up = || delivery.must_leave() && started.elapsed() >= ACK_GRACE;
    while link.ready(&give_up) {
        match link.call("MULTI XADD/XACK", |conn| {
            dead_letter(conn, config, consumer, entry, error)
        }) {
            Ok(()) => {
                warning!(
                    "worker#{}: entry {} of stream '{}' failed {} times; moved to '{}': {error}",
                    link.worker_id,
                    entry.id,
                    config.stream,
                    entry.deliveries,
                    config.dead_letter()
                );
                return;
            }
            Err(Failure::NoGroup) => return,
            Err(Failure::Down) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(redact("redis://u:secret@h:1/0"), "redis://u:***@h:1/0");
        assert_eq!(redact("redis://:secret@h:1"), "redis://:***@h:1");
        assert_eq!(redact("redis://secret@h"), "redis://***@h");
        assert_eq!(redact("redis://h:6379/2"), "redis://h:6379/2");
        assert_eq!(redact("unix:/tmp/r.sock?db=1&pass=x"), "unix:/tmp/r.sock?db=1&pass=***");
    }

    #[test]
    fn parses_xreadgroup_replies() {
        assert!(parse_read(Value::Nil).is_empty());
        let reply = Value::Array(vec![Value::Array(vec![
            bulk("s"),
            Value::Array(vec![
                Value::Array(vec![
                    bulk("1-0"),
                    Value::Array(vec![bulk("data"), bulk("a"), bulk("k"), bulk("v")]),
                ]),
                Value::Array(vec![bulk("2-0"), Value::Nil]),
            ]),
        ])]);
        let entries = parse_read(reply);
        assert_eq!(
            entries,
            vec![
                Raw {
                    id: "1-0".into(),
                    fields: Some(vec![(b"data".to_vec(), b"a".to_vec()), (b"k".to_vec(), b"v".to_vec())]),
                },
                Raw {
                    id: "2-0".into(),
                    fields: None
                },
            ]
        );
        let resp3 = Value::Map(vec![(
            bulk("s"),
            Value::Array(vec![Value::Array(vec![
                bulk("3-0"),
                Value::Map(vec![(bulk("data"), bulk("b"))]),
            ])]),
        )]);
        assert_eq!(
            parse_read(resp3)[0].fields,
            Some(vec![(b"data".to_vec(), b"b".to_vec())])
        );
    }

    #[test]
    fn validates_settings() {
        let mut c = RedisConfig::default();
        c.validate().unwrap();
        assert!(c.validate_complete().is_err(), "no stream");
        c.stream = "jobs".into();
        c.validate().unwrap();
        assert_eq!(c.dead_letter(), "jobs:dead");
        c.max_deliveries = 0;
        assert!(c.validate().is_err());
        c.max_deliveries = 1;
        c.batch = 0;
        assert!(c.validate().is_err());
        c.batch = 1;
        c.dead_letter_stream = Some("jobs".into());
        assert!(c.validate().is_err());
        c.dead_letter_stream = None;
        c.url = "http://nope".into();
        assert!(c.validate().is_err());
        c.url = "unix:/tmp/redis.sock".into();
        c.validate().unwrap();
        c.consumer = Some("host-a".into());
        assert_eq!(c.consumer_name(3), "host-a-3");
    }
}
