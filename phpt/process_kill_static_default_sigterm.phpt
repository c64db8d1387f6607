--TEST--
Process::kill($pid, $signo = SIGTERM) is static; without a signal it sends SIGTERM; signal 0 probes
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
$m = new ReflectionMethod('Swoole\Process', 'kill');
var_dump($m->isStatic(), $m->getParameters()[1]->getDefaultValue() === SIGTERM);
$pool = new Swoole\Process\Pool(2);
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    if ($id === 0) {
        $stop = false;
        pcntl_async_signals(true);
        pcntl_signal(SIGTERM, function ($sig) use (&$stop, $log) { procpool_log($log, "worker 0 got signal $sig"); $stop = true; });
        pcntl_signal(SIGUSR1, function ($sig) use ($log) { procpool_log($log, "worker 0 got signal $sig"); });
        procpool_log($log, "ready");
        while (!$stop) {
            usleep(10000);
        }
        pcntl_signal(SIGTERM, SIG_DFL);     // the shutdown's SIGTERM ends it
        sleep(5);
        return;
    }
    procpool_wait_until(fn () => in_array('ready', procpool_lines($log), true));
    $pid = $pool->getProcess(0)->pid;
    procpool_log($log, "probe " . var_export(Swoole\Process::kill($pid, 0), true));
    $r = Swoole\Process::kill($pid, SIGUSR1);
    procpool_wait_until(fn () => in_array('worker 0 got signal 10', procpool_lines($log), true));
    procpool_log($log, "usr1 " . var_export($r, true));
    $r = Swoole\Process::kill($pid);
    procpool_wait_until(fn () => in_array('worker 0 got signal 15', procpool_lines($log), true));
    procpool_log($log, "default " . var_export($r, true));
    procpool_log($log, "no such pid " . var_export(Swoole\Process::kill(2147483000, 0), true));
    $pool->shutdown();
    sleep(5);
});
var_dump($pool->start());
echo implode("\n", procpool_lines($log)), "\n";
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
bool(true)
bool(true)
NULL
ready
probe true
worker 0 got signal 10
usr1 true
worker 0 got signal 15
default true
no such pid false
