<?php
/*
 * A UNIXSOCK pool with the metrics endpoint and restart policies on (procpool only; a script for
 * Swoole would not set these keys).
 *
 *   php -d extension=procpool examples/php/metrics_pool.php [metrics address, default 127.0.0.1:9464]
 *   curl -s http://127.0.0.1:9464/metrics      # Prometheus text
 *   curl -s http://127.0.0.1:9464/status       # the same figures as $pool->stats(), as JSON
 *
 * Worker 0 hands out a job every 20 ms to workers 1 and 2; each of them
 * is replaced after 50 jobs (max_request, spread by max_request_grace), a job running over 2 s is
 * logged (slow_request) and one over 5 s is killed (request_timeout); a worker over 128 MiB of
 * resident memory is restarted after its job (max_memory). Stop it with Ctrl-C (or SIGTERM):
 * the last figures are printed.
 */
$listen = $argv[1] ?? '127.0.0.1:9464';
$pool = new Swoole\Process\Pool(3, SWOOLE_IPC_UNIXSOCK);
$pool->set([
    'metrics_listen' => $listen,
    'max_request' => 50,
    'max_request_grace' => 10,
    'max_memory' => '128M',
    'slow_request' => 2,
    'request_timeout' => 5,
]);
$pool->on('Start', function ($pool) use ($listen) {
    echo "manager ", getmypid(), ": metrics on http://$listen/metrics\n";
});
$pool->on('WorkerStart', function ($pool, $id) {
    if ($id === 0) {
        // Worker 0 hands out jobs to workers 1 and 2 until the pool stops.
        for ($n = 0; $pool->workerRunning; $n++) {
            $pool->sendMessage("job $n", $n % 2 + 1);
            usleep(20000);
        }
    }
});
$pool->on('Message', function ($pool, $job) {
    usleep(random_int(1000, 20000));   // the work
});
$pool->start();
$stats = $pool->stats();
printf("handled %d jobs; %d worker processes started; exits: %s\n", $stats['messages'], $stats['worker_starts'],
    json_encode($stats['worker_exits']));
