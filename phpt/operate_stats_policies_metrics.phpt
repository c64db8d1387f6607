--TEST--
Operate from PHP: stats() in the manager's Start, in a worker and after start() returned; max_request replaces a worker after its Nth message (restart_policy exits); request_timeout SIGKILLs a worker whose message runs too long (request_timeout exit) and the pool goes on; slow_request warns once; max_memory restarts a worker that leaks; GET /metrics and /status from the metrics endpoint count the messages; stats() before start() warns
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(25);

$pool = new Swoole\Process\Pool(1);
var_dump($pool->stats());

// A free TCP port for the metrics endpoint.
$probe = stream_socket_server('tcp://127.0.0.1:0');
$port = (int) substr(strrchr(stream_socket_get_name($probe, false), ':'), 1);
fclose($probe);

$log = procpool_tmp('log');
[$out, $err, $code] = procpool_run_php('<?php
require getenv("UTIL");
$log = getenv("LOG");
$port = (int) getenv("PORT");
' . <<<'PHP'
$pool = new Swoole\Process\Pool(2, SWOOLE_IPC_UNIXSOCK);
$pool->set([
    'metrics_listen' => "127.0.0.1:$port",
    'max_request' => 3,
    'request_timeout' => 1,
    'slow_request' => 0.3,
    'max_memory' => '48M',
    'max_wait_time' => 2,
]);
$pool->on('Start', function ($pool) use ($log) {
    $s = $pool->stats();
    procpool_log($log, sprintf('start: workers=%d ipc_mode=%d master_pid_ok=%s', $s['workers'], $s['ipc_mode'],
        var_export($s['master_pid'] === posix_getpid(), true)));
    // worker 0: 6 quick messages (max_request 3: two processes); worker 1: a slow one, a killed one, then two
    for ($i = 0; $i < 6; $i++) {
        $pool->sendMessage("quick $i", 0);
    }
    $pool->sendMessage('slow', 1);
    $pool->sendMessage('hang', 1);
    $pool->sendMessage('leak', 1);
    $pool->sendMessage('last', 1);
});
$pool->on('Message', function ($pool, $msg) use ($log, $port) {
    static $hog = [];
    if ($msg === 'slow') {
        $until = microtime(true) + 0.6;
        while (microtime(true) < $until) { usleep(10000); }
    } elseif ($msg === 'hang') {
        $until = microtime(true) + 5;
        while (microtime(true) < $until) { usleep(10000); }   // killed by request_timeout first
        procpool_log($log, 'hang finished (wrong)');
    } elseif ($msg === 'leak') {
        $hog[] = str_repeat('x', 64 << 20);   // over max_memory: asked to stop after this message
    }
    procpool_log($log, "handled $msg by " . posix_getpid());
    if ($msg === 'last') {
        usleep(1500000);   // the leaker has been replaced meanwhile (memory is sampled every second)
        $s = $pool->stats();
        procpool_log($log, sprintf('in worker: messages=%d per_worker=%d state=%s',
            $s['messages'], count($s['per_worker']), $s['per_worker'][1]['state']));
        $page = @file_get_contents("http://127.0.0.1:$port/metrics");
        preg_match('/^procpool_messages_total (\d+)$/m', (string) $page, $m);
        procpool_log($log, 'metrics messages_total=' . ($m[1] ?? 'none'));
        $status = json_decode((string) @file_get_contents("http://127.0.0.1:$port/status"), true);
        procpool_log($log, 'status workers=' . ($status['workers'] ?? 'none'));
        $pool->shutdown();
    }
});
var_dump($pool->start());
$s = $pool->stats();
echo "after: messages={$s['messages']}\n";
echo 'exits: ', json_encode($s['worker_exits']), "\n";
echo 'worker 0 restarts: ', $s['per_worker'][0]['restarts'], "\n";
PHP, 20.0, ['UTIL' => __DIR__ . '/_util.inc', 'LOG' => $log, 'PORT' => (string) $port]);
echo $out;
foreach (procpool_lines($log) as $line) {
    echo preg_replace('/by \d+/', 'by PID', $line), "\n";
}
$lines = explode("\n", $err);
echo 'slow_request warnings (slow, hang, last): ', count(preg_grep('/is slow: its message has run/', $lines)), "\n";
echo 'request_timeout kills: ', count(preg_grep('/killed: its message has run 1\.\d+s, over request_timeout 1s/', $lines)), "\n";
echo 'max_memory stops: ', count(preg_grep('/uses \d+ bytes, over max_memory 50331648/', $lines)), "\n";
echo "exit code: $code\n";
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECTF--
Warning: %s::stats(): stats() is only available once the pool has been started in %s on line %d
bool(false)
NULL
after: messages=9
exits: {"clean":1,"exit_code":0,"signal":0,"restart_policy":3,"request_timeout":1}
worker 0 restarts: 2
start: workers=2 ipc_mode=1 master_pid_ok=true
handled quick 0 by PID
handled quick 1 by PID
handled quick 2 by PID
handled quick 3 by PID
handled quick 4 by PID
handled quick 5 by PID
handled slow by PID
handled leak by PID
handled last by PID
in worker: messages=8 per_worker=2 state=busy
metrics messages_total=8
status workers=2
slow_request warnings (slow, hang, last): 3
request_timeout kills: 1
max_memory stops: 1
exit code: 0
