<?php
// The PHP-extension target of bench/redis_bench: a ProcPool\Pool::IPC_REDIS pool of W workers draining
// STREAM (group "bench") at URL. Message only counts; the bench measures throughput from Redis's side (the
// group's pending list and lag). Prints "ready <id>" at WorkerStart and "count <id> <entries>" at WorkerStop.
//
// usage: php -d extension=target/release/libprocpool_php.so bench/redis_drain.php URL STREAM [WORKERS] [BATCH]
$url = $argv[1];
$stream = $argv[2];
$workers = (int) ($argv[3] ?? 2);
$batch = (int) ($argv[4] ?? 10);

$pool = new ProcPool\Pool($workers, ProcPool\Pool::IPC_REDIS);
$pool->set([
    'redis_url' => $url,
    'redis_stream' => $stream,
    'redis_group' => 'bench',
    'redis_consumer' => 'php',
    'redis_batch' => $batch,
    'log_level' => 'off',
]);
$count = 0;
$pool->on('WorkerStart', function ($pool, $id) {
    fwrite(STDOUT, "ready $id\n");
});
$pool->on('Message', function ($pool, $data) use (&$count) {
    $count++;
});
$pool->on('WorkerStop', function ($pool, $id) use (&$count) {
    fwrite(STDOUT, "count $id $count\n");
});
$pool->start();
