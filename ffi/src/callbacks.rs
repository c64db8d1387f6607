//! C function pointers + `void *userdata` turned into the core's `Handler`.

use std::ffi::{c_int, c_void};

use procpool::{Context, Event, Handler, Outcome};

/// A pool-level callback (Start, Shutdown): called in the manager with the `userdata` given at
/// registration.
///
/// Returns 0 when it succeeded. Any other value is a failure that procpool reports with a warning
/// on stderr (naming the callback and the value) and otherwise ignores: the pool starts or shuts
/// down all the same.
#[allow(non_camel_case_types)]
pub type procpool_pool_callback = Option<unsafe extern "C" fn(userdata: *mut c_void) -> c_int>;

/// A worker-level callback (WorkerStart, WorkerStop): called in a worker with the `userdata` given
/// at registration and the id of the worker, 0 .. worker_num - 1.
///
/// Returns 0 when it succeeded. Any other value is a failure, reported with a warning on stderr
/// naming the worker and the callback. A failed WorkerStart is also reported to the manager, whose
/// crash-loop guard counts it like an abnormal exit: the worker still runs on as after a successful
/// WorkerStart (PROCPOOL_IPC_NONE: WorkerStop runs, the worker exits 0; other modes: it serves
/// messages), but a WorkerStart that fails again and again within a second of starting is respawned
/// with a growing delay instead of in a tight fork loop. A failed WorkerStop only gets the warning.
#[allow(non_camel_case_types)]
pub type procpool_worker_callback = Option<unsafe extern "C" fn(userdata: *mut c_void, worker_id: u32) -> c_int>;

/// The Message callback, called in a worker with the `userdata` given at registration and the
/// message's `len` bytes at `data` (never NULL): once per request in a PROCPOOL_IPC_SOCKET pool
/// (`len` >= 1), once per message taken from the queue in a PROCPOOL_IPC_MSGQUEUE pool and once per
/// message from `procpool_message_send` in a PROCPOOL_IPC_UNIXSOCK pool (`len` may be 0 for both).
///
/// Returns 0 when it succeeded. Any other value is a failure, reported with a warning on stderr
/// naming the worker; the worker goes on with the next message (PROCPOOL_IPC_SOCKET: what was
/// written with `procpool_request_write` is still sent).
///
/// Ownership: `data` is borrowed for the duration of the call only; copy what must outlive it.
/// PROCPOOL_IPC_SOCKET: reply with `procpool_request_write` before returning.
#[allow(non_camel_case_types)]
pub type procpool_message_callback =
    Option<unsafe extern "C" fn(userdata: *mut c_void, data: *const u8, len: usize) -> c_int>;

/// One registered callback and its userdata.
#[derive(Clone, Copy)]
pub(crate) struct Registered<F> {
    pub cb: F,
    pub userdata: *mut c_void,
}

impl<F: Default> Default for Registered<F> {
    fn default() -> Self {
        Registered {
            cb: F::default(),
            userdata: std::ptr::null_mut(),
        }
    }
}

/// Everything registered on a pool. Plain data (`Copy`), so the running handler holds its own copy
/// and a callback may call back into procpool without aliasing the pool's state.
#[derive(Clone, Copy, Default)]
pub(crate) struct Callbacks {
    pub start: Registered<procpool_pool_callback>,
    pub worker_start: Registered<procpool_worker_callback>,
    pub worker_stop: Registered<procpool_worker_callback>,
    pub shutdown: Registered<procpool_pool_callback>,
    pub message: Registered<procpool_message_callback>,
}

/// The `Handler` the core runs: each event calls the C callback, if one is registered, and turns
/// its return value into the core's `Outcome` (and a warning when it is not 0).
pub(crate) struct CHandler {
    callbacks: Callbacks,
}

impl CHandler {
    pub fn new(callbacks: Callbacks) -> CHandler {
        CHandler { callbacks }
    }

    /// Warns about a callback that returned `status` (not 0), in the manager or in worker `worker_id`.
    fn warn_failed(&self, event: Event, worker_id: Option<usize>, status: c_int, consequence: &str) {
        let who = worker_id.map_or_else(String::new, |id| format!("worker#{id}: "));
        // The core's logger: its line layout and the pool's level (PROCPOOL_LOG included).
        Context.log_warning(&format!(
            "{who}the {} callback failed (returned {status}){consequence}",
            event.name()
        ));
    }
}

/// Calls a pool-level callback; 0 when none is registered.
fn call_pool(registered: Registered<procpool_pool_callback>) -> c_int {
    match registered.cb {
        // SAFETY: the C caller registered this function with this userdata and keeps both valid
        // while the pool runs (documented on procpool_pool_on_*).
        Some(cb) => unsafe { cb(registered.userdata) },
        None => 0,
    }
}

/// Calls a worker-level callback; 0 when none is registered.
fn call_worker(registered: Registered<procpool_worker_callback>, worker_id: usize) -> c_int {
    match registered.cb {
        // worker_id < worker_num, which came in as a u32.
        // SAFETY: as in call_pool.
        Some(cb) => unsafe { cb(registered.userdata, worker_id as u32) },
        None => 0,
    }
}

impl Handler for CHandler {
    fn on_start(&mut self, _ctx: &Context) {
        let status = call_pool(self.callbacks.start);
        if status != 0 {
            self.warn_failed(Event::Start, None, status, "; the pool starts all the same");
        }
    }

    fn on_worker_start(&mut self, _ctx: &Context, worker_id: usize) -> Outcome {
        match call_worker(self.callbacks.worker_start, worker_id) {
            0 => Outcome::Normal,
            status => {
                self.warn_failed(Event::WorkerStart, Some(worker_id), status, "");
                Outcome::Failed
            }
        }
    }

    fn on_message(&mut self, _ctx: &Context, data: &[u8]) -> Outcome {
        let Some(cb) = self.callbacks.message.cb else {
            return Outcome::Normal;
        };
        // SAFETY: as in call_pool; `data` is alive for the whole call.
        match unsafe { cb(self.callbacks.message.userdata, data.as_ptr(), data.len()) } {
            0 => Outcome::Normal,
            status => {
                self.warn_failed(Event::Message, Context.worker_id(), status, "");
                Outcome::Failed
            }
        }
    }

    fn implements(&self, event: Event) -> bool {
        let c = &self.callbacks;
        match event {
            Event::Start => c.start.cb.is_some(),
            Event::WorkerStart => c.worker_start.cb.is_some(),
            Event::Message => c.message.cb.is_some(),
            Event::WorkerStop => c.worker_stop.cb.is_some(),
            Event::Shutdown => c.shutdown.cb.is_some(),
            _ => false,
        }
    }

    fn on_worker_stop(&mut self, _ctx: &Context, worker_id: usize) {
        let status = call_worker(self.callbacks.worker_stop, worker_id);
        if status != 0 {
            self.warn_failed(Event::WorkerStop, Some(worker_id), status, "");
        }
    }

    fn on_shutdown(&mut self, _ctx: &Context) {
        let status = call_pool(self.callbacks.shutdown);
        if status != 0 {
            self.warn_failed(Event::Shutdown, None, status, "; the shutdown goes on");
        }
    }
}
