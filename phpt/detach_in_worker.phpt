--TEST--
detach() in a worker returns true; the manager forks a replacement for the id at once; the detached process keeps running and is not signalled at shutdown
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
$done = "$log.done";
$pool = new Swoole\Process\Pool(1);
$pool->on('WorkerStart', function ($pool, $id) use ($log, $done) {
    $lines = procpool_lines($log);
    if (count($lines) > 0) {
        // the replacement: keep the log in a fixed order
        procpool_wait_until(fn () => count(procpool_lines($log)) >= 2);
    }
    procpool_log($log, "start $id " . getmypid());
    if (count($lines) > 0) {
        // the replacement: it started while the detached one still runs; end the pool
        $pool->shutdown();
        sleep(5);
    }
    $r = $pool->detach();
    procpool_log($log, "detach() returned " . var_export($r, true) . " workerId=" . $pool->workerId);
    // keep running our own code, also after the pool has shut down
    procpool_wait_until(fn () => file_exists($done), 5.0);
    procpool_log($log, "detached process still running after shutdown: " . var_export(file_exists($done), true));
    exit(0);
});
var_dump($pool->start());
touch($done);
$lines = procpool_lines($log);
$pid1 = (int) explode(' ', $lines[0])[2];
var_dump(procpool_wait_until(fn () => count(procpool_lines($log)) >= 4 && !procpool_alive($pid1), 3.0));
// the detached process is still a child of this (former manager) process: reap it
var_dump(pcntl_waitpid($pid1, $st) === $pid1, pcntl_wifexited($st) && pcntl_wexitstatus($st) === 0);
$lines = procpool_lines($log);
$pid2 = (int) explode(' ', $lines[2] ?? 'x x 0')[2];
echo str_replace([" $pid1", " $pid2"], [' PID1', ' PID2'], implode("\n", $lines)), "\n";
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
@unlink($log);
@unlink($done);
?>
--EXPECT--
NULL
bool(true)
bool(true)
bool(true)
start 0 PID1
detach() returned true workerId=0
start 0 PID2
detached process still running after shutdown: true
int(-1)
