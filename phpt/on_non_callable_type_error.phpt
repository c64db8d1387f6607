--TEST--
on() with a non-callable callback throws TypeError
--EXTENSIONS--
procpool
--FILE--
<?php
$pool = new Swoole\Process\Pool(1);
foreach (['no_such_function', 42, [new stdClass, 'nope'], null] as $cb) {
    try {
        $pool->on('WorkerStart', $cb);
        echo "no exception\n";
    } catch (TypeError $e) {
        echo get_class($e), ": ", $e->getMessage(), "\n";
    }
}
?>
--EXPECT--
TypeError: Swoole\Process\Pool::on(): Argument #2 ($callback) must be a valid callback
TypeError: Swoole\Process\Pool::on(): Argument #2 ($callback) must be a valid callback
TypeError: Swoole\Process\Pool::on(): Argument #2 ($callback) must be a valid callback
TypeError: Swoole\Process\Pool::on(): Argument #2 ($callback) must be a valid callback
