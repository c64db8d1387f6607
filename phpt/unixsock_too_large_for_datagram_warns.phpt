--TEST--
UNIXSOCK without the message bus: a message too large for one datagram (4 MiB) warns, naming enable_message_bus, and returns false, from the manager and from a worker; nothing of it arrives, the next message does
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
$pool = new Swoole\Process\Pool(2, SWOOLE_IPC_UNIXSOCK);
$pool->on('Start', function ($pool) {
    var_dump($pool->sendMessage(str_repeat('m', 4 << 20), 0));
});
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    if ($id === 1) {
        ob_start();
        var_dump($pool->sendMessage(str_repeat('w', 4 << 20), 0));
        procpool_log($log, 'worker 1:' . rtrim(ob_get_clean()));
        $pool->sendMessage('small', 0);
    }
});
$pool->on('Message', function ($pool, $data) use ($log) {
    procpool_log($log, 'worker 0 got ' . strlen($data) . ' bytes');
    $pool->shutdown();
});
var_dump($pool->start());
echo implode("\n", procpool_lines($log)), "\n";
@unlink($log);
procpool_deadline_cancel();
?>
--EXPECTF--
Warning: %s::sendMessage(): to worker#0 failed: a message of 4194304 bytes does not fit in one datagram; set 'enable_message_bus' => true to send messages of any size in %s on line %d
bool(false)
NULL
worker 1:
Warning: %s::sendMessage(): to worker#0 failed: a message of 4194304 bytes does not fit in one datagram; set 'enable_message_bus' => true to send messages of any size in %s on line %d
bool(false)
worker 0 got 5 bytes
