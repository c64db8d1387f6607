--TEST--
SOCKET over listen('unix:/path'): true, the socket file exists while the pool runs, workers answer; as in Swoole the socket and its file stay after start() returned (a second start() serves on them) and are removed with the pool object
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
$pool = new Swoole\Process\Pool(2, SWOOLE_IPC_SOCKET);
var_dump($pool->listen("unix:$path"));
var_dump(filetype($path));
$pool->on('Message', function ($pool, $data) {
    $pool->write(strtoupper($data));
});
$pool->on('Start', function ($pool) use ($path, $log) {
    procpool_client_then_stop(function () use ($path, $log) {
        foreach (['hello', 'world', 'procpool'] as $m) {
            procpool_log($log, procpool_call("unix://$path", $m));
        }
    });
});
var_dump($pool->start());
echo implode("\n", procpool_lines($log)), "\n";
clearstatcache();
var_dump(file_exists($path));
unset($pool);
clearstatcache();
var_dump(file_exists($path));
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
bool(true)
string(6) "socket"
NULL
reply HELLO
reply WORLD
reply PROCPOOL
bool(true)
bool(false)
int(-1)
