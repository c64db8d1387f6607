--TEST--
listen() on a TCP port already in use: false with a line in the pool's log (no PHP warning, as in Swoole); start() then returns false with a log line, forks nothing
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(8);
$busy = stream_socket_server('tcp://127.0.0.1:0');
$name = stream_socket_get_name($busy, false);
$port = (int) substr($name, strrpos($name, ':') + 1);
$pool = new Swoole\Process\Pool(2, SWOOLE_IPC_SOCKET);
$pool->on('WorkerStart', function () { echo "worker started\n"; });
$pool->on('Message', function ($pool, $data) { echo "message\n"; });
$pool->on('Start', function () { echo "Start ran\n"; });
var_dump($pool->listen('127.0.0.1', $port));
var_dump($pool->start());
var_dump($pool->master_pid);
// the other listener still works
$c = stream_socket_client("tcp://127.0.0.1:$port", $errno, $errstr, 1);
var_dump($c !== false && stream_socket_accept($busy, 1) !== false);
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
?>
--EXPECTF--
[%s @%d.0]	WARNING	listen(127.0.0.1, %d) failed: %s
bool(false)
[%s @%d.0]	WARNING	must first listen to an tcp port
bool(false)
int(-1)
bool(true)
int(-1)
