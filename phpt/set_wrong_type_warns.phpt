--TEST--
set() with a value of the wrong type warns and ignores it; max_wait_time => -1 is accepted silently (Swoole: never SIGKILL)
--EXTENSIONS--
procpool
--FILE--
<?php
$pool = new Swoole\Process\Pool(1);
$pool->set(['max_wait_time' => 'soon']);
$pool->set(['max_package_size' => [1]]);
$pool->set(['enable_message_bus' => 'yes']);
$pool->set(['max_wait_time' => -1]);
echo "done\n";
?>
--EXPECTF--
Warning: Swoole\Process\Pool::set(): 'max_wait_time' must be an int, a float or a numeric string, string given; ignored in %s on line %d

Warning: Swoole\Process\Pool::set(): 'max_package_size' must be an int, array given; ignored in %s on line %d

Warning: Swoole\Process\Pool::set(): 'enable_message_bus' must be a bool, string given; ignored in %s on line %d
done
