--TEST--
Process::exit() ends the worker at once: WorkerStop and shutdown functions do not run; the worker is replaced
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
    procpool_log($log, "start $id");
    if (count(procpool_lines($log)) === 1) {
        register_shutdown_function(function () use ($log) { procpool_log($log, "shutdown function"); });
        $pool->getProcess()->exit(0);
        procpool_log($log, "not reached");
    }
    $pool->shutdown();
    sleep(5);
});
$pool->on('WorkerStop', function ($pool, $id) use ($log) {
    procpool_log($log, "WorkerStop $id");
});
var_dump($pool->start());
echo implode("\n", procpool_lines($log)), "\n";
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
NULL
start 0
start 0
