--TEST--
exit() inside WorkerStart: WorkerStop still runs, the worker exits 0 and is replaced; its shutdown functions do not run
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
$main = getmypid();
register_shutdown_function(function () use ($log, $main) {
    // registered before start(): inherited by every worker, must run only in the main process
    if (getmypid() !== $main) {
        procpool_log($log, "inherited shutdown function ran in " . getmypid());
    } else {
        echo "main shutdown function ran\n";
        @unlink($log);
    }
});
$pool = new Swoole\Process\Pool(1);
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    procpool_log($log, "start $id " . getmypid());
    if (count(procpool_lines($log)) === 1) {
        register_shutdown_function(function () use ($log) {
            procpool_log($log, "worker shutdown function ran");
        });
        exit(7);    // Swoole: still a normal end of the worker
    }
    $pool->shutdown();
    sleep(5);
});
$pool->on('WorkerStop', function ($pool, $id) use ($log) {
    procpool_log($log, "stop $id " . getmypid());
});
var_dump($pool->start());
$lines = procpool_lines($log);
$pid1 = explode(' ', $lines[0])[2];
$pid2 = explode(' ', $lines[2] ?? 'x x x')[2];
echo str_replace([" $pid1", " $pid2"], [' PID1', ' PID2'], implode("\n", $lines)), "\n";
procpool_deadline_cancel();
?>
--EXPECT--
NULL
start 0 PID1
stop 0 PID1
start 0 PID2
main shutdown function ran
