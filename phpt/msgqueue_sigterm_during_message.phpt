--TEST--
MSGQUEUE: SIGTERM to the manager while a worker runs Message: the worker finishes the message in hand (300 ms more of work after the SIGTERM), then runs WorkerStop and exits 0; the idle worker stops at once; no warning on stderr; a message queued meanwhile stays in the queue
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
$pool = new Swoole\Process\Pool(2, SWOOLE_IPC_MSGQUEUE, $key);
$pool->on('Shutdown', function ($pool) use ($log) {
    procpool_log($log, 'manager: Shutdown');
});
$pool->on('Message', function ($pool, $data) use ($log, $key) {
    procpool_log($log, "busy worker: Message got $data");
    posix_kill($pool->master_pid, SIGTERM);
    // wait until the manager has sent SIGTERM to the workers, then work 300 ms more
    procpool_wait_until(fn () => in_array('manager: Shutdown', procpool_lines($log), true), 3.0);
    usleep(50000);
    msg_send(msg_get_queue($key), 1, 'late', false);
    $t = microtime(true);
    while (microtime(true) - $t < 0.3) {
        usleep(10000); // interrupted by SIGTERM: the loop keeps the full 300 ms
    }
    procpool_log($log, "busy worker: done $data");
});
$pool->on('WorkerStop', function ($pool, $id) use ($log) {
    procpool_log($log, 'WorkerStop ' . posix_getpid());
});
$pool->on('Start', function ($pool) use ($key) {
    msg_send(msg_get_queue($key), 1, 'job', false);
});
var_dump($pool->start());
PHP, 8.0, ['UTIL' => __DIR__ . '/_util.inc', 'KEY' => (string) $key, 'LOG' => $log]);
echo "stdout:\n$out";
$lines = procpool_lines($log);
// the busy worker's WorkerStop comes after its "done"; the idle worker's before it
$done = array_search('busy worker: done job', $lines, true);
$stops = array_keys(preg_grep('/^WorkerStop /', $lines));
echo implode("\n", array_slice($lines, 0, 2)), "\n";
echo 'WorkerStop runs: ', count($stops), "\n";
echo 'one WorkerStop before "done" (the idle worker), one after (the busy worker): ',
    var_export($done !== false && count($stops) === 2 && $stops[0] < $done && $stops[1] > $done, true), "\n";
echo "stderr:\n$err";
echo "exit code: $code\n";
$q = msg_get_queue($key);
echo 'left in the queue: ', msg_stat_queue($q)['msg_qnum'], "\n";
var_dump(msg_receive($q, 0, $type, 100, $msg, false, MSG_IPC_NOWAIT), $msg);
procpool_msgkey_remove($key);
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
stdout:
NULL
busy worker: Message got job
manager: Shutdown
WorkerStop runs: 2
one WorkerStop before "done" (the idle worker), one after (the busy worker): true
stderr:
exit code: 0
left in the queue: 1
bool(true)
string(4) "late"
