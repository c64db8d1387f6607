//! `ProcPool\\Socket`: what `Process::exportSocket()` returns, a blocking datagram socket on the
//! process's end of a worker's UNIXSOCK socketpair. Swoole returns a coroutine socket here; procpool
//! has no coroutine runtime, so `send()` and `recv()` block (recv takes an optional timeout).

use std::time::Duration;

use ext_php_rs::binary_slice::BinarySlice;
use ext_php_rs::prelude::*;
use ext_php_rs::types::Zval;
use procpool::Context;

use crate::errors::warning;
use crate::values::{bytes_zval, false_zval};

#[php_class]
#[php(name = "ProcPool\\Socket")]
pub struct Socket {
    worker_id: usize,
}

impl Socket {
    pub fn new(worker_id: usize) -> Socket {
        Socket { worker_id }
    }
}

#[php_impl]
impl Socket {
    /// The fd of the socket (this process's end).
    #[php(getter)]
    pub fn get_fd(&self) -> i64 {
        Context.pipe_fd(self.worker_id).map_or(-1, i64::from)
    }

    /// Sends `$data` as one datagram; returns its length, false on failure. Blocks while the
    /// peer's buffer is full (`$timeout` is accepted for Swoole's signature and not used).
    #[php(defaults(timeout = -1.0))]
    pub fn send(&self, data: BinarySlice<u8>, timeout: f64) -> Zval {
        let _ = timeout;
        match Context.pipe_write(self.worker_id, &data) {
            Ok(n) => {
                let mut z = Zval::new();
                z.set_long(n as i64);
                z
            }
            Err(e) => {
                warning(&format!("send() failed: {e}"));
                false_zval()
            }
        }
    }

    /// Receives one datagram (cut to `$length`); false after `$timeout` seconds (negative: wait
    /// for ever) or when a signal interrupted the wait.
    #[php(defaults(length = 65536, timeout = -1.0))]
    pub fn recv(&self, length: i64, timeout: f64) -> Zval {
        if length <= 0 {
            warning("recv(): $length must be greater than 0");
            return false_zval();
        }
        let timeout = (timeout >= 0.0 && timeout.is_finite()).then(|| Duration::from_secs_f64(timeout));
        match Context.pipe_read(self.worker_id, length as usize, timeout) {
            Ok(Some(bytes)) => bytes_zval(&bytes),
            Ok(None) => false_zval(),
            Err(e) => {
                warning(&format!("recv() failed: {e}"));
                false_zval()
            }
        }
    }
}
