--TEST--
Fidelity (Swoole 6.2): max_package_size accepts size strings as Swoole parses them ('1K' is 1024 bytes, '2M' 2 MiB), with no warning: with '1K' a request of 1024 bytes is answered and one of 1025 bytes is closed without a reply
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
$pool->set(['max_package_size' => '2M']);
$pool->set(['max_package_size' => '1K']);
var_dump($pool->listen("unix:$path"));
$pool->on('Message', function ($pool, $data) {
    $pool->write('got ' . strlen($data));
});
$pool->on('Start', function ($pool) use ($path, $log) {
    procpool_client_then_stop(function () use ($path, $log) {
        procpool_log($log, procpool_call("unix://$path", str_repeat('a', 1024)));
        procpool_log($log, procpool_call("unix://$path", str_repeat('b', 1025)));
        procpool_log($log, procpool_call("unix://$path", 'after'));
    });
});
var_dump($pool->start());
echo implode("\n", procpool_lines($log)), "\n";
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
bool(true)
NULL
reply got 1024
no reply (EOF)
reply got 5
