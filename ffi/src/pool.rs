//! The pool handle: `procpool_pool_new` / `_free`, its settings, callback registration and `_start`.

use std::cell::{Cell, RefCell};
use std::ffi::{c_char, c_void};

use procpool::config::duration_setting;
use procpool::{IpcMode, LogLevel, Pool, PoolConfig};

use crate::callbacks::{
    procpool_message_callback, procpool_pool_callback, procpool_worker_callback, CHandler, Callbacks, Registered,
};
use crate::panic::{guard, guard_or};
use crate::ptr::{self, write_out};
use crate::result::{mode_name, procpool_result, FfiError, FfiResult};
use crate::{last_error, procpool_ipc_mode, procpool_log_level};
use crate::{PROCPOOL_LOG_INFO, PROCPOOL_LOG_OFF, PROCPOOL_LOG_WARNING};

/// A process pool (opaque). Made by `procpool_pool_new`, released by `procpool_pool_free`.
///
/// A pool is used from the thread that made it. Settings and callbacks can only be changed before
/// `procpool_pool_start`; a pool runs once.
#[allow(non_camel_case_types)]
pub struct procpool_pool {
    /// `None` while `procpool_pool_start` runs (the core pool is borrowed by the running manager).
    core: RefCell<Option<Pool>>,
    callbacks: Cell<Callbacks>,
    /// The TCP port of the last successful `procpool_pool_listen`, kept for `procpool_pool_listen_port`
    /// while the core pool is lent to the running manager.
    listen_port: Cell<Option<u16>>,
}

/// Only shared references to a pool are ever made, so re-entrant calls from callbacks are sound.
pub(crate) fn handle<'a>(pool: *const procpool_pool) -> FfiResult<&'a procpool_pool> {
    ptr::borrow(pool).ok_or_else(|| FfiError::null("pool"))
}

fn not_started(core: &Option<Pool>) -> FfiResult<()> {
    match core {
        None => Err(FfiError::state(
            "the pool is running: settings and callbacks can only be changed before procpool_pool_start",
        )),
        Some(pool) if pool.is_started() => Err(FfiError::state(
            "the pool has already been started: settings and callbacks can only be changed before procpool_pool_start",
        )),
        Some(_) => Ok(()),
    }
}

/// Applies `change` to the core pool of a pool that has not been started.
fn with_unstarted<T>(pool: &procpool_pool, change: impl FnOnce(&mut Pool) -> FfiResult<T>) -> FfiResult<T> {
    let mut core = pool
        .core
        .try_borrow_mut()
        .map_err(|_| FfiError::state("the pool is busy"))?;
    not_started(&core)?;
    change(core.as_mut().expect("checked by not_started"))
}

/// Applies `change` to the config of a pool that has not been started; the core's
/// `PoolConfig::validate` has the last word, and a refused change leaves the config as it was.
pub(crate) fn configure(pool: *const procpool_pool, change: impl FnOnce(&mut PoolConfig) -> FfiResult) -> FfiResult {
    with_unstarted(handle(pool)?, |core| {
        let mut config = core.config().clone();
        change(&mut config)?;
        config.validate()?;
        *core.config_mut() = config;
        Ok(())
    })
}

fn register(pool: *const procpool_pool, set: impl FnOnce(&mut Callbacks)) -> FfiResult {
    let pool = handle(pool)?;
    not_started(
        &*pool
            .core
            .try_borrow()
            .map_err(|_| FfiError::state("the pool is busy"))?,
    )?;
    let mut callbacks = pool.callbacks.get();
    set(&mut callbacks);
    pool.callbacks.set(callbacks);
    Ok(())
}

