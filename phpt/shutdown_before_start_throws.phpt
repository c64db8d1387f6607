--TEST--
shutdown() before start() throws
--EXTENSIONS--
procpool
--FILE--
<?php
$pool = new Swoole\Process\Pool(1);
try {
    $pool->shutdown();
    echo "no exception\n";
} catch (Swoole\Exception $e) {
    echo get_class($e), ": ", $e->getMessage(), "\n";
}
?>
--EXPECT--
Swoole\Exception: shutdown() called before start(): the pool is not running
