//! The PHP callables registered with `on()`, and the `Handler` that calls them from the core.
//! Every call into PHP is guarded: an exception, `exit()` or a fatal error (a longjmp) returns to
//! Rust here, and what happens next follows SPEC.md's "Facts from running Swoole".

use std::panic::AssertUnwindSafe;

use ext_php_rs::boxed::ZBox;
use ext_php_rs::convert::IntoZvalDyn;
use ext_php_rs::types::{ZendObject, ZendStr, Zval};
use ext_php_rs::zend::{try_catch, ExecutorGlobals};
use procpool::{Context, Event as CoreEvent, Handler, Outcome};

use crate::zend::{self, Pending};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Start,
    WorkerStart,
    WorkerStop,
    Message,
    Shutdown,
    WorkerExit,
}

impl Event {
    /// Event names are case-insensitive, as in Swoole.
    pub fn parse(name: &str) -> Option<Event> {
        match name.to_ascii_lowercase().as_str() {
            "start" => Some(Event::Start),
            "workerstart" => Some(Event::WorkerStart),
            "workerstop" => Some(Event::WorkerStop),
            "message" => Some(Event::Message),
            "shutdown" => Some(Event::Shutdown),
            "workerexit" => Some(Event::WorkerExit),
            _ => None,
        }
    }
}

#[derive(Default)]
pub struct Callbacks {
    pub start: Option<Zval>,
    pub worker_start: Option<Zval>,
    pub worker_stop: Option<Zval>,
    pub message: Option<Zval>,
    pub shutdown: Option<Zval>,
    pub worker_exit: Option<Zval>,
}

impl Callbacks {
    pub fn slot(&mut self, event: Event) -> &mut Option<Zval> {
        match event {
            Event::Start => &mut self.start,
            Event::WorkerStart => &mut self.worker_start,
            Event::WorkerStop => &mut self.worker_stop,
            Event::Message => &mut self.message,
            Event::Shutdown => &mut self.shutdown,
            Event::WorkerExit => &mut self.worker_exit,
        }
    }
}

/// How a guarded call into PHP ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ended {
    Returned,
    /// An uncaught exception is pending.
    Threw,
    /// `exit()` unwound the callback; EG(exit_status) holds its status.
    Exited,
    /// A fatal error bailed out (or the call could not be made): the engine must not run more code.
    Fatal,
}

fn call_guarded(callback: &Zval, args: Vec<&dyn IntoZvalDyn>) -> Ended {
    match try_catch(AssertUnwindSafe(|| callback.try_call(args))) {
        Ok(Ok(_)) => Ended::Returned,
        Ok(Err(_)) => match zend::pending() {
            Pending::Exception => Ended::Threw,
            Pending::Exit => Ended::Exited,
            Pending::Nothing => Ended::Fatal,
        },
        Err(_) => Ended::Fatal,
    }
}

/// WorkerStart and Message: an uncaught exception is reported and `exit()` is absorbed, so the
/// worker goes on (to WorkerStop, or to the next message); only a fatal error ends it. An exception or
/// a non-zero `exit()` is still a failure the manager hears of (`Outcome::Failed`), so a WorkerStart
/// that fails every time is slowed down by the crash-loop guard instead of forked in a loop.
fn worker_outcome(ended: Ended) -> Outcome {
    match ended {
        Ended::Returned => Outcome::Normal,
        Ended::Threw => {
            zend::report_pending_exception();
            Outcome::Failed
        }
        Ended::Exited => {
            let status = ExecutorGlobals::get().exit_status;
            zend::clear_pending();
            if status == 0 {
                Outcome::Normal
            } else {
                Outcome::Failed
            }
        }
        Ended::Fatal => Outcome::Fatal { exit_code: 255 },
    }
}

/// A failure of a manager-side callback (Start, Shutdown), re-raised by start() once the pool has
/// stopped, so that the script sees it where it called start().
pub enum ManagerFailure {
    Exception(ZBox<ZendObject>),
    Exit,
    Fatal,
}

pub struct PhpHandler {
    pub callbacks: Callbacks,
    /// The `$pool` object passed as the first argument of every callback.
    pub this: Zval,
    pub manager_failure: Option<ManagerFailure>,
    /// How the last manager callback ended, for a forked copy coming back out of it.
    last_manager_call: Ended,
}

