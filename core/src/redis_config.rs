//! The settings of a PROCPOOL_IPC_REDIS pool and their checks. Kept apart from the transport
//! (core/src/ipc/redis.rs) so that `config` can hold them without depending on the transport.

use std::time::Duration;

use redis::{Client, RedisError};

use crate::error::{Error, Result};
use crate::limits::MAX_DURATION;

/// Default of `redis_url`.
pub const DEFAULT_URL: &str = "redis://127.0.0.1:6379";
/// Default of `redis_group`.
pub const DEFAULT_GROUP: &str = "procpool";
/// Default of `max_deliveries`.
pub const DEFAULT_MAX_DELIVERIES: u32 = 5;
/// Default of `claim_idle`.
pub const DEFAULT_CLAIM_IDLE: Duration = Duration::from_secs(60);
/// Default of `redis_batch`.
pub const DEFAULT_BATCH: usize = 10;
/// The largest `redis_batch` accepted.
pub const MAX_BATCH: usize = 10_000;
/// The field whose value `Message` receives.
pub const DATA_FIELD: &str = "data";

/// The settings of a PROCPOOL_IPC_REDIS pool (PHP `set()` keys in parentheses).
#[derive(Debug, Clone, PartialEq)]
pub struct RedisConfig {
    /// `redis://[user:pass@]host:port/db`, `rediss://` is not built in, or a unix socket:
    /// `unix:/path/to/redis.sock` (`?db=N&pass=...`) (`redis_url`).
    pub url: String,
    /// The stream the workers read (`redis_stream`); required.
    pub stream: String,
    /// The consumer group, created (with MKSTREAM, reading from the start of the stream) when
    /// missing (`redis_group`).
    pub group: String,
    /// The consumer name prefix; worker N is consumer `<prefix>-N`. None: the host name
    /// (`redis_consumer`).
    pub consumer: Option<String>,
    /// An entry delivered this many times without being acknowledged is dead-lettered
    /// (`max_deliveries`).
    pub max_deliveries: u32,
    /// Where dead entries go; None: `<stream>:dead` (`dead_letter_stream`).
    pub dead_letter_stream: Option<String>,
    /// Entries pending (unacknowledged) longer than this in any consumer of the group are claimed by
    /// worker 0 of a live pool (`claim_idle`). Must be longer than the longest `Message`.
    pub claim_idle: Duration,
    /// Entries read per XREADGROUP (`redis_batch`).
    pub batch: usize,
}

impl Default for RedisConfig {
    fn default() -> RedisConfig {
        RedisConfig {
            url: DEFAULT_URL.to_string(),
            stream: String::new(),
            group: DEFAULT_GROUP.to_string(),
            consumer: None,
            max_deliveries: DEFAULT_MAX_DELIVERIES,
            dead_letter_stream: None,
            claim_idle: DEFAULT_CLAIM_IDLE,
            batch: DEFAULT_BATCH,
        }
    }
}

impl RedisConfig {
    /// The largest `batch` accepted.
    pub const MAX_BATCH: usize = MAX_BATCH;

    /// Checks the settings (not the server: start() connects for that). An empty `stream` passes
    /// here, as settings are given one at a time; start() and push() refuse it.
    pub fn validate(&self) -> Result<()> {
        let invalid = |text: String| Err(Error::InvalidArgument(text));
        if self.group.is_empty() {
            return invalid("redis_group must not be empty".into());
        }
        if self.consumer.as_deref().is_some_and(str::is_empty) {
            return invalid("redis_consumer must not be empty".into());
        }
        if self.max_deliveries == 0 {
            return invalid("max_deliveries must be at least 1".into());
        }
        if self.dead_letter() == self.stream {
            return invalid(format!(
                "dead_letter_stream must differ from redis_stream ('{}')",
                self.stream
            ));
        }
        if self.claim_idle.is_zero() || self.claim_idle > MAX_DURATION {
            return invalid(format!(
                "claim_idle must be greater than 0 and at most {}s",
                MAX_DURATION.as_secs()
            ));
        }
        if self.batch == 0 || self.batch > MAX_BATCH {
            return invalid(format!(
                "redis_batch must be from 1 to {MAX_BATCH}, {} given",
                self.batch
            ));
        }
        self.client().map(drop)
    }

