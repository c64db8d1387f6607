--TEST--
Process::push()/pop(): pop($size) cuts the message to $size bytes (the rest of that message is dropped, the next one is intact); push() of more than 65536 bytes warns and returns false; push() above the kernel's msgmax warns and returns false; in a non-MSGQUEUE pool (IPC_NONE, SOCKET) push() and pop() warn and return false
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
$max = procpool_sysctl_int('msgmax');
echo "-- MSGQUEUE pool\n";
$pool = new Swoole\Process\Pool(1, SWOOLE_IPC_MSGQUEUE, $key);
$pool->on('WorkerStart', function ($pool, $id) use ($max) {
    $waitForSigterm = procpool_catch_sigterm();
    $p = $pool->getProcess();
    var_dump($p->push('abcdefghij'), $p->push('next'));
    var_dump($p->pop(4), $p->pop());
    var_dump($p->push('0123456789'));
    var_dump($p->pop(0));
    echo "push of 65537 bytes:\n";
    var_dump($p->push(str_repeat('x', 65537)));
    // the kernel refuses a message above msgmax (8192 by default) even inside procpool's own limit
    echo "push of msgmax+1 bytes:\n";
    var_dump($p->push(str_repeat('x', $max + 1)));
    $pool->shutdown();
    $waitForSigterm();
});
var_dump($pool->start());
echo 'left in the queue: ', msg_stat_queue(msg_get_queue($key))['msg_qnum'], "\n";
procpool_msgkey_remove($key);

foreach (['IPC_NONE' => SWOOLE_IPC_NONE, 'SOCKET' => SWOOLE_IPC_SOCKET] as $name => $mode) {
    echo "-- $name pool\n";
    $path = procpool_sock_path();
    $pool = new Swoole\Process\Pool(1, $mode);
    if ($mode === SWOOLE_IPC_SOCKET) {
        $pool->listen("unix:$path");
        $pool->on('Message', function ($pool, $data) {});
    }
    $pool->on('WorkerStart', function ($pool, $id) use ($mode) {
        // IPC_NONE: wait for the shutdown here; SOCKET: the worker's message loop handles the SIGTERM
        $waitForSigterm = $mode === SWOOLE_IPC_NONE ? procpool_catch_sigterm() : fn () => true;
        $p = $pool->getProcess();
        var_dump($p->push('x'));
        var_dump($p->pop());
        $pool->shutdown();
        $waitForSigterm();
    });
    var_dump($pool->start());
}
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
?>
--EXPECTF--
-- MSGQUEUE pool
bool(true)
bool(true)
string(4) "abcd"
string(4) "next"
bool(true)
string(0) ""
push of 65537 bytes:

Warning: ProcPool\Process::push(): push() failed: message of 65537 bytes is larger than the 65536-byte limit of SWOOLE_IPC_MSGQUEUE in %s on line %d
bool(false)
push of msgmax+1 bytes:

Warning: ProcPool\Process::push(): push() failed: %s in %s on line %d
bool(false)
NULL
left in the queue: 0
-- IPC_NONE pool

Warning: ProcPool\Process::push(): push() failed: no SWOOLE_IPC_MSGQUEUE pool is running in %s on line %d
bool(false)

Warning: ProcPool\Process::pop(): pop() failed: no SWOOLE_IPC_MSGQUEUE pool is running in %s on line %d
bool(false)
NULL
-- SOCKET pool

Warning: ProcPool\Process::push(): push() failed: no SWOOLE_IPC_MSGQUEUE pool is running in %s on line %d
bool(false)

Warning: ProcPool\Process::pop(): pop() failed: no SWOOLE_IPC_MSGQUEUE pool is running in %s on line %d
bool(false)
NULL
int(-1)
