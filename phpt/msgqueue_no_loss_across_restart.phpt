--TEST--
MSGQUEUE (keyed): messages queued before start() are delivered; messages sent while no pool runs wait in the queue and are delivered, each once, by the next pool on the same key
--EXTENSIONS--
procpool
pcntl
posix
sysvmsg
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(10);
$key = procpool_msgkey(1);
$log = procpool_tmp('log');
$q = msg_get_queue($key, 0600);

function run_pool(int $key, string $log, int $until): void
{
    $pool = new Swoole\Process\Pool(2, SWOOLE_IPC_MSGQUEUE, $key);
    $pool->on('Message', function ($pool, $data) use ($log, $until) {
        procpool_log($log, $data);
        if (count(procpool_lines($log)) >= $until) {
            $pool->shutdown();
        }
    });
    var_dump($pool->start());
}

for ($i = 0; $i < 50; $i++) {
    msg_send($q, 1 + $i % 3, "first-$i", false);
}
echo 'queued before the first start(): ', msg_stat_queue($q)['msg_qnum'], "\n";
run_pool($key, $log, 50);
echo 'handled by the first pool: ', count(procpool_lines($log)), "\n";
echo 'left in the queue: ', msg_stat_queue($q)['msg_qnum'], "\n";

for ($i = 0; $i < 30; $i++) {
    msg_send($q, 5, "second-$i", false);
}
usleep(200000);
echo 'queued while no pool runs (after 200 ms): ', msg_stat_queue($q)['msg_qnum'], "\n";
run_pool($key, $log, 80);
echo 'left in the queue: ', msg_stat_queue($q)['msg_qnum'], "\n";

$lines = procpool_lines($log);
$want = array_merge(array_map(fn ($i) => "first-$i", range(0, 49)), array_map(fn ($i) => "second-$i", range(0, 29)));
echo 'handled in all: ', count($lines), "\n";
echo 'each message exactly once: ', var_export(array_count_values($lines) == array_fill_keys($want, 1), true), "\n";
procpool_msgkey_remove($key);
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
queued before the first start(): 50
NULL
handled by the first pool: 50
left in the queue: 0
queued while no pool runs (after 200 ms): 30
NULL
left in the queue: 0
handled in all: 80
each message exactly once: true
int(-1)
