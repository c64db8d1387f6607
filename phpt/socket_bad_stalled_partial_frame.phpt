--TEST--
SOCKET bad input: a client that sends part of a frame (or nothing) and stalls is closed by the server after read_timeout (0.5 s); it never holds the worker: with 1 worker the next client is served at once, while the staller waits
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(12);
$log = procpool_tmp('log');
$path = procpool_sock_path();
$pool = new Swoole\Process\Pool(1, SWOOLE_IPC_SOCKET);
$pool->set(['read_timeout' => 0.5]);
var_dump($pool->listen("unix:$path"));
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    procpool_log($log, "WorkerStart $id");
});
$pool->on('Message', function ($pool, $data) use ($log) {
    procpool_log($log, "Message got $data");
    $pool->write("ok $data");
});
$pool->on('Start', function ($pool) use ($path, $log) {
    procpool_client_then_stop(function () use ($path, $log) {
        // make sure the worker is up and idle, so that the staller is accepted at once
        procpool_log($log, 'warm-up: ' . procpool_call("unix://$path", 'warm-up'));
        foreach (['a partial frame' => pack('N', 100) . 'abc', 'half a header' => "\0\0", 'nothing' => ''] as $name => $raw) {
            $t0 = microtime(true);
            $stall = procpool_connect("unix://$path");
            procpool_send_all($stall, $raw);
            usleep(100000);
            // second client, while the only worker is held by the staller
            $next = procpool_connect("unix://$path");
            procpool_send_all($next, procpool_frame('second'));
            $reply = procpool_describe(procpool_read_all($next, 3.0));
            $tNext = microtime(true) - $t0;
            $got = procpool_read_all($stall, 3.0);
            $tStall = microtime(true) - $t0;
            fclose($stall);
            fclose($next);
            procpool_log($log, "staller ($name): " . procpool_describe($got) . ', closed by the server after read_timeout: '
                . var_export($tStall >= 0.4 && $tStall < 1.5, true));
            procpool_log($log, "second client: $reply, served while the staller is held: "
                . var_export($tNext < 0.4, true));
        }
    });
});
var_dump($pool->start());
echo implode("\n", procpool_lines($log)), "\n";
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
bool(true)
NULL
WorkerStart 0
Message got warm-up
warm-up: reply ok warm-up
Message got second
staller (a partial frame): no reply (EOF), closed by the server after read_timeout: true
second client: reply ok second, served while the staller is held: true
Message got second
staller (half a header): no reply (EOF), closed by the server after read_timeout: true
second client: reply ok second, served while the staller is held: true
Message got second
staller (nothing): no reply (EOF), closed by the server after read_timeout: true
second client: reply ok second, served while the staller is held: true
int(-1)
