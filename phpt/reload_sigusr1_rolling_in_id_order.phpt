--TEST--
SIGUSR1 to the manager: rolling reload, workers stopped one at a time in id order and replaced under the same id; Start/Shutdown do not run again
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
$pool = new Swoole\Process\Pool(3);
$pool->on('Start', function ($pool) use ($log) { procpool_log($log, "Start"); });
$pool->on('Shutdown', function ($pool) use ($log) { procpool_log($log, "Shutdown"); });
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    $pid = getmypid();
    procpool_log($log, "start $id $pid");
    $stop = false;
    pcntl_async_signals(true);
    pcntl_signal(SIGTERM, function () use (&$stop, $log, $id, $pid) {
        procpool_log($log, "term $id $pid");
        $stop = true;
    });
    $starts = fn () => count(array_filter(procpool_lines($log), fn ($l) => str_starts_with($l, 'start ')));
    $first = $starts() <= 3;
    $sent = false;
    while (!$stop) {
        if (!$sent && $first && $id === 2 && $starts() === 3) {
            posix_kill($pool->master_pid, SIGUSR1);      // the first generation asks for a reload
            $sent = true;
        } elseif (!$sent && !$first && $starts() >= 6) {
            posix_kill($pool->master_pid, SIGTERM);      // the second generation ends the test
            $sent = true;
        }
        usleep(10000);
    }
    usleep(30000);   // let the manager see that this worker is slow to go
});
$pool->on('WorkerStop', function ($pool, $id) use ($log) {
    procpool_log($log, "stop $id " . getmypid());
});
var_dump($pool->start());
$lines = procpool_lines($log);
echo "Start x", count(array_keys($lines, 'Start')), ", Shutdown x", count(array_keys($lines, 'Shutdown')), "\n";
// generation 1 = the first three pids started
$gen1 = [];
foreach ($lines as $i => $l) {
    $p = explode(' ', $l);
    if ($p[0] === 'start' && count($gen1) < 3) { $gen1[(int) $p[2]] = (int) $p[1]; }
}
$shutdownAt = array_search('Shutdown', $lines, true);
// reload events: what happened to generation-1 pids before the Shutdown event
$events = [];
foreach (array_slice($lines, 0, $shutdownAt) as $l) {
    $p = explode(' ', $l);
    if (($p[0] === 'term' || $p[0] === 'stop') && isset($gen1[(int) $p[2]])) {
        $events[] = "$p[0] $p[1]";
    }
}
echo implode(", ", $events), "\n";
// every id got a new pid during the reload
$gen2 = [];
foreach (array_slice($lines, 0, $shutdownAt) as $l) {
    $p = explode(' ', $l);
    if ($p[0] === 'start' && !isset($gen1[(int) $p[2]])) { $gen2[(int) $p[1]] = (int) $p[2]; }
}
ksort($gen2);
echo "replaced ids: ", implode(',', array_keys($gen2)), "\n";
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
NULL
Start x1, Shutdown x1
term 0, stop 0, term 1, stop 1, term 2, stop 2
replaced ids: 0,1,2
int(-1)
