--TEST--
Deliberate difference from Swoole (docs/behaviour.md, Differences from Swoole): listen() accepts the IPv6 loopback (::1, [::1]) and host names (localhost), which Swoole's pool refuses; the workers serve on them
--EXTENSIONS--
procpool
pcntl
posix
--SKIPIF--
<?php if (@stream_socket_server('tcp://[::1]:0') === false) die('skip no IPv6 loopback'); ?>
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(12);
foreach (['::1' => '[::1]', '[::1]' => '[::1]', 'localhost' => 'localhost'] as $host => $connect) {
    $log = procpool_tmp('log');
    $port = procpool_free_port($connect === '[::1]' ? '::1' : '127.0.0.1');
    $pool = new Swoole\Process\Pool(1, SWOOLE_IPC_SOCKET);
    echo "listen($host): ";
    var_dump($pool->listen($host, $port));
    $pool->on('Message', function ($pool, $data) {
        $pool->write("hello $data");
    });
    $pool->on('Start', function ($pool) use ($connect, $port, $log) {
        procpool_client_then_stop(function () use ($connect, $port, $log) {
            procpool_log($log, procpool_call("tcp://$connect:$port", 'client'));
        });
    });
    $pool->start();
    echo implode("\n", procpool_lines($log)), "\n";
    unset($pool);
    @unlink($log);
}
procpool_deadline_cancel();
?>
--EXPECT--
listen(::1): bool(true)
reply hello client
listen([::1]): bool(true)
reply hello client
listen(localhost): bool(true)
reply hello client
