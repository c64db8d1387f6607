--TEST--
UNIXSOCK: the manager (in Start, before any worker runs) and every worker (in WorkerStart) can sendMessage() to every worker, itself included; each message arrives once, whole
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
$pool = new Swoole\Process\Pool(3, SWOOLE_IPC_UNIXSOCK);
$pool->on('Start', function ($pool) {
    for ($i = 0; $i < 3; $i++) {
        if (!$pool->sendMessage("manager->$i", $i)) {
            echo "manager: send to $i failed\n";
        }
    }
});
$pool->on('WorkerStart', function ($pool, $id) {
    for ($i = 0; $i < 3; $i++) {
        if (!$pool->sendMessage("worker$id->$i", $i)) {
            echo "worker $id: send to $i failed\n";
        }
    }
});
$pool->on('Message', function ($pool, $data) use ($log) {
    procpool_log($log, "$data received by worker {$pool->workerId}");
    if (count(procpool_lines($log)) === 12) {
        $pool->shutdown();
    }
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
manager->0 received by worker 0
manager->1 received by worker 1
manager->2 received by worker 2
worker0->0 received by worker 0
worker0->1 received by worker 1
worker0->2 received by worker 2
worker1->0 received by worker 0
worker1->1 received by worker 1
worker1->2 received by worker 2
worker2->0 received by worker 0
worker2->1 received by worker 1
worker2->2 received by worker 2
