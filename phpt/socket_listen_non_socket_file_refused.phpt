--TEST--
listen('unix:/path') where a regular file or a directory exists: false with a line in the pool's log (no PHP warning, as in Swoole), the file is left alone; start() returns false
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(8);
$file = procpool_sock_path();
file_put_contents($file, "precious data\n");
$dir = procpool_sock_path();
mkdir($dir);
$pool = new Swoole\Process\Pool(1, SWOOLE_IPC_SOCKET);
$pool->on('Message', function ($pool, $data) {});
var_dump($pool->listen("unix:$file"));
var_dump($pool->listen("unix:$dir"));
var_dump($pool->start());
clearstatcache();
var_dump(filetype($file), file_get_contents($file), filetype($dir));
unlink($file);
rmdir($dir);
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
?>
--EXPECTF--
[%s @%d.0]	WARNING	listen(unix:%s, 0) failed: %s
bool(false)
[%s @%d.0]	WARNING	listen(unix:%s, 0) failed: %s
bool(false)
[%s @%d.0]	WARNING	must first listen to an tcp port
bool(false)
string(4) "file"
string(14) "precious data
"
string(3) "dir"
int(-1)
