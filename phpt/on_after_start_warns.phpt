--TEST--
on() called while the pool runs (inside Start and inside a worker) warns and returns false; after start() returned it registers again (true), as Swoole's pool is configurable again once its run ended
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
$pool->on('Start', function ($pool) {
    echo "in Start\n";
    var_dump($pool->on('WorkerStop', function () {}));
});
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    // output of the worker goes to the log, then the manager prints it, to keep the order fixed
    ob_start();
    var_dump($pool->on('Shutdown', function () {}));
    procpool_log($log, trim(ob_get_clean()));
    $pool->shutdown();
    sleep(5);
});
$pool->start();
echo "worker said:\n", implode("\n", procpool_lines($log)), "\n";
// and after start() returned
var_dump($pool->on('WorkerStart', function () {}));
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECTF--
in Start

Warning: Swoole\Process\Pool::on(): on() cannot be called once the pool has been started in %s on line %d
bool(false)
worker said:
Warning: Swoole\Process\Pool::on(): on() cannot be called once the pool has been started in %s on line %d
bool(false)
bool(true)
