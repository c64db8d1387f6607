<?php

/**
 * IDE stubs of the procpool extension: every class, method, property and constant it registers,
 * with the declared types Reflection shows, and one line of documentation each. Not loaded by PHP;
 * point the IDE at this file (and not at Swoole's stubs when both would apply).
 *
 * Without the swoole extension (the usual case), the classes are named as Swoole's
 * (`Swoole\Process\Pool`, `Swoole\Process`, `Swoole\Exception`, `Swoole\Coroutine`...): that is what
 * get_class() shows, and the `ProcPool\...` names, Swoole's short names (`Co`, `Chan`, `Co\...`),
 * `go()`, `defer()`, `Co\run()` and the `SWOOLE_CHANNEL_*` constants are registered besides
 * (the `class_alias()` lines and the functions at the end). When the swoole extension is loaded,
 * only the `ProcPool\...` classes and functions and the `SWOOLE_IPC_*` / `PROCPOOL_IPC_REDIS`
 * constants exist, and Swoole's own classes keep their names.
 *
 * Kept by hand. phpt/stubs_match_reflection.phpt loads this file in a PHP without the extension and
 * fails on any difference from the loaded extension (a class, alias, method, parameter name, type,
 * default, property, constant or function missing on either side, or an item without a doc comment):
 * after changing what the extension registers, update this file until that test passes.
 */

namespace {
    /** The pool's workers receive nothing from it: each runs WorkerStart and is replaced when it returns. */
    const SWOOLE_IPC_NONE = 0;
    /** One datagram socketpair per worker: sendMessage() from the manager or any worker. */
    const SWOOLE_IPC_UNIXSOCK = 1;
    /** A System V message queue (the constructor's $msgqueue_key) feeds the workers. */
    const SWOOLE_IPC_MSGQUEUE = 2;
    /** The pool listens on one socket (listen()); each request is one length-prefixed frame. */
    const SWOOLE_IPC_SOCKET = 3;
    /** Beyond Swoole: a Redis stream read through a consumer group, at least once (docs/redis.md). */
    const PROCPOOL_IPC_REDIS = 100;
    /** Coroutine\Channel::$errCode: the last operation succeeded. */
    const SWOOLE_CHANNEL_OK = 0;
    /** Coroutine\Channel::$errCode: the last push()/pop() timed out. */
    const SWOOLE_CHANNEL_TIMEOUT = -1;
    /** Coroutine\Channel::$errCode: the channel is closed. */
    const SWOOLE_CHANNEL_CLOSED = -2;
}

namespace Swoole\Process {
    /** A process pool: a manager process forks worker_num workers, replaces those that die, reloads them on SIGUSR1/SIGUSR2 and stops them on SIGTERM/SIGINT/SIGHUP. */
    class Pool
    {
        /** SWOOLE_IPC_NONE. */
        public const IPC_NONE = 0;
        /** SWOOLE_IPC_UNIXSOCK. */
        public const IPC_UNIXSOCK = 1;
        /** SWOOLE_IPC_MSGQUEUE. */
        public const IPC_MSGQUEUE = 2;
        /** SWOOLE_IPC_SOCKET. */
        public const IPC_SOCKET = 3;
        /** PROCPOOL_IPC_REDIS (beyond Swoole, docs/redis.md). */
        public const IPC_REDIS = 100;

        /** The manager's pid once start() ran (-1 before); read-only. */
        public readonly int $master_pid;
        /** This worker's id, -1 outside a worker; read-only. */
        public readonly int $workerId;
        /** This worker's pid, -1 outside a worker; read-only. */
        public readonly int $workerPid;
        /** False once this process is stopping (the manager from Shutdown on and after start() returned, a worker after stop(), SIGTERM or in WorkerStop); read-only. */
        public readonly bool $workerRunning;
        /** As $workerRunning; read-only. */
        public readonly bool $running;
        /** @var array<int, \Swoole\Process>|null Null until getProcess() first succeeds in this process, then the handles asked for so far by worker id; read-only. */
        public readonly ?array $workers;

