//! `Pool::set(array $settings)`: the keys Swoole documents plus procpool's own (`log_level`).
//! Unknown keys are ignored, as Swoole accepts many global options; a wrong type is a warning.

use std::time::Duration;

use ext_php_rs::exception::PhpException;
use ext_php_rs::types::{ArrayKey, ZendHashTable, Zval};
use procpool::config::duration_setting;
use procpool::{LogLevel, PoolConfig};

use crate::errors::warning;

pub fn apply(config: &mut PoolConfig, settings: &ZendHashTable) -> Result<(), PhpException> {
    for (key, value) in settings.iter() {
        let (ArrayKey::String(_) | ArrayKey::Str(_)) = key else {
            continue;
        };
        let key = key.to_string();
        match key.as_str() {
            // Taken by Pool::set (coroutine mode, see crate::coroutine).
            "enable_coroutine" => {}
            "enable_message_bus" => match value.bool() {
                Some(on) => config.enable_message_bus = on,
                None => wrong_type(&key, "a bool", value),
            },
            // A number of bytes or a size string ('512K', '2M'), as Swoole parses it.
            "max_package_size" => match (value.long(), size(value)) {
                (Some(size), _) if size <= 0 => warning(&format!(
                    "'max_package_size' must be greater than 0, {size} given; ignored"
                )),
                (_, Some(0)) => warning("'max_package_size' must be greater than 0, 0 given; ignored"),
                (_, Some(bytes)) => config.max_package_size = usize::try_from(bytes).unwrap_or(usize::MAX),
                (_, None) if value.is_string() => warning(&format!(
                    "'max_package_size' must be a number of bytes or a size such as '2M', '{}' given; ignored",
                    value.string().unwrap_or_default()
                )),
                (_, None) => wrong_type(&key, "an int", value),
            },
            "max_wait_time" => set_max_wait_time(value, &mut config.max_wait_time),
            "read_timeout" => set_duration(&key, value, false, &mut config.read_timeout),
            "header_timeout" => set_duration(&key, value, false, &mut config.header_timeout),
            "max_connections" => match value.long() {
                Some(n) if (1..=procpool::config::MAX_CONNECTIONS_LIMIT as i64).contains(&n) => {
                    config.max_connections = n as usize
                }
                Some(n) => warning(&format!(
                    "'max_connections' must be from 1 to {}, {n} given; ignored",
                    procpool::config::MAX_CONNECTIONS_LIMIT
                )),
                None => wrong_type(&key, "an int", value),
            },
            "max_request" => match value.long() {
                Some(n) if n >= 0 => config.restart.max_request = n as u64,
                Some(n) => warning(&format!("'max_request' must be >= 0 (0: off), {n} given; ignored")),
                None => wrong_type(&key, "an int", value),
            },
            "max_request_grace" => match value.long() {
                Some(n) if n >= 0 => config.restart.max_request_grace = n as u64,
                Some(n) => warning(&format!("'max_request_grace' must be >= 0, {n} given; ignored")),
                None => wrong_type(&key, "an int", value),
            },
            "max_memory" => match size(value) {
                Some(bytes) => config.restart.max_memory = bytes,
                None => {
                    warning("'max_memory' must be a number of bytes >= 0 or a size such as '256M' (0: off); ignored")
                }
            },
            "request_timeout" => set_duration(&key, value, true, &mut config.restart.request_timeout),
            "slow_request" => set_duration(&key, value, true, &mut config.restart.slow_request),
            "metrics_listen" => match value.string() {
                Some(addr) if !addr.trim().is_empty() => config.metrics_listen = Some(addr),
                _ => warning("'metrics_listen' must be 'host:port' or 'unix:/path'; ignored"),
            },
            "msgqueue_allow_foreign" => match value.bool() {
                Some(allow) => config.msgqueue_allow_foreign = allow,
                None => wrong_type(&key, "a bool", value),
            },
            "msgqueue_permissions" => match value.long() {
                Some(bits) if (0..=0o777).contains(&bits) => config.msgqueue_permissions = bits as u32,
                Some(bits) => warning(&format!(
                    "'msgqueue_permissions' must be between 0 and 0777, 0{bits:o} given; ignored"
                )),
                None => wrong_type(&key, "an int", value),
            },
            "crash_loop_threshold" => match value.long() {
                Some(n) if (0..=i64::from(u32::MAX)).contains(&n) => config.crash_loop.threshold = n as u32,
                Some(n) => warning(&format!("'crash_loop_threshold' must be >= 0, {n} given; ignored")),
                None => wrong_type(&key, "an int", value),
            },
            "crash_loop_max_delay" => set_duration(&key, value, false, &mut config.crash_loop.max_delay),
            "redis_url" => set_text(&key, value, |v| config.redis.url = v),
            "redis_stream" => set_text(&key, value, |v| config.redis.stream = v),
            "redis_group" => set_text(&key, value, |v| config.redis.group = v),
            "redis_consumer" => set_text(&key, value, |v| config.redis.consumer = Some(v)),
            "dead_letter_stream" => set_text(&key, value, |v| config.redis.dead_letter_stream = Some(v)),
            "max_deliveries" => match value.long() {
                Some(n) if (1..=i64::from(u32::MAX)).contains(&n) => config.redis.max_deliveries = n as u32,
                Some(n) => warning(&format!("'max_deliveries' must be at least 1, {n} given; ignored")),
                None => wrong_type(&key, "an int", value),
            },
            "claim_idle" => set_duration(&key, value, false, &mut config.redis.claim_idle),
            "redis_batch" => match value.long() {
                Some(n) if (1..=procpool::RedisConfig::MAX_BATCH as i64).contains(&n) => {
                    config.redis.batch = n as usize
                }
                Some(n) => warning(&format!(
                    "'redis_batch' must be from 1 to {}, {n} given; ignored",
                    procpool::RedisConfig::MAX_BATCH
                )),
                None => wrong_type(&key, "an int", value),
            },
            "log_level" => match value.string().as_deref().and_then(LogLevel::parse) {
                Some(level) => config.log_level = level,
                None => warning("'log_level' must be 'off', 'warning' or 'info'; ignored"),
            },
            _ => {}
        }
    }
    Ok(())
}

