--TEST--
An uncaught exception in WorkerStart is reported like PHP does, WorkerStop still runs, the worker is replaced and the manager keeps running
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
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    procpool_log($log, "start $id");
    if (count(procpool_lines($log)) === 1) {
        throw new RuntimeException('boom in worker');
    }
    $pool->shutdown();
    sleep(5);
});
$pool->on('WorkerStop', function ($pool, $id) use ($log) {
    procpool_log($log, "stop $id");
});
var_dump($pool->start());
echo implode("\n", procpool_lines($log)), "\n";
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECTF--
%AFatal error: Uncaught RuntimeException: boom in worker in %s:%d
Stack trace:
#0 %A
  thrown in %s on line %d
NULL
start 0
stop 0
start 0
