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
        // The PHP string of the message. The message bus reassembles a message longer than one
        // chunk straight into a zend_string (ZendStrings below, registered with the core on the
        // first message): that string is taken as it is, with no copy. Any other message is
        // copied once into a new string.
        use ext_php_rs::boxed::ZBox;
        use ext_php_rs::ffi::{ext_php_rs_zend_string_release, zend_string, IS_STRING};
        use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

        /// zend_types.h: GC_NOT_COLLECTABLE, and GC_STRING = what zend_string_alloc() sets.
        const GC_STRING: u32 = IS_STRING | (1 << 4);
        const VAL: usize = std::mem::offset_of!(zend_string, val);

        /// The bus's MessageMemory in a PHP worker: blocks are the bytes of emalloc'ed zend_strings.
        struct ZendStrings;
        /// The block `prepare` was last called on: the next message, if it is that one, is taken
        /// as it is.
        static PREPARED: AtomicPtr<u8> = AtomicPtr::new(std::ptr::null_mut());
        static ZEND_STRINGS: ZendStrings = ZendStrings;
        /// The string of the last copied message longer than 3072 bytes, and its length as made.
        static KEPT: AtomicPtr<zend_string> = AtomicPtr::new(std::ptr::null_mut());
        static KEPT_CAP: AtomicUsize = AtomicUsize::new(0);

        fn header(block: *mut u8) -> *mut zend_string {
            // SAFETY (of the callers): `block` is the `val` of a zend_string of ours (alloc).
            block.wrapping_sub(VAL).cast()
        }

        // SAFETY: alloc returns null or the `val` of a fresh zend_string (refcount 1, ours) with
        // room for `capacity` bytes + the NUL; nothing else uses it until `prepare`, after which
        // the engine's refcount decides its life (release only drops our count).
        unsafe impl procpool::message_bus::MessageMemory for ZendStrings {
            fn alloc(&self, capacity: usize) -> *mut u8 {
                let Some(size) = capacity.checked_add(VAL + 1) else {
                    return std::ptr::null_mut();
                };
                let Ok(layout) = std::alloc::Layout::from_size_align(size, 8) else {
                    return std::ptr::null_mut();
                };
                let zs: *mut zend_string = ext_php_rs::alloc::emalloc(layout).cast();
                if zs.is_null() {
                    return std::ptr::null_mut();
                }
                // SAFETY: emalloc gave `size` bytes, enough for the header we write here.
                unsafe {
                    (*zs).gc.refcount = 1;
                    (*zs).gc.u.type_info = GC_STRING;
                    (*zs).h = 0;
                    (*zs).len = 0;
                    zs.cast::<u8>().add(VAL)
                }
            }

            fn prepare(&self, block: *mut u8, len: usize) {
                let zs = header(block);
                // SAFETY: a zend_string of ours with room for `len` + 1 bytes (len <= capacity);
                // only we hold it (the core does not hand out a shared block).
                unsafe {
                    (*zs).len = len;
                    *block.add(len) = 0;
                    (*zs).h = 0;
                    (*zs).gc.u.type_info = GC_STRING;
                }
                PREPARED.store(block, Ordering::Relaxed);
            }

            fn shared(&self, block: *mut u8) -> bool {
                // SAFETY: a live zend_string (we hold a count on it).
                unsafe { (*header(block)).gc.refcount > 1 }
            }

            fn release(&self, block: *mut u8) {
                if PREPARED.load(Ordering::Relaxed) == block {
                    PREPARED.store(std::ptr::null_mut(), Ordering::Relaxed);
                }
                // SAFETY: drops the count we hold; the engine frees it if it was the last one.
                unsafe { ext_php_rs_zend_string_release(header(block)) };
            }
        }

        /// Calls the Message callback with ($pool, $message), with the same outcome as
        /// call_guarded() for a return, an exception, exit() and a fatal error. A Closure (what a
        /// script passes to on()) is called directly, as the engine calls one: no is_callable()
        /// check (twice: ext-php-rs's and the engine's) and no argument vectors per message; any
        /// other callable goes through call_guarded().
        fn call_message(callback: &Zval, this: &Zval, message: Zval) -> Ended {
            unsafe extern "C" {
                static zend_ce_closure: *mut ext_php_rs::ffi::zend_class_entry;
            }
            let closure = match callback.object() {
                // SAFETY: reading the address of the engine's Closure class entry.
                Some(obj) if std::ptr::eq(obj.ce, unsafe { zend_ce_closure }) => obj,
                _ => return call_guarded(callback, vec![this, &message]),
            };
            let obj = std::ptr::from_ref(closure).cast_mut();
            let (mut scope, mut func, mut object) = (std::ptr::null_mut(), std::ptr::null_mut(), std::ptr::null_mut());
            // SAFETY: a live Closure object (the zval holds a reference); its get_closure handler
            // only writes the three out-pointers (the function, its called scope and $this).
            let found = unsafe {
                match (*closure.handlers).get_closure {
                    Some(get_closure) => get_closure(obj, &mut scope, &mut func, &mut object, false) == 0,
                    None => false,
                }
            };
            if !found || func.is_null() {
                return call_guarded(callback, vec![this, &message]);
            }
            let mut params = [this.shallow_clone(), message];
            let mut retval = Zval::new();
            let called = try_catch(AssertUnwindSafe(|| {
                // SAFETY: `func` is the closure's function, valid while the closure lives (the
                // callback zval holds it); the engine copies the two params into the call frame.
                unsafe {
                    ext_php_rs::ffi::zend_call_known_function(
                        func,
                        object,
                        scope,
                        &mut retval,
                        2,
                        params.as_mut_ptr(),
                        std::ptr::null_mut(),
                    )
                }
            }));
            match called {
                Ok(()) => match zend::pending() {
                    Pending::Nothing => Ended::Returned,
                    Pending::Exception => Ended::Threw,
                    Pending::Exit => Ended::Exited,
                },
                Err(_) => Ended::Fatal,
            }
        }

        fn message_string(data: &[u8]) -> ZBox<ZendStr> {
            procpool::message_bus::set_message_memory(&ZEND_STRINGS);
            let prepared = PREPARED.load(Ordering::Relaxed);
            if !prepared.is_null() && std::ptr::eq(data.as_ptr(), prepared) {
                PREPARED.store(std::ptr::null_mut(), Ordering::Relaxed);
                let zs = header(prepared);
                // SAFETY: `data` is the block `prepare` made a string of `data.len()` bytes; the
                // core holds one count on it, the zval gets one of its own.
                unsafe {
                    debug_assert_eq!((*zs).len, data.len());
                    (*zs).gc.refcount += 1;
                    return ZBox::from_raw(zs);
                }
            }
            // Any other message is copied into a string. Beyond ZendMM's small sizes (3072 bytes)
            // an allocation costs a page search and its free as much again: the last such string
            // is kept (with a count of ours) and written over by the next message if the script
            // kept no count on it and the message fills at least half of it.
            let kept = KEPT.swap(std::ptr::null_mut(), Ordering::Relaxed);
            if !kept.is_null() {
                let cap = KEPT_CAP.load(Ordering::Relaxed);
                // SAFETY: a live zend_string: we hold a count on it.
                unsafe {
                    if (*kept).gc.refcount == 1 && data.len() <= cap && data.len() >= cap / 2 {
                        let val = kept.cast::<u8>().add(VAL);
                        std::ptr::copy_nonoverlapping(data.as_ptr(), val, data.len());
                        *val.add(data.len()) = 0;
                        (*kept).len = data.len();
                        (*kept).h = 0;
                        (*kept).gc.u.type_info = GC_STRING;
                        (*kept).gc.refcount = 2;
                        KEPT.store(kept, Ordering::Relaxed);
                        return ZBox::from_raw(kept);
                    }
                    ext_php_rs_zend_string_release(kept);
                }
            }
            let string = ZendStr::new(data, false);
            if data.len() > 3072 {
                let zs = std::ptr::from_ref::<ZendStr>(&string).cast_mut();
                // SAFETY: a fresh, non-interned string (longer than one byte): one more count,
                // ours.
                unsafe { (*zs).gc.refcount += 1 };
                KEPT.store(zs, Ordering::Relaxed);
                KEPT_CAP.store(data.len(), Ordering::Relaxed);
            }
            string
        }

        let Some(callback) = self.callbacks.message.as_ref().map(Zval::shallow_clone) else {
            return Outcome::Normal;
        };
        let mut message = Zval::new();
        message.set_zend_string(message_string(data));
        let ended = call_message(&callback, &self.this, message);
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
