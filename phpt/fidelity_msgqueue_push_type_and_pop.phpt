--TEST--
Fidelity (Swoole 6.2): a worker's push() tags its message with the handle's message type, worker id + 1 (getProcess($id)->push() from anywhere: $id + 1); a pool worker's pop() takes the next message of any type (Swoole's SW_MSGQUEUE_BALANCE for pool handles), e.g. one a producer sent with type 7
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
$pool = new Swoole\Process\Pool(2, SWOOLE_IPC_MSGQUEUE, $key);
$pool->on('WorkerStart', function ($pool, $id) use ($log, $key) {
    $waitForSigterm = procpool_catch_sigterm();
    if ($id === 1) {
        var_dump($pool->getProcess()->push('from worker 1'));
        var_dump($pool->getProcess(0)->push('for worker 0, pushed by worker 1'));
        procpool_log($log, 'pushed');
    } else {
        procpool_wait_until(fn () => procpool_lines($log) !== [], 3.0);
        $q = msg_get_queue($key);
        $got = [];
        while (msg_receive($q, 0, $type, 1024, $msg, false, MSG_IPC_NOWAIT)) {
            $got[] = "type $type: $msg";
        }
        procpool_log($log, implode("\n", $got));
        msg_send($q, 7, 'a producer message of type 7', false);
        procpool_log($log, 'pop(): ' . $pool->getProcess()->pop());
        $pool->shutdown();
    }
    $waitForSigterm();
});
var_dump($pool->start());
echo implode("\n", array_slice(procpool_lines($log), 1)), "\n";
procpool_msgkey_remove($key);
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
bool(true)
bool(true)
NULL
type 2: from worker 1
type 1: for worker 0, pushed by worker 1
pop(): a producer message of type 7
