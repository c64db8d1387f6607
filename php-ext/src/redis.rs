//! PROCPOOL_IPC_REDIS on the PHP side: why a `Message` failed (for the dead-letter entry), and the
//! entry in hand as PHP values (`$pool->getMessageFields()`, `$pool->getMessageId()`).

use ext_php_rs::types::{ZendHashTable, Zval};
use ext_php_rs::zend::ExecutorGlobals;
use procpool::Context;

use crate::values::{bytes_zval, false_zval};

/// Whether the `Message` that just ran had a Redis entry in hand.
pub fn entry_in_hand() -> bool {
    Context.with_redis_entry(|entry| entry.is_some())
}

/// Records the pending exception as `Class: message` for the dead-letter entry, leaving it
/// pending (it is then reported as usual).
pub fn note_exception() {
    let ex = ExecutorGlobals::get().exception;
    if ex.is_null() {
        return;
    }
    // SAFETY: EG(exception) is a live object while it is pending (checked non-null above).
    let object = unsafe { &*ex };
    let class = object.get_class_name().unwrap_or_else(|_| "Exception".into());
    let mut rv = Zval::new();
    // SAFETY: reads the declared `message` property of a Throwable from its own class's scope
    // (it is protected), silently; `rv` is the buffer the engine may use for the value, alive for
    // the whole call and while the returned pointer is read.
    let message = unsafe {
        let value = ext_php_rs::ffi::zend_read_property((*ex).ce, ex, c"message".as_ptr(), 7, true, &mut rv);
        value.as_ref().and_then(Zval::string).unwrap_or_default()
    };
    Context.set_message_error(&format!("{class}: {message}"));
}

/// Records an `exit($status)` inside `Message`.
pub fn note_exit(status: i32) {
    Context.set_message_error(&format!("exit({status}) was called in the Message callback"));
}

/// The fields of the entry in hand as `['name' => 'value', ...]` (binary-safe values; a later
/// field of the same name wins), or false outside `Message` of a REDIS pool.
pub fn fields() -> Zval {
    let table = Context.with_redis_entry(|entry| {
        let entry = entry?;
        let mut table = ZendHashTable::new();
        for (name, value) in &entry.fields {
            let name = String::from_utf8_lossy(name);
            table.insert(name.as_ref(), bytes_zval(value)).ok()?;
        }
        Some(table)
    });
    match table {
        Some(table) => {
            let mut z = Zval::new();
            z.set_hashtable(table);
            z
        }
        None => false_zval(),
    }
}

/// The id of the entry in hand, or false outside `Message` of a REDIS pool.
pub fn id() -> Zval {
    match Context.with_redis_entry(|entry| entry.map(|e| e.id.clone())) {
        Some(id) => {
            let mut z = Zval::new();
            let _ = z.set_string(&id, false);
            z
        }
        None => false_zval(),
    }
}
