//! `ProcPool\Process` (`Swoole\Process` when the swoole extension is not loaded): the handle
//! `getProcess()` returns for a worker id, with Swoole's methods, parameter names and messages.
//! procpool forks only the pool's workers: `new Swoole\Process(...)` throws.

use std::cell::{Cell, RefCell};
use std::ffi::{c_char, CStr, CString};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use ext_php_rs::binary_slice::BinarySlice;
use ext_php_rs::class::RegisteredClass;
use ext_php_rs::convert::IntoZval;
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendCallable, ZendHashTable, Zval};
use procpool::{Context, Role};

use crate::errors::{pool_exception, warning};
use crate::pool::{has_message_callback, refuse_write, ReadOnly};
use crate::socket::Socket;
use crate::values::{bytes_zval, false_zval};
use crate::zend;

/// Swoole's `SW_MSGMAX`: the largest message push() and pop() handle (push() takes less).
const MSGMAX: usize = 65536;
/// `Swoole\Process::IPC_NOWAIT`: or'ed into useQueue()'s `$mode`, push()/pop() never wait.
const IPC_NOWAIT: i64 = 256;
/// useQueue()'s mode in which pop() takes messages of any type (Swoole's SW_MSGQUEUE_BALANCE);
/// otherwise (SW_MSGQUEUE_ORIENT, 1) only those of type `id + 1`.
const MSGQUEUE_BALANCE: i64 = 2;

extern "C" {
    fn zend_get_executed_filename() -> *const c_char;
}

/// What a handle made by `getProcess()` knows of the pool's queue rules.
#[derive(Debug, Default, Clone, Copy)]
pub struct QueueRules {
    /// The pool's own queue is the handle's (SWOOLE_IPC_MSGQUEUE without a Message callback).
    pub pool_queue: bool,
    /// Permission bits of a queue useQueue() creates (`msgqueue_permissions`).
    pub permissions: u32,
    /// `msgqueue_allow_foreign`.
    pub allow_foreign: bool,
}

/// The queue push()/pop() work on.
#[derive(Debug, Clone, Copy)]
struct HandleQueue {
    id: i32,
    /// The key given to useQueue() (None: the pool's queue).
    key: Option<i64>,
    mode: i64,
    nowait: bool,
}

#[php_class]
#[php(name = "ProcPool\\Process")]
pub struct Process {
    worker_id: usize,
    rules: QueueRules,
    /// useQueue()'s queue, if any.
    queue: RefCell<Option<HandleQueue>>,
    /// The pid last seen while the pool ran (-1: never).
    last_pid: Cell<i64>,
    /// setTimeout(): how long read() waits (None: for ever).
    timeout: Cell<Option<Duration>>,
    /// setBlocking(false): read() does not wait.
    nonblocking: Cell<bool>,
}

impl Process {
    pub fn new(worker_id: usize, rules: QueueRules) -> Process {
        Process {
            worker_id,
            rules,
            queue: RefCell::new(None),
            last_pid: Cell::new(-1),
            timeout: Cell::new(None),
            nonblocking: Cell::new(false),
        }
    }

    fn class_name() -> &'static str {
        Process::get_metadata().ce().name().unwrap_or("ProcPool\\Process")
    }

    /// The queue of push()/pop(): useQueue()'s, else the pool's (MSGQUEUE without Message).
    fn current_queue(&self) -> Option<HandleQueue> {
        if let Some(queue) = *self.queue.borrow() {
            return Some(queue);
        }
        if !self.rules.pool_queue {
            return None;
        }
        Context.queue_id().ok().map(|id| HandleQueue {
            id,
            key: None,
            mode: MSGQUEUE_BALANCE,
            nowait: false,
        })
    }

    /// The slot's pid now: the live one while the pool runs (0 before it was forked), the last one
    /// seen afterwards.
    fn pid(&self) -> i64 {
        match Context.worker_pid(self.worker_id) {
            Some(pid) => {
                self.last_pid.set(i64::from(pid));
                i64::from(pid)
            }
            None if Context.master_pid().is_some() => 0,
            None => self.last_pid.get(),
        }
    }
}

