--TEST--
listen('unix:/path') on a socket another process is listening on: false with a line in the pool's log (no PHP warning, as in Swoole), that socket keeps working and its file stays
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(8);
$path = procpool_sock_path();
$other = stream_socket_server("unix://$path");
$pool = new Swoole\Process\Pool(1, SWOOLE_IPC_SOCKET);
$pool->on('Message', function ($pool, $data) {});
var_dump($pool->listen("unix:$path"));
var_dump($pool->start());
unset($pool);
clearstatcache();
var_dump(filetype($path));
$c = stream_socket_client("unix://$path", $errno, $errstr, 1);
// the probe connection listen() made is queued first; accept until ours arrives
$ok = false;
for ($i = 0; $i < 3 && !$ok; $i++) {
    $a = @stream_socket_accept($other, 1);
    if ($a !== false) {
        fwrite($c, "x");
        $ok = fread($a, 1) === "x";
    }
}
var_dump($ok);
fclose($other);
unlink($path);
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
?>
--EXPECTF--
[%s @%d.0]	WARNING	listen(unix:%s, 0) failed: %s
bool(false)
[%s @%d.0]	WARNING	must first listen to an tcp port
bool(false)
string(6) "socket"
bool(true)
int(-1)
