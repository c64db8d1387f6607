--TEST--
SWOOLE_IPC_SOCKET on a unix socket: when the manager is SIGKILLed, its workers run WorkerStop, end within max_wait_time + 1 s and remove the socket file on their way out
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
$path = procpool_sock_path();
$child = procpool_php_start('<?php
$log = getenv("LOG");
$pool = new Swoole\Process\Pool(2, SWOOLE_IPC_SOCKET);
$pool->set(["max_wait_time" => 1]);
$pool->listen("unix:" . getenv("SOCK"));
$pool->on("WorkerStart", function ($pool, $id) use ($log) {
    file_put_contents($log, "worker $id " . getmypid() . "\n", FILE_APPEND | LOCK_EX);
});
$pool->on("Message", function ($pool, $data) {
    $pool->write(strtoupper($data));
});
$pool->on("WorkerStop", function ($pool, $id) use ($log) {
    file_put_contents($log, "stop $id\n", FILE_APPEND | LOCK_EX);
});
$pool->start();
file_put_contents($log, "start() returned\n", FILE_APPEND | LOCK_EX);
', ['LOG' => $log, 'SOCK' => $path]);
$starts = fn () => array_values(array_filter(procpool_lines($log), fn ($l) => str_starts_with($l, 'worker ')));
procpool_wait_until(fn () => count($starts()) >= 2, 5.0);
$pids = array_map(fn ($l) => (int) explode(' ', $l)[2], $starts());
echo count($pids), " workers started, alive: ", count(array_filter($pids, 'procpool_alive')), "\n";
echo procpool_call("unix://$path", 'hello'), "\n";
clearstatcache();
echo "socket file before: ", var_export(@filetype($path), true), "\n";
posix_kill($child['pid'], SIGKILL);
$left = procpool_wait_gone($pids, 2.0);
echo "workers alive 2 s after the manager's SIGKILL: ", count($left), "\n";
foreach ($left as $pid) {
    posix_kill($pid, SIGKILL);
}
clearstatcache();
echo "socket file after: ", var_export(file_exists($path), true), "\n";
@unlink($path);
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
2 workers started, alive: 2
reply HELLO
socket file before: 'socket'
workers alive 2 s after the manager's SIGKILL: 0
socket file after: false
manager: signal 9
stop 0
stop 1
stdout: ''
stderr: ''
