--TEST--
A pool started with stdin, stdout and stderr closed (php script.php <&- >&- 2>&-) works normally: IPC_NONE and UNIXSOCK with sendMessage, a worker shuts the pool down, start() returns null, exit status 0, and the manager never reads its own log output as control data (no stray worker restarts, only the expected lines)
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(20);

/** Runs $code with fds 0, 1 and 2 closed (log_level info: the manager logs every worker exit); returns [exit status, log lines]. */
function run_closed_stdio(string $code): array
{
    $log = procpool_tmp('log');
    $script = procpool_tmp('script') . '.php';
    file_put_contents($script, $code);
    $cmd = 'exec ' . escapeshellarg(PHP_BINARY) . ' -d ' . escapeshellarg('extension=' . procpool_ext_path())
        . ' ' . escapeshellarg($script) . ' <&- >&- 2>&-';
    $proc = proc_open(['/bin/sh', '-c', $cmd], [], $pipes, null, array_merge(getenv(), ['LOG' => $log]));
    $status = 'timed out';
    $until = microtime(true) + 8;
    while (microtime(true) < $until) {
        $st = proc_get_status($proc);
        if (!$st['running']) {
            $status = $st['signaled'] ? 'signal ' . $st['termsig'] : 'exit ' . $st['exitcode'];
            break;
        }
        usleep(10000);
    }
    if ($status === 'timed out') {
        proc_terminate($proc, SIGKILL);
    }
    proc_close($proc);
    $lines = procpool_lines($log);
    @unlink($log);
    @unlink($script);
    return [$status, $lines];
}

echo "-- IPC_NONE, every worker detach()es at once (log_level info: each also logs a line)\n";
/*
 * Worker 0 stops the manager (SIGSTOP) while all three detach(), then lets it go on (SIGCONT): the
 * manager finds the three "detached" notices in its control pipe at once, where a manager whose
 * stderr is that pipe would also find the workers' log lines between them. Each id's replacement
 * must start at once, while its detached predecessor still runs (1 s), and only once.
 */
[$status, $lines] = run_closed_stdio('<?php
$log = getenv("LOG");
$lines = fn () => file($log, FILE_IGNORE_NEW_LINES) ?: [];
$count = fn (string $prefix) => count(array_filter($lines(), fn ($l) => str_starts_with($l, $prefix)));
$wait = function (callable $cond, float $timeout = 3.0) {
    $until = microtime(true) + $timeout;
    while (!$cond() && microtime(true) < $until) {
        usleep(5000);
    }
};
$say = fn (string $line) => file_put_contents($log, "$line\n", FILE_APPEND | LOCK_EX);
$pool = new Swoole\Process\Pool(3);
$pool->set(["log_level" => "info"]);
$pool->on("WorkerStart", function ($pool, $id) use ($lines, $count, $wait, $say) {
    if (!in_array("worker $id started", $lines())) {
        $say("worker $id started");
        if ($id === 0) {
            $wait(fn () => $count("worker ") === 3);
            posix_kill($pool->master_pid, SIGSTOP);
            $say("manager stopped");
        } else {
            $wait(fn () => in_array("manager stopped", $lines()));
        }
        $say("worker $id detach() returned " . var_export($pool->detach(), true));
        if ($id === 0) {
            $wait(fn () => $count("worker ") === 6);
            posix_kill($pool->master_pid, SIGCONT);
        }
        usleep(1000000);
        $say("detached $id done");
        exit(0);
    }
    $say("replacement $id started while its detached predecessor runs: " . var_export(!in_array("detached $id done", $lines()), true));
    if ($id === 2) {
        $wait(fn () => $count("replacement ") === 3 && $count("detached ") === 3);
        usleep(300000);
        $pool->shutdown();
    }
    sleep(10);
});
$r = $pool->start();
$say("returned " . var_export($r, true));
');
echo "status: $status\n";
sort($lines);
echo implode("\n", $lines), "\n";

echo "-- IPC_UNIXSOCK with sendMessage\n";
[$status, $lines] = run_closed_stdio('<?php
$log = getenv("LOG");
$pool = new Swoole\Process\Pool(3, SWOOLE_IPC_UNIXSOCK);
$pool->set(["log_level" => "info"]);
$pool->on("Start", function ($pool) {
    for ($i = 0; $i < 3; $i++) {
        $pool->sendMessage("from manager to $i", $i);
    }
});
$pool->on("WorkerStart", function ($pool, $id) use ($log) {
    file_put_contents($log, "worker $id started\n", FILE_APPEND | LOCK_EX);
    $pool->sendMessage("from worker $id to " . (($id + 1) % 3), ($id + 1) % 3);
});
$pool->on("Message", function ($pool, $data) use ($log) {
    file_put_contents($log, "worker {$pool->workerId} got: $data\n", FILE_APPEND | LOCK_EX);
    if (count(file($log)) === 9) {
        $pool->shutdown();
    }
});
$r = $pool->start();
file_put_contents($log, "returned " . var_export($r, true) . "\n", FILE_APPEND | LOCK_EX);
');
echo "status: $status\n";
$last = array_pop($lines);
sort($lines);
echo implode("\n", $lines), "\n$last\n";
procpool_deadline_cancel();
?>
--EXPECT--
-- IPC_NONE, every worker detach()es at once (log_level info: each also logs a line)
status: exit 0
detached 0 done
detached 1 done
detached 2 done
manager stopped
replacement 0 started while its detached predecessor runs: true
replacement 1 started while its detached predecessor runs: true
replacement 2 started while its detached predecessor runs: true
returned NULL
worker 0 detach() returned true
worker 0 started
worker 1 detach() returned true
worker 1 started
worker 2 detach() returned true
worker 2 started
-- IPC_UNIXSOCK with sendMessage
status: exit 0
worker 0 got: from manager to 0
worker 0 got: from worker 2 to 0
worker 0 started
worker 1 got: from manager to 1
worker 1 got: from worker 0 to 1
worker 1 started
worker 2 got: from manager to 2
worker 2 got: from worker 1 to 2
worker 2 started
returned NULL
