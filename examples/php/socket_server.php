<?php
// procpool example: a SWOOLE_IPC_SOCKET server with 2 workers, written as plain Swoole\Process\Pool code.
//
// Protocol (one request per connection): 4-byte big-endian length N + N bytes; the reply is framed the
// same way, then the server closes the connection.
//   "echo <text>"  -> "<text>"
//   "upper <text>" -> "<TEXT>"
//   anything else  -> the whole request in upper case
//
// Run (from the repository root, after `cargo build -p procpool-php`):
//   php -d extension=target/debug/libprocpool_php.so examples/php/socket_server.php unix:/tmp/procpool-demo.sock
//   php -d extension=target/debug/libprocpool_php.so examples/php/socket_server.php 127.0.0.1 9501
// then, in another terminal, the client (plain PHP, no extension needed):
//   php examples/php/socket_client.php unix:/tmp/procpool-demo.sock
//   php examples/php/socket_client.php 127.0.0.1 9501 "echo hi" "upper hello"
// Stop the server with Ctrl-C (or `kill -TERM <manager pid>`); the unix socket file is removed on exit.
// With no argument it listens on unix:<temp dir>/procpool-socket-server.sock.

use Swoole\Process\Pool;

$target = $argv[1] ?? 'unix:' . sys_get_temp_dir() . '/procpool-socket-server.sock';
$port = (int) ($argv[2] ?? 0);

$pool = new Pool(2, SWOOLE_IPC_SOCKET);
// Bounds a slow or silent client can cost a worker (procpool's own key; Swoole ignores it).
$pool->set(['max_package_size' => 1024 * 1024, 'read_timeout' => 5]);
if (!$pool->listen($target, $port)) {
    fwrite(STDERR, "cannot listen on $target" . ($port ? ":$port" : '') . "\n");
    exit(1);
}

$pool->on('Start', function (Pool $pool) use ($target, $port) {
    echo "[manager {$pool->master_pid}] listening on $target" . ($port ? ":$port" : '') . " with 2 workers (Ctrl-C to stop)\n";
});

$pool->on('WorkerStart', function (Pool $pool, int $workerId) {
    echo "[worker #$workerId pid " . posix_getpid() . "] ready\n";
});

$pool->on('Message', function (Pool $pool, string $data) {
    if (str_starts_with($data, 'echo ')) {
        $reply = substr($data, 5);
    } elseif (str_starts_with($data, 'upper ')) {
        $reply = strtoupper(substr($data, 6));
    } else {
        $reply = strtoupper($data);
    }
    echo "[worker #{$pool->workerId} pid " . posix_getpid() . "] " . strlen($data) . " bytes in, " . strlen($reply) . " bytes out\n";
    $pool->write($reply);
});

$pool->on('WorkerStop', function (Pool $pool, int $workerId) {
    echo "[worker #$workerId pid " . posix_getpid() . "] stopped\n";
});

$pool->on('Shutdown', function (Pool $pool) {
    echo "[manager] shutting down\n";
});

$pool->start();
echo "[manager] bye\n";
