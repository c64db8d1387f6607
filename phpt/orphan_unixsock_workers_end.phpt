--TEST--
SWOOLE_IPC_UNIXSOCK: when the manager is SIGKILLed, its idle workers (waiting for messages) run WorkerStop and end within max_wait_time + 1 s
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
$child = procpool_php_start('<?php
$log = getenv("LOG");
$pool = new Swoole\Process\Pool(3, SWOOLE_IPC_UNIXSOCK);
$pool->set(["max_wait_time" => 1]);
$pool->on("Start", function ($pool) {
    for ($i = 0; $i < 3; $i++) {
        $pool->sendMessage("hello $i", $i);
    }
});
$pool->on("WorkerStart", function ($pool, $id) use ($log) {
    file_put_contents($log, "worker $id " . getmypid() . "\n", FILE_APPEND | LOCK_EX);
});
$pool->on("Message", function ($pool, $data) use ($log) {
    file_put_contents($log, "message {$pool->workerId}: $data\n", FILE_APPEND | LOCK_EX);
});
$pool->on("WorkerStop", function ($pool, $id) use ($log) {
    file_put_contents($log, "stop $id\n", FILE_APPEND | LOCK_EX);
});
$pool->start();
file_put_contents($log, "start() returned\n", FILE_APPEND | LOCK_EX);
', ['LOG' => $log]);
$starts = fn () => array_values(array_filter(procpool_lines($log), fn ($l) => str_starts_with($l, 'worker ')));
procpool_wait_until(fn () => count($starts()) >= 3
    && count(array_filter(procpool_lines($log), fn ($l) => str_starts_with($l, 'message '))) >= 3, 5.0);
$pids = array_map(fn ($l) => (int) explode(' ', $l)[2], $starts());
echo count($pids), " workers started, alive: ", count(array_filter($pids, 'procpool_alive')), "\n";
posix_kill($child['pid'], SIGKILL);
$left = procpool_wait_gone($pids, 2.0);
echo "workers alive 2 s after the manager's SIGKILL: ", count($left), "\n";
foreach ($left as $pid) {
    posix_kill($pid, SIGKILL);
}
[$out, $err, $how] = procpool_php_finish($child);
echo "manager: $how\n";
$rest = array_filter(procpool_lines($log), fn ($l) => !str_starts_with($l, 'worker '));
sort($rest);
echo implode("\n", $rest), "\n";
echo "stdout: ", var_export($out, true), "\nstderr: ", var_export($err, true), "\n";
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
3 workers started, alive: 3
workers alive 2 s after the manager's SIGKILL: 0
manager: signal 9
message 0: hello 0
message 1: hello 1
message 2: hello 2
stop 0
stop 1
stop 2
stdout: ''
stderr: ''
