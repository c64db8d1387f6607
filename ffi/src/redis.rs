//! PROCPOOL_IPC_REDIS from C: the pool's settings (`procpool_pool_set_redis_*`), pushing to the
//! pool's stream, and the entry in hand inside the Message callback.

use std::ffi::c_char;

use procpool::config::duration_setting;
use procpool::{Context, IpcMode, PoolConfig};

use crate::panic::guard;
use crate::pool::{configure, procpool_pool};
use crate::ptr::{self, write_out};
use crate::result::{mode_name, named, procpool_result, FfiError, FfiResult};

/// The size of a buffer that holds any Redis stream entry id with its NUL (`<ms>-<seq>`, two
/// 64-bit numbers).
pub const PROCPOOL_REDIS_ID_MAX: usize = 48;

fn redis_only(config: &PoolConfig, what: &str) -> FfiResult {
    if config.ipc_mode != IpcMode::Redis {
        return Err(FfiError::state(format!(
            "{what}: only for a PROCPOOL_IPC_REDIS pool (this one is {})",
            mode_name(config.ipc_mode)
        )));
    }
    Ok(())
}

/// A required, non-empty UTF-8 string argument.
fn text(value: *const c_char, what: &str) -> FfiResult<String> {
    if value.is_null() {
        return Err(FfiError::null(what));
    }
    let text = ptr::c_str(value)
        .to_str()
        .map_err(|_| FfiError::invalid(format!("{what} is not valid UTF-8")))?;
    if text.is_empty() {
        return Err(FfiError::invalid(format!("{what} must not be empty")));
    }
    Ok(text.to_owned())
}

/// A string argument where NULL means "the default".
fn optional_text(value: *const c_char, what: &str) -> FfiResult<Option<String>> {
    if value.is_null() {
        return Ok(None);
    }
    text(value, what).map(Some)
}

/// PROCPOOL_IPC_REDIS: the server, `redis://[user:password@]host:port/db` or a unix socket
/// `unix:/path/to/redis.sock` (`?db=N&pass=...`). Default `redis://127.0.0.1:6379`. The password
/// never appears in procpool's messages.
///
/// Errors: `PROCPOOL_ERR_NULL`; `PROCPOOL_ERR_INVALID_ARGUMENT` for an empty or malformed URL;
/// `PROCPOOL_ERR_STATE` if the pool is not a PROCPOOL_IPC_REDIS pool, or was started.
///
/// Ownership: `url` is borrowed for the duration of the call (copied).
#[no_mangle]
pub extern "C" fn procpool_pool_set_redis_url(pool: *mut procpool_pool, url: *const c_char) -> procpool_result {
    guard(|| {
        let url = text(url, "url")?;
        configure(pool, |config| {
            redis_only(config, "procpool_pool_set_redis_url")?;
            config.redis.url = url;
            Ok(())
        })
    })
}

/// PROCPOOL_IPC_REDIS: the stream the workers read (required). Producers add entries with
/// `XADD <stream> * data <payload>` (or `procpool_redis_push`); Message gets the `data` field.
///
/// Errors: `PROCPOOL_ERR_NULL`; `PROCPOOL_ERR_INVALID_ARGUMENT` if empty; `PROCPOOL_ERR_STATE` if
/// the pool is not a PROCPOOL_IPC_REDIS pool, or was started.
///
/// Ownership: `stream` is borrowed for the duration of the call (copied).
#[no_mangle]
pub extern "C" fn procpool_pool_set_redis_stream(pool: *mut procpool_pool, stream: *const c_char) -> procpool_result {
    guard(|| {
        let stream = text(stream, "stream")?;
        configure(pool, |config| {
            redis_only(config, "procpool_pool_set_redis_stream")?;
            config.redis.stream = stream;
            Ok(())
        })
    })
}

