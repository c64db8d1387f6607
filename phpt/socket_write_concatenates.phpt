--TEST--
SOCKET: several write() calls in one Message are concatenated into one reply frame; write('') returns false and adds nothing
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(10);
$log = procpool_tmp('log');
$path = procpool_sock_path();
$pool = new Swoole\Process\Pool(1, SWOOLE_IPC_SOCKET);
var_dump($pool->listen("unix:$path"));
$pool->on('Message', function ($pool, $data) use ($log) {
    $r = [];
    $r[] = $pool->write('abc');
    $r[] = $pool->write('');
    $r[] = $pool->write("\0");
    $r[] = $pool->write($data);
    $r[] = $pool->write('');
    $r[] = $pool->write('|end');
    procpool_log($log, 'write() returned ' . implode(',', array_map(fn ($b) => var_export($b, true), $r)));
});
$pool->on('Start', function ($pool) use ($path, $log) {
    procpool_client_then_stop(function () use ($path, $log) {
        foreach (['one', 'two'] as $m) {
            procpool_log($log, 'client: ' . procpool_describe(procpool_exchange("unix://$path", procpool_frame($m)), true));
        }
    });
});
var_dump($pool->start());
echo implode("\n", procpool_lines($log)), "\n";
echo bin2hex("abc\0one|end"), "\n", bin2hex("abc\0two|end"), "\n";
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
bool(true)
NULL
write() returned true,false,true,true,false,true
client: reply 616263006f6e657c656e64
write() returned true,false,true,true,false,true
client: reply 6162630074776f7c656e64
616263006f6e657c656e64
6162630074776f7c656e64
int(-1)
