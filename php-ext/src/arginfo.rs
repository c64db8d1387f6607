//! The declared types that ext-php-rs 0.16.4 cannot express, written into the engine's arginfo of
//! our methods once the classes have their final names (request startup), so that Reflection and
//! `php --rc` show the types of Swoole's stubs: `start(): ?false`
//! (`null|false`), `getProcess(int $work_id = -1): Swoole\Process|false`,
//! `on(string $name, callable $callback): bool`, `pop(): string|false`...
//!
//! ext-php-rs derives each declared type from the Rust signature alone: `.returns(<T as
//! IntoZval>::TYPE, false, <T as IntoZval>::NULLABLE)` for the return value and `Arg::of::<T>()`
//! (`FromZvalMut::TYPE`, `NULLABLE`) for a parameter. The type is one `DataType`, which
//! `ZendType::empty_from_type` turns into one class name or one primitive type, plus null;
//! `#[php(...)]` has no attribute that overrides it. So a union with a class or a scalar
//! (`Swoole\Process|false`, `string|false`, `array|false`) cannot be declared at all; `callable`
//! and `null|false` could be, but only through wrapper types whose `TYPE` differs from what they
//! convert. All the types are set here instead, in one table. Only the declared types change: the
//! methods accept and return what they did (they check a callback themselves, with Swoole's
//! messages, and return only what they declare). A release build of the engine does not check an
//! internal function's declared types at run time; a debug build asserts the return types.

use std::sync::Once;

use ext_php_rs::class::RegisteredClass;
use ext_php_rs::ffi::{
    zend_function, zend_hash_str_find, zend_type, _ZEND_SEND_MODE_SHIFT, _ZEND_TYPE_NAME_BIT, IS_ARRAY, IS_CALLABLE,
    IS_FALSE, IS_LONG, IS_NULL, IS_STRING, ZEND_ACC_HAS_RETURN_TYPE, ZEND_ACC_HAS_TYPE_HINTS, ZEND_INTERNAL_FUNCTION,
};
use ext_php_rs::zend::ClassEntry;

use crate::pool::Pool;
use crate::process::Process;
use crate::socket::Socket;

const FALSE: u32 = 1 << IS_FALSE;
const NULL: u32 = 1 << IS_NULL;
const INT: u32 = 1 << IS_LONG;
const STRING: u32 = 1 << IS_STRING;
const ARRAY: u32 = 1 << IS_ARRAY;
const CALLABLE: u32 = 1 << IS_CALLABLE;

/// A declared type: primitive types (a mask of `MAY_BE_*` bits), optionally with one of our
/// classes, named as it is named when the types are written (`Swoole\Process` when the swoole
/// extension is not loaded).
#[derive(Clone, Copy)]
struct Declared {
    class: Option<ClassOf>,
    mask: u32,
}

const fn primitive(mask: u32) -> Declared {
    Declared { class: None, mask }
}

const fn object_or(class: ClassOf, mask: u32) -> Declared {
    Declared {
        class: Some(class),
        mask,
    }
}

fn pool_ce() -> &'static ClassEntry {
    Pool::get_metadata().ce()
}

fn process_ce() -> &'static ClassEntry {
    Process::get_metadata().ce()
}

fn socket_ce() -> &'static ClassEntry {
    Socket::get_metadata().ce()
}

/// Where a type goes: the return value, or the parameter at this position.
#[derive(Clone, Copy)]
enum Slot {
    Return,
    Param(u32),
}

/// The function that gives one of our class entries.
type ClassOf = fn() -> &'static ClassEntry;

/// A type to declare: `class::method`'s `slot` is `declared`.
struct Fix {
    class: ClassOf,
    /// The method's name in lower case (the function table's key).
    method: &'static str,
    slot: Slot,
    declared: Declared,
}

const fn fix(class: ClassOf, method: &'static str, slot: Slot, declared: Declared) -> Fix {
    Fix {
        class,
        method,
        slot,
        declared,
    }
}

