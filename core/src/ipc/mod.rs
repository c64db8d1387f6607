//! The worker loops of the message modes. Each one waits for work, runs `Message` once per
//! message, and returns when the worker must leave its loop (SIGTERM, `stop()`, `detach()`).

pub mod msgqueue;
pub(crate) mod socket;
pub mod unixsock;

use crate::runtime::Context;
use crate::worker_signals;

/// Whether the worker's message loop must end before taking more work.
pub(crate) fn must_leave(ctx: &Context) -> bool {
    worker_signals::term_requested() || !ctx.worker_running() || ctx.is_detached()
}