impl PhpHandler {
    pub fn new(callbacks: Callbacks, this: Zval) -> PhpHandler {
        PhpHandler {
            callbacks,
            this,
            manager_failure: None,
            last_manager_call: Ended::Returned,
        }
    }

    fn run_manager_callback(&mut self, callback: Option<&Zval>, ctx: &Context) {
        let Some(callback) = callback else { return };
        let ended = call_guarded(callback, vec![&self.this]);
        self.last_manager_call = ended;
        if ctx.master_pid() != Some(std::process::id() as i32) {
            // A child the callback forked: the core ends it (see forked_copy_exit_status).
            return;
        }
        let failure = match ended {
            Ended::Returned => return,
            Ended::Threw => ExecutorGlobals::take_exception().map(ManagerFailure::Exception),
            Ended::Exited => {
                zend::clear_pending();
                Some(ManagerFailure::Exit)
            }
            Ended::Fatal => Some(ManagerFailure::Fatal),
        };
        if self.manager_failure.is_none() {
            self.manager_failure = failure;
        }
        let _ = ctx.shutdown();
    }
}

impl Handler for PhpHandler {
    fn on_start(&mut self, ctx: &Context) {
        let callback = self.callbacks.start.as_ref().map(Zval::shallow_clone);
        self.run_manager_callback(callback.as_ref(), ctx);
    }

    fn on_worker_start(&mut self, _ctx: &Context, worker_id: usize) -> Outcome {
        let Some(callback) = self.callbacks.worker_start.as_ref().map(Zval::shallow_clone) else {
            return Outcome::Normal;
        };
        let id = worker_id as i64;
        // Swoole: an uncaught exception or exit() in WorkerStart still runs WorkerStop and exits 0.
        let outcome = worker_outcome(call_guarded(&callback, vec![&self.this, &id]));
        zend::flush_output();
        outcome
    }

    /// Swoole: an uncaught exception or exit() inside Message does not end the worker; the reply
    /// written so far is still sent and the same process serves the next message.
    fn on_message(&mut self, _ctx: &Context, data: &[u8]) -> Outcome {
        let Some(callback) = self.callbacks.message.as_ref().map(Zval::shallow_clone) else {
            return Outcome::Normal;
        };
        let mut message = Zval::new();
        message.set_zend_string(ZendStr::new(data, false));
        worker_outcome(call_guarded(&callback, vec![&self.this, &message]))
    }

    fn implements(&self, event: CoreEvent) -> bool {
        let c = &self.callbacks;
        match event {
            CoreEvent::Start => c.start.is_some(),
            CoreEvent::WorkerStart => c.worker_start.is_some(),
            CoreEvent::Message => c.message.is_some(),
            CoreEvent::WorkerStop => c.worker_stop.is_some(),
            CoreEvent::Shutdown => c.shutdown.is_some(),
            _ => false,
        }
    }

    /// As PHP would have ended it: a pending exception is reported (status 255), exit() keeps its
    /// status, and the output buffers are flushed.
    fn forked_copy_exit_status(&mut self) -> i32 {
        let status = match self.last_manager_call {
            Ended::Returned => 0,
            Ended::Threw => {
                zend::report_pending_exception();
                255
            }
            Ended::Exited => ExecutorGlobals::get().exit_status,
            Ended::Fatal => 255,
        };
        zend::end_output();
        status
    }

    fn on_worker_stop(&mut self, _ctx: &Context, worker_id: usize) {
        if let Some(callback) = self.callbacks.worker_stop.as_ref().map(Zval::shallow_clone) {
            let id = worker_id as i64;
            match call_guarded(&callback, vec![&self.this, &id]) {
                Ended::Threw => zend::report_pending_exception(),
                Ended::Exited => zend::clear_pending(),
                Ended::Returned | Ended::Fatal => {}
            }
        }
        zend::end_output();
    }

    fn on_shutdown(&mut self, ctx: &Context) {
        let callback = self.callbacks.shutdown.as_ref().map(Zval::shallow_clone);
        self.run_manager_callback(callback.as_ref(), ctx);
    }
}
