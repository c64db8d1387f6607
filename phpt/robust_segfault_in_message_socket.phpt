--TEST--
SOCKET: a worker that segfaults inside Message closes that client's connection with no reply (the partial reply is lost), is logged with signal=11 and replaced; the next requests are answered
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
$pool->on('Message', function ($pool, $data) {
    $pool->write('pid=' . posix_getpid() . " partial $data");
    if ($data === 'segv') {
        posix_kill(posix_getpid(), SIGSEGV);
    }
    $pool->write(' complete');
});
$pool->on('Start', function ($pool) use ($path, $log) {
    procpool_client_then_stop(function () use ($path, $log) {
        $pids = [];
        foreach (['before', 'segv', 'after1', 'after2'] as $m) {
            $d = procpool_call("unix://$path", $m);
            if (preg_match('/pid=(\d+) /', $d, $mm)) {
                $pids[$m] = $mm[1];
            }
            procpool_log($log, "client $m: " . preg_replace('/pid=\d+ /', '', $d));
        }
        procpool_log($log, 'replacement answered after the crash: ' . var_export(
            isset($pids['before'], $pids['after1']) && $pids['before'] !== $pids['after1'] && $pids['after1'] === $pids['after2'], true));
    });
});
var_dump($pool->start());
// The replacement's WorkerStart races with the client's log line about the crash: count it apart.
$lines = procpool_lines($log);
echo "WorkerStart ran ", count(array_keys($lines, 'WorkerStart 0')), " times\n";
echo implode("\n", array_filter($lines, fn ($l) => $l !== 'WorkerStart 0')), "\n";
unset($pool);
var_dump(file_exists($path));
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECTF--
bool(true)
[%s $%d.-1]	WARNING	worker#0 (pid %d) abnormal exit, status=0, signal=11 (SIGSEGV)
NULL
WorkerStart ran 2 times
client before: reply partial before complete
client segv: no reply (EOF)
client after1: reply partial after1 complete
client after2: reply partial after2 complete
replacement answered after the crash: true
bool(false)