/// Signals whose callback Process::signal() registered in this process.
static SIGNAL_CALLBACKS: [AtomicBool; 128] = [const { AtomicBool::new(false) }; 128];

/// A new worker starts without the manager's Process::signal() callbacks.
pub fn forget_signal_callbacks() {
    for registered in &SIGNAL_CALLBACKS {
        registered.store(false, Ordering::Relaxed);
    }
}

/// Whether the pool handles `signo` itself in this process, so that Process::signal() refuses it
/// as Swoole does: the manager's SIGTERM, SIGUSR1, SIGUSR2 and SIGIO, and SIGTERM in a worker of a
/// pool with a Message callback.
fn taken_by_pool(signo: i64) -> bool {
    let signo = signo as i32;
    match Context.role() {
        Role::Manager => [libc::SIGTERM, libc::SIGUSR1, libc::SIGUSR2, libc::SIGIO].contains(&signo),
        Role::Worker => signo == libc::SIGTERM && has_message_callback() && !Context.is_detached(),
        Role::Idle => false,
    }
}

/// `strerror(errno)` and errno, as Swoole's system-call warnings end: ", Error: text[errno]".
fn sys_error(errno: i32) -> String {
    // SAFETY: strerror returns a NUL-terminated static (or thread-local) message.
    let text = unsafe { CStr::from_ptr(libc::strerror(errno)) }
        .to_string_lossy()
        .into_owned();
    format!("Error: {text}[{errno}]")
}

/// A failed system call as Swoole logs one: "what failed, Error: text[errno]".
fn log_failure(e: &procpool::Error) {
    match e {
        procpool::Error::System { what, source } => Context.log_warning(&format!(
            "{what} failed, {}",
            sys_error(source.raw_os_error().unwrap_or(0))
        )),
        procpool::Error::QueueGone => Context.log_warning(&format!("msgrcv() failed, {}", sys_error(libc::EIDRM))),
        other => Context.log_warning(&other.to_string()),
    }
}

fn last_errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

fn call_function(name: &str, args: Vec<&dyn ext_php_rs::convert::IntoZvalDyn>) -> Option<Zval> {
    ZendCallable::try_from_name(name).ok()?.try_call(args).ok()
}

#[php_impl]
impl Process {
    pub const IPC_NOWAIT: i64 = IPC_NOWAIT;
    pub const PIPE_MASTER: i64 = 1;
    pub const PIPE_WORKER: i64 = 2;
    pub const PIPE_READ: i64 = 3;
    pub const PIPE_WRITE: i64 = 4;

    /// Swoole's general forker is not part of procpool: only the pool's handles exist.
    #[php(defaults(redirect_stdin_and_stdout = false, pipe_type = 2, enable_coroutine = false))]
    pub fn __construct(
        callback: &Zval,
        redirect_stdin_and_stdout: bool,
        pipe_type: i64,
        enable_coroutine: bool,
    ) -> PhpResult<Self> {
        let _ = (callback, redirect_stdin_and_stdout, pipe_type, enable_coroutine);
        Err(pool_exception(format!(
            "{} cannot be constructed: procpool provides only the process handles of a pool's workers \
             ($pool->getProcess()), not Swoole's general process forker; use pcntl_fork() or proc_open()",
            Process::class_name()
        )))
    }

    #[php(getter)]
    pub fn get_id(&self) -> ReadOnly<i64> {
        (self.worker_id as i64).into()
    }

    #[php(setter)]
    pub fn set_id(&self, _value: ReadOnly<i64>) {
        refuse_write(Process::get_metadata().ce(), "id");
    }

    /// The slot's current pid: a respawn shows the replacement's pid; 0 before the worker was
    /// forked (in Start).
    #[php(getter)]
    pub fn get_pid(&self) -> ReadOnly<i64> {
        self.pid().into()
    }

