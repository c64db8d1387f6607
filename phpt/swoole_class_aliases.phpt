--TEST--
Without the swoole extension, Swoole\Process\Pool, Swoole\Process and Swoole\Exception are the classes' real names (get_class(), ReflectionClass::getName(), ::class comparisons show them, as with Swoole) and ProcPool\Pool, ProcPool\Process, ProcPool\Exception are aliases of them
--EXTENSIONS--
procpool
--SKIPIF--
<?php if (extension_loaded('swoole')) die('skip the real swoole extension is loaded'); ?>
--FILE--
<?php
foreach (['ProcPool\Pool' => 'Swoole\Process\Pool', 'ProcPool\Process' => 'Swoole\Process',
          'ProcPool\Exception' => 'Swoole\Exception'] as $alias => $class) {
    var_dump(class_exists($alias));
    var_dump((new ReflectionClass($alias))->getName() === $class);
}
$p = new Swoole\Process\Pool(1);
var_dump($p instanceof ProcPool\Pool, get_class($p), get_class($p) === Swoole\Process\Pool::class);
try {
    new Swoole\Process\Pool(0);
} catch (ProcPool\Exception $e) {
    echo "caught as ProcPool\\Exception: ", get_class($e), "\n";
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
string(19) "Swoole\Process\Pool"
bool(true)
caught as ProcPool\Exception: Swoole\Exception
