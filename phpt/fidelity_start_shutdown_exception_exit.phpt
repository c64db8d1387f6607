--TEST--
Fidelity (Swoole 6.2): an uncaught exception in Start or Shutdown is reported as PHP reports one and the pool carries on: after a Start that threw the workers start and the pool runs; a Shutdown that threw still ends the pool normally and start() returns null (the script's exit status is then 255, as after any reported uncaught exception). exit() in Start or Shutdown is absorbed the same way, every time: the workers start, start() returns null, the script goes on, and the exit() status stays the process's exit status
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(30);
$cases = [
    'throw in Start' => ['throw new LogicException("bad start");', ''],
    'throw in Shutdown' => ['', 'throw new RuntimeException("bad shutdown");'],
    'exit(7) in Start' => ['exit(7);', ''],
    'exit(5) in Shutdown' => ['', 'exit(5);'],
];
foreach ($cases as $name => [$start, $shutdown]) {
    // twice each: the outcome does not depend on timing
    foreach ([1, 2] as $round) {
        [$out, $err, $code] = procpool_run_php(<<<PHP
<?php
\$pool = new Swoole\\Process\\Pool(2);
\$pool->on('Start', function (\$pool) {
    echo "Start\\n";
    $start
});
\$pool->on('WorkerStart', function (\$pool, \$id) {
    \$stop = false;
    pcntl_async_signals(true);
    pcntl_signal(SIGTERM, function () use (&\$stop) { \$stop = true; });
    file_put_contents(getenv('LOG'), "worker \$id\\n", FILE_APPEND | LOCK_EX);
    if (\$id === 0) {
        usleep(300000);
        \$pool->shutdown();
    }
    while (!\$stop) { usleep(10000); }
});
\$pool->on('Shutdown', function (\$pool) {
    echo "Shutdown\\n";
    $shutdown
});
var_dump(\$pool->start());
echo "after start()\\n";
PHP, 10.0, ['LOG' => $log = procpool_tmp('log')]);
        $out = preg_replace('~/\S+\.php~', 'FILE', $out);
        $workers = procpool_lines($log);
        sort($workers);
        @unlink($log);
        if ($round === 1) {
            echo "-- $name\n", $out;
            echo "workers: ", implode(', ', array_unique($workers)), "\nexit status: $code\n";
        } else {
            echo "again: same output ", var_export($out === $first, true), ", same exit status ",
                var_export($code === $firstCode, true), "\n";
        }
        [$first, $firstCode] = [$out, $code];
    }
}
procpool_deadline_cancel();
?>
--EXPECTF--
-- throw in Start
Start

Fatal error: Uncaught LogicException: bad start in FILE:%d
Stack trace:
#0 [internal function]: {closure}()
#1 FILE(%d): Swoole\Process\Pool->start()
#2 {main}
  thrown in FILE on line %d
Shutdown
NULL
after start()
workers: worker 0, worker 1
exit status: 255
again: same output true, same exit status true
-- throw in Shutdown
Start
Shutdown

Fatal error: Uncaught RuntimeException: bad shutdown in FILE:%d
Stack trace:
#0 [internal function]: {closure}()
#1 FILE(%d): Swoole\Process\Pool->start()
#2 {main}
  thrown in FILE on line %d
NULL
after start()
workers: worker 0, worker 1
exit status: 255
again: same output true, same exit status true
-- exit(7) in Start
Start
Shutdown
NULL
after start()
workers: worker 0, worker 1
exit status: 7
again: same output true, same exit status true
-- exit(5) in Shutdown
Start
Shutdown
NULL
after start()
workers: worker 0, worker 1
exit status: 5
again: same output true, same exit status true
