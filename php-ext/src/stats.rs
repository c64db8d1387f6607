//! `stats()`'s array: the core's `PoolStats` as PHP values.

use ext_php_rs::boxed::ZBox;
use ext_php_rs::convert::IntoZval;
use ext_php_rs::error::Result;
use ext_php_rs::types::{ZendHashTable, Zval};
use procpool::{ExitReason, PoolStats, WorkerState};

fn nullable<T: IntoZval>(value: Option<T>) -> Result<Zval> {
    match value {
        Some(v) => v.into_zval(false),
        None => Ok(Zval::null()),
    }
}

/// `['master_pid' => …, 'by_state' => […], 'worker_exits' => […], 'per_worker' => [id => […]], …]`.
pub fn to_array(stats: &PoolStats) -> Result<ZBox<ZendHashTable>> {
    let mut out = ZendHashTable::new();
    out.insert("master_pid", i64::from(stats.master_pid))?;
    out.insert("ipc_mode", stats.ipc_mode as i64)?;
    out.insert("uptime", stats.uptime.as_secs_f64())?;
    out.insert("workers", stats.workers as i64)?;
    out.insert("workers_alive", stats.workers_alive as i64)?;
    let mut by_state = ZendHashTable::new();
    for (state, &n) in WorkerState::ALL.iter().zip(stats.by_state.iter()) {
        by_state.insert(state.name(), n as i64)?;
    }
    out.insert("by_state", by_state)?;
    out.insert("worker_starts", stats.worker_starts as i64)?;
    let mut exits = ZendHashTable::new();
    for (reason, &n) in ExitReason::ALL.iter().zip(stats.exits.iter()) {
        exits.insert(reason.name(), n as i64)?;
    }
    out.insert("worker_exits", exits)?;
    out.insert("reloads", stats.reloads as i64)?;
    out.insert("crash_loop", stats.crash_loop as i64)?;
    out.insert("messages", stats.messages as i64)?;
    out.insert("queue_depth", nullable(stats.queue_depth.map(|d| d as i64))?)?;
    let mut per_worker = ZendHashTable::new();
    for w in &stats.per_worker {
        let mut row = ZendHashTable::new();
        row.insert("id", w.id as i64)?;
        row.insert("pid", nullable(w.pid.map(i64::from))?)?;
        row.insert("state", w.state.name())?;
        row.insert("started_at", w.started_at)?;
        row.insert("messages", w.messages as i64)?;
        row.insert("busy_for", nullable(w.busy_for.map(|d| d.as_secs_f64()))?)?;
        row.insert("rss", nullable(w.rss.map(|r| r as i64))?)?;
        row.insert("restarts", w.restarts as i64)?;
        per_worker.insert_at_index(w.id as i64, row)?;
    }
    out.insert("per_worker", per_worker)?;
    Ok(out)
}
