--TEST--
start() of a SWOOLE_IPC_NONE pool without a WorkerStart callback is a fatal error
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
procpool_deadline(8);
$pool = new Swoole\Process\Pool(1);
$pool->on('Start', function () { echo "Start ran\n"; });
$pool->start();
echo "not reached\n";
?>
--EXPECTF--
Fatal error: Swoole\Process\Pool::start(): require onWorkerStart callback in %s on line %d
