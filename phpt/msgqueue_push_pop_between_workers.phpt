--TEST--
MSGQUEUE without a Message callback: WorkerStart uses $pool->getProcess()->push()/pop() on the pool's queue; a message pushed by one worker is popped by another, whole and binary-safe, in order; a producer's msg_send() reaches pop() too
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
$binary = "\0\x01\xff bin \r\n\0";
$pool = new Swoole\Process\Pool(2, SWOOLE_IPC_MSGQUEUE, $key);
$pool->on('WorkerStart', function ($pool, $id) use ($log, $key, $binary) {
    $waitForSigterm = procpool_catch_sigterm();
    $p = $pool->getProcess();
    if ($id === 0) {
        // the producer: push three messages, then wait for the end
        procpool_wait_until(fn () => in_array('popper ready', procpool_lines($log), true));
        procpool_log($log, 'push 1: ' . var_export($p->push('hello from worker 0'), true));
        procpool_log($log, 'push 2: ' . var_export($p->push($binary), true));
        procpool_log($log, 'push 3: ' . var_export($p->push(str_repeat('z', 5000)), true));
        $waitForSigterm();
        return;
    }
    // worker 1: the consumer
    procpool_log($log, 'popper ready');
    $a = $p->pop();
    $b = $p->pop();
    $c = $p->pop();
    msg_send(msg_get_queue($key), 42, 'from msg_send', false);
    $d = $p->pop();
    procpool_log($log, 'pop 1: ' . var_export($a, true));
    procpool_log($log, 'pop 2 is the binary message: ' . var_export($b === $binary, true));
    procpool_log($log, 'pop 3: ' . strlen($c) . ' bytes, all z: ' . var_export($c === str_repeat('z', 5000), true));
    procpool_log($log, 'pop 4: ' . var_export($d, true));
    procpool_log($log, 'finished');
    $pool->shutdown();
    $waitForSigterm();
});
var_dump($pool->start());
$lines = procpool_lines($log);
$pushes = preg_grep('/^push /', $lines);
sort($pushes);
echo implode("\n", $pushes), "\n";
echo implode("\n", preg_grep('/^pop /', $lines)), "\n";
echo 'left in the queue: ', msg_stat_queue(msg_get_queue($key))['msg_qnum'], "\n";
procpool_msgkey_remove($key);
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
NULL
push 1: true
push 2: true
push 3: true
pop 1: 'hello from worker 0'
pop 2 is the binary message: true
pop 3: 5000 bytes, all z: true
pop 4: 'from msg_send'
left in the queue: 0
int(-1)
