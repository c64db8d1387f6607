--TEST--
SOCKET: when Message writes nothing (or only write('')), no reply is sent: the client reads EOF at once, 0 bytes; the next request is served
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
    procpool_log($log, "worker got $data");
    if ($data === 'empty-write') {
        $pool->write('');
    } elseif ($data === 'answer') {
        $pool->write('answered');
    }
});
$pool->on('Start', function ($pool) use ($path, $log) {
    procpool_client_then_stop(function () use ($path, $log) {
        foreach (['silent', 'empty-write', 'answer'] as $m) {
            $t = microtime(true);
            $raw = procpool_exchange("unix://$path", procpool_frame($m));
            $quick = microtime(true) - $t < 1.0 ? 'at once' : 'SLOWLY';
            procpool_log($log, "client: " . procpool_describe($raw) . ', ' . ($raw === false ? '-' : strlen($raw)) . " bytes, $quick");
        }
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
worker got silent
client: no reply (EOF), 0 bytes, at once
worker got empty-write
client: no reply (EOF), 0 bytes, at once
worker got answer
client: reply answered, 12 bytes, at once
int(-1)
