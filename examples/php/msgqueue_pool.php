<?php
// procpool example: a SWOOLE_IPC_MSGQUEUE pool with 2 workers on a keyed System V message queue, written as
// plain Swoole\Process\Pool code. Each message sent to the queue (by any process, any non-zero type) is
// handled by exactly one worker, which prints it.
//
// Run (from the repository root, after `cargo build -p procpool-php`):
//   php -d extension=target/debug/libprocpool_php.so examples/php/msgqueue_pool.php 0x70636b01
// then, in another terminal, the producer (plain PHP with ext-sysvmsg, no procpool needed):
//   php examples/php/msgqueue_producer.php 0x70636b01 10
// Stop the pool with Ctrl-C (or `kill -TERM <manager pid>`): a worker finishes the message in hand first.
// The queue is created owner-only (0600) if missing and stays after the pool ends, keeping any messages sent
// while no pool runs for the next start; remove it with `ipcrm -Q 0x70636b01` (or msg_remove_queue()).
// The key may be given in decimal or 0x-hex; with no argument it is 0x70636b01.

use Swoole\Process\Pool;

$key = intval($argv[1] ?? '0x70636b01', 0);
if ($key <= 0) {
    fwrite(STDERR, "usage: php msgqueue_pool.php <queue key, e.g. 0x70636b01>\n");
    exit(1);
}

$pool = new Pool(2, SWOOLE_IPC_MSGQUEUE, $key);

$pool->on('Start', function (Pool $pool) use ($key) {
    printf("[manager %d] consuming queue 0x%x with 2 workers (Ctrl-C to stop)\n", $pool->master_pid, $key);
});

$pool->on('WorkerStart', function (Pool $pool, int $workerId) {
    echo "[worker #$workerId pid " . posix_getpid() . "] ready\n";
});

$pool->on('Message', function (Pool $pool, string $data) {
    $shown = preg_match('//u', $data) && !preg_match('/[\x00-\x1f\x7f]/', $data) ? $data : 'hex:' . bin2hex($data);
    echo "[worker #{$pool->workerId} pid " . posix_getpid() . "] handled (" . strlen($data) . " bytes): $shown\n";
});

$pool->on('WorkerStop', function (Pool $pool, int $workerId) {
    echo "[worker #$workerId pid " . posix_getpid() . "] stopped\n";
});

$pool->on('Shutdown', function (Pool $pool) {
    echo "[manager] shutting down\n";
});

$pool->start();
echo "[manager] bye\n";
