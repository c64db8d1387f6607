--TEST--
Coroutine mode: a worker asked to stop whose coroutines never end gives up on them shortly before max_wait_time (with a warning), still runs WorkerStop and exits 0 before the manager's SIGKILL; after WorkerStart, SIGTERM is the pool's and Process::signal(SIGTERM) is refused as in Swoole
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(10);
$log = procpool_tmp('log');
$pool = new Swoole\Process\Pool(1, SWOOLE_IPC_NONE, 0, true);
$pool->set(['max_wait_time' => 1]);
$pool->on('Start', function ($pool) {
    $GLOBALS['started'] = microtime(true);
});
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    go(function () use ($log) {
        procpool_log($log, "endless coroutine");
        while (true) {
            Co::sleep(0.05);
        }
    });
    Swoole\Timer::after(100, function () use ($pool) {
        var_dump(Swoole\Process::signal(SIGTERM, function () {}));
        $pool->shutdown();
    });
});
$pool->on('WorkerExit', function ($pool, $id) use ($log) {
    static $once = false;
    if (!$once) {
        $once = true;
        procpool_log($log, "WorkerExit");
    }
});
$pool->on('WorkerStop', function ($pool, $id) use ($log) {
    procpool_log($log, "WorkerStop");
});
var_dump($pool->start());
$took = microtime(true) - $GLOBALS['started'];
echo "pool ended after the grace time and before a SIGKILL: ", var_export($took > 0.9 && $took < 1.5, true), "\n";
echo implode("\n", procpool_lines($log)), "\n";
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECTF--
%AWarning: Swoole\Process::signal(): signal [15] processor has been registered by the system in %s on line %d
bool(false)
%AWARNING	coroutines still running %fs after the worker was asked to stop (max_wait_time 1s): leaving them; WorkerStop runs
NULL
pool ended after the grace time and before a SIGKILL: true
endless coroutine
WorkerExit
WorkerStop
