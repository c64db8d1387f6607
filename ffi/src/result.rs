//! The result codes of every fallible C function, and the mapping from the core's errors.

use procpool::{Error, Event, IpcMode};

/// What a procpool function returned. The numbers are part of the ABI: they never change,
/// and new codes are only ever added at the end.
///
/// On any code other than `PROCPOOL_OK`, `procpool_last_error_message()` describes what went wrong,
/// and no `*_out` parameter was written.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum procpool_result {
    /// Success.
    PROCPOOL_OK = 0,
    /// A required pointer argument was NULL.
    PROCPOOL_ERR_NULL = 1,
    /// An argument was out of range (worker_num 0, unknown IPC mode, negative size, bad worker id...).
    PROCPOOL_ERR_INVALID_ARGUMENT = 2,
    /// The call is not allowed now: the pool was already started or is running, a required callback
    /// is missing, a SOCKET pool did not listen, a context function was called outside a running pool /
    /// outside a worker, `procpool_write` was called outside a SOCKET request, or `procpool_push` /
    /// `procpool_pop` outside a worker of a MSGQUEUE pool.
    PROCPOOL_ERR_STATE = 3,
    /// Another pool is already running in this process (only one may run at a time).
    PROCPOOL_ERR_ALREADY_RUNNING = 4,
    /// The requested feature is not available in this build (reserved; no function returns it today).
    PROCPOOL_ERR_NOT_SUPPORTED = 5,
    /// A system call failed; the message names it and the OS error.
    PROCPOOL_ERR_SYSTEM = 6,
    /// procpool itself panicked (a bug); the message holds the panic text.
    PROCPOOL_ERR_PANIC = 7,
    /// A blocking call was interrupted by a signal before it had a result (`procpool_pop`: SIGTERM
    /// asks the worker to stop, so return from WorkerStart). Nothing was received.
    PROCPOOL_ERR_INTERRUPTED = 8,
    /// The call would have had to wait and this caller never waits: `procpool_send_message` from the
    /// manager found the destination's buffer full, or a stopping worker's send could not finish.
    /// Nothing was sent; try again later.
    PROCPOOL_ERR_WOULD_BLOCK = 9,
    /// The pool's System V message queue was removed (e.g. with `ipcrm`) while the pool used it.
    PROCPOOL_ERR_QUEUE_GONE = 10,
}

use procpool_result::*;

/// Every code, in numeric order.
const ALL_CODES: [procpool_result; 11] = [
    PROCPOOL_OK,
    PROCPOOL_ERR_NULL,
    PROCPOOL_ERR_INVALID_ARGUMENT,
    PROCPOOL_ERR_STATE,
    PROCPOOL_ERR_ALREADY_RUNNING,
    PROCPOOL_ERR_NOT_SUPPORTED,
    PROCPOOL_ERR_SYSTEM,
    PROCPOOL_ERR_PANIC,
    PROCPOOL_ERR_INTERRUPTED,
    PROCPOOL_ERR_WOULD_BLOCK,
    PROCPOOL_ERR_QUEUE_GONE,
];

impl procpool_result {
    /// The code's C name, as `procpool_result_name` returns it.
    pub fn name(self) -> &'static std::ffi::CStr {
        match self {
            PROCPOOL_OK => c"PROCPOOL_OK",
            PROCPOOL_ERR_NULL => c"PROCPOOL_ERR_NULL",
            PROCPOOL_ERR_INVALID_ARGUMENT => c"PROCPOOL_ERR_INVALID_ARGUMENT",
            PROCPOOL_ERR_STATE => c"PROCPOOL_ERR_STATE",
            PROCPOOL_ERR_ALREADY_RUNNING => c"PROCPOOL_ERR_ALREADY_RUNNING",
            PROCPOOL_ERR_NOT_SUPPORTED => c"PROCPOOL_ERR_NOT_SUPPORTED",
            PROCPOOL_ERR_SYSTEM => c"PROCPOOL_ERR_SYSTEM",
            PROCPOOL_ERR_PANIC => c"PROCPOOL_ERR_PANIC",
            PROCPOOL_ERR_INTERRUPTED => c"PROCPOOL_ERR_INTERRUPTED",
            PROCPOOL_ERR_WOULD_BLOCK => c"PROCPOOL_ERR_WOULD_BLOCK",
            PROCPOOL_ERR_QUEUE_GONE => c"PROCPOOL_ERR_QUEUE_GONE",
        }
    }

    /// The code of a raw number, if it is one.
    pub fn from_raw(raw: i32) -> Option<procpool_result> {
        ALL_CODES.into_iter().find(|code| *code as i32 == raw)
    }
}

