//! C function pointers + `void *userdata` turned into the core's `Handler`.

use std::ffi::c_void;

use procpool::{Context, Event, Handler, Outcome};

/// A pool-level event (Start, Shutdown): called with the `userdata` given at registration.
#[allow(non_camel_case_types)]
pub type procpool_pool_callback = Option<unsafe extern "C" fn(userdata: *mut c_void)>;

/// A worker-level event (WorkerStart, WorkerStop): called with the `userdata` given at registration
/// and the id of the worker, 0 .. worker_num - 1.
#[allow(non_camel_case_types)]
pub type procpool_worker_callback = Option<unsafe extern "C" fn(userdata: *mut c_void, worker_id: u32)>;

/// The Message event of a PROCPOOL_IPC_SOCKET or PROCPOOL_IPC_MSGQUEUE pool: called in a worker with
/// the `userdata` given at registration and the message's `len` bytes at `data` (never NULL; `len` >= 1
/// for a SOCKET request, `len` may be 0 for an empty queue message). PROCPOOL_IPC_UNIXSOCK pools use it
/// too: once per message from `procpool_send_message` (`len` may be 0).
///
/// Ownership: `data` is borrowed for the duration of the call only; copy what must outlive it.
/// SOCKET: reply with `procpool_write` before returning.
#[allow(non_camel_case_types)]
pub type procpool_message_callback = Option<unsafe extern "C" fn(userdata: *mut c_void, data: *const u8, len: usize)>;

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

/// The `Handler` the core runs: each event calls the C callback, if one is registered.
pub(crate) struct CHandler {
    callbacks: Callbacks,
}

impl CHandler {
    pub fn new(callbacks: Callbacks) -> CHandler {
        CHandler { callbacks }
    }
}

fn call_pool(registered: Registered<procpool_pool_callback>) {
    if let Some(cb) = registered.cb {
        // SAFETY: the C caller registered this function with this userdata and keeps both valid
        // while the pool runs (documented on procpool_pool_on_*).
        unsafe { cb(registered.userdata) }
    }
}

fn call_worker(registered: Registered<procpool_worker_callback>, worker_id: usize) {
    if let Some(cb) = registered.cb {
        // worker_id < worker_num, which came in as a u32.
        // SAFETY: as in call_pool.
        unsafe { cb(registered.userdata, worker_id as u32) }
    }
}

impl Handler for CHandler {
    fn on_start(&mut self, _ctx: &Context) {
        call_pool(self.callbacks.start);
    }

    fn on_worker_start(&mut self, _ctx: &Context, worker_id: usize) -> Outcome {
        call_worker(self.callbacks.worker_start, worker_id);
        Outcome::Normal
    }

    fn on_message(&mut self, _ctx: &Context, data: &[u8]) -> Outcome {
        if let Some(cb) = self.callbacks.message.cb {
            // SAFETY: as in call_pool; `data` is alive for the whole call.
            unsafe { cb(self.callbacks.message.userdata, data.as_ptr(), data.len()) }
        }
        Outcome::Normal
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
        call_worker(self.callbacks.worker_stop, worker_id);
    }

    fn on_shutdown(&mut self, _ctx: &Context) {
        call_pool(self.callbacks.shutdown);
    }
}
