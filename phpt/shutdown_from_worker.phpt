--TEST--
shutdown() called in a worker returns true and makes the manager shut the pool down
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
$pool->on('Shutdown', function ($pool) use ($log) {
    procpool_log($log, "Shutdown");
});
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    if ($id === 1) {
        // keep the shutdown's SIGTERM pending until the result is logged
        pcntl_sigprocmask(SIG_BLOCK, [SIGTERM]);
        procpool_log($log, "shutdown() returned " . var_export($pool->shutdown(), true));
        pcntl_sigprocmask(SIG_UNBLOCK, [SIGTERM]);
    }
    sleep(5);
});
var_dump($pool->start());
$lines = procpool_lines($log);
sort($lines);
echo implode("\n", $lines), "\n";
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
NULL
Shutdown
shutdown() returned true
int(-1)
