--TEST--
Fidelity (Swoole 6.2): Process::exit() on the handle of another process (getProcess(1)->exit(0) in worker 0, getProcess(0)->exit() in the manager) warns "not current process" and returns false, ending nothing; on a worker's own handle it ends that worker with the status (out of 0..255: a warning and status 1)
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(10);
$log = procpool_tmp('log');
$pool = new Swoole\Process\Pool(2);
$pool->on('Start', function ($pool) {
    var_dump($pool->getProcess(0)->exit());
});
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    $waitForSigterm = procpool_catch_sigterm();
    $runs = count(array_filter(procpool_lines($log), fn ($l) => str_starts_with($l, "start $id")));
    procpool_log($log, "start $id");
    if ($id === 0 && $runs === 0) {
        ob_start();
        $r = $pool->getProcess(1)->exit(0);
        procpool_log($log, 'worker 0: ' . var_export($r, true) . ' ' . trim(ob_get_clean()));
        procpool_log($log, 'worker 0 goes on');
        $pool->getProcess()->exit(300);
    }
    if ($id === 0) {
        procpool_wait_until(fn () => count(array_keys(procpool_lines($log), 'start 0')) >= 2
            && in_array('start 1', procpool_lines($log), true), 3.0);
        $pool->shutdown();
    }
    $waitForSigterm();
});
var_dump($pool->start());
$lines = procpool_lines($log);
echo implode("\n", array_filter($lines, fn ($l) => str_starts_with($l, 'worker 0'))), "\n";
echo 'worker 1 started once: ', var_export(count(array_keys($lines, 'start 1')) === 1, true), "\n";
echo 'worker 0 started twice: ', var_export(count(array_keys($lines, 'start 0')) === 2, true), "\n";
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECTF--
Warning: Swoole\Process::exit(): not current process in %s on line %d
bool(false)
%A
Warning: Swoole\Process::exit(): exit ret_code range is [>0 and <255]  in %s on line %d
%A[%s $%d.-1]	WARNING	worker#0 (pid %d) abnormal exit, status=1, signal=0%A
NULL
worker 0: false Warning: Swoole\Process::exit(): not current process in %s on line %d
worker 0 goes on
worker 1 started once: true
worker 0 started twice: true
