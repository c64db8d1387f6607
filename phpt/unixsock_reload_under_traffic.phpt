--TEST--
UNIXSOCK: a rolling reload (SIGUSR1) under message traffic loses nothing: worker 1 sends 300 numbered messages to worker 0 while the pool reloads; the messages sent while worker 0 is being replaced reach its replacement; every message arrives exactly once, in order, and every send returns true; no warning on stderr (the workers handle SIGTERM)
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
require __DIR__ . '/_unixsock.inc';
procpool_deadline(12);
[$out, $err, $code, $lines] = ux_run(<<<'PHP'
<?php
require getenv('UTIL');
$log = getenv('LOG');
$pool = new Swoole\Process\Pool(2, SWOOLE_IPC_UNIXSOCK);
$pool->on('Start', function ($pool) {
    $pool->sendMessage('go', 1);
});
$pool->on('Message', function ($pool, $data) use ($log) {
    if ($data === 'go') {
        $failed = 0;
        for ($i = 0; $i < 300; $i++) {
            $failed += $pool->sendMessage("m$i", 0) ? 0 : 1;
            usleep(3000);
        }
        procpool_log($log, "sender: sent 300, failed $failed");
        return;
    }
    $i = (int) substr($data, 1);
    procpool_log($log, "got $i " . posix_getpid());
    if ($i === 20) {
        posix_kill($pool->master_pid, SIGUSR1);
        usleep(200000);
    }
    if ($i === 299) {
        $pool->shutdown();
    }
});
var_dump($pool->start());
PHP, 10.0);
echo "stdout:\n$out";
$got = [];
$pids = [];
foreach ($lines as $l) {
    if (preg_match('/^got (\d+) (\d+)$/', $l, $m)) {
        $got[] = (int) $m[1];
        $pids[$m[2]] = ($pids[$m[2]] ?? 0) + 1;
    } else {
        echo $l, "\n";
    }
}
echo 'received: ', count($got), ', exactly 0..299 in order: ', var_export($got === range(0, 299), true), "\n";
echo 'worker 0 processes that received: ', count($pids), "\n";
echo 'the first one got 0..20: ', var_export(reset($pids) === 21, true), "\n";
echo "stderr:\n", implode("\n", ux_stderr_lines($err)), "\n";
echo "exit code: $code\n";
procpool_deadline_cancel();
?>
--EXPECT--
stdout:
NULL
sender: sent 300, failed 0
received: 300, exactly 0..299 in order: true
worker 0 processes that received: 2
the first one got 0..20: true
stderr:

exit code: 0
