//! `ProcPool\Process` (aliased `Swoole\Process`): the handle `getProcess()` returns for a worker id.

use std::ffi::CString;

use ext_php_rs::binary_slice::BinarySlice;
use ext_php_rs::convert::IntoZval;
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendCallable, ZendHashTable, Zval};
use procpool::{Context, Role};

use crate::errors::warning;
use crate::pool::{refuse_write, ReadOnly};
use crate::socket::Socket;
use crate::values::{bytes_zval, false_zval};
use crate::zend;

#[php_class]
#[php(name = "ProcPool\\Process")]
pub struct Process {
    worker_id: usize,
}

impl Process {
    pub fn new(worker_id: usize) -> Process {
        Process { worker_id }
    }
}

#[php_impl]
impl Process {
    #[php(getter)]
    pub fn get_id(&self) -> ReadOnly<i64> {
        (self.worker_id as i64).into()
    }

    #[php(setter)]
    pub fn set_id(&self, _value: ReadOnly<i64>) {
        refuse_write("ProcPool\\Process", "id");
    }

    /// The slot's current pid: a respawn shows the replacement's pid.
    #[php(getter)]
    pub fn get_pid(&self) -> ReadOnly<i64> {
        Context.worker_pid(self.worker_id).map_or(-1, i64::from).into()
    }

    #[php(setter)]
    pub fn set_pid(&self, _value: ReadOnly<i64>) {
        refuse_write("ProcPool\\Process", "pid");
    }

    /// UNIXSOCK: this process's end of the worker's socketpair (null in other modes).
    #[php(getter)]
    pub fn get_pipe(&self) -> ReadOnly<Option<i64>> {
        Context.pipe_fd(self.worker_id).map(i64::from).into()
    }

    #[php(setter)]
    pub fn set_pipe(&self, _value: ReadOnly<Option<i64>>) {
        refuse_write("ProcPool\\Process", "pipe");
    }

    /// UNIXSOCK: sends one raw datagram on `pipe`; returns its length, false on failure.
    pub fn write(&self, data: BinarySlice<u8>) -> Zval {
        match Context.pipe_write(self.worker_id, &data) {
            Ok(n) => {
                let mut z = Zval::new();
                z.set_long(n as i64);
                z
            }
            Err(e) => {
                warning(&format!("write() failed: {e}"));
                false_zval()
            }
        }
    }

    /// UNIXSOCK: receives one raw datagram on `pipe` (cut to `$size` bytes), waiting for it.
    #[php(defaults(size = 8192))]
    pub fn read(&self, size: i64) -> Zval {
        if size <= 0 {
            warning("read(): $size must be greater than 0");
            return false_zval();
        }
        match Context.pipe_read(self.worker_id, size as usize, None) {
            Ok(Some(bytes)) => bytes_zval(&bytes),
            Ok(None) => false_zval(),
            Err(e) => {
                warning(&format!("read() failed: {e}"));
                false_zval()
            }
        }
    }

    /// UNIXSOCK: a blocking socket object on `pipe` (send/recv). Not a coroutine socket: procpool
    /// has no coroutine runtime.
    pub fn export_socket(&self) -> PhpResult<Zval> {
        if Context.pipe_fd(self.worker_id).is_none() {
            warning("exportSocket() needs a running SWOOLE_IPC_UNIXSOCK pool");
            return Ok(false_zval());
        }
        Ok(Socket::new(self.worker_id).into_zval(false)?)
    }

    /// MSGQUEUE: sends a message (at most 65536 bytes) to the pool's queue.
    pub fn push(&self, data: BinarySlice<u8>) -> bool {
        match Context.push(&data) {
            Ok(()) => true,
            Err(e) => {
                warning(&format!("push() failed: {e}"));
                false
            }
        }
    }

    /// MSGQUEUE: takes the next message of the pool's queue (waiting for one), cut to `$size` bytes.
    /// False when interrupted by a signal or outside a MSGQUEUE pool.
    #[php(defaults(size = 65536))]
    pub fn pop(&self, size: i64) -> Zval {
        match Context.pop() {
            Ok(Some(mut message)) => {
                message.truncate(size.max(0) as usize);
                bytes_zval(&message)
            }
            Ok(None) => false_zval(),
            Err(e) => {
                warning(&format!("pop() failed: {e}"));
                false_zval()
            }
        }
    }

    /// Replaces this process's image with `$path $args...` (WorkerStop does not run). False on failure.
    pub fn exec(&self, path: String, args: &ZendHashTable) -> bool {
        let mut argv = vec![path.clone()];
        argv.extend(args.values().map(|v| v.string().unwrap_or_default()));
        let Ok(cpath) = CString::new(path.as_str()) else {
            warning("exec(): the path contains a NUL byte");
            return false;
        };
        let Ok(cargs) = argv
            .iter()
            .map(|a| CString::new(a.as_str()))
            .collect::<Result<Vec<_>, _>>()
        else {
            warning("exec(): an argument contains a NUL byte");
            return false;
        };
        let mut ptrs: Vec<*const libc::c_char> = cargs.iter().map(|a| a.as_ptr()).collect();
        ptrs.push(std::ptr::null());
        // A program that cannot run leaves the script's output buffers as they were; only a real
        // exec flushes them (their content would be lost with the old process image).
        // SAFETY: access(2) on a NUL-terminated path.
        if unsafe { libc::access(cpath.as_ptr(), libc::X_OK) } != 0 {
            warning(&format!("exec({path}) failed: {}", std::io::Error::last_os_error()));
            return false;
        }
        zend::flush_output();
        // SAFETY: NUL-terminated strings and a NULL-terminated argv that outlive the call.
        unsafe { libc::execv(cpath.as_ptr(), ptrs.as_ptr()) };
        warning(&format!("exec({path}) failed: {}", std::io::Error::last_os_error()));
        false
    }

    /// Sets the process title (what ps shows), as cli_set_process_title() does.
    pub fn name(&self, name: String) -> bool {
        match ZendCallable::try_from_name("cli_set_process_title") {
            Ok(f) => f.try_call(vec![&name]).ok().and_then(|r| r.bool()).unwrap_or(false),
            Err(_) => false,
        }
    }

    /// Ends this worker process at once with `$status` (PHP shutdown functions do not run).
    #[php(defaults(status = 0))]
    pub fn exit(&self, status: i64) -> bool {
        if Context.role() != Role::Worker {
            warning("exit() can only end a worker process; use $pool->shutdown() in the manager");
            return false;
        }
        zend::end_output();
        // SAFETY: ending the worker process, as core's worker exit does.
        unsafe { libc::_exit(status as i32) }
    }

    #[php(defaults(signo = 15))]
    pub fn kill(pid: i64, signo: i64) -> bool {
        // SAFETY: kill(2) with caller-chosen values, as posix_kill() does.
        unsafe { libc::kill(pid as libc::pid_t, signo as libc::c_int) == 0 }
    }
}
