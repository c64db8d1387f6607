--TEST--
A Process object's pid is refreshed after its slot respawned: another worker sees the replacement's pid on the same object
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
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    if ($id === 0) {
        procpool_log($log, "zero " . getmypid());
        if (count(procpool_lines($log)) === 1) {
            usleep(200000);
            return;     // the first worker 0 ends; its replacement gets a new pid
        }
        sleep(5);
    }
    $zeros = fn () => array_values(array_filter(procpool_lines($log), fn ($l) => str_starts_with($l, 'zero ')));
    procpool_wait_until(fn () => count($zeros()) >= 1);
    $p = $pool->getProcess(0);
    $first = (int) substr($zeros()[0], 5);
    $seenFirst = $p->pid;
    procpool_wait_until(fn () => count($zeros()) >= 2);
    $second = (int) substr($zeros()[1], 5);
    procpool_wait_until(fn () => $p->pid === $second);
    procpool_log($log, sprintf("first_ok=%d second_ok=%d differ=%d same_object=%d",
        $seenFirst === $first, $p->pid === $second, $first !== $second, $p === $pool->getProcess(0)));
    $pool->shutdown();
    sleep(5);
});
var_dump($pool->start());
echo implode("\n", array_filter(procpool_lines($log), fn ($l) => !str_starts_with($l, 'zero '))), "\n";
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
NULL
first_ok=1 second_ok=1 differ=1 same_object=1
