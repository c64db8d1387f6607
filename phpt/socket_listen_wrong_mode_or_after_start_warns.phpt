--TEST--
listen() outside SOCKET mode, or once start() was called (in Start, in a worker, after start() returned): warning and false
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
Warning: ProcPool\Pool::listen(): listen() is only available with SWOOLE_IPC_SOCKET in %s on line %d
bool(false)

Warning: ProcPool\Pool::listen(): listen() is only available with SWOOLE_IPC_SOCKET in %s on line %d
bool(false)

Warning: ProcPool\Pool::listen(): listen() is only available with SWOOLE_IPC_SOCKET in %s on line %d
bool(false)
bool(true)
in Start: 
Warning: ProcPool\Pool::listen(): listen() must be called before start() in %s on line %d
bool(false)
NULL
in WorkerStart: false Warning: ProcPool\Pool::listen(): listen() must be called before start() in %s on line %d
after start: 
Warning: ProcPool\Pool::listen(): listen() must be called before start() in %s on line %d
bool(false)
bool(false)
bool(false)
int(-1)
