--TEST--
Coroutine mode: an uncaught exception in a coroutine is reported as Swoole reports it (PHP Fatal error: Uncaught ...) and ends the worker with status 255 without WorkerStop, as Swoole's bailout does; the manager logs it and forks a replacement
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
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    procpool_log($log, "start");
    if (count(procpool_lines($log)) === 1) {
        go(function () {
            Co::sleep(0.01);
            throw new RuntimeException("boom in a coroutine");
        });
        Co::sleep(2);
        procpool_log($log, "not reached");
    } else {
        $pool->shutdown();
    }
});
$pool->on('WorkerStop', function ($pool, $id) use ($log) {
    procpool_log($log, "stop");
});
var_dump($pool->start());
echo implode("\n", procpool_lines($log)), "\n";
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECTF--
%AFatal error: Uncaught RuntimeException: boom in a coroutine in %s:%d
Stack trace:
#0 [internal function]: {closure}()
#1 {main}
  thrown in %s on line %d
%AWARNING	worker#0 (pid %d) abnormal exit, status=255, signal=0
NULL
start
start
stop
