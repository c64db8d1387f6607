--TEST--
UNIXSOCK: SIGTERM to the manager while a worker runs Message: the worker finishes the message in hand (300 ms more of work after the SIGTERM), then runs WorkerStop and exits 0; the idle worker stops at once; no warning on stderr
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
require __DIR__ . '/_unixsock.inc';
procpool_deadline(10);
[$out, $err, $code, $lines] = ux_run(<<<'PHP'
<?php
require getenv('UTIL');
$log = getenv('LOG');
$pool = new Swoole\Process\Pool(2, SWOOLE_IPC_UNIXSOCK);
$pool->on('Shutdown', function ($pool) use ($log) {
    procpool_log($log, 'manager: Shutdown');
});
$pool->on('Start', function ($pool) {
    $pool->sendMessage('job', 0);
});
$pool->on('Message', function ($pool, $data) use ($log) {
    procpool_log($log, "busy worker: Message got $data");
    posix_kill($pool->master_pid, SIGTERM);
    procpool_wait_until(fn () => in_array('manager: Shutdown', procpool_lines($log), true), 3.0);
    usleep(50000);
    $t = microtime(true);
    while (microtime(true) - $t < 0.3) {
        usleep(10000);
    }
    procpool_log($log, "busy worker: done $data");
});
$pool->on('WorkerStop', function ($pool, $id) use ($log) {
    procpool_log($log, "WorkerStop $id");
});
var_dump($pool->start());
PHP);
echo "stdout:\n$out";
echo implode("\n", $lines), "\n";
echo "stderr:\n$err";
echo "exit code: $code\n";
procpool_deadline_cancel();
?>
--EXPECT--
stdout:
NULL
busy worker: Message got job
manager: Shutdown
WorkerStop 1
busy worker: done job
WorkerStop 0
stderr:
exit code: 0
