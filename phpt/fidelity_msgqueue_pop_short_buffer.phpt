--TEST--
Fidelity (Swoole 6.2): Process::pop($size) with a buffer shorter than the next message returns false and leaves that message in the queue, whole (Swoole's msgrcv() failure goes to the log, E2BIG); a pop() with room takes it, nothing lost
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
msg_send(msg_get_queue($key, 0600), 1, 'a message of 27 bytes......', false);
$pool = new Swoole\Process\Pool(1, SWOOLE_IPC_MSGQUEUE, $key);
$pool->on('WorkerStart', function ($pool, $id) use ($log, $key) {
    $waitForSigterm = procpool_catch_sigterm();
    $p = $pool->getProcess();
    $short = $p->pop(10);
    $left = msg_stat_queue(msg_get_queue($key))['msg_qnum'];
    $whole = $p->pop(27);
    procpool_log($log, 'pop(10): ' . var_export($short, true) . ", messages left in the queue: $left");
    procpool_log($log, 'pop(27): ' . var_export($whole, true));
    $pool->shutdown();
    $waitForSigterm();
});
var_dump($pool->start());
echo implode("\n", procpool_lines($log)), "\n";
echo 'left in the queue: ', msg_stat_queue(msg_get_queue($key))['msg_qnum'], "\n";
procpool_msgkey_remove($key);
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECTF--
[%s *%d.0]	WARNING	msgrcv(%d, 10, 0) failed, Error: Argument list too long[7]
NULL
pop(10): false, messages left in the queue: 1
pop(27): 'a message of 27 bytes......'
left in the queue: 0