    #[php(setter)]
    pub fn set_pid(&self, _value: ReadOnly<i64>) {
        refuse_write(Process::get_metadata().ce(), "pid");
    }

    /// UNIXSOCK: this process's end of the worker's socketpair (null in other modes).
    #[php(getter)]
    pub fn get_pipe(&self) -> ReadOnly<Option<i64>> {
        Context.pipe_fd(self.worker_id).map(i64::from).into()
    }

    #[php(setter)]
    pub fn set_pipe(&self, _value: ReadOnly<Option<i64>>) {
        refuse_write(Process::get_metadata().ce(), "pipe");
    }

    /// useQueue()'s queue id (null before useQueue()).
    #[php(getter, name = "msgQueueId")]
    pub fn get_msg_queue_id(&self) -> ReadOnly<Option<i64>> {
        self.queue
            .borrow()
            .filter(|q| q.key.is_some())
            .map(|q| i64::from(q.id))
            .into()
    }

    #[php(setter, name = "msgQueueId")]
    pub fn set_msg_queue_id(&self, _value: ReadOnly<Option<i64>>) {
        refuse_write(Process::get_metadata().ce(), "msgQueueId");
    }

    /// useQueue()'s key (null before useQueue()).
    #[php(getter, name = "msgQueueKey")]
    pub fn get_msg_queue_key(&self) -> ReadOnly<Option<i64>> {
        self.queue.borrow().and_then(|q| q.key).into()
    }

    #[php(setter, name = "msgQueueKey")]
    pub fn set_msg_queue_key(&self, _value: ReadOnly<Option<i64>>) {
        refuse_write(Process::get_metadata().ce(), "msgQueueKey");
    }

    /// UNIXSOCK: sends one raw datagram on `pipe`; returns its length, false on failure.
    pub fn write(&self, data: BinarySlice<u8>) -> Zval {
        match Context.pipe_write(self.worker_id, &data) {
            Ok(n) => {
                let mut z = Zval::new();
                z.set_long(n as i64);
                z
            }
            Err(e) => {
                warning(&format!("write() failed: {e}"));
                false_zval()
            }
        }
    }

    /// UNIXSOCK: receives one raw datagram on `pipe` (cut to `$size` bytes), waiting for it (up
    /// to setTimeout()'s seconds; not at all after setBlocking(false)).
    #[php(defaults(size = 8192))]
    pub fn read(&self, size: i64) -> Zval {
        if size <= 0 {
            warning("read(): $size must be greater than 0");
            return false_zval();
        }
        let timeout = if self.nonblocking.get() {
            Some(Duration::ZERO)
        } else {
            self.timeout.get()
        };
        match Context.pipe_read(self.worker_id, size as usize, timeout) {
            Ok(Some(bytes)) => bytes_zval(&bytes),
            Ok(None) => false_zval(),
            Err(e) => {
                warning(&format!("read() failed: {e}"));
                false_zval()
            }
        }
    }

    /// UNIXSOCK: a blocking socket object on `pipe` (send/recv). Not a coroutine socket: procpool
    /// has no coroutine runtime.
    pub fn export_socket(&self) -> PhpResult<Zval> {
        if Context.pipe_fd(self.worker_id).is_none() {
            warning("exportSocket() needs a running SWOOLE_IPC_UNIXSOCK pool");
            return Ok(false_zval());
        }
        Ok(Socket::new(self.worker_id).into_zval(false)?)
    }

