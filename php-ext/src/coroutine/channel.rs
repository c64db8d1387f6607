//! `Swoole\Coroutine\Channel` and `Swoole\Coroutine\WaitGroup`, with Swoole's semantics: a push to
//! a channel a consumer waits on runs that consumer at once (until it suspends), and so on.
//!
//! The state of each object lives behind an `Rc<RefCell<..>>` the object only points to: a
//! coroutine suspended inside `pop()` still has its call on the stack while another coroutine
//! calls `push()` on the same object, so no call may hold a borrow of the object's state while it
//! suspends or runs another coroutine.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::Duration;

use ext_php_rs::convert::IntoZval;
use ext_php_rs::exception::PhpException;
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendHashTable, Zval};
use ext_php_rs::zend::ClassEntry;

use super::require_coroutine;
use super::runtime::{self, Wake};
use crate::values::false_zval;

/// `errCode` values (`SWOOLE_CHANNEL_*`).
pub const OK: i64 = 0;
pub const TIMEOUT: i64 = -1;
pub const CLOSED: i64 = -2;

#[derive(Default)]
struct State {
    capacity: usize,
    data: VecDeque<Zval>,
    consumers: VecDeque<i64>,
    producers: VecDeque<i64>,
    closed: bool,
    err_code: i64,
}

/// Waits in the running coroutine `cid` (queued in `queue` of `state`) until it is notified, its
/// timeout (seconds, only if > 0) passes, or the fiber goes; takes it out of the queue again.
fn wait(state: &Rc<RefCell<State>>, cid: i64, consumer: bool, timeout: f64) -> Option<Wake> {
    {
        let mut s = state.borrow_mut();
        if consumer {
            s.consumers.push_back(cid);
        } else {
            s.producers.push_back(cid);
        }
    }
    let timer = (timeout > 0.0)
        .then(|| Duration::try_from_secs_f64(timeout).ok())
        .flatten()
        .map(|t| runtime::wake_at(cid, runtime::after(t.max(Duration::from_millis(1)))));
    let woken = runtime::suspend(cid);
    if let Some(timer) = timer {
        runtime::cancel_timer(timer);
    }
    let mut s = state.borrow_mut();
    let queue = if consumer { &mut s.consumers } else { &mut s.producers };
    queue.retain(|&c| c != cid);
    woken
}

/// Runs the coroutine `cid` a channel operation woke, from PHP code.
fn notify(cid: i64) -> bool {
    // SAFETY: the callers hold no borrow of a channel's state when they call this.
    unsafe { runtime::settle_in_php(runtime::resume(cid, Wake::Notified)) }
}

#[php_class]
#[php(name = "ProcPool\\Coroutine\\Channel")]
pub struct Channel {
    state: Rc<RefCell<State>>,
}

#[php_impl]
impl Channel {
    pub const OK: i64 = OK;
    pub const TIMEOUT: i64 = TIMEOUT;
    pub const CLOSED: i64 = CLOSED;

    /// A channel of `$size` slots (at least 1).
    #[php(defaults(size = 1))]
    pub fn __construct(size: i64) -> Channel {
        Channel {
            state: Rc::new(RefCell::new(State {
                capacity: size.max(1) as usize,
                ..State::default()
            })),
        }
    }

    /// Puts `$data` in the channel, waiting (up to `$timeout` seconds if > 0) while it is full.
    /// False (and `errCode`) when it timed out or the channel is closed.
    #[php(defaults(timeout = -1.0))]
    pub fn push(&self, data: &Zval, timeout: f64) -> bool {
        let cid = require_coroutine();
        let state = self.state.clone();
        if state.borrow().closed {
            state.borrow_mut().err_code = CLOSED;
            return false;
        }
        let must_wait = {
            let s = state.borrow();
            s.data.len() >= s.capacity || !s.producers.is_empty()
        };
        if must_wait {
            match wait(&state, cid, false, timeout) {
                None => return false,
                Some(Wake::Timeout) => {
                    state.borrow_mut().err_code = TIMEOUT;
                    return false;
                }
                Some(_) => {}
            }
            if state.borrow().closed {
                state.borrow_mut().err_code = CLOSED;
                return false;
            }
        }
        let consumer = {
            let mut s = state.borrow_mut();
            s.data.push_back(data.shallow_clone());
            s.consumers.pop_front()
        };
        drop(state);
        if let Some(consumer) = consumer {
            notify(consumer);
        }
        true
    }

    /// Takes the oldest value, waiting (up to `$timeout` seconds if > 0) while the channel is
    /// empty. False (and `errCode`) when it timed out or the channel is closed and empty.
    #[php(defaults(timeout = -1.0))]
    pub fn pop(&self, timeout: f64) -> Zval {
        let cid = require_coroutine();
        let state = self.state.clone();
        let (closed_and_empty, must_wait) = {
            let s = state.borrow();
            (
                s.closed && s.data.is_empty(),
                s.data.is_empty() || !s.consumers.is_empty(),
            )
        };
        if closed_and_empty {
            state.borrow_mut().err_code = CLOSED;
            return false_zval();
        }
        if must_wait {
            match wait(&state, cid, true, timeout) {
                None => return false_zval(),
                Some(Wake::Timeout) => {
                    state.borrow_mut().err_code = TIMEOUT;
                    return false_zval();
                }
                Some(_) => {}
            }
        }
        let (value, producer) = {
            let mut s = state.borrow_mut();
            match s.data.pop_front() {
                Some(value) => (value, s.producers.pop_front()),
                None => {
                    s.err_code = CLOSED;
                    return false_zval();
                }
            }
        };
        drop(state);
        if let Some(producer) = producer {
            notify(producer);
        }
        value
    }

