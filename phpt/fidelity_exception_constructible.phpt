--TEST--
Fidelity (Swoole 6.2): Swoole\Exception (ProcPool\Exception) is an ordinary exception class: new with message, code and previous, throw and catch, as \Exception
--EXTENSIONS--
procpool
--FILE--
<?php
try {
    throw new Swoole\Exception("x");
} catch (Swoole\Exception $e) {
    echo get_class($e), ': ', $e->getMessage(), ' (', $e->getCode(), ")\n";
}
$prev = new RuntimeException('inner');
$e = new ProcPool\Exception('outer', 42, $prev);
var_dump($e->getMessage(), $e->getCode(), $e->getPrevious() === $prev, $e instanceof Exception);
var_dump((new Swoole\Exception())->getMessage());
class MyError extends Swoole\Exception {}
try {
    throw new MyError('mine', 7);
} catch (Swoole\Exception $e) {
    echo get_class($e), ': ', $e->getMessage(), ' (', $e->getCode(), ")\n";
}
?>
--EXPECT--
Swoole\Exception: x (0)
string(5) "outer"
int(42)
bool(true)
bool(true)
string(0) ""
MyError: mine (7)
