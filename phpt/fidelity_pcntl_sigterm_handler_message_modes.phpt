--TEST--
Fidelity (Swoole 6.2): in a message-mode worker (UNIXSOCK, MSGQUEUE, SOCKET) a script's own pcntl_signal(SIGTERM) handler (installed in WorkerStart, or in Message) does not take the pool's stop away: on SIGTERM the loop still ends gracefully (WorkerStop runs, the worker exits 0, no SIGKILL after max_wait_time), a reload replaces the worker, and the script's handler runs too
--EXTENSIONS--
procpool
pcntl
posix
sysvmsg
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(40);
$modes = ['UNIXSOCK' => SWOOLE_IPC_UNIXSOCK, 'MSGQUEUE' => SWOOLE_IPC_MSGQUEUE, 'SOCKET' => SWOOLE_IPC_SOCKET];
foreach ($modes as $name => $mode) {
    foreach (['WorkerStart', 'Message'] as $where) {
        $log = procpool_tmp('log');
        $path = procpool_sock_path();
        $key = procpool_msgkey(1);
        $pool = new Swoole\Process\Pool(1, $mode, $key);
        $pool->set(['max_wait_time' => 5]);
        if ($mode === SWOOLE_IPC_SOCKET) {
            $pool->listen("unix:$path");
        }
        $install = function () use ($log) {
            pcntl_async_signals(true);
            pcntl_signal(SIGTERM, function ($sig) use ($log) {
                procpool_log($log, "script handler " . getmypid());
            });
        };
        $pool->on('WorkerStart', function ($pool, $id) use ($log, $install, $where, $mode, $path, $key) {
            procpool_log($log, "start " . getmypid());
            if ($where === 'WorkerStart') {
                $install();
            }
            // one message, so that a Message callback runs (and installs the handler there)
            match ($mode) {
                SWOOLE_IPC_UNIXSOCK => $pool->sendMessage('m', 0),
                SWOOLE_IPC_MSGQUEUE => msg_send(msg_get_queue($key), 1, 'm', false),
                SWOOLE_IPC_SOCKET => procpool_spawn(fn () => procpool_call("unix://$path", 'm')),
            };
        });
        $pool->on('Message', function ($pool, $data) use ($log, $install, $where) {
            if ($where === 'Message') {
                $install();
            }
            procpool_log($log, "message " . getmypid());
        });
        $pool->on('WorkerStop', function ($pool, $id) use ($log) {
            procpool_log($log, "stop " . getmypid());
        });
        $pool->on('Start', function ($pool) use ($log) {
            $master = posix_getpid();
            procpool_spawn(function () use ($master, $log) {
                $count = fn ($w) => count(array_filter(procpool_lines($log), fn ($l) => str_starts_with($l, "$w ")));
                procpool_wait_until(fn () => $count('message') >= 1, 3.0);
                posix_kill($master, SIGUSR1);                         // reload: the worker is replaced
                procpool_wait_until(fn () => $count('message') >= 2, 3.0);
                posix_kill($master, SIGTERM);                         // shutdown
            });
        });
        $t0 = microtime(true);
        $pool->start();
        $took = microtime(true) - $t0;
        $lines = procpool_lines($log);
        $pids = array_values(array_unique(array_map(fn ($l) => (int) substr($l, strrpos($l, ' ') + 1),
            array_filter($lines, fn ($l) => str_starts_with($l, 'start ')))));
        $stopped = array_map(fn ($l) => (int) substr($l, 5), array_filter($lines, fn ($l) => str_starts_with($l, 'stop ')));
        $handled = array_map(fn ($l) => (int) substr($l, 15), array_filter($lines, fn ($l) => str_starts_with($l, 'script handler ')));
        printf("%s, handler in %s: workers %d, WorkerStop ran in each: %s, script handler ran in each: %s, quick: %s\n",
            $name, $where, count($pids), var_export(count($pids) === 2 && array_diff($pids, $stopped) === [], true),
            var_export(array_diff($pids, $handled) === [], true), var_export($took < 4.0, true));
        unset($pool);
        @unlink($log);
        procpool_msgkey_remove($key);
    }
}
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
?>
--EXPECT--
UNIXSOCK, handler in WorkerStart: workers 2, WorkerStop ran in each: true, script handler ran in each: true, quick: true
UNIXSOCK, handler in Message: workers 2, WorkerStop ran in each: true, script handler ran in each: true, quick: true
MSGQUEUE, handler in WorkerStart: workers 2, WorkerStop ran in each: true, script handler ran in each: true, quick: true
MSGQUEUE, handler in Message: workers 2, WorkerStop ran in each: true, script handler ran in each: true, quick: true
SOCKET, handler in WorkerStart: workers 2, WorkerStop ran in each: true, script handler ran in each: true, quick: true
SOCKET, handler in Message: workers 2, WorkerStop ran in each: true, script handler ran in each: true, quick: true
int(-1)
