--TEST--
Fidelity (Swoole 6.2): a failed listen() (port in use, port 70000) and start() of a SOCKET pool that never listened return false with no PHP warning (nothing for set_error_handler or @ to see): the failure is a line in the pool's log on stderr, in Swoole's layout
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(8);
$errors = [];
set_error_handler(function (int $no, string $str) use (&$errors) {
    $errors[] = $str;
    return true;
});
$busy = stream_socket_server('tcp://127.0.0.1:0');
$port = (int) substr(stream_socket_get_name($busy, false), strrpos(stream_socket_get_name($busy, false), ':') + 1);
$pool = new Swoole\Process\Pool(1, SWOOLE_IPC_SOCKET);
$pool->on('Message', function () {});
var_dump($pool->listen('127.0.0.1', $port));
var_dump($pool->listen('127.0.0.1', 70000));
var_dump($pool->start());
restore_error_handler();
echo "PHP warnings: ", count($errors), "\n";
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
?>
--EXPECTF--
[%d-%d-%d %d:%d:%d @%d.0]	WARNING	listen(127.0.0.1, %d) failed: %s
bool(false)
[%d-%d-%d %d:%d:%d @%d.0]	WARNING	listen(127.0.0.1, 70000) failed: %s
bool(false)
[%d-%d-%d %d:%d:%d @%d.0]	WARNING	must first listen to an tcp port
bool(false)
PHP warnings: 0
int(-1)
