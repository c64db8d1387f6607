--TEST--
Fidelity (Swoole 6.2): $pool->running and $pool->workerRunning are true before start(), in Start and in WorkerStart; false in the manager once the shutdown began (in Shutdown, and after start() returned) and in a worker once it is stopping (after stop(), in WorkerStop)
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
$show = fn ($pool) => sprintf('running=%s workerRunning=%s', var_export($pool->running, true),
    var_export($pool->workerRunning, true));
$pool = new Swoole\Process\Pool(1, SWOOLE_IPC_UNIXSOCK);
echo "before start: ", $show($pool), "\n";
$pool->on('Start', function ($pool) use ($show) {
    echo "Start: ", $show($pool), "\n";
});
$pool->on('WorkerStart', function ($pool, $id) use ($log, $show) {
    procpool_log($log, "WorkerStart: " . $show($pool));
    $pool->sendMessage('stop', 0);
});
$pool->on('Message', function ($pool, $data) use ($log, $show) {
    procpool_log($log, "Message: " . $show($pool));
    $pool->stop();
    procpool_log($log, "after stop(): " . $show($pool));
});
$pool->on('WorkerStop', function ($pool, $id) use ($log, $show) {
    procpool_log($log, "WorkerStop: " . $show($pool));
    if (count(array_filter(procpool_lines($log), fn ($l) => str_starts_with($l, 'WorkerStop'))) === 1) {
        $pool->shutdown();
    }
});
$pool->on('Shutdown', function ($pool) use ($show) {
    echo "Shutdown: ", $show($pool), "\n";
});
var_dump($pool->start());
echo "after start(): ", $show($pool), "\n";
$lines = procpool_lines($log);
echo implode("\n", array_slice($lines, 0, 4)), "\n";
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
before start: running=true workerRunning=true
Start: running=true workerRunning=true
Shutdown: running=false workerRunning=false
NULL
after start(): running=false workerRunning=false
WorkerStart: running=true workerRunning=true
Message: running=true workerRunning=true
after stop(): running=false workerRunning=false
WorkerStop: running=false workerRunning=false
