--TEST--
Bad numbers are refused: out-of-range, NAN or INF durations (max_wait_time, read_timeout, header_timeout), a zero header_timeout, max_package_size 0 and max_connections out of range warn and are ignored (the pool then works with its defaults, no panic); a msgqueue_key beyond 32 bits throws
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

foreach ([0x100000000, PHP_INT_MAX] as $key) {
    try {
        new Swoole\Process\Pool(1, SWOOLE_IPC_MSGQUEUE, $key);
        echo "no exception for key $key\n";
    } catch (Throwable $e) {
        echo get_class($e), ': ', $e->getMessage(), "\n";
    }
}

$pool = new Swoole\Process\Pool(1, SWOOLE_IPC_SOCKET);
$pool->set(['max_wait_time' => 1e19]);
$pool->set(['read_timeout' => 1e19]);
$pool->set(['max_wait_time' => 1e20]);
$pool->set(['max_wait_time' => NAN]);
$pool->set(['max_wait_time' => INF]);
$pool->set(['header_timeout' => 0]);
$pool->set(['max_package_size' => 0]);
$pool->set(['max_connections' => 0]);
$pool->set(['max_connections' => 70000]);
var_dump($pool->listen("unix:$path"));
$pool->on('Message', function ($pool, $data) {
    $pool->write('got ' . strlen($data) . ' bytes');
});
$pool->on('Start', function ($pool) use ($path, $log) {
    procpool_client_then_stop(function () use ($path, $log) {
        procpool_log($log, procpool_call("unix://$path", 'hello'));
        procpool_log($log, procpool_call("unix://$path", str_repeat('x', 100000)));
    });
});
var_dump($pool->start());
echo implode("\n", procpool_lines($log)), "\n";
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECTF--
Swoole\Exception: msgqueue_key 0x100000000 does not fit in a 32-bit System V key
Swoole\Exception: msgqueue_key 0x7fffffffffffffff does not fit in a 32-bit System V key

Warning: Swoole\Process\Pool::set(): 'max_wait_time' must be a number of seconds from 0 to 31536000, 10000000000000000000 given; ignored in %s on line %d

Warning: Swoole\Process\Pool::set(): 'read_timeout' must be a number of seconds greater than 0 and at most 31536000, 10000000000000000000 given; ignored in %s on line %d

Warning: Swoole\Process\Pool::set(): 'max_wait_time' must be a number of seconds from 0 to 31536000, 100000000000000000000 given; ignored in %s on line %d

Warning: Swoole\Process\Pool::set(): 'max_wait_time' must be a number of seconds from 0 to 31536000, NAN given; ignored in %s on line %d

Warning: Swoole\Process\Pool::set(): 'max_wait_time' must be a number of seconds from 0 to 31536000, INF given; ignored in %s on line %d

Warning: Swoole\Process\Pool::set(): 'header_timeout' must be a number of seconds greater than 0 and at most 31536000, 0 given; ignored in %s on line %d

Warning: Swoole\Process\Pool::set(): 'max_package_size' must be greater than 0, 0 given; ignored in %s on line %d

Warning: Swoole\Process\Pool::set(): 'max_connections' must be from 1 to 65536, 0 given; ignored in %s on line %d

Warning: Swoole\Process\Pool::set(): 'max_connections' must be from 1 to 65536, 70000 given; ignored in %s on line %d
bool(true)
NULL
reply got 5 bytes
reply got 100000 bytes
int(-1)
