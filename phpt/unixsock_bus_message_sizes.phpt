--TEST--
UNIXSOCK with enable_message_bus: messages of 1 byte, 0 bytes, exactly one chunk (65504 bytes), one chunk + 1, exactly two chunks, and 64 MiB (md5-checked) are each reassembled whole and delivered once, in order, between workers and from the manager; max_package_size does not cut bus messages
--EXTENSIONS--
procpool
pcntl
posix
--INI--
memory_limit=1G
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(30);
$log = procpool_tmp('log');
// chunk payload = 64 KiB - 32-byte header (core/src/message_bus.rs CHUNK_PAYLOAD)
$sizes = [1, 0, 65504, 65505, 2 * 65504, 64 << 20];
$pool = new Swoole\Process\Pool(2, SWOOLE_IPC_UNIXSOCK);
$pool->set(['enable_message_bus' => true, 'max_package_size' => 1024]);
$pool->on('Start', function ($pool) {
    var_dump($pool->sendMessage('', 0), $pool->sendMessage('m', 0), $pool->sendMessage(md5(str_repeat('M', 65472)) . str_repeat('M', 65472), 0));
});
$pool->on('WorkerStart', function ($pool, $id) use ($sizes) {
    if ($id !== 1) {
        return;
    }
    $ok = true;
    foreach ($sizes as $i => $n) {
        $body = $n >= 16 ? random_bytes(16) . str_repeat(chr(65 + $i), $n - 16) : str_repeat('a', $n);
        // the first 32 bytes carry the md5 of the whole message
        $ok = $pool->sendMessage($n >= 32 ? md5(substr($body, 32)) . substr($body, 32) : $body, 0) && $ok;
    }
    $ok = $pool->sendMessage('end', 0) && $ok;
    echo "worker 1: every send returned true: ", var_export($ok, true), "\n";
});
$pool->on('Message', function ($pool, $data) use ($log) {
    $n = strlen($data);
    $check = $n >= 32 ? (md5(substr($data, 32)) === substr($data, 0, 32) ? ' md5 ok' : ' md5 BAD') : '';
    procpool_log($log, "got $n bytes$check");
    if ($data === 'end') {
        $pool->shutdown();
    }
});
var_dump($pool->start());
echo implode("\n", procpool_lines($log)), "\n";
@unlink($log);
procpool_deadline_cancel();
?>
--EXPECTF--
bool(true)
bool(true)
bool(true)
worker 1: every send returned true: true
NULL
got 0 bytes
got 1 bytes
got 65504 bytes md5 ok
got 1 bytes
got 0 bytes
got 65504 bytes md5 ok
got 65505 bytes md5 ok
got 131008 bytes md5 ok
got 67108864 bytes md5 ok
got 3 bytes
