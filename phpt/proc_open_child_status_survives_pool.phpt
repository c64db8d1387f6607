--TEST--
A child the script started itself (proc_open) before start() keeps its exit status for the script: the pool reaps only its own workers, so proc_close() returns the child's real exit code after the pool ran
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
procpool_deadline(15);
// The child exits with 7 while the pool runs (its SIGCHLD reaches the manager).
$child = proc_open([PHP_BINARY, '-n', '-r', 'usleep(200000); exit(7);'], [], $pipes);
$pool = new Swoole\Process\Pool(2);
$pool->set(['log_level' => 'warning']);
$pool->on('WorkerStart', function ($pool, $id) {
    if ($id === 0) {
        usleep(600000);     // the child has exited by now
        $pool->shutdown();
    }
    sleep(5);
});
var_dump($pool->start());
var_dump(proc_close($child));
procpool_deadline_cancel();
?>
--EXPECT--
NULL
int(7)
