--TEST--
A worker that segfaults inside WorkerStart (posix_kill(posix_getpid(), SIGSEGV)) dies without WorkerStop, is logged with signal=11, replaced under the same id, and the manager keeps running
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
$pool = new Swoole\Process\Pool(2);
$pool->on('Start', function ($pool) use ($log) {
    procpool_log($log, "Start");
});
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    procpool_log($log, "start $id " . getmypid());
    if ($id === 1) {
        sleep(5);   // the other worker is never disturbed
    }
    $zero = array_filter(procpool_lines($log), fn ($l) => str_starts_with($l, 'start 0 '));
    if (count($zero) === 1) {
        posix_kill(posix_getpid(), SIGSEGV);
        procpool_log($log, "not reached");
    }
    $pool->shutdown();
    sleep(5);
});
$pool->on('WorkerStop', function ($pool, $id) use ($log) {
    procpool_log($log, "stop $id " . getmypid());
});
$pool->on('Shutdown', function ($pool) use ($log) {
    procpool_log($log, "Shutdown");
});
var_dump($pool->start());
$lines = procpool_lines($log);
$zero = array_values(array_filter($lines, fn ($l) => str_starts_with($l, 'start 0 ')));
$one = array_values(array_filter($lines, fn ($l) => str_starts_with($l, 'start 1 ')));
$pid1 = explode(' ', $zero[0])[2];
$pid2 = explode(' ', $zero[1] ?? 'x x x')[2];
echo "worker 0 started twice with two pids: ", var_export(count($zero) === 2 && $pid1 !== $pid2, true), "\n";
echo "worker 1 started once: ", var_export(count($one) === 1, true), "\n";
echo "no WorkerStop for the segfaulted worker: ", var_export(!in_array("stop 0 $pid1", $lines, true), true), "\n";
echo "Start and Shutdown ran once each: ", var_export(count(array_keys($lines, 'Start')) === 1 && count(array_keys($lines, 'Shutdown')) === 1, true), "\n";
echo "not reached: ", var_export(in_array('not reached', $lines, true), true), "\n";
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECTF--
[%s $%d.-1]	WARNING	worker#0 (pid %d) abnormal exit, status=0, signal=11 (SIGSEGV)
NULL
worker 0 started twice with two pids: true
worker 1 started once: true
no WorkerStop for the segfaulted worker: true
Start and Shutdown ran once each: true
not reached: false
