//! The coroutine scheduler of one process: which coroutines exist, which one runs, the timers, the
//! `Process::signal()` callbacks, and how a coroutine that fails ends the process (as Swoole's does).
//!
//! A coroutine is a PHP `Fiber` (see `fiber.rs`). Switching follows Swoole's order: `go()` runs the
//! new coroutine at once until it suspends, then returns to the caller; waking a coroutine (a channel
//! push, a timer) runs it at once until it suspends again. So switches nest like calls, and the
//! coroutines on the C stack right now are the `running` stack, innermost last.
//!
//! Nothing here holds a `RefCell` borrow while PHP code runs: each step borrows, takes what it needs
//! (cloned zvals), and lets go before calling into the engine. Zvals taken out of the tables are
//! dropped after the borrow ended too, since dropping the last reference of an object runs its
//! destructor, which may call back in here.

use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::ffi::c_void;
use std::mem::ManuallyDrop;
use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use ext_php_rs::ffi::zend_execute_data;
use ext_php_rs::types::{ZendCallable, Zval};
use ext_php_rs::zend::{try_catch, ExecutorGlobals};
use procpool::Outcome;

use super::{fiber, signal};
use crate::zend::{self, Pending};

/// Which loop, if any, runs the timers of this process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// None: a process outside coroutine mode (the manager, a worker of a pool without
    /// `enable_coroutine`) before any coroutine or timer. Coroutines still run until they suspend.
    Idle,
    /// A worker of a coroutine-mode pool: the core's event loop drives this runtime.
    Worker,
    /// A plain script that made a coroutine or a timer: the loop runs in `Swoole\Event::wait()`,
    /// which is registered as a shutdown function (Swoole does the same).
    Script,
}

/// Why a suspended coroutine was resumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// Not yet resumed (or by something that gives no reason).
    Nothing,
    /// Its timer fired: a sleep ended, or a wait timed out.
    Timeout,
    /// A channel it waits on changed (data, room, or closed).
    Notified,
}

struct Coroutine {
    /// The coroutine that created it, -1 for one made outside any coroutine.
    pcid: i64,
    /// The (carrier) fiber it runs in.
    fiber: Zval,
    fiber_address: *const c_void,
    /// What the carrier's entry function (`ProcPool\Coroutine\__run`) runs, taken when it starts.
    start: Option<(Zval, Vec<Zval>)>,
    /// The fiber's bottom frame, once it started.
    bottom: *mut zend_execute_data,
    defers: Vec<Zval>,
    wake: Wake,
    /// Its body threw: once its defers ran, the process ends (Swoole's bailout).
    failed: bool,
    /// Its body and deferred callables ran; the resumer removes it.
    done: bool,
}

enum Action {
    /// Resume this coroutine with `Wake::Timeout`.
    Wake(i64),
    /// `Timer::after`/`tick`: run the callback in a new coroutine.
    User {
        callback: Zval,
        params: Vec<Zval>,
        interval: Option<Duration>,
    },
}

struct Timer {
    deadline: Instant,
    action: Action,
}

/// A timer that fired, taken out of the tables.
enum Due {
    Wake(i64),
    User {
        id: i64,
        callback: Zval,
        params: Vec<Zval>,
        tick: bool,
    },
}

/// What a signal caught in coroutine mode does.
enum SignalKind {
    /// The script's `Process::signal()` callback, run in a coroutine of its own.
    Callback(Zval),
    /// `Process::signal($signo, SIG_IGN)`.
    Ignore,
    /// The pool's own SIGTERM handling: stop the worker (then WorkerExit until its coroutines end).
    PoolStop,
}

struct SignalHandler {
    kind: SignalKind,
    /// What the signal did before this runtime took it, put back when the handler is removed.
    previous: libc::sigaction,
}

pub struct Runtime {
    mode: Mode,
    coroutines: BTreeMap<i64, Coroutine>,
    last_cid: i64,
    running: Vec<i64>,
    heap: BinaryHeap<Reverse<(Instant, i64)>>,
    timers: HashMap<i64, Timer>,
    last_timer_id: i64,
    signals: BTreeMap<i32, SignalHandler>,
    /// Signals the pool itself handles in this worker (SIGTERM once WorkerStart returned without
    /// taking it): `Process::signal()` refuses them, as Swoole's does.
    system_signals: u64,
    /// Carrier fibers parked for the next coroutines.
    idle: Vec<Carrier>,
    /// The coroutine `spawn` hands the parked carrier it resumes.
    handoff: Option<i64>,
}

