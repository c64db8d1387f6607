--TEST--
UNIXSOCK with enable_message_bus: the manager (from Start) and workers 1 and 2 (at the same time, 25 multi-chunk messages each, 1 byte to 300 KB) all send to worker 0; every message arrives once, whole (md5), in order per sender; chunks of different senders never mix
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
require __DIR__ . '/_unixsock.inc';
procpool_deadline(15);
$log = procpool_tmp('log');
const N = 25;
$pool = new Swoole\Process\Pool(3, SWOOLE_IPC_UNIXSOCK);
$pool->set(['enable_message_bus' => true]);
$pool->on('Start', function ($pool) {
    // the manager never blocks: send what fits in the socket buffer before the workers run
    var_dump($pool->sendMessage(ux_msg('manager:0', random_bytes(100000)), 0));
    var_dump($pool->sendMessage(ux_msg('manager:1', random_bytes(10)), 0));
});
$pool->on('WorkerStart', function ($pool, $id) {
    if ($id === 0) {
        return;
    }
    mt_srand($id);
    $ok = true;
    for ($i = 0; $i < N; $i++) {
        $n = $i === 0 ? 1 : mt_rand(1, 300000);
        $ok = $pool->sendMessage(ux_msg("worker$id:$i", random_bytes($n)), 0) && $ok;
    }
    $ok = $pool->sendMessage("done$id", 0) && $ok;
    echo "worker $id: all sends true: " . var_export($ok, true) . "\n";   // one write: lines of two workers never interleave
});
$pool->on('Message', function ($pool, $data) use ($log) {
    static $next = [], $bad = [], $done = 0;
    if (str_starts_with($data, 'done')) {
        if (++$done === 2) {
            ksort($next);
            foreach ($next as $s => $n) {
                procpool_log($log, "$s: $n messages, in order, whole");
            }
            procpool_log($log, 'problems: ' . ($bad ? implode('; ', $bad) : 'none'));
            $pool->shutdown();
        }
        return;
    }
    $r = ux_check($data);
    [$tag] = explode(' ', $r);
    [$sender, $i] = explode(':', $tag) + [1 => -1];
    if (!str_ends_with($r, ' ok')) {
        $bad[] = $r;
    } elseif ((int) $i !== ($next[$sender] ?? 0)) {
        $bad[] = "$sender: got $i, expected " . ($next[$sender] ?? 0);
    }
    $next[$sender] = (int) $i + 1;
});
var_dump($pool->start());
echo implode("\n", procpool_lines($log)), "\n";
@unlink($log);
procpool_deadline_cancel();
?>
--EXPECTF--
bool(true)
bool(true)
worker %d: all sends true: true
worker %d: all sends true: true
NULL
manager: 2 messages, in order, whole
worker1: 25 messages, in order, whole
worker2: 25 messages, in order, whole
problems: none
