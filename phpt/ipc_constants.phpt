--TEST--
SWOOLE_IPC_* global constants and ProcPool\Pool::IPC_* class constants have Swoole's values
--EXTENSIONS--
procpool
--FILE--
<?php
var_dump(SWOOLE_IPC_NONE, SWOOLE_IPC_UNIXSOCK, SWOOLE_IPC_MSGQUEUE, SWOOLE_IPC_SOCKET);
var_dump(ProcPool\Pool::IPC_NONE, ProcPool\Pool::IPC_UNIXSOCK, ProcPool\Pool::IPC_MSGQUEUE, ProcPool\Pool::IPC_SOCKET);
var_dump(Swoole\Process\Pool::IPC_SOCKET === SWOOLE_IPC_SOCKET);
?>
--EXPECT--
int(0)
int(1)
int(2)
int(3)
int(0)
int(1)
int(2)
int(3)
bool(true)
