--TEST--
shutdown() called in the manager's Start callback returns true and shuts the pool down; start() returns
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(8);
$log = procpool_tmp('log');
$pool = new Swoole\Process\Pool(2);
$pool->on('Start', function ($pool) {
    var_dump($pool->shutdown());
});
$pool->on('Shutdown', function ($pool) {
    echo "Shutdown\n";
});
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    procpool_log($log, "worker $id");
    sleep(5);
});
$t = microtime(true);
var_dump($pool->start());
var_dump(microtime(true) - $t < 3);
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
bool(true)
Shutdown
NULL
bool(true)
int(-1)
