--TEST--
Workers start with default signal dispositions and an empty mask; a worker's own pcntl_signal(SIGTERM) handler works, so it gets WorkerStop at shutdown
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

function sigmask_of(string $field): int
{
    preg_match('/^' . $field . ':\s*([0-9a-f]+)$/m', file_get_contents('/proc/self/status'), $m);
    return hexdec($m[1]);
}
function bit(int $sig): int { return 1 << ($sig - 1); }

// The script's own state before start(): handlers and a blocked signal that workers must not inherit.
pcntl_signal(SIGTERM, function () { echo "manager's SIGTERM handler must not run in a worker\n"; });
pcntl_signal(SIGUSR1, function () {});
pcntl_signal(SIGINT, SIG_IGN);
pcntl_sigprocmask(SIG_BLOCK, [SIGUSR2, SIGHUP]);

$pool = new Swoole\Process\Pool(2);
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    $caught = sigmask_of('SigCgt');
    $ignored = sigmask_of('SigIgn');
    procpool_log($log, sprintf("worker %d: blocked=%d term_default=%d usr1_default=%d int_default=%d",
        $id, sigmask_of('SigBlk'), !($caught & bit(SIGTERM)) && !($ignored & bit(SIGTERM)),
        !($caught & bit(SIGUSR1)) && !($ignored & bit(SIGUSR1)), !($caught & bit(SIGINT)) && !($ignored & bit(SIGINT))));
    if ($id === 0) {
        // worker 0 installs its own handler, as in a plain PHP process
        $stop = false;
        pcntl_async_signals(true);
        pcntl_signal(SIGTERM, function ($sig) use (&$stop, $log) {
            procpool_log($log, "worker 0 handler got signal $sig");
            $stop = true;
        });
        procpool_log($log, "worker 0 ready");
        while (!$stop) {
            usleep(10000);
        }
        return;    // normal end: WorkerStop runs
    }
    // worker 1 keeps the default disposition: SIGTERM kills it, no WorkerStop
    if (procpool_wait_until(fn () => in_array('worker 0 ready', procpool_lines($log), true))) {
        $pool->shutdown();
    }
    sleep(5);
});
$pool->on('WorkerStop', function ($pool, $id) use ($log) {
    procpool_log($log, "WorkerStop $id");
});
var_dump($pool->start());
$lines = procpool_lines($log);
sort($lines);
echo implode("\n", $lines), "\n";
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
NULL
WorkerStop 0
worker 0 handler got signal 15
worker 0 ready
worker 0: blocked=0 term_default=1 usr1_default=1 int_default=1
worker 1: blocked=0 term_default=1 usr1_default=1 int_default=1
