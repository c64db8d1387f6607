<?php
/*
 * procpool demo: a SWOOLE_IPC_UNIXSOCK pool whose workers talk to each other with sendMessage().
 *
 * usage: php -d extension=target/debug/libprocpool_php.so examples/php/unixsock_pool.php [jobs]
 *
 * The manager's Start callback sends [jobs] jobs (default 12), round-robin, to workers 1 and 2
 * (worker 0 gets the first one too). Each worker squares its job's number and passes the result
 * to worker 0 with sendMessage(). Worker 0 collects the results, prints a summary and shuts the
 * pool down. Works the same with the real Swoole extension (Swoole\Process\Pool).
 */

$jobs = (int) ($argv[1] ?? 12);
$workers = 3;

$pool = new Swoole\Process\Pool($workers, SWOOLE_IPC_UNIXSOCK);

$pool->on('Start', function (Swoole\Process\Pool $pool) use ($jobs, $workers) {
    for ($n = 1; $n <= $jobs; $n++) {
        // jobs go to every worker, worker 0 included; the manager never blocks (false = buffer full)
        $pool->sendMessage(json_encode(['job' => $n]), $n % $workers);
    }
});

$pool->on('Message', function (Swoole\Process\Pool $pool, string $data) use ($jobs) {
    static $results = [];
    $msg = json_decode($data, true);
    if (!isset($msg['result'])) {
        $n = $msg['job'];
        $pool->sendMessage(json_encode(['result' => $n * $n, 'job' => $n, 'by' => $pool->workerId]), 0);
        return;
    }
    // worker 0: a result
    $results[$msg['job']] = $msg;
    if (count($results) === $jobs) {
        ksort($results);
        $byWorker = array_count_values(array_column($results, 'by'));
        ksort($byWorker);
        printf("worker 0: %d results, sum of squares = %d\n", count($results), array_sum(array_column($results, 'result')));
        foreach ($byWorker as $id => $count) {
            printf("  worker %d computed %d\n", $id, $count);
        }
        $pool->shutdown();
    }
});

$pool->start();
echo "pool stopped\n";
