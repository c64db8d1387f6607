--TEST--
set(['max_wait_time' => 1]): a worker ignoring SIGTERM is SIGKILLed max_wait_time after shutdown began; start() returns (whole seconds, as Swoole reads the setting)
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
$pool = new Swoole\Process\Pool(1);
$pool->set(['max_wait_time' => 1]);
$t0 = 0.0;
$pool->on('Shutdown', function ($pool) use (&$t0) {
    $t0 = microtime(true);
});
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    pcntl_signal(SIGTERM, SIG_IGN);
    procpool_log($log, "pid " . getmypid());
    $pool->shutdown();
    $until = microtime(true) + 5;
    while (microtime(true) < $until) {
        usleep(10000);
    }
    procpool_log($log, "worker survived");
});
var_dump($pool->start());
$elapsed = microtime(true) - $t0;
var_dump($elapsed >= 0.95 && $elapsed < 3.0);
$lines = procpool_lines($log);
var_dump(count($lines), procpool_alive((int) substr($lines[0], 4)));
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECTF--
[%s $%d.-1]	WARNING	worker#0 (pid %d) still running 1s after SIGTERM; sending SIGKILL
NULL
bool(true)
int(1)
bool(false)
int(-1)
