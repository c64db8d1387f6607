--TEST--
MSGQUEUE with key 0: a private (IPC_PRIVATE) queue, owner-only (0600), used by the workers (push/pop), removed when the pool ends
--DESCRIPTION--
The queue is identified by its msqid: a worker push()es one message and pop()s it, so the row of
/proc/sysvipc/msg with key 0 whose lspid and lrpid are that worker's pid is the pool's queue (other tests
running in parallel may have private queues of their own).
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
$pool = new Swoole\Process\Pool(1, SWOOLE_IPC_MSGQUEUE, 0);
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    $p = $pool->getProcess();
    $pushed = $p->push("ping from $id");
    $popped = $p->pop();
    $me = posix_getpid();
    $rows = array_values(array_filter(procpool_msgqueues(),
        fn ($r) => $r['key'] === 0 && $r['lspid'] === $me && $r['lrpid'] === $me));
    procpool_log($log, sprintf('push=%s pop=%s rows=%d msqid=%d mode=%04o qnum=%d', var_export($pushed, true),
        var_export($popped, true), count($rows), $rows[0]['msqid'] ?? -1, ($rows[0]['perms'] ?? 0) & 0777, $rows[0]['qnum'] ?? -1));
    $pool->shutdown();
});
var_dump($pool->start());
$line = procpool_lines($log)[0] ?? '(no line)';
echo preg_replace('/msqid=\d+/', 'msqid=N', $line), "\n";
preg_match('/msqid=(-?\d+)/', $line, $m);
$msqid = (int) ($m[1] ?? -1);
echo 'the private queue still exists after start() returned: ', var_export(procpool_msgqueue_by_id($msqid) !== null, true), "\n";
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
NULL
push=true pop='ping from 0' rows=1 msqid=N mode=0600 qnum=0
the private queue still exists after start() returned: false
int(-1)
