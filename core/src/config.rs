//! What a pool is asked to be: worker count, IPC mode and the settings of `Pool::set`.

use std::time::Duration;

use crate::error::Error;

/// How workers are fed work. The numbers are Swoole's `SWOOLE_IPC_*` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum IpcMode {
    /// Workers get no messages: each runs `WorkerStart` and is replaced when it returns.
    None = 0,
    /// A datagram socketpair per worker (`sendMessage`).
    UnixSock = 1,
    /// A System V message queue.
    MsgQueue = 2,
    /// A listening TCP or unix socket with length-prefixed requests.
    Socket = 3,
}

impl IpcMode {
    pub fn from_raw(raw: i64) -> Result<IpcMode, Error> {
        match raw {
            0 => Ok(IpcMode::None),
            1 => Ok(IpcMode::UnixSock),
            2 => Ok(IpcMode::MsgQueue),
            3 => Ok(IpcMode::Socket),
            other => Err(Error::InvalidArgument(format!(
                "unknown IPC type {other} (expected SWOOLE_IPC_NONE=0, SWOOLE_IPC_UNIXSOCK=1, SWOOLE_IPC_MSGQUEUE=2 or SWOOLE_IPC_SOCKET=3)"
            ))),
        }
    }

    /// Modes other than `None` hand work to a `Message` callback.
    pub fn has_messages(self) -> bool {
        self != IpcMode::None
    }

    pub fn name(self) -> &'static str {
        match self {
            IpcMode::None => "SWOOLE_IPC_NONE",
            IpcMode::UnixSock => "SWOOLE_IPC_UNIXSOCK",
            IpcMode::MsgQueue => "SWOOLE_IPC_MSGQUEUE",
            IpcMode::Socket => "SWOOLE_IPC_SOCKET",
        }
    }
}

/// How much the manager tells on stderr. Warnings are what Swoole prints too; `Info` adds one line
/// per lifecycle step (fork, exit, respawn, reload), which the demo uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    Off = 0,
    Warning = 1,
    Info = 2,
}

impl LogLevel {
    pub fn parse(text: &str) -> Option<LogLevel> {
        match text.to_ascii_lowercase().as_str() {
            "off" | "none" | "0" => Some(LogLevel::Off),
            "warning" | "warn" | "1" => Some(LogLevel::Warning),
            "info" | "2" => Some(LogLevel::Info),
            _ => None,
        }
    }
}

pub const DEFAULT_MAX_PACKAGE_SIZE: usize = 2 * 1024 * 1024;
pub const DEFAULT_MAX_WAIT_TIME: Duration = Duration::from_secs(3);
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Owner-only: whoever can write to the queue chooses what the workers run on.
pub const DEFAULT_MSGQUEUE_PERMISSIONS: u32 = 0o600;

/// Crash-loop protection (beyond Swoole): a worker that dies abnormally (a signal the pool did not
/// send, or a non-zero exit) within `window` of starting, `threshold` times in a row, is respawned
/// after a delay that doubles from `first_delay` up to `max_delay`, instead of at once. A worker
/// that lives past `window`, or ends with status 0, resets its count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CrashLoopPolicy {
    /// 0 turns the protection off.
    pub threshold: u32,
    pub window: Duration,
    pub first_delay: Duration,
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

#[derive(Debug, Clone)]
pub struct PoolConfig {
    pub worker_num: usize,
    pub ipc_mode: IpcMode,
    pub msgqueue_key: i64,
    /// Grace time at shutdown and reload before SIGKILL; zero means never force.
    pub max_wait_time: Duration,
    pub max_package_size: usize,
    pub enable_message_bus: bool,
    /// SOCKET: how long a worker waits for a client's whole request (and for it to take the reply)
    /// before closing the connection. Beyond Swoole, which waits forever.
    pub read_timeout: Duration,
    /// MSGQUEUE: permission bits of a queue the pool creates (an existing queue keeps its own).
    pub msgqueue_permissions: u32,
    pub crash_loop: CrashLoopPolicy,
    pub log_level: LogLevel,
}

impl PoolConfig {
    pub fn new(worker_num: usize, ipc_mode: IpcMode) -> PoolConfig {
        PoolConfig {
            worker_num,
            ipc_mode,
            msgqueue_key: 0,
            max_wait_time: DEFAULT_MAX_WAIT_TIME,
            max_package_size: DEFAULT_MAX_PACKAGE_SIZE,
            enable_message_bus: false,
            read_timeout: DEFAULT_READ_TIMEOUT,
            msgqueue_permissions: DEFAULT_MSGQUEUE_PERMISSIONS,
            crash_loop: CrashLoopPolicy::default(),
            log_level: LogLevel::Warning,
        }
    }

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
        if self.read_timeout.is_zero() {
            return Err(Error::InvalidArgument("read_timeout must be greater than 0".into()));
        }
        Ok(())
    }
}

/// A sanity bound, far above any real pool, so a typo cannot fork the machine to death.
pub const MAX_WORKERS: usize = 65_536;