        /** A pool of $worker_num workers fed by $ipc_type; throws Swoole\Exception for a bad count or mode, Error inside a running pool. */
        public function __construct(int $worker_num, int $ipc_type = SWOOLE_IPC_NONE, int $msgqueue_key = 0, bool $enable_coroutine = false) {}

        /** Settings (docs/settings.md): before start(), between runs, or in the manager's callbacks for the running pool; a bad value warns and is ignored. */
        public function set(array $settings): void {}

        /** Registers a callback: Start, Shutdown, WorkerStart, WorkerStop, Message, WorkerExit (case-insensitive); false with a warning for an unknown event or while the pool runs. */
        public function on(string $name, callable $callback): bool {}

        /** SOCKET: listen on `unix:/path` or a TCP host and port (0: any) before start(); false with a line in the pool's log on failure; a second call keeps the first socket. */
        public function listen(string $host, int $port = 0, int $backlog = 2048): bool {}

        /** SOCKET, inside Message: appends $data to the reply sent when Message returns. */
        public function write(string $data): bool {}

        /** UNIXSOCK, once started: sends $data to worker $dst_worker_id (from the manager or any worker). */
        public function sendMessage(string $data, int $dst_worker_id): bool {}

        /** Runs the pool; returns null in the manager once every worker was reaped (false when refused), never in a worker; can run again once returned. */
        public function start(): null|false {}

        /** Begins the graceful shutdown (from a worker: SIGTERM to the manager); throws before start(), false after it returned. */
        public function shutdown(): bool {}

        /** In a worker: leave the message loop after the current message; the worker exits and is replaced. */
        public function stop(): void {}

        /** In a worker: this process leaves the pool (a replacement is forked; it is never signalled by the pool again). */
        public function detach(): bool {}

        /** The handle of worker $work_id (negative: this worker), one object per id; false before start() and after it returned, false with a warning for an id out of range. */
        public function getProcess(int $work_id = -1): \Swoole\Process|false {}

        /** Beyond Swoole: the pool's and every worker's figures (docs/operate.md); false with a warning before start(). */
        public function stats(): array|false {}

        /** PROCPOOL_IPC_REDIS: adds $data to the pool's stream; returns the entry's id, false with a warning on failure. */
        public function push(string $data): string|false {}

        /** PROCPOOL_IPC_REDIS, inside Message: every field of the entry in hand; false elsewhere. */
        public function getMessageFields(): array|false {}

        /** PROCPOOL_IPC_REDIS, inside Message: the id of the entry in hand; false elsewhere. */
        public function getMessageId(): string|false {}
    }
}

namespace Swoole {
    /** The handle of one worker slot of a pool ($pool->getProcess()); procpool has no general process forker. */
    class Process
    {
        /** useQueue() mode flag: push()/pop() never wait. */
        public const IPC_NOWAIT = 256;
        /** Swoole's pipe selector for close() (procpool's pipes cannot be closed). */
        public const PIPE_MASTER = 1;
        /** Swoole's pipe selector for close() (procpool's pipes cannot be closed). */
        public const PIPE_WORKER = 2;
        /** Swoole's pipe selector for close() (procpool's pipes cannot be closed). */
        public const PIPE_READ = 3;
        /** Swoole's pipe selector for close() (procpool's pipes cannot be closed). */
        public const PIPE_WRITE = 4;

        /** The worker id of this slot; read-only. */
        public readonly int $id;
        /** The slot's current pid (0 before it was forked, the replacement's after a respawn); read-only. */
        public readonly int $pid;
        /** UNIXSOCK: this process's end of the worker's socketpair, null in other modes; read-only. */
        public readonly ?int $pipe;
        /** The id of useQueue()'s queue, null before useQueue(); read-only. */
        public readonly ?int $msgQueueId;
        /** The key given to useQueue(), null before useQueue(); read-only. */
        public readonly ?int $msgQueueKey;

