<?php
// The PHP-extension target of bench/msgqueue_bench: a SWOOLE_IPC_MSGQUEUE pool of W workers on the
// System V queue of KEY (made by msgqueue_bench, which feeds it with msgsnd). Message counts;
// the "END" marker (sent by the bench after the measured messages: the queue is FIFO, so whoever
// takes it knows every earlier message was taken) prints "end <hrtime ns>". Also prints
// "ready <id>" at WorkerStart and "count <id> <messages>" at WorkerStop, all on stdout.
//
// usage: php -d extension=target/release/libprocpool_php.so bench/msgqueue_drain.php KEY [WORKERS]
$key = intval($argv[1] ?? '0', 0);
$workers = (int)($argv[2] ?? 2);

$pool = new Swoole\Process\Pool($workers, SWOOLE_IPC_MSGQUEUE, $key);
$count = 0;
$pool->on('WorkerStart', function ($pool, $id) {
    fwrite(STDOUT, "ready $id\n");
});
$pool->on('Message', function ($pool, $data) use (&$count) {
    if ($data === 'END') {
        fwrite(STDOUT, 'end ' . hrtime(true) . "\n");
        return;
    }
    $count++;
});
$pool->on('WorkerStop', function ($pool, $id) use (&$count) {
    fwrite(STDOUT, "count $id $count\n");
});
$pool->start();