    /// `validate`, and a stream is set.
    pub(crate) fn validate_complete(&self) -> Result<()> {
        if self.stream.is_empty() {
            return Err(Error::InvalidArgument(
                "a PROCPOOL_IPC_REDIS pool needs redis_stream (the stream its workers read)".into(),
            ));
        }
        self.validate()
    }

    /// The consumer name prefix: the configured one, or the host name.
    pub fn consumer_prefix(&self) -> String {
        self.consumer.clone().unwrap_or_else(host_name)
    }

    /// The consumer name of worker `worker_id`.
    pub fn consumer_name(&self, worker_id: usize) -> String {
        format!("{}-{worker_id}", self.consumer_prefix())
    }

    /// The dead-letter stream's key.
    pub fn dead_letter(&self) -> String {
        self.dead_letter_stream
            .clone()
            .unwrap_or_else(|| format!("{}:dead", self.stream))
    }

    /// The URL with its password hidden, for messages.
    pub fn shown_url(&self) -> String {
        redact(&self.url)
    }

    fn client(&self) -> Result<Client> {
        Client::open(self.url.as_str()).map_err(|e| {
            Error::InvalidArgument(format!(
                "redis_url '{}' is not a valid Redis URL (redis://[user:pass@]host:port/db or unix:/path/to/redis.sock): {}",
                self.shown_url(),
                describe(&e)
            ))
        })
    }
}

/// The host name (the default consumer prefix).
pub(crate) fn host_name() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most buf.len() bytes into our buffer.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    let len = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    match (rc, std::str::from_utf8(&buf[..len])) {
        (0, Ok(name)) if !name.is_empty() => name.to_owned(),
        _ => "procpool".to_owned(),
    }
}

/// `redis://user:secret@host` → `redis://user:***@host`; also hides a `pass=` query parameter.
pub(crate) fn redact(url: &str) -> String {
    let mut shown = url.to_owned();
    if let Some(scheme_end) = shown.find("://") {
        let rest = scheme_end + 3;
        let authority_end = shown[rest..].find('/').map_or(shown.len(), |i| rest + i);
        if let Some(at) = shown[rest..authority_end].rfind('@') {
            let userinfo = &shown[rest..rest + at];
            let hidden = match userinfo.find(':') {
                Some(colon) => format!("{}:***", &userinfo[..colon]),
                None => "***".to_owned(),
            };
            shown.replace_range(rest..rest + at, &hidden);
        }
    }
    if let Some(q) = shown.find('?') {
        let query: Vec<String> = shown[q + 1..]
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some(("pass" | "password", _)) => format!("{}=***", pair.split('=').next().unwrap_or("")),
                _ => pair.to_owned(),
            })
            .collect();
        shown = format!("{}?{}", &shown[..q], query.join("&"));
    }
    shown
}

/// A Redis error in a few words (its code and detail when the server sent one).
pub(crate) fn describe(e: &RedisError) -> String {
    if e.kind() == redis::ErrorKind::AuthenticationFailed {
        return "authentication failed: the server refused the user name or password of the URL".into();
    }
    match (e.code(), e.detail()) {
        (Some(code), Some(detail)) if !detail.starts_with(code) => format!("{code} {detail}"),
        (_, Some(detail)) => detail.to_owned(),
        _ => {
            // redis-rs writes "<description>- <kind>": the kind adds nothing for a reader.
            let text = e.to_string();
            let kind = format!("- {:?}", e.kind());
            text.strip_suffix(&kind).unwrap_or(&text).to_owned()
        }
    }
}