/// PROCPOOL_IPC_REDIS: the consumer group (default "procpool"). `procpool_pool_start` creates it
/// when missing (XGROUP CREATE ... 0 MKSTREAM: from the start of the stream). Every pool on every
/// host that shares the group shares the work.
///
/// Errors: `PROCPOOL_ERR_NULL`; `PROCPOOL_ERR_INVALID_ARGUMENT` if empty; `PROCPOOL_ERR_STATE` if
/// the pool is not a PROCPOOL_IPC_REDIS pool, or was started.
///
/// Ownership: `group` is borrowed for the duration of the call (copied).
#[no_mangle]
pub extern "C" fn procpool_pool_set_redis_group(pool: *mut procpool_pool, group: *const c_char) -> procpool_result {
    guard(|| {
        let group = text(group, "group")?;
        configure(pool, |config| {
            redis_only(config, "procpool_pool_set_redis_group")?;
            config.redis.group = group;
            Ok(())
        })
    })
}

/// PROCPOOL_IPC_REDIS: the consumer name prefix; worker N is consumer `<prefix>-N`, so a
/// replacement is the same consumer as the worker it replaces (and handles its pending entries
/// first). NULL: the host name (the default). Two pools on one host that share a group need
/// different prefixes.
///
/// Errors: `PROCPOOL_ERR_INVALID_ARGUMENT` if empty; `PROCPOOL_ERR_STATE` if the pool is not a
/// PROCPOOL_IPC_REDIS pool, or was started; `PROCPOOL_ERR_NULL` if `pool` is NULL.
///
/// Ownership: `prefix` is borrowed for the duration of the call (copied).
#[no_mangle]
pub extern "C" fn procpool_pool_set_redis_consumer(pool: *mut procpool_pool, prefix: *const c_char) -> procpool_result {
    guard(|| {
        let prefix = optional_text(prefix, "prefix")?;
        configure(pool, |config| {
            redis_only(config, "procpool_pool_set_redis_consumer")?;
            config.redis.consumer = prefix;
            Ok(())
        })
    })
}

/// PROCPOOL_IPC_REDIS: an entry delivered this many times without being acknowledged (its Message
/// callback returned non-zero, or its worker died in it) is moved to the dead-letter stream and
/// acknowledged. Default 5; at least 1.
///
/// Errors: `PROCPOOL_ERR_NULL`; `PROCPOOL_ERR_INVALID_ARGUMENT` for 0; `PROCPOOL_ERR_STATE` if the
/// pool is not a PROCPOOL_IPC_REDIS pool, or was started.
#[no_mangle]
pub extern "C" fn procpool_pool_set_redis_max_deliveries(pool: *mut procpool_pool, count: u32) -> procpool_result {
    guard(|| {
        configure(pool, |config| {
            redis_only(config, "procpool_pool_set_redis_max_deliveries")?;
            config.redis.max_deliveries = count;
            Ok(())
        })
    })
}

/// PROCPOOL_IPC_REDIS: the dead-letter stream. NULL: `<stream>:dead` (the default). Each dead
/// entry keeps the original fields and adds `procpool.id`, `procpool.stream`, `procpool.group`,
/// `procpool.consumer`, `procpool.deliveries` and `procpool.error`.
///
/// Errors: `PROCPOOL_ERR_INVALID_ARGUMENT` if empty or the pool's own stream; `PROCPOOL_ERR_STATE`
/// if the pool is not a PROCPOOL_IPC_REDIS pool, or was started; `PROCPOOL_ERR_NULL` if `pool` is
/// NULL.
///
/// Ownership: `stream` is borrowed for the duration of the call (copied).
#[no_mangle]
pub extern "C" fn procpool_pool_set_redis_dead_letter_stream(
    pool: *mut procpool_pool,
    stream: *const c_char,
) -> procpool_result {
    guard(|| {
        let stream = optional_text(stream, "stream")?;
        configure(pool, |config| {
            redis_only(config, "procpool_pool_set_redis_dead_letter_stream")?;
            config.redis.dead_letter_stream = stream;
            Ok(())
        })
    })
}

