//! The PHP callables registered with `on()`, and the `Handler` that calls them from the core.
//! Every call into PHP is guarded: an exception, `exit()` or a fatal error (a longjmp) returns to
//! Rust here, and what happens next follows SPEC.md's "Facts from running Swoole".

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};

use ext_php_rs::convert::IntoZvalDyn;
use ext_php_rs::types::{ZendStr, Zval};
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

/// A failure of a manager-side callback (Start, Shutdown) that the pool cannot carry on after: a
/// fatal error. start() stops the pool, then lets the engine's bailout go on.
pub enum ManagerFailure {
    Fatal,
}

/// The manager's shutdown has begun (Shutdown runs, or ran): `running`/`workerRunning` read false.
static MANAGER_STOPPING: AtomicBool = AtomicBool::new(false);
/// This worker's loop ended (WorkerStop runs): `running`/`workerRunning` read false.
static WORKER_STOPPING: AtomicBool = AtomicBool::new(false);

/// In the manager: whether the shutdown has begun.
pub fn manager_stopping() -> bool {
    MANAGER_STOPPING.load(Ordering::Relaxed)
}

/// In a worker: whether it is in WorkerStop.
pub fn worker_stopping() -> bool {
    WORKER_STOPPING.load(Ordering::Relaxed)
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
        MANAGER_STOPPING.store(false, Ordering::Relaxed);
        WORKER_STOPPING.store(false, Ordering::Relaxed);
        PhpHandler {
            callbacks,
            this,
            manager_failure: None,
            last_manager_call: Ended::Returned,
        }
    }

    /// Swoole: an uncaught exception in Start or Shutdown is reported as PHP reports one, and the
    /// pool carries on (the workers start after a Start that threw; a Shutdown that threw still
    /// ends the pool normally); `exit()` is absorbed the same way (its status stays the script's
    /// exit status). Only a fatal error stops the pool early.
    fn run_manager_callback(&mut self, callback: Option<&Zval>, ctx: &Context) {
        let Some(callback) = callback else { return };
        let ended = call_guarded(callback, vec![&self.this]);
        self.last_manager_call = ended;
        if ctx.master_pid() != Some(std::process::id() as i32) {
            // A child the callback forked: the core ends it (see forked_copy_exit_status).
            return;
        }
        match ended {
            Ended::Returned => {}
            Ended::Threw => zend::report_pending_exception(),
            Ended::Exited => zend::clear_pending(),
            Ended::Fatal => {
                if self.manager_failure.is_none() {
                    self.manager_failure = Some(ManagerFailure::Fatal);
                }
                let _ = ctx.shutdown();
            }
        }
        zend::flush_output();
    }
}

impl Handler for PhpHandler {
    fn on_start(&mut self, ctx: &Context) {
        let callback = self.callbacks.start.as_ref().map(Zval::shallow_clone);
        self.run_manager_callback(callback.as_ref(), ctx);
    }

    fn on_worker_start(&mut self, _ctx: &Context, worker_id: usize) -> Outcome {
        // A new worker starts without the signal callbacks Process::signal() registered in the
        // manager (Swoole's php_swoole_process_clean()).
        crate::process::forget_signal_callbacks();
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
        let ended = call_guarded(&callback, vec![&self.this, &message]);
        // IPC_REDIS: the entry is acknowledged only if Message returned; exit() is a failure too,
        // and a failure's text goes into the dead-letter entry.
        if crate::redis::entry_in_hand() {
            match ended {
                Ended::Threw => crate::redis::note_exception(),
                Ended::Exited => {
                    crate::redis::note_exit(ExecutorGlobals::get().exit_status);
                    zend::clear_pending();
                    return Outcome::Failed;
                }
                Ended::Returned | Ended::Fatal => {}
            }
        }
        worker_outcome(ended)
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
        WORKER_STOPPING.store(true, Ordering::Relaxed);
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
        MANAGER_STOPPING.store(true, Ordering::Relaxed);
        let callback = self.callbacks.shutdown.as_ref().map(Zval::shallow_clone);
        self.run_manager_callback(callback.as_ref(), ctx);
    }
}
