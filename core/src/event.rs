//! The events of a pool's life that the embedder's callbacks answer, and how a callback ended.
//! A leaf: everything else may import it.

/// A callback the embedder registers with `on()` (PHP) or `procpool_pool_on_*` (C).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// In the manager, before the first fork.
    Start,
    /// In each worker, right after its fork.
    WorkerStart,
    /// In a worker of a message mode, once per message.
    Message,
    /// In a worker whose loop ended normally.
    WorkerStop,
    /// In the manager, when the shutdown begins.
    Shutdown,
}

impl Event {
    /// A neutral name for messages ("the Message callback").
    pub fn name(self) -> &'static str {
        match self {
            Event::Start => "Start",
            Event::WorkerStart => "WorkerStart",
            Event::Message => "Message",
            Event::WorkerStop => "WorkerStop",
            Event::Shutdown => "Shutdown",
        }
    }
}

/// How a callback ended. `Fatal` means the embedder's runtime cannot go on in this process
/// (e.g. a PHP fatal error): the worker exits at once with that code, without `WorkerStop`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The callback returned.
    Normal,
    /// The callback failed (e.g. an uncaught exception), but the worker goes on as Swoole's does
    /// (WorkerStop runs, the worker exits 0, or it serves messages). The manager is told, so that
    /// the crash-loop guard counts a worker that keeps failing this way as crashing.
    Failed,
    /// The embedder's runtime cannot go on: the worker exits with `exit_code` at once.
    Fatal {
        /// The worker's exit status.
        exit_code: i32,
    },
}
