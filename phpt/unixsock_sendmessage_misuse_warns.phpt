--TEST--
UNIXSOCK: sendMessage() before start(), outside SWOOLE_IPC_UNIXSOCK (NONE, MSGQUEUE), and to an invalid id (negative, >= worker_num, from the manager and from a worker) warns and returns false
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(10);

$pool = new Swoole\Process\Pool(2, SWOOLE_IPC_UNIXSOCK);
echo "before start:\n";
var_dump($pool->sendMessage('x', 0));

echo "IPC_NONE:\n";
$none = new Swoole\Process\Pool(1, SWOOLE_IPC_NONE);
var_dump($none->sendMessage('x', 0));
echo "IPC_MSGQUEUE:\n";
$mq = new Swoole\Process\Pool(1, SWOOLE_IPC_MSGQUEUE);
var_dump($mq->sendMessage('x', 0));

$log = procpool_tmp('log');
$pool->on('Start', function ($pool) {
    echo "manager, id -1:\n";
    var_dump($pool->sendMessage('x', -1));
    echo "manager, id 2:\n";
    var_dump($pool->sendMessage('x', 2));
    echo "manager, id 1:\n";
    var_dump($pool->sendMessage('go', 1));
});
$pool->on('Message', function ($pool, $data) use ($log) {
    // worker 1 only: the warnings of a worker, printed in order before the shutdown
    ob_start();
    var_dump($pool->sendMessage('x', -5));
    var_dump($pool->sendMessage('x', PHP_INT_MAX));
    var_dump($pool->sendMessage('x', 2));
    procpool_log($log, "worker {$pool->workerId} got $data:\n" . trim(ob_get_clean()));
    $pool->shutdown();
});
var_dump($pool->start());
echo implode("\n", procpool_lines($log)), "\n";
@unlink($log);
procpool_deadline_cancel();
?>
--EXPECTF--
before start:

Warning: %s::sendMessage(): sendMessage() can only be used once the pool has been started in %s on line %d
bool(false)
IPC_NONE:

Warning: %s::sendMessage(): sendMessage() is only available with SWOOLE_IPC_UNIXSOCK in %s on line %d
bool(false)
IPC_MSGQUEUE:

Warning: %s::sendMessage(): sendMessage() is only available with SWOOLE_IPC_UNIXSOCK in %s on line %d
bool(false)
manager, id -1:

Warning: %s::sendMessage(): invalid worker_id[-1] in %s on line %d
bool(false)
manager, id 2:

Warning: %s::sendMessage(): invalid worker_id[2] in %s on line %d
bool(false)
manager, id 1:
bool(true)
NULL
worker 1 got go:
Warning: %s::sendMessage(): invalid worker_id[-5] in %s on line %d
bool(false)

Warning: %s::sendMessage(): invalid worker_id[%d] in %s on line %d
bool(false)

Warning: %s::sendMessage(): invalid worker_id[2] in %s on line %d
bool(false)
