--TEST--
Fidelity (Swoole 6.2, as its Pool examples use them): Swoole\Process::signal($signo, $callback) in a worker is an asynchronous handler (pcntl_async_signals) that gets the signal number, so a Swoole-style `while ($running)` WorkerStart ends on SIGTERM and WorkerStop runs; null removes a handler (warning when there is none), an invalid number warns; a signal the pool handles itself is refused ("registered by the system": SIGTERM/SIGUSR1/SIGUSR2 in the manager, SIGTERM in a worker of a pool with a Message callback). Process::wait() and Process::kill() as in Swoole's stub
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(12);
use Swoole\Process;

echo "-- wait() outside a pool\n";
var_dump(Process::wait(false));
$a = pcntl_fork();
if ($a === 0) { exit(3); }
$r = Process::wait();
var_dump($r['pid'] === $a, $r['code'], $r['signal']);
$b = pcntl_fork();
if ($b === 0) { sleep(5); exit(0); }
var_dump(Process::wait(false));
var_dump(Process::kill($b, SIGKILL));
$r = Process::wait(true);
var_dump($r['pid'] === $b, $r['code'], $r['signal']);

echo "-- signal() in an IPC_NONE worker\n";
$log = procpool_tmp('log');
$pool = new Swoole\Process\Pool(1);
$pool->on('Start', function ($pool) {
    var_dump(Process::signal(SIGTERM, function () {}));
    var_dump(Process::signal(SIGUSR1, function () {}));
});
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    $running = true;
    Process::signal(SIGTERM, function ($signo) use (&$running, $log) {
        procpool_log($log, "SIGTERM callback got $signo");
        $running = false;
    });
    ob_start();
    var_dump(Process::signal(SIGUSR2, null));
    var_dump(Process::signal(200, function () {}));
    var_dump(Process::signal(SIGUSR1, function ($signo) use ($log) { procpool_log($log, "SIGUSR1 callback got $signo"); }));
    procpool_log($log, trim(preg_replace('/ in \S+ on line \d+/', '', ob_get_clean())));
    posix_kill(posix_getpid(), SIGUSR1);
    $pool->shutdown();
    while ($running) {
        usleep(10000);
    }
});
$pool->on('WorkerStop', function ($pool, $id) use ($log) {
    procpool_log($log, 'WorkerStop');
});
var_dump($pool->start());
echo implode("\n", procpool_lines($log)), "\n";
@unlink($log);

echo "-- SIGTERM in a worker of a pool with a Message callback\n";
$log = procpool_tmp('log');
$pool = new Swoole\Process\Pool(1, SWOOLE_IPC_UNIXSOCK);
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    ob_start();
    var_dump(Process::signal(SIGTERM, function () {}));
    var_dump(Process::signal(SIGHUP, function () {}));
    procpool_log($log, trim(preg_replace('/ in \S+ on line \d+/', '', ob_get_clean())));
    $pool->shutdown();
});
$pool->on('Message', function () {});
var_dump($pool->start());
echo implode("\n", procpool_lines($log)), "\n";
@unlink($log);
procpool_deadline_cancel();
?>
--EXPECTF--
-- wait() outside a pool
bool(false)
bool(true)
int(3)
int(0)
bool(false)
bool(true)
bool(true)
int(0)
int(9)
-- signal() in an IPC_NONE worker

Warning: Swoole\Process::signal(): signal [15] processor has been registered by the system in %s on line %d
bool(false)

Warning: Swoole\Process::signal(): signal [10] processor has been registered by the system in %s on line %d
bool(false)
NULL
Warning: Swoole\Process::signal(): unable to find the callback of signal [12]
bool(false)

Warning: Swoole\Process::signal(): invalid signal number [200]
bool(false)
bool(true)
SIGUSR1 callback got 10
SIGTERM callback got 15
WorkerStop
-- SIGTERM in a worker of a pool with a Message callback
NULL
Warning: Swoole\Process::signal(): signal [15] processor has been registered by the system
bool(false)
bool(true)
