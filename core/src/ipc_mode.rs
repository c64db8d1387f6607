//! How workers are fed work. A leaf: everything else may import it.

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
    /// A Redis stream read through a consumer group, with at-least-once delivery (beyond Swoole;
    /// a number far from Swoole's).
    Redis = 100,
}

impl IpcMode {
    /// Modes other than `None` hand work to a `Message` callback.
    pub fn has_messages(self) -> bool {
        self != IpcMode::None
    }

    /// Swoole's constant name of the mode.
    pub fn name(self) -> &'static str {
        match self {
            IpcMode::None => "SWOOLE_IPC_NONE",
            IpcMode::UnixSock => "SWOOLE_IPC_UNIXSOCK",
            IpcMode::MsgQueue => "SWOOLE_IPC_MSGQUEUE",
            IpcMode::Socket => "SWOOLE_IPC_SOCKET",
            IpcMode::Redis => "PROCPOOL_IPC_REDIS",
        }
    }
}
