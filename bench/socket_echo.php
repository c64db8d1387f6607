<?php
// The PHP-extension echo server for bench/socket_bench: a SWOOLE_IPC_SOCKET pool of 2 workers
// whose Message callback writes the request back unchanged.
//
// usage: php -d extension=target/release/libprocpool_php.so bench/socket_echo.php <listen spec> [workers] [max_connections]
//   <listen spec> is tcp://HOST:PORT or unix:/path; max_connections 0 or absent: the pool's default
$spec = $argv[1] ?? 'tcp://127.0.0.1:9501';
$workers = (int)($argv[2] ?? 2);
$maxConnections = (int)($argv[3] ?? 0);

$pool = new Swoole\Process\Pool($workers, SWOOLE_IPC_SOCKET);
if ($maxConnections > 0) {
    $pool->set(['max_connections' => $maxConnections]);
}
$pool->on('Message', function ($pool, $data) {
    $pool->write($data);
});
if (str_starts_with($spec, 'unix:')) {
    $ok = $pool->listen($spec);
} elseif (preg_match('#^tcp://(.+):(\d+)$#', $spec, $m)) {
    $ok = $pool->listen(trim($m[1], '[]'), (int)$m[2]);
} else {
    fwrite(STDERR, "socket_echo.php: bad listen spec '$spec' (tcp://HOST:PORT or unix:/path)\n");
    exit(2);
}
if (!$ok) {
    exit(1);
}
$pool->start();
