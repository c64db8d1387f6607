//! Operating a pool from C: the restart policies, the metrics endpoint, and `procpool_pool_stats`.

use std::ffi::c_char;

use procpool::config::duration_setting;
use procpool::{Context, PoolStats};

use crate::panic::guard;
use crate::pool::{configure, handle, procpool_pool};
use crate::ptr;
use crate::result::{procpool_result, FfiError, FfiResult};

/// Sets `max_request`: after that many messages a worker finishes, runs WorkerStop, exits 0 and is
/// replaced at once (never counted as a crash). 0 (the default) turns it off. Message modes only.
///
/// Errors: `PROCPOOL_ERR_NULL`; `PROCPOOL_ERR_STATE` once the pool was started.
#[no_mangle]
pub extern "C" fn procpool_pool_set_max_request(pool: *mut procpool_pool, count: u64) -> procpool_result {
    guard(|| {
        configure(pool, |config| {
            config.restart.max_request = count;
            Ok(())
        })
    })
}

/// Sets `max_request_grace`: a random 0..=`extra` added to `max_request` per worker process, so that
/// workers started together do not all restart together. Default 0.
///
/// Errors: `PROCPOOL_ERR_NULL`; `PROCPOOL_ERR_STATE` once the pool was started.
#[no_mangle]
pub extern "C" fn procpool_pool_set_max_request_grace(pool: *mut procpool_pool, extra: u64) -> procpool_result {
    guard(|| {
        configure(pool, |config| {
            config.restart.max_request_grace = extra;
            Ok(())
        })
    })
}

/// Sets `max_memory`: a worker whose resident memory (sampled about once a second) is above `bytes`
/// is asked to stop after the message in hand (SIGTERM, then SIGKILL after `max_wait_time`) and is
/// replaced. 0 (the default) turns it off.
///
/// Errors: `PROCPOOL_ERR_NULL`; `PROCPOOL_ERR_STATE` once the pool was started.
#[no_mangle]
pub extern "C" fn procpool_pool_set_max_memory(pool: *mut procpool_pool, bytes: u64) -> procpool_result {
    guard(|| {
        configure(pool, |config| {
            config.restart.max_memory = bytes;
            Ok(())
        })
    })
}

/// Sets `request_timeout`: a worker whose message in hand has run longer than `seconds` is
/// SIGKILLed and replaced (a SOCKET client sees its connection closed). 0 (the default) turns it
/// off. Message modes only.
///
/// Errors: `PROCPOOL_ERR_NULL`; `PROCPOOL_ERR_INVALID_ARGUMENT` if `seconds` is negative, NaN or above
/// one year; `PROCPOOL_ERR_STATE` once the pool was started.
#[no_mangle]
pub extern "C" fn procpool_pool_set_request_timeout(pool: *mut procpool_pool, seconds: f64) -> procpool_result {
    guard(|| {
        configure(pool, |config| {
            config.restart.request_timeout = duration_setting("request_timeout", seconds, true)?;
            Ok(())
        })
    })
}

/// Sets `slow_request`: a message in hand running longer than `seconds` is logged once, with the
/// worker and its age; nothing is killed. 0 (the default) turns it off. Message modes only.
///
/// Errors: `PROCPOOL_ERR_NULL`; `PROCPOOL_ERR_INVALID_ARGUMENT` if `seconds` is negative, NaN or above
/// one year; `PROCPOOL_ERR_STATE` once the pool was started.
#[no_mangle]
pub extern "C" fn procpool_pool_set_slow_request(pool: *mut procpool_pool, seconds: f64) -> procpool_result {
    guard(|| {
        configure(pool, |config| {
            config.restart.slow_request = duration_setting("slow_request", seconds, true)?;
            Ok(())
        })
    })
}

/// Sets where the manager serves `GET /metrics` (Prometheus text, or OpenMetrics on request) and
/// `GET /status` (JSON): `"host:port"` (`"[::1]:9464"` for IPv6) or `"unix:/path"`. NULL turns it off
/// (the default). There is no authentication: listen on localhost or a private unix socket. The
/// address is bound by `procpool_pool_start`, which fails with `PROCPOOL_ERR_SYSTEM` if it cannot.
///
/// Errors: `PROCPOOL_ERR_INVALID_ARGUMENT` if the string is empty or not UTF-8; `PROCPOOL_ERR_STATE`
/// once the pool was started. Ownership: the string is copied.
#[no_mangle]
pub extern "C" fn procpool_pool_set_metrics_listen(
    pool: *mut procpool_pool,
    address: *const c_char,
) -> procpool_result {
    guard(|| {
        let address = if address.is_null() {
            None
        } else {
            let text = ptr::c_str(address)
                .to_str()
                .map_err(|_| FfiError::invalid("metrics address is not UTF-8"))?;
            Some(text.to_owned())
        };
        configure(pool, |config| {
            config.metrics_listen = address;
            Ok(())
        })
    })
}

