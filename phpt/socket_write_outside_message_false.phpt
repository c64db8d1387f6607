--TEST--
SOCKET: write() outside Message (WorkerStart, WorkerStop, Start, Shutdown, after start() returned) returns false without a warning; in a non-SOCKET pool it warns
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
$path = procpool_sock_path();
set_error_handler(function ($no, $str) use ($log) {
    procpool_log($log, "diagnostic: $str");
    return true;
});
$pool = new Swoole\Process\Pool(1, SWOOLE_IPC_SOCKET);
var_dump($pool->listen("unix:$path"));
echo "before start: ", var_export($pool->write('x'), true), "\n";
$pool->on('Start', function ($pool) use ($log, $path) {
    procpool_log($log, 'Start: ' . var_export($pool->write('x'), true));
    procpool_client_then_stop(function () use ($path, $log) {
        procpool_log($log, 'client: ' . procpool_call("unix://$path", 'req'));
        usleep(100000);
    });
});
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    procpool_log($log, 'WorkerStart: ' . var_export($pool->write('x'), true));
});
$pool->on('Message', function ($pool, $data) use ($log) {
    procpool_log($log, 'Message: ' . var_export($pool->write("re:$data"), true));
});
$pool->on('WorkerStop', function ($pool, $id) use ($log) {
    procpool_log($log, 'WorkerStop: ' . var_export($pool->write('x'), true));
});
$pool->on('Shutdown', function ($pool) use ($log) {
    procpool_log($log, 'Shutdown: ' . var_export($pool->write('x'), true));
});
var_dump($pool->start());
echo "after start: ", var_export($pool->write('x'), true), "\n";
$lines = procpool_lines($log);
echo implode("\n", $lines), "\n";
restore_error_handler();
$other = new Swoole\Process\Pool(1, SWOOLE_IPC_UNIXSOCK);
var_dump($other->write('x'));
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECTF--
bool(true)
before start: false
NULL
after start: false
Start: false
WorkerStart: false
Message: true
client: reply re:req
Shutdown: false
WorkerStop: false

Warning: Swoole\Process\Pool::write(): write() is only available with SWOOLE_IPC_SOCKET in %s on line %d
bool(false)
int(-1)