    /// Gives this handle a System V queue of its own (Swoole's issue #2639 pattern): `$key` (0 or
    /// less: ftok() of the running script), `$mode` 2 (pop() takes any message) or 1 (only those of
    /// type id + 1), or'ed with `IPC_NOWAIT`; `$capacity` > 0 sets the queue's size in bytes. A
    /// queue it creates gets the pool's `msgqueue_permissions` (owner-only by default).
    #[php(defaults(key = 0, mode = 2, capacity = -1))]
    pub fn use_queue(&self, key: i64, mode: i64, capacity: i64) -> bool {
        let key = if key <= 0 {
            // SAFETY: the engine's name of the running script, NUL-terminated (or null).
            let file = unsafe { zend_get_executed_filename() };
            // SAFETY: ftok(3) reads a NUL-terminated path.
            i64::from(unsafe { libc::ftok(if file.is_null() { c".".as_ptr() } else { file }, 1) })
        } else {
            key
        };
        let permissions = if self.rules.permissions == 0 {
            procpool::config::DEFAULT_MSGQUEUE_PERMISSIONS
        } else {
            self.rules.permissions
        };
        let id = match Context.queue_open(key, permissions, self.rules.allow_foreign) {
            Ok(id) => id,
            Err(e) => {
                log_failure(&e);
                return false;
            }
        };
        if capacity > 0 {
            if let Err(e) = Context.queue_set_capacity(id, capacity as u64) {
                log_failure(&e);
            }
        }
        *self.queue.borrow_mut() = Some(HandleQueue {
            id,
            key: Some(key),
            mode: mode & !IPC_NOWAIT,
            nowait: mode & IPC_NOWAIT != 0,
        });
        true
    }

    /// `['queue_num' => messages, 'queue_bytes' => bytes]` of this handle's queue.
    pub fn stat_queue(&self) -> PhpResult<Zval> {
        let Some(queue) = self.current_queue() else {
            warning("no queue, can't get stats of the queue");
            return Ok(false_zval());
        };
        match Context.queue_stat(queue.id) {
            Ok((num, bytes)) => {
                let mut stats = ZendHashTable::new();
                stats.insert("queue_num", num as i64)?;
                stats.insert("queue_bytes", bytes as i64)?;
                Ok(stats.into_zval(false)?)
            }
            Err(_) => Ok(false_zval()),
        }
    }

    /// Removes this handle's queue (and what waits in it).
    pub fn free_queue(&self) -> bool {
        let Some(queue) = self.current_queue() else {
            return false;
        };
        match Context.queue_remove(queue.id) {
            Ok(()) => {
                *self.queue.borrow_mut() = None;
                true
            }
            Err(e) => {
                log_failure(&e);
                false
            }
        }
    }

    /// Sends `$data` to this handle's queue as a message of type id + 1 (at most 65535 bytes).
    pub fn push(&self, data: BinarySlice<u8>) -> bool {
        if data.is_empty() {
            warning("the data to push is empty");
            return false;
        }
        if data.len() >= MSGMAX {
            warning("the data to push is too big");
            return false;
        }
        let Some(queue) = self.current_queue() else {
            warning("no msgqueue, cannot use push()");
            return false;
        };
        match Context.queue_send(queue.id, self.worker_id as i64 + 1, &data, queue.nowait) {
            Ok(sent) => sent,
            Err(e) => {
                log_failure(&e);
                false
            }
        }
    }

    /// Takes the next message of this handle's queue (waiting for one unless IPC_NOWAIT), of at
    /// most `$size` bytes: a longer one stays in the queue and pop() returns false. False too when
    /// a signal interrupts the wait or this worker is stopping.
    #[php(defaults(size = 65536))]
    pub fn pop(&self, size: i64) -> Zval {
        let size = if size <= 0 || size > MSGMAX as i64 {
            MSGMAX
        } else {
            size as usize
        };
        let Some(queue) = self.current_queue() else {
            warning("no msgqueue, cannot use pop()");
            return false_zval();
        };
        let mtype = if queue.mode == MSGQUEUE_BALANCE {
            0
        } else {
            self.worker_id as i64 + 1
        };
        match Context.queue_receive(queue.id, mtype, size, queue.nowait) {
            Ok(Some(message)) => bytes_zval(&message),
            Ok(None) => false_zval(),
            Err(e) => {
                log_failure(&e);
                false_zval()
            }
        }
    }

