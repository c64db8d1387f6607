//! Functions a callback calls to act on the current process of a running pool (the manager or a
//! worker), through the core's `Context`. They take no pool: a process runs at most one pool. Named
//! `procpool_<noun>_<verb>` after what they act on: the worker, the manager, the request in hand,
//! the queue (`procpool_message_send` / `procpool_worker_pipe_fd` are in unixsock.rs).

use procpool::{Context, Role};

use crate::panic::guard;
use crate::ptr::write_out;
use crate::result::{named, procpool_result, FfiError, FfiResult, PROCPOOL_ERR_INTERRUPTED, PROCPOOL_ERR_SYSTEM};

fn in_worker(what: &str) -> FfiResult<usize> {
    Context
        .worker_id()
        .ok_or_else(|| FfiError::state(format!("{what}: this process is not a worker of a running pool")))
}

/// Starts the graceful shutdown of the running pool: sends SIGTERM to its manager (the Shutdown
/// callback runs, the workers are stopped, `procpool_pool_start` returns). Usable in the manager
/// (e.g. in the Start callback) and in any worker.
///
/// Errors: `PROCPOOL_ERR_STATE` if no pool runs in this process; `PROCPOOL_ERR_SYSTEM` if kill(2) failed.
#[no_mangle]
pub extern "C" fn procpool_manager_shutdown() -> procpool_result {
    guard(|| Context.shutdown().map_err(|e| named("procpool_manager_shutdown", e)))
}

/// In a worker: leaves the pool. The manager forks a replacement for this worker's id at once and
/// will neither signal nor replace this process again; it keeps running the caller's code and exits
/// when it wants (WorkerStop still runs when WorkerStart returns).
///
/// Errors: `PROCPOOL_ERR_STATE` outside a worker or when this worker already detached;
/// `PROCPOOL_ERR_SYSTEM` if the manager could not be told (a warning on stderr gives the reason).
#[no_mangle]
pub extern "C" fn procpool_worker_detach() -> procpool_result {
    guard(|| {
        let id = in_worker("procpool_worker_detach")?;
        if Context.is_detached() {
            return Err(FfiError::state(format!(
                "procpool_worker_detach: worker#{id} has already detached"
            )));
        }
        if !Context.detach() {
            return Err(FfiError::new(
                PROCPOOL_ERR_SYSTEM,
                format!("procpool_worker_detach: worker#{id} could not tell the manager it detaches"),
            ));
        }
        Ok(())
    })
}

/// In a worker: asks it to leave its message loop after the current message (it then exits and is
/// replaced). In a PROCPOOL_IPC_NONE worker the loop is WorkerStart itself, so this only records the
/// request; return from WorkerStart to end the worker.
///
/// Errors: `PROCPOOL_ERR_STATE` outside a worker.
#[no_mangle]
pub extern "C" fn procpool_worker_stop() -> procpool_result {
    guard(|| {
        in_worker("procpool_worker_stop")?;
        Context.stop();
        Ok(())
    })
}

/// Writes the id of the current worker (0 .. worker_num - 1) to `*id_out`.
///
/// Errors: `PROCPOOL_ERR_NULL`; `PROCPOOL_ERR_STATE` outside a worker (in the manager, or when no
/// pool runs). `*id_out` is written only on success.
#[no_mangle]
pub extern "C" fn procpool_worker_id(id_out: *mut u32) -> procpool_result {
    guard(|| {
        if id_out.is_null() {
            return Err(FfiError::null("id_out"));
        }
        let id = in_worker("procpool_worker_id")?;
        // id < worker_num, which came in as a u32.
        write_out(id_out, id as u32);
        Ok(())
    })
}

/// Writes the pid of the running pool's manager to `*pid_out` (in the manager or in a worker).
///
/// Errors: `PROCPOOL_ERR_NULL`; `PROCPOOL_ERR_STATE` if no pool runs in this process (before
/// `procpool_pool_start` or after it returned). `*pid_out` is written only on success.
#[no_mangle]
pub extern "C" fn procpool_master_pid(pid_out: *mut i32) -> procpool_result {
    guard(|| {
        if pid_out.is_null() {
            return Err(FfiError::null("pid_out"));
        }
        let pid = Context
            .master_pid()
            .ok_or_else(|| FfiError::state("procpool_master_pid: no pool is running in this process"))?;
        write_out(pid_out, pid);
        Ok(())
    })
}

/// Writes the current pid of worker `worker_id` to `*pid_out`, as the manager last recorded it
/// (a replacement's pid once the slot has been respawned). In a worker, its own id gives getpid().
///
/// Errors: `PROCPOOL_ERR_NULL`; `PROCPOOL_ERR_STATE` if no pool runs in this process or the slot has
/// no live process right now (between a worker's death and its replacement);
/// `PROCPOOL_ERR_INVALID_ARGUMENT` if `worker_id >= worker_num`. `*pid_out` is written only on success.
#[no_mangle]
pub extern "C" fn procpool_worker_pid(worker_id: u32, pid_out: *mut i32) -> procpool_result {
    guard(|| {
        if pid_out.is_null() {
            return Err(FfiError::null("pid_out"));
        }
        if Context.role() == Role::Idle {
            return Err(FfiError::state(
                "procpool_worker_pid: no pool is running in this process",
            ));
        }
        Context
            .worker_id_in_range(i64::from(worker_id))
            .map_err(|e| named("procpool_worker_pid", e))?;
        let pid = Context.worker_pid(worker_id as usize).ok_or_else(|| {
            FfiError::state(format!(
                "procpool_worker_pid: worker#{worker_id} has no live process right now"
            ))
        })?;
        write_out(pid_out, pid);
        Ok(())
    })
}

