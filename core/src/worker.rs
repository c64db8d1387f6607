//! What a freshly forked worker does: become a plain process again (signals, fds), run the
//! embedder's callbacks for its IPC mode, and exit without returning into the manager's code.

use std::io::Write;
use std::os::fd::RawFd;

use crate::handler::{Handler, Outcome};
use crate::runtime::{self, Context};
use crate::signals;

/// Fds of the manager that a worker must not keep (its signalfd, the read end of the control pipe).
pub(crate) struct ManagerFds {
    pub signal_fd: RawFd,
    pub control_read: RawFd,
}

pub(crate) fn run(handler: &mut dyn Handler, worker_id: usize, manager_fds: &ManagerFds) -> ! {
    // SAFETY: closing fds this child inherited and will never use.
    unsafe {
        libc::close(manager_fds.signal_fd);
        libc::close(manager_fds.control_read);
    }
    signals::reset_for_worker();
    runtime::enter_worker(worker_id);
    let ctx = Context;
    match handler.on_worker_start(&ctx, worker_id) {
        Outcome::Normal => {
            handler.on_worker_stop(&ctx, worker_id);
            exit(0)
        }
        Outcome::Fatal { exit_code } => exit(exit_code),
    }
}

/// Ends the worker: flush what C stdio and Rust buffered, then _exit, so that nothing inherited
/// from the manager (atexit handlers, PHP shutdown functions, Rust destructors) runs twice.
pub fn exit(code: i32) -> ! {
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    // SAFETY: fflush(NULL) flushes every C stdio stream; _exit ends the process.
    unsafe {
        libc::fflush(std::ptr::null_mut());
        libc::_exit(code)
    }
}
