--TEST--
Fidelity (Swoole 6.2): a SOCKET pool started again after start() returned serves on the listening socket of its first listen(), which stays open between the runs (a connection made between them is answered by the second run); the socket and its unix file go with the pool object
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(12);
$log = procpool_tmp('log');
$path = procpool_sock_path();
$pool = new Swoole\Process\Pool(1, SWOOLE_IPC_SOCKET);
var_dump($pool->listen("unix:$path"));
$run = 0;
$pool->on('Message', function ($pool, $data) use (&$run) {
    $pool->write("run $run: $data");
});
$pool->on('Start', function ($pool) use ($path, $log, &$run) {
    $run++;
    procpool_client_then_stop(function () use ($path, $log, $run) {
        procpool_log($log, procpool_call("unix://$path", "hello $run"));
    });
});
var_dump($pool->start());
// between the runs: the socket still accepts (the connection waits in the backlog)
clearstatcache();
var_dump(filetype($path));
$early = procpool_connect("unix://$path");
procpool_send_all($early, procpool_frame('sent between the runs'));
var_dump($pool->start());
procpool_log($log, procpool_describe(procpool_read_all($early)));
fclose($early);
echo implode("\n", procpool_lines($log)), "\n";
unset($pool);
clearstatcache();
var_dump(file_exists($path));
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
bool(true)
NULL
string(6) "socket"
NULL
reply run 1: hello 1
reply run 2: hello 2
reply run 2: sent between the runs
bool(false)
int(-1)