/// Makes a pool of `worker_num` workers (ids 0 .. worker_num - 1) using `ipc_mode`
/// (`PROCPOOL_IPC_NONE`, `PROCPOOL_IPC_UNIXSOCK`, `PROCPOOL_IPC_MSGQUEUE` or `PROCPOOL_IPC_SOCKET`).
///
/// Errors: `PROCPOOL_ERR_NULL` if `pool_out` is NULL; `PROCPOOL_ERR_INVALID_ARGUMENT` if `worker_num`
/// is 0 or above the sanity limit (65536), or `ipc_mode` is unknown.
///
/// Ownership: on success `*pool_out` receives a new pool owned by the caller, to be released with
/// `procpool_pool_free`. On error `*pool_out` is left untouched.
#[no_mangle]
pub extern "C" fn procpool_pool_new(
    worker_num: u32,
    ipc_mode: procpool_ipc_mode,
    pool_out: *mut *mut procpool_pool,
) -> procpool_result {
    guard(|| {
        if pool_out.is_null() {
            return Err(FfiError::null("pool_out"));
        }
        let mode = IpcMode::from_raw(ipc_mode.into())?;
        let core = Pool::new(PoolConfig::new(worker_num as usize, mode))?;
        let pool = procpool_pool {
            core: RefCell::new(Some(core)),
            callbacks: Cell::default(),
            listen_port: Cell::new(None),
        };
        ptr::write_out(pool_out, ptr::into_raw(pool));
        Ok(())
    })
}

/// Releases a pool made by `procpool_pool_new`. NULL is accepted and does nothing.
///
/// Ownership: takes the pool back; the pointer must not be used afterwards. The userdata pointers
/// given to `procpool_pool_on_*` are not touched: they stay the caller's.
/// Freeing a pool while its `procpool_pool_start` runs (from one of its own callbacks) is refused:
/// nothing is freed and the last error says why.
#[no_mangle]
pub extern "C" fn procpool_pool_free(pool: *mut procpool_pool) {
    guard_or((), || {
        let Some(handle) = ptr::borrow(pool) else {
            return;
        };
        let running = handle.core.try_borrow().map(|core| core.is_none()).unwrap_or(true);
        if running {
            last_error::set("procpool_pool_free: the pool is running; it was not freed".into());
            return;
        }
        ptr::free(pool);
    })
}

/// Sets `max_wait_time`: the grace time, in seconds, that workers get at shutdown and reload before
/// they are sent SIGKILL. 0 means never force. Default 3.
///
/// Errors: `PROCPOOL_ERR_NULL`; `PROCPOOL_ERR_INVALID_ARGUMENT` if `seconds` is negative, NaN or
/// above one year (31536000); `PROCPOOL_ERR_STATE` once the pool was started.
#[no_mangle]
pub extern "C" fn procpool_pool_set_max_wait_time(pool: *mut procpool_pool, seconds: f64) -> procpool_result {
    guard(|| {
        configure(pool, |config| {
            config.max_wait_time = duration_setting("max_wait_time", seconds, true)?;
            Ok(())
        })
    })
}

/// Sets `max_package_size`: the largest message, in bytes, that a worker receives (message IPC modes).
/// Default 2 MiB. In a PROCPOOL_IPC_SOCKET pool, a request whose length prefix is larger is refused:
/// the connection is closed without a reply and without reading (or allocating for) the body.
///
/// Errors: `PROCPOOL_ERR_NULL`; `PROCPOOL_ERR_INVALID_ARGUMENT` if `bytes` is 0 or negative;
/// `PROCPOOL_ERR_STATE` once the pool was started.
#[no_mangle]
pub extern "C" fn procpool_pool_set_max_package_size(pool: *mut procpool_pool, bytes: i64) -> procpool_result {
    guard(|| {
        configure(pool, |config| {
            // A negative size does not convert; 0 is refused by the core's validation.
            config.max_package_size = usize::try_from(bytes)
                .map_err(|_| FfiError::invalid(format!("max_package_size must be greater than 0, got {bytes}")))?;
            Ok(())
        })
    })
}

impl procpool_pool {
    /// The figures as the last run ended (None while it runs or before it ran).
    pub(crate) fn last_stats(&self) -> Option<procpool::PoolStats> {
        self.core.try_borrow().ok()?.as_ref()?.last_stats().cloned()
    }
}

