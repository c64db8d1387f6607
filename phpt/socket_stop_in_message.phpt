--TEST--
SOCKET: stop() inside Message: the reply is sent, the worker leaves its loop after this message (WorkerStop runs, exit 0) and is replaced under the same id
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
$pool = new Swoole\Process\Pool(1, SWOOLE_IPC_SOCKET);
var_dump($pool->listen("unix:$path"));
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    procpool_log($log, "WorkerStart $id");
});
$pool->on('WorkerStop', function ($pool, $id) use ($log) {
    procpool_log($log, "WorkerStop $id");
});
$pool->on('Message', function ($pool, $data) use ($log) {
    $pool->write('pid=' . posix_getpid() . ' ');
    if ($data === 'stop') {
        $pool->stop();
        $pool->write('stopping, workerRunning=' . var_export($pool->workerRunning, true));
    } else {
        $pool->write("ok $data");
    }
});
$pool->on('Start', function ($pool) use ($path, $log) {
    procpool_client_then_stop(function () use ($path, $log) {
        $d0 = procpool_call("unix://$path", 'first');
        procpool_log($log, 'client: ' . preg_replace('/pid=\d+ /', '', $d0));
        $d1 = procpool_call("unix://$path", 'stop');
        procpool_log($log, 'client: ' . preg_replace('/pid=\d+ /', '', $d1));
        $d2 = procpool_call("unix://$path", 'after');
        procpool_log($log, 'client: ' . preg_replace('/pid=\d+ /', '', $d2));
        preg_match('/pid=(\d+) /', $d0, $a);
        preg_match('/pid=(\d+) /', $d1, $b);
        preg_match('/pid=(\d+) /', $d2, $c);
        procpool_log($log, 'same process until stop(), a new one after: '
            . var_export(isset($a[1], $b[1], $c[1]) && $a[1] === $b[1] && $b[1] !== $c[1], true));
    });
});
var_dump($pool->start());
// client and worker lines race each other: print each side in its own order
$lines = procpool_lines($log);
echo implode("\n", preg_grep('/^Worker/', $lines)), "\n--\n";
echo implode("\n", preg_grep('/^Worker/', $lines, PREG_GREP_INVERT)), "\n";
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
bool(true)
NULL
WorkerStart 0
WorkerStop 0
WorkerStart 0
WorkerStop 0
--
client: reply ok first
client: reply stopping, workerRunning=false
client: reply ok after
same process until stop(), a new one after: true
int(-1)
