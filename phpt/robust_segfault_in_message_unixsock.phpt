--TEST--
UNIXSOCK: a worker that segfaults inside Message is logged with signal=11 and replaced under the same id; the manager keeps running and the messages queued behind the fatal one are served by the replacement
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
$pool = new Swoole\Process\Pool(1, SWOOLE_IPC_UNIXSOCK);
$pool->on('Start', function ($pool) {
    foreach (['one', 'segv', 'two', 'three', 'end'] as $m) {
        $pool->sendMessage($m, 0);
    }
});
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    procpool_log($log, "WorkerStart $id " . posix_getpid());
});
$pool->on('WorkerStop', function ($pool, $id) use ($log) {
    procpool_log($log, "WorkerStop $id " . posix_getpid());
});
$pool->on('Message', function ($pool, $data) use ($log) {
    procpool_log($log, "Message $data " . posix_getpid());
    if ($data === 'segv') {
        posix_kill(posix_getpid(), SIGSEGV);
        procpool_log($log, "not reached");
    }
    if ($data === 'end') {
        $pool->shutdown();
    }
});
var_dump($pool->start());
$lines = procpool_lines($log);
$pids = [];
foreach ($lines as $l) {
    $pid = substr($l, strrpos($l, ' ') + 1);
    $pids[$pid] ??= 'P' . (count($pids) + 1);
    echo substr($l, 0, strrpos($l, ' ')), ' ', $pids[$pid], "\n";
}
@unlink($log);
procpool_deadline_cancel();
?>
--EXPECTF--
[%s $%d.-1]	WARNING	worker#0 (pid %d) abnormal exit, status=0, signal=11 (SIGSEGV)
NULL
WorkerStart 0 P1
Message one P1
Message segv P1
WorkerStart 0 P2
Message two P2
Message three P2
Message end P2
WorkerStop 0 P2
