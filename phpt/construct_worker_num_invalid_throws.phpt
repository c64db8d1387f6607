--TEST--
new Pool() with worker_num <= 0 throws Swoole\Exception
--EXTENSIONS--
procpool
--FILE--
<?php
foreach ([0, -1, -100] as $n) {
    try {
        new Swoole\Process\Pool($n);
        echo "no exception for $n\n";
    } catch (Swoole\Exception $e) {
        echo get_class($e), ": ", $e->getMessage(), "\n";
    }
}
?>
--EXPECT--
Swoole\Exception: worker_num must be greater than 0, 0 given
Swoole\Exception: worker_num must be greater than 0, -1 given
Swoole\Exception: worker_num must be greater than 0, -100 given
