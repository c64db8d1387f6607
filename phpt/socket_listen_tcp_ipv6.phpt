--TEST--
SOCKET over TCP ::1 (IPv6): listen('::1', port) and listen('[::1]', port) work, requests are answered
--EXTENSIONS--
procpool
pcntl
posix
--SKIPIF--
<?php
$s = @stream_socket_server('tcp://[::1]:0');
if ($s === false) {
    die('skip ::1 cannot be bound on this machine');
}
?>
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(10);
foreach (['::1', '[::1]'] as $host) {
    $log = procpool_tmp('log');
    $port = procpool_free_port('::1');
    $pool = new Swoole\Process\Pool(2, SWOOLE_IPC_SOCKET);
    var_dump($pool->listen($host, $port));
    $pool->on('Message', function ($pool, $data) {
        $pool->write("v6:" . strrev($data));
    });
    $pool->on('Start', function ($pool) use ($port, $log) {
        procpool_client_then_stop(function () use ($port, $log) {
            foreach (['abc', 'hello'] as $m) {
                procpool_log($log, procpool_call("tcp://[::1]:$port", $m));
            }
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
reply v6:cba
reply v6:olleh
bool(true)
NULL
reply v6:cba
reply v6:olleh
int(-1)
