--TEST--
listen('unix:...') in a directory that does not exist, or with an empty path: warning and false; start() then returns false with a warning
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(8);
$dir = procpool_tmp('nodir');
$pool = new Swoole\Process\Pool(1, SWOOLE_IPC_SOCKET);
$pool->on('Message', function ($pool, $data) { echo "message\n"; });
$pool->on('Start', function () { echo "Start ran\n"; });
var_dump($pool->listen("unix:$dir/x.sock"));
var_dump($pool->listen("unix:"));
var_dump($pool->start());
var_dump(file_exists($dir));
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
?>
--EXPECTF--
Warning: ProcPool\Pool::listen(): listen(unix:%s/x.sock, 0) failed: %s in %s on line %d
bool(false)

Warning: ProcPool\Pool::listen(): listen(unix:, 0) failed: %s in %s on line %d
bool(false)

Warning: ProcPool\Pool::start(): a SWOOLE_IPC_SOCKET pool must listen() successfully before start() in %s on line %d
bool(false)
bool(false)
int(-1)
