--TEST--
SOCKET: Message gets exactly the N bytes of the frame, binary safe (all 256 byte values, NULs, high bytes); the reply is binary safe too
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
$pool = new Swoole\Process\Pool(1, SWOOLE_IPC_SOCKET);
var_dump($pool->listen("unix:$path"));
$pool->on('Message', function ($pool, $data) use ($log) {
    procpool_log($log, 'worker got ' . strlen($data) . ' bytes, md5 ' . md5($data));
    $pool->write($data);
});
$all = implode('', array_map('chr', range(0, 255)));
$bodies = [$all, strrev($all), "\0", "\0\0\0\0", "\xff\xff\xff\xff", str_repeat($all, 300)];
$pool->on('Start', function ($pool) use ($path, $log, $bodies) {
    procpool_client_then_stop(function () use ($path, $log, $bodies) {
        foreach ($bodies as $body) {
            $raw = procpool_exchange("unix://$path", procpool_frame($body));
            procpool_log($log, 'client: ' . ($raw === procpool_frame($body) ? 'identical' : 'DIFFERENT: ' . procpool_describe($raw, true)));
        }
    });
});
var_dump($pool->start());
echo implode("\n", procpool_lines($log)), "\n";
foreach ($bodies as $body) {
    echo strlen($body), ' ', md5($body), "\n";
}
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECTF--
bool(true)
NULL
worker got 256 bytes, md5 %s
client: identical
worker got 256 bytes, md5 %s
client: identical
worker got 1 bytes, md5 93b885adfe0da089cdf634904fd59f71
client: identical
worker got 4 bytes, md5 f1d3ff8443297732862df21dc4e57262
client: identical
worker got 4 bytes, md5 a54f0041a9e15b050f25c463f1db7449
client: identical
worker got 76800 bytes, md5 %s
client: identical
256 %s
256 %s
1 93b885adfe0da089cdf634904fd59f71
4 f1d3ff8443297732862df21dc4e57262
4 a54f0041a9e15b050f25c463f1db7449
76800 %s
int(-1)
