//! The pool's errors. Adapters map them to PHP exceptions/warnings and to C result codes; each case a
//! caller must tell apart has a variant of its own, so no adapter has to read an error's text.

use crate::event::Event;
use crate::ipc_mode::IpcMode;

/// Everything that can go wrong in the pool.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A value given by the caller is out of range or malformed.
    #[error("{0}")]
    InvalidArgument(String),
    /// A worker id outside `0..worker_num`.
    #[error("invalid worker id {id}: the pool has workers 0..{}", .worker_num.saturating_sub(1))]
    InvalidWorkerId {
        /// The id the caller gave.
        id: i64,
        /// The pool's worker count.
        worker_num: usize,
    },
    /// `start()` while another pool runs in this process.
    #[error("a pool is already running in this process")]
    AlreadyRunning,
    /// `start()` (or a setting) on a pool that has already been started.
    #[error("the pool has already been started")]
    AlreadyStarted,
    /// A SOCKET pool was started without a successful `listen()`.
    #[error("a socket pool must listen() before start()")]
    NotListening,
    /// `start()` without a callback the IPC mode requires.
    #[error("{} pool requires a {} callback", .mode.name(), .event.name())]
    MissingCallback {
        /// The pool's mode.
        mode: IpcMode,
        /// The callback it lacks (for MSGQUEUE/UNIXSOCK: Message, or WorkerStart instead).
        event: Event,
    },
    /// `start()` in a process with more than one thread: a forked child could deadlock on a lock
    /// another thread held at the fork, and the pool's signal mask would cover one thread only.
    #[error("the pool must be started from a single-threaded process ({threads} threads are running)")]
    MultiThreaded {
        /// How many threads `/proc/self/task` listed.
        threads: usize,
    },
    /// A send could not complete without waiting, and this caller never waits (the manager, or a
    /// stopping worker): nothing was sent.
    #[error("{0}")]
    WouldBlock(String),
    /// The pool's System V message queue was removed while the pool used it.
    #[error("the message queue was removed")]
    QueueGone,
    /// The call is not possible in this process or at this moment.
    #[error("{0}")]
    WrongState(String),
    /// A system call failed.
    #[error("{what}: {source}")]
    System {
        /// What was being attempted.
        what: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// Wraps the current `errno` with a description of what was being attempted.
    pub fn last_os(what: impl Into<String>) -> Error {
        Error::System {
            what: what.into(),
            source: std::io::Error::last_os_error(),
        }
    }

    /// Wraps a nix errno with a description of what was being attempted.
    pub fn from_errno(what: impl Into<String>, errno: nix::errno::Errno) -> Error {
        Error::System {
            what: what.into(),
            source: std::io::Error::from_raw_os_error(errno as i32),
        }
    }
}

/// `Result` with the pool's error.
pub type Result<T> = std::result::Result<T, Error>;
