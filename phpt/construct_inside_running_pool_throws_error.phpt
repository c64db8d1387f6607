--TEST--
new Pool() while a pool runs in this process throws Error (in the manager's Start callback and in a worker)
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
$pool->on('Start', function ($pool) use ($log) {
    try {
        new Swoole\Process\Pool(1);
        procpool_log($log, "start: no exception");
    } catch (Throwable $e) {
        procpool_log($log, "start: " . get_class($e) . ": " . $e->getMessage());
    }
});
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    try {
        new Swoole\Process\Pool(1);
        procpool_log($log, "worker: no exception");
    } catch (Throwable $e) {
        procpool_log($log, "worker: " . get_class($e) . ": " . $e->getMessage());
    }
    $pool->shutdown();
    sleep(5);
});
var_dump($pool->start());
echo implode("\n", procpool_lines($log)), "\n";
// once start() returned, a new pool can be made again
var_dump(new Swoole\Process\Pool(1) instanceof ProcPool\Pool);
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
NULL
start: Error: a process pool is already running in this process; only one pool may run at a time
worker: Error: a process pool is already running in this process; only one pool may run at a time
bool(true)
