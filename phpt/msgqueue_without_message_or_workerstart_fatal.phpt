--TEST--
MSGQUEUE: start() of a pool with neither a Message nor a WorkerStart callback is a fatal error "require onMessage callback"; nothing is forked, no Start callback runs, and no queue is created
--EXTENSIONS--
procpool
pcntl
posix
sysvmsg
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(8);
$key = procpool_msgkey(1);
register_shutdown_function(function () use ($key) {
    echo 'queue created: ', var_export(msg_queue_exists($key), true), "\n";
    procpool_msgkey_remove($key);
    var_dump(pcntl_waitpid(-1, $st, WNOHANG));
});
$pool = new Swoole\Process\Pool(2, SWOOLE_IPC_MSGQUEUE, $key);
$pool->on('Start', function () { echo "Start ran\n"; });
$pool->on('WorkerStop', function () { echo "WorkerStop ran\n"; });
$pool->start();
echo "not reached\n";
?>
--EXPECTF--
Fatal error: Swoole\Process\Pool::start(): require onMessage callback in %s on line %d
queue created: false
int(-1)
