--TEST--
on('Message') on a SWOOLE_IPC_NONE pool throws
--EXTENSIONS--
procpool
--FILE--
<?php
$pool = new Swoole\Process\Pool(1, SWOOLE_IPC_NONE);
try {
    $pool->on('Message', function ($pool, $data) {});
    echo "no exception\n";
} catch (Swoole\Exception $e) {
    echo get_class($e), ": ", $e->getMessage(), "\n";
}
try {
    $pool->on('message', function ($pool, $data) {});
    echo "no exception\n";
} catch (Swoole\Exception $e) {
    echo "lower case too\n";
}
?>
--EXPECT--
Swoole\Exception: cannot set a Message callback with SWOOLE_IPC_NONE: workers of this mode receive no messages
lower case too
