--TEST--
getProcess() after start() returned gives false with no warning, even for a bad id
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
procpool_deadline(8);
$pool = new Swoole\Process\Pool(2);
$pool->on('WorkerStart', function ($pool, $id) {
    $pool->shutdown();
    sleep(5);
});
var_dump($pool->start());
var_dump($pool->getProcess(), $pool->getProcess(0), $pool->getProcess(1), $pool->getProcess(2), $pool->getProcess(99));
procpool_deadline_cancel();
?>
--EXPECT--
NULL
bool(false)
bool(false)
bool(false)
bool(false)
bool(false)
