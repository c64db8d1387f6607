--TEST--
MSGQUEUE: rolling reloads (SIGUSR1, SIGUSR2, SIGUSR1) while 2000 messages flow lose nothing: every message is handled exactly once, every worker is replaced by each reload, no abnormal exit
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
$key = procpool_msgkey(1);
$log = procpool_tmp('log');
[$out, $err, $code] = procpool_run_php(<<<'PHP'
<?php
require getenv('UTIL');
$key = (int) getenv('KEY');
$log = getenv('LOG');
const N = 2000;
$pool = new Swoole\Process\Pool(3, SWOOLE_IPC_MSGQUEUE, $key);
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    procpool_log($log, "start $id " . posix_getpid());
});
$pool->on('WorkerStop', function ($pool, $id) use ($log) {
    procpool_log($log, "stop $id " . posix_getpid());
});
$pool->on('Message', function ($pool, $data) use ($log) {
    usleep(300);
    procpool_log($log, "got $data");
});
$pool->on('Start', function ($pool) use ($key, $log) {
    $master = posix_getpid();
    procpool_client_then_stop(function () use ($key, $log, $master) {
        $q = msg_get_queue($key);
        $starts = fn () => count(preg_grep('/^start /', procpool_lines($log)));
        $reloads = [400 => SIGUSR1, 1000 => SIGUSR2, 1600 => SIGUSR1];
        $done = 0;
        for ($i = 0; $i < N; $i++) {
            msg_send($q, 1 + $i % 5, "msg-$i", false);
            if (isset($reloads[$i])) {
                posix_kill($master, $reloads[$i]);
                $done++;
                // the next reload only once this one replaced every worker (one asked for meanwhile is ignored)
                $want = 3 + 3 * $done;
                procpool_wait_until(fn () => $starts() >= $want, 3.0);
            }
        }
        procpool_wait_until(fn () => count(preg_grep('/^got /', procpool_lines($log))) >= N, 5.0);
        usleep(100000);
    });
});
var_dump($pool->start());
PHP, 12.0, ['UTIL' => __DIR__ . '/_util.inc', 'KEY' => (string) $key, 'LOG' => $log]);
echo "stdout:\n$out";
$lines = procpool_lines($log);
$seen = array_count_values(array_map(fn ($l) => substr($l, 4), preg_grep('/^got /', $lines)));
echo 'handled: ', array_sum($seen), "\n";
echo 'each message exactly once: ', var_export($seen == array_fill_keys(array_map(fn ($i) => "msg-$i", range(0, 1999)), 1), true), "\n";
echo 'workers started: ', count(preg_grep('/^start /', $lines)), "\n";
echo 'WorkerStop runs: ', count(preg_grep('/^stop /', $lines)), "\n";
echo "stderr:\n$err";
echo "exit code: $code\n";
echo 'left in the queue: ', msg_stat_queue(msg_get_queue($key))['msg_qnum'], "\n";
procpool_msgkey_remove($key);
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
stdout:
NULL
handled: 2000
each message exactly once: true
workers started: 12
WorkerStop runs: 12
stderr:
exit code: 0
left in the queue: 0
