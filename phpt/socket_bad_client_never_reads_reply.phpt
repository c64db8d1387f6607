--TEST--
SOCKET bad input: a client that does not read its large reply (8 MiB) never holds the worker: the reply waits on its connection (sent as the client reads) while the single worker serves the next client at once; a client that never reads is dropped after read_timeout (0.5 s)
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
foreach (['unix', 'tcp'] as $kind) {
    $pool = new Swoole\Process\Pool(1, SWOOLE_IPC_SOCKET);
    $pool->set(['read_timeout' => 0.5]);
    if ($kind === 'unix') {
        $path = procpool_sock_path();
        var_dump($pool->listen("unix:$path"));
        $addr = "unix://$path";
    } else {
        $port = procpool_free_port();
        var_dump($pool->listen('127.0.0.1', $port));
        $addr = "tcp://127.0.0.1:$port";
    }
    $pool->on('WorkerStart', function ($pool, $id) use ($log) {
        procpool_log($log, "WorkerStart $id");
    });
    $pool->on('Message', function ($pool, $data) use ($log) {
        procpool_log($log, "Message got $data");
        $pool->write($data === 'big' ? str_repeat('B', 8 << 20) : "ok $data");
    });
    $pool->on('Start', function ($pool) use ($addr, $log) {
        procpool_client_then_stop(function () use ($addr, $log) {
            $late = procpool_connect($addr);
            procpool_send_all($late, procpool_frame('big'));
            usleep(100000);
            $t0 = microtime(true);
            $reply = procpool_call($addr, 'second', 4.0);
            $t = microtime(true) - $t0;
            procpool_log($log, "second client: $reply, without waiting for read_timeout: " . var_export($t < 0.4, true));
            // the late client reads now, within read_timeout: its reply waited for it, whole
            $got = procpool_read_all($late, 3.0);
            procpool_log($log, 'late client got the whole reply: ' . var_export($got !== false && strlen($got) === (8 << 20) + 4, true));
            fclose($late);
            // a client that reads nothing for longer than read_timeout gets less than the whole reply
            $lazy = procpool_connect($addr);
            procpool_send_all($lazy, procpool_frame('big'));
            usleep(1000000);
            $got = procpool_read_all($lazy, 3.0);
            procpool_log($log, 'lazy client got the whole reply: ' . var_export($got !== false && strlen($got) === (8 << 20) + 4, true));
            fclose($lazy);
            procpool_log($log, 'third client: ' . procpool_call($addr, 'third'));
        });
    });
    var_dump($pool->start());
    echo implode("\n", procpool_lines($log)), "\n";
    @unlink($log);
    unset($pool);
}
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
?>
--EXPECT--
bool(true)
NULL
WorkerStart 0
Message got big
Message got second
second client: reply ok second, without waiting for read_timeout: true
late client got the whole reply: true
Message got big
lazy client got the whole reply: false
Message got third
third client: reply ok third
bool(true)
NULL
WorkerStart 0
Message got big
Message got second
second client: reply ok second, without waiting for read_timeout: true
late client got the whole reply: true
Message got big
lazy client got the whole reply: false
Message got third
third client: reply ok third
int(-1)
