--TEST--
Fidelity (Swoole 6.2): set() inside the Start callback takes effect for that run (max_wait_time for the shutdown), with no warning; max_wait_time is read as Swoole reads it: a numeric string ('1') is a number, a float is truncated to whole seconds (1.8 is 1), a negative value means never SIGKILL
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(30);
/** Runs a 1-worker pool whose worker ignores SIGTERM for $survive seconds; says how it ended. */
function run(callable $configure, float $survive = 8.0): void
{
    $log = procpool_tmp('log');
    $pool = new Swoole\Process\Pool(1);
    $configure($pool);
    $t0 = 0.0;
    $pool->on('Shutdown', function () use (&$t0) {
        $t0 = microtime(true);
    });
    $pool->on('WorkerStart', function ($pool, $id) use ($log, $survive) {
        pcntl_signal(SIGTERM, SIG_IGN);
        procpool_log($log, 'started');
        $pool->shutdown();
        $until = microtime(true) + $survive;
        while (microtime(true) < $until) {
            usleep(10000);
        }
        procpool_log($log, 'ended by itself');
    });
    var_dump($pool->start());
    $took = microtime(true) - $t0;
    $ended = in_array('ended by itself', procpool_lines($log), true) ? 'ended by itself' : 'SIGKILLed';
    printf("worker %s after %d s\n", $ended, (int) round($took));
    @unlink($log);
}
echo "-- set(['max_wait_time' => 1]) inside Start\n";
run(function ($pool) {
    $pool->on('Start', function ($pool) {
        $pool->set(['max_wait_time' => 1]);
    });
});
echo "-- '1'\n";
run(fn ($pool) => $pool->set(['max_wait_time' => '1']));
echo "-- 1.8\n";
run(fn ($pool) => $pool->set(['max_wait_time' => 1.8]));
echo "-- -1 (the worker ends by itself after 4 s)\n";
run(fn ($pool) => $pool->set(['max_wait_time' => -1]), 4.0);
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
?>
--EXPECTF--
-- set(['max_wait_time' => 1]) inside Start
[%s $%d.-1]	WARNING	worker#0 (pid %d) still running 1s after SIGTERM; sending SIGKILL
NULL
worker SIGKILLed after 1 s
-- '1'
[%s $%d.-1]	WARNING	worker#0 (pid %d) still running 1s after SIGTERM; sending SIGKILL
NULL
worker SIGKILLed after 1 s
-- 1.8
[%s $%d.-1]	WARNING	worker#0 (pid %d) still running 1s after SIGTERM; sending SIGKILL
NULL
worker SIGKILLed after 1 s
-- -1 (the worker ends by itself after 4 s)
NULL
worker ended by itself after 4 s
int(-1)
