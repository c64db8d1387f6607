--TEST--
start() called while the pool runs (inside Start, inside a worker) warns and returns false; called again after the first start() returned, it runs the whole pool again (Start, WorkerStart, Shutdown) and returns null, as Swoole's
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
$pool->on('Shutdown', function () {
    echo "Shutdown\n";
});
var_dump($pool->start());
echo "worker said:\n", implode("\n", procpool_lines($log)), "\n";
@unlink($log);
echo "-- again\n";
var_dump($pool->start());
echo "worker said:\n", implode("\n", procpool_lines($log)), "\n";
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECTF--
in Start

Warning: Swoole\Process\Pool::start(): the pool has already been started in %s on line %d
bool(false)
Shutdown
NULL
worker said:
Warning: Swoole\Process\Pool::start(): the pool has already been started in %s on line %d
bool(false)
-- again
in Start

Warning: Swoole\Process\Pool::start(): the pool has already been started in %s on line %d
bool(false)
Shutdown
NULL
worker said:
Warning: Swoole\Process\Pool::start(): the pool has already been started in %s on line %d
bool(false)
int(-1)
