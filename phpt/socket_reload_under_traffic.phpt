--TEST--
SOCKET: rolling reloads (SIGUSR1, SIGUSR2) under steady traffic lose no request: 3 concurrent clients sending requests for 1.3 s (hundreds in all) get every reply, correct
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
$pool = new Swoole\Process\Pool(2, SWOOLE_IPC_SOCKET);
var_dump($pool->listen("unix:$path"));
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    procpool_log($log, "WorkerStart $id " . posix_getpid());
});
$pool->on('Message', function ($pool, $data) {
    usleep(2000);
    $pool->write("ok:" . md5($data) . ':' . posix_getpid());
});
$pool->on('Start', function ($pool) use ($path, $log) {
    $master = posix_getpid();
    procpool_spawn(function () use ($path, $log, $master) {
        $kids = [];
        for ($c = 0; $c < 3; $c++) {
            $pid = pcntl_fork();
            if ($pid === 0) {
                $ok = 0;
                $bad = [];
                $pids = [];
                $until = microtime(true) + 1.3;
                for ($i = 0; microtime(true) < $until; $i++) {
                    $body = "client $c request $i " . random_bytes(16);
                    $d = procpool_call("unix://$path", $body, 4.0);
                    if (preg_match('/^reply ok:([0-9a-f]{32}):(\d+)$/', $d, $m) && $m[1] === md5($body)) {
                        $ok++;
                        $pids[$m[2]] = true;
                    } else {
                        $bad[] = "request $i: $d";
                    }
                }
                procpool_log($log, "client $c: every reply correct: " . var_export($ok === $i, true) . ', at least 50 requests: '
                    . var_export($i >= 50, true) . ($bad ? ' ' . implode('; ', $bad) : '') . " n=$i pids=" . count($pids));
                posix_kill(getmypid(), SIGKILL);
            }
            $kids[] = $pid;
        }
        foreach ([SIGUSR1, SIGUSR2, SIGUSR1] as $sig) {
            usleep(300000);
            posix_kill($master, $sig);
        }
        foreach ($kids as $k) {
            pcntl_waitpid($k, $st);
        }
        posix_kill($master, SIGTERM);
    });
});
var_dump($pool->start());
$lines = procpool_lines($log);
$clients = preg_grep('/^client/', $lines);
sort($clients);
foreach ($clients as $l) {
    echo preg_replace('/ n=\d+ pids=\d+$/', '', $l), "\n";
}
$starts = preg_grep('/^WorkerStart/', $lines);
echo 'workers were replaced by the reloads: ', var_export(count($starts) >= 6, true), "\n";
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
bool(true)
NULL
client 0: every reply correct: true, at least 50 requests: true
client 1: every reply correct: true, at least 50 requests: true
client 2: every reply correct: true, at least 50 requests: true
workers were replaced by the reloads: true
int(-1)
