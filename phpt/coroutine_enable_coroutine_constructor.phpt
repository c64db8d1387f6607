--TEST--
Coroutine mode from the constructor's 4th argument: WorkerStart runs in a coroutine (Co::sleep works), then WorkerStop, and the worker is replaced (Swoole's enable_coroutine test)
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(10);
// Swoole's test counts with a Swoole\Atomic; a file shared by the workers does the same here.
$counter = procpool_tmp('counter');
file_put_contents($counter, '0');
$pool = new Swoole\Process\Pool(1, SWOOLE_IPC_NONE, 0, true);
$pool->on('workerStart', function (Swoole\Process\Pool $pool, int $workerId) use ($counter) {
    if ((int) file_get_contents($counter) <= 5) {
        Co::sleep(0.05);
        file_put_contents($counter, (int) file_get_contents($counter) + 1);
        echo "hello world\n";
    }
});
$pool->on("workerStop", function ($pool, $data) use ($counter) {
    echo "worker stop\n";
    if ((int) file_get_contents($counter) > 5) {
        $pool->shutdown();
    }
});
$pool->start();
procpool_deadline_cancel();
@unlink($counter);
?>
--EXPECT--
hello world
worker stop
hello world
worker stop
hello world
worker stop
hello world
worker stop
hello world
worker stop
hello world
worker stop
