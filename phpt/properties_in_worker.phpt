--TEST--
Inside a worker: workerId is the id, workerPid = getmypid(), master_pid = the manager's pid = posix_getppid()
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
$manager = getmypid();
$pool = new Swoole\Process\Pool(2);
$pool->on('Start', function ($pool) use ($log, $manager) {
    procpool_log($log, sprintf("start master_pid_ok=%d workerId=%d workerPid=%d running=%s",
        $pool->master_pid === $manager, $pool->workerId, $pool->workerPid, var_export($pool->running, true)));
});
$pool->on('WorkerStart', function ($pool, $id) use ($log, $manager) {
    procpool_log($log, sprintf("worker %d workerId=%d pid_ok=%d master_ok=%d ppid_ok=%d running=%s workerRunning=%s",
        $id, $pool->workerId, $pool->workerPid === getmypid(), $pool->master_pid === $manager,
        $pool->master_pid === posix_getppid(), var_export($pool->running, true), var_export($pool->workerRunning, true)));
    if (procpool_wait_until(fn () => count(procpool_lines($log)) >= 3) && $id === 1) {
        $pool->shutdown();
    }
    sleep(5);
});
$pool->start();
$lines = procpool_lines($log);
sort($lines);
echo implode("\n", $lines), "\n";
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
start master_pid_ok=1 workerId=-1 workerPid=-1 running=true
worker 0 workerId=0 pid_ok=1 master_ok=1 ppid_ok=1 running=true workerRunning=true
worker 1 workerId=1 pid_ok=1 master_ok=1 ppid_ok=1 running=true workerRunning=true
