--TEST--
Process::exec() replaces the worker's process image (WorkerStop does not run); the slot is replaced when the program ends
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
$pool = new Swoole\Process\Pool(1);
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    procpool_log($log, "start $id");
    if (count(procpool_lines($log)) === 1) {
        $r = $pool->getProcess()->exec('/bin/sh', ['-c', 'echo "exec ran as pid $$ with args: $0 $1" >> "$1"', 'sh-arg0', $log]);
        procpool_log($log, "exec returned " . var_export($r, true));
        return;
    }
    $pool->shutdown();
    sleep(5);
});
$pool->on('WorkerStop', function ($pool, $id) use ($log) {
    procpool_log($log, "WorkerStop $id");
});
var_dump($pool->start());
echo str_replace($log, 'LOG', preg_replace('/pid \d+/', 'pid N', implode("\n", procpool_lines($log)))), "\n";
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
NULL
start 0
exec ran as pid N with args: sh-arg0 LOG
start 0