impl Runtime {
    fn new() -> Runtime {
        Runtime {
            mode: Mode::Idle,
            coroutines: BTreeMap::new(),
            last_cid: 0,
            running: Vec::new(),
            heap: BinaryHeap::new(),
            timers: HashMap::new(),
            last_timer_id: 0,
            signals: BTreeMap::new(),
            system_signals: 0,
            idle: Vec::new(),
            handoff: None,
        }
    }

    fn add_timer(&mut self, deadline: Instant, action: Action) -> i64 {
        self.last_timer_id += 1;
        let id = self.last_timer_id;
        self.timers.insert(id, Timer { deadline, action });
        self.heap.push(Reverse((deadline, id)));
        id
    }

    /// The earliest live timer (stale heap entries of removed or moved timers are dropped here).
    fn next_deadline(&mut self) -> Option<Instant> {
        while let Some(&Reverse((deadline, id))) = self.heap.peek() {
            if self.timers.get(&id).is_some_and(|t| t.deadline == deadline) {
                return Some(deadline);
            }
            self.heap.pop();
        }
        None
    }

    /// Takes the next timer due at `now`: a one-shot one leaves the tables, a tick is moved to its
    /// next time (keeping its phase, never at or before `now`, so one call of `run_due` runs a tick
    /// once at most).
    fn pop_due(&mut self, now: Instant) -> Option<Due> {
        loop {
            let deadline = self.next_deadline()?;
            if deadline > now {
                return None;
            }
            let Reverse((_, id)) = self.heap.pop()?;
            let timer = self.timers.get_mut(&id)?;
            match &timer.action {
                Action::Wake(cid) => {
                    let cid = *cid;
                    self.timers.remove(&id);
                    return Some(Due::Wake(cid));
                }
                Action::User {
                    callback,
                    params,
                    interval: Some(interval),
                } => {
                    let interval = (*interval).max(Duration::from_millis(1));
                    let (callback, params) = (
                        callback.shallow_clone(),
                        params.iter().map(Zval::shallow_clone).collect(),
                    );
                    // The next time after `now` on the tick's own beat.
                    let behind = now.saturating_duration_since(deadline).as_nanos() / interval.as_nanos();
                    let beats = u32::try_from(behind + 1).unwrap_or(u32::MAX);
                    let next = interval
                        .checked_mul(beats)
                        .and_then(|d| deadline.checked_add(d))
                        .unwrap_or_else(|| after(interval));
                    timer.deadline = next;
                    self.heap.push(Reverse((next, id)));
                    return Some(Due::User {
                        id,
                        callback,
                        params,
                        tick: true,
                    });
                }
                Action::User { interval: None, .. } => {
                    let Some(Timer {
                        action: Action::User { callback, params, .. },
                        ..
                    }) = self.timers.remove(&id)
                    else {
                        continue;
                    };
                    return Some(Due::User {
                        id,
                        callback,
                        params,
                        tick: false,
                    });
                }
            }
        }
    }
}

thread_local! {
    /// Never dropped: at process exit the engine's memory is gone already, and a worker leaves with
    /// _exit. `request_shutdown` empties it while the engine still runs.
    static RUNTIME: ManuallyDrop<RefCell<Runtime>> = ManuallyDrop::new(RefCell::new(Runtime::new()));
}

fn with<R>(f: impl FnOnce(&mut Runtime) -> R) -> R {
    RUNTIME.with(|rt| f(&mut rt.borrow_mut()))
}

pub fn mode() -> Mode {
    with(|rt| rt.mode)
}

/// The coroutine on top of the running stack, -1 outside any (`Coroutine::getCid()`).
pub fn current_cid() -> i64 {
    with(|rt| rt.running.last().copied().unwrap_or(-1))
}

/// The running coroutine if the code now running is its own fiber (not the main stack, nor a
/// `Fiber` the script started itself): only then may it suspend.
pub fn suspendable_cid() -> Option<i64> {
    let active = fiber::active();
    with(|rt| {
        let cid = *rt.running.last()?;
        let co = rt.coroutines.get(&cid)?;
        (co.fiber_address == active && !active.is_null()).then_some(cid)
    })
}

