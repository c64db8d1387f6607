--TEST--
Crash-loop protection counts a WorkerStart that throws (the worker still exits 0, as in Swoole): a worker failing at once is forked a handful of times per second, not thousands, with one "is crash-looping" warning per burst; once WorkerStart stops failing the pool is back to normal speed; a WorkerStart that returns normally (IPC_NONE's one job per process) is never slowed down
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(25);

/*
 * Worker 0 records each start. For the first $fail_for seconds of the run its WorkerStart throws
 * (like a Redis connect to a server that is down); after that it returns normally after 20 ms
 * (one job per process). After $run_for seconds the pool shuts down.
 */
function run_pool(float $fail_for, float $run_for): array
{
    $log = procpool_tmp('starts');
    $code = '<?php
$t0 = microtime(true);
$pool = new Swoole\Process\Pool(1);
$pool->set(["crash_loop_max_delay" => 0.4]);
$pool->on("WorkerStart", function ($pool, $id) use ($t0) {
    $now = microtime(true);
    file_put_contents(getenv("LOG"), sprintf("%.6f\n", $now - $t0), FILE_APPEND | LOCK_EX);
    if ($now - $t0 > ' . $run_for . ') {
        $pool->shutdown();
        sleep(5);
    }
    if ($now - $t0 < ' . $fail_for . ') {
        throw new RuntimeException("the broker is down");
    }
    usleep(20000);
});
var_dump($pool->start());
';
    [$out, $err, $status] = procpool_run_php($code, 15.0, ['LOG' => $log]);
    $starts = array_map('floatval', procpool_lines($log));
    @unlink($log);
    return [$out, $err, $status, $starts];
}

function in_window(array $starts, float $from, float $to): int
{
    return count(array_filter($starts, fn ($t) => $t >= $from && $t < $to));
}

// Fails for 2.5 s, then one normal job per process until 3.5 s.
[$out, $err, $status, $starts] = run_pool(2.5, 3.5);
$out_lines = explode("\n", trim($out));
echo "start() returned ", end($out_lines), ", exit $status\n";
$failing = in_window($starts, 0.0, 2.5);
echo "forks while failing: ", ($failing >= 5 && $failing <= 20) ? "a handful" : "$failing (wrong)", "\n";
echo "crash-loop warnings: ", substr_count($err . $out, 'is crash-looping'), "\n";
echo "uncaught exceptions reported: ", substr_count($err . $out, 'Uncaught RuntimeException: the broker is down') >= 5 ? "yes" : "no", "\n";
// Back to normal: after the last failure, jobs of 20 ms each follow one another at once.
$healthy = in_window($starts, 2.9, 3.5);
echo "forks once healthy (0.6 s of 20 ms jobs): ", $healthy >= 10 ? "normal speed" : "$healthy (too slow)", "\n";

// Never failing: normal returns are never delayed.
[$out, $err, $status, $starts] = run_pool(0.0, 1.0);
$n = count($starts);
echo "jobs of 20 ms in 1 s: ", $n >= 20 ? "not slowed down" : "$n (slowed down)", "\n";
echo "crash-loop warnings: ", substr_count($err . $out, 'is crash-looping'), "\n";
procpool_deadline_cancel();
?>
--EXPECT--
start() returned NULL, exit 0
forks while failing: a handful
crash-loop warnings: 1
uncaught exceptions reported: yes
forks once healthy (0.6 s of 20 ms jobs): normal speed
jobs of 20 ms in 1 s: not slowed down
crash-loop warnings: 0
