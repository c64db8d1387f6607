--TEST--
UNIXSOCK: Swoole's exportSocket() doc example without coroutines: a pool with only WorkerStart; worker 1 sends "hello proc0" on getProcess(0)->exportSocket(), worker 0 recv()s it on its own getProcess(0)->exportSocket(). The documented subset (no coroutine runtime): ProcPool\Socket with fd (= pipe), blocking send() returning the byte count, recv($length, $timeout) cut to $length, false after $timeout
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
$pool = new Swoole\Process\Pool(2, SWOOLE_IPC_UNIXSOCK);
$pool->on('WorkerStart', function (Swoole\Process\Pool $pool, int $workerId) use ($log) {
    $wait = procpool_catch_sigterm();
    $process = $pool->getProcess(0);
    $socket = $process->exportSocket();
    if ($workerId === 0) {
        $t = microtime(true);
        $none = $socket->recv(65536, 0.2);
        $took = microtime(true) - $t;
        procpool_log($log, 'worker 0: recv with 0.2 s timeout and nothing sent: ' . var_export($none, true)
            . ', waited ~0.2 s: ' . var_export($took >= 0.15 && $took < 1.0, true));
        procpool_log($log, 'worker 0: ' . get_class($socket) . ', fd = pipe: ' . var_export($socket->fd === $process->pipe, true));
        procpool_log($log, 'worker 0: recv: ' . $socket->recv());
        procpool_log($log, 'worker 0: recv(5): ' . $socket->recv(5, 2.0));
        $pool->shutdown();
    } else {
        usleep(300000); // after worker 0's timeout
        procpool_log($log, 'worker 1: send returned ' . var_export($socket->send('hello proc0'), true));
        $socket->send('truncated');
    }
    $wait(5.0);
});
var_dump($pool->start());
$lines = procpool_lines($log);
sort($lines);
echo implode("\n", $lines), "\n";
@unlink($log);
procpool_deadline_cancel();
?>
--EXPECT--
NULL
worker 0: ProcPool\Socket, fd = pipe: true
worker 0: recv with 0.2 s timeout and nothing sent: false, waited ~0.2 s: true
worker 0: recv(5): trunc
worker 0: recv: hello proc0
worker 1: send returned 11
