--TEST--
listen('unix:/path') over a stale socket file (closed without unlink, or left by a SIGKILLed process) replaces it and serves; the file is removed at shutdown
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(10);

function stale_closed(string $path): void
{
    $s = stream_socket_server("unix://$path");
    fclose($s); // PHP does not unlink a unix socket file on close
}

function stale_killed(string $path): void
{
    $pid = pcntl_fork();
    if ($pid === 0) {
        $s = stream_socket_server("unix://$path");
        posix_kill(getmypid(), SIGKILL);
    }
    pcntl_waitpid($pid, $st);
    var_dump(pcntl_wifsignaled($st) && pcntl_wtermsig($st) === SIGKILL);
}

foreach (['stale_closed', 'stale_killed'] as $make) {
    $path = procpool_sock_path();
    $log = procpool_tmp('log');
    $make($path);
    clearstatcache();
    var_dump(filetype($path));
    var_dump(@stream_socket_client("unix://$path", $errno, $errstr, 1) === false);
    $pool = new Swoole\Process\Pool(1, SWOOLE_IPC_SOCKET);
    var_dump($pool->listen("unix:$path"));
    $pool->on('Message', function ($pool, $data) {
        $pool->write("got $data");
    });
    $pool->on('Start', function ($pool) use ($path, $log) {
        procpool_client_then_stop(function () use ($path, $log) {
            procpool_log($log, procpool_call("unix://$path", 'ping'));
        });
    });
    var_dump($pool->start());
    echo implode("\n", procpool_lines($log)), "\n";
    @unlink($log);
    // The socket (and its file) belong to the pool object, as in Swoole: gone with it.
    unset($pool);
    clearstatcache();
    var_dump(file_exists($path));
}
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
?>
--EXPECT--
string(6) "socket"
bool(true)
bool(true)
NULL
reply got ping
bool(false)
bool(true)
string(6) "socket"
bool(true)
bool(true)
NULL
reply got ping
bool(false)
int(-1)
