--TEST--
examples/php/redis_pool.php and examples/php/redis_producer.php work together against a real redis-server: the producer (a separate plain PHP process, here without phpredis) adds 10 jobs and a poison one; the 3-worker pool handles each job once, the poison one 3 times before it is dead-lettered with the exception's text; SIGTERM stops the pool cleanly (exit 0) with nothing pending
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
require __DIR__ . '/_redis.inc';
procpool_deadline(20);
[$port, $server] = procpool_redis_start();
$examples = dirname(__DIR__) . '/examples/php';
$pool = proc_open([PHP_BINARY, '-d', 'extension=' . procpool_ext_path(), "$examples/redis_pool.php",
    "redis://127.0.0.1:$port/0", 'phpt'], [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['redirect', 1]],
    $pipes);
stream_set_blocking($pipes[1], false);
$out = '';
$read = function () use ($pipes, &$out) {
    while (($chunk = fread($pipes[1], 65536)) !== false && $chunk !== '') {
        $out .= $chunk;
    }
    return $out;
};
echo 'pool ready: ', var_export(procpool_wait_until(fn () => str_contains($read(), "reading stream 'jobs'"), 5.0), true), "\n";
foreach ([['10'], ['1', 'poison']] as $args) {
    // -n: no php.ini, so no phpredis: the producer's own protocol code is used.
    $producer = proc_open(array_merge([PHP_BINARY, '-n', "$examples/redis_producer.php"], $args),
        [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['redirect', 1]], $ppipes, null,
        ['REDIS_PORT' => (string) $port]);
    $said = stream_get_contents($ppipes[1]);
    fclose($ppipes[1]);
    echo 'producer: ', preg_match_all('/^added \d+-\d+$/m', $said), ' added, exit code ', proc_close($producer), "\n";
}
$r = procpool_redis_connect($port);
echo 'all handled: ', var_export(procpool_wait_until(fn () => substr_count($read(), ' handled: job ') === 10
    && procpool_redis($r, 'XLEN', 'jobs:dead') === 1, 10.0), true), "\n";
proc_terminate($pool, SIGTERM);
stream_set_blocking($pipes[1], true);
$out .= stream_get_contents($pipes[1]);
fclose($pipes[1]);
echo 'pool exit code: ', proc_close($pool), "\n";
preg_match_all('/\] entry \S+ handled: (job \d+ of 10) \{"sent_at":"[\d:]+"\}$/m', $out, $m);
echo 'jobs handled: ', count($m[1]), ', distinct: ', count(array_unique($m[1])), "\n";
echo 'poison tries: ', substr_count($out, "cannot handle 'poison', throwing"), "\n";
echo 'uncaught reports: ', substr_count($out, "Uncaught RuntimeException: cannot handle 'poison'"), "\n";
echo 'dead-letter warning: ', substr_count($out, "failed 3 times; moved to 'jobs:dead'"), "\n";
$dead = array_values(procpool_redis_xrange($r, 'jobs:dead'));
echo 'dead entry: ', $dead[0]['data'], ' | ', $dead[0]['procpool.error'], ' | ', $dead[0]['procpool.consumer'], "\n";
echo 'pending: ', procpool_redis($r, 'XPENDING', 'jobs', 'example')[0], "\n";
echo 'workers stopped: ', substr_count($out, '] stopped'), "\n";
echo 'manager said bye: ', var_export(str_contains($out, '[manager] bye'), true), "\n";
procpool_redis_stop($server);
procpool_deadline_cancel();
?>
--EXPECTF--
pool ready: true
producer: 10 added, exit code 0
producer: 1 added, exit code 0
all handled: true
pool exit code: 0
jobs handled: 10, distinct: 10
poison tries: 3
uncaught reports: 3
dead-letter warning: 1
dead entry: poison | RuntimeException: cannot handle 'poison' | phpt-%d
pending: 0
workers stopped: 3
manager said bye: true
