//! The embedder's side of the pool: the PHP extension, the C ABI and Rust programs implement
//! `Handler` and get called at each event of SPEC.md's `on()` table.

use crate::context::Context;
pub use crate::event::{Event, Outcome};
pub use crate::ipc::event_loop::CoroutineRuntime;

/// The embedder's callbacks. Every method has a default that does nothing, so a handler implements
/// the events it cares about and says which ones it has in `implements`.
pub trait Handler {
    /// In the manager, after start()'s checks and before any worker is forked.
    fn on_start(&mut self, _ctx: &Context) {}

    /// In a worker right after the fork. In IPC_NONE the worker ends when this returns.
    fn on_worker_start(&mut self, _ctx: &Context, _worker_id: usize) -> Outcome {
        Outcome::Normal
    }

    /// In a worker of a message mode, once per complete message. In SOCKET mode, what the callback
    /// passes to `Context::write` is sent back as the reply when this returns.
    fn on_message(&mut self, _ctx: &Context, _data: &[u8]) -> Outcome {
        Outcome::Normal
    }

    /// Whether the embedder registered a callback for `event`. start() checks the IPC mode's
    /// required callbacks with it; without a `Message` callback, a MSGQUEUE or UNIXSOCK worker only
    /// runs `WorkerStart` (which may read the queue or socket itself) and is replaced when it returns.
    fn implements(&self, _event: Event) -> bool {
        true
    }

    /// In a worker whose loop ended normally, just before it exits.
    fn on_worker_stop(&mut self, _ctx: &Context, _worker_id: usize) {}

    /// In the manager, when the shutdown begins and before workers are told to stop.
    fn on_shutdown(&mut self, _ctx: &Context) {}

    /// A manager callback (Start, Shutdown) forked, and the child came back out of it: the core ends
    /// that child at once (it must not run a second manager loop) with the status this returns, after
    /// the embedder has done what its runtime does at exit (e.g. PHP reports a pending exception).
    fn forked_copy_exit_status(&mut self) -> i32 {
        0
    }

    /// Coroutine mode (the PHP extension's `enable_coroutine`): the runtime whose event loop a
    /// worker runs instead of its IPC mode's loop, and which handles the worker's SIGTERM (see
    /// `CoroutineRuntime`). None, the default: no coroutine mode. The C ABI has none.
    fn coroutine_runtime(&mut self) -> Option<&mut dyn CoroutineRuntime> {
        None
    }
}
