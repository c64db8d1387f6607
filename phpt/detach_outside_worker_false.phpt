--TEST--
detach() outside a worker (before start, in the manager's Start callback, after start returned) returns false
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
procpool_deadline(8);
$pool = new Swoole\Process\Pool(1);
var_dump($pool->detach());
$pool->on('Start', function ($pool) {
    var_dump($pool->detach());
});
$pool->on('WorkerStart', function ($pool, $id) {
    $pool->shutdown();
    sleep(5);
});
var_dump($pool->start());
var_dump($pool->detach());
procpool_deadline_cancel();
?>
--EXPECT--
bool(false)
bool(false)
NULL
bool(false)
