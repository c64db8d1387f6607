--TEST--
An orphaned worker still finishes a short message and runs WorkerStop, but one whose Message is busy for 3 s when the manager is SIGKILLed (max_wait_time 1) is ended by its own alarm about 1 s later, without WorkerStop
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(15);
$log = procpool_tmp('log');
/* Worker 0 gets "3.0" (busy 3 s), worker 1 "0.3" (busy 0.3 s); busy = a loop on the clock, so no
 * signal cuts it short. */
$child = procpool_php_start('<?php
$log = getenv("LOG");
$pool = new Swoole\Process\Pool(2, SWOOLE_IPC_UNIXSOCK);
$pool->set(["max_wait_time" => 1]);
$pool->on("Start", function ($pool) {
    $pool->sendMessage("3.0", 0);
    $pool->sendMessage("0.3", 1);
});
$pool->on("Message", function ($pool, $data) use ($log) {
    $id = $pool->workerId;
    file_put_contents($log, "busy $id " . getmypid() . "\n", FILE_APPEND | LOCK_EX);
    $until = microtime(true) + (float) $data;
    while (microtime(true) < $until) {
        usleep(10000);
    }
    file_put_contents($log, "done $id\n", FILE_APPEND | LOCK_EX);
});
$pool->on("WorkerStop", function ($pool, $id) use ($log) {
    file_put_contents($log, "stop $id\n", FILE_APPEND | LOCK_EX);
});
$pool->start();
file_put_contents($log, "start() returned\n", FILE_APPEND | LOCK_EX);
', ['LOG' => $log]);
$busy = fn () => array_values(array_filter(procpool_lines($log), fn ($l) => str_starts_with($l, 'busy ')));
procpool_wait_until(fn () => count($busy()) >= 2, 5.0);
$pids = [];
foreach ($busy() as $l) {
    [, $id, $pid] = explode(' ', $l);
    $pids[(int) $id] = (int) $pid;
}
ksort($pids);
echo count($pids), " workers busy\n";
posix_kill($child['pid'], SIGKILL);
$t0 = microtime(true);
$goneAt = [];
procpool_wait_until(function () use ($pids, &$goneAt, $t0) {
    foreach ($pids as $id => $pid) {
        if (!isset($goneAt[$id]) && !procpool_alive($pid)) {
            $goneAt[$id] = microtime(true) - $t0;
        }
    }
    return count($goneAt) === count($pids);
}, 2.5);
foreach ($pids as $id => $pid) {
    if (procpool_alive($pid)) {
        posix_kill($pid, SIGKILL);
    }
}
$t1 = $goneAt[1] ?? null;
$t0w = $goneAt[0] ?? null;
echo "worker 1 (0.3 s message) gone within 1 s: ", var_export($t1 !== null && $t1 < 1.0, true), "\n";
echo "worker 0 (3 s message) gone after 0.8 s and within 2 s: ",
    var_export($t0w !== null && $t0w >= 0.8 && $t0w < 2.0, true), "\n";
if ($t0w === null || $t0w < 0.8 || $t0w >= 2.0 || $t1 === null || $t1 >= 1.0) {
    echo "times: ", json_encode($goneAt), "\n";
}
[$out, $err, $how] = procpool_php_finish($child);
echo "manager: $how\n";
$rest = array_filter(procpool_lines($log), fn ($l) => !str_starts_with($l, 'busy '));
echo implode("\n", $rest), "\n";
echo "stdout: ", var_export($out, true), "\nstderr: ", var_export($err, true), "\n";
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
2 workers busy
worker 1 (0.3 s message) gone within 1 s: true
worker 0 (3 s message) gone after 0.8 s and within 2 s: true
manager: signal 9
done 1
stop 1
stdout: ''
stderr: ''
