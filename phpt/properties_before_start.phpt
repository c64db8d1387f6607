--TEST--
Pool properties before start(): master_pid, workerPid, workerId = -1, workers = null, workerRunning and running = true
--EXTENSIONS--
procpool
--FILE--
<?php
$pool = new Swoole\Process\Pool(2);
var_dump($pool->master_pid, $pool->workerPid, $pool->workerId, $pool->workers, $pool->workerRunning, $pool->running);
?>
--EXPECT--
int(-1)
int(-1)
int(-1)
NULL
bool(true)
bool(true)
