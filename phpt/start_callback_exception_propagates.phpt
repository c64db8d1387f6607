--TEST--
An exception thrown in the Start callback propagates out of start() after the pool stopped cleanly
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
    throw new LogicException('bad start');
});
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    procpool_log($log, "worker " . getmypid());
    sleep(5);
});
try {
    $pool->start();
    echo "no exception\n";
} catch (LogicException $e) {
    echo get_class($e), ": ", $e->getMessage(), "\n";
}
// no child left, not even a zombie, and no worker that logged its pid is alive
var_dump(pcntl_waitpid(-1, $st, WNOHANG), pcntl_get_last_error() === PCNTL_ECHILD);
$alive = 0;
foreach (procpool_lines($log) as $l) {
    $alive += procpool_alive((int) explode(' ', $l)[1]) ? 1 : 0;
}
var_dump($alive);
var_dump($pool->running, $pool->getProcess(0));
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
LogicException: bad start
int(-1)
bool(true)
int(0)
bool(false)
bool(false)
