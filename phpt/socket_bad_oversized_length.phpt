--TEST--
SOCKET bad input: a length above max_package_size (0xFFFFFFFF, and max+1) is refused from the header alone: closed at once, no reply, nothing allocated, the worker answers the next request quickly
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
$pool->set(['max_package_size' => 4096, 'read_timeout' => 5]);
var_dump($pool->listen("unix:$path"));
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    procpool_log($log, "WorkerStart $id");
});
$pool->on('Message', function ($pool, $data) use ($log) {
    procpool_log($log, 'Message got ' . strlen($data) . ' bytes');
    $pool->write("ok " . strlen($data) . " pid " . posix_getpid());
});
$pool->on('Start', function ($pool) use ($path, $log) {
    procpool_client_then_stop(function () use ($path, $log) {
        $cases = [
            '0xFFFFFFFF header only' => "\xff\xff\xff\xff",
            '0xFFFFFFFF header + 1000 bytes' => "\xff\xff\xff\xff" . str_repeat('x', 1000),
            '0x80000000 header only' => "\x80\0\0\0",
            'max+1 header only' => pack('N', 4097),
        ];
        $pids = [];
        foreach ($cases as $name => $raw) {
            // The body never comes: a server waiting for it would only close after read_timeout (5 s).
            $t = microtime(true);
            $got = procpool_exchange("unix://$path", $raw, 3.0);
            procpool_log($log, "$name: " . procpool_describe($got) . (microtime(true) - $t < 1 ? ', at once' : ', SLOWLY'));
            $t = microtime(true);
            $reply = procpool_call("unix://$path", 'next');
            $pids[] = preg_replace('/^.* pid /', '', $reply);
            procpool_log($log, 'next client: ' . preg_replace('/ pid \d+$/', '', $reply) . (microtime(true) - $t < 1 ? ', quickly' : ', SLOWLY'));
        }
        procpool_log($log, 'same worker process throughout: ' . var_export(count(array_unique($pids)) === 1, true));
    });
});
var_dump($pool->start());
echo implode("\n", procpool_lines($log)), "\n";
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
bool(true)
NULL
WorkerStart 0
0xFFFFFFFF header only: no reply (EOF), at once
Message got 4 bytes
next client: reply ok 4, quickly
0xFFFFFFFF header + 1000 bytes: no reply (EOF), at once
Message got 4 bytes
next client: reply ok 4, quickly
0x80000000 header only: no reply (EOF), at once
Message got 4 bytes
next client: reply ok 4, quickly
max+1 header only: no reply (EOF), at once
Message got 4 bytes
next client: reply ok 4, quickly
same worker process throughout: true
int(-1)
