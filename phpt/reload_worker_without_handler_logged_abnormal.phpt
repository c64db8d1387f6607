--TEST--
Reload: a worker with no SIGTERM handler dies of the signal and the manager logs an abnormal exit (signal=15) on stderr
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(8);
// The pool runs in a subprocess so that its stderr can be checked apart from its stdout.
$log = procpool_tmp('log');
[$out, $err, $code] = procpool_run_php(<<<'PHP'
<?php
$log = $argv[1] ?? getenv('LOG');
$pool = new Swoole\Process\Pool(1);
$pool->on('WorkerStart', function ($pool, $id) {
    $log = getenv('LOG');
    file_put_contents($log, "$id " . getmypid() . "\n", FILE_APPEND | LOCK_EX);
    if (count(file($log)) === 1) {
        posix_kill($pool->master_pid, SIGUSR1);
    } else {
        $pool->shutdown();
    }
    sleep(5);
});
$pool->on('WorkerStop', function ($pool, $id) { echo "unexpected WorkerStop\n"; });
var_dump($pool->start());
PHP, 8.0, ['LOG' => $log]);
echo "stdout:\n$out";
$lines = procpool_lines($log);
[$id1, $pid1] = explode(' ', $lines[0]);
[$id2, $pid2] = explode(' ', $lines[1]);
echo "same id: ", var_export($id1 === $id2 && $id1 === '0', true), ", new pid: ", var_export($pid1 !== $pid2, true), "\n";
echo "stderr:\n", str_replace(" $pid1)", " PID1)", $err);
var_dump($code);
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECTF--
stdout:
NULL
same id: true, new pid: true
stderr:
[%s $%d.-1]	WARNING	worker#0 (pid PID1) abnormal exit, status=0, signal=15 (SIGTERM)
int(0)