/// `Coroutine::getPcid($cid)`: None for an unknown coroutine.
pub fn parent_of(cid: i64) -> Option<i64> {
    with(|rt| rt.coroutines.get(&cid).map(|c| c.pcid))
}

pub fn exists(cid: i64) -> bool {
    with(|rt| rt.coroutines.contains_key(&cid))
}

pub fn list() -> Vec<i64> {
    with(|rt| rt.coroutines.keys().copied().collect())
}

/// The id of the last coroutine made (0: none yet).
pub fn last_cid() -> i64 {
    with(|rt| rt.last_cid)
}

/// Coroutines that exist now.
pub fn count() -> usize {
    with(|rt| rt.coroutines.len())
}

pub fn add_defer(cid: i64, callable: Zval) {
    let rejected = with(|rt| match rt.coroutines.get_mut(&cid) {
        Some(co) => {
            co.defers.push(callable);
            None
        }
        None => Some(callable),
    });
    drop(rejected);
}

/// The instant `delay` from now; a delay too long for the clock (thousands of years) is a century.
pub fn after(delay: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(delay)
        .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 24 * 3600))
}

/// A timer that resumes `cid` (with `Wake::Timeout`) at `deadline`; returns its id.
pub fn wake_at(cid: i64, deadline: Instant) -> i64 {
    let id = with(|rt| rt.add_timer(deadline, Action::Wake(cid)));
    script_loop_needed();
    id
}

/// `Timer::after` (interval None) / `Timer::tick`; returns the timer's id.
pub fn user_timer(delay: Duration, callback: Zval, params: Vec<Zval>, interval: Option<Duration>) -> i64 {
    let deadline = after(delay);
    let id = with(|rt| {
        rt.add_timer(
            deadline,
            Action::User {
                callback,
                params,
                interval,
            },
        )
    });
    script_loop_needed();
    id
}

/// Removes a timer of any kind (a wait that ended before its timeout).
pub fn cancel_timer(id: i64) {
    let removed = with(|rt| rt.timers.remove(&id));
    drop(removed);
}

/// `Timer::clear`: removes a `Timer::after`/`tick` timer; false for any other id.
pub fn clear_user_timer(id: i64) -> bool {
    let removed = with(|rt| match rt.timers.get(&id) {
        Some(Timer {
            action: Action::User { .. },
            ..
        }) => rt.timers.remove(&id),
        _ => None,
    });
    let found = removed.is_some();
    drop(removed);
    found
}

/// `Timer::clearAll`: removes every `Timer::after`/`tick` timer.
pub fn clear_user_timers() {
    let removed: Vec<Timer> = with(|rt| {
        let ids: Vec<i64> = rt
            .timers
            .iter()
            .filter(|(_, t)| matches!(t.action, Action::User { .. }))
            .map(|(&id, _)| id)
            .collect();
        ids.into_iter().filter_map(|id| rt.timers.remove(&id)).collect()
    });
    drop(removed);
}

pub fn user_timer_exists(id: i64) -> bool {
    with(|rt| {
        matches!(
            rt.timers.get(&id),
            Some(Timer {
                action: Action::User { .. },
                ..
            })
        )
    })
}

pub fn next_deadline() -> Option<Instant> {
    with(Runtime::next_deadline)
}

/// Whether the loop still has something to wait for: a timer (a sleeping coroutine, a wait with a
/// timeout, a `Timer`). As in Swoole, a coroutine waiting without a timeout and a `Process::signal()`
/// callback do not keep the loop alive.
pub fn alive() -> bool {
    with(|rt| !rt.timers.is_empty())
}

/// How running a coroutine (until it suspends or ends) went, for the caller to settle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ran {
    Ok,
    /// An uncaught exception ended it (reported); Swoole then ends the process.
    Failed,
    /// `exit()` ran in it; the UnwindExit is pending.
    Exit,
    /// A fatal error bailed out of it.
    Bailout,
}

/// Idle carrier fibers kept for the next coroutines (see `enter`).
const MAX_IDLE_CARRIERS: usize = 128;

/// A fiber whose coroutine ended, parked in `enter` until `spawn` hands it the next one: a new
/// coroutine then costs one switch instead of a fiber, its C stack (an mmap, a guard page and the
/// page faults of a fresh stack) and its VM stack.
struct Carrier {
    fiber: Zval,
    address: *const c_void,
    bottom: *mut zend_execute_data,
}

