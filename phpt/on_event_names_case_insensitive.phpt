--TEST--
on(): event names are case-insensitive
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
var_dump($pool->on('START', function ($pool) use ($log) { procpool_log($log, 'Start'); }));
var_dump($pool->on('workerstart', function ($pool, $id) use ($log) {
    procpool_log($log, "WorkerStart $id");
    if (count(procpool_lines($log)) >= 4) {
        $pool->shutdown();
        sleep(5);
    }
}));
var_dump($pool->on('wOrKeRsToP', function ($pool, $id) use ($log) { procpool_log($log, "WorkerStop $id"); }));
var_dump($pool->on('shutDOWN', function ($pool) use ($log) { procpool_log($log, 'Shutdown'); }));
$pool->start();
echo implode("\n", procpool_lines($log)), "\n";
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
bool(true)
bool(true)
bool(true)
bool(true)
Start
WorkerStart 0
WorkerStop 0
WorkerStart 0
Shutdown