    /// Replaces this process's image with `$exec_file $args...` (WorkerStop does not run). False
    /// on failure.
    pub fn exec(&self, exec_file: String, args: &ZendHashTable) -> bool {
        if exec_file.is_empty() {
            warning("exec file name is empty");
            return false;
        }
        let path = exec_file;
        let mut argv = vec![path.clone()];
        argv.extend(args.values().map(|v| v.string().unwrap_or_default()));
        let Ok(cpath) = CString::new(path.as_str()) else {
            warning("exec(): the path contains a NUL byte");
            return false;
        };
        let Ok(cargs) = argv
            .iter()
            .map(|a| CString::new(a.as_str()))
            .collect::<Result<Vec<_>, _>>()
        else {
            warning("exec(): an argument contains a NUL byte");
            return false;
        };
        let mut ptrs: Vec<*const libc::c_char> = cargs.iter().map(|a| a.as_ptr()).collect();
        ptrs.push(std::ptr::null());
        // A program that cannot run leaves the script's output buffers as they were; only a real
        // exec flushes them (their content would be lost with the old process image).
        // SAFETY: access(2) on a NUL-terminated path.
        if unsafe { libc::access(cpath.as_ptr(), libc::X_OK) } != 0 {
            warning(&format!("execv({path}) failed, {}", sys_error(last_errno())));
            return false;
        }
        zend::flush_output();
        // SAFETY: NUL-terminated strings and a NULL-terminated argv that outlive the call.
        unsafe { libc::execv(cpath.as_ptr(), ptrs.as_ptr()) };
        warning(&format!("execv({path}) failed, {}", sys_error(last_errno())));
        false
    }

    /// Sets the process title (what ps shows), as cli_set_process_title() does.
    pub fn name(&self, process_name: String) -> bool {
        call_function("cli_set_process_title", vec![&process_name])
            .and_then(|r| r.bool())
            .unwrap_or(false)
    }

    /// Ends this process at once with `$exit_code` (PHP shutdown functions do not run). Only the
    /// handle of the process itself can: another's warns and returns false.
    #[php(defaults(exit_code = 0))]
    pub fn exit(&self, exit_code: i64) -> bool {
        let own =
            Context.role() == Role::Worker && Context.worker_pid(self.worker_id) == Some(std::process::id() as i32);
        if !own {
            warning("not current process");
            return false;
        }
        let code = if (0..=255).contains(&exit_code) {
            exit_code as i32
        } else {
            warning("exit ret_code range is [>0 and <255] ");
            1
        };
        zend::end_output();
        // SAFETY: ending the worker process, as core's worker exit does.
        unsafe { libc::_exit(code) }
    }

    /// kill(2); a failure warns (except signal 0 to a process that does not exist) and is false.
    #[php(defaults(signal_no = 15))]
    pub fn kill(pid: i64, signal_no: i64) -> bool {
        // SAFETY: kill(2) with caller-chosen values, as posix_kill() does.
        if unsafe { libc::kill(pid as libc::pid_t, signal_no as libc::c_int) } == 0 {
            return true;
        }
        let errno = last_errno();
        if !(signal_no == 0 && errno == libc::ESRCH) {
            warning(&format!("kill({pid}, {signal_no}) failed, {}", sys_error(errno)));
        }
        false
    }

