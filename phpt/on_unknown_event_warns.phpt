--TEST--
on() with an unknown event warns and returns false
--EXTENSIONS--
procpool
--FILE--
<?php
$pool = new Swoole\Process\Pool(1);
var_dump($pool->on('foo', function () {}));
var_dump($pool->on('Receive', function () {}));
?>
--EXPECTF--
Warning: Swoole\Process\Pool::on(): unknown event types[foo] in %s on line %d
bool(false)

Warning: Swoole\Process\Pool::on(): unknown event types[Receive] in %s on line %d
bool(false)
