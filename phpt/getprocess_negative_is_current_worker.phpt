--TEST--
getProcess() / getProcess(-1) in a worker returns the current worker's Process (its id and pid)
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
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    $p = $pool->getProcess();
    $q = $pool->getProcess(-1);
    procpool_log($log, sprintf("worker %d: class=%s id=%d pid_ok=%d same=%d same_as_own_id=%d",
        $id, get_class($p), $p->id, $p->pid === getmypid(), $p === $q, $p === $pool->getProcess($id)));
    if (procpool_wait_until(fn () => count(procpool_lines($log)) >= 3) && $id === 0) {
        $pool->shutdown();
    }
    sleep(5);
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
worker 0: class=Swoole\Process id=0 pid_ok=1 same=1 same_as_own_id=1
worker 1: class=Swoole\Process id=1 pid_ok=1 same=1 same_as_own_id=1
worker 2: class=Swoole\Process id=2 pid_ok=1 same=1 same_as_own_id=1
