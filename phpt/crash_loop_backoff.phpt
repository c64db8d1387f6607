--TEST--
Crash-loop protection: a worker that segfaults right after starting is respawned with growing, capped back-off and one "is crash-looping" warning per burst; crash_loop_threshold 0 turns it off
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
 * Worker 0 records each start (microtime) and kills itself with SIGSEGV on its first 7 starts; the
 * 8th stays up and shuts the pool down. Default policy: threshold 3, first delay 100 ms, doubling;
 * crash_loop_max_delay 0.4 s here. Expected gaps between starts: 0, 0, 100, 200, 400, 400, 400 ms.
 */
function crash_run(array $settings): array
{
    $log = procpool_tmp('crash');
    $code = '<?php
$pool = new Swoole\Process\Pool(1);
$pool->set(' . var_export($settings, true) . ');
$pool->on("WorkerStart", function ($pool, $id) {
    $log = getenv("LOG");
    file_put_contents($log, sprintf("%.6f\n", microtime(true)), FILE_APPEND | LOCK_EX);
    if (count(file($log)) <= 7) {
        posix_kill(posix_getpid(), SIGSEGV);
        sleep(5);
    }
    $pool->shutdown();
    sleep(5);
});
var_dump($pool->start());
';
    [$out, $err, $status] = procpool_run_php($code, 15.0, ['LOG' => $log]);
    $starts = array_map('floatval', procpool_lines($log));
    @unlink($log);
    $gaps = [];
    for ($i = 1; $i < count($starts); $i++) {
        $gaps[] = (int) round(($starts[$i] - $starts[$i - 1]) * 1000);
    }
    return [$out, $err, $status, $gaps];
}

function count_lines(string $text, string $needle): int
{
    return count(array_filter(explode("\n", $text), fn ($l) => str_contains($l, $needle)));
}

// --- protected (default threshold 3), capped at 0.4 s ---
[$out, $err, $status, $gaps] = crash_run(['crash_loop_max_delay' => 0.4]);
echo "protected: start() returned ", trim($out), ", exit $status, ", count($gaps) + 1, " starts\n";
echo "crash-loop warnings: ", count_lines($err, 'is crash-looping'), "\n";
echo "abnormal-exit warnings: ", count_lines($err, 'abnormal exit, status=0, signal=11 (SIGSEGV)'), "\n";
$want = [0, 0, 100, 200, 400, 400, 400];
$ok = count($gaps) === 7;
for ($i = 0; $ok && $i < 7; $i++) {
    // a delay is a timer: never shorter; allow 250 ms of scheduling on top
    $ok = $gaps[$i] >= $want[$i] - 2 && $gaps[$i] < $want[$i] + 250;
}
echo "gaps follow 0,0,100,200,400,400,400 ms: ", var_export($ok, true), "\n";
echo "growing: ", var_export($ok && $gaps[2] < $gaps[3] && $gaps[3] < $gaps[4], true), "\n";
echo "capped at 0.4 s: ", var_export($ok && max(array_slice($gaps, 4)) < 650, true), "\n";
if (!$ok) {
    echo "gaps (ms): ", implode(', ', $gaps), "\n--- stderr ---\n$err\n";
}

// --- threshold 0: no protection, every crash is respawned at once ---
[$out, $err, $status, $gaps] = crash_run(['crash_loop_threshold' => 0, 'crash_loop_max_delay' => 0.4]);
echo "threshold 0: start() returned ", trim($out), ", exit $status, ", count($gaps) + 1, " starts\n";
echo "crash-loop warnings: ", count_lines($err, 'is crash-looping'), "\n";
echo "abnormal-exit warnings: ", count_lines($err, 'abnormal exit, status=0, signal=11 (SIGSEGV)'), "\n";
$span = array_sum($gaps);
echo "all 8 starts within 0.6 s (protected: >= 1.5 s): ", var_export($span < 600, true), "\n";
if ($span >= 600) {
    echo "gaps (ms): ", implode(', ', $gaps), "\n";
}
procpool_deadline_cancel();
?>
--EXPECT--
protected: start() returned NULL, exit 0, 8 starts
crash-loop warnings: 1
abnormal-exit warnings: 3
gaps follow 0,0,100,200,400,400,400 ms: true
growing: true
capped at 0.4 s: true
threshold 0: start() returned NULL, exit 0, 8 starts
crash-loop warnings: 0
abnormal-exit warnings: 7
all 8 starts within 0.6 s (protected: >= 1.5 s): true
