--TEST--
On a SWOOLE_IPC_NONE pool, listen(), write() and sendMessage() warn and return false
--EXTENSIONS--
procpool
--FILE--
<?php
$pool = new Swoole\Process\Pool(1);
var_dump($pool->listen('127.0.0.1', 9501));
var_dump($pool->listen('unix:/tmp/procpool-never-created.sock'));
var_dump($pool->write('data'));
var_dump($pool->sendMessage('data', 0));
var_dump(file_exists('/tmp/procpool-never-created.sock'));
?>
--EXPECTF--
Warning: Swoole\Process\Pool::listen(): listen() is only available with SWOOLE_IPC_SOCKET in %s on line %d
bool(false)

Warning: Swoole\Process\Pool::listen(): listen() is only available with SWOOLE_IPC_SOCKET in %s on line %d
bool(false)

Warning: Swoole\Process\Pool::write(): write() is only available with SWOOLE_IPC_SOCKET in %s on line %d
bool(false)

Warning: Swoole\Process\Pool::sendMessage(): sendMessage() is only available with SWOOLE_IPC_UNIXSOCK in %s on line %d
bool(false)
bool(false)
