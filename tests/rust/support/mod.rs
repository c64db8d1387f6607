//! The harness shared by the integration tests in tests/rust/: every test file is its own crate and
//! includes this module with `#[path = "support/mod.rs"] mod support;`, so not every file uses
//! every item.
#![allow(dead_code, unused_imports)]

pub mod files;
pub mod lines;
pub mod pool;
pub mod proc_fs;
pub mod process;
pub mod sysv;

pub use files::RemoveFile;
pub use lines::{event, is_log};
pub use pool::PoolProc;
pub use proc_fs::{
    children, exists, live_children, open_fds, proc_stat, proc_state, proc_status_kb, wait_gone, zombie_children,
};
pub use process::{send, spawn_in_group, AfterExit, Flavor, Scenario, Transcript};
pub use sysv::{queue_of, remove_queue, KeyGuard};
