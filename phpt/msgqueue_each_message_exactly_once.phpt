--TEST--
MSGQUEUE: 2000 numbered messages (msg_send with serialize=false and assorted non-zero types) from a producer that is no child of the pool, 3 workers: every message is handled exactly once, Message runs once per message, and the work is shared
--EXTENSIONS--
procpool
pcntl
posix
sysvmsg
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(15);
const N = 2000;
$key = procpool_msgkey(1);
$log = procpool_tmp('log');
$pool = new Swoole\Process\Pool(3, SWOOLE_IPC_MSGQUEUE, $key);
$pool->on('Message', function ($pool, $data) use ($log) {
    procpool_log($log, posix_getpid() . ' ' . $data);
    usleep(100);
});
$pool->on('Start', function ($pool) use ($key, $log) {
    procpool_client_then_stop(function () use ($key, $log) {
        $q = msg_get_queue($key);
        $types = [1, 2, 7, 1000, 123456789, PHP_INT_MAX];
        $failed = 0;
        for ($i = 0; $i < N; $i++) {
            if (!msg_send($q, $types[$i % count($types)], "msg-$i", false, true, $err)) {
                $failed++;
            }
        }
        procpool_wait_until(fn () => count(procpool_lines($log)) >= N, 8.0);
        usleep(100000); // time for a (wrong) duplicate delivery to show up
        file_put_contents("$log.producer", "sent " . (N - $failed) . " failed $failed\n");
    });
});
var_dump($pool->start());
echo file_get_contents("$log.producer");
$seen = [];
$pids = [];
$bad = [];
foreach (procpool_lines($log) as $l) {
    [$pid, $msg] = explode(' ', $l, 2);
    $pids[$pid] = ($pids[$pid] ?? 0) + 1;
    if (!preg_match('/^msg-(\d+)$/', $msg, $m)) {
        $bad[] = $msg;
        continue;
    }
    $seen[(int) $m[1]] = ($seen[(int) $m[1]] ?? 0) + 1;
}
echo 'Message calls: ', array_sum($pids), "\n";
echo 'malformed: ', count($bad), "\n";
echo 'distinct ids handled: ', count($seen), "\n";
echo 'missing: ', count(array_diff(range(0, N - 1), array_keys($seen))), "\n";
echo 'handled more than once: ', count(array_filter($seen, fn ($c) => $c > 1)), "\n";
echo 'workers that handled messages: ', count($pids) >= 2 ? 'at least 2' : count($pids), "\n";
echo 'left in the queue: ', msg_stat_queue(msg_get_queue($key))['msg_qnum'], "\n";
procpool_msgkey_remove($key);
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
@unlink($log);
@unlink("$log.producer");
?>
--EXPECT--
NULL
sent 2000 failed 0
Message calls: 2000
malformed: 0
distinct ids handled: 2000
missing: 0
handled more than once: 0
workers that handled messages: at least 2
left in the queue: 0
int(-1)
