--TEST--
A worker killed by SIGKILL is replaced under the same id; the manager logs a warning naming pid, worker id and signal=9
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
[$out, $err, $code] = procpool_run_php(<<<'PHP'
<?php
$pool = new Swoole\Process\Pool(2);
$pool->on('WorkerStart', function ($pool, $id) {
    $log = getenv('LOG');
    file_put_contents($log, "start $id " . getmypid() . "\n", FILE_APPEND | LOCK_EX);
    if ($id === 0) {
        sleep(5);
    }
    // worker 1: kill worker 0 once, then wait for its replacement and end the pool
    $lines = file($log, FILE_IGNORE_NEW_LINES);
    $zero = array_values(array_filter($lines, fn ($l) => str_starts_with($l, 'start 0 ')));
    if (count($zero) === 0) {
        usleep(50000);
        $zero = array_values(array_filter(file($log, FILE_IGNORE_NEW_LINES), fn ($l) => str_starts_with($l, 'start 0 ')));
    }
    $pid0 = (int) explode(' ', $zero[0])[2];
    file_put_contents($log, "kill $pid0\n", FILE_APPEND | LOCK_EX);
    posix_kill($pid0, SIGKILL);
    for ($i = 0; $i < 300; $i++) {
        $zero = array_filter(file($log, FILE_IGNORE_NEW_LINES), fn ($l) => str_starts_with($l, 'start 0 '));
        if (count($zero) >= 2) {
            break;
        }
        usleep(10000);
    }
    $pool->shutdown();
    sleep(5);
});
var_dump($pool->start());
PHP, 8.0, ['LOG' => $log]);
echo "stdout:\n$out";
$lines = procpool_lines($log);
$zero = array_values(array_filter($lines, fn ($l) => str_starts_with($l, 'start 0 ')));
$killed = (int) substr(array_values(array_filter($lines, fn ($l) => str_starts_with($l, 'kill ')))[0], 5);
$pid1 = (int) explode(' ', $zero[0])[2];
$pid2 = (int) explode(' ', $zero[1] ?? 'x x 0')[2];
echo "killed the first worker 0: ", var_export($killed === $pid1, true), "\n";
echo "replacement for id 0 with a new pid: ", var_export($pid2 > 0 && $pid2 !== $pid1, true), "\n";
echo "stderr:\n", str_replace(" $pid1)", " PID)", $err);
var_dump($code);
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECTF--
stdout:
NULL
killed the first worker 0: true
replacement for id 0 with a new pid: true
stderr:
[%s $%d.-1]	WARNING	worker#0 (pid PID) abnormal exit, status=0, signal=9 (SIGKILL)
int(0)
