--TEST--
SOCKET: exit() inside Message does not end the worker: the reply written so far is sent and the same process serves the next message
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
    $pool->write("before exit($data)");
    if ($data !== 'none') {
        exit((int) $data);
    }
});
$pool->on('Start', function ($pool) use ($path, $log) {
    procpool_client_then_stop(function () use ($path, $log) {
        $pids = [];
        foreach (['0', '3', 'none', '255'] as $m) {
            $d = procpool_call("unix://$path", $m);
            if (preg_match('/pid=(\d+) /', $d, $mm)) {
                $pids[] = $mm[1];
            }
            procpool_log($log, 'client: ' . preg_replace('/pid=\d+ /', '', $d));
        }
        procpool_log($log, 'replies from ' . count($pids) . ' messages, all by the same process: ' . var_export(count(array_unique($pids)) === 1, true));
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
client: reply before exit(0)
client: reply before exit(3)
client: reply before exit(none)
client: reply before exit(255)
replies from 4 messages, all by the same process: true
WorkerStop 0
int(-1)
