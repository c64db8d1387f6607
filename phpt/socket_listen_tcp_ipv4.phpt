--TEST--
SOCKET over TCP 127.0.0.1: listen(host, port) is true, both workers accept on the shared socket, every request is answered
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
$port = procpool_free_port();
$pool = new Swoole\Process\Pool(2, SWOOLE_IPC_SOCKET);
var_dump($pool->listen('127.0.0.1', $port));
$pool->on('Message', function ($pool, $data) {
    $pool->write(strtoupper($data) . ' from worker ' . $pool->workerId);
});
$pool->on('Start', function ($pool) use ($port, $log) {
    procpool_client_then_stop(function () use ($port, $log) {
        for ($i = 0; $i < 10; $i++) {
            procpool_log($log, preg_replace('/worker [01]$/', 'worker N', procpool_call("tcp://127.0.0.1:$port", "msg $i")));
        }
    });
});
var_dump($pool->start());
echo implode("\n", procpool_lines($log)), "\n";
// As in Swoole, the pool keeps its listening socket after start() returned (a second start() serves
// on it); the port is free again once the pool object is gone. (The double-forked client inherited
// the listening socket too and may still be exiting: give it a moment.)
var_dump(@stream_socket_server("tcp://127.0.0.1:$port") === false);
unset($pool);
for ($try = 0; $try < 40 && !($again = @stream_socket_server("tcp://127.0.0.1:$port")); $try++) {
    usleep(25000);
}
var_dump($again !== false);
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
bool(true)
NULL
reply MSG 0 from worker N
reply MSG 1 from worker N
reply MSG 2 from worker N
reply MSG 3 from worker N
reply MSG 4 from worker N
reply MSG 5 from worker N
reply MSG 6 from worker N
reply MSG 7 from worker N
reply MSG 8 from worker N
reply MSG 9 from worker N
bool(true)
bool(true)
int(-1)
