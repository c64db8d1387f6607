--TEST--
SIGINT to the manager: Shutdown runs once, every worker is stopped, start() returns
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
$pool = new Swoole\Process\Pool(3);
$pool->on('Shutdown', function ($pool) use ($log) {
    procpool_log($log, "Shutdown in " . (getmypid() === $pool->master_pid ? 'manager' : 'other'));
    // a second signal while shutting down must not run Shutdown again
    posix_kill(getmypid(), SIGINT);
    usleep(50000);
});
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    procpool_log($log, "worker $id " . getmypid());
    if ($id === 2 && procpool_wait_until(fn () => count(procpool_lines($log)) >= 3)) {
        posix_kill($pool->master_pid, SIGINT);
    }
    sleep(5);
});
$pool->on('WorkerStop', function ($pool, $id) use ($log) {
    procpool_log($log, "unexpected WorkerStop $id");
});
var_dump($pool->start());
$lines = procpool_lines($log);
$shutdowns = array_values(array_filter($lines, fn ($l) => str_starts_with($l, 'Shutdown')));
$workers = array_filter($lines, fn ($l) => str_starts_with($l, 'worker'));
echo implode("\n", $shutdowns), "\n";
echo count($workers), " workers started\n";
$alive = 0;
foreach ($workers as $l) {
    $alive += procpool_alive((int) explode(' ', $l)[2]) ? 1 : 0;
}
echo "$alive alive\n";
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
var_dump(count($lines) === count($shutdowns) + count($workers));
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
NULL
Shutdown in manager
3 workers started
0 alive
int(-1)
bool(true)
