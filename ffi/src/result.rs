//! The result codes of every fallible C function, and the mapping from the core's errors.

use std::ffi::CStr;

use procpool::{Error, Event, IpcMode};

/// What a fallible procpool function returned: `PROCPOOL_OK` (0) or one of the `PROCPOOL_ERR_*`
/// codes. A plain `int32_t`, not a C enum, so that its size never depends on the compiler (e.g.
/// `-fshort-enums`). The numbers are part of the ABI: they never change, and new codes are only ever
/// added at the end, so treat any code other than `PROCPOOL_OK` as a failure
/// (`procpool_result_name` gives "PROCPOOL_UNKNOWN" for a code this library does not know).
///
/// On any code other than `PROCPOOL_OK`, `procpool_last_error_message()` describes what went wrong,
/// and no `*_out` parameter was written.
#[allow(non_camel_case_types)]
pub type procpool_result = i32;

/// `procpool_result`: success.
pub const PROCPOOL_OK: procpool_result = 0;
/// `procpool_result`: a required pointer argument was NULL.
pub const PROCPOOL_ERR_NULL: procpool_result = 1;
/// `procpool_result`: an argument was out of range (worker_num 0, unknown IPC mode, negative size,
/// bad worker id...).
pub const PROCPOOL_ERR_INVALID_ARGUMENT: procpool_result = 2;
/// `procpool_result`: the call is not allowed now: the pool was already started or is running, a
/// required callback is missing, a SOCKET pool did not listen, a context function was called outside
/// a running pool / outside a worker, `procpool_request_write` outside a SOCKET request, or
/// `procpool_queue_push` / `procpool_queue_pop` outside a worker of a MSGQUEUE pool.
pub const PROCPOOL_ERR_STATE: procpool_result = 3;
/// `procpool_result`: another pool is already running in this process (only one may run at a time).
pub const PROCPOOL_ERR_ALREADY_RUNNING: procpool_result = 4;
/// `procpool_result`: the requested feature is not available in this build (reserved; no function
/// returns it today).
pub const PROCPOOL_ERR_NOT_SUPPORTED: procpool_result = 5;
/// `procpool_result`: a system call failed; the message names it and the OS error.
pub const PROCPOOL_ERR_SYSTEM: procpool_result = 6;
/// `procpool_result`: procpool itself panicked (a bug); the message holds the panic text.
pub const PROCPOOL_ERR_PANIC: procpool_result = 7;
/// `procpool_result`: a blocking call was interrupted by a signal before it had a result
/// (`procpool_queue_pop`: SIGTERM asks the worker to stop, so return from WorkerStart). Nothing was
/// received.
pub const PROCPOOL_ERR_INTERRUPTED: procpool_result = 8;
/// `procpool_result`: the call would have had to wait and this caller never waits:
/// `procpool_message_send` from the manager found the destination's buffer full, or a stopping
/// worker's send could not finish. Nothing was sent; try again later.
pub const PROCPOOL_ERR_WOULD_BLOCK: procpool_result = 9;
/// `procpool_result`: the pool's System V message queue was removed (e.g. with `ipcrm`) while the
/// pool used it.
pub const PROCPOOL_ERR_QUEUE_GONE: procpool_result = 10;

/// The C name of every code, indexed by its number (checked against the header by a test).
const NAMES: [&CStr; 11] = [
    c"PROCPOOL_OK",
    c"PROCPOOL_ERR_NULL",
    c"PROCPOOL_ERR_INVALID_ARGUMENT",
    c"PROCPOOL_ERR_STATE",
    c"PROCPOOL_ERR_ALREADY_RUNNING",
    c"PROCPOOL_ERR_NOT_SUPPORTED",
    c"PROCPOOL_ERR_SYSTEM",
    c"PROCPOOL_ERR_PANIC",
    c"PROCPOOL_ERR_INTERRUPTED",
    c"PROCPOOL_ERR_WOULD_BLOCK",
    c"PROCPOOL_ERR_QUEUE_GONE",
];