/// PROCPOOL_IPC_REDIS: entries pending (delivered, not acknowledged) for longer than this many
/// seconds in any consumer of the group, e.g. those of a pool or host that died, are claimed by
/// worker 0 of a live pool and handled. Default 60. Keep it above the longest Message: a slower
/// one would have its entry handled a second time elsewhere.
///
/// Errors: `PROCPOOL_ERR_NULL`; `PROCPOOL_ERR_INVALID_ARGUMENT` unless 0 < seconds <= one year;
/// `PROCPOOL_ERR_STATE` if the pool is not a PROCPOOL_IPC_REDIS pool, or was started.
#[no_mangle]
pub extern "C" fn procpool_pool_set_redis_claim_idle(pool: *mut procpool_pool, seconds: f64) -> procpool_result {
    guard(|| {
        configure(pool, |config| {
            redis_only(config, "procpool_pool_set_redis_claim_idle")?;
            config.redis.claim_idle = duration_setting("claim_idle", seconds, false)?;
            Ok(())
        })
    })
}

/// PROCPOOL_IPC_REDIS: how many new entries a worker reads at once (XREADGROUP COUNT). Default 10,
/// from 1 to 10000. Entries read but not begun when a worker stops stay pending for its consumer
/// (its replacement takes them first).
///
/// Errors: `PROCPOOL_ERR_NULL`; `PROCPOOL_ERR_INVALID_ARGUMENT` out of range; `PROCPOOL_ERR_STATE`
/// if the pool is not a PROCPOOL_IPC_REDIS pool, or was started.
#[no_mangle]
pub extern "C" fn procpool_pool_set_redis_batch(pool: *mut procpool_pool, count: u32) -> procpool_result {
    guard(|| {
        configure(pool, |config| {
            redis_only(config, "procpool_pool_set_redis_batch")?;
            config.redis.batch = count as usize;
            Ok(())
        })
    })
}

/// PROCPOOL_IPC_REDIS, in the manager (e.g. the Start callback) or a worker of a running pool: adds
/// `len` bytes at `data` to the pool's stream as the field `data` (XADD). If `id_out` is not NULL,
/// the new entry's id is copied there, NUL-terminated (`id_cap` >= `PROCPOOL_REDIS_ID_MAX` always
/// suffices). A worker keeps one connection for its pushes; the manager connects for each.
///
/// Errors: `PROCPOOL_ERR_NULL` if `data` is NULL and `len` > 0; `PROCPOOL_ERR_INVALID_ARGUMENT` if
/// `id_out` is given and `id_cap` is too small (the entry was added all the same);
/// `PROCPOOL_ERR_STATE` outside a running PROCPOOL_IPC_REDIS pool; `PROCPOOL_ERR_SYSTEM` if Redis
/// could not be reached or refused the command.
///
/// Ownership: `data` is borrowed for the duration of the call; `id_out` (`id_cap` bytes) stays the
/// caller's.
#[no_mangle]
pub extern "C" fn procpool_redis_push(
    data: *const u8,
    len: usize,
    id_out: *mut c_char,
    id_cap: usize,
) -> procpool_result {
    guard(|| {
        if data.is_null() && len > 0 {
            return Err(FfiError::null("data"));
        }
        let bytes: &[u8] = if len == 0 { &[] } else { ptr::bytes(data, len) };
        let id = Context.redis_push(bytes).map_err(|e| named("procpool_redis_push", e))?;
        if !id_out.is_null() {
            copy_c_string(&id, id_out, id_cap, "procpool_redis_push")?;
        }
        Ok(())
    })
}

fn copy_c_string(text: &str, out: *mut c_char, cap: usize, what: &str) -> FfiResult {
    if text.len() + 1 > cap {
        return Err(FfiError::invalid(format!(
            "{what}: the buffer holds {cap} bytes, {} are needed",
            text.len() + 1
        )));
    }
    ptr::copy_to(out.cast(), text.as_bytes());
    // SAFETY: `out` has at least text.len() + 1 bytes (checked above; the C caller's promise).
    unsafe { *out.add(text.len()) = 0 };
    Ok(())
}

fn in_hand<T>(what: &str, f: impl FnOnce(&procpool::RedisEntry) -> FfiResult<T>) -> FfiResult<T> {
    Context.with_redis_entry(|entry| match entry {
        Some(entry) => f(entry),
        None => Err(FfiError::state(format!(
            "{what}: no entry in hand (only inside the Message callback of a PROCPOOL_IPC_REDIS worker)"
        ))),
    })
}

