--TEST--
A fatal error in WorkerStart ends that worker; it is replaced under the same id and the manager keeps running
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
$pool = new Swoole\Process\Pool(1);
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    procpool_log($log, "start $id " . getmypid());
    if (count(procpool_lines($log)) === 1) {
        trigger_error('fatal in worker', E_USER_ERROR);
        procpool_log($log, "not reached");
    }
    $pool->shutdown();
    sleep(5);
});
var_dump($pool->start());
$lines = procpool_lines($log);
echo count($lines), " generations\n";
$pids = array_map(fn ($l) => explode(' ', $l), $lines);
var_dump($pids[0][1] === '0' && $pids[1][1] === '0' && $pids[0][2] !== $pids[1][2]);
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECTF--
Fatal error: fatal in worker in %s on line %d
[%s $%d.-1]	WARNING	worker#0 (pid %d) abnormal exit, status=255, signal=0
NULL
2 generations
bool(true)
