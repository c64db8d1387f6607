--TEST--
Process::push()/pop() as Swoole's: pop($size) with a buffer shorter than the next message returns false (a line in the pool's log) and leaves the message in the queue, whole; pop(0) means 65536; push('') and push() of 65536 bytes or more warn and return false; push() above the kernel's msgmax returns false with a log line; in a pool whose handles have no queue (IPC_NONE, SOCKET) push() and pop() warn "no msgqueue" and return false
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
    var_dump($p->pop(4));
    var_dump($p->pop(), $p->pop());
    var_dump($p->push('0123456789'));
    var_dump($p->pop(0));
    var_dump($p->push(''));
    echo "push of 65536 bytes:\n";
    var_dump($p->push(str_repeat('x', 65536)));
    // the kernel refuses a message above msgmax (8192 by default) even inside the 65535-byte limit
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
[%s *%d.0]	WARNING	msgrcv(%d, 4, 0) failed, Error: Argument list too long[7]
bool(false)
string(10) "abcdefghij"
string(4) "next"
bool(true)
string(10) "0123456789"

Warning: Swoole\Process::push(): the data to push is empty in %s on line %d
bool(false)
push of 65536 bytes:

Warning: Swoole\Process::push(): the data to push is too big in %s on line %d
bool(false)
push of msgmax+1 bytes:
[%s *%d.0]	WARNING	msgsnd(%d, %d, 1) failed, Error: Invalid argument[22]
bool(false)
NULL
left in the queue: 0
-- IPC_NONE pool

Warning: Swoole\Process::push(): no msgqueue, cannot use push() in %s on line %d
bool(false)

Warning: Swoole\Process::pop(): no msgqueue, cannot use pop() in %s on line %d
bool(false)
NULL
-- SOCKET pool

Warning: Swoole\Process::push(): no msgqueue, cannot use push() in %s on line %d
bool(false)

Warning: Swoole\Process::pop(): no msgqueue, cannot use pop() in %s on line %d
bool(false)
NULL
int(-1)
