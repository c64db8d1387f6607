--TEST--
new Pool() with an unknown ipc_type throws
--EXTENSIONS--
procpool
--FILE--
<?php
foreach ([4, -1, 99] as $t) {
    try {
        new Swoole\Process\Pool(1, $t);
        echo "no exception for $t\n";
    } catch (Swoole\Exception $e) {
        echo get_class($e), ": ", $e->getMessage(), "\n";
    }
}
?>
--EXPECTF--
Swoole\Exception: unknown IPC type 4 (expected SWOOLE_IPC_NONE=0, %s)
Swoole\Exception: unknown IPC type -1 (expected SWOOLE_IPC_NONE=0, %s)
Swoole\Exception: unknown IPC type 99 (expected SWOOLE_IPC_NONE=0, %s)