/// A duration in seconds, checked by the core's one rule for every duration setting (finite, not
/// negative, at most a year); anything else is a warning and the setting keeps its value.
fn set_duration(key: &str, value: &Zval, allow_zero: bool, target: &mut Duration) {
    match number(value) {
        Some(secs) => match duration_setting(&format!("'{key}'"), secs, allow_zero) {
            Ok(duration) => *target = duration,
            Err(e) => warning(&format!("{e}; ignored")),
        },
        None => wrong_type(key, "an int or float", value),
    }
}

/// A non-empty string setting (the REDIS mode's names and URL).
fn set_text(key: &str, value: &Zval, set: impl FnOnce(String)) {
    match value.string() {
        Some(text) if !text.is_empty() => set(text),
        Some(_) => warning(&format!("'{key}' must not be empty; ignored")),
        None => wrong_type(key, "a string", value),
    }
}

/// `max_wait_time` as Swoole reads it (PHP's integer conversion): whole seconds, a float or a
/// numeric string truncated (1.8 is 1), a negative value meaning "never SIGKILL" (procpool's 0).
/// NAN, INF, values above a year and non-numeric strings are refused with a warning.
fn set_max_wait_time(value: &Zval, target: &mut Duration) {
    let key = "max_wait_time";
    let seconds = match (
        value.long(),
        value.double(),
        value.string().filter(|_| value.is_string()),
    ) {
        (Some(n), _, _) => n as f64,
        (_, Some(f), _) => f,
        (_, _, Some(text)) => match text.trim().parse::<f64>() {
            Ok(f) if !text.trim().is_empty() => f,
            _ => return wrong_type(key, "an int, a float or a numeric string", value),
        },
        _ => return wrong_type(key, "an int, a float or a numeric string", value),
    };
    if seconds.is_finite() && seconds < 0.0 {
        *target = Duration::ZERO;
        return;
    }
    match duration_setting(&format!("'{key}'"), seconds.trunc(), true) {
        Ok(duration) => *target = duration,
        Err(e) => warning(&format!("{e}; ignored")),
    }
}

/// A size in bytes: an int, or a string of digits with an optional K, M or G suffix (powers of
/// 1024, case-insensitive), as Swoole parses sizes.
pub fn size(value: &Zval) -> Option<u64> {
    if let Some(n) = value.long() {
        return u64::try_from(n).ok();
    }
    let text = value.string()?;
    let text = text.trim();
    let (digits, unit) = match text.char_indices().last()? {
        (i, c) if c.is_ascii_alphabetic() => (&text[..i], c.to_ascii_uppercase()),
        _ => (text, 'B'),
    };
    let n: u64 = digits.trim().parse().ok()?;
    let factor: u64 = match unit {
        'B' => 1,
        'K' => 1 << 10,
        'M' => 1 << 20,
        'G' => 1 << 30,
        _ => return None,
    };
    n.checked_mul(factor)
}

fn number(value: &Zval) -> Option<f64> {
    value.long().map(|n| n as f64).or_else(|| value.double())
}

fn wrong_type(key: &str, expected: &str, value: &Zval) {
    warning(&format!(
        "'{key}' must be {expected}, {} given; ignored",
        type_name(value)
    ));
}

fn type_name(value: &Zval) -> &'static str {
    if value.is_string() {
        "string"
    } else if value.is_array() {
        "array"
    } else if value.is_null() {
        "null"
    } else if value.is_double() {
        "float"
    } else if value.is_long() {
        "int"
    } else if value.is_bool() {
        "bool"
    } else {
        "object"
    }
}
