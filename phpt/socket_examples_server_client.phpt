--TEST--
examples/php/socket_server.php and examples/php/socket_client.php work together (unix socket); SIGTERM stops the server cleanly and removes the socket file
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(10);
$examples = dirname(__DIR__) . '/examples/php';
$path = procpool_sock_path();
$server = proc_open([PHP_BINARY, '-d', 'extension=' . procpool_ext_path(), "$examples/socket_server.php", "unix:$path"],
    [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['redirect', 1]], $pipes);
var_dump(procpool_wait_until(fn () => @filetype($path) === 'socket', 3.0));
$client = proc_open([PHP_BINARY, "$examples/socket_client.php", "unix:$path", 'echo hi', 'upper hello', "mixed \xff Case"],
    [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['redirect', 1]], $cpipes);
echo stream_get_contents($cpipes[1]);
fclose($cpipes[1]);
echo 'client exit code: ', proc_close($client), "\n";
usleep(100000);
proc_terminate($server, SIGTERM);
$out = stream_get_contents($pipes[1]);
fclose($pipes[1]);
echo 'server exit code: ', proc_close($server), "\n";
echo 'server said bye: ', var_export(str_contains($out, '[manager] bye'), true), "\n";
echo 'server messages handled: ', preg_match_all('/bytes in/', $out), "\n";
clearstatcache();
var_dump(file_exists($path));
procpool_deadline_cancel();
?>
--EXPECT--
bool(true)
"echo hi"                                -> "hi"
"upper hello"                            -> "HELLO"
"mixed \377 Case"                        -> "MIXED \377 CASE"
client exit code: 0
server exit code: 0
server said bye: true
server messages handled: 3
bool(false)