/// The C name of `code`, as `procpool_result_name` returns it; None for a number that is no code.
pub(crate) fn name(code: procpool_result) -> Option<&'static CStr> {
    usize::try_from(code).ok().and_then(|index| NAMES.get(index)).copied()
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

/// The C name of an IPC mode.
pub(crate) fn mode_name(mode: IpcMode) -> &'static str {
    match mode {
        IpcMode::None => "PROCPOOL_IPC_NONE",
        IpcMode::UnixSock => "PROCPOOL_IPC_UNIXSOCK",
        IpcMode::MsgQueue => "PROCPOOL_IPC_MSGQUEUE",
        IpcMode::Socket => "PROCPOOL_IPC_SOCKET",
        IpcMode::Redis => "PROCPOOL_IPC_REDIS",
    }
}

/// The core's messages speak Swoole's PHP API (SWOOLE_IPC_* constants, settings written as PHP array
/// entries, PHP method names); a C program gets the C names instead. Each pair is a phrase the core
/// uses and its C wording; the more specific phrases come first.
const C_TERMS: [(&str, &str); 6] = [
    (
        "set 'enable_message_bus' => true to send messages of any size",
        "turn the message bus on (procpool_pool_set_message_bus) to send messages of any size",
    ),
    (
        "raw datagrams are disabled while enable_message_bus is on; use sendMessage()",
        "raw datagrams are disabled while the message bus is on; use procpool_message_send",
    ),
    (
        "listen() is only available with SWOOLE_IPC_SOCKET",
        "procpool_pool_listen is only for a PROCPOOL_IPC_SOCKET pool",
    ),
    (
        "(set msgqueue_allow_foreign to use it anyway)",
        "(procpool_pool_set_msgqueue_allow_foreign to use it anyway)",
    ),
    ("enable_message_bus", "the message bus"),
    ("SWOOLE_IPC_", "PROCPOOL_IPC_"),
];

/// A core message in C's terms.
pub(crate) fn in_c_terms(message: &str) -> String {
    C_TERMS
        .iter()
        .fold(message.to_owned(), |text, (core, c)| text.replace(core, c))
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
        let message = match error {
            Error::InvalidWorkerId { id, worker_num } => {
                format!(
                    "worker id {id} is out of range (the pool's workers are 0 .. {})",
                    worker_num.saturating_sub(1)
                )
            }
            Error::MissingCallback { mode, event } => {
                let alternative = match mode {
                    IpcMode::MsgQueue => " (or a WorkerStart callback that calls procpool_queue_pop)",
                    IpcMode::UnixSock => " (or a WorkerStart callback that reads its own end, procpool_worker_pipe_fd)",
                    _ => "",
                };
                format!(
                    "a {} pool needs a {} callback{alternative}: register one with {} before procpool_pool_start",
                    mode_name(mode),
                    event.name(),
                    registration(event)
                )
            }
            Error::NotListening => {
                "a PROCPOOL_IPC_SOCKET pool must call procpool_pool_listen before procpool_pool_start".into()
            }
            other => in_c_terms(&other.to_string()),
        };
        FfiError::new(code, message)
    }
}

pub type FfiResult<T = ()> = Result<T, FfiError>;

