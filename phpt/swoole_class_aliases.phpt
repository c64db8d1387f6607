--TEST--
Swoole\Process\Pool, Swoole\Process and Swoole\Exception are aliases of the ProcPool classes
--EXTENSIONS--
procpool
--SKIPIF--
<?php if (extension_loaded('swoole')) die('skip the real swoole extension is loaded'); ?>
--FILE--
<?php
foreach (['Swoole\Process\Pool' => 'ProcPool\Pool', 'Swoole\Process' => 'ProcPool\Process',
          'Swoole\Exception' => 'ProcPool\Exception'] as $alias => $class) {
    var_dump(class_exists($alias));
    var_dump((new ReflectionClass($alias))->getName() === $class);
}
$p = new Swoole\Process\Pool(1);
var_dump($p instanceof ProcPool\Pool, get_class($p));
try {
    new Swoole\Process\Pool(0);
} catch (Swoole\Exception $e) {
    echo "caught as Swoole\\Exception: ", get_class($e), "\n";
}
?>
--EXPECT--
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
string(13) "ProcPool\Pool"
caught as Swoole\Exception: ProcPool\Exception
