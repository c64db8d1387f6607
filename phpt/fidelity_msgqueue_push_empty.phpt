--TEST--
Fidelity (Swoole 6.2): Process::push('') warns "the data to push is empty" and returns false; nothing is queued (push() of 65536 bytes or more: "the data to push is too big")
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
$pool = new Swoole\Process\Pool(1, SWOOLE_IPC_MSGQUEUE, $key);
$pool->on('WorkerStart', function ($pool, $id) {
    $waitForSigterm = procpool_catch_sigterm();
    $p = $pool->getProcess();
    var_dump($p->push(''));
    var_dump($p->push(str_repeat('x', 65536)));
    $pool->shutdown();
    $waitForSigterm();
});
var_dump($pool->start());
echo 'in the queue: ', msg_stat_queue(msg_get_queue($key))['msg_qnum'], "\n";
procpool_msgkey_remove($key);
procpool_deadline_cancel();
?>
--EXPECTF--
Warning: Swoole\Process::push(): the data to push is empty in %s on line %d
bool(false)

Warning: Swoole\Process::push(): the data to push is too big in %s on line %d
bool(false)
NULL
in the queue: 0
