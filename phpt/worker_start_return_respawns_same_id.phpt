--TEST--
IPC_NONE: when WorkerStart returns, WorkerStop runs, the worker exits 0 and is replaced under the same id with a new pid
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
    procpool_log($log, "start $id " . getmypid());
    $gens = [0 => 0, 1 => 0];
    foreach (procpool_lines($log) as $l) {
        [$ev, $wid] = explode(' ', $l);
        if ($ev === 'start') {
            $gens[(int) $wid]++;
        }
    }
    if ($gens[0] >= 3 && $gens[1] >= 3) {
        $pool->shutdown();
        sleep(5);   // killed by the shutdown's SIGTERM: no WorkerStop for this one
    }
    usleep(20000);
});
$pool->on('WorkerStop', function ($pool, $id) use ($log) {
    procpool_log($log, "stop $id " . getmypid());
});
var_dump($pool->start());
$starts = $stops = [0 => [], 1 => []];
foreach (procpool_lines($log) as $l) {
    [$ev, $id, $pid] = explode(' ', $l);
    if ($ev === 'start') { $starts[$id][] = (int) $pid; } else { $stops[$id][] = (int) $pid; }
}
foreach ([0, 1] as $id) {
    $pids = $starts[$id];
    echo "id $id: generations>=3 ", var_export(count($pids) >= 3, true),
        ", distinct pids ", var_export(count(array_unique($pids)) === count($pids), true),
        ", manager not a worker ", var_export(!in_array(getmypid(), $pids, true), true), "\n";
    // every generation but the last one(s) killed at shutdown ran WorkerStop in its own process
    $returned = array_slice($pids, 0, 2);
    echo "id $id: first two generations ran WorkerStop ", var_export(array_values(array_intersect($returned, $stops[$id])) === $returned, true), "\n";
    echo "id $id: WorkerStop only in started pids ", var_export(array_diff($stops[$id], $pids) === [], true), "\n";
}
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
NULL
id 0: generations>=3 true, distinct pids true, manager not a worker true
id 0: first two generations ran WorkerStop true
id 0: WorkerStop only in started pids true
id 1: generations>=3 true, distinct pids true, manager not a worker true
id 1: first two generations ran WorkerStop true
id 1: WorkerStop only in started pids true
int(-1)
