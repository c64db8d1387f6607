--TEST--
set() with a value of the wrong type warns and ignores it
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
Warning: ProcPool\Pool::set(): 'max_wait_time' must be an int or float, string given; ignored in %s on line %d

Warning: ProcPool\Pool::set(): 'max_package_size' must be an int, array given; ignored in %s on line %d

Warning: ProcPool\Pool::set(): 'enable_message_bus' must be a bool, string given; ignored in %s on line %d

Warning: ProcPool\Pool::set(): 'max_wait_time' must be a number of seconds from 0 to 31536000, -1 given; ignored in %s on line %d
done