    /// Closes the channel: every coroutine waiting on it is woken (and gets false); what it holds
    /// can still be popped. False if it was closed already.
    pub fn close(&self) -> bool {
        let waiting: Vec<i64> = {
            let mut s = self.state.borrow_mut();
            if s.closed {
                return false;
            }
            s.closed = true;
            let mut all: Vec<i64> = s.producers.drain(..).collect();
            all.extend(s.consumers.drain(..));
            all
        };
        for cid in waiting {
            if !notify(cid) {
                break;
            }
        }
        true
    }

    pub fn length(&self) -> i64 {
        self.state.borrow().data.len() as i64
    }

    pub fn is_empty(&self) -> bool {
        self.state.borrow().data.is_empty()
    }

    pub fn is_full(&self) -> bool {
        let s = self.state.borrow();
        s.data.len() >= s.capacity
    }

    /// `['consumer_num' => .., 'producer_num' => .., 'queue_num' => ..]`.
    pub fn stats(&self) -> PhpResult<Zval> {
        let (consumers, producers, queued) = {
            let s = self.state.borrow();
            (s.consumers.len() as i64, s.producers.len() as i64, s.data.len() as i64)
        };
        let mut array = ZendHashTable::new();
        let err = |e: ext_php_rs::error::Error| PhpException::from_message(e.to_string());
        array.insert("consumer_num", consumers).map_err(err)?;
        array.insert("producer_num", producers).map_err(err)?;
        array.insert("queue_num", queued).map_err(err)?;
        Ok(array.into_zval(false)?)
    }

    #[php(getter)]
    pub fn get_capacity(&self) -> i64 {
        self.state.borrow().capacity as i64
    }

    #[php(getter, name = "errCode")]
    pub fn get_err_code(&self) -> i64 {
        self.state.borrow().err_code
    }
}

#[derive(Default)]
struct Group {
    count: i64,
    /// The coroutine in `wait()`, if one is.
    waiter: Option<i64>,
}

fn exception(class: &str, message: &str) -> PhpException {
    match ClassEntry::try_find(class) {
        Some(ce) => PhpException::new(message.into(), 0, ce),
        None => PhpException::from_message(message.into()),
    }
}

/// `Swoole\Coroutine\WaitGroup`: `add()`, `done()`, `wait($timeout)`, `count()`.
#[php_class]
#[php(name = "ProcPool\\Coroutine\\WaitGroup")]
pub struct WaitGroup {
    group: Rc<RefCell<Group>>,
}

#[php_impl]
impl WaitGroup {
    #[php(defaults(delta = 0))]
    pub fn __construct(delta: i64) -> PhpResult<WaitGroup> {
        let group = WaitGroup {
            group: Rc::new(RefCell::new(Group::default())),
        };
        if delta > 0 {
            group.add(delta)?;
        }
        Ok(group)
    }

    #[php(defaults(delta = 1))]
    pub fn add(&self, delta: i64) -> PhpResult<()> {
        let mut g = self.group.borrow_mut();
        if g.waiter.is_some() {
            return Err(exception(
                "BadMethodCallException",
                "WaitGroup misuse: add called concurrently with wait",
            ));
        }
        let count = g.count + delta;
        if count < 0 {
            return Err(exception("InvalidArgumentException", "negative WaitGroup counter"));
        }
        g.count = count;
        Ok(())
    }

    /// One task done; the last one wakes the coroutine in `wait()` (at once, as Swoole's does).
    pub fn done(&self) -> PhpResult<()> {
        let waiter = {
            let mut g = self.group.borrow_mut();
            let count = g.count - 1;
            if count < 0 {
                return Err(exception("BadMethodCallException", "negative WaitGroup counter"));
            }
            g.count = count;
            if count == 0 {
                g.waiter.take()
            } else {
                None
            }
        };
        if let Some(cid) = waiter {
            notify(cid);
        }
        Ok(())
    }

    /// Waits until the count is back to 0 (true) or `$timeout` seconds passed (false, if > 0).
    #[php(defaults(timeout = -1.0))]
    pub fn wait(&self, timeout: f64) -> PhpResult<bool> {
        {
            let g = self.group.borrow();
            if g.count == 0 {
                return Ok(true);
            }
            if g.waiter.is_some() {
                return Err(exception(
                    "BadMethodCallException",
                    "WaitGroup misuse: reused before previous wait has returned",
                ));
            }
        }
        let cid = require_coroutine();
        let group = self.group.clone();
        group.borrow_mut().waiter = Some(cid);
        let timer = (timeout > 0.0)
            .then(|| Duration::try_from_secs_f64(timeout).ok())
            .flatten()
            .map(|t| runtime::wake_at(cid, runtime::after(t.max(Duration::from_millis(1)))));
        let woken = runtime::suspend(cid);
        if let Some(timer) = timer {
            runtime::cancel_timer(timer);
        }
        let mut g = group.borrow_mut();
        if g.waiter == Some(cid) {
            g.waiter = None;
        }
        Ok(matches!(woken, Some(Wake::Notified)) && g.count == 0)
    }

    pub fn count(&self) -> i64 {
        self.group.borrow().count
    }
}
