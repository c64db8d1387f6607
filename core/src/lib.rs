//! procpool: a process pool with the semantics of Swoole's `Process\Pool`, usable from Rust alone.
//! The PHP extension (`php-ext`) and the C ABI (`ffi`) are thin adapters over this crate.
//!
//! ```no_run
//! use procpool::{Context, Handler, IpcMode, Outcome, Pool, PoolConfig};
//! struct Hello;
//! impl Handler for Hello {
//!     fn on_worker_start(&mut self, _ctx: &Context, id: usize) -> Outcome {
//!         println!("worker {id} at work");
//!         std::thread::sleep(std::time::Duration::from_secs(1));
//!         Outcome::Normal
//!     }
//! }
//! let mut pool = Pool::new(PoolConfig::new(4, IpcMode::None)).unwrap();
//! pool.start(&mut Hello).unwrap(); // returns after SIGTERM
//! ```

pub mod config;
mod control;
pub mod error;
mod fd;
pub mod frame;
#[cfg(test)]
mod fuzz_inputs;
pub mod handler;
pub mod ipc;
pub mod listener;
pub(crate) mod log;
mod manager;
pub mod message_bus;
pub mod runtime;
pub mod signals;
pub mod supervisor;
mod worker;
mod worker_signals;
mod worker_table;

pub use config::{CrashLoopPolicy, IpcMode, LogLevel, PoolConfig};
pub use error::{Error, Result};
pub use handler::{Handler, Outcome};
pub use listener::{ListenAddr, Listener};
pub use manager::Pool;
pub use runtime::{Context, Role};

pub const VERSION: &str = env!("CARGO_PKG_VERSION");
