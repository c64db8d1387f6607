--TEST--
SWOOLE_IPC_MSGQUEUE with key 0 (private queue): when the manager is SIGKILLed, its workers run WorkerStop, end within max_wait_time + 1 s and remove the private queue on their way out
--DESCRIPTION--
A pool without a Message callback (so that its process handles use the pool's queue, as in Swoole):
worker 0 push()es one message carrying its pid; worker 1 pop()s it and finds the queue's msqid as the
row of /proc/sysvipc/msg with key 0, lspid = the sender and lrpid = itself (as
msgqueue_private_queue_removed.phpt does) and logs it. Both then wait for their SIGTERM.
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(15);
$log = procpool_tmp('log');
$child = procpool_php_start('<?php
require getenv("UTIL");
$log = getenv("LOG");
$pool = new Swoole\Process\Pool(2, SWOOLE_IPC_MSGQUEUE, 0);
$pool->set(["max_wait_time" => 1]);
$pool->on("WorkerStart", function ($pool, $id) use ($log) {
    $waitForSigterm = procpool_catch_sigterm();
    procpool_log($log, "worker $id " . getmypid());
    if ($id === 0) {
        $pool->getProcess()->push((string) getmypid());
    } else {
        $data = $pool->getProcess()->pop();
        $me = getmypid();
        $rows = array_values(array_filter(procpool_msgqueues(),
            fn ($r) => $r["key"] === 0 && $r["lspid"] === (int) $data && $r["lrpid"] === $me));
        procpool_log($log, "queue " . (count($rows) === 1 ? $rows[0]["msqid"] : "not found (" . count($rows) . " rows)"));
    }
    $waitForSigterm(10);
});
$pool->on("WorkerStop", function ($pool, $id) use ($log) {
    procpool_log($log, "stop $id");
});
$pool->start();
procpool_log($log, "start() returned");
', ['LOG' => $log, 'UTIL' => __DIR__ . '/_util.inc']);
$lines = fn (string $prefix) => array_values(array_filter(procpool_lines($log), fn ($l) => str_starts_with($l, $prefix)));
procpool_wait_until(fn () => count($lines('worker ')) >= 2 && count($lines('queue ')) >= 1, 5.0);
$pids = array_map(fn ($l) => (int) explode(' ', $l)[2], $lines('worker '));
echo count($pids), " workers started, alive: ", count(array_filter($pids, 'procpool_alive')), "\n";
$queue = $lines('queue ')[0] ?? 'queue (no line)';
echo preg_replace('/^queue \d+$/', 'queue N', $queue), "\n";
$msqid = preg_match('/^queue (\d+)$/', $queue, $m) ? (int) $m[1] : -1;
echo "private queue exists before: ", var_export(procpool_msgqueue_by_id($msqid) !== null, true), "\n";
posix_kill($child['pid'], SIGKILL);
$left = procpool_wait_gone($pids, 2.0);
echo "workers alive 2 s after the manager's SIGKILL: ", count($left), "\n";
foreach ($left as $pid) {
    posix_kill($pid, SIGKILL);
}
$exists = procpool_msgqueue_by_id($msqid) !== null;
echo "private queue exists after: ", var_export($exists, true), "\n";
if ($exists) {
    exec('ipcrm -q ' . $msqid);
}
[$out, $err, $how] = procpool_php_finish($child);
echo "manager: $how\n";
$rest = array_filter(procpool_lines($log), fn ($l) => !str_starts_with($l, 'worker ') && !str_starts_with($l, 'queue '));
sort($rest);
echo implode("\n", $rest), "\n";
echo "stdout: ", var_export($out, true), "\nstderr: ", var_export($err, true), "\n";
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
2 workers started, alive: 2
queue N
private queue exists before: true
workers alive 2 s after the manager's SIGKILL: 0
private queue exists after: false
manager: signal 9
stop 0
stop 1
stdout: ''
stderr: ''
