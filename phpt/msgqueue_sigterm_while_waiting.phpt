--TEST--
MSGQUEUE: SIGTERM to the manager while every worker waits in msgrcv: each worker runs WorkerStop and exits 0 (no abnormal-exit warning), and start() returns quickly, far below max_wait_time; also when the SIGTERM comes right as the workers begin to wait
--EXTENSIONS--
procpool
pcntl
posix
sysvmsg
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(15);
$key = procpool_msgkey(1);
$log = procpool_tmp('log');
[$out, $err, $code] = procpool_run_php(<<<'PHP'
<?php
require getenv('UTIL');
$key = (int) getenv('KEY');
$log = getenv('LOG');
// delay between the last WorkerStart and the SIGTERM, in microseconds
foreach ([100000, 0, 1000, 0] as $round => $delay) {
    $pool = new Swoole\Process\Pool(3, SWOOLE_IPC_MSGQUEUE, $key);
    $pool->set(['max_wait_time' => 3]);
    $pool->on('WorkerStart', function ($pool, $id) use ($log, $round) {
        procpool_log($log, "$round start $id");
    });
    $pool->on('WorkerStop', function ($pool, $id) use ($log, $round) {
        procpool_log($log, "$round stop $id");
    });
    $pool->on('Message', function ($pool, $data) use ($log, $round) {
        procpool_log($log, "$round message $data");
    });
    $pool->on('Start', function ($pool) use ($log, $round, $delay) {
        $master = posix_getpid();
        procpool_spawn(function () use ($log, $round, $delay, $master) {
            procpool_wait_until(fn () => count(preg_grep("/^$round start /", procpool_lines($log))) === 3);
            usleep($delay);
            procpool_log($log, "$round sigterm " . microtime(true));
            posix_kill($master, SIGTERM);
        });
    });
    $pool->start();
    $t = (float) explode(' ', array_values(preg_grep("/^$round sigterm /", procpool_lines($log)))[0])[2];
    $took = microtime(true) - $t;
    $stops = preg_grep("/^$round stop /", procpool_lines($log));
    sort($stops);
    echo "round $round: ", implode(', ', $stops), '; start() returned within 1 s of the SIGTERM: ',
        var_export($took < 1.0, true), $took < 1.0 ? '' : " (took $took s)", "\n";
}
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
PHP, 12.0, ['UTIL' => __DIR__ . '/_util.inc', 'KEY' => (string) $key, 'LOG' => $log]);
echo "stdout:\n$out";
echo "stderr:\n$err";
echo "exit code: $code\n";
echo 'messages handled: ', count(preg_grep('/ message /', procpool_lines($log))), "\n";
procpool_msgkey_remove($key);
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
stdout:
round 0: 0 stop 0, 0 stop 1, 0 stop 2; start() returned within 1 s of the SIGTERM: true
round 1: 1 stop 0, 1 stop 1, 1 stop 2; start() returned within 1 s of the SIGTERM: true
round 2: 2 stop 0, 2 stop 1, 2 stop 2; start() returned within 1 s of the SIGTERM: true
round 3: 3 stop 0, 3 stop 1, 3 stop 2; start() returned within 1 s of the SIGTERM: true
int(-1)
stderr:
exit code: 0
messages handled: 0
