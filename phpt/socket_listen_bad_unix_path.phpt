--TEST--
listen('unix:...') in a directory that does not exist, or with an empty path: false with a line in the pool's log (no PHP warning, as in Swoole); start() then returns false with a log line
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
[%s @%d.0]	WARNING	listen(unix:%s/x.sock, 0) failed: %s
bool(false)
[%s @%d.0]	WARNING	listen(unix:, 0) failed: %s
bool(false)
[%s @%d.0]	WARNING	must first listen to an tcp port
bool(false)
bool(false)
int(-1)
