--TEST--
UNIXSOCK with enable_message_bus: a sender SIGKILLed while it sends a 64 MiB message to a slow receiver leaves no half message behind: the receiver warns "dropped a partial message" within ~2 s (its sender's pid is gone), never runs Message with it, and keeps serving (the replacement's messages arrive); a partial message of a sender that lives but went silent (the manager, whose send failed on a full buffer) is dropped after 10 s
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
require __DIR__ . '/_unixsock.inc';
procpool_deadline(25);
[$out, $err, $rc, $lines] = ux_run(<<<'PHP'
<?php
require getenv('UTIL');
require getenv('UX');
ini_set('memory_limit', '1G');
$log = getenv('LOG');
$pool = new Swoole\Process\Pool(2, SWOOLE_IPC_UNIXSOCK);
$pool->set(['enable_message_bus' => true]);
$pool->on('Start', function ($pool) use ($log) {
    procpool_log($log, 'start ' . time() . ' manager ' . posix_getpid());
    // 1 MiB does not fit in the socket buffer: the manager never waits, so this fails after some chunks
    var_dump($pool->sendMessage(ux_msg('manager-big', str_repeat('m', 1 << 20)), 0));
});
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    if ($id !== 1) {
        return;
    }
    $first = !preg_grep('/^sender /', procpool_lines($log));
    procpool_log($log, 'sender ' . posix_getpid());
    if ($first) {
        $pool->sendMessage('slow', 0);
        $big = ux_msg('big', str_repeat('b', 64 << 20));
        procpool_log($log, 'sending the big one');
        $pool->sendMessage($big, 0);
        procpool_log($log, 'the 64 MiB send returned (it should have been killed)');
        return;
    }
    // the replacement
    $pool->sendMessage(ux_msg('after-respawn', 'hello'), 0);
    $start = (int) explode(' ', procpool_lines($log)[0])[1];
    while (time() < $start + 12) {
        usleep(100000);
    }
    $pool->sendMessage('end', 0);
});
$pool->on('Message', function ($pool, $data) use ($log) {
    if ($data === 'slow') {
        // the sender fills the buffer and blocks in sendMessage()
        procpool_wait_until(fn () => in_array('sending the big one', procpool_lines($log), true), 5.0);
        usleep(500000);
        $sender = (int) substr(preg_grep('/^sender /', procpool_lines($log))[array_key_first(preg_grep('/^sender /', procpool_lines($log)))], 7);
        posix_kill($sender, SIGKILL);
        procpool_log($log, 'killed ' . time() . " $sender");
        return;
    }
    if ($data === 'end') {
        $pool->shutdown();
        return;
    }
    procpool_log($log, 'Message: ' . ux_check($data));
});
$pool->start();
PHP, 20.0);
echo "stdout:\n", $out;
$start = $manager = $killed = $victim = null;
foreach ($lines as $l) {
    if (preg_match('/^start (\d+) manager (\d+)$/', $l, $m)) { [$start, $manager] = [(int) $m[1], (int) $m[2]]; }
    if (preg_match('/^killed (\d+) (\d+)$/', $l, $m)) { [$killed, $victim] = [(int) $m[1], (int) $m[2]]; }
}
echo "log:\n", implode("\n", preg_grep('/^(Message|the 64)/', $lines)), "\n";
$drops = [];
foreach (explode("\n", trim($err)) as $l) {
    if (preg_match('/^\[(\S+ \S+) [^\]]*\]\tWARNING\tdropped a partial message \((\d+) bytes\) from pid (\d+): its sender died or went silent$/', $l, $m)) {
        $who = (int) $m[3] === $victim ? 'the killed sender' : ((int) $m[3] === $manager ? 'the manager' : "pid $m[3]");
        $drops[$who] = strtotime($m[1]) - ($who === 'the manager' ? $start : $killed);
    } elseif (!preg_match("/worker#1 \\(pid $victim\\).*signal=9 \\(SIGKILL\\)/", $l)) {
        echo "unexpected stderr: $l\n";
    }
}
ksort($drops);
foreach ($drops as $who => $after) {
    echo "dropped the partial message of $who ", $who === 'the manager'
        ? ($after >= 9 && $after <= 12 ? 'after ~10 s' : "after {$after} s") : ($after <= 2 ? 'within 2 s of the kill' : "after {$after} s"), "\n";
}
echo "exit code: $rc\n";
echo 'took: ', time() - $start, " s\n";
procpool_deadline_cancel();
?>
--EXPECTF--
stdout:

Warning: %s::sendMessage(): to worker#0 failed: the destination's socket buffer is full%s in %s on line %d
bool(false)
log:
Message: after-respawn 5 ok
dropped the partial message of the killed sender within 2 s of the kill
dropped the partial message of the manager after ~10 s
exit code: 0
took: %d s