/// The layout version of `procpool_stats` and `procpool_worker_stats`; grows when fields are added
/// at their end.
pub const PROCPOOL_STATS_VERSION: u32 = 1;

/// The pool's figures (see `procpool_pool_stats`). Versioned: the caller sets `size` to
/// `sizeof(procpool_stats)` before the call; the library writes at most that many bytes, so a
/// program built against an older header keeps working with a newer library.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct procpool_stats {
    /// Set by the caller: `sizeof(procpool_stats)`.
    pub size: u32,
    /// Written by the library: `PROCPOOL_STATS_VERSION`.
    pub version: u32,
    /// The manager's pid.
    pub master_pid: i32,
    /// The IPC mode (`PROCPOOL_IPC_*`).
    pub ipc_mode: i32,
    /// Seconds since the pool started.
    pub uptime: f64,
    /// Configured worker count.
    pub workers: u32,
    /// Slots with a live process.
    pub workers_alive: u32,
    /// Workers per state: `PROCPOOL_WORKER_EMPTY` .. `PROCPOOL_WORKER_STOPPING`.
    pub by_state: [u32; 5],
    /// Worker processes forked, in all.
    pub worker_starts: u64,
    /// Worker processes ended, by reason: `PROCPOOL_EXIT_CLEAN` .. `PROCPOOL_EXIT_REQUEST_TIMEOUT`.
    pub worker_exits: [u64; 5],
    /// Reloads begun.
    pub reloads: u64,
    /// Slots waiting out a crash-loop delay now.
    pub crash_loop: u64,
    /// Messages handled by all workers.
    pub messages: u64,
    /// Messages (MSGQUEUE) or connections (SOCKET over TCP) waiting; -1 where the mode has none.
    pub queue_depth: i64,
}

/// One worker slot's figures (see `procpool_pool_worker_stats`). Versioned like `procpool_stats`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct procpool_worker_stats {
    /// Set by the caller: `sizeof(procpool_worker_stats)`.
    pub size: u32,
    /// The worker id.
    pub id: u32,
    /// The current process; 0 while the slot has none.
    pub pid: i32,
    /// `PROCPOOL_WORKER_*`.
    pub state: i32,
    /// When the current process started, Unix time in seconds.
    pub started_at: f64,
    /// Messages handled by the current process.
    pub messages: u64,
    /// Seconds the message in hand has run; -1 when idle.
    pub busy_for: f64,
    /// Resident memory in bytes; -1 when unknown.
    pub rss: i64,
    /// Processes this slot had after its first.
    pub restarts: u64,
}

/// No live process in the slot.
pub const PROCPOOL_WORKER_EMPTY: i32 = 0;
/// Running WorkerStart (IPC_NONE: its whole life).
pub const PROCPOOL_WORKER_STARTING: i32 = 1;
/// Waiting for a message.
pub const PROCPOOL_WORKER_IDLE: i32 = 2;
/// Running the Message callback.
pub const PROCPOOL_WORKER_BUSY: i32 = 3;
/// Asked to stop, not exited yet.
pub const PROCPOOL_WORKER_STOPPING: i32 = 4;

/// Ended with status 0, or stopped by the pool (reload, shutdown).
pub const PROCPOOL_EXIT_CLEAN: i32 = 0;
/// A non-zero exit status.
pub const PROCPOOL_EXIT_CODE: i32 = 1;
/// A signal the pool did not send.
pub const PROCPOOL_EXIT_SIGNAL: i32 = 2;
/// A restart policy (max_request, max_memory).
pub const PROCPOOL_EXIT_RESTART_POLICY: i32 = 3;
/// Killed by request_timeout.
pub const PROCPOOL_EXIT_REQUEST_TIMEOUT: i32 = 4;

