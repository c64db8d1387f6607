//! PROCPOOL_IPC_UNIXSOCK from C: the message-bus setting, `procpool_message_send` and
//! `procpool_worker_pipe_fd`, over the core's `Context`.

use procpool::{Context, IpcMode, Role};

use crate::panic::guard;
use crate::pool::{configure, procpool_pool};
use crate::ptr::write_out;
use crate::result::{mode_name, named, procpool_result, FfiError, FfiResult};

/// PROCPOOL_IPC_UNIXSOCK: turns the message bus on or off (Swoole's `enable_message_bus`; default
/// off). Off: one `procpool_message_send` is one datagram, at most `max_package_size` bytes of it
/// reach the Message callback (the rest is cut off), and a message longer than a datagram can be
/// (425,952 bytes with Linux's default socket buffer limits) is refused. On: messages of any size are split into chunks and reassembled whole
/// before the Message callback runs; chunks of several senders never mix; a partial message whose
/// sender died is dropped (with a warning on stderr).
///
/// Errors: `PROCPOOL_ERR_NULL`; `PROCPOOL_ERR_STATE` if the pool is not a PROCPOOL_IPC_UNIXSOCK pool,
/// or was started.
#[no_mangle]
pub extern "C" fn procpool_pool_set_message_bus(pool: *mut procpool_pool, enabled: bool) -> procpool_result {
    guard(|| {
        configure(pool, |config| {
            if config.ipc_mode != IpcMode::UnixSock {
                return Err(FfiError::state(format!(
                    "procpool_pool_set_message_bus: only for a PROCPOOL_IPC_UNIXSOCK pool (this one is {})",
                    mode_name(config.ipc_mode)
                )));
            }
            config.enable_message_bus = enabled;
            Ok(())
        })
    })
}

fn running_unixsock(what: &str) -> FfiResult {
    if Context.role() == Role::Idle || Context.pipe_fd(0).is_none() {
        return Err(FfiError::state(format!(
            "{what}: no PROCPOOL_IPC_UNIXSOCK pool is running in this process"
        )));
    }
    Ok(())
}

/// PROCPOOL_IPC_UNIXSOCK, in the manager (Start callback included) or any worker: sends `len` bytes at
/// `data` to worker `dst_worker_id` (which may be the calling worker itself); its Message callback
/// gets them once. Messages of one sender to one worker arrive in order. Messages sent to a worker
/// that is being replaced wait for its replacement.
///
/// Blocking: in a worker, waits while the destination's socket buffer is full (nothing is dropped);
/// a worker sending to itself must not send more than its buffer holds before it returns to its loop.
/// In the manager it never waits: a full buffer is `PROCPOOL_ERR_WOULD_BLOCK` (with the bus, the
/// chunks already sent are dropped by the receiver later). Try again later.
///
/// Errors: `PROCPOOL_ERR_NULL` if `data` is NULL and `len` > 0; `PROCPOOL_ERR_STATE` if no
/// PROCPOOL_IPC_UNIXSOCK pool runs in this process; `PROCPOOL_ERR_WOULD_BLOCK` if the manager found
/// the buffer full, or a worker's wait was interrupted by SIGTERM (it is stopping);
/// `PROCPOOL_ERR_INVALID_ARGUMENT` if
/// `dst_worker_id >= worker_num`, or, without the message bus, the message does not fit in one
/// datagram; `PROCPOOL_ERR_SYSTEM` if sendmsg(2) failed otherwise.
///
/// Ownership: `data` is borrowed for the duration of the call; the bytes are copied.
#[no_mangle]
pub extern "C" fn procpool_message_send(data: *const u8, len: usize, dst_worker_id: u32) -> procpool_result {
    guard(|| {
        let what = "procpool_message_send";
        if data.is_null() && len > 0 {
            return Err(FfiError::null("data"));
        }
        running_unixsock(what)?;
        let bytes = if len == 0 {
            &[][..]
        } else {
            crate::ptr::bytes(data, len)
        };
        Context
            .send_message(bytes, dst_worker_id as usize)
            .map_err(|e| named(what, e))
    })
}

/// PROCPOOL_IPC_UNIXSOCK: writes to `*fd_out` this process's end of worker `worker_id`'s datagram
/// socketpair: in worker `worker_id` itself its receive end (recv(2) on it reads what is sent to this
/// worker), everywhere else the send end (send(2) on it reaches worker `worker_id`). Do not close it.
/// With the message bus on, raw datagrams must not be mixed with `procpool_message_send`; without a
/// Message callback (a pool with only WorkerStart), WorkerStart may read its own end itself.
///
/// Errors: `PROCPOOL_ERR_NULL`; `PROCPOOL_ERR_STATE` if no PROCPOOL_IPC_UNIXSOCK pool runs in this
/// process; `PROCPOOL_ERR_INVALID_ARGUMENT` if `worker_id >= worker_num`. `*fd_out` is written only
/// on success.
///
/// Ownership: the fd stays procpool's; it is valid until the pool ends (in a worker: its life).
#[no_mangle]
pub extern "C" fn procpool_worker_pipe_fd(worker_id: u32, fd_out: *mut i32) -> procpool_result {
    guard(|| {
        if fd_out.is_null() {
            return Err(FfiError::null("fd_out"));
        }
        let what = "procpool_worker_pipe_fd";
        running_unixsock(what)?;
        Context
            .worker_id_in_range(i64::from(worker_id))
            .map_err(|e| named(what, e))?;
        let fd = Context
            .pipe_fd(worker_id as usize)
            .filter(|&fd| fd >= 0)
            .ok_or_else(|| FfiError::state(format!("{what}: no socket for worker {worker_id} in this process")))?;
        write_out(fd_out, fd);
        Ok(())
    })
}