/// Sets how much procpool logs on stderr: `PROCPOOL_LOG_OFF` (0: nothing), `PROCPOOL_LOG_WARNING` (1,
/// the default: abnormal worker exits, crash loops, failed callbacks), `PROCPOOL_LOG_INFO` (2: also
/// every fork, exit, respawn, reload).
/// The environment variable `PROCPOOL_LOG=off|warning|info` overrides it when the pool starts.
///
/// Errors: `PROCPOOL_ERR_NULL`; `PROCPOOL_ERR_INVALID_ARGUMENT` for another level;
/// `PROCPOOL_ERR_STATE` once the pool was started.
#[no_mangle]
pub extern "C" fn procpool_pool_set_log_level(pool: *mut procpool_pool, level: procpool_log_level) -> procpool_result {
    guard(|| {
        configure(pool, |config| {
            config.log_level = match level {
                PROCPOOL_LOG_OFF => LogLevel::Off,
                PROCPOOL_LOG_WARNING => LogLevel::Warning,
                PROCPOOL_LOG_INFO => LogLevel::Info,
                other => {
                    return Err(FfiError::invalid(format!(
                        "unknown log level {other} (expected PROCPOOL_LOG_OFF=0, PROCPOOL_LOG_WARNING=1 or PROCPOOL_LOG_INFO=2)"
                    )))
                }
            };
            Ok(())
        })
    })
}

/// Sets `read_timeout` (PROCPOOL_IPC_SOCKET): how long, in seconds, a worker waits for a client's whole
/// request, and then for the client to take its reply, before closing the connection. Default 30.
/// (Beyond Swoole, which waits forever: a silent client would hold a worker.)
///
/// Errors: `PROCPOOL_ERR_NULL`; `PROCPOOL_ERR_INVALID_ARGUMENT` if `seconds` is not a finite number
/// greater than 0 and at most one year (31536000); `PROCPOOL_ERR_STATE` once the pool was started.
#[no_mangle]
pub extern "C" fn procpool_pool_set_read_timeout(pool: *mut procpool_pool, seconds: f64) -> procpool_result {
    guard(|| {
        configure(pool, |config| {
            config.read_timeout = duration_setting("read_timeout", seconds, false)?;
            Ok(())
        })
    })
}

/// Sets `header_timeout` (PROCPOOL_IPC_SOCKET): how long, in seconds, a new connection may take to
/// send the 4-byte length header of its request before the worker closes it. Default 5. An idle
/// connection therefore costs a worker nothing but one of its `max_connections` slots, for that long.
///
/// Errors: `PROCPOOL_ERR_NULL`; `PROCPOOL_ERR_INVALID_ARGUMENT` if `seconds` is not a finite number
/// greater than 0 and at most one year (31536000); `PROCPOOL_ERR_STATE` once the pool was started.
#[no_mangle]
pub extern "C" fn procpool_pool_set_header_timeout(pool: *mut procpool_pool, seconds: f64) -> procpool_result {
    guard(|| {
        configure(pool, |config| {
            config.header_timeout = duration_setting("header_timeout", seconds, false)?;
            Ok(())
        })
    })
}

/// Sets `max_connections` (PROCPOOL_IPC_SOCKET): how many connections one worker holds at once while
/// it reads their requests or writes their replies. A worker at the limit stops accepting; the kernel
/// backlog and the other workers take the load. Default 256.
///
/// Errors: `PROCPOOL_ERR_NULL`; `PROCPOOL_ERR_INVALID_ARGUMENT` if `count` is 0 or above 65536;
/// `PROCPOOL_ERR_STATE` once the pool was started.
#[no_mangle]
pub extern "C" fn procpool_pool_set_max_connections(pool: *mut procpool_pool, count: u32) -> procpool_result {
    guard(|| {
        configure(pool, |config| {
            config.max_connections = count as usize;
            Ok(())
        })
    })
}

/// PROCPOOL_IPC_MSGQUEUE: allows an existing queue that a user other than the pool's may write to
/// (owned by another uid, or with group/other write bits beyond the pool's permissions). Off by
/// default: a pool running as root then refuses to start on such a queue, any other pool warns once.
///
/// Errors: `PROCPOOL_ERR_NULL`; `PROCPOOL_ERR_STATE` if the pool is not a PROCPOOL_IPC_MSGQUEUE pool,
/// or was started.
#[no_mangle]
pub extern "C" fn procpool_pool_set_msgqueue_allow_foreign(pool: *mut procpool_pool, allow: bool) -> procpool_result {
    guard(|| {
        configure(pool, |config| {
            msgqueue_only(config, "procpool_pool_set_msgqueue_allow_foreign")?;
            config.msgqueue_allow_foreign = allow;
            Ok(())
        })
    })
}