/// A core error, its message prefixed with the name of the C function that met it.
pub(crate) fn named(what: &str, error: Error) -> FfiError {
    let error = FfiError::from(error);
    FfiError::new(error.code, format!("{what}: {}", error.message))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `#define PROCPOOL_OK` / `PROCPOOL_ERR_*` of the header has its number and name here,
    /// and nothing else does.
    #[test]
    fn names_match_the_header() {
        let header = include_str!("../../include/procpool.h");
        let mut seen = 0;
        for line in header.lines() {
            let mut words = line.split_whitespace();
            let (Some("#define"), Some(name), Some(value)) = (words.next(), words.next(), words.next()) else {
                continue;
            };
            if name != "PROCPOOL_OK" && !name.starts_with("PROCPOOL_ERR_") {
                continue;
            }
            let code: procpool_result = value.parse().unwrap_or_else(|_| panic!("{line}"));
            assert_eq!(super::name(code).map(CStr::to_bytes), Some(name.as_bytes()), "{line}");
            seen += 1;
        }
        assert_eq!(seen, NAMES.len(), "the header and NAMES list different codes");
        assert_eq!(super::name(NAMES.len() as i32), None);
        assert_eq!(super::name(-1), None);
        assert_eq!(super::name(i32::MIN), None);
    }

    #[test]
    fn core_errors_map_to_codes() {
        assert_eq!(FfiError::from(Error::AlreadyRunning).code, PROCPOOL_ERR_ALREADY_RUNNING);
        assert_eq!(FfiError::from(Error::AlreadyStarted).code, PROCPOOL_ERR_STATE);
        assert_eq!(FfiError::from(Error::QueueGone).code, PROCPOOL_ERR_QUEUE_GONE);
        assert_eq!(
            FfiError::from(Error::WouldBlock("x".into())).code,
            PROCPOOL_ERR_WOULD_BLOCK
        );
        let sys = FfiError::from(Error::System {
            what: "fork".into(),
            source: std::io::Error::from_raw_os_error(libc::EAGAIN),
        });
        assert_eq!(sys.code, PROCPOOL_ERR_SYSTEM);
        assert!(sys.message.starts_with("fork: "), "{}", sys.message);
    }

    /// Swoole's names (constants, PHP methods and settings) never reach a C program. A name followed by
    /// "()" is only allowed when it is a procpool_* function.
    fn assert_c_terms(message: &str) {
        for swoole in [
            "SWOOLE",
            "onMessage",
            "onWorker",
            "sendMessage",
            "=>",
            "enable_message_bus",
        ] {
            assert!(!message.contains(swoole), "{swoole:?} in {message:?}");
        }
        let mut rest = message;
        while let Some(at) = rest.find("()") {
            let word_start = rest[..at]
                .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .map_or(0, |i| i + 1);
            assert!(
                rest[word_start..at].starts_with("procpool_"),
                "{:?} in {message:?}",
                &rest[word_start..at + 2]
            );
            rest = &rest[at + 2..];
        }
    }

    #[test]
    fn core_messages_in_c_terms() {
        let mut errors = vec![
            IpcMode::from_raw(9).unwrap_err(),
            Error::NotListening,
            Error::AlreadyStarted,
            Error::MissingCallback {
                mode: IpcMode::UnixSock,
                event: Event::Message,
            },
            Error::MissingCallback {
                mode: IpcMode::MsgQueue,
                event: Event::Message,
            },
            Error::MissingCallback {
                mode: IpcMode::None,
                event: Event::WorkerStart,
            },
            Error::InvalidWorkerId { id: 7, worker_num: 2 },
            Error::InvalidArgument(
                "a message of 300000 bytes does not fit in one datagram; set 'enable_message_bus' => true to send messages of any size".into(),
            ),
            Error::WrongState("raw datagrams are disabled while enable_message_bus is on; use sendMessage()".into()),
            Error::WrongState("no SWOOLE_IPC_MSGQUEUE pool is running".into()),
            Error::InvalidArgument(
                "the message queue of key 0x1 (id 2) is owned by uid 3: whoever can write to it chooses what the workers run on; \
                 a pool running as root refuses it (set msgqueue_allow_foreign to use it anyway)"
                    .into(),
            ),
        ];
        // The real texts of the core, where they can be had without a running pool.
        let mut none_pool = procpool::Pool::new(procpool::PoolConfig::new(1, IpcMode::None)).unwrap();
        errors.push(none_pool.listen("127.0.0.1", 0, 0).map(|_| ()).unwrap_err());
        for error in errors {
            assert_c_terms(&FfiError::from(error).message);
        }
    }
}
