--TEST--
Fidelity (Swoole 6.2): without the swoole extension the classes' names are Swoole's: get_class($pool->getProcess()) is Swoole\Process, get_class($pool) Swoole\Process\Pool, ::class comparisons hold and error messages name Swoole's classes; the ProcPool\ names are aliases
--EXTENSIONS--
procpool
pcntl
posix
--SKIPIF--
<?php if (extension_loaded('swoole')) die('skip the real swoole extension is loaded'); ?>
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(8);
$pool = new ProcPool\Pool(1);
$pool->on('Start', function ($pool) {
    $p = $pool->getProcess(0);
    var_dump(get_class($p), get_class($p) === Swoole\Process::class, $p instanceof ProcPool\Process);
    var_dump(get_class($pool), $pool::class === Swoole\Process\Pool::class);
    $pool->shutdown();
});
$pool->on('WorkerStart', function () { sleep(3); });
var_dump($pool->start());
try {
    $pool->workerId = 3;
} catch (Error $e) {
    echo $e->getMessage(), "\n";
}
var_dump((new ReflectionClass('ProcPool\Exception'))->getName());
procpool_deadline_cancel();
?>
--EXPECT--
string(14) "Swoole\Process"
bool(true)
bool(true)
string(19) "Swoole\Process\Pool"
bool(true)
NULL
Cannot modify readonly property Swoole\Process\Pool::$workerId
string(16) "Swoole\Exception"