/// Every type ext-php-rs declares otherwise (as `mixed`): Swoole's stubs where Swoole has the
/// method; for procpool's own methods, what they return. `phpt/stubs_match_reflection.phpt`
/// compares them with `php-ext/procpool.stub.php`.
const TYPES: &[Fix] = &[
    fix(pool_ce, "on", Slot::Param(1), primitive(CALLABLE)),
    fix(pool_ce, "start", Slot::Return, primitive(NULL | FALSE)),
    fix(pool_ce, "getprocess", Slot::Return, object_or(process_ce, FALSE)),
    fix(pool_ce, "stats", Slot::Return, primitive(ARRAY | FALSE)),
    fix(pool_ce, "push", Slot::Return, primitive(STRING | FALSE)),
    fix(pool_ce, "getmessagefields", Slot::Return, primitive(ARRAY | FALSE)),
    fix(pool_ce, "getmessageid", Slot::Return, primitive(STRING | FALSE)),
    fix(process_ce, "__construct", Slot::Param(0), primitive(CALLABLE)),
    fix(process_ce, "write", Slot::Return, primitive(INT | FALSE)),
    fix(process_ce, "read", Slot::Return, primitive(STRING | FALSE)),
    fix(process_ce, "exportsocket", Slot::Return, object_or(socket_ce, FALSE)),
    fix(process_ce, "statqueue", Slot::Return, primitive(ARRAY | FALSE)),
    fix(process_ce, "pop", Slot::Return, primitive(STRING | FALSE)),
    fix(process_ce, "signal", Slot::Param(1), primitive(CALLABLE | NULL)),
    fix(process_ce, "wait", Slot::Return, primitive(ARRAY | FALSE)),
    fix(socket_ce, "send", Slot::Return, primitive(INT | FALSE)),
    fix(socket_ce, "recv", Slot::Return, primitive(STRING | FALSE)),
];

static DECLARED: Once = Once::new();

/// Writes `TYPES` into the engine's arginfo, once per process; call it at request startup, after
/// the classes took their Swoole names (a class type names the class by its name at that moment).
pub fn declare_types() {
    DECLARED.call_once(|| {
        for fix in TYPES {
            // SAFETY: our own registered classes, at request startup: nothing runs PHP code or
            // reads these functions' arginfo meanwhile.
            unsafe { declare((fix.class)(), fix.method, fix.slot, fix.declared) };
        }
    });
}

/// Sets the declared type of `slot` of `class::method`; leaves it as it is when the method, its
/// arginfo or the slot is not what ext-php-rs registers (the stub test then shows the difference).
///
/// # Safety
/// `class` must be a class registered by this extension, and nothing may use the method's arginfo
/// concurrently (the engine reads it for Reflection, argument errors and named arguments).
unsafe fn declare(class: &ClassEntry, method: &str, slot: Slot, declared: Declared) {
    // SAFETY: the class's own function table, read with a valid (ptr, len) key.
    let zv = unsafe { zend_hash_str_find(&class.function_table, method.as_ptr().cast(), method.len()) };
    if zv.is_null() {
        return;
    }
    // SAFETY: entries of a function table hold a zend_function pointer.
    let func = unsafe { (*zv).value.ptr }.cast::<zend_function>();
    if func.is_null() {
        return;
    }
    // SAFETY: a live function of our class; `common` is the part every kind of function shares.
    let common = unsafe { &(*func).common };
    // The engine frees the arginfo of an internal function carrying these flags at shutdown: only
    // such arginfo (its own persistent copy, made when the class was registered) is written, and
    // the flags are never changed.
    let flag = match slot {
        Slot::Return => ZEND_ACC_HAS_RETURN_TYPE,
        Slot::Param(_) => ZEND_ACC_HAS_TYPE_HINTS,
    };
    if u32::from(common.type_) != ZEND_INTERNAL_FUNCTION || common.fn_flags & flag == 0 || common.arg_info.is_null() {
        return;
    }
    let index: isize = match slot {
        Slot::Return => -1,
        Slot::Param(n) if n < common.num_args => n as isize,
        Slot::Param(_) => return,
    };
    // SAFETY: `arg_info` points at the first parameter, with the return value's entry just before
    // it and `num_args` parameters after (checked above).
    let info = unsafe { &mut *common.arg_info.offset(index) };
    info.type_ = zend_type_of(declared, info.type_.type_mask);
}

/// The zend_type for `declared`, keeping the bits of `old_mask` that are not types (how the
/// argument is sent, whether it is variadic).
fn zend_type_of(declared: Declared, old_mask: u32) -> zend_type {
    let flags = old_mask & !((1u32 << _ZEND_SEND_MODE_SHIFT) - 1);
    match declared.class {
        // A class type names the class with a permanent interned string: its name, as the engine
        // holds the names of internal classes (and crate::zend::rename_class's names).
        Some(class) => zend_type {
            ptr: class().name.cast(),
            type_mask: flags | _ZEND_TYPE_NAME_BIT | declared.mask,
        },
        None => zend_type {
            ptr: std::ptr::null_mut(),
            type_mask: flags | declared.mask,
        },
    }
}
