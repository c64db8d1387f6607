//! What a pool is asked to be: worker count, IPC mode and the settings of `Pool::set`.

use std::time::Duration;

use crate::error::Error;
use crate::event::Event;
pub use crate::ipc_mode::IpcMode;
pub use crate::limits::MAX_DURATION;
pub use crate::redis_config::RedisConfig;

impl IpcMode {
    /// The mode of Swoole's `SWOOLE_IPC_*` number.
    pub fn from_raw(raw: i64) -> Result<IpcMode, Error> {
        match raw {
            0 => Ok(IpcMode::None),
            1 => Ok(IpcMode::UnixSock),
            2 => Ok(IpcMode::MsgQueue),
            3 => Ok(IpcMode::Socket),
            100 => Ok(IpcMode::Redis),
            other => Err(Error::InvalidArgument(format!(
                "unknown IPC type {other} (expected SWOOLE_IPC_NONE=0, SWOOLE_IPC_UNIXSOCK=1, SWOOLE_IPC_MSGQUEUE=2, SWOOLE_IPC_SOCKET=3 or PROCPOOL_IPC_REDIS=100)"
            ))),
        }
    }

    /// Checks that the embedder registered the callbacks this mode needs (`has` says whether a
    /// callback is registered): IPC_NONE runs WorkerStart, SOCKET hands requests to Message, and
    /// MSGQUEUE/UNIXSOCK take Message or a WorkerStart that reads the queue/socket itself.
    pub fn check_callbacks(self, has: impl Fn(Event) -> bool) -> Result<(), Error> {
        let missing = match self {
            IpcMode::None => (!has(Event::WorkerStart)).then_some(Event::WorkerStart),
            IpcMode::Socket | IpcMode::Redis => (!has(Event::Message)).then_some(Event::Message),
            IpcMode::MsgQueue | IpcMode::UnixSock => {
                (!has(Event::Message) && !has(Event::WorkerStart)).then_some(Event::Message)
            }
        };
        match missing {
            Some(event) => Err(Error::MissingCallback { mode: self, event }),
            None => Ok(()),
        }
    }
}

/// How much the manager tells on stderr. Warnings are what Swoole prints too; `Info` adds one line
/// per lifecycle step (fork, exit, respawn, reload), which the demo uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    /// Nothing.
    Off = 0,
    /// Abnormal exits, crash loops, failures (the default).
    Warning = 1,
    /// Also one line per lifecycle step.
    Info = 2,
}

impl LogLevel {
    /// `off`/`warning`/`info` (or 0/1/2), case-insensitive.
    pub fn parse(text: &str) -> Option<LogLevel> {
        match text.to_ascii_lowercase().as_str() {
            "off" | "none" | "0" => Some(LogLevel::Off),
            "warning" | "warn" | "1" => Some(LogLevel::Warning),
            "info" | "2" => Some(LogLevel::Info),
            _ => None,
        }
    }
}

/// Default of `max_package_size` (2 MiB).
pub const DEFAULT_MAX_PACKAGE_SIZE: usize = 2 * 1024 * 1024;
/// Default of `max_wait_time`.
pub const DEFAULT_MAX_WAIT_TIME: Duration = Duration::from_secs(3);
/// Default of `read_timeout`.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Default of `header_timeout`.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(5);
/// Default of `max_connections`.
pub const DEFAULT_MAX_CONNECTIONS: usize = 256;
/// The largest `max_connections` accepted (each connection is an fd of the worker).
pub const MAX_CONNECTIONS_LIMIT: usize = 65_536;
/// Owner-only: whoever can write to the queue chooses what the workers run on.
pub const DEFAULT_MSGQUEUE_PERMISSIONS: u32 = 0o600;

/// Crash-loop protection (beyond Swoole): a worker that dies abnormally (a signal the pool did not
/// send, or a non-zero exit) within `window` of starting, `threshold` times in a row, is respawned
/// after a delay that doubles from `first_delay` up to `max_delay`, instead of at once. A worker
/// that lives past `window`, or ends with status 0, resets its count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CrashLoopPolicy {
    /// Quick abnormal exits in a row before the delay starts; 0 turns the protection off.
    pub threshold: u32,
    /// An exit this soon after the start is "quick".
    pub window: Duration,
    /// The first respawn delay once the threshold is reached.
    pub first_delay: Duration,
    /// The cap of the doubling delay.
    pub max_delay: Duration,
}

impl Default for CrashLoopPolicy {
    fn default() -> CrashLoopPolicy {
        CrashLoopPolicy {
            threshold: 3,
            window: Duration::from_secs(1),
            first_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
        }
    }
}

