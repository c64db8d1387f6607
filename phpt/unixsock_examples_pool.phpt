--TEST--
UNIXSOCK: examples/php/unixsock_pool.php runs: the manager sends jobs to 3 workers, results travel to worker 0 with sendMessage(), worker 0 prints the summary and shuts the pool down; nothing on stderr
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(10);
[$out, $err, $code] = procpool_run_php(file_get_contents(__DIR__ . '/../examples/php/unixsock_pool.php'), 8.0);
echo $out, "stderr:\n$err", "exit code: $code\n";
procpool_deadline_cancel();
?>
--EXPECT--
worker 0: 12 results, sum of squares = 650
  worker 0 computed 4
  worker 1 computed 4
  worker 2 computed 4
pool stopped
stderr:
exit code: 0
