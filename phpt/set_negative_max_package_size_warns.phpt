--TEST--
set() with a negative max_package_size warns and ignores the value
--EXTENSIONS--
procpool
--FILE--
<?php
$pool = new Swoole\Process\Pool(1);
$pool->set(['max_package_size' => -5]);
echo "done\n";
?>
--EXPECTF--
Warning: Swoole\Process\Pool::set(): 'max_package_size' must be greater than 0, -5 given; ignored in %s on line %d
done
