--TEST--
Process::name() sets the worker's process title (cli_get_process_title())
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
    $title = "procpool-test-worker-$id";
    $r = $pool->getProcess()->name($title);
    $cmdline = str_replace("\0", ' ', (string) @file_get_contents('/proc/self/cmdline'));
    procpool_log($log, sprintf("name()=%s title=%s cmdline_ok=%d", var_export($r, true), cli_get_process_title(),
        str_contains($cmdline, $title)));
    $pool->shutdown();
    sleep(5);
});
var_dump($pool->start());
echo implode("\n", procpool_lines($log)), "\n";
var_dump(cli_get_process_title() !== 'procpool-test-worker-0');
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
NULL
name()=true title=procpool-test-worker-0 cmdline_ok=1
bool(true)
