--TEST--
examples/php/msgqueue_pool.php and examples/php/msgqueue_producer.php work together: the producer (a separate plain PHP process) sends 20 messages, the 2-worker pool handles each exactly once and prints it; SIGTERM stops the pool cleanly (exit 0) and the keyed queue stays
--EXTENSIONS--
procpool
pcntl
posix
sysvmsg
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(10);
$examples = dirname(__DIR__) . '/examples/php';
$key = procpool_msgkey(1);
$pool = proc_open([PHP_BINARY, '-d', 'extension=' . procpool_ext_path(), "$examples/msgqueue_pool.php", (string) $key],
    [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['redirect', 1]], $pipes);
stream_set_blocking($pipes[1], false);
$out = '';
$read = function () use ($pipes, &$out) {
    while (($chunk = fread($pipes[1], 65536)) !== false && $chunk !== '') {
        $out .= $chunk;
    }
    return $out;
};
echo 'pool ready: ', var_export(procpool_wait_until(fn () => substr_count($read(), '] ready') === 2, 3.0), true), "\n";
$producer = proc_open([PHP_BINARY, "$examples/msgqueue_producer.php", sprintf('0x%x', $key), '20'],
    [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['redirect', 1]], $ppipes);
echo str_replace(sprintf('0x%x', $key), 'KEY', stream_get_contents($ppipes[1]));
fclose($ppipes[1]);
echo 'producer exit code: ', proc_close($producer), "\n";
echo 'all handled: ', var_export(procpool_wait_until(fn () => substr_count($read(), 'handled (') === 20, 3.0), true), "\n";
proc_terminate($pool, SIGTERM);
stream_set_blocking($pipes[1], true);
$out .= stream_get_contents($pipes[1]);
fclose($pipes[1]);
echo 'pool exit code: ', proc_close($pool), "\n";
preg_match_all('/\] handled \(\d+ bytes\): (.*)$/m', $out, $m);
$handled = $m[1];
sort($handled, SORT_NATURAL);
echo 'handled: ', count($handled), ', distinct: ', count(array_unique($handled)), "\n";
echo 'first and last: ', $handled[0] ?? '-', ' / ', $handled[19] ?? '-', "\n";
preg_match_all('/\[worker #(\d) pid \d+\] handled/', $out, $w);
echo 'every message handled by worker #0 or #1: ', var_export(count($w[1]) === 20 && !array_diff($w[1], ['0', '1']), true), "\n";
echo 'workers stopped: ', substr_count($out, '] stopped'), "\n";
echo 'manager said bye: ', var_export(str_contains($out, '[manager] bye'), true), "\n";
echo 'no warning: ', var_export(!preg_match('/warning|error/i', $out), true), "\n";
echo 'queue kept, empty: ', var_export(msg_queue_exists($key) && msg_stat_queue(msg_get_queue($key))['msg_qnum'] === 0, true), "\n";
procpool_msgkey_remove($key);
procpool_deadline_cancel();
?>
--EXPECT--
pool ready: true
sent 20 messages to queue KEY
producer exit code: 0
all handled: true
pool exit code: 0
handled: 20, distinct: 20
first and last: message 1 of 20 / message 20 of 20
every message handled by worker #0 or #1: true
workers stopped: 2
manager said bye: true
no warning: true
queue kept, empty: true
