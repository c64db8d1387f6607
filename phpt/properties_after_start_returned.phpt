--TEST--
In the manager after start() returned: workerId is still -1, workerPid -1, running false
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
procpool_deadline(8);
$pool = new Swoole\Process\Pool(1);
$pool->on('WorkerStart', function ($pool, $id) {
    $pool->shutdown();
    sleep(5);
});
var_dump($pool->start());
var_dump($pool->workerId, $pool->workerPid, $pool->running);
procpool_deadline_cancel();
?>
--EXPECT--
NULL
int(-1)
int(-1)
bool(false)
