--TEST--
Deliberate difference from Swoole (docs/behaviour.md, Differences from Swoole): a reload's grace period (max_wait_time) runs per worker from its own SIGTERM. With max_wait_time 1 and two workers that each take 0.7 s to stop, worker 1 is asked to stop only after worker 0 was replaced (about 0.7 s into the reload) and still gets its whole second: no worker is SIGKILLed (Swoole counts from the start of the reload and would SIGKILL worker 1, which it asked to stop 0.3 s before)
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(15);
$log = procpool_tmp('log');
$pool = new Swoole\Process\Pool(2);
$pool->set(['max_wait_time' => 1]);
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    $stop = false;
    pcntl_async_signals(true);
    pcntl_signal(SIGTERM, function () use (&$stop) { $stop = true; });
    procpool_log($log, "start $id");
    while (!$stop) {
        usleep(10000);
    }
    $until = microtime(true) + 0.7;          // stopping takes 0.7 s
    while (microtime(true) < $until) {
        usleep(10000);
    }
    procpool_log($log, "stopped cleanly $id");
});
$pool->on('Start', function ($pool) use ($log) {
    $master = posix_getpid();
    procpool_spawn(function () use ($master, $log) {
        $starts = fn () => count(array_filter(procpool_lines($log), fn ($l) => str_starts_with($l, 'start ')));
        procpool_wait_until(fn () => $starts() >= 2, 3.0);
        posix_kill($master, SIGUSR1);
        procpool_wait_until(fn () => $starts() >= 4, 5.0);
        posix_kill($master, SIGTERM);
    });
});
$pool->on('Shutdown', function ($pool) {
    $pool->set(['max_wait_time' => 3]);
});
var_dump($pool->start());
$lines = procpool_lines($log);
echo "stopped cleanly during the reload: ", implode(', ', array_slice(array_values(preg_grep('/^stopped cleanly/', $lines)), 0, 2)), "\n";
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
NULL
stopped cleanly during the reload: stopped cleanly 0, stopped cleanly 1
int(-1)
