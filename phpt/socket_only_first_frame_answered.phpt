--TEST--
SOCKET: two frames sent in one connection: only the first reaches Message and is answered, then the connection closes (unix and TCP)
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(10);
foreach (['unix', 'tcp'] as $kind) {
    $log = procpool_tmp('log');
    $pool = new Swoole\Process\Pool(1, SWOOLE_IPC_SOCKET);
    if ($kind === 'unix') {
        $path = procpool_sock_path();
        var_dump($pool->listen("unix:$path"));
        $addr = "unix://$path";
    } else {
        $port = procpool_free_port();
        var_dump($pool->listen('127.0.0.1', $port));
        $addr = "tcp://127.0.0.1:$port";
    }
    $pool->on('Message', function ($pool, $data) use ($log) {
        procpool_log($log, "worker got $data");
        $pool->write("reply to $data");
    });
    $pool->on('Start', function ($pool) use ($addr, $log) {
        procpool_client_then_stop(function () use ($addr, $log) {
            $raw = procpool_exchange($addr, procpool_frame('first') . procpool_frame('second'));
            procpool_log($log, 'client: ' . procpool_describe($raw));
            procpool_log($log, 'client: ' . procpool_call($addr, 'third'));
        });
    });
    var_dump($pool->start());
    echo implode("\n", procpool_lines($log)), "\n";
    @unlink($log);
    unset($pool);
}
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
?>
--EXPECT--
bool(true)
NULL
worker got first
client: reply reply to first
worker got third
client: reply reply to third
bool(true)
NULL
worker got first
client: reply reply to first
worker got third
client: reply reply to third
int(-1)