/// The figures now (in the running pool: any callback, manager or worker) or as the last run ended.
fn current(pool: &procpool_pool) -> FfiResult<PoolStats> {
    if Context.role() != procpool::Role::Idle {
        return Ok(Context.stats()?);
    }
    pool.last_stats().ok_or_else(|| {
        FfiError::state("no figures yet: the pool has not run (call procpool_pool_stats in a callback or after procpool_pool_start returned)")
    })
}

/// Copies the first `size` bytes of `value` to `out` (never more than the struct holds).
fn write_sized<T: Copy>(out: *mut T, size: u32, value: &T) -> FfiResult {
    let len = (size as usize).min(std::mem::size_of::<T>());
    // SAFETY: the caller promises `size` writable bytes at `out`; we write at most that many, from a
    // value of the same layout (a newer struct is only ever longer).
    unsafe { std::ptr::copy_nonoverlapping((value as *const T).cast::<u8>(), out.cast::<u8>(), len) };
    Ok(())
}

fn read_size<T>(out: *mut T) -> FfiResult<u32> {
    if out.is_null() {
        return Err(FfiError::null("stats_out"));
    }
    // SAFETY: non-NULL (checked); the caller set the struct's first field, `size`, before the call.
    let size = unsafe { out.cast::<u32>().read_unaligned() };
    if size < 8 {
        return Err(FfiError::invalid(
            "size must be set to sizeof the struct before the call",
        ));
    }
    Ok(size)
}

/// Writes the pool's figures to `*stats_out`: in any callback of a running pool (the manager's or a
/// worker's), or after `procpool_pool_start` returned (the figures as the pool ended). Set
/// `stats_out->size = sizeof(procpool_stats)` first.
///
/// Errors: `PROCPOOL_ERR_NULL`; `PROCPOOL_ERR_INVALID_ARGUMENT` if `size` is not set;
/// `PROCPOOL_ERR_STATE` before the pool ran. Ownership: the struct is the caller's; nothing to free.
#[no_mangle]
pub extern "C" fn procpool_pool_stats(pool: *const procpool_pool, stats_out: *mut procpool_stats) -> procpool_result {
    guard(|| {
        let pool = handle(pool)?;
        let size = read_size(stats_out)?;
        let s = current(pool)?;
        let figures = procpool_stats {
            size,
            version: PROCPOOL_STATS_VERSION,
            master_pid: s.master_pid,
            ipc_mode: s.ipc_mode as i32,
            uptime: s.uptime.as_secs_f64(),
            workers: s.workers as u32,
            workers_alive: s.workers_alive as u32,
            by_state: s.by_state.map(|n| n as u32),
            worker_starts: s.worker_starts,
            worker_exits: s.exits,
            reloads: s.reloads,
            crash_loop: s.crash_loop,
            messages: s.messages,
            queue_depth: s.queue_depth.map_or(-1, |d| d as i64),
        };
        write_sized(stats_out, size, &figures)
    })
}

/// Writes worker `worker_id`'s figures to `*stats_out`, under the same conditions as
/// `procpool_pool_stats`. Set `stats_out->size = sizeof(procpool_worker_stats)` first.
///
/// Errors: `PROCPOOL_ERR_NULL`; `PROCPOOL_ERR_INVALID_ARGUMENT` if `size` is not set or
/// `worker_id >= worker_num`; `PROCPOOL_ERR_STATE` before the pool ran. Ownership: the caller's.
#[no_mangle]
pub extern "C" fn procpool_pool_worker_stats(
    pool: *const procpool_pool,
    worker_id: u32,
    stats_out: *mut procpool_worker_stats,
) -> procpool_result {
    guard(|| {
        let pool = handle(pool)?;
        let size = read_size(stats_out)?;
        let s = current(pool)?;
        let w = s.worker(i64::from(worker_id))?;
        let figures = procpool_worker_stats {
            size,
            id: w.id as u32,
            pid: w.pid.unwrap_or(0),
            state: procpool::WorkerState::ALL
                .iter()
                .position(|&x| x == w.state)
                .unwrap_or(0) as i32,
            started_at: w.started_at,
            messages: w.messages,
            busy_for: w.busy_for.map_or(-1.0, |d| d.as_secs_f64()),
            rss: w.rss.map_or(-1, |r| r as i64),
            restarts: w.restarts,
        };
        write_sized(stats_out, size, &figures)
    })
}
