--TEST--
A reload's grace period runs per worker from its own SIGTERM (a deliberate difference from Swoole, which SIGKILLs workers it never asked to stop): MSGQUEUE, 2 workers, max_wait_time 2; worker 0 is in a 3 s message when SIGUSR1 arrives while worker 1 handles 50 ms messages. Worker 0 is SIGKILLed 2 s after its own SIGTERM (its message, held past its grace, is the only loss); worker 1 is asked to stop only afterwards, finishes its message and is replaced: every 50 ms message is handled exactly once
--EXTENSIONS--
procpool
pcntl
posix
sysvmsg
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(20);
$key = procpool_msgkey(1);
$log = procpool_tmp('log');
msg_get_queue($key, 0600);
[$out, $err, $code] = procpool_run_php(<<<'PHP'
<?php
require getenv('UTIL');
$key = (int) getenv('KEY');
$log = getenv('LOG');
const FAST = 120;
$pool = new Swoole\Process\Pool(2, SWOOLE_IPC_MSGQUEUE, $key);
$pool->set(['max_wait_time' => 2]);
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    procpool_log($log, "start $id " . posix_getpid());
    if ($id === 1 && count(preg_grep('/^start 1 /', procpool_lines($log))) === 1) {
        usleep(300000);   // the first worker 1 lets worker 0 take the slow message
    }
});
$pool->on('Message', function ($pool, $data) use ($log) {
    if ($data === 'slow') {
        procpool_log($log, "slow-begin " . $pool->workerId);
        $until = microtime(true) + 3.0;   // busy 3 s (a signal would cut a single usleep short)
        while (microtime(true) < $until) {
            usleep(10000);
        }
        procpool_log($log, "slow-end");
        return;
    }
    $until = microtime(true) + 0.05;
    while (microtime(true) < $until) {
        usleep(5000);
    }
    procpool_log($log, "got $data");
});
$pool->on('Start', function ($pool) use ($key, $log) {
    $master = posix_getpid();
    procpool_client_then_stop(function () use ($key, $log, $master) {
        $q = msg_get_queue($key);
        msg_send($q, 1, 'slow', false);
        procpool_wait_until(fn () => preg_grep('/^slow-begin /', procpool_lines($log)) !== [], 3.0);
        for ($i = 0; $i < FAST; $i++) {
            msg_send($q, 1, "fast-$i", false);
            if ($i === 5) {
                posix_kill($master, SIGUSR1);
            }
            usleep(40000);
        }
        procpool_wait_until(fn () => count(preg_grep('/^got /', procpool_lines($log))) >= FAST, 8.0);
        usleep(100000);
    });
});
var_dump($pool->start());
PHP, 18.0, ['UTIL' => __DIR__ . '/_util.inc', 'KEY' => (string) $key, 'LOG' => $log]);
echo "stdout:\n$out";
$lines = procpool_lines($log);
$got = array_count_values(array_map(fn ($l) => substr($l, 4), preg_grep('/^got /', $lines)));
echo 'slow message taken by worker: ', substr(array_values(preg_grep('/^slow-begin /', $lines))[0] ?? 'none', 11), "\n";
echo 'slow message finished: ', var_export(preg_grep('/^slow-end/', $lines) !== [], true), "\n";
echo 'every fast message exactly once: ', var_export($got == array_fill_keys(array_map(fn ($i) => "fast-$i", range(0, 119)), 1), true), "\n";
echo 'workers started: ', count(preg_grep('/^start /', $lines)), "\n";
$warnings = array_values(array_filter(explode("\n", $err), fn ($l) => str_contains($l, 'WARNING')));
echo 'SIGKILLs: ', count(preg_grep('/sending SIGKILL/', $warnings)), "\n";
echo 'the SIGKILL was for worker 0: ', var_export((bool) preg_grep('/worker#0 .*still running 2s after its SIGTERM \(reload\); sending SIGKILL/', $warnings), true), "\n";
echo "exit code: $code\n";
echo 'left in the queue: ', msg_stat_queue(msg_get_queue($key))['msg_qnum'], "\n";
procpool_msgkey_remove($key);
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
stdout:
NULL
slow message taken by worker: 0
slow message finished: false
every fast message exactly once: true
workers started: 4
SIGKILLs: 1
the SIGKILL was for worker 0: true
exit code: 0
left in the queue: 0