/// PROCPOOL_IPC_MSGQUEUE: sets the System V key of the pool's message queue (Swoole's `$msgqueue_key`).
/// 0 (the default) makes a private queue (IPC_PRIVATE), created at start and removed when
/// `procpool_pool_start` returns. Any other key opens the queue of that key, creating it (with the
/// mode of `procpool_pool_set_msgqueue_permissions`) if it does not exist; a keyed queue is never
/// removed by the pool: messages sent before start or after the pool ended wait in it for the next
/// pool. `key_t` is 32 bits: keys from -2147483648 to 4294967295 are accepted, those above
/// 2147483647 being taken as their 32-bit pattern (as a C `(key_t)0xDEADBEEF` cast would).
///
/// Errors: `PROCPOOL_ERR_NULL`; `PROCPOOL_ERR_STATE` if the pool is not a PROCPOOL_IPC_MSGQUEUE pool,
/// or was started; `PROCPOOL_ERR_INVALID_ARGUMENT` if `key` does not fit in 32 bits.
#[no_mangle]
pub extern "C" fn procpool_pool_set_msgqueue_key(pool: *mut procpool_pool, key: i64) -> procpool_result {
    guard(|| {
        configure(pool, |config| {
            msgqueue_only(config, "procpool_pool_set_msgqueue_key")?;
            config.msgqueue_key = key;
            Ok(())
        })
    })
}

/// PROCPOOL_IPC_MSGQUEUE: sets the permission bits (`mode & 0777`, e.g. 0660) given to the queue when
/// the pool creates it. Default 0600 (owner only: whoever can write to the queue chooses the input the
/// workers run on). A queue that already exists keeps its own permissions.
///
/// Errors: `PROCPOOL_ERR_NULL`; `PROCPOOL_ERR_STATE` if the pool is not a PROCPOOL_IPC_MSGQUEUE pool,
/// or was started; `PROCPOOL_ERR_INVALID_ARGUMENT` if `mode` > 0777.
#[no_mangle]
pub extern "C" fn procpool_pool_set_msgqueue_permissions(pool: *mut procpool_pool, mode: u32) -> procpool_result {
    guard(|| {
        configure(pool, |config| {
            msgqueue_only(config, "procpool_pool_set_msgqueue_permissions")?;
            if mode > 0o777 {
                return Err(FfiError::invalid(format!(
                    "msgqueue permissions must be at most 0777, got 0{mode:o}"
                )));
            }
            config.msgqueue_permissions = mode;
            Ok(())
        })
    })
}

fn msgqueue_only(config: &PoolConfig, what: &str) -> FfiResult {
    if config.ipc_mode != IpcMode::MsgQueue {
        return Err(FfiError::state(format!(
            "{what}: only for a PROCPOOL_IPC_MSGQUEUE pool (this one is {})",
            mode_name(config.ipc_mode)
        )));
    }
    Ok(())
}

