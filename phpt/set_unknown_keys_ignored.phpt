--TEST--
set() ignores unknown keys (Swoole global options) without any warning
--EXTENSIONS--
procpool
--FILE--
<?php
$pool = new Swoole\Process\Pool(1);
var_dump($pool->set(['daemonize' => true, 'log_file' => '/nonexistent', 'no_such_option' => [1, 2], 7 => 'int key',
    'max_wait_time' => 1, 'max_package_size' => 1024, 'enable_message_bus' => false]));
echo "done\n";
?>
--EXPECT--
NULL
done