/// Switches into the fiber of `cid` until the coroutine suspends or ends: `start` starts a fresh
/// carrier fiber (its entry function takes the body from the coroutine), false resumes it (a
/// suspended coroutine, or a parked carrier `spawn` handed this coroutine).
fn run(cid: i64, start: bool) -> Ran {
    let fiber = with(|rt| {
        if rt.running.contains(&cid) {
            return None;
        }
        let fiber = rt.coroutines.get(&cid)?.fiber.shallow_clone();
        rt.running.push(cid);
        Some(fiber)
    });
    let Some(fiber) = fiber else {
        return Ran::Ok;
    };
    let switched = try_catch(AssertUnwindSafe(|| {
        if start {
            let mut id = Zval::new();
            id.set_long(cid);
            fiber::start(&fiber, &[id]);
        } else {
            fiber::resume(&fiber);
        }
    }));
    with(|rt| rt.running.pop());
    drop(fiber);
    if switched.is_err() {
        return Ran::Bailout;
    }
    match zend::pending() {
        Pending::Exit => return Ran::Exit,
        // The switch itself failed (the carrier reports what the body throws): the coroutine is lost.
        Pending::Exception => {
            zend::report_pending_exception();
            with(|rt| {
                if let Some(co) = rt.coroutines.get_mut(&cid) {
                    co.done = true;
                    co.failed = true;
                }
            });
        }
        Pending::Nothing => {}
    }
    let ended = with(|rt| match rt.coroutines.get(&cid) {
        Some(co) if co.done => rt.coroutines.remove(&cid),
        _ => None,
    });
    match ended {
        None => Ran::Ok,
        Some(co) => {
            let failed = co.failed;
            drop(co);
            if failed {
                Ran::Failed
            } else {
                Ran::Ok
            }
        }
    }
}

/// The entry function of every carrier fiber (`ProcPool\\Coroutine\\__run($cid)`): runs the
/// coroutine `spawn` made, as the fiber's first frame (its body, then its deferred callables, last
/// first), then parks the fiber for the next coroutine (`spawn` resumes it with the next id), until
/// the pool of idle carriers is full or the engine destroys the fiber. False when `cid` has nothing
/// to start (the function was called by hand).
pub fn enter(first: i64) -> bool {
    if !with(|rt| rt.coroutines.get(&first).is_some_and(|co| co.start.is_some())) {
        return false;
    }
    let (own, bottom) = fiber::enter_body();
    let address = fiber::active();
    let mut cid = first;
    loop {
        if !run_body(cid, bottom) {
            // exit(): the UnwindExit ends this fiber and unwinds whoever resumed it.
            fiber::restore_frame(own);
            return true;
        }
        let parked = with(|rt| {
            let co = rt.coroutines.get_mut(&cid)?;
            co.done = true;
            if rt.idle.len() >= MAX_IDLE_CARRIERS {
                return None;
            }
            let fiber = co.fiber.shallow_clone();
            rt.idle.push(Carrier { fiber, address, bottom });
            Some(())
        });
        if parked.is_none() {
            fiber::restore_frame(own);
            return true;
        }
        fiber::suspend();
        if !ExecutorGlobals::get().exception.is_null() {
            // Destroyed while parked (the end of the script).
            fiber::restore_frame(own);
            return true;
        }
        fiber::cut_bottom(bottom);
        match with(|rt| rt.handoff.take()) {
            Some(next) => cid = next,
            None => {
                fiber::restore_frame(own);
                return true;
            }
        }
    }
}

/// Runs the body of `cid`, then its deferred callables (last registered first), in this fiber.
/// False when `exit()` ran (the UnwindExit is pending).
fn run_body(cid: i64, bottom: *mut zend_execute_data) -> bool {
    let start = with(|rt| {
        let co = rt.coroutines.get_mut(&cid)?;
        co.bottom = bottom;
        co.start.take()
    });
    if let Some((callable, args)) = start {
        let refs: Vec<&dyn ext_php_rs::convert::IntoZvalDyn> = args.iter().map(|a| a as _).collect();
        let _ = callable.try_call(refs);
        drop((callable, args));
        if !settle_body(cid) {
            return false;
        }
    }
    loop {
        let next = with(|rt| rt.coroutines.get_mut(&cid).and_then(|co| co.defers.pop()));
        let Some(deferred) = next else {
            return true;
        };
        let _ = deferred.try_call(vec![]);
        drop(deferred);
        if !settle_body(cid) {
            return false;
        }
    }
}