impl CrashLoopPolicy {
    /// The delay before respawning a worker after its `failures`-th quick abnormal exit in a row;
    /// zero below the threshold.
    pub fn delay(&self, failures: u32) -> Duration {
        if self.threshold == 0 || failures < self.threshold {
            return Duration::ZERO;
        }
        let doublings = (failures - self.threshold).min(30);
        self.first_delay.saturating_mul(1 << doublings).min(self.max_delay)
    }
}

/// Restart policies (beyond Swoole's Process\Pool; Swoole Server's and php-fpm's names). Zero turns
/// each one off, and all are off by default, so a drop-in script behaves as it does with Swoole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RestartPolicy {
    /// After this many messages a worker finishes, runs WorkerStop, exits 0 and is replaced at once
    /// (never counted as a crash). Message modes only.
    pub max_request: u64,
    /// A random 0..=grace added to `max_request` per worker process, so workers do not all restart
    /// at once.
    pub max_request_grace: u64,
    /// A worker whose resident memory (sampled about once a second) is above this many bytes is
    /// asked to stop after the message in hand (SIGTERM, then SIGKILL after `max_wait_time`).
    pub max_memory: u64,
    /// A worker whose message in hand has run longer than this is SIGKILLed and replaced. Message
    /// modes only.
    pub request_timeout: Duration,
    /// A message in hand running longer than this is logged once, with the worker and its age.
    /// Message modes only.
    pub slow_request: Duration,
}

impl RestartPolicy {
    /// Whether the manager has anything to watch.
    pub fn watches(&self) -> bool {
        self.max_memory > 0 || !self.request_timeout.is_zero() || !self.slow_request.is_zero()
    }
}

/// Converts a setting given in seconds (a float, as PHP and C pass it) into a duration, refusing
/// NaN, infinities, negative values and values above `MAX_DURATION`. `allow_zero`: whether 0 is
/// meaningful for this setting.
pub fn duration_setting(name: &str, seconds: f64, allow_zero: bool) -> Result<Duration, Error> {
    let max = MAX_DURATION.as_secs();
    let in_range = seconds.is_finite() && seconds >= 0.0 && seconds <= max as f64 && (allow_zero || seconds > 0.0);
    match Duration::try_from_secs_f64(seconds) {
        Ok(duration) if in_range => Ok(duration),
        _ => Err(Error::InvalidArgument(format!(
            "{name} must be a number of seconds {} {max}, {} given",
            if allow_zero {
                "from 0 to"
            } else {
                "greater than 0 and at most"
            },
            shown(seconds)
        ))),
    }
}

/// A number as PHP prints it (NAN, INF, -INF; Rust would say NaN and inf).
fn shown(value: f64) -> String {
    match value {
        v if v.is_nan() => "NAN".into(),
        v if v.is_infinite() => if v > 0.0 { "INF" } else { "-INF" }.into(),
        v => v.to_string(),
    }
}

/// Everything `start()` needs to know; `validate()` says whether it is consistent.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    /// How many workers run at once.
    pub worker_num: usize,
    /// How workers are fed work.
    pub ipc_mode: IpcMode,
    /// MSGQUEUE: the System V key (0: a private queue removed with the pool); a 32-bit value.
    pub msgqueue_key: i64,
    /// Grace time at shutdown and reload before SIGKILL; zero means never force.
    pub max_wait_time: Duration,
    /// The largest message a worker receives (SOCKET frames, UNIXSOCK datagrams without the bus).
    pub max_package_size: usize,
    /// UNIXSOCK: messages of any size, split into chunks and reassembled.
    pub enable_message_bus: bool,
    /// SOCKET: how long a worker waits for a client's whole request (and for it to take the reply)
    /// before closing the connection. Beyond Swoole, which waits forever.
    pub read_timeout: Duration,
    /// SOCKET: how long a new connection may take to send the 4-byte header of its request before it
    /// is closed, so that idle connections cannot hold a worker. Beyond Swoole.
    pub header_timeout: Duration,
    /// SOCKET: how many connections one worker holds at once (reading a request, or writing a
    /// reply); a full worker stops accepting, and the kernel backlog and the other workers take the
    /// load. Beyond Swoole.
    pub max_connections: usize,
    /// MSGQUEUE: permission bits of a queue the pool creates (an existing queue keeps its own).
    pub msgqueue_permissions: u32,
    /// MSGQUEUE: use an existing queue that a user other than the pool's may write to. Without it,
    /// a pool running as root refuses such a queue (whoever writes to it chooses the input the
    /// workers run on) and any other pool warns once.
    pub msgqueue_allow_foreign: bool,
    /// Crash-loop protection.
    pub crash_loop: CrashLoopPolicy,
    /// Restart policies (all off by default).
    pub restart: RestartPolicy,
    /// Where the manager serves `/metrics` and `/status` (`host:port` or `unix:/path`); None: off.
    pub metrics_listen: Option<String>,
    /// How much the pool logs on stderr.
    pub log_level: LogLevel,
    /// PROCPOOL_IPC_REDIS: the server, stream, group and delivery settings.
    pub redis: RedisConfig,
}

