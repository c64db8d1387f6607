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

#![warn(missing_docs)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod config;
mod context;
mod context_redis;
mod control;
pub mod error;
mod event;
mod exposition;
mod fd;
pub mod frame;
pub mod handler;
mod ipc;
mod ipc_mode;
mod limits;
pub mod listener;
pub(crate) mod log;
mod manager;
pub mod message_bus;
mod metrics;
mod redis_config;
mod signals;
mod state;
pub mod stats;
mod supervisor;
mod worker;
mod worker_signals;
mod worker_table;

pub use config::{CrashLoopPolicy, IpcMode, LogLevel, PoolConfig, RestartPolicy};
pub use context::Context;
pub use error::{Error, Result};
pub use event::{Event, Outcome};
pub use handler::{CoroutineRuntime, Handler};
pub use ipc::redis::{RedisConfig, RedisEntry};
pub use listener::{ListenAddr, Listener};
pub use manager::Pool;
pub use state::{role, Role};
pub use stats::{ExitReason, PoolStats, WorkerState, WorkerStats};

/// The largest message a MSGQUEUE worker takes whole.
pub use ipc::msgqueue::MAX_MESSAGE as MSGQUEUE_MAX_MESSAGE;

/// The crate's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
