<?php
// procpool example: a producer for examples/php/msgqueue_pool.php. It is a separate, plain PHP script (it needs
// ext-sysvmsg, not procpool): it opens the System V message queue of the key and sends N messages with
// msg_send($queue, $type, $data, false) — unserialized strings, any non-zero type. Each one is handled by
// exactly one worker of the pool; messages sent while no pool runs wait in the queue.
//
// Run (from the repository root), with the pool running on the same key:
//   php examples/php/msgqueue_producer.php 0x70636b01 10
//   php examples/php/msgqueue_producer.php 0x70636b01 3 "custom text"
// Arguments: the queue key (decimal or 0x-hex, default 0x70636b01), how many messages (default 10), and an
// optional message text (default "message <i> of <N>"). A message may be at most
// /proc/sys/kernel/msgmax bytes (8192 by default) and at most 65536 bytes for the pool.

$key = intval($argv[1] ?? '0x70636b01', 0);
$n = (int) ($argv[2] ?? 10);
$text = $argv[3] ?? null;
if ($key <= 0 || $n < 0) {
    fwrite(STDERR, "usage: php msgqueue_producer.php <queue key> [count] [text]\n");
    exit(1);
}

// The pool creates the queue owner-only (0600); create it the same way if the producer comes first.
$queue = msg_get_queue($key, 0600);
for ($i = 1; $i <= $n; $i++) {
    $data = $text ?? "message $i of $n";
    // blocking send: waits while the queue is full
    if (!msg_send($queue, 1, $data, false, true, $error)) {
        fwrite(STDERR, "msg_send failed (error $error) at message $i\n");
        exit(1);
    }
}
printf("sent %d message%s to queue 0x%x\n", $n, $n === 1 ? '' : 's', $key);
