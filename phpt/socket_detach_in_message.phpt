--TEST--
SOCKET: detach() inside Message returns true and the reply is still sent; the id is served again by a replacement process
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
$pool->on('Message', function ($pool, $data) use ($log) {
    $pool->write('pid=' . posix_getpid() . ' ');
    if ($data === 'detach') {
        $pool->write('detach() returned ' . var_export($pool->detach(), true));
        $pool->write(', still writing');
    } else {
        $pool->write("ok $data");
    }
});
$pool->on('Start', function ($pool) use ($path, $log) {
    procpool_client_then_stop(function () use ($path, $log) {
        $d1 = procpool_call("unix://$path", 'detach');
        procpool_log($log, 'client: ' . preg_replace('/pid=\d+ /', '', $d1));
        $d2 = procpool_call("unix://$path", 'after');
        procpool_log($log, 'client: ' . preg_replace('/pid=\d+ /', '', $d2));
        preg_match('/pid=(\d+) /', $d1, $a);
        preg_match('/pid=(\d+) /', $d2, $b);
        procpool_log($log, 'served by another process after the detach: ' . var_export(isset($a[1], $b[1]) && $a[1] !== $b[1], true));
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
WorkerStart 0
--
client: reply detach() returned true, still writing
client: reply ok after
served by another process after the detach: true
int(-1)
