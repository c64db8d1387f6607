--TEST--
SOCKET bad input: a frame announcing N == 0 is closed with no reply, Message is not called, and the single worker serves the next client
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
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    procpool_log($log, "WorkerStart $id");
});
$pool->on('Message', function ($pool, $data) use ($log) {
    procpool_log($log, 'Message got ' . bin2hex($data));
    $pool->write("ok $data");
});
$pool->on('Start', function ($pool) use ($path, $log) {
    procpool_client_then_stop(function () use ($path, $log) {
        foreach (["\0\0\0\0", "\0\0\0\0" . procpool_frame('hidden')] as $raw) {
            $t = microtime(true);
            $got = procpool_exchange("unix://$path", $raw);
            procpool_log($log, 'empty frame: ' . procpool_describe($got) . (microtime(true) - $t < 1 ? ', at once' : ', SLOWLY'));
        }
        $t = microtime(true);
        procpool_log($log, 'next client: ' . procpool_call("unix://$path", 'normal') . (microtime(true) - $t < 1 ? ', at once' : ', SLOWLY'));
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
empty frame: no reply (EOF), at once
empty frame: no reply (EOF), at once
Message got 6e6f726d616c
next client: reply ok normal, at once
int(-1)
