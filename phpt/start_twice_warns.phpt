--TEST--
start() called again (inside a callback, and after the first start() returned) warns and returns false
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
    var_dump($pool->start());
});
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    ob_start();
    var_dump($pool->start());
    procpool_log($log, trim(ob_get_clean()));
    $pool->shutdown();
    sleep(5);
});
var_dump($pool->start());
echo "worker said:\n", implode("\n", procpool_lines($log)), "\n";
var_dump($pool->start());
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECTF--
in Start

Warning: ProcPool\Pool::start(): the pool has already been started in %s on line %d
bool(false)
NULL
worker said:
Warning: ProcPool\Pool::start(): the pool has already been started in %s on line %d
bool(false)

Warning: ProcPool\Pool::start(): the pool has already been started in %s on line %d
bool(false)
