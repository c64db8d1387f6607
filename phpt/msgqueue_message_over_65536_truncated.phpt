--TEST--
MSGQUEUE: where the kernel allows messages above 65536 bytes (msgmax raised), a 65536-byte message arrives whole, a longer one reaches Message cut to its first 65536 bytes (it is not left at the head of the queue), and the next message arrives intact
--DESCRIPTION--
Only runs when /proc/sys/kernel/msgmax > 65536 and the queue capacity (msgmnb) holds such a message; the test
never changes these settings. With the default msgmax (8192) such a message cannot be sent at all, see
msgqueue_message_sizes_binary_safe.phpt.
--EXTENSIONS--
procpool
pcntl
posix
sysvmsg
--SKIPIF--
<?php
$max = (int) @file_get_contents('/proc/sys/kernel/msgmax');
$mnb = (int) @file_get_contents('/proc/sys/kernel/msgmnb');
if ($max <= 65536 || $mnb <= 65536) die("skip needs msgmax and msgmnb above 65536 (msgmax = $max, msgmnb = $mnb); the test does not change them");
?>
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(10);
$key = procpool_msgkey(1);
$log = procpool_tmp('log');
$exact = random_bytes(65536);
$long = random_bytes(65536 + 100);
$pool = new Swoole\Process\Pool(1, SWOOLE_IPC_MSGQUEUE, $key);
$pool->on('Message', function ($pool, $data) use ($log) {
    procpool_log($log, strlen($data) . ' ' . md5($data));
});
$pool->on('Start', function ($pool) use ($key, $log, $exact, $long) {
    procpool_client_then_stop(function () use ($key, $log, $exact, $long) {
        $q = msg_get_queue($key);
        foreach ([$exact, $long, 'next'] as $m) {
            msg_send($q, 1, $m, false);
        }
        procpool_wait_until(fn () => count(procpool_lines($log)) >= 3, 4.0);
    });
});
var_dump($pool->start());
$got = procpool_lines($log);
echo 'exactly 65536 bytes: ', var_export(($got[0] ?? '') === '65536 ' . md5($exact), true), "\n";
echo '65636 bytes, cut to the first 65536: ', var_export(($got[1] ?? '') === '65536 ' . md5(substr($long, 0, 65536)), true), "\n";
echo 'next message intact: ', var_export(($got[2] ?? '') === '4 ' . md5('next'), true), "\n";
echo 'Message calls: ', count($got), "\n";
procpool_msgkey_remove($key);
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
NULL
exactly 65536 bytes: true
65636 bytes, cut to the first 65536: true
next message intact: true
Message calls: 3