/// After a coroutine's body or deferred callable returned: an uncaught exception is reported, in
/// the coroutine (as Swoole does), and the coroutine will end the process once its deferred
/// callables ran. False on `exit()` or when the engine destroys the fiber.
fn settle_body(cid: i64) -> bool {
    match zend::pending() {
        Pending::Nothing => true,
        Pending::Exit => false,
        Pending::Exception if fiber::destroyed() => false,
        Pending::Exception => {
            zend::report_pending_exception();
            with(|rt| {
                if let Some(co) = rt.coroutines.get_mut(&cid) {
                    co.failed = true;
                }
            });
            true
        }
    }
}

/// Why a coroutine could not be made.
pub enum SpawnError {
    /// `new Fiber()` or `Closure::fromCallable()` threw (the exception is pending).
    Refused,
}

/// `callable` as a Closure, bound now to what the caller may call (a private method of the
/// caller's class is callable from the caller, not from the fiber's entry function later).
fn bound(callable: &Zval) -> Option<Zval> {
    let is_closure = callable
        .object()
        .and_then(|o| o.get_class_name().ok())
        .is_some_and(|name| name == "Closure");
    if is_closure {
        return Some(callable.shallow_clone());
    }
    let from_callable = ZendCallable::try_from_name("Closure::fromCallable").ok()?;
    from_callable.try_call(vec![callable]).ok()
}

/// The callable every carrier fiber starts with (see `enter`).
fn entry() -> Zval {
    let mut name = Zval::new();
    let _ = name.set_string("ProcPool\\Coroutine\\__run", false);
    name
}

/// Makes a coroutine running `callable(...args)` (the caller checked it is callable) and runs it
/// until it suspends or ends, on an idle carrier fiber if there is one.
pub fn spawn(callable: &Zval, args: Vec<Zval>) -> Result<(i64, Ran), SpawnError> {
    let callable = bound(callable).ok_or(SpawnError::Refused)?;
    let idle = with(|rt| rt.idle.pop());
    let (fiber, address, bottom, fresh) = match idle {
        Some(carrier) => (carrier.fiber, carrier.address, carrier.bottom, false),
        None => {
            let fiber = fiber::new(&entry()).ok_or(SpawnError::Refused)?;
            let address = fiber::address(&fiber);
            (fiber, address, std::ptr::null_mut(), true)
        }
    };
    let cid = with(|rt| {
        rt.last_cid += 1;
        let cid = rt.last_cid;
        let pcid = rt.running.last().copied().unwrap_or(-1);
        rt.coroutines.insert(
            cid,
            Coroutine {
                pcid,
                fiber,
                fiber_address: address,
                start: Some((callable, args)),
                bottom,
                defers: Vec::new(),
                wake: Wake::Nothing,
                failed: false,
                done: false,
            },
        );
        if !fresh {
            rt.handoff = Some(cid);
        }
        cid
    });
    script_loop_needed();
    Ok((cid, run(cid, fresh)))
}

/// Resumes the suspended coroutine `cid`, telling it why.
pub fn resume(cid: i64, why: Wake) -> Ran {
    let known = with(|rt| match rt.coroutines.get_mut(&cid) {
        Some(co) => {
            co.wake = why;
            true
        }
        None => false,
    });
    if known {
        run(cid, false)
    } else {
        Ran::Ok
    }
}

/// Suspends the running coroutine `cid` (the caller checked it may: `suspendable_cid`) until
/// something resumes it; says why. None: the engine is destroying the fiber, or the switch was
/// refused (an exception is pending then); the caller must return at once.
pub fn suspend(cid: i64) -> Option<Wake> {
    with(|rt| {
        if let Some(co) = rt.coroutines.get_mut(&cid) {
            co.wake = Wake::Nothing;
        }
    });
    fiber::suspend();
    let (wake, bottom) = with(|rt| {
        rt.coroutines
            .get(&cid)
            .map_or((Wake::Nothing, std::ptr::null_mut()), |co| (co.wake, co.bottom))
    });
    fiber::cut_bottom(bottom);
    if !ExecutorGlobals::get().exception.is_null() {
        return None;
    }
    Some(wake)
}

