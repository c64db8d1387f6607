//! A coroutine-mode pool's handler: the pool's `PhpHandler` for everything the manager does, and in
//! the worker `WorkerStart` and each `Message` in a coroutine of their own, the event loop's runtime
//! (timers, signals) and `WorkerExit`.

use std::os::fd::RawFd;
use std::panic::AssertUnwindSafe;
use std::time::Instant;

use ext_php_rs::types::{ZendStr, Zval};
use ext_php_rs::zend::try_catch;
use procpool::{Context, CoroutineRuntime, Event, Handler, Outcome};

use super::{runtime, signal};
use crate::callbacks::PhpHandler;
use crate::zend::{self, Pending};

pub struct CoroutineHandler<'a> {
    inner: &'a mut PhpHandler,
    worker_id: usize,
}

impl<'a> CoroutineHandler<'a> {
    pub fn new(inner: &'a mut PhpHandler) -> CoroutineHandler<'a> {
        CoroutineHandler { inner, worker_id: 0 }
    }
}

impl Handler for CoroutineHandler<'_> {
    fn on_start(&mut self, ctx: &Context) {
        self.inner.on_start(ctx);
    }

    /// Swoole: WorkerStart runs in a coroutine; when it suspends (or ends) the worker's loop starts.
    /// The pool's SIGTERM handling (stop, then WorkerExit until the coroutines end) is in place
    /// before, and after WorkerStart it is put back unless the script took SIGTERM with
    /// `Process::signal()` (from then on `Process::signal(SIGTERM)` is refused, as in Swoole).
    fn on_worker_start(&mut self, _ctx: &Context, worker_id: usize) -> Outcome {
        self.worker_id = worker_id;
        if let Err(e) = runtime::enter_worker() {
            Context.log_warning(&format!("coroutine mode: cannot make the signal pipe: {e}"));
            return Outcome::Fatal { exit_code: 1 };
        }
        install_pool_sigterm();
        let outcome = match self.inner.callbacks.worker_start.as_ref().map(Zval::shallow_clone) {
            Some(callback) => {
                let mut id = Zval::new();
                id.set_long(worker_id as i64);
                runtime::spawn_in_loop(&callback, vec![self.inner.this.shallow_clone(), id])
            }
            None => Outcome::Normal,
        };
        if outcome == Outcome::Normal && !runtime::has_script_signal(libc::SIGTERM) {
            install_pool_sigterm();
            runtime::reserve_signal(libc::SIGTERM);
        }
        zend::flush_output();
        outcome
    }

    /// Each message runs in a coroutine of its own, so a handler that sleeps does not hold up the
    /// next one.
    fn on_message(&mut self, _ctx: &Context, data: &[u8]) -> Outcome {
        let Some(callback) = self.inner.callbacks.message.as_ref().map(Zval::shallow_clone) else {
            return Outcome::Normal;
        };
        let mut message = Zval::new();
        message.set_zend_string(ZendStr::new(data, false));
        runtime::spawn_in_loop(&callback, vec![self.inner.this.shallow_clone(), message])
    }

    fn implements(&self, event: Event) -> bool {
        self.inner.implements(event)
    }

    fn on_worker_stop(&mut self, ctx: &Context, worker_id: usize) {
        self.inner.on_worker_stop(ctx, worker_id);
    }

    fn on_shutdown(&mut self, ctx: &Context) {
        self.inner.on_shutdown(ctx);
    }

    fn forked_copy_exit_status(&mut self) -> i32 {
        self.inner.forked_copy_exit_status()
    }

    fn coroutine_runtime(&mut self) -> Option<&mut dyn CoroutineRuntime> {
        Some(self)
    }
}

impl CoroutineRuntime for CoroutineHandler<'_> {
    fn wake_fd(&self) -> Option<RawFd> {
        signal::read_fd()
    }

    fn next_deadline(&mut self) -> Option<Instant> {
        runtime::next_deadline()
    }

    fn run_due(&mut self, now: Instant) -> Outcome {
        runtime::run_due(now)
    }

    fn alive(&self) -> bool {
        runtime::alive()
    }

    /// Swoole calls WorkerExit outside any coroutine, once per loop turn while the stopping
    /// worker's coroutines still run. An exception in it is reported; a fatal error ends the worker.
    fn on_worker_exit(&mut self) -> Outcome {
        let Some(callback) = self.inner.callbacks.worker_exit.as_ref().map(Zval::shallow_clone) else {
            return Outcome::Normal;
        };
        let mut id = Zval::new();
        id.set_long(self.worker_id as i64);
        let this = self.inner.this.shallow_clone();
        let called = try_catch(AssertUnwindSafe(|| callback.try_call(vec![&this, &id])));
        match called {
            Err(_) => Outcome::Fatal { exit_code: 255 },
            Ok(_) => match zend::pending() {
                Pending::Nothing => Outcome::Normal,
                Pending::Exception => {
                    zend::report_pending_exception();
                    Outcome::Normal
                }
                Pending::Exit => runtime::settle_in_loop(runtime::Ran::Exit),
            },
        }
    }
}

/// The pool's own SIGTERM action in coroutine mode: the runtime stops the worker (Swoole's
/// `process_pool_signal_handler`).
fn install_pool_sigterm() {
    if let Err(e) = runtime::set_pool_stop_signal(libc::SIGTERM) {
        Context.log_warning(&format!("coroutine mode: cannot handle SIGTERM: {e}"));
    }
}
