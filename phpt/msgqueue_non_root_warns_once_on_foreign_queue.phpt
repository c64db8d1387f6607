--TEST--
MSGQUEUE as a non-root user (uid 65534): an existing queue owned by root with mode 0666 is used, with one warning on stderr ("whoever can write to it"); the pool works
--EXTENSIONS--
procpool
pcntl
posix
sysvmsg
--SKIPIF--
<?php
if (posix_geteuid() !== 0) {
    die('skip the test must run as root (it runs its pool as uid 65534 after creating the queue as root)');
}
?>
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(10);
$key = procpool_msgkey(1);
$q = msg_get_queue($key, 0666);
$st = msg_stat_queue($q);
printf("queue owner uid %d, mode %04o\n", $st['msg_perm.uid'], $st['msg_perm.mode'] & 0777);
[$out, $err, $status] = procpool_run_php('<?php
$key = (int) getenv("KEY");
if (!posix_setgid(65534) || !posix_setuid(65534)) {
    echo "cannot become uid 65534: ", posix_strerror(posix_get_last_error()), "\n";
    exit(1);
}
echo "running as uid ", posix_geteuid(), "\n";
$pool = new Swoole\Process\Pool(2, SWOOLE_IPC_MSGQUEUE, $key);
$pool->on("Start", function ($pool) use ($key) {
    msg_send(msg_get_queue($key), 1, "hello", false);
});
$pool->on("Message", function ($pool, $data) {
    echo "worker got: $data\n";
    $pool->shutdown();
});
var_dump($pool->start());
', 8.0, ['KEY' => (string) $key]);
echo $out;
echo "exit status: $status\n";
$warnings = array_values(array_filter(explode("\n", $err), fn ($l) => str_contains($l, 'whoever can write to it')));
echo count($warnings), " warning line(s)\n";
echo preg_replace(['/key 0x[0-9a-f]+/', '/\(id \d+\)/'], ['key K', '(id N)'], $warnings[0] ?? '(none)'), "\n";
$other = array_filter(explode("\n", $err), fn ($l) => trim($l) !== '' && !str_contains($l, 'whoever can write to it'));
echo "other stderr: ", var_export(implode("\n", $other), true), "\n";
var_dump(msg_remove_queue($q));
procpool_deadline_cancel();
?>
--EXPECTF--
queue owner uid 0, mode 0666
running as uid 65534
worker got: hello
NULL
exit status: 0
1 warning line(s)
%Sthe message queue of key K (id N) is owned by uid 0 (created by uid 0) with mode 0666: whoever can write to it chooses what the workers run on
other stderr: ''
bool(true)
