--TEST--
enable_coroutine=true (constructor 4th argument or set()) is refused with an exception naming the alternative
--EXTENSIONS--
procpool
--FILE--
<?php
try {
    new Swoole\Process\Pool(1, SWOOLE_IPC_NONE, 0, true);
    echo "constructor: no exception\n";
} catch (Swoole\Exception $e) {
    echo "constructor: ", get_class($e), "\n";
    var_dump(str_contains($e->getMessage(), 'enable_coroutine is not supported'));
    var_dump(str_contains($e->getMessage(), 'WorkerStart/Message callbacks'));
}
$pool = new Swoole\Process\Pool(1);
try {
    $pool->set(['enable_coroutine' => true]);
    echo "set: no exception\n";
} catch (Swoole\Exception $e) {
    echo "set: ", get_class($e), "\n";
    var_dump($e->getMessage() === 'enable_coroutine is not supported: procpool has no coroutine runtime. '
        . 'Write blocking code in WorkerStart/Message callbacks instead (and pcntl_signal() for signals), '
        . 'or use the real swoole extension for coroutine pools');
}
// false is accepted silently
$pool->set(['enable_coroutine' => false]);
$pool2 = new Swoole\Process\Pool(1, SWOOLE_IPC_NONE, 0, false);
echo "false accepted\n";
?>
--EXPECT--
constructor: ProcPool\Exception
bool(true)
bool(true)
set: ProcPool\Exception
bool(true)
false accepted
