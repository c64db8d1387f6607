--TEST--
A WorkerExit callback without coroutine mode makes start() throw (no worker is forked)
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
procpool_deadline(8);
$pool = new Swoole\Process\Pool(1);
var_dump($pool->on('WorkerExit', function ($pool, $id) {}));
$pool->on('WorkerStart', function ($pool, $id) { echo "worker started\n"; });
try {
    $pool->start();
    echo "no exception\n";
} catch (Swoole\Exception $e) {
    echo get_class($e), ": ", $e->getMessage(), "\n";
}
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
?>
--EXPECT--
bool(true)
Swoole\Exception: cannot set `onWorkerExit` without enable_coroutine
int(-1)
