//! The transports of the message modes. Each `serve()` waits for work, hands each message to the
//! worker's `Delivery`, and returns when the worker must leave its loop (SIGTERM, `stop()`,
//! `detach()`). Transports know nothing of the process-global state or of `Context`: what they need
//! (the worker's slot in the shared table, how to deliver a message) is passed in.

pub(crate) mod event_loop;
pub mod msgqueue;
pub mod redis;
pub(crate) mod socket;
pub mod unixsock;

use crate::event::Outcome;
use crate::worker_table::WorkerTable;

/// What a transport's loop does with the messages it receives; the worker implements it over the
/// embedder's `Handler`.
pub(crate) trait Delivery {
    /// Runs `Message` once for `data`.
    fn message(&mut self, data: &[u8]) -> Outcome;
    /// SOCKET: runs `Message` once for a request and returns what it wrote as the reply.
    fn request(&mut self, data: &[u8]) -> (Outcome, Vec<u8>);
    /// Whether the loop must end before taking more work (SIGTERM, `stop()`, `detach()`).
    fn must_leave(&self) -> bool;
}

/// A worker's place in the shared worker table.
#[derive(Clone, Copy)]
pub(crate) struct WorkerSlot<'a> {
    pub id: usize,
    pub table: &'a WorkerTable,
}

/// Runs a blocking call that only a signal can interrupt (msgrcv, a raw pipe read). The worker is
/// marked waiting before its last look at `must_leave`, so a SIGTERM landing between that look and
/// the call is re-sent by the manager and interrupts the wait (see manager.rs). None: the worker
/// must leave, and `block` was not called. Outside a worker (`slot` None) nothing is marked.
pub(crate) fn wait_interruptibly<T>(
    slot: Option<WorkerSlot>,
    must_leave: impl Fn() -> bool,
    block: impl FnOnce() -> T,
) -> Option<T> {
    if let Some(slot) = slot {
        slot.table.set_waiting(slot.id, true);
    }
    let result = if must_leave() { None } else { Some(block()) };
    if let Some(slot) = slot {
        slot.table.set_waiting(slot.id, false);
    }
    result
}
