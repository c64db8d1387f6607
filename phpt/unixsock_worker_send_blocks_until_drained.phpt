--TEST--
UNIXSOCK: a full socket buffer never drops data: worker 1 sends 1500 messages of 1 KiB (more than the buffer holds) to worker 0, which sleeps 1 s in its first Message; sendMessage() blocks until worker 0 drains, every call returns true, all messages arrive, in order; the same from worker 2 at once (order kept per sender)
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
const N = 1500;
$pool = new Swoole\Process\Pool(3, SWOOLE_IPC_UNIXSOCK);
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    if ($id === 0) {
        return;
    }
    $t = microtime(true);
    $failed = 0;
    for ($i = 0; $i < N; $i++) {
        $body = sprintf('%d:%05d:', $id, $i);
        if (!$pool->sendMessage(str_pad($body, 1024, '.'), 0)) {
            $failed++;
        }
    }
    $took = microtime(true) - $t;
    procpool_log($log, "sender $id: failed $failed, blocked " . ($took > 0.5 ? 'yes' : "no ({$took}s)"));
});
$seen = [1 => [], 2 => []];
$pool->on('Message', function ($pool, $data) use ($log, &$seen) {
    static $first = true;
    if ($first) {
        $first = false;
        sleep(1);
    }
    [$from, $i] = explode(':', $data);
    $seen[(int) $from][] = (int) $i;
    if (strlen($data) !== 1024) {
        procpool_log($log, 'bad length ' . strlen($data));
    }
    if (count($seen[1]) === N && count($seen[2]) === N) {
        foreach ([1, 2] as $s) {
            procpool_log($log, "receiver: from $s " . count($seen[$s]) . ' messages, in order: '
                . var_export($seen[$s] === range(0, N - 1), true));
        }
        $pool->shutdown();
    }
});
var_dump($pool->start());
$lines = procpool_lines($log);
sort($lines);
echo implode("\n", $lines), "\n";
@unlink($log);
procpool_deadline_cancel();
?>
--EXPECT--
NULL
receiver: from 1 1500 messages, in order: true
receiver: from 2 1500 messages, in order: true
sender 1: failed 0, blocked yes
sender 2: failed 0, blocked yes
