--TEST--
SIGHUP to the manager is a graceful shutdown like SIGTERM: Shutdown runs once in the manager, every worker runs WorkerStop, start() returns null, the script exits 0
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(12);
$log = procpool_tmp('log');
[$out, $err, $status] = procpool_run_php('<?php
$log = getenv("LOG");
$pool = new Swoole\Process\Pool(2, SWOOLE_IPC_UNIXSOCK);
$pool->set(["max_wait_time" => 3]);
$pool->on("Shutdown", function ($pool) use ($log) {
    file_put_contents($log, "Shutdown in " . (getmypid() === $pool->master_pid ? "manager" : "other") . "\n",
        FILE_APPEND | LOCK_EX);
    // a second SIGHUP while shutting down must not run Shutdown again
    posix_kill(getmypid(), SIGHUP);
    usleep(50000);
});
$pool->on("WorkerStart", function ($pool, $id) use ($log) {
    file_put_contents($log, "worker $id " . getmypid() . "\n", FILE_APPEND | LOCK_EX);
    if ($id === 1) {
        $until = microtime(true) + 3;
        while (count(file($log)) < 2 && microtime(true) < $until) {
            usleep(10000);
        }
        posix_kill($pool->master_pid, SIGHUP);
    }
});
$pool->on("Message", function ($pool, $data) {});
$pool->on("WorkerStop", function ($pool, $id) use ($log) {
    file_put_contents($log, "WorkerStop $id\n", FILE_APPEND | LOCK_EX);
});
$r = $pool->start();
echo "start() returned ", var_export($r, true), "\n";
', 10.0, ['LOG' => $log]);
echo $out;
echo "exit status: $status\n";
echo "stderr: ", var_export($err, true), "\n";
$lines = procpool_lines($log);
$pids = [];
foreach ($lines as $l) {
    if (str_starts_with($l, 'worker ')) {
        $pids[] = (int) explode(' ', $l)[2];
    }
}
echo count($pids), " workers started, alive now: ", count(array_filter($pids, 'procpool_alive')), "\n";
$rest = array_filter($lines, fn ($l) => !str_starts_with($l, 'worker '));
sort($rest);
echo implode("\n", $rest), "\n";
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
start() returned NULL
exit status: 0
stderr: ''
2 workers started, alive now: 0
Shutdown in manager
WorkerStop 0
WorkerStop 1