/// PROCPOOL_IPC_SOCKET: makes the pool's listening socket, before `procpool_pool_start`. `host` is
/// `"unix:/path/to/socket"` (then `port` is ignored; a socket file left by a dead pool is replaced,
/// and the file is removed when `procpool_pool_start` returns or the pool is freed) or a TCP host: a
/// name, an IPv4 or IPv6 address (`"[::1]"` accepted), with `port` 0 .. 65535 (0: the system picks
/// one, see `procpool_pool_listen_port`). `backlog` <= 0 means SOMAXCONN. Every worker accepts on
/// this socket. A second call replaces the first socket.
///
/// Protocol: a client connects and sends a 4-byte big-endian length N then N bytes; a worker runs the
/// Message callback with those bytes, sends back what it passed to `procpool_request_write` as a 4-byte
/// big-endian length + the data (nothing when it wrote nothing), and closes the connection. N == 0,
/// N > max_package_size, or a request not complete within read_timeout: closed without a reply.
///
/// Errors: `PROCPOOL_ERR_NULL` if `pool` or `host` is NULL; `PROCPOOL_ERR_STATE` if the pool is not a
/// PROCPOOL_IPC_SOCKET pool, or was already started or is running; `PROCPOOL_ERR_INVALID_ARGUMENT` if
/// `host` is not UTF-8, does not resolve, is an empty unix path or an existing non-socket file, or
/// `port` is out of range; `PROCPOOL_ERR_SYSTEM` if bind(2) or listen(2) failed (address in use,
/// permission, missing directory...), with the OS error in the message.
///
/// Ownership: `host` is borrowed for the duration of the call (a NUL-terminated string; not kept).
#[no_mangle]
pub extern "C" fn procpool_pool_listen(
    pool: *mut procpool_pool,
    host: *const c_char,
    port: i32,
    backlog: i32,
) -> procpool_result {
    guard(|| {
        let pool = handle(pool)?;
        if host.is_null() {
            return Err(FfiError::null("host"));
        }
        let host = ptr::c_str(host)
            .to_str()
            .map_err(|_| FfiError::invalid("host is not valid UTF-8"))?;
        with_unstarted(pool, |core| {
            if core.config().ipc_mode != IpcMode::Socket {
                return Err(FfiError::state(format!(
                    "procpool_pool_listen: only for a PROCPOOL_IPC_SOCKET pool (this one is {})",
                    mode_name(core.config().ipc_mode)
                )));
            }
            // A failed listen may already have dropped the previous socket.
            pool.listen_port.set(None);
            let listener = core.listen(host, port.into(), backlog)?;
            pool.listen_port.set(listener.local_port());
            Ok(())
        })
    })
}

/// PROCPOOL_IPC_SOCKET: writes the TCP port the pool listens on to `*port_out` (the port the system
/// chose after `procpool_pool_listen` with port 0). Usable from `procpool_pool_listen` until
/// `procpool_pool_start` returns (also in the Start callback).
///
/// Errors: `PROCPOOL_ERR_NULL`; `PROCPOOL_ERR_STATE` if the pool does not listen on TCP (no
/// successful `procpool_pool_listen`, a unix socket, or `procpool_pool_start` returned and closed
/// the socket). `*port_out` is written only on success.
#[no_mangle]
pub extern "C" fn procpool_pool_listen_port(pool: *const procpool_pool, port_out: *mut u16) -> procpool_result {
    guard(|| {
        let pool = handle(pool)?;
        if port_out.is_null() {
            return Err(FfiError::null("port_out"));
        }
        let port = match pool.core.try_borrow() {
            // Not running: the core's listener is the truth (it is closed once start returned).
            Ok(core) if core.is_some() => core
                .as_ref()
                .and_then(Pool::listener)
                .and_then(|listener| listener.local_port()),
            // Running: the listener is lent to the manager; the port noted at listen time is right.
            _ => pool.listen_port.get(),
        };
        let port = port.ok_or_else(|| {
            FfiError::state(
                "the pool is not listening on a TCP port (procpool_pool_listen with a TCP host first; the socket is closed when procpool_pool_start returns)",
            )
        })?;
        write_out(port_out, port);
        Ok(())
    })
}

/// Registers the Start callback: runs in the manager, once, after `procpool_pool_start`'s checks and
/// before any worker is forked. A non-zero return is logged as a warning; the pool starts all the
/// same. A NULL `cb` removes the registration.
///
/// Errors: `PROCPOOL_ERR_NULL` if `pool` is NULL; `PROCPOOL_ERR_STATE` once the pool was started.
///
/// Ownership: `userdata` stays the caller's; procpool only passes it back to `cb` and never frees it.
/// It must stay valid until `procpool_pool_start` returns (workers use their forked copy of it).
#[no_mangle]
pub extern "C" fn procpool_pool_on_start(
    pool: *mut procpool_pool,
    cb: procpool_pool_callback,
    userdata: *mut c_void,
) -> procpool_result {
    guard(|| register(pool, |c| c.start = Registered { cb, userdata }))
}

