--TEST--
getProcess() before start() returns false with no warning, even for a bad id
--EXTENSIONS--
procpool
--FILE--
<?php
$pool = new Swoole\Process\Pool(2);
var_dump($pool->getProcess(), $pool->getProcess(0), $pool->getProcess(1), $pool->getProcess(2), $pool->getProcess(99), $pool->getProcess(-5));
?>
--EXPECT--
bool(false)
bool(false)
bool(false)
bool(false)
bool(false)
bool(false)
