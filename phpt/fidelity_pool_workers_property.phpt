--TEST--
Fidelity (Swoole 6.2): $pool->workers is null until getProcess() first succeeds in a process, then an array of the Process handles asked for so far, by worker id (the same objects getProcess() returns); it stays after start() returned
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
$pool = new Swoole\Process\Pool(3);
var_dump($pool->workers);
$pool->on('Start', function ($pool) {
    var_dump($pool->workers);
    @$pool->getProcess(7);
    var_dump($pool->workers);
    $two = $pool->getProcess(2);
    $zero = $pool->getProcess(0);
    echo "in Start: ids ", implode(',', array_keys($pool->workers)), ", same objects: ",
        var_export($pool->workers[2] === $two && $pool->workers[0] === $zero, true), ", class ",
        get_class($pool->workers[0]), "\n";
});
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    $waitForSigterm = procpool_catch_sigterm();
    if ($id === 1) {
        $mine = $pool->getProcess();
        procpool_log($log, "worker 1: ids " . implode(',', array_keys($pool->workers)) . ", own handle: "
            . var_export($pool->workers[1] === $mine, true));
        $pool->shutdown();
    }
    $waitForSigterm();
});
var_dump($pool->start());
echo implode("\n", procpool_lines($log)), "\n";
echo "after start(): ids ", implode(',', array_keys($pool->workers)), "\n";
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
NULL
NULL
NULL
in Start: ids 2,0, same objects: true, class Swoole\Process
NULL
worker 1: ids 2,0,1, own handle: true
after start(): ids 2,0
