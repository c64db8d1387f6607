--TEST--
MSGQUEUE push/pop mode: a WorkerStart loop `while (($m = $p->pop()) !== false)` ends on SIGTERM even when the SIGTERM arrives while the worker handles a popped message (not in msgrcv): the next pop() returns false at once, WorkerStop runs, the worker exits 0, no SIGKILL after max_wait_time
--DESCRIPTION--
docs/behaviour.md: a worker in a message mode handles SIGTERM itself, finishes the message in hand, leaves its loop,
runs WorkerStop and exits 0. In push/pop mode the loop is the script's; the only way it can see the stop is
pop() returning false. A pop() that starts after the worker's SIGTERM (or right before it, as with the
pool's own msgrcv loop, which the manager re-signals) must not block until max_wait_time.
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
[$out, $err, $code] = procpool_run_php(<<<'PHP'
<?php
require getenv('UTIL');
$key = (int) getenv('KEY');
$log = getenv('LOG');
$pool = new Swoole\Process\Pool(1, SWOOLE_IPC_MSGQUEUE, $key);
$pool->set(['max_wait_time' => 3]);
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    $p = $pool->getProcess();
    while (($m = $p->pop()) !== false) {
        procpool_log($log, "got $m");
        $pool->shutdown();
        // the manager's SIGTERM arrives while this message is being handled
        $t = microtime(true);
        while (microtime(true) - $t < 0.3) {
            usleep(10000);
        }
        procpool_log($log, "done $m");
    }
    procpool_log($log, 'pop returned false');
});
$pool->on('WorkerStop', function ($pool, $id) use ($log) {
    procpool_log($log, 'WorkerStop');
});
$pool->on('Start', function ($pool) use ($key) {
    msg_send(msg_get_queue($key), 1, 'job', false);
});
$t = microtime(true);
var_dump($pool->start());
echo 'start() returned within 1.5 s: ', var_export(microtime(true) - $t < 1.5, true), "\n";
PHP, 8.0, ['UTIL' => __DIR__ . '/_util.inc', 'KEY' => (string) $key, 'LOG' => $log]);
echo "stdout:\n$out";
echo implode("\n", procpool_lines($log)), "\n";
echo "stderr:\n$err";
echo "exit code: $code\n";
procpool_msgkey_remove($key);
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
stdout:
NULL
start() returned within 1.5 s: true
got job
done job
pop returned false
WorkerStop
stderr:
exit code: 0