/// PROCPOOL_IPC_REDIS, inside the Message callback: copies the id of the entry in hand (e.g.
/// "1700000000000-0") into `buf`, NUL-terminated.
///
/// Errors: `PROCPOOL_ERR_NULL`; `PROCPOOL_ERR_INVALID_ARGUMENT` if `cap` is too small
/// (`PROCPOOL_REDIS_ID_MAX` always suffices); `PROCPOOL_ERR_STATE` outside that callback.
#[no_mangle]
pub extern "C" fn procpool_redis_entry_id(buf: *mut c_char, cap: usize) -> procpool_result {
    guard(|| {
        if buf.is_null() {
            return Err(FfiError::null("buf"));
        }
        in_hand("procpool_redis_entry_id", |entry| {
            copy_c_string(&entry.id, buf, cap, "procpool_redis_entry_id")
        })
    })
}

/// PROCPOOL_IPC_REDIS, inside the Message callback: writes how many times the entry in hand has
/// been delivered (1 the first time; more after a failure, a crash or a claim) to `*count_out`.
///
/// Errors: `PROCPOOL_ERR_NULL`; `PROCPOOL_ERR_STATE` outside that callback.
#[no_mangle]
pub extern "C" fn procpool_redis_deliveries(count_out: *mut u64) -> procpool_result {
    guard(|| {
        if count_out.is_null() {
            return Err(FfiError::null("count_out"));
        }
        let count = in_hand("procpool_redis_deliveries", |entry| Ok(entry.deliveries))?;
        write_out(count_out, count);
        Ok(())
    })
}

/// PROCPOOL_IPC_REDIS, inside the Message callback: writes the number of fields of the entry in
/// hand (`data` included) to `*count_out`; `procpool_redis_field` reads them.
///
/// Errors: `PROCPOOL_ERR_NULL`; `PROCPOOL_ERR_STATE` outside that callback.
#[no_mangle]
pub extern "C" fn procpool_redis_field_count(count_out: *mut usize) -> procpool_result {
    guard(|| {
        if count_out.is_null() {
            return Err(FfiError::null("count_out"));
        }
        let count = in_hand("procpool_redis_field_count", |entry| Ok(entry.fields.len()))?;
        write_out(count_out, count);
        Ok(())
    })
}

/// PROCPOOL_IPC_REDIS, inside the Message callback: field `index` (0 .. count - 1, in the entry's
/// order, `data` included; see `procpool_redis_field_count`) of the entry in hand: its name and
/// value as pointers and lengths (binary-safe, not NUL-terminated).
///
/// Errors: `PROCPOOL_ERR_NULL` if an out-pointer is NULL; `PROCPOOL_ERR_INVALID_ARGUMENT` for an
/// index past the last field; `PROCPOOL_ERR_STATE` outside that callback.
///
/// Ownership: the pointers are borrowed from procpool and valid until the Message callback returns.
#[no_mangle]
pub extern "C" fn procpool_redis_field(
    index: usize,
    name_out: *mut *const u8,
    name_len_out: *mut usize,
    value_out: *mut *const u8,
    value_len_out: *mut usize,
) -> procpool_result {
    guard(|| {
        for (missing, what) in [
            (name_out.is_null(), "name_out"),
            (name_len_out.is_null(), "name_len_out"),
            (value_out.is_null(), "value_out"),
            (value_len_out.is_null(), "value_len_out"),
        ] {
            if missing {
                return Err(FfiError::null(what));
            }
        }
        // The entry stays in the core's hands, unchanged, until Message returns: pointers into its
        // buffers stay valid that long.
        let (name, name_len, value, value_len) = in_hand("procpool_redis_field", |entry| {
            let (name, value) = entry.fields.get(index).ok_or_else(|| {
                FfiError::invalid(format!(
                    "procpool_redis_field: index {index} is past the entry's {} fields",
                    entry.fields.len()
                ))
            })?;
            Ok((name.as_ptr(), name.len(), value.as_ptr(), value.len()))
        })?;
        write_out(name_out, name);
        write_out(name_len_out, name_len);
        write_out(value_out, value);
        write_out(value_len_out, value_len);
        Ok(())
    })
}
