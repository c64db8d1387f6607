//! Helpers shared by the scenario binaries, each of which includes this module with
//! `#[path = "common/mod.rs"] mod common;`. Cargo does not build it as a binary of its own: it has
//! no main.rs, and only src/bin/*.rs and src/bin/<name>/main.rs are discovered.
#![allow(dead_code)]

pub mod payload;

use std::io::Write;

/// Prints `line` and a newline to stdout in one write and flushes, so that lines of several
/// processes sharing the pipe never interleave.
pub fn say(line: String) {
    let mut text = line.into_bytes();
    text.push(b'\n');
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(&text);
    let _ = out.flush();
}

pub fn pid() -> u32 {
    std::process::id()
}