/// Registers the WorkerStart callback: runs in each worker right after it is forked, with its id.
/// A PROCPOOL_IPC_NONE pool needs one. With PROCPOOL_IPC_NONE the worker ends when `cb` returns
/// (WorkerStop runs, the worker exits 0) and the manager forks a replacement with the same id.
/// Return non-zero when the worker could not start (e.g. a connection failed): procpool logs it and
/// the manager's crash-loop guard counts it, so a WorkerStart that keeps failing within a second of
/// its start is respawned with a growing delay (up to a few seconds) instead of in a tight fork loop
/// (see `procpool_worker_callback`).
/// A NULL `cb` removes the registration.
///
/// Errors: `PROCPOOL_ERR_NULL` if `pool` is NULL; `PROCPOOL_ERR_STATE` once the pool was started.
///
/// Ownership: as for `procpool_pool_on_start`.
#[no_mangle]
pub extern "C" fn procpool_pool_on_worker_start(
    pool: *mut procpool_pool,
    cb: procpool_worker_callback,
    userdata: *mut c_void,
) -> procpool_result {
    guard(|| register(pool, |c| c.worker_start = Registered { cb, userdata }))
}

/// Registers the WorkerStop callback: runs in a worker whose WorkerStart returned, just before it
/// exits. It does not run in a worker killed by a signal. A non-zero return is logged as a warning.
/// A NULL `cb` removes the registration.
///
/// Errors: `PROCPOOL_ERR_NULL` if `pool` is NULL; `PROCPOOL_ERR_STATE` once the pool was started.
///
/// Ownership: as for `procpool_pool_on_start`.
#[no_mangle]
pub extern "C" fn procpool_pool_on_worker_stop(
    pool: *mut procpool_pool,
    cb: procpool_worker_callback,
    userdata: *mut c_void,
) -> procpool_result {
    guard(|| register(pool, |c| c.worker_stop = Registered { cb, userdata }))
}

/// Registers the Shutdown callback: runs in the manager when the shutdown begins (SIGTERM, SIGINT,
/// SIGHUP or `procpool_manager_shutdown`), before the workers are told to stop. A non-zero return is logged as
/// a warning; the shutdown goes on. A NULL `cb` removes the registration.
///
/// Errors: `PROCPOOL_ERR_NULL` if `pool` is NULL; `PROCPOOL_ERR_STATE` once the pool was started.
///
/// Ownership: as for `procpool_pool_on_start`.
#[no_mangle]
pub extern "C" fn procpool_pool_on_shutdown(
    pool: *mut procpool_pool,
    cb: procpool_pool_callback,
    userdata: *mut c_void,
) -> procpool_result {
    guard(|| register(pool, |c| c.shutdown = Registered { cb, userdata }))
}

/// Registers the Message callback of a PROCPOOL_IPC_SOCKET pool (required there): runs in a worker
/// once per complete request, with the request's bytes. Call `procpool_request_write` in it to reply;
/// the reply is sent when `cb` returns and the connection is closed (no reply if nothing was written).
/// In a PROCPOOL_IPC_MSGQUEUE pool it runs once per message taken from the queue (without it,
/// WorkerStart takes messages with `procpool_queue_pop`). In a PROCPOOL_IPC_UNIXSOCK pool it runs once
/// per message sent to the worker with `procpool_message_send`. PROCPOOL_IPC_NONE never calls it.
/// A non-zero return is logged and the worker goes on (see `procpool_message_callback`).
/// A NULL `cb` removes the registration.
///
/// Errors: `PROCPOOL_ERR_NULL` if `pool` is NULL; `PROCPOOL_ERR_STATE` once the pool was started.
///
/// Ownership: as for `procpool_pool_on_start`; the `data` given to `cb` is borrowed for the
/// duration of the call only.
#[no_mangle]
pub extern "C" fn procpool_pool_on_message(
    pool: *mut procpool_pool,
    cb: procpool_message_callback,
    userdata: *mut c_void,
) -> procpool_result {
    guard(|| register(pool, |c| c.message = Registered { cb, userdata }))
}

