--TEST--
Fidelity (Swoole 6.2): in Start (before any worker is forked) getProcess($id)->pid is 0; once the worker runs the same handle shows its pid
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
$pool = new Swoole\Process\Pool(2);
$pool->on('Start', function ($pool) {
    var_dump($pool->getProcess(1)->pid, $pool->getProcess(0)->pid);
});
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    $waitForSigterm = procpool_catch_sigterm();
    if ($id === 1) {
        procpool_log($log, 'pid in worker 1: ' . var_export($pool->getProcess(1)->pid === posix_getpid(), true));
        $pool->shutdown();
    }
    $waitForSigterm();
});
var_dump($pool->start());
echo implode("\n", procpool_lines($log)), "\n";
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
int(0)
int(0)
NULL
pid in worker 1: true
