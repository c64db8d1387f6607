--TEST--
SOCKET: SIGTERM to the manager while a worker is inside Message: the message is finished and its reply delivered, then WorkerStop runs and the worker exits 0
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
$path = procpool_sock_path();
$pool = new Swoole\Process\Pool(2, SWOOLE_IPC_SOCKET);
var_dump($pool->listen("unix:$path"));
$pool->on('Shutdown', function ($pool) use ($log) {
    procpool_log($log, 'manager: Shutdown');
});
$pool->on('Message', function ($pool, $data) use ($log) {
    procpool_log($log, "worker: Message got $data");
    posix_kill($pool->master_pid, SIGTERM);
    // wait until the manager has sent us SIGTERM, then keep working for 300 ms more
    procpool_wait_until(fn () => in_array('manager: Shutdown', procpool_lines($log), true), 3.0);
    usleep(50000);
    $t = microtime(true);
    while (microtime(true) - $t < 0.3) {
        usleep(10000); // interrupted by SIGTERM: the loop keeps the full 300 ms
    }
    $pool->write("finished $data");
    procpool_log($log, 'worker: Message returns');
});
$pool->on('WorkerStop', function ($pool, $id) use ($log) {
    procpool_log($log, "worker: WorkerStop");
});
$pool->on('Start', function ($pool) use ($path, $log) {
    procpool_spawn(function () use ($path, $log) {
        procpool_log($log, 'client: ' . procpool_call("unix://$path", 'job', 4.0));
    });
});
var_dump($pool->start());
procpool_wait_until(fn () => count(preg_grep('/^client:/', procpool_lines($log))) > 0, 3.0);
$lines = procpool_lines($log);
echo implode("\n", array_slice($lines, 0, 3)), "\n";
$rest = array_slice($lines, 3);
sort($rest);
echo implode("\n", $rest), "\n";
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
bool(true)
NULL
worker: Message got job
manager: Shutdown
worker: WorkerStop
client: reply finished job
worker: Message returns
worker: WorkerStop
int(-1)
