--TEST--
Callbacks type-hinted with Swoole\Process\Pool (as Swoole scripts write them) are accepted and called
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
declare(strict_types=1);
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(8);
$log = procpool_tmp('log');
$pool = new Swoole\Process\Pool(1);
$pool->on('Start', function (Swoole\Process\Pool $pool): void {
    echo "Start: ", get_class($pool), "\n";
});
$pool->on('WorkerStart', function (Swoole\Process\Pool $pool, int $workerId) use ($log): void {
    $p = $pool->getProcess();
    $check = fn (Swoole\Process $p): int => $p->id;
    procpool_log($log, "WorkerStart $workerId, process id " . $check($p));
    $pool->shutdown();
    sleep(5);
});
$pool->on('Shutdown', function (Swoole\Process\Pool $pool): void {
    echo "Shutdown\n";
});
var_dump($pool->start());
echo implode("\n", procpool_lines($log)), "\n";
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
Start: Swoole\Process\Pool
Shutdown
NULL
WorkerStart 0, process id 0