        /** Always throws Swoole\Exception: only the pool's handles exist (use pcntl_fork() or proc_open()). */
        public function __construct(callable $callback, bool $redirect_stdin_and_stdout = false, int $pipe_type = 2, bool $enable_coroutine = false) {}

        /** Gives the handle a System V queue: $key (0: ftok() of the script), $mode 2 (any message) or 1 (type id + 1), or'ed with IPC_NOWAIT; $capacity in bytes. */
        public function useQueue(int $key = 0, int $mode = 2, int $capacity = -1): bool {}

        /** `['queue_num' => messages, 'queue_bytes' => bytes]` of the handle's queue; false without one. */
        public function statQueue(): array|false {}

        /** Removes the handle's queue and what waits in it. */
        public function freeQueue(): bool {}

        /** The next message of the handle's queue, at most $size bytes (a longer one stays queued); false when interrupted, stopping or failing. */
        public function pop(int $size = 65536): string|false {}

        /** Queues $data (1 to 65535 bytes) as a message of type id + 1; an empty or too big one, or a handle without a queue, warns. */
        public function push(string $data): bool {}

        /** kill(2): sends $signal_no (default SIGTERM); a failure warns, except signal 0 to a process that does not exist. */
        public static function kill(int $pid, int $signal_no = 15): bool {}

        /** An asynchronous handler for $signal_no (pcntl); null removes it, SIG_IGN ignores the signal; refused for the signals the pool handles itself. */
        public static function signal(int $signal_no, ?callable $callback = null): bool {}

        /** setitimer(2): SIGALRM every $usec microseconds ($type 0: ITIMER_REAL); 0 stops it. */
        public static function alarm(int $usec, int $type = 0): bool {}

        /** waitpid(-1): `['pid' => ..., 'code' => ..., 'signal' => ...]` of a child that ended; false when none did. */
        public static function wait(bool $blocking = true): array|false {}

        /** daemon(3); up to three fds in $pipes become fds 0, 1 and 2 first. */
        public static function daemon(bool $nochdir = true, bool $noclose = true, ?array $pipes = null): bool {}

        /** sched_setaffinity(2) of this process to the listed CPUs. */
        public static function setAffinity(array $cpu_settings): bool {}

        /** Accepted for Swoole's signature; changes nothing. */
        public function set(array $settings): void {}

        /** UNIXSOCK: how long read() waits, in seconds. */
        public function setTimeout(float $seconds): bool {}

        /** UNIXSOCK: false makes read() return at once when nothing waits. */
        public function setBlocking(bool $blocking): void {}

        /** setpriority(2) of $who (default: this handle's process). */
        public function setPriority(int $which, int $priority, ?int $who = null): bool {}

        /** getpriority(2) of $who (default: this handle's process). */
        public function getPriority(int $which, ?int $who = null): int {}

        /** The pool starts its workers: false with a warning. */
        public function start(): bool {}

        /** UNIXSOCK: sends one raw datagram on `pipe`; its length, false on failure. */
        public function write(string $data): int|false {}

        /** UNIXSOCK: receives one raw datagram on `pipe` (cut to $size bytes); false on timeout or failure. */
        public function read(int $size = 8192): string|false {}

        /** The pool's pipes cannot be closed: false with a warning. */
        public function close(int $which = 0): bool {}

        /** Ends this worker at once with $exit_code; on another process's handle: a warning and false. */
        public function exit(int $exit_code = 0): bool {}

        /** Replaces this process's image with $exec_file $args (WorkerStop does not run); false on failure. */
        public function exec(string $exec_file, array $args): bool {}

        /** UNIXSOCK: a blocking socket on `pipe` (not a coroutine socket); false in other modes. */
        public function exportSocket(): \ProcPool\Socket|false {}

