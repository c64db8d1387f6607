--TEST--
enable_coroutine is accepted with SWOOLE_IPC_NONE and SWOOLE_IPC_UNIXSOCK; with another IPC mode the constructor throws Swoole's Error (and so does set(), instead of a pool that would never read its messages)
--EXTENSIONS--
procpool
--FILE--
<?php
foreach ([SWOOLE_IPC_NONE => 'NONE', SWOOLE_IPC_UNIXSOCK => 'UNIXSOCK', SWOOLE_IPC_MSGQUEUE => 'MSGQUEUE', SWOOLE_IPC_SOCKET => 'SOCKET'] as $mode => $name) {
    try {
        new Swoole\Process\Pool(1, $mode, 0, true);
        echo "constructor $name: accepted\n";
    } catch (Throwable $e) {
        echo "constructor $name: ", get_class($e), ": ", $e->getMessage(), "\n";
    }
    $pool = new Swoole\Process\Pool(1, $mode);
    try {
        $pool->set(['enable_coroutine' => true]);
        echo "set $name: accepted\n";
    } catch (Throwable $e) {
        echo "set $name: ", get_class($e), ": ", $e->getMessage(), "\n";
    }
    $pool->set(['enable_coroutine' => false]);
}
echo "false is always accepted\n";
?>
--EXPECT--
constructor NONE: accepted
set NONE: accepted
constructor UNIXSOCK: accepted
set UNIXSOCK: accepted
constructor MSGQUEUE: Error: the parameter $ipc_type must be SWOOLE_IPC_UNIXSOCK when enable coroutine
set MSGQUEUE: Error: the parameter $ipc_type must be SWOOLE_IPC_UNIXSOCK when enable coroutine
constructor SOCKET: Error: the parameter $ipc_type must be SWOOLE_IPC_UNIXSOCK when enable coroutine
set SOCKET: Error: the parameter $ipc_type must be SWOOLE_IPC_UNIXSOCK when enable coroutine
false is always accepted
