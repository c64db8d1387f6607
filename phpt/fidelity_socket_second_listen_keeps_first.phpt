--TEST--
Fidelity (Swoole 6.2): a second listen() before start() keeps the pool on the first address (the workers serve it); the second address is not bound
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
$first = procpool_sock_path();
$second = procpool_sock_path();
$pool = new Swoole\Process\Pool(1, SWOOLE_IPC_SOCKET);
var_dump($pool->listen("unix:$first"));
var_dump($pool->listen("unix:$second"));
var_dump(file_exists($second));
$pool->on('Message', function ($pool, $data) {
    $pool->write("served $data");
});
$pool->on('Start', function ($pool) use ($first, $log) {
    procpool_client_then_stop(function () use ($first, $log) {
        procpool_log($log, procpool_call("unix://$first", 'first'));
    });
});
var_dump($pool->start());
echo implode("\n", procpool_lines($log)), "\n";
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
bool(true)
bool(true)
bool(false)
NULL
reply served first
