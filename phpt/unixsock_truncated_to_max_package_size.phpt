--TEST--
UNIXSOCK without the message bus: one message = one datagram; with max_package_size 2048 a 6000-byte message arrives as its first 2048 bytes (Swoole's doc example) and the next message arrives intact; a message of exactly max_package_size is whole
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
$pool = new Swoole\Process\Pool(1, SWOOLE_IPC_UNIXSOCK);
$pool->set(['max_package_size' => 2048]);
$big = str_repeat('0123456789', 600);
$pool->on('Start', function ($pool) use ($big) {
    var_dump($pool->sendMessage($big, 0));
    var_dump($pool->sendMessage('next', 0));
    var_dump($pool->sendMessage(str_repeat('x', 2048), 0));
    var_dump($pool->sendMessage('last', 0));
});
$pool->on('Message', function ($pool, $data) use ($log, $big) {
    $what = $data === substr($big, 0, 2048) ? 'the first 2048 bytes of the big one'
        : (strlen($data) > 10 ? 'x * ' . strlen($data) : $data);
    procpool_log($log, 'strlen ' . strlen($data) . ": $what");
    if ($data === 'last') {
        $pool->shutdown();
    }
});
var_dump($pool->start());
echo implode("\n", procpool_lines($log)), "\n";
@unlink($log);
procpool_deadline_cancel();
?>
--EXPECT--
bool(true)
bool(true)
bool(true)
bool(true)
NULL
strlen 2048: the first 2048 bytes of the big one
strlen 4: next
strlen 2048: x * 2048
strlen 4: last
