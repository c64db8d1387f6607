--TEST--
UNIXSOCK: getProcess($id)->pipe is this process's end for worker $id (an int fd); write() sends one raw datagram and returns the byte count (from the manager and from a worker), read() in worker $id receives them in order (cut to $size); a pool with WorkerStart and no Message is allowed; with enable_message_bus, write()/read() are disabled with a clear warning
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
$pool = new Swoole\Process\Pool(2, SWOOLE_IPC_UNIXSOCK);
$pool->on('Start', function ($pool) {
    $p = $pool->getProcess(0);
    echo get_class($p), ' id ', $p->id, ', pipe is int: ', var_export(is_int($p->pipe) && $p->pipe > 2, true),
        ', differs from worker 1: ', var_export($p->pipe !== $pool->getProcess(1)->pipe, true), "\n";
    var_dump($p->write('from the manager'));
    var_dump($p->write('a long datagram'));
});
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    $wait = procpool_catch_sigterm();
    if ($id === 1) {
        $n = $pool->getProcess(0)->write("from worker 1\0binary");
        procpool_log($log, "worker 1: write returned " . var_export($n, true));
    } else {
        $me = $pool->getProcess(0);
        $got = [var_export($me->read(), true), var_export($me->read(6), true), var_export($me->read(), true)];
        procpool_log($log, 'worker 0: pipe is int: ' . var_export(is_int($me->pipe), true) . ', read: ' . implode(', ', $got));
        $pool->shutdown();
    }
    $wait(5.0);
});
var_dump($pool->start());
$lines = procpool_lines($log);
sort($lines);
echo str_replace("\0", '\0', implode("\n", $lines)), "\n";

echo "with the message bus:\n";
$pool = new Swoole\Process\Pool(1, SWOOLE_IPC_UNIXSOCK);
$pool->set(['enable_message_bus' => true]);
$pool->on('Start', function ($pool) {
    $p = $pool->getProcess(0);
    var_dump(is_int($p->pipe));
    var_dump($p->write('x'));
    var_dump($p->read());
    var_dump($p->exportSocket()->send('x'));
    $pool->shutdown();
});
$pool->on('Message', function ($pool, $data) {
});
var_dump($pool->start());
@unlink($log);
procpool_deadline_cancel();
?>
--EXPECTF--
%s\Process id 0, pipe is int: true, differs from worker 1: true
int(16)
int(15)
NULL
worker 0: pipe is int: true, read: 'from the manager', 'a long', 'from worker 1' . "\0" . 'binary'
worker 1: write returned 20
with the message bus:
bool(true)

Warning: %s::write(): write() failed: raw datagrams are disabled while enable_message_bus is on; use sendMessage() in %s on line %d
bool(false)

Warning: %s::read(): read() failed: raw datagrams are disabled while enable_message_bus is on; use sendMessage() in %s on line %d
bool(false)

Warning: %s::send(): send() failed: raw datagrams are disabled while enable_message_bus is on; use sendMessage() in %s on line %d
bool(false)
NULL
