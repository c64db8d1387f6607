--TEST--
Process::exec() of a missing program warns and returns false; the worker goes on with its output buffers untouched
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(8);
$log = procpool_tmp('log');
$pool = new Swoole\Process\Pool(1);
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    ob_start();
    $level = ob_get_level();
    echo "buffered before exec\n";
    $r = $pool->getProcess()->exec('/nonexistent/program', ['a']);
    $kept = ob_get_level() === $level;
    $buffered = ob_get_clean();
    procpool_log($log, "exec() returned " . var_export($r, true) . ", output buffer kept: " . var_export($kept, true));
    procpool_log($log, "buffer: " . trim((string) $buffered));
    $pool->shutdown();
    sleep(5);
});
var_dump($pool->start());
echo implode("\n", procpool_lines($log)), "\n";
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECTF--
NULL
exec() returned false, output buffer kept: true
buffer: buffered before exec

Warning: Swoole\Process::exec(): execv(/nonexistent/program) failed, Error: No such file or directory[2] in %s on line %d