    /// An asynchronous signal handler (pcntl's, with pcntl_async_signals() on): `$callback($signo)`
    /// runs when `$signal_no` arrives; null removes it, SIG_IGN ignores the signal. Refused for a
    /// signal the pool handles itself in this process (as Swoole's "registered by the system").
    pub fn signal(signal_no: i64, callback: Option<&Zval>) -> bool {
        // Coroutine mode: the worker's event loop dispatches signals (crate::coroutine).
        if let Some(registered) = crate::coroutine::process_signal(signal_no, callback) {
            return registered;
        }
        if !(0..128).contains(&signal_no) {
            warning(&format!("invalid signal number [{signal_no}]"));
            return false;
        }
        if taken_by_pool(signal_no) {
            warning(&format!(
                "signal [{signal_no}] processor has been registered by the system"
            ));
            return false;
        }
        if ZendCallable::try_from_name("pcntl_signal").is_err() {
            warning("Process::signal() needs the pcntl extension");
            return false;
        }
        let slot = &SIGNAL_CALLBACKS[signal_no as usize];
        let set = |handler: &dyn ext_php_rs::convert::IntoZvalDyn| {
            call_function("pcntl_signal", vec![&signal_no, handler]).and_then(|r| r.bool()) == Some(true)
        };
        match callback.filter(|c| !c.is_null()) {
            None => {
                if !slot.load(Ordering::Relaxed) {
                    warning(&format!("unable to find the callback of signal [{signal_no}]"));
                    return false;
                }
                slot.store(false, Ordering::Relaxed);
                set(&(libc::SIG_DFL as i64))
            }
            Some(c) if c.long() == Some(libc::SIG_IGN as i64) => {
                slot.store(false, Ordering::Relaxed);
                set(&(libc::SIG_IGN as i64))
            }
            Some(c) if !c.is_callable() => {
                let name = c.string().unwrap_or_else(|| c.get_type().to_string());
                warning(&format!("function '{name}' is not callable"));
                false
            }
            Some(c) => {
                let _ = call_function("pcntl_async_signals", vec![&true]);
                let ok = set(c);
                if ok {
                    slot.store(true, Ordering::Relaxed);
                }
                ok
            }
        }
    }

