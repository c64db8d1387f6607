--TEST--
MSGQUEUE: 3000 messages while a helper SIGKILLs a random worker 5 times: no message is handled twice, and at most one message per SIGKILL (the one in hand) is missing; every killed worker is replaced and logged once
--DESCRIPTION--
The Message callback's only action is one atomic log append (LOCK_EX), so a message counts as handled when
its line is in the log. A worker SIGKILLed after msgrcv() took a message and before the line was written
loses that message: at most one per SIGKILL. The pool runs in a subprocess so that its stderr (one warning per
killed worker, nothing else) is checked apart from its stdout.
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
const N = 3000;
const KILLS = 5;
$pool = new Swoole\Process\Pool(3, SWOOLE_IPC_MSGQUEUE, $key);
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    procpool_log($log, "start $id " . posix_getpid());
});
$pool->on('Message', function ($pool, $data) use ($log) {
    procpool_log($log, "got $data");
    usleep(300);
});
$pool->on('Start', function ($pool) use ($key, $log) {
    procpool_client_then_stop(function () use ($key, $log) {
        $q = msg_get_queue($key);
        $latest = function () use ($log) {
            $pids = [];
            foreach (procpool_lines($log) as $l) {
                if (preg_match('/^start (\d+) (\d+)$/', $l, $m)) {
                    $pids[(int) $m[1]] = (int) $m[2];
                }
            }
            return $pids;
        };
        procpool_wait_until(fn () => count($latest()) === 3);
        $kills = 0;
        // random victims, but no id more than twice: three quick deaths of one slot would trip the
        // crash-loop protection (a back-off and one more warning), which is not what this test is about
        $ids = [0, 1, 2];
        shuffle($ids);
        $more = [0, 1, 2];
        shuffle($more);
        $victims = array_merge($ids, array_slice($more, 0, 2));
        for ($i = 0; $i < N; $i++) {
            msg_send($q, 1 + $i % 4, "msg-$i", false);
            if ($i % 500 === 250 && $kills < KILLS) {
                $id = $victims[$kills];
                $pid = $latest()[$id];
                procpool_log($log, "kill $id $pid");
                posix_kill($pid, SIGKILL);
                $kills++;
                procpool_wait_until(fn () => ($latest()[$id] ?? 0) !== $pid);
            }
        }
        $handled = fn () => count(preg_grep('/^got /', procpool_lines($log)));
        // the queue drained, then give the last messages in hand time to be logged (a lost one never is)
        procpool_wait_until(fn () => msg_stat_queue($q)['msg_qnum'] === 0, 5.0);
        procpool_wait_until(fn () => $handled() >= N, 0.5);
        usleep(100000);
    });
});
var_dump($pool->start());
PHP, 12.0, ['UTIL' => __DIR__ . '/_util.inc', 'KEY' => (string) $key, 'LOG' => $log]);
echo "stdout:\n$out";
$lines = procpool_lines($log);
$kills = preg_grep('/^kill /', $lines);
$seen = [];
foreach (preg_grep('/^got /', $lines) as $l) {
    $seen[substr($l, 4)] = ($seen[substr($l, 4)] ?? 0) + 1;
}
$missing = 3000 - count($seen);
echo 'SIGKILLs: ', count($kills), "\n";
echo 'handled more than once: ', count(array_filter($seen, fn ($c) => $c > 1)), "\n";
echo 'unknown messages: ', count(array_diff(array_keys($seen), array_map(fn ($i) => "msg-$i", range(0, 2999)))), "\n";
echo "missing: $missing\n";
echo 'missing at most one per SIGKILL: ', var_export($missing >= 0 && $missing <= count($kills), true), "\n";
echo 'workers started: ', count(preg_grep('/^start /', $lines)), "\n";
$killedPids = array_map(fn ($l) => (int) explode(' ', $l)[2], $kills);
$warned = [];
$other = [];
foreach (explode("\n", trim($err)) as $l) {
    if (preg_match('/WARNING\tworker#\d \(pid (\d+)\) abnormal exit, status=0, signal=9 \(SIGKILL\)$/', $l, $m)) {
        $warned[] = (int) $m[1];
    } elseif ($l !== '') {
        $other[] = $l;
    }
}
sort($warned);
sort($killedPids);
echo 'one SIGKILL warning per killed worker: ', var_export($warned === $killedPids, true), "\n";
echo "other stderr:\n", implode("\n", $other), "\n";
echo "exit code: $code\n";
echo 'left in the queue: ', msg_stat_queue(msg_get_queue($key))['msg_qnum'], "\n";
procpool_msgkey_remove($key);
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECTF--
stdout:
NULL
SIGKILLs: 5
handled more than once: 0
unknown messages: 0
missing: %d
missing at most one per SIGKILL: true
workers started: 8
one SIGKILL warning per killed worker: true
other stderr:

exit code: 0
left in the queue: 0
