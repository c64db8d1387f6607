--TEST--
getProcess($id) returns the same cached object for the same id ($a === $b), in the manager and in a worker
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
    $a = $pool->getProcess(1);
    $b = $pool->getProcess(1);
    var_dump($a === $b, $a !== $pool->getProcess(0), $a->id);
});
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    if ($id === 1) {
        $a = $pool->getProcess(0);
        $b = $pool->getProcess(0);
        procpool_log($log, sprintf("worker: same=%d id=%d", $a === $b, $b->id));
        $pool->shutdown();
    }
    sleep(5);
});
var_dump($pool->start());
echo implode("\n", procpool_lines($log)), "\n";
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
bool(true)
bool(true)
int(1)
NULL
worker: same=1 id=0
