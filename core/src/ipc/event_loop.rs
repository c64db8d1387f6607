//! Coroutine mode (the PHP extension's `enable_coroutine`): the worker's event loop. Instead of its IPC
//! mode's blocking loop, a coroutine-mode worker waits in one `ppoll` on its UNIXSOCK receive socket
//! (message mode with a `Message` callback) and the runtime's own fd (its signal self-pipe, which
//! SIGTERM also goes through), with the runtime's next timer as the timeout, and tells the runtime
//! what happened. Each message starts a coroutine (through `Delivery::message`), so a handler that sleeps
//! does not hold up the next message.
//!
//! The coroutines, timers and signal callbacks belong to the runtime (`CoroutineRuntime`, which the
//! PHP extension implements); the loop only waits and dispatches. It never spins: with nothing due
//! it sleeps in `ppoll` until an fd is readable or the next timer is due (nanosecond timeout, so
//! timers are accurate to well under a millisecond).
//!
//! Stopping follows Swoole's pool: once the worker must leave (SIGTERM, `stop()`, `detach()`,
//! `max_request`), it stops reading messages (they wait in the socket for the replacement) and, at
//! the end of every loop turn, runs `WorkerExit` (`CoroutineRuntime::on_worker_exit`) until no
//! coroutine timer is left; then the worker runs `WorkerStop`. If coroutines are still running when
//! `max_wait_time` is nearly over, the loop gives up on them so that `WorkerStop` still runs before
//! the manager's SIGKILL. The C ABI has no coroutine mode.

use std::os::fd::RawFd;
use std::time::{Duration, Instant};

use super::Delivery;
use crate::config::PoolConfig;
use crate::event::Outcome;
use crate::fd;
use crate::log::warning;
use crate::message_bus::{Reassembler, CHUNK_PAYLOAD, HEADER_LEN};

/// What the worker's event loop asks of a coroutine runtime (the PHP extension's). The runtime owns
/// the coroutines, their timers and the signal callbacks; the loop waits and calls these.
pub trait CoroutineRuntime {
    /// An fd to wait on besides the IPC ones (the runtime's signal self-pipe); readable means
    /// `run_due` has work.
    fn wake_fd(&self) -> Option<RawFd>;

    /// When the runtime's earliest timer is due (None: no timer).
    fn next_deadline(&mut self) -> Option<Instant>;

    /// Runs what is due at `now`: the signals caught, then the timers whose time came (each may
    /// resume or start coroutines). `Outcome::Fatal` ends the worker at once.
    fn run_due(&mut self, now: Instant) -> Outcome;

    /// Whether something still keeps the loop alive (a sleeping coroutine, a timer).
    fn alive(&self) -> bool;

    /// The worker was asked to stop and keeps running its coroutines: `WorkerExit`, once per loop
    /// turn until they end.
    fn on_worker_exit(&mut self) -> Outcome;
}

/// A transport's `Delivery` that can also reach the handler's coroutine runtime.
pub(crate) trait LoopDelivery: Delivery {
    /// The runtime, if the handler has one.
    fn runtime(&mut self) -> Option<&mut dyn CoroutineRuntime>;
}

/// How many datagrams the loop takes from the socket in one turn before it looks at its timers
/// again (a flood of messages must not starve sleeping coroutines).
const BATCH: usize = 64;

/// After a receive failure that waiting cannot cure, the socket is left alone this long.
const RECV_FAILURE_BACKOFF: Duration = Duration::from_millis(100);

/// While a partial bus message waits, the loop checks its sender this often.
const PARTIAL_CHECK: Duration = Duration::from_secs(1);

/// The UNIXSOCK receive side of a coroutine-mode worker with a `Message` callback.
struct Receiver {
    fd: RawFd,
    buf: Vec<u8>,
    bus: Option<Reassembler>,
    next_partial_check: Instant,
    paused_until: Option<Instant>,
}

