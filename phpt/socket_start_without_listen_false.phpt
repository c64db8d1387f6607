--TEST--
start() of a SOCKET pool that never called listen() returns false with a line in the pool's log (Swoole's "must first listen to an tcp port", no PHP warning), runs no callback, forks nothing; same after a failed listen()
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(8);
$pool = new Swoole\Process\Pool(2, SWOOLE_IPC_SOCKET);
$pool->on('Start', function () { echo "Start ran\n"; });
$pool->on('WorkerStart', function () { echo "WorkerStart ran\n"; });
$pool->on('Message', function ($pool, $data) {});
$pool->on('Shutdown', function () { echo "Shutdown ran\n"; });
var_dump($pool->start());
var_dump($pool->master_pid, $pool->workerId);
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
echo "--\n";
$pool = new Swoole\Process\Pool(1, SWOOLE_IPC_SOCKET);
$pool->on('Message', function ($pool, $data) {});
var_dump(@$pool->listen('unix:' . procpool_tmp('nodir') . '/a.sock'));
var_dump($pool->start());
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
?>
--EXPECTF--
[%s @%d.0]	WARNING	must first listen to an tcp port
bool(false)
int(-1)
int(-1)
int(-1)
--
[%s @%d.0]	WARNING	listen(unix:%s, 0) failed: %s
bool(false)
[%s @%d.0]	WARNING	must first listen to an tcp port
bool(false)
int(-1)
