--TEST--
IPC_REDIS: Message gets each entry's data field once and the entry is acked; getMessageFields()/getMessageId() inside Message; push() before start and from the manager; an entry whose handler throws (or calls exit()) is delivered max_deliveries times, then moved to the dead-letter stream with the error text, and the rest flows
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
require __DIR__ . '/_redis.inc';
procpool_deadline(20);
[$port, $server] = procpool_redis_start();
$log = procpool_tmp('log');
$pool = new ProcPool\Pool(2, ProcPool\Pool::IPC_REDIS);
$pool->set([
    'redis_url' => "redis://127.0.0.1:$port/0",
    'redis_stream' => 'jobs',
    'redis_group' => 'workers',
    'redis_consumer' => 'phpt',
    'max_deliveries' => 3,
    'log_level' => 'off',
]);
var_dump(ProcPool\Pool::IPC_REDIS, PROCPOOL_IPC_REDIS);
var_dump(preg_match('/^\d+-\d+$/', $pool->push('pushed-before-start')));
var_dump($pool->getMessageFields(), $pool->getMessageId());
$pool->on('Message', function (ProcPool\Pool $pool, string $data) use ($log) {
    $fields = $pool->getMessageFields();
    procpool_log($log, "$data " . $pool->getMessageId() . ' ' . json_encode($fields));
    if ($data === 'throw') {
        throw new RuntimeException('bad entry');
    }
    if ($data === 'exit') {
        exit(3);
    }
});
$pool->on('Start', function (ProcPool\Pool $pool) use ($port, $log) {
    $pool->push('pushed-by-manager');
    procpool_client_then_stop(function () use ($port, $log) {
        $r = procpool_redis_connect($port);
        for ($i = 0; $i < 20; $i++) {
            procpool_redis($r, 'XADD', 'jobs', '*', 'data', "job-$i", 'n', (string) $i);
        }
        procpool_redis($r, 'XADD', 'jobs', '*', 'data', 'throw');
        procpool_redis($r, 'XADD', 'jobs', '*', 'data', 'exit');
        procpool_redis($r, 'XADD', 'jobs', '*', 'data', 'last');
        procpool_wait_until(fn () => procpool_redis($r, 'XLEN', 'jobs:dead') === 2
            && procpool_redis($r, 'XPENDING', 'jobs', 'workers')[0] === 0
            && count(procpool_lines($log)) >= 29, 10.0);
    });
});
ini_set('display_errors', '0'); // the uncaught exceptions' reports, printed by the workers
$pool->start();
$counts = [];
$fields = [];
foreach (procpool_lines($log) as $l) {
    [$data, $id, $json] = explode(' ', $l, 3);
    $counts[$data] = ($counts[$data] ?? 0) + 1;
    $fields[$data] = [$id, json_decode($json, true)];
}
ksort($counts);
$once = array_filter($counts, fn ($n) => $n === 1);
echo 'handled once: ', count($once), "\n";
echo 'throw: ', $counts['throw'], ', exit: ', $counts['exit'], "\n";
var_dump($fields['job-7'][1], preg_match('/^\d+-\d+$/', $fields['job-7'][0]));
$r = procpool_redis_connect($port);
echo 'pending: ', procpool_redis($r, 'XPENDING', 'jobs', 'workers')[0], "\n";
$dead = [];
foreach (procpool_redis_xrange($r, 'jobs:dead') as $entry) {
    $dead[] = $entry['data'] . ' | ' . $entry['procpool.error'] . ' | deliveries ' . $entry['procpool.deliveries']
        . ' | ' . $entry['procpool.group'];
}
sort($dead); // the two workers may bury them in either order
echo implode("\n", $dead), "\n";
procpool_redis_stop($server);
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
int(100)
int(100)
int(1)
bool(false)
bool(false)
handled once: 23
throw: 3, exit: 3
array(2) {
  ["data"]=>
  string(5) "job-7"
  ["n"]=>
  string(1) "7"
}
int(1)
pending: 0
exit | exit(3) was called in the Message callback | deliveries 3 | workers
throw | RuntimeException: bad entry | deliveries 3 | workers
