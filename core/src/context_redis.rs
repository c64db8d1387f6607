//! `Context`'s REDIS actions: the entry in hand, its failure text, and `push()`. Kept here, above
//! the transport (core/src/ipc/redis.rs), which never sees the process state or `Context`.

use crate::context::Context;
use crate::error::{Error, Result};
use crate::ipc::redis::{xadd, RedisEntry, FAILURE, IN_HAND, PUSH, RUNNING};
use crate::state::{self, Role};

impl Context {
    /// REDIS, inside `Message`: the entry in hand (id, fields, deliveries). None elsewhere.
    pub fn redis_entry(&self) -> Option<RedisEntry> {
        IN_HAND.lock().clone()
    }

    /// REDIS, inside `Message`: runs `f` on the entry in hand without copying it.
    pub fn with_redis_entry<T>(&self, f: impl FnOnce(Option<&RedisEntry>) -> T) -> T {
        f(IN_HAND.lock().as_ref())
    }

    /// REDIS, inside `Message`: records why it failed, for the dead-letter entry if the entry is
    /// dead-lettered (an adapter calls it before returning `Outcome::Failed` or `Outcome::Fatal`).
    pub fn set_message_error(&self, text: &str) {
        *FAILURE.lock() = Some(text.to_owned());
    }

    /// REDIS, in the manager or a worker of a running pool: XADDs `data` (field `data`) to the
    /// pool's stream; returns the entry's id. A worker keeps one connection for its pushes; the
    /// manager connects for each (it must not hold a connection across a fork).
    pub fn redis_push(&self, data: &[u8]) -> Result<String> {
        let config = RUNNING
            .lock()
            .clone()
            .ok_or_else(|| Error::WrongState("no PROCPOOL_IPC_REDIS pool is running".into()))?;
        if state::role() != Role::Worker {
            return config.push(data);
        }
        let pid = std::process::id();
        let mut cached = PUSH.lock();
        if cached.as_ref().is_some_and(|(owner, _)| *owner != pid) {
            *cached = None;
        }
        if cached.is_none() {
            let conn = config.connect().map_err(|e| config.failure("connect to", &e))?;
            *cached = Some((pid, conn));
        }
        let (_, conn) = cached.as_mut().expect("just connected");
        match xadd(conn, &config.stream, data) {
            Ok(id) => Ok(id),
            Err(e) => {
                *cached = None;
                Err(config.failure("XADD to", &e))
            }
        }
    }
}