        /** Sets the process title, as cli_set_process_title(). */
        public function name(string $process_name): bool {}
    }

    /** What the pool throws for misuse and failures (Swoole's Swoole\Exception); constructible as any \Exception. */
    class Exception extends \Exception
    {
    }

    /** Coroutine mode: what a fatal misuse of the coroutine API throws (e.g. "API must be called in the coroutine"). */
    class Error extends \Error
    {
    }

    /** Coroutine mode (docs/coroutines.md): the coroutines of a worker, on PHP Fibers. */
    class Coroutine
    {
        /** Not constructible: throws. */
        public function __construct() {}

        /** Runs $func(...$params) in a new coroutine at once, until it suspends or ends; its id (int), false if refused. */
        public static function create(mixed $func, mixed ...$params): mixed {}

        /** The running coroutine's id, -1 outside any coroutine. */
        public static function getCid(): int {}

        /** The id of the coroutine that created $cid (0: the running one), -1 for one made outside any coroutine; false when there is none. */
        public static function getPcid(int $cid = 0): mixed {}

        /** Runs $callback when the running coroutine ends (last registered first). */
        public static function defer(mixed $callback): void {}

        /** Suspends the running coroutine for $seconds (at least 0.001). */
        public static function sleep(float $seconds): bool {}

        /** Whether coroutine $cid exists. */
        public static function exists(int $cid): bool {}

        /** The ids of the coroutines that exist, as an ArrayIterator. */
        public static function list(): mixed {}

        /** `['coroutine_num' => n, 'coroutine_last_cid' => id]`. */
        public static function stats(): mixed {}

        /** Swoole's coroutine options: accepted; a non-zero hook_flags warns (no runtime hooks). */
        public static function set(array $options): void {}
    }

    /** Coroutine mode: timers fired by the worker's loop, or by Event::wait() at the end of a plain script. */
    class Timer
    {
        /** Not constructible: throws. */
        public function __construct() {}

        /** Runs $callback(...$params) once, $ms milliseconds from now; the timer's id (int), false if refused. */
        public static function after(int $ms, mixed $callback, mixed ...$params): mixed {}

        /** Runs $callback($timerId, ...$params) every $ms milliseconds; the timer's id (int), false if refused. */
        public static function tick(int $ms, mixed $callback, mixed ...$params): mixed {}

        /** Cancels timer $timer_id. */
        public static function clear(int $timer_id): bool {}

        /** Cancels every timer of this process. */
        public static function clearAll(): bool {}

        /** Whether timer $timer_id exists. */
        public static function exists(int $timer_id): bool {}
    }

    /** Coroutine mode: the event loop of a plain script. */
    class Event
    {
        /** Not constructible: throws. */
        public function __construct() {}

        /** Runs the script's loop until no timer is left (does nothing in a worker, whose pool runs the loop). */
        public static function wait(): void {}
    }

    /** The event names of Pool::on(). */
    class Constant
    {
        /** Pool::on() event name. */
        public const EVENT_START = 'start';
        /** Pool::on() event name. */
        public const EVENT_SHUTDOWN = 'shutdown';
        /** Pool::on() event name. */
        public const EVENT_WORKER_START = 'workerStart';
        /** Pool::on() event name. */
        public const EVENT_WORKER_STOP = 'workerStop';
        /** Pool::on() event name (coroutine mode). */
        public const EVENT_WORKER_EXIT = 'workerExit';
        /** Pool::on() event name. */
        public const EVENT_MESSAGE = 'message';

        /** Not constructible: throws. */
        public function __construct() {}
    }

    /** Swoole's runtime hooks, which procpool does not have. */
    class Runtime
    {
        /** Not constructible: throws. */
        public function __construct() {}

        /** No runtime hooks: a warning and false. */
        public static function enableCoroutine(mixed ...$args): bool {}

        /** No runtime hooks: a warning and false. */
        public static function setHookFlags(int $_flags): bool {}

