--TEST--
getProcess($id) with $id >= worker_num while the pool runs warns and returns false
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
procpool_deadline(8);
$pool = new Swoole\Process\Pool(2);
$pool->on('Start', function ($pool) {
    var_dump($pool->getProcess(2));
    var_dump($pool->getProcess(100));
    var_dump($pool->getProcess(1) instanceof Swoole\Process);
    $pool->shutdown();
});
$pool->on('WorkerStart', function ($pool, $id) {
    sleep(5);
});
var_dump($pool->start());
procpool_deadline_cancel();
?>
--EXPECTF--
Warning: Swoole\Process\Pool::getProcess(): invalid worker_id[2], the pool has 2 workers in %s on line %d
bool(false)

Warning: Swoole\Process\Pool::getProcess(): invalid worker_id[100], the pool has 2 workers in %s on line %d
bool(false)
bool(true)
NULL