impl Receiver {
    fn new(fd: RawFd, config: &PoolConfig) -> Receiver {
        let (bus, size) = if config.enable_message_bus {
            (Some(Reassembler::new()), HEADER_LEN + CHUNK_PAYLOAD)
        } else {
            (
                None,
                config.max_package_size.min(super::unixsock::max_datagram(fd)).max(1),
            )
        };
        Receiver {
            fd,
            buf: vec![0u8; size],
            bus,
            next_partial_check: Instant::now() + PARTIAL_CHECK,
            paused_until: None,
        }
    }

    /// Whether the loop should wait on the socket now.
    fn polled(&mut self, now: Instant) -> bool {
        match self.paused_until {
            Some(until) if until > now => false,
            _ => {
                self.paused_until = None;
                true
            }
        }
    }

    /// When the loop must wake up for this receiver even with nothing to read.
    fn deadline(&self) -> Option<Instant> {
        let partial = self
            .bus
            .as_ref()
            .filter(|bus| bus.has_partials())
            .map(|_| self.next_partial_check);
        match (partial, self.paused_until) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Takes up to BATCH datagrams from the socket, handing each whole message to `Message` (which
    /// starts a coroutine). Stops early when the worker must leave.
    fn drain(&mut self, delivery: &mut dyn LoopDelivery) -> Outcome {
        for _ in 0..BATCH {
            // SAFETY: recv into our own buffer, never blocking.
            let n = unsafe {
                libc::recv(
                    self.fd,
                    self.buf.as_mut_ptr().cast(),
                    self.buf.len(),
                    libc::MSG_DONTWAIT,
                )
            };
            if n < 0 {
                if fd::interrupted() {
                    continue;
                }
                if !fd::retryable() {
                    warning!(
                        "recv (UNIXSOCK) failed: {}; retrying in {} ms",
                        std::io::Error::last_os_error(),
                        RECV_FAILURE_BACKOFF.as_millis()
                    );
                    self.paused_until = Some(Instant::now() + RECV_FAILURE_BACKOFF);
                }
                break;
            }
            let datagram = &self.buf[..n as usize];
            let outcome = match self.bus.as_mut() {
                None => delivery.message(datagram),
                Some(bus) => match bus.feed(datagram, Instant::now()) {
                    Ok(Some((_sender, message))) => delivery.message(&message),
                    Ok(None) => Outcome::Normal,
                    Err(e) => {
                        warning!("message bus: {e}");
                        Outcome::Normal
                    }
                },
            };
            if let Outcome::Fatal { exit_code } = outcome {
                return Outcome::Fatal { exit_code };
            }
            if delivery.must_leave() {
                break;
            }
        }
        Outcome::Normal
    }

    fn expire_partials(&mut self, now: Instant) {
        let Some(bus) = self.bus.as_mut() else { return };
        if !bus.has_partials() || now < self.next_partial_check {
            return;
        }
        for (pid, bytes) in bus.expire(now, process_alive) {
            warning!("dropped a partial message ({bytes} bytes) from pid {pid}: its sender died or went silent");
        }
        self.next_partial_check = now + PARTIAL_CHECK;
    }
}

/// The worker's coroutine loop. `recv_fd`: the UNIXSOCK receive socket when the worker takes
/// messages. SIGTERM is the runtime's to handle (it stops the worker through `Context::stop`, as
/// Swoole's pool handler does, unless the script took the signal with `Process::signal()`).
pub(crate) fn serve(delivery: &mut dyn LoopDelivery, recv_fd: Option<RawFd>, config: &PoolConfig) -> Outcome {
    let mut receiver = recv_fd.map(|fd| Receiver::new(fd, config));
    // Once the worker must leave: when that began, and when it gives up on its coroutines (None
    // without max_wait_time).
    let mut stopping: Option<(Instant, Option<Instant>)> = None;
    loop {
        if stopping.is_none() && delivery.must_leave() {
            stopping = Some((Instant::now(), give_up_at(config.max_wait_time)));
            // Messages not taken yet stay in the socket for the replacement.
            receiver = None;
        }
        let Some(runtime) = delivery.runtime() else {
            return Outcome::Normal;
        };
        match stopping {
            Some((began, give_up)) => {
                if let Outcome::Fatal { exit_code } = runtime.on_worker_exit() {
                    return Outcome::Fatal { exit_code };
                }
                if !runtime.alive() {
                    return Outcome::Normal;
                }
                if give_up.is_some_and(|at| Instant::now() >= at) {
                    warning!(
                        "coroutines still running {:.2}s after the worker was asked to stop (max_wait_time {}s): leaving them; WorkerStop runs",
                        began.elapsed().as_secs_f64(),
                        config.max_wait_time.as_secs_f64()
                    );
                    return Outcome::Normal;
                }
            }
            None if receiver.is_none() && !runtime.alive() => return Outcome::Normal,
            None => {}
        }
        // Wait for an fd or the earliest deadline.
        let now = Instant::now();
        let mut deadline = runtime.next_deadline();
        let runtime_fd = runtime.wake_fd();
        if let Some((_, Some(at))) = stopping {
            deadline = Some(deadline.map_or(at, |d| d.min(at)));
        }
        let mut fds: Vec<libc::pollfd> = Vec::with_capacity(2);
        if let Some(fd) = runtime_fd {
            fds.push(pollfd(fd));
        }
        let recv_index = match receiver.as_mut() {
            Some(r) => {
                if let Some(at) = r.deadline() {
                    deadline = Some(deadline.map_or(at, |d| d.min(at)));
                }
                if r.polled(now) {
                    fds.push(pollfd(r.fd));
                    Some(fds.len() - 1)
                } else {
                    None
                }
            }
            None => None,
        };
        wait(&mut fds, deadline);
        if let (Some(r), Some(i)) = (receiver.as_mut(), recv_index) {
            if fds[i].revents != 0 && !delivery.must_leave() {
                if let Outcome::Fatal { exit_code } = r.drain(delivery) {
                    return Outcome::Fatal { exit_code };
                }
            }
            r.expire_partials(Instant::now());
        }
        let Some(runtime) = delivery.runtime() else {
            return Outcome::Normal;
        };
        if let Outcome::Fatal { exit_code } = runtime.run_due(Instant::now()) {
            return Outcome::Fatal { exit_code };
        }
    }
}

/// How long before the manager's SIGKILL (max_wait_time after its SIGTERM) the loop gives up on
/// its coroutines, so that WorkerStop still runs: a tenth of max_wait_time, at most 250 ms.
fn give_up_margin(max_wait_time: Duration) -> Duration {
    (max_wait_time / 10).min(Duration::from_millis(250))
}

/// When a stopping worker gives up on its coroutines (None: max_wait_time 0, never).
fn give_up_at(max_wait_time: Duration) -> Option<Instant> {
    if max_wait_time.is_zero() {
        return None;
    }
    Some(Instant::now() + max_wait_time.saturating_sub(give_up_margin(max_wait_time)))
}

fn pollfd(fd: RawFd) -> libc::pollfd {
    libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    }
}

/// ppoll until an fd is readable, `deadline` passed (None: no timeout) or a signal arrived.
fn wait(fds: &mut [libc::pollfd], deadline: Option<Instant>) {
    let timeout = deadline.map(|at| {
        let left = at.saturating_duration_since(Instant::now());
        libc::timespec {
            tv_sec: left.as_secs() as libc::time_t,
            tv_nsec: left.subsec_nanos() as libc::c_long,
        }
    });
    let timeout_ptr = timeout
        .as_ref()
        .map_or(std::ptr::null(), |t| t as *const libc::timespec);
    // SAFETY: ppoll on an array of pollfds we own, with a timespec that outlives the call and the
    // current signal mask.
    unsafe {
        libc::ppoll(
            fds.as_mut_ptr(),
            fds.len() as libc::nfds_t,
            timeout_ptr,
            std::ptr::null(),
        )
    };
}

fn process_alive(pid: u32) -> bool {
    // SAFETY: kill with signal 0 only checks the pid.
    unsafe { libc::kill(pid as i32, 0) == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM) }
}
