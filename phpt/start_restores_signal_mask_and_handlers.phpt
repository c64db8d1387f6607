--TEST--
When start() returns, the script's signal mask and pcntl_signal() handlers are what they were before start()
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
procpool_deadline(8);
$got = [];
pcntl_signal(SIGUSR1, function ($sig) use (&$got) { $got[] = "USR1"; });
pcntl_signal(SIGTERM, function ($sig) use (&$got) { $got[] = "TERM"; });
pcntl_sigprocmask(SIG_BLOCK, [SIGHUP, SIGUSR2]);
pcntl_sigprocmask(SIG_BLOCK, [], $before);
sort($before);

$pool = new Swoole\Process\Pool(1);
$pool->on('WorkerStart', function ($pool, $id) {
    $pool->shutdown();
    sleep(5);
});
var_dump($pool->start());
pcntl_sigprocmask(SIG_BLOCK, [], $after);
sort($after);
var_dump($after === $before);
var_dump(in_array(SIGHUP, $after, true), in_array(SIGUSR2, $after, true), in_array(SIGTERM, $after, true), in_array(SIGCHLD, $after, true));

// the handlers installed before start() still work
posix_kill(getmypid(), SIGUSR1);
pcntl_signal_dispatch();
posix_kill(getmypid(), SIGTERM);
pcntl_signal_dispatch();
echo implode(',', array_unique($got)), "\n";
var_dump(in_array('USR1', $got, true) && in_array('TERM', $got, true));
echo "still alive\n";
procpool_deadline_cancel();
?>
--EXPECT--
NULL
bool(true)
bool(true)
bool(true)
bool(false)
bool(false)
USR1,TERM
bool(true)
still alive
