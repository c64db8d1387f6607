--TEST--
UNIXSOCK: sendMessage() from the manager never blocks: in Start (no worker runs yet) it returns true until the destination's socket buffer is full, then false with a warning; every message sent with true arrives, in order, and the worker serves on
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
$pool = new Swoole\Process\Pool(1, SWOOLE_IPC_UNIXSOCK);
$pool->on('Start', function ($pool) use ($log) {
    $t = microtime(true);
    $n = 0;
    while ($n < 100000 && $pool->sendMessage(str_pad("m$n:", 1024, '.'), 0)) {
        $n++;
    }
    $took = microtime(true) - $t;
    echo 'accepted before the buffer was full: ', $n > 50 ? 'many' : $n, ', stopped at the first false: ',
        var_export($n < 100000, true), ', took < 1 s: ', var_export($took < 1.0, true), "\n";
    procpool_log($log, "sent $n");
    // the next one fails too, at once
    var_dump($pool->sendMessage('one more', 0));
});
$pool->on('Message', function ($pool, $data) use ($log) {
    static $i = 0, $ok = true;
    $sent = (int) substr(procpool_lines($log)[0], 5);
    $ok = $ok && strlen($data) === 1024 && str_starts_with($data, "m$i:");
    $i++;
    if ($i === $sent) {
        procpool_log($log, "worker got all $i, in order: " . var_export($ok, true));
        $pool->sendMessage('after', 0);
    } elseif ($data === 'after') {
        procpool_log($log, "worker got 'after' as message " . ($i - 1));
        $pool->shutdown();
    }
});
var_dump($pool->start());
$lines = procpool_lines($log);
echo preg_replace('/\d+/', 'N', $lines[1] ?? ''), "\n", preg_replace('/\d+/', 'N', $lines[2] ?? ''), "\n";
echo 'counts agree: ', var_export(isset($lines[1]) && (int) substr($lines[0], 5) === (int) explode(' ', $lines[1])[3], true), "\n";
@unlink($log);
procpool_deadline_cancel();
?>
--EXPECTF--
Warning: %s::sendMessage(): to worker#0 failed: the destination's socket buffer is full%s in %s on line %d
accepted before the buffer was full: many, stopped at the first false: true, took < 1 s: true

Warning: %s::sendMessage(): to worker#0 failed: the destination's socket buffer is full%s in %s on line %d
bool(false)
NULL
worker got all N, in order: true
worker got 'after' as message N
counts agree: true