/// From Rust outside any PHP call (the worker's loop, a pool event): what a coroutine's end means
/// for the worker. A coroutine that threw, or a fatal error, ends the process as Swoole's
/// bailout does (no WorkerStop, status 255); `exit()` ends it with its status.
pub fn settle_in_loop(ran: Ran) -> Outcome {
    match ran {
        Ran::Ok => Outcome::Normal,
        Ran::Failed => {
            zend::end_output();
            Outcome::Fatal { exit_code: 255 }
        }
        Ran::Bailout => Outcome::Fatal { exit_code: 255 },
        Ran::Exit => {
            let status = ExecutorGlobals::get().exit_status;
            zend::clear_pending();
            zend::end_output();
            Outcome::Fatal { exit_code: status }
        }
    }
}

/// From inside a PHP call (`go()`, a channel push that woke a consumer...): a coroutine that threw
/// or hit a fatal error ends the process at once, unwinding every coroutine in between, as
/// Swoole's bailout does; `exit()` keeps unwinding the caller. Returns false when the caller must
/// return at once (an exception is pending).
///
/// # Safety
/// The bailout is a longjmp through the caller's frames: the caller holds nothing whose drop
/// matters (no `RefCell` borrow, no lock guard), only memory the process's end frees.
pub unsafe fn settle_in_php(ran: Ran) -> bool {
    match ran {
        Ran::Ok => true,
        Ran::Exit => false,
        // SAFETY: the caller guarantees nothing in its frames needs dropping; the process ends.
        Ran::Failed | Ran::Bailout => unsafe { ext_php_rs::zend::bailout() },
    }
}

/// Runs the signals caught and the timers due at `now` (each callback in a coroutine of its own).
pub fn run_due(now: Instant) -> Outcome {
    let caught = signal::take_pending();
    for signo in 1..=signal::MAX_SIGNO {
        if caught & (1u64 << (signo - 1)) == 0 {
            continue;
        }
        enum Then {
            Run(Zval),
            Stop,
            Nothing,
        }
        let then = with(|rt| match rt.signals.get(&signo).map(|h| &h.kind) {
            Some(SignalKind::Callback(callback)) => Then::Run(callback.shallow_clone()),
            Some(SignalKind::PoolStop) => Then::Stop,
            _ => Then::Nothing,
        });
        match then {
            Then::Run(callback) => {
                let mut arg = Zval::new();
                arg.set_long(i64::from(signo));
                let outcome = spawn_in_loop(&callback, vec![arg]);
                if outcome != Outcome::Normal {
                    return outcome;
                }
            }
            Then::Stop => procpool::Context.stop(),
            Then::Nothing => {}
        }
    }
    while let Some(due) = with(|rt| rt.pop_due(now)) {
        let outcome = match due {
            Due::Wake(cid) => settle_in_loop(resume(cid, Wake::Timeout)),
            Due::User {
                id,
                callback,
                params,
                tick,
            } => {
                let mut args = Vec::with_capacity(params.len() + 1);
                if tick {
                    let mut zid = Zval::new();
                    zid.set_long(id);
                    args.push(zid);
                }
                args.extend(params);
                spawn_in_loop(&callback, args)
            }
        };
        if outcome != Outcome::Normal {
            return outcome;
        }
    }
    Outcome::Normal
}

/// A coroutine started by the loop or a pool event (WorkerStart, Message, a timer, a signal).
pub fn spawn_in_loop(callable: &Zval, args: Vec<Zval>) -> Outcome {
    match spawn(callable, args) {
        Ok((_, ran)) => settle_in_loop(ran),
        Err(SpawnError::Refused) => {
            zend::report_pending_exception();
            Outcome::Fatal { exit_code: 255 }
        }
    }
}

/// A forked worker of a coroutine-mode pool takes over: what it inherited from the manager is
/// forgotten (never destroyed: that would run the manager's code here), and the loop is its own.
pub fn enter_worker() -> std::io::Result<()> {
    let inherited = with(|rt| std::mem::replace(rt, Runtime::new()));
    std::mem::forget(inherited);
    with(|rt| rt.mode = Mode::Worker);
    signal::open().map(drop)
}

/// `Process::signal()` refuses `signo` from now on (the pool handles it).
pub fn reserve_signal(signo: i32) {
    with(|rt| rt.system_signals |= 1u64 << (signo - 1));
}

/// What `Process::signal()` found for `signo`.
pub enum SignalSlot {
    Free,
    Registered,
    System,
}

