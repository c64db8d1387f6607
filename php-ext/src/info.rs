//! `php --ri procpool` (and phpinfo()): the version, the C ABI revision of the same build, the IPC
//! modes, whether the Swoole names are on, and the default of every `set()` key.

use std::time::Duration;

use ext_php_rs::zend::ModuleEntry;
use ext_php_rs::{info_table_end, info_table_header, info_table_row, info_table_start};
use procpool::{IpcMode, LogLevel, PoolConfig};

use crate::zend;

/// The C ABI's `PROCPOOL_ABI_VERSION` (`include/procpool.h`, `procpool_abi_version()`) of this
/// build. The extension does not link the C library (whose crate builds no Rust library), so the
/// number is repeated here; `phpt/module_info.phpt` checks it against the header.
pub const C_ABI_VERSION: u32 = 1;

pub extern "C" fn module_info(_module: *mut ModuleEntry) {
    info_table_start!();
    info_table_row!("procpool support", "enabled");
    info_table_row!("Version", procpool::VERSION);
    info_table_row!("C ABI version (PROCPOOL_ABI_VERSION)", C_ABI_VERSION.to_string());
    info_table_row!(
        "IPC modes",
        "SWOOLE_IPC_NONE (0), SWOOLE_IPC_UNIXSOCK (1), SWOOLE_IPC_MSGQUEUE (2), SWOOLE_IPC_SOCKET (3), \
         PROCPOOL_IPC_REDIS (100)"
    );
    info_table_row!(
        "Swoole names",
        if zend::extension_loaded("swoole") {
            "off (the swoole extension is loaded: ProcPool\\... names only)"
        } else {
            "on (Swoole\\... are the classes, ProcPool\\... their aliases)"
        }
    );
    info_table_row!("SAPI", "cli only");
    info_table_end!();

    info_table_start!();
    info_table_header!("set() key", "Default");
    for (key, default) in setting_defaults() {
        info_table_row!(key, default);
    }
    info_table_end!();
}

/// Every key `Pool::set()` reads (crate::settings) with its default, taken from the core's
/// defaults (`PoolConfig::new`), in the order of docs/settings.md.
pub fn setting_defaults() -> Vec<(&'static str, String)> {
    let config = PoolConfig::new(1, IpcMode::None);
    let restart = &config.restart;
    let redis = &config.redis;
    let off = |on: bool, value: String| if on { value } else { "0 (off)".to_string() };
    vec![
        ("max_wait_time", seconds(config.max_wait_time)),
        ("log_level", log_level(config.log_level).to_string()),
        ("crash_loop_threshold", config.crash_loop.threshold.to_string()),
        ("crash_loop_max_delay", seconds(config.crash_loop.max_delay)),
        ("max_package_size", bytes(config.max_package_size as u64)),
        ("enable_coroutine", "false".to_string()),
        (
            "max_request",
            off(restart.max_request > 0, restart.max_request.to_string()),
        ),
        ("max_request_grace", restart.max_request_grace.to_string()),
        ("max_memory", off(restart.max_memory > 0, bytes(restart.max_memory))),
        (
            "request_timeout",
            off(!restart.request_timeout.is_zero(), seconds(restart.request_timeout)),
        ),
        (
            "slow_request",
            off(!restart.slow_request.is_zero(), seconds(restart.slow_request)),
        ),
        (
            "metrics_listen",
            config
                .metrics_listen
                .clone()
                .unwrap_or_else(|| "none (off)".to_string()),
        ),
        ("read_timeout", seconds(config.read_timeout)),
        ("header_timeout", seconds(config.header_timeout)),
        ("max_connections", config.max_connections.to_string()),
        ("enable_message_bus", config.enable_message_bus.to_string()),
        ("msgqueue_permissions", format!("0{:o}", config.msgqueue_permissions)),
        ("msgqueue_allow_foreign", config.msgqueue_allow_foreign.to_string()),
        ("redis_url", redis.url.clone()),
        (
            "redis_stream",
            if redis.stream.is_empty() {
                "none (required with PROCPOOL_IPC_REDIS)".to_string()
            } else {
                redis.stream.clone()
            },
        ),
        ("redis_group", redis.group.clone()),
        (
            "redis_consumer",
            redis.consumer.clone().unwrap_or_else(|| "the host name".to_string()),
        ),
        (
            "dead_letter_stream",
            redis
                .dead_letter_stream
                .clone()
                .unwrap_or_else(|| "<redis_stream>:dead".to_string()),
        ),
        ("max_deliveries", redis.max_deliveries.to_string()),
        ("claim_idle", seconds(redis.claim_idle)),
        ("redis_batch", redis.batch.to_string()),
    ]
}

fn seconds(duration: Duration) -> String {
    format!("{} s", duration.as_secs_f64())
}

/// A size in bytes, with its K/M/G form when it is a whole number of them.
fn bytes(n: u64) -> String {
    let unit = [(1u64 << 30, 'G'), (1 << 20, 'M'), (1 << 10, 'K')]
        .into_iter()
        .find(|&(size, _)| n >= size && n / size * size == n);
    match unit {
        Some((size, suffix)) => format!("{n} ({}{suffix})", n / size),
        None => n.to_string(),
    }
}

fn log_level(level: LogLevel) -> &'static str {
    match level {
        LogLevel::Off => "off",
        LogLevel::Warning => "warning",
        LogLevel::Info => "info",
    }
}
