--TEST--
Coroutine mode never spins: an idle worker (waiting for messages, or with a coroutine asleep) uses no CPU; Co::sleep() wakes up on time (never early, well within a millisecond late)
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
procpool_deadline(15);
use Swoole\Process\Pool;

/** utime + stime of $pid in clock ticks (10 ms each). */
function cpu_ticks(int $pid): int
{
    $stat = (string) @file_get_contents("/proc/$pid/stat");
    $fields = explode(' ', substr($stat, strrpos($stat, ')') + 2));
    return (int) $fields[11] + (int) $fields[12];
}

function rusage_us(): int
{
    $r = getrusage();
    return ($r['ru_utime.tv_sec'] + $r['ru_stime.tv_sec']) * 1000000 + $r['ru_utime.tv_usec'] + $r['ru_stime.tv_usec'];
}

$pool = new Pool(2, SWOOLE_IPC_UNIXSOCK, 0, true);
$pool->on('WorkerStart', function (Pool $pool, int $workerId) {
    if ($workerId === 1) {
        return;   // waits for messages in the loop, with no timer at all
    }
    Co::sleep(0.2);
    $idle = $pool->getProcess(1)->pid;
    $before = cpu_ticks($idle);
    $own = rusage_us();
    Co::sleep(1.5);
    $own = rusage_us() - $own;
    echo "worker 1, waiting for messages for 1.5 s, used CPU ticks: ", cpu_ticks($idle) - $before, "\n";
    echo "worker 0, asleep for 1.5 s, used less than 10 ms of CPU: ", var_export($own < 10000, true), "\n";
    $late = [];
    for ($i = 0; $i < 50; $i++) {
        $t = hrtime(true);
        Co::sleep(0.01);
        $late[] = (hrtime(true) - $t) / 1e6 - 10.0;
    }
    sort($late);
    echo "never early: ", var_export($late[0] >= 0, true), "\n";
    echo "median lateness under 1 ms: ", var_export($late[25] < 1.0, true), "\n";
    $pool->shutdown();
});
$pool->on('Message', function (Pool $pool, string $data) {});
$pool->start();
procpool_deadline_cancel();
?>
--EXPECT--
worker 1, waiting for messages for 1.5 s, used CPU ticks: 0
worker 0, asleep for 1.5 s, used less than 10 ms of CPU: true
never early: true
median lateness under 1 ms: true