        /** Always 0. */
        public static function getHookFlags(): int {}
    }
}

namespace Swoole\Coroutine {
    /** Coroutine mode: sleep() of the coroutine subset. */
    class System
    {
        /** Not constructible: throws. */
        public function __construct() {}

        /** As Coroutine::sleep(). */
        public static function sleep(float $seconds): bool {}
    }

    /** Coroutine mode: a bounded channel between the coroutines of one process. */
    class Channel
    {
        /** $errCode: success. */
        public const OK = 0;
        /** $errCode: the last push()/pop() timed out. */
        public const TIMEOUT = -1;
        /** $errCode: the channel is closed. */
        public const CLOSED = -2;

        /** The number of slots. */
        public int $capacity;
        /** The outcome of the last push()/pop(): OK, TIMEOUT or CLOSED. */
        public int $errCode;

        /** A channel of $size slots (at least 1). */
        public function __construct(int $size = 1) {}

        /** Puts $data in, waiting (up to $timeout seconds if > 0) while full; false on timeout or when closed. */
        public function push(mixed $data, float $timeout = -1.0): bool {}

        /** Takes the oldest value, waiting (up to $timeout seconds if > 0) while empty; false on timeout or when closed and empty. */
        public function pop(float $timeout = -1.0): mixed {}

        /** Closes the channel and wakes every coroutine waiting on it; false if it was closed already. */
        public function close(): bool {}

        /** How many values it holds. */
        public function length(): int {}

        /** Whether it holds nothing. */
        public function isEmpty(): bool {}

        /** Whether every slot is taken. */
        public function isFull(): bool {}

        /** `['consumer_num' => .., 'producer_num' => .., 'queue_num' => ..]`. */
        public function stats(): mixed {}
    }

    /** Coroutine mode: waits for a number of tasks to be done. */
    class WaitGroup
    {
        /** A wait group counting $delta tasks. */
        public function __construct(int $delta = 0) {}

        /** Adds $delta tasks. */
        public function add(int $delta = 1): void {}

        /** One task done; the last one wakes the coroutine in wait(). */
        public function done(): void {}

        /** Waits until the count is 0 (true) or $timeout seconds passed (false, if > 0). */
        public function wait(float $timeout = -1.0): bool {}

        /** The number of tasks not done. */
        public function count(): int {}
    }

    /** Not in procpool's coroutine subset: constructing it throws Swoole\Error. */
    class Socket
    {
        /** Throws Swoole\Error: no coroutine sockets. */
        public function __construct(mixed ...$args) {}
    }

    /** Not in procpool's coroutine subset: constructing it throws Swoole\Error. */
    class Client
    {
        /** Throws Swoole\Error: no coroutine clients. */
        public function __construct(mixed ...$args) {}
    }

    /** Not in procpool's coroutine subset: constructing it throws Swoole\Error. */
    class Server
    {
        /** Throws Swoole\Error: no coroutine servers. */
        public function __construct(mixed ...$args) {}
    }

    /** Runs $fn(...$args) in a coroutine, then the loop until no timer is left; false in a coroutine-mode worker or inside a coroutine. */
    function run(callable $fn, mixed ...$args): bool {}
}

namespace Swoole\Coroutine\Http {
    /** Not in procpool's coroutine subset: constructing it throws Swoole\Error. */
    class Client
    {
        /** Throws Swoole\Error: no coroutine HTTP client. */
        public function __construct(mixed ...$args) {}
    }

    /** Not in procpool's coroutine subset: constructing it throws Swoole\Error. */
    class Server
    {
        /** Throws Swoole\Error: no coroutine HTTP server. */
        public function __construct(mixed ...$args) {}
    }
}

namespace ProcPool {
    /** What Process::exportSocket() returns: a blocking datagram socket on this process's end of a worker's UNIXSOCK socketpair. */
    class Socket
    {
        /** The socket's fd (-1 once the pool is gone). */
        public int $fd;