    /// setitimer(2): SIGALRM (type 0, ITIMER_REAL) every `$usec` microseconds; 0 stops it.
    #[php(defaults(r#type = 0))]
    pub fn alarm(usec: i64, r#type: i64) -> bool {
        let interval = libc::timeval {
            tv_sec: (usec.max(0) / 1_000_000) as libc::time_t,
            tv_usec: (usec.max(0) % 1_000_000) as libc::suseconds_t,
        };
        let timer = libc::itimerval {
            it_interval: interval,
            it_value: interval,
        };
        // SAFETY: setitimer(2) with a timer we own; the old value is not asked for.
        if unsafe { libc::setitimer(r#type as libc::c_int, &timer, std::ptr::null_mut()) } < 0 {
            warning(&format!("setitimer() failed, {}", sys_error(last_errno())));
            return false;
        }
        true
    }

    /// waitpid(-1): `['pid' => …, 'code' => …, 'signal' => …]` of a child that ended, false when
    /// none did (`$blocking` false) or there is none.
    #[php(defaults(blocking = true))]
    pub fn wait(blocking: bool) -> PhpResult<Zval> {
        let mut status = 0;
        let pid = loop {
            // SAFETY: waitpid(2) with a status we own.
            let pid = unsafe { libc::waitpid(-1, &mut status, if blocking { 0 } else { libc::WNOHANG }) };
            if pid < 0 && last_errno() == libc::EINTR {
                continue;
            }
            break pid;
        };
        if pid <= 0 {
            return Ok(false_zval());
        }
        let mut result = ZendHashTable::new();
        result.insert("pid", i64::from(pid))?;
        result.insert("code", i64::from(libc::WEXITSTATUS(status)))?;
        result.insert("signal", i64::from(libc::WTERMSIG(status)))?;
        Ok(result.into_zval(false)?)
    }

    /// daemon(3); `$pipes` (up to three fds) become fds 0, 1 and 2 first.
    #[php(defaults(nochdir = true, noclose = true))]
    pub fn daemon(nochdir: bool, noclose: bool, pipes: Option<&ZendHashTable>) -> bool {
        if let Some(pipes) = pipes {
            for (target, fd) in pipes.values().take(3).enumerate() {
                if let Some(fd) = fd.long().filter(|&fd| fd >= 0) {
                    // SAFETY: dup2(2) onto one of the standard fds.
                    unsafe { libc::dup2(fd as libc::c_int, target as libc::c_int) };
                }
            }
        }
        // SAFETY: daemon(3) forks; the parent exits inside it, the child returns.
        unsafe { libc::daemon(i32::from(nochdir), i32::from(noclose)) == 0 }
    }

    /// sched_setaffinity(2) of this process to the CPUs listed.
    pub fn set_affinity(cpu_settings: &ZendHashTable) -> bool {
        if cpu_settings.is_empty() {
            return false;
        }
        // SAFETY: sysconf has no preconditions.
        let cpus = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_CONF) }.max(1);
        if cpu_settings.len() as i64 > cpus {
            warning("More than the number of CPU");
            return false;
        }
        // SAFETY: a zeroed cpu_set_t is an empty set.
        let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
        for value in cpu_settings.values() {
            let cpu = value.long().unwrap_or(-1);
            if cpu < 0 || cpu >= cpus {
                warning(&format!("invalid cpu id [{cpu}]"));
                return false;
            }
            // SAFETY: `cpu` is below the number of CPUs, inside the set's bits.
            unsafe { libc::CPU_SET(cpu as usize, &mut set) };
        }
        // SAFETY: sched_setaffinity(2) on this process with a set we own.
        if unsafe { libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) } < 0 {
            warning(&format!("sched_setaffinity() failed, {}", sys_error(last_errno())));
            return false;
        }
        true
    }

    /// Swoole's only key here is `enable_coroutine`; procpool has no coroutine runtime, so nothing
    /// changes.
    pub fn set(&self, settings: &ZendHashTable) {
        let _ = settings;
    }

    /// UNIXSOCK: how long read() waits, in seconds.
    pub fn set_timeout(&self, seconds: f64) -> bool {
        if Context.pipe_fd(self.worker_id).is_none() {
            warning("no pipe, cannot setTimeout the pipe");
            return false;
        }
        let timeout = (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds.min(1e9)));
        self.timeout.set(timeout);
        true
    }

    /// UNIXSOCK: false makes read() return at once when nothing waits.
    pub fn set_blocking(&self, blocking: bool) {
        if Context.pipe_fd(self.worker_id).is_none() {
            warning("no pipe, cannot setBlocking the pipe");
            return;
        }
        self.nonblocking.set(!blocking);
    }

    /// setpriority(2) of `$who` (default: this handle's process).
    pub fn set_priority(&self, which: i64, priority: i64, who: Option<i64>) -> bool {
        let who = who.unwrap_or_else(|| self.pid().max(0));
        // SAFETY: setpriority(2) with plain values.
        unsafe {
            libc::setpriority(
                which as libc::__priority_which_t,
                who as libc::id_t,
                priority as libc::c_int,
            ) == 0
        }
    }

    /// getpriority(2) of `$who` (default: this handle's process).
    pub fn get_priority(&self, which: i64, who: Option<i64>) -> i64 {
        let who = who.unwrap_or_else(|| self.pid().max(0));
        // SAFETY: getpriority(2) with plain values.
        i64::from(unsafe { libc::getpriority(which as libc::__priority_which_t, who as libc::id_t) })
    }

    /// A pool's worker is started by the pool: false with a warning.
    pub fn start(&self) -> bool {
        let pid = self.pid();
        // SAFETY: kill(2) with signal 0 only checks that the process exists.
        if pid > 0 && unsafe { libc::kill(pid as libc::pid_t, 0) } == 0 {
            warning("process has already been started");
        } else {
            warning("the pool starts its workers: a process handle cannot be started");
        }
        false
    }

    /// The pool's pipes cannot be closed from PHP (as in Swoole): false with a warning.
    #[php(defaults(which = 0))]
    pub fn close(&self, which: i64) -> bool {
        let _ = which;
        if Context.pipe_fd(self.worker_id).is_none() {
            warning("no pipe, cannot close the pipe");
        } else {
            warning("cannot close the pipe");
        }
        false
    }
}
