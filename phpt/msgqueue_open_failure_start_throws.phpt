--TEST--
MSGQUEUE: a queue that cannot be opened makes start() throw a clear exception naming the key and the OS error; no worker is forked, no Start callback runs
--DESCRIPTION--
Tests run as root, which bypasses System V IPC permissions. So the pool runs in a subprocess that creates
the keyed queue with mode 0600 as root, then drops to uid/gid 65534 (nobody) before start(): msgget() then
fails with EACCES, as it would for any user without access to an existing queue.
--EXTENSIONS--
procpool
pcntl
posix
sysvmsg
--SKIPIF--
<?php
if (posix_geteuid() !== 0) die('skip needs root to create a queue another uid cannot open');
?>
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(10);
$key = procpool_msgkey(1);
$log = procpool_tmp('log');
touch($log);
chmod($log, 0666);
[$out, $err, $code] = procpool_run_php(<<<'PHP'
<?php
$key = (int) getenv('KEY');
$log = getenv('LOG');
$q = msg_get_queue($key, 0600);
if (!posix_setgid(65534) || !posix_setuid(65534)) {
    echo "cannot drop privileges\n";
}
$pool = new Swoole\Process\Pool(2, SWOOLE_IPC_MSGQUEUE, $key);
$pool->on('Start', function ($pool) use ($log) { file_put_contents($log, "Start ran\n", FILE_APPEND); });
$pool->on('WorkerStart', function ($pool, $id) use ($log) { file_put_contents($log, "WorkerStart $id\n", FILE_APPEND); });
$pool->on('Message', function ($pool, $data) {});
$t = microtime(true);
try {
    var_dump($pool->start());
} catch (Throwable $e) {
    echo get_class($e), ': ', $e->getMessage(), "\n";
}
echo 'start() failed at once: ', var_export(microtime(true) - $t < 1.0, true), "\n";
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
var_dump($pool->getProcess(0));
PHP, 8.0, ['KEY' => (string) $key, 'LOG' => $log]);
echo "stdout:\n", str_replace('0x' . dechex($key), 'KEY', $out);
echo "stderr:\n$err";
echo "exit code: $code\n";
echo "callbacks that ran: ", json_encode(procpool_lines($log)), "\n";
procpool_msgkey_remove($key);
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
stdout:
Swoole\Exception: msgget(key KEY): cannot open the message queue: Permission denied (os error 13)
start() failed at once: true
int(-1)
bool(false)
stderr:
exit code: 0
callbacks that ran: []