impl PoolConfig {
    /// The defaults for `worker_num` workers in `ipc_mode`.
    pub fn new(worker_num: usize, ipc_mode: IpcMode) -> PoolConfig {
        PoolConfig {
            worker_num,
            ipc_mode,
            msgqueue_key: 0,
            max_wait_time: DEFAULT_MAX_WAIT_TIME,
            max_package_size: DEFAULT_MAX_PACKAGE_SIZE,
            enable_message_bus: false,
            read_timeout: DEFAULT_READ_TIMEOUT,
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            msgqueue_permissions: DEFAULT_MSGQUEUE_PERMISSIONS,
            msgqueue_allow_foreign: false,
            crash_loop: CrashLoopPolicy::default(),
            restart: RestartPolicy::default(),
            metrics_listen: None,
            log_level: LogLevel::Warning,
            redis: RedisConfig::default(),
        }
    }

    /// Checks every setting; `start()` calls it, adapters may call it after each change.
    pub fn validate(&self) -> Result<(), Error> {
        if self.worker_num == 0 {
            return Err(Error::InvalidArgument("worker_num must be greater than 0".into()));
        }
        if self.worker_num > MAX_WORKERS {
            return Err(Error::InvalidArgument(format!(
                "worker_num {} is larger than the limit of {MAX_WORKERS}",
                self.worker_num
            )));
        }
        if self.read_timeout.is_zero() || self.read_timeout > MAX_DURATION {
            return Err(Error::InvalidArgument(format!(
                "read_timeout must be greater than 0 and at most {}s",
                MAX_DURATION.as_secs()
            )));
        }
        if self.header_timeout.is_zero() || self.header_timeout > MAX_DURATION {
            return Err(Error::InvalidArgument(format!(
                "header_timeout must be greater than 0 and at most {}s",
                MAX_DURATION.as_secs()
            )));
        }
        if self.max_connections == 0 || self.max_connections > MAX_CONNECTIONS_LIMIT {
            return Err(Error::InvalidArgument(format!(
                "max_connections must be from 1 to {MAX_CONNECTIONS_LIMIT}, {} given",
                self.max_connections
            )));
        }
        if self.max_wait_time > MAX_DURATION {
            return Err(Error::InvalidArgument(format!(
                "max_wait_time must be at most {}s",
                MAX_DURATION.as_secs()
            )));
        }
        if self.max_package_size == 0 {
            return Err(Error::InvalidArgument("max_package_size must be greater than 0".into()));
        }
        if !(i64::from(i32::MIN)..=i64::from(u32::MAX)).contains(&self.msgqueue_key) {
            return Err(Error::InvalidArgument(format!(
                "msgqueue_key {:#x} does not fit in a 32-bit System V key",
                self.msgqueue_key
            )));
        }
        if self.restart.request_timeout > MAX_DURATION || self.restart.slow_request > MAX_DURATION {
            return Err(Error::InvalidArgument(format!(
                "request_timeout and slow_request must be at most {}s",
                MAX_DURATION.as_secs()
            )));
        }
        if let Some(addr) = &self.metrics_listen {
            if addr.trim().is_empty() {
                return Err(Error::InvalidArgument("metrics_listen must not be empty".into()));
            }
        }
        let crash = &self.crash_loop;
        if crash.window > MAX_DURATION || crash.first_delay > MAX_DURATION || crash.max_delay > MAX_DURATION {
            return Err(Error::InvalidArgument(format!(
                "crash-loop durations must be at most {}s",
                MAX_DURATION.as_secs()
            )));
        }
        if self.ipc_mode == IpcMode::Redis {
            self.redis.validate()?;
        }
        Ok(())
    }
}

/// A sanity bound, far above any real pool, so a typo cannot fork the machine to death.
pub const MAX_WORKERS: usize = 65_536;
