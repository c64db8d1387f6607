--TEST--
listen() outside SOCKET mode, or while the pool runs (in Start, in a worker): warning and false; after start() returned the pool can be configured again (as Swoole's), and a listen() then keeps the pool's socket (true, nothing new is bound)
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(10);
foreach ([SWOOLE_IPC_NONE, SWOOLE_IPC_UNIXSOCK, SWOOLE_IPC_MSGQUEUE] as $mode) {
    $p = new Swoole\Process\Pool(1, $mode);
    var_dump($p->listen('127.0.0.1', procpool_free_port()));
    unset($p);
}
$log = procpool_tmp('log');
$path = procpool_sock_path();
$late = procpool_sock_path();
$pool = new Swoole\Process\Pool(1, SWOOLE_IPC_SOCKET);
var_dump($pool->listen("unix:$path"));
$pool->on('Start', function ($pool) use ($late, $log) {
    echo "in Start: ";
    var_dump($pool->listen("unix:$late"));
});
$pool->on('WorkerStart', function ($pool, $id) use ($late, $log) {
    ob_start();
    $r = $pool->listen("unix:$late");
    procpool_log($log, 'in WorkerStart: ' . var_export($r, true) . ' ' . trim(strip_tags(ob_get_clean())));
    $pool->shutdown();
});
$pool->on('Message', function ($pool, $data) {});
var_dump($pool->start());
echo implode("\n", procpool_lines($log)), "\n";
echo "after start: ";
var_dump($pool->listen("unix:$late"));
var_dump(file_exists($late), file_exists($path));
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECTF--
Warning: Swoole\Process\Pool::listen(): listen() is only available with SWOOLE_IPC_SOCKET in %s on line %d
bool(false)

Warning: Swoole\Process\Pool::listen(): listen() is only available with SWOOLE_IPC_SOCKET in %s on line %d
bool(false)

Warning: Swoole\Process\Pool::listen(): listen() is only available with SWOOLE_IPC_SOCKET in %s on line %d
bool(false)
bool(true)
in Start: 
Warning: Swoole\Process\Pool::listen(): listen() must be called before start() in %s on line %d
bool(false)
NULL
in WorkerStart: false Warning: Swoole\Process\Pool::listen(): listen() must be called before start() in %s on line %d
after start: bool(true)
bool(false)
bool(true)
int(-1)
