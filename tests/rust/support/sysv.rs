//! System V message queues from the test's side.

/// The id of the existing queue of `key`, if any.
pub fn queue_of(key: i64) -> Option<i32> {
    // SAFETY: msgget with plain values, no IPC_CREAT.
    let id = unsafe { libc::msgget(key as libc::key_t, 0) };
    (id >= 0).then_some(id)
}

pub fn remove_queue(id: i32) {
    // SAFETY: msgctl(IPC_RMID) ignores the buffer.
    unsafe { libc::msgctl(id, libc::IPC_RMID, std::ptr::null_mut()) };
}

/// Removes the queue of `key` when dropped (if there is one then). Made before the pool, so that it
/// is dropped after the scenario's guard has killed the pool.
pub struct KeyGuard(pub i64);

impl KeyGuard {
    /// Also removes a queue left with this key by an earlier, killed run.
    pub fn new(key: i64) -> KeyGuard {
        if let Some(id) = queue_of(key) {
            remove_queue(id);
        }
        KeyGuard(key)
    }

    /// Creates the queue (0600) from the test, as a producer that runs before the pool would.
    pub fn create(&self) -> i32 {
        // SAFETY: msgget with plain values.
        let id = unsafe { libc::msgget(self.0 as libc::key_t, libc::IPC_CREAT | libc::IPC_EXCL | 0o600) };
        assert!(
            id >= 0,
            "msgget(create {:#x}): {}",
            self.0,
            std::io::Error::last_os_error()
        );
        id
    }

    pub fn id(&self) -> i32 {
        queue_of(self.0).unwrap_or_else(|| panic!("no queue with key {:#x}", self.0))
    }
}

impl Drop for KeyGuard {
    fn drop(&mut self) {
        if let Some(id) = queue_of(self.0) {
            remove_queue(id);
        }
    }
}