pub fn signal_slot(signo: i32) -> SignalSlot {
    with(|rt| match rt.signals.get(&signo).map(|h| &h.kind) {
        Some(SignalKind::Callback(_) | SignalKind::Ignore) => SignalSlot::Registered,
        _ if rt.system_signals & (1u64 << (signo - 1)) != 0 => SignalSlot::System,
        _ => SignalSlot::Free,
    })
}

/// Whether the script took `signo` with `Process::signal()`.
pub fn has_script_signal(signo: i32) -> bool {
    matches!(signal_slot(signo), SignalSlot::Registered)
}

fn set_signal_kind(signo: i32, kind: SignalKind) -> std::io::Result<()> {
    let action = match kind {
        SignalKind::Ignore => signal::Action::Ignore,
        _ => signal::Action::Catch,
    };
    let previous = signal::install(signo, action)?;
    let replaced = with(|rt| match rt.signals.get_mut(&signo) {
        Some(handler) => Some(std::mem::replace(&mut handler.kind, kind)),
        None => {
            rt.signals.insert(signo, SignalHandler { kind, previous });
            None
        }
    });
    drop(replaced);
    Ok(())
}

/// `Process::signal($signo, $callback)`: the script's callback (None: ignore the signal).
pub fn set_signal(signo: i32, callback: Option<Zval>) -> std::io::Result<()> {
    set_signal_kind(signo, callback.map_or(SignalKind::Ignore, SignalKind::Callback))
}

/// The pool's own handling of `signo` (SIGTERM): the worker stops.
pub fn set_pool_stop_signal(signo: i32) -> std::io::Result<()> {
    set_signal_kind(signo, SignalKind::PoolStop)
}

/// Removes the script's handler of `signo` and puts back what the signal did before; false if the
/// script has none.
pub fn remove_signal(signo: i32) -> bool {
    if !has_script_signal(signo) {
        return false;
    }
    let removed = with(|rt| rt.signals.remove(&signo));
    match removed {
        Some(handler) => {
            signal::restore(signo, &handler.previous);
            drop(handler);
            true
        }
        None => false,
    }
}

/// A plain script made a coroutine or a timer: the loop will run at its end, in a shutdown
/// function, as Swoole's does (a worker outside coroutine mode never gets there: it ends with
/// _exit, so its timers never fire, as in Swoole).
fn script_loop_needed() {
    let register = with(|rt| {
        if rt.mode == Mode::Idle && procpool::role() == procpool::Role::Idle {
            rt.mode = Mode::Script;
            true
        } else {
            false
        }
    });
    if register {
        super::register_script_loop();
    }
}

/// The loop of a plain script (`Swoole\Event::wait()`): runs until no timer is left. Called from
/// PHP, so a failing coroutine ends the script as a fatal error would.
pub fn run_script_loop() {
    if mode() != Mode::Script {
        return;
    }
    while alive() {
        if let Some(deadline) = next_deadline() {
            let now = Instant::now();
            if deadline > now {
                sleep_until(deadline);
            }
        }
        let outcome = run_due(Instant::now());
        match outcome {
            Outcome::Normal => {}
            Outcome::Fatal { exit_code } => {
                // A coroutine started by the loop threw, exited or hit a fatal error (reported): the
                // script ends with that status, as after Swoole's bailout.
                ExecutorGlobals::get_mut().exit_status = exit_code;
                // SAFETY: nothing in this frame needs dropping; the engine ends the script.
                unsafe { ext_php_rs::zend::bailout() }
            }
            _ => return,
        }
    }
}

fn sleep_until(deadline: Instant) {
    let left = deadline.saturating_duration_since(Instant::now());
    let ts = libc::timespec {
        tv_sec: left.as_secs() as libc::time_t,
        tv_nsec: left.subsec_nanos() as libc::c_long,
    };
    // SAFETY: ppoll on no fd is a precise sleep that a signal interrupts.
    unsafe { libc::ppoll(std::ptr::null_mut(), 0, &ts, std::ptr::null()) };
}

/// At the end of the request, while the engine still runs: let go of every zval held here.
pub fn request_shutdown() {
    let old = with(|rt| std::mem::replace(rt, Runtime::new()));
    for (signo, handler) in &old.signals {
        signal::restore(*signo, &handler.previous);
    }
    drop(old);
    signal::close();
}
