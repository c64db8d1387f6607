--TEST--
Fidelity (Swoole 6.2): Process::kill($pid, SIGTERM) of a process that does not exist warns (kill(pid, sig) failed, Error: No such process[3]) and returns false; signal 0 to it only returns false (Swoole's liveness check, no warning); to a live process true
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
$pid = pcntl_fork();
if ($pid === 0) {
    exit(0);
}
pcntl_waitpid($pid, $st);
var_dump(Swoole\Process::kill($pid, SIGTERM));
var_dump(Swoole\Process::kill($pid));
var_dump(Swoole\Process::kill($pid, 0));
var_dump(Swoole\Process::kill(posix_getpid(), 0));
?>
--EXPECTF--
Warning: Swoole\Process::kill(): kill(%d, 15) failed, Error: No such process[3] in %s on line %d
bool(false)

Warning: Swoole\Process::kill(): kill(%d, 15) failed, Error: No such process[3] in %s on line %d
bool(false)
bool(false)
bool(true)
