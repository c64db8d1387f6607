--TEST--
start() blocks until the pool shut down and returns NULL after a normal run
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
    if ($id === 1) {
        usleep(100000);
        $pool->shutdown();
    }
    sleep(5);
});
$r = $pool->start();
var_dump($r);
echo "after start\n";
procpool_deadline_cancel();
?>
--EXPECT--
NULL
after start