/// PROCPOOL_IPC_SOCKET, inside the Message callback: appends `len` bytes at `data` to the reply of the
/// request in hand. The reply (everything written during the callback, in order) is sent when the
/// callback returns, framed as a 4-byte big-endian length + the bytes; then the connection is closed.
///
/// Errors: `PROCPOOL_ERR_NULL` if `data` is NULL and `len` > 0; `PROCPOOL_ERR_INVALID_ARGUMENT` if
/// `len` is 0 (nothing to write); `PROCPOOL_ERR_STATE` outside the Message callback of a SOCKET
/// worker (WorkerStart, the manager, no running pool). Nothing is written on error.
///
/// Ownership: `data` is borrowed for the duration of the call; the bytes are copied.
#[no_mangle]
pub extern "C" fn procpool_request_write(data: *const u8, len: usize) -> procpool_result {
    guard(|| {
        if len == 0 {
            return Err(FfiError::invalid(
                "procpool_request_write: len is 0 (an empty write sends nothing)",
            ));
        }
        if data.is_null() {
            return Err(FfiError::null("data"));
        }
        if !Context.write(crate::ptr::bytes(data, len)) {
            return Err(FfiError::state(
                "procpool_request_write: no request in hand (only usable inside the Message callback of a PROCPOOL_IPC_SOCKET worker)",
            ));
        }
        Ok(())
    })
}

/// PROCPOOL_IPC_MSGQUEUE, in a worker: sends `len` bytes at `data` to the pool's queue as one message
/// (type 1); any worker (or a `procpool_queue_pop`) takes it. Blocks while the queue is full (its byte
/// limit, `/proc/sys/kernel/msgmnb`, is often 16384), also across signals.
///
/// Errors: `PROCPOOL_ERR_NULL` if `data` is NULL and `len` > 0; `PROCPOOL_ERR_INVALID_ARGUMENT` if
/// `len` is 0 or larger than `PROCPOOL_MSGQUEUE_MAX_MESSAGE`; `PROCPOOL_ERR_STATE` outside a worker of
/// a running PROCPOOL_IPC_MSGQUEUE pool; `PROCPOOL_ERR_SYSTEM` if msgsnd(2) failed, e.g. EINVAL for a
/// message longer than the system's `/proc/sys/kernel/msgmax` (often 8192), or the queue was removed.
///
/// Ownership: `data` is borrowed for the duration of the call; the bytes are copied.
#[no_mangle]
pub extern "C" fn procpool_queue_push(data: *const u8, len: usize) -> procpool_result {
    guard(|| {
        in_worker("procpool_queue_push")?;
        if len == 0 {
            return Err(FfiError::invalid("procpool_queue_push: len is 0 (an empty message)"));
        }
        if data.is_null() {
            return Err(FfiError::null("data"));
        }
        Context
            .push(crate::ptr::bytes(data, len))
            .map_err(|e| named("procpool_queue_push", e))?;
        Ok(())
    })
}

/// PROCPOOL_IPC_MSGQUEUE, in a worker (typically a WorkerStart callback of a pool with no Message
/// callback): waits for the next message of the pool's queue (any type), copies it into `buf` and
/// writes the number of bytes copied to `*len_out`.
///
/// Truncation: a message longer than `cap` is cut to its first `cap` bytes; the rest is lost (the
/// message is taken from the queue all the same). `*len_out == cap` may thus mean "cut": use a buffer
/// of `PROCPOOL_MSGQUEUE_MAX_MESSAGE` bytes to never truncate. Messages longer than
/// `PROCPOOL_MSGQUEUE_MAX_MESSAGE` are cut to that size whatever `cap` is.
///
/// Interruption: a signal that interrupts the wait ends it without a message:
/// `PROCPOOL_ERR_INTERRUPTED`. SIGTERM (shutdown or reload) is delivered this way: return from
/// WorkerStart then, so that the worker stops (WorkerStop runs, it exits 0).
///
/// Errors: `PROCPOOL_ERR_NULL` if `len_out` is NULL, or `buf` is NULL and `cap` > 0;
/// `PROCPOOL_ERR_STATE` outside a worker of a running PROCPOOL_IPC_MSGQUEUE pool;
/// `PROCPOOL_ERR_INTERRUPTED` as above; `PROCPOOL_ERR_QUEUE_GONE` if the queue was removed (e.g. with
/// `ipcrm`): nothing more can come from it; `PROCPOOL_ERR_SYSTEM` if msgrcv(2) failed otherwise.
/// `buf` and `*len_out` are written only on success.
///
/// Ownership: `buf` (`cap` writable bytes) stays the caller's; nothing is kept after the call.
#[no_mangle]
pub extern "C" fn procpool_queue_pop(buf: *mut u8, cap: usize, len_out: *mut usize) -> procpool_result {
    guard(|| {
        if len_out.is_null() {
            return Err(FfiError::null("len_out"));
        }
        if buf.is_null() && cap > 0 {
            return Err(FfiError::null("buf"));
        }
        in_worker("procpool_queue_pop")?;
        let Some(message) = Context.pop().map_err(|e| named("procpool_queue_pop", e))? else {
            return Err(FfiError::new(
                PROCPOOL_ERR_INTERRUPTED,
                "procpool_queue_pop: the wait was interrupted by a signal (SIGTERM: the worker is asked to stop; return from WorkerStart)",
            ));
        };
        // buf is non-NULL when cap > 0 (checked above); the C caller promises `cap` writable bytes.
        let n = message.len().min(cap);
        crate::ptr::copy_to(buf, &message[..n]);
        write_out(len_out, n);
        Ok(())
    })
}
