--TEST--
Coroutine mode, UNIXSOCK: each Message runs in a coroutine of its own, so a handler that sleeps does not hold up the next message; Timer and Process::signal callbacks run in coroutines of their own too
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
procpool_deadline(10);
use Swoole\Process;
use Swoole\Process\Pool;

$pool = new Pool(2, SWOOLE_IPC_UNIXSOCK, 0, true);
$pool->on('WorkerStart', function (Pool $pool, int $workerId) {
    if ($workerId === 1) {
        var_dump(Process::signal(SIGUSR1, function (int $signo) {
            echo "SIGUSR1 ($signo) in coroutine ", var_export(Co::getCid() > 0, true), "\n";
            Co::sleep(0.01);
            echo "signal callback slept\n";
        }));
        return;
    }
    for ($i = 1; $i <= 5; $i++) {
        $pool->sendMessage("m$i", 1);
    }
});
$pool->on('Message', function (Pool $pool, string $message) {
    static $first, $done = 0;
    $first ??= microtime(true);
    echo "begin $message\n";
    Co::sleep(0.3);
    if (++$done === 5) {
        $took = microtime(true) - $first;
        echo "five messages of 0.3 s each took less than 0.6 s: ", var_export($took < 0.6, true), "\n";
        Swoole\Timer::after(10, function () use ($pool) {
            echo "timer in coroutine ", var_export(Co::getCid() > 0, true), "\n";
            posix_kill(posix_getpid(), SIGUSR1);
            Co::sleep(0.05);
            $pool->shutdown();
        });
    }
});
$pool->start();
procpool_deadline_cancel();
?>
--EXPECT--
bool(true)
begin m1
begin m2
begin m3
begin m4
begin m5
five messages of 0.3 s each took less than 0.6 s: true
timer in coroutine true
SIGUSR1 (10) in coroutine true
signal callback slept