        /** Not constructible: throws. */
        public function __construct() {}

        /** Sends $data as one datagram, waiting while the peer's buffer is full ($timeout is not used); its length, false on failure. */
        public function send(string $data, float $timeout = -1.0): int|false {}

        /** Receives one datagram (cut to $length); false after $timeout seconds (negative: wait for ever) or when interrupted. */
        public function recv(int $length = 65536, float $timeout = -1.0): string|false {}
    }
}

namespace ProcPool\Coroutine {
    /** go(): Coroutine::create() as a function. */
    function go(mixed $func, mixed ...$params): mixed {}

    /** defer(): Coroutine::defer() as a function. */
    function defer(mixed $callback): void {}

    /** Swoole\Coroutine\run() / Co\run(). */
    function run(mixed $func, mixed ...$args): bool {}

    /** Internal: the function every coroutine's fiber starts with; throws when a script calls it. */
    function __run(int $cid): void {}
}

namespace Co {
    /** Swoole\Coroutine\run(). */
    function run(callable $fn, mixed ...$args): bool {}
}

namespace {
    /** Coroutine::create() (defined when the swoole extension is not loaded and no go() exists). */
    function go(callable $func, mixed ...$params): int|false {}

    /** Coroutine::defer() (defined when the swoole extension is not loaded and no defer() exists). */
    function defer(callable $callback): void {}

    // procpool's own names of the classes above
    class_alias(\Swoole\Process\Pool::class, 'ProcPool\Pool');
    class_alias(\Swoole\Process::class, 'ProcPool\Process');
    class_alias(\Swoole\Exception::class, 'ProcPool\Exception');
    class_alias(\Swoole\Error::class, 'ProcPool\Error');
    class_alias(\Swoole\Coroutine::class, 'ProcPool\Coroutine');
    class_alias(\Swoole\Coroutine\System::class, 'ProcPool\Coroutine\System');
    class_alias(\Swoole\Coroutine\Channel::class, 'ProcPool\Coroutine\Channel');
    class_alias(\Swoole\Coroutine\WaitGroup::class, 'ProcPool\Coroutine\WaitGroup');
    class_alias(\Swoole\Timer::class, 'ProcPool\Timer');
    class_alias(\Swoole\Event::class, 'ProcPool\Event');
    class_alias(\Swoole\Constant::class, 'ProcPool\Constant');
    class_alias(\Swoole\Runtime::class, 'ProcPool\Runtime');
    class_alias(\Swoole\Coroutine\Socket::class, 'ProcPool\Coroutine\Socket');
    class_alias(\Swoole\Coroutine\Client::class, 'ProcPool\Coroutine\Client');
    class_alias(\Swoole\Coroutine\Server::class, 'ProcPool\Coroutine\Server');
    class_alias(\Swoole\Coroutine\Http\Client::class, 'ProcPool\Coroutine\Http\Client');
    class_alias(\Swoole\Coroutine\Http\Server::class, 'ProcPool\Coroutine\Http\Server');

    // Swoole's short names
    class_alias(\Swoole\Coroutine::class, 'Co');
    class_alias(\Swoole\Coroutine\System::class, 'Co\System');
    class_alias(\Swoole\Coroutine\Channel::class, 'Co\Channel');
    class_alias(\Swoole\Coroutine\Channel::class, 'Chan');
    class_alias(\Swoole\Coroutine\WaitGroup::class, 'Co\WaitGroup');
    class_alias(\Swoole\Coroutine\Socket::class, 'Co\Socket');
    class_alias(\Swoole\Coroutine\Client::class, 'Co\Client');
    class_alias(\Swoole\Coroutine\Server::class, 'Co\Server');
    class_alias(\Swoole\Coroutine\Http\Client::class, 'Co\Http\Client');
    class_alias(\Swoole\Coroutine\Http\Server::class, 'Co\Http\Server');
}
