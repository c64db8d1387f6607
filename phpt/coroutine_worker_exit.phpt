--TEST--
WorkerExit in coroutine mode: once the worker is asked to stop, WorkerExit runs at every loop turn while its coroutines still run, then WorkerStop (Swoole's worker_exit_1 test)
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
procpool_deadline(10);
use Swoole\Timer;

$pool = new Swoole\Process\Pool(1, SWOOLE_IPC_NONE, 0, true);

$GLOBALS['running'] = true;
$GLOBALS['count'] = 1;

$pool->on('workerStart', function (Swoole\Process\Pool $pool, int $workerId) {
    echo "worker start\n";
    var_dump($pool->workerId === $workerId);
    Timer::after(100, function () use ($pool) {
        $pool->shutdown();
    });
    while ($GLOBALS['running']) {
        Co::sleep(0.03);
        echo "sleep\n";
    }
});
$pool->on('workerStop', function ($pool, $workerId) {
    echo "worker stop\n";
});
$pool->on('workerExit', function ($pool, $workerId) {
    $GLOBALS['count']++;
    if ($GLOBALS['count'] == 3) {
        $GLOBALS['running'] = false;
    }
    echo "worker exit\n";
});
$pool->start();
procpool_deadline_cancel();
?>
--EXPECT--
worker start
bool(true)
sleep
sleep
sleep
worker exit
sleep
worker exit
sleep
worker exit
worker stop
