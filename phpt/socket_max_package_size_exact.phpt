--TEST--
SOCKET: a frame of exactly max_package_size bytes is accepted (set and default 2 MiB); one byte more is closed with no reply and the worker carries on
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(10);
foreach ([1024, null] as $max) {
    $log = procpool_tmp('log');
    $path = procpool_sock_path();
    $pool = new Swoole\Process\Pool(1, SWOOLE_IPC_SOCKET);
    if ($max !== null) {
        $pool->set(['max_package_size' => $max]);
    }
    $limit = $max ?? 2 * 1024 * 1024;
    var_dump($pool->listen("unix:$path"));
    $pool->on('WorkerStart', function ($pool) use ($log) {
        procpool_log($log, 'worker started');
    });
    $pool->on('Message', function ($pool, $data) use ($log) {
        procpool_log($log, 'worker got ' . strlen($data) . ' bytes');
        $pool->write('len=' . strlen($data) . ' md5=' . md5($data));
    });
    $pool->on('Start', function ($pool) use ($path, $log, $limit) {
        procpool_client_then_stop(function () use ($path, $log, $limit) {
            $exact = random_bytes($limit);
            $ok = procpool_call("unix://$path", $exact);
            procpool_log($log, 'exact: ' . ($ok === 'reply len=' . $limit . ' md5=' . md5($exact) ? 'answered correctly' : $ok));
            procpool_log($log, 'one more: ' . procpool_call("unix://$path", random_bytes($limit + 1)));
            procpool_log($log, 'next: ' . procpool_call("unix://$path", 'small'));
        });
    });
    var_dump($pool->start());
    echo implode("\n", procpool_lines($log)), "\n";
    @unlink($log);
    unset($pool);
}
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
?>
--EXPECT--
bool(true)
NULL
worker started
worker got 1024 bytes
exact: answered correctly
one more: no reply (EOF)
worker got 5 bytes
next: reply len=5 md5=eb5c1399a871211c7e7ed732d15e3a8b
bool(true)
NULL
worker started
worker got 2097152 bytes
exact: answered correctly
one more: no reply (EOF)
worker got 5 bytes
next: reply len=5 md5=eb5c1399a871211c7e7ed732d15e3a8b
int(-1)
