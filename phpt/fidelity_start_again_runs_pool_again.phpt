--TEST--
Fidelity (Swoole 6.2): start() called again after it returned runs the whole pool again (Start, WorkerStart, WorkerStop, Shutdown) and returns null again; settings and callbacks registered in between apply to the second run (start() while the pool runs: see start_twice_warns.phpt)
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(12);
$log = procpool_tmp('log');
$run = 0;
$pool = new Swoole\Process\Pool(2);
$pool->on('Start', function ($pool) use (&$run) {
    $run++;
    echo "Start (run $run) master_pid ok: ", var_export($pool->master_pid === posix_getpid(), true), "\n";
});
$pool->on('WorkerStart', function ($pool, $id) use ($log, &$run) {
    $waitForSigterm = procpool_catch_sigterm();
    procpool_log($log, "run $run WorkerStart $id");
    if ($id === 0) {
        procpool_wait_until(fn () => count(array_filter(procpool_lines($log),
            fn ($l) => str_starts_with($l, "run $run WorkerStart"))) >= 2, 3.0);
        $pool->shutdown();
    }
    $waitForSigterm();
});
$pool->on('WorkerStop', function ($pool, $id) use ($log, &$run) {
    procpool_log($log, "run $run WorkerStop $id");
});
$pool->on('Shutdown', function ($pool) use (&$run) {
    echo "Shutdown (run $run)\n";
});
var_dump($pool->start());
var_dump($pool->getProcess(0));
// between runs, the pool is configurable again
var_dump($pool->on('WorkerStop', function ($pool, $id) use ($log, &$run) {
    procpool_log($log, "run $run new WorkerStop $id");
}));
$pool->set(['max_wait_time' => 2]);
var_dump($pool->start());
$lines = procpool_lines($log);
foreach ([1, 2] as $r) {
    $mine = array_values(array_unique(array_filter($lines, fn ($l) => str_starts_with($l, "run $r "))));
    sort($mine);
    echo "run $r: ", implode(', ', $mine), "\n";
}
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
Start (run 1) master_pid ok: true
Shutdown (run 1)
NULL
bool(false)
bool(true)
Start (run 2) master_pid ok: true
Shutdown (run 2)
NULL
run 1: run 1 WorkerStart 0, run 1 WorkerStart 1, run 1 WorkerStop 0, run 1 WorkerStop 1
run 2: run 2 WorkerStart 0, run 2 WorkerStart 1, run 2 new WorkerStop 0, run 2 new WorkerStop 1
int(-1)
