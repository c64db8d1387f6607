--TEST--
A script that reaps children itself in a manager callback (Swoole\Process::wait() in Shutdown) may take a worker's exit status: the pool notices the worker is gone (a warning says its status is unknown) instead of waiting for it for ever, and start() returns
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(15);
[$out, $err, $code] = procpool_run_php(<<<'PHP'
<?php
$pool = new Swoole\Process\Pool(2);
$pool->set(['max_wait_time' => 1]);
$pool->on('WorkerStart', function ($pool, $id) { usleep(200000); });   // each worker ends after 0.2 s
$pool->on('Start', function ($pool) {
    // SIGTERM in 0.5 s from a process that is not our child (double fork)
    $m = posix_getpid();
    if (pcntl_fork() === 0) { if (pcntl_fork() === 0) { usleep(500000); posix_kill($m, SIGTERM); } exit(0); }
    pcntl_waitpid(-1, $st);
});
$pool->on('Shutdown', function ($pool) {
    $r = Swoole\Process::wait(true);   // takes the next worker that ends
    echo "the script reaped a worker: ", isset($r['pid']) ? 'yes' : 'no', "\n";
});
var_dump($pool->start());
PHP, 10.0);
echo $out;
echo 'warning: ', count(preg_grep('/of the pool was reaped outside the pool; its exit status is unknown/', explode("\n", $err))), "\n";
echo "exit code: $code\n";
procpool_deadline_cancel();
?>
--EXPECT--
the script reaped a worker: yes
NULL
warning: 1
exit code: 0
