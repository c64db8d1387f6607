//! The embedder's side of the pool: the PHP extension, the C ABI and Rust programs implement
//! `Handler` and get called at each event of SPEC.md's `on()` table.

use crate::runtime::Context;

/// How a callback ended. `Fatal` means the embedder's runtime cannot go on in this process
/// (e.g. a PHP fatal error): the worker exits at once with that code, without `WorkerStop`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Normal,
    Fatal { exit_code: i32 },
}

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

    /// False when the embedder has no `Message` callback: a MSGQUEUE worker then only runs
    /// `WorkerStart` (which may use `Context::pop`) and is replaced when it returns, as in IPC_NONE.
    fn wants_messages(&self) -> bool {
        true
    }

    /// In a worker whose loop ended normally, just before it exits.
    fn on_worker_stop(&mut self, _ctx: &Context, _worker_id: usize) {}

    /// In the manager, when the shutdown begins and before workers are told to stop.
    fn on_shutdown(&mut self, _ctx: &Context) {}
}
