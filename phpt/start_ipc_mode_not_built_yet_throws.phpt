--TEST--
TEMPORARY: start() of a UNIXSOCK/MSGQUEUE pool throws "not built yet" until those IPC modes exist
--DESCRIPTION--
Only some IPC modes are built so far (SWOOLE_IPC_NONE, SWOOLE_IPC_SOCKET in progress). Drop a mode from
this test, and replace it with real tests of that mode, as soon as it lands.
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
procpool_deadline(8);
foreach ([SWOOLE_IPC_UNIXSOCK, SWOOLE_IPC_MSGQUEUE] as $mode) {
    $pool = new Swoole\Process\Pool(1, $mode);
    $pool->on('Message', function ($pool, $data) {});
    try {
        $pool->start();
        echo "no exception\n";
    } catch (Swoole\Exception $e) {
        echo get_class($e), ": ", $e->getMessage(), "\n";
    }
}
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
?>
--EXPECTF--
ProcPool\Exception: SWOOLE_IPC_UNIXSOCK is not built yet in procpool; only %s pools can start
ProcPool\Exception: SWOOLE_IPC_MSGQUEUE is not built yet in procpool; only %s pools can start
int(-1)
