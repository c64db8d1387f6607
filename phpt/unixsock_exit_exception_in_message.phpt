--TEST--
UNIXSOCK: exit() or an uncaught exception inside Message does not end the worker: the same process serves the next message (no respawn, WorkerStart runs once)
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
    foreach (['exit', 'next1', 'throw', 'next2', 'end'] as $m) {
        $pool->sendMessage($m, 0);
    }
});
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    procpool_log($log, 'WorkerStart ' . posix_getpid());
});
$pool->on('Message', function ($pool, $data) use ($log) {
    procpool_log($log, "Message $data " . posix_getpid());
    if ($data === 'exit') {
        exit(3);
    }
    if ($data === 'throw') {
        throw new RuntimeException('boom');
    }
    if ($data === 'end') {
        $pool->shutdown();
    }
});
var_dump($pool->start());
$lines = procpool_lines($log);
$pids = array_unique(array_map(fn ($l) => substr($l, strrpos($l, ' ') + 1), $lines));
echo implode("\n", array_map(fn ($l) => substr($l, 0, strrpos($l, ' ')), $lines)), "\n";
echo 'one process: ', var_export(count($pids) === 1, true), "\n";
@unlink($log);
procpool_deadline_cancel();
?>
--EXPECTF--
%ARuntimeException: boom in %s:%d
Stack trace:
%A
NULL
WorkerStart
Message exit
Message next1
Message throw
Message next2
Message end
one process: true