/// An error on its way out of a C function: the code to return and the message to keep.
#[derive(Debug)]
pub struct FfiError {
    pub code: procpool_result,
    pub message: String,
}

impl FfiError {
    pub fn new(code: procpool_result, message: impl Into<String>) -> FfiError {
        FfiError {
            code,
            message: message.into(),
        }
    }

    pub fn null(argument: &str) -> FfiError {
        FfiError::new(PROCPOOL_ERR_NULL, format!("{argument} must not be NULL"))
    }

    pub fn state(message: impl Into<String>) -> FfiError {
        FfiError::new(PROCPOOL_ERR_STATE, message)
    }

    pub fn invalid(message: impl Into<String>) -> FfiError {
        FfiError::new(PROCPOOL_ERR_INVALID_ARGUMENT, message)
    }
}

/// What a C program registers to provide `event`.
fn registration(event: Event) -> &'static str {
    match event {
        Event::Start => "procpool_pool_on_start",
        Event::WorkerStart => "procpool_pool_on_worker_start",
        Event::Message => "procpool_pool_on_message",
        Event::WorkerStop => "procpool_pool_on_worker_stop",
        Event::Shutdown => "procpool_pool_on_shutdown",
        _ => "procpool_pool_on_*",
    }
}

fn mode_name(mode: IpcMode) -> &'static str {
    match mode {
        IpcMode::None => "PROCPOOL_IPC_NONE",
        IpcMode::UnixSock => "PROCPOOL_IPC_UNIXSOCK",
        IpcMode::MsgQueue => "PROCPOOL_IPC_MSGQUEUE",
        IpcMode::Socket => "PROCPOOL_IPC_SOCKET",
    }
}

impl From<Error> for FfiError {
    fn from(error: Error) -> FfiError {
        let code = match &error {
            Error::InvalidArgument(_) | Error::InvalidWorkerId { .. } => PROCPOOL_ERR_INVALID_ARGUMENT,
            Error::AlreadyRunning => PROCPOOL_ERR_ALREADY_RUNNING,
            Error::System { .. } => PROCPOOL_ERR_SYSTEM,
            Error::WouldBlock(_) => PROCPOOL_ERR_WOULD_BLOCK,
            Error::QueueGone => PROCPOOL_ERR_QUEUE_GONE,
            _ => PROCPOOL_ERR_STATE,
        };
        // The core's messages name Swoole's terms where C has its own.
        let message = match error {
            Error::InvalidWorkerId { id, worker_num } => {
                format!("worker id {id} is out of range (the pool has {worker_num} workers)")
            }
            Error::MissingCallback { mode, event } => {
                let alternative = match mode {
                    IpcMode::MsgQueue => " (or a WorkerStart callback that calls procpool_pop)",
                    IpcMode::UnixSock => " (or a WorkerStart callback that reads its own end, procpool_pipe_fd)",
                    _ => "",
                };
                format!(
                    "a {} pool needs a {} callback{alternative}: register one with {}() before procpool_pool_start()",
                    mode_name(mode),
                    event.name(),
                    registration(event)
                )
            }
            Error::NotListening => {
                "a PROCPOOL_IPC_SOCKET pool must procpool_pool_listen() before procpool_pool_start()".into()
            }
            other => other.to_string().replace("SWOOLE_IPC_", "PROCPOOL_IPC_"),
        };
        FfiError::new(code, message)
    }
}

pub type FfiResult<T = ()> = Result<T, FfiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_stable() {
        for (i, code) in ALL_CODES.into_iter().enumerate() {
            assert_eq!(code as i32, i as i32);
            assert_eq!(procpool_result::from_raw(i as i32), Some(code));
            assert!(code.name().to_str().unwrap().starts_with("PROCPOOL_"));
        }
        assert_eq!(procpool_result::from_raw(ALL_CODES.len() as i32), None);
        assert_eq!(procpool_result::from_raw(-1), None);
    }

    #[test]
    fn core_errors_map_to_codes() {
        assert_eq!(FfiError::from(Error::AlreadyRunning).code, PROCPOOL_ERR_ALREADY_RUNNING);
        assert_eq!(FfiError::from(Error::AlreadyStarted).code, PROCPOOL_ERR_STATE);
        let sys = FfiError::from(Error::System {
            what: "fork".into(),
            source: std::io::Error::from_raw_os_error(libc::EAGAIN),
        });
        assert_eq!(sys.code, PROCPOOL_ERR_SYSTEM);
        assert!(sys.message.starts_with("fork: "), "{}", sys.message);
    }
}
