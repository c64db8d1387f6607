//! The pool's errors. Adapters map them to PHP exceptions/warnings and to C result codes.

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    InvalidArgument(String),
    #[error("a pool is already running in this process")]
    AlreadyRunning,
    #[error("the pool has already been started")]
    AlreadyStarted,
    #[error("a SWOOLE_IPC_SOCKET pool must listen() before start()")]
    NotListening,
    #[error("{0}")]
    WrongState(String),
    #[error("{what}: {source}")]
    System {
        what: String,
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

    pub fn from_errno(what: impl Into<String>, errno: nix::errno::Errno) -> Error {
        Error::System {
            what: what.into(),
            source: std::io::Error::from_raw_os_error(errno as i32),
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;
