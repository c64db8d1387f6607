--TEST--
SIGUSR2 to the manager also reloads: the worker is told to stop with SIGTERM and replaced under the same id
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(8);
$log = procpool_tmp('log');
$pool = new Swoole\Process\Pool(1);
$pool->on('Start', function ($pool) use ($log) { procpool_log($log, "Start"); });
$pool->on('Shutdown', function ($pool) use ($log) { procpool_log($log, "Shutdown"); });
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    procpool_log($log, "start $id");
    $gen = count(array_keys(procpool_lines($log), "start $id"));
    if ($gen >= 2) {
        $pool->shutdown();
        sleep(5);
    }
    $stop = false;
    pcntl_async_signals(true);
    pcntl_signal(SIGTERM, function ($sig) use (&$stop, $log) {
        procpool_log($log, "signal $sig");
        $stop = true;
    });
    posix_kill($pool->master_pid, SIGUSR2);
    while (!$stop) {
        usleep(10000);
    }
});
$pool->on('WorkerStop', function ($pool, $id) use ($log) {
    procpool_log($log, "stop $id");
});
var_dump($pool->start());
echo implode("\n", procpool_lines($log)), "\n";
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
NULL
Start
start 0
signal 15
stop 0
start 0
Shutdown
