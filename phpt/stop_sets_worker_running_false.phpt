--TEST--
stop() in a worker sets workerRunning to false
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
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    $before = $pool->workerRunning;
    $r = $pool->stop();
    procpool_log($log, sprintf("before=%s stop()=%s after=%s", var_export($before, true),
        var_export($r, true), var_export($pool->workerRunning, true)));
    $pool->shutdown();
    sleep(5);
});
var_dump($pool->start());
echo implode("\n", procpool_lines($log)), "\n";
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
NULL
before=true stop()=NULL after=false