/// Puts the core pool back into its handle when `procpool_pool_start` ends, even by a panic.
struct PutBack<'a> {
    slot: &'a RefCell<Option<Pool>>,
    pool: Option<Pool>,
}

impl Drop for PutBack<'_> {
    fn drop(&mut self) {
        if let Ok(mut slot) = self.slot.try_borrow_mut() {
            *slot = self.pool.take();
        }
    }
}

/// Runs the pool: forks the workers and supervises them (respawn, reload on SIGUSR1/SIGUSR2) until it
/// shuts down on SIGTERM, SIGINT or SIGHUP (or `procpool_manager_shutdown`). Blocks until then, in the manager, and
/// returns `PROCPOOL_OK` once every worker has been reaped. Workers never return from this call: they
/// run the callbacks and exit. While the pool runs, SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2 and
/// SIGCHLD are blocked in the calling thread (read from a signalfd); the signal mask is restored on return.
///
/// Precondition: the calling process has one thread. fork() copies only the calling thread, so a
/// worker could wait for ever on a lock another thread held at the fork; a process with more threads
/// gets `PROCPOOL_ERR_STATE` and nothing is forked.
///
/// PROCPOOL_IPC_SOCKET: each worker runs WorkerStart, then serves requests on the listening socket
/// (up to `max_connections` connections at once, the Message callback once per complete request)
/// until SIGTERM.
///
/// PROCPOOL_IPC_MSGQUEUE: the queue is opened (or created) before any worker is forked; a queue that
/// cannot be opened is this call's `PROCPOOL_ERR_SYSTEM`. With a Message callback, each worker runs
/// WorkerStart, then Message once per message it takes from the queue (each message goes to exactly
/// one worker) until SIGTERM, which lets it finish the message in hand. Without one, WorkerStart
/// takes messages itself with `procpool_queue_pop` and the worker is replaced when WorkerStart returns.
/// A private queue (key 0) is removed when this returns; a keyed one stays.
///
/// PROCPOOL_IPC_UNIXSOCK: a datagram socketpair per worker is made before any worker is forked;
/// `procpool_message_send` (manager or worker) reaches any worker. With a Message callback, each
/// worker runs WorkerStart, then Message once per message until SIGTERM, which lets it finish the
/// message in hand. Without one, WorkerStart may read its own end (`procpool_worker_pipe_fd`) and the worker
/// is replaced when WorkerStart returns.
///
/// Errors: `PROCPOOL_ERR_NULL`; `PROCPOOL_ERR_STATE` if the pool was already started (a pool runs
/// once) or is running, a PROCPOOL_IPC_NONE pool has no WorkerStart callback, a PROCPOOL_IPC_SOCKET
/// pool has no Message callback or did not `procpool_pool_listen`, a PROCPOOL_IPC_MSGQUEUE pool has
/// neither a Message nor a WorkerStart callback, nor has a PROCPOOL_IPC_UNIXSOCK pool;
/// `PROCPOOL_ERR_ALREADY_RUNNING` if another pool runs in this process (also from a worker);
/// `PROCPOOL_ERR_SYSTEM` if a system call the manager needs failed.
///
/// Ownership: the pool stays the caller's; it must not be freed while this runs.
#[no_mangle]
pub extern "C" fn procpool_pool_start(pool: *mut procpool_pool) -> procpool_result {
    guard(|| {
        let pool = handle(pool)?;
        let core = pool
            .core
            .try_borrow_mut()
            .ok()
            .and_then(|mut core| core.take())
            .ok_or_else(|| {
                FfiError::state("the pool is already running (procpool_pool_start called from its own callback)")
            })?;
        let mut core = PutBack {
            slot: &pool.core,
            pool: Some(core),
        };
        let core = core.pool.as_mut().expect("just put in");
        if core.is_started() {
            return Err(FfiError::state(
                "the pool has already been started: a pool runs once, make a new one",
            ));
        }
        core.start(&mut CHandler::new(pool.callbacks.get()))?;
        Ok(())
    })
}
