--TEST--
The first example of Swoole's Process\Pool documentation runs unchanged (5 workers in coroutine mode, Process::signal(SIGTERM), Coroutine::sleep(1)) and prints what Swoole prints; SIGTERM to the manager stops it cleanly
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(15);
// The example, byte for byte as in the documentation; it runs as its own script (the manager), which
// the test signals once every worker slept once.
$example = <<<'PHP'
<?php
use Swoole\Process;
use Swoole\Coroutine;

$pool = new Process\Pool(5);
$pool->set(['enable_coroutine' => true]);
$pool->on('WorkerStart', function (Process\Pool $pool, $workerId) {
    /** Current is the Worker process */
    static $running = true;
    Process::signal(SIGTERM, function () use (&$running) {
        $running = false;
        echo "TERM\n";
    });
    echo("[Worker #{$workerId}] WorkerStart, pid: " . posix_getpid() . "\n");
    while ($running) {
        Coroutine::sleep(1);
        echo "sleep 1\n";
    }
});
$pool->on('WorkerStop', function (\Swoole\Process\Pool $pool, $workerId) {
    echo("[Worker #{$workerId}] WorkerStop\n");
});
$pool->start();
PHP;
$child = procpool_php_start($example);
$slept = procpool_wait_until(function () use ($child) {
    return substr_count((string) @file_get_contents($child['out']), "sleep 1\n") >= 5;
}, 5.0);
$before = (string) file_get_contents($child['out']);
posix_kill($child['pid'], SIGTERM);
[$out, $err, $how] = procpool_php_finish($child, 8.0);
echo "every worker slept once: ", var_export($slept, true), "\n";
echo "manager: $how\n";
echo "stderr: ", var_export($err, true), "\n";
// Five workers write to one stdout: their lines interleave, so they are compared sorted (per-worker
// order is checked below).
$lines = explode("\n", rtrim($out, "\n"));
$sorted = $lines;
sort($sorted);
echo implode("\n", $sorted), "\n";
// Before SIGTERM: five starts and five "sleep 1"; after: each worker prints TERM, finishes the sleep
// in hand (one more "sleep 1") and stops.
echo "before SIGTERM: ", substr_count($before, "WorkerStart"), " starts, ", substr_count($before, "sleep 1"), " sleeps, ",
    substr_count($before, "TERM\n"), " TERM\n";
$pids = [];
foreach ($lines as $l) {
    if (preg_match('/^\[Worker #(\d)\] WorkerStart, pid: (\d+)$/', $l, $m)) {
        $pids[$m[1]] = (int) $m[2];
    }
}
echo "distinct worker pids: ", count(array_unique($pids)), "\n";
$firstStop = min(array_keys(array_filter($lines, fn ($l) => str_contains($l, 'WorkerStop'))));
$lastTerm = max(array_keys(array_filter($lines, fn ($l) => $l === 'TERM')));
echo "every TERM before the first WorkerStop: ", var_export($lastTerm < $firstStop, true), "\n";
procpool_deadline_cancel();
?>
--EXPECTF--
every worker slept once: true
manager: exit 0
stderr: ''
TERM
TERM
TERM
TERM
TERM
[Worker #0] WorkerStart, pid: %d
[Worker #0] WorkerStop
[Worker #1] WorkerStart, pid: %d
[Worker #1] WorkerStop
[Worker #2] WorkerStart, pid: %d
[Worker #2] WorkerStop
[Worker #3] WorkerStart, pid: %d
[Worker #3] WorkerStop
[Worker #4] WorkerStart, pid: %d
[Worker #4] WorkerStop
sleep 1
sleep 1
sleep 1
sleep 1
sleep 1
sleep 1
sleep 1
sleep 1
sleep 1
sleep 1
before SIGTERM: 5 starts, 5 sleeps, 0 TERM
distinct worker pids: 5
every TERM before the first WorkerStop: true
