--TEST--
Fidelity: new Swoole\Process(...) (Swoole's general forker, not part of the pool) throws a Swoole\Exception that says procpool provides only the pool's process handles (not "You cannot instantiate this class")
--EXTENSIONS--
procpool
--FILE--
<?php
try {
    new Swoole\Process(function () {});
} catch (Swoole\Exception $e) {
    echo get_class($e), ': ', $e->getMessage(), "\n";
}
?>
--EXPECT--
Swoole\Exception: Swoole\Process cannot be constructed: procpool provides only the process handles of a pool's workers ($pool->getProcess()), not Swoole's general process forker; use pcntl_fork() or proc_open()
