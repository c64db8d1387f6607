--TEST--
MSGQUEUE: messages of 1 byte, every byte value 0..255, msgmax-1 and exactly msgmax bytes (the system's largest) arrive whole and binary-safe; a larger message cannot be sent at all (msg_send fails with EINVAL), so the pool never sees it
--DESCRIPTION--
The kernel limits a message to /proc/sys/kernel/msgmax bytes (8192 by default) and a queue to msgmnb bytes.
procpool's own limit is 65536 bytes (docs/behaviour.md); with the default msgmax the kernel's limit is the smaller one,
so a producer's msg_send() of msgmax+1 bytes returns false (error code 22, EINVAL) and nothing is queued.
The test reads msgmax and adapts its sizes; it skips when msgmax is above 65536 (then a message can be
larger than the pool's limit, see msgqueue_message_over_65536_truncated.phpt) or larger than the queue.
--EXTENSIONS--
procpool
pcntl
posix
sysvmsg
--SKIPIF--
<?php
$max = (int) @file_get_contents('/proc/sys/kernel/msgmax');
$mnb = (int) @file_get_contents('/proc/sys/kernel/msgmnb');
if ($max < 300 || $max > 65536) die("skip needs 300 <= msgmax <= 65536 (msgmax = $max)");
if ($mnb < $max) die("skip a msgmax-byte message does not fit in a queue (msgmnb = $mnb)");
?>
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(10);
$max = procpool_sysctl_int('msgmax');
$key = procpool_msgkey(1);
$log = procpool_tmp('log');
$messages = [
    '1 byte' => "\0",
    'bytes 0..255' => implode('', array_map('chr', range(0, 255))),
    'msgmax-1 bytes' => random_bytes($max - 1),
    'msgmax bytes' => substr(random_bytes($max) . "\0\0\0\0\xff\xfe\r\n\0tail\0\0\0", -$max),
];
$q = msg_get_queue($key, 0600);
echo "msg_send of msgmax+1 bytes:\n";
var_dump(@msg_send($q, 1, str_repeat('x', $max + 1), false, false, $err), $err);
echo 'queued: ', msg_stat_queue($q)['msg_qnum'], "\n";
$pool = new Swoole\Process\Pool(2, SWOOLE_IPC_MSGQUEUE, $key);
$pool->on('Message', function ($pool, $data) use ($log) {
    procpool_log($log, strlen($data) . ' ' . md5($data));
});
$pool->on('Start', function ($pool) use ($key, $log, $messages) {
    procpool_client_then_stop(function () use ($key, $log, $messages) {
        $q = msg_get_queue($key);
        foreach ($messages as $m) {
            msg_send($q, 3, $m, false);
        }
        procpool_wait_until(fn () => count(procpool_lines($log)) >= count($messages), 4.0);
    });
});
var_dump($pool->start());
$got = procpool_lines($log);
foreach ($messages as $name => $m) {
    echo "$name: ", in_array(strlen($m) . ' ' . md5($m), $got, true) ? 'arrived whole' : 'NOT arrived whole', "\n";
}
echo 'Message calls: ', count($got), "\n";
procpool_msgkey_remove($key);
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
msg_send of msgmax+1 bytes:
bool(false)
int(22)
queued: 0
NULL
1 byte: arrived whole
bytes 0..255: arrived whole
msgmax-1 bytes: arrived whole
msgmax bytes: arrived whole
Message calls: 4
int(-1)
