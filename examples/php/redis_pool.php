<?php
// procpool example: a ProcPool\Pool::IPC_REDIS pool of 3 workers draining the Redis stream "jobs" through the
// consumer group "example", at least once. Each entry's `data` field goes to Message; the entry is
// acknowledged when Message returns. An entry whose handler throws is delivered again, and after 3 deliveries
// moved to the stream "jobs:dead" with the exception's text. See docs/redis.md.
//
// Run (from the repository root, after `cargo build -p procpool-php`, with a redis-server on 127.0.0.1:6379):
//   php -d extension=target/debug/libprocpool_php.so examples/php/redis_pool.php [redis://127.0.0.1:6379/0]
// then, in another terminal, the producer (plain PHP, no procpool needed):
//   php examples/php/redis_producer.php 10                    # 10 jobs
//   php examples/php/redis_producer.php 1 poison              # a job whose handler throws
//   redis-cli XRANGE jobs:dead - +                            # where the poison job ends up
// Start the same script on other hosts (or with another consumer prefix on this one) to share the work:
//   php -d extension=... examples/php/redis_pool.php redis://127.0.0.1:6379/0 second-pool
// Kill one pool with SIGKILL: after claim_idle (5 s here) another pool handles what it held.
// Stop with Ctrl-C (or `kill -TERM <manager pid>`): a worker finishes and acknowledges the entry in hand first.

use ProcPool\Pool;

$url = $argv[1] ?? 'redis://127.0.0.1:6379/0';
$consumer = $argv[2] ?? gethostname();

$pool = new Pool(3, Pool::IPC_REDIS);
$pool->set([
    'redis_url' => $url,
    'redis_stream' => 'jobs',
    'redis_group' => 'example',
    'redis_consumer' => $consumer,      // worker N is consumer "<prefix>-N"
    'max_deliveries' => 3,
    'claim_idle' => 5,                  // seconds; must exceed the slowest job
]);

$pool->on('Start', function (Pool $pool) use ($url, $consumer) {
    printf("[manager %d] reading stream 'jobs' (group 'example', consumers %s-0..2) at %s; Ctrl-C to stop\n",
        $pool->master_pid, $consumer, $url);
});

$pool->on('Message', function (Pool $pool, string $data) {
    $fields = $pool->getMessageFields();
    $id = $pool->getMessageId();
    if ($data === 'poison') {
        echo "[worker #{$pool->workerId}] entry $id: cannot handle '$data', throwing\n";
        throw new RuntimeException("cannot handle '$data'");
    }
    usleep(100000); // the work
    $extra = count($fields) > 1 ? ' ' . json_encode(array_diff_key($fields, ['data' => 1])) : '';
    echo "[worker #{$pool->workerId} pid " . posix_getpid() . "] entry $id handled: $data$extra\n";
});

$pool->on('WorkerStop', function (Pool $pool, int $workerId) {
    echo "[worker #$workerId] stopped\n";
});

ini_set('display_errors', 'stderr'); // the poison job's uncaught exception: once, on stderr
ini_set('log_errors', '0');
$pool->start();
echo "[manager] bye\n";
