--TEST--
IPC_REDIS: start() refuses, before forking any worker, a server that cannot be reached, a password it refuses, a key of another type, a pool without redis_stream, and a malformed URL; push() outside an IPC_REDIS pool warns; wrong settings warn
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
$r = procpool_redis_connect($port);
procpool_redis($r, 'SET', 'plain', 'x');
$free = procpool_free_port();

function attempt(array $settings): void
{
    $pool = new ProcPool\Pool(2, ProcPool\Pool::IPC_REDIS);
    $pool->set($settings + ['log_level' => 'off']);
    $pool->on('WorkerStart', function () {
        echo "forked!\n";
    });
    $pool->on('Message', function () {
    });
    try {
        $pool->start();
        echo "started?\n";
    } catch (ProcPool\Exception $e) {
        echo 'ProcPool\\Exception: ', $e->getMessage(), "\n";
    }
}

attempt(['redis_url' => "redis://127.0.0.1:$free", 'redis_stream' => 'jobs']);
attempt(['redis_url' => "redis://:s3cret@127.0.0.1:$port", 'redis_stream' => 'jobs']);
attempt(['redis_url' => "redis://127.0.0.1:$port", 'redis_stream' => 'plain']);
attempt(['redis_url' => "redis://127.0.0.1:$port", 'redis_stream' => 'jobs', 'dead_letter_stream' => 'plain']);
attempt(['redis_url' => "redis://127.0.0.1:$port"]);
attempt(['redis_url' => 'http://127.0.0.1/', 'redis_stream' => 'jobs']);
$pool = new ProcPool\Pool(1, SWOOLE_IPC_MSGQUEUE);
var_dump($pool->push('x'));
$pool = new ProcPool\Pool(1, ProcPool\Pool::IPC_REDIS);
$pool->set(['max_deliveries' => 0, 'redis_batch' => 0, 'claim_idle' => -1, 'redis_stream' => '']);
echo 'stream created by a refused start: ', procpool_redis($r, 'EXISTS', 'jobs'), "\n";
procpool_redis_stop($server);
procpool_deadline_cancel();
?>
--EXPECTF--
ProcPool\Exception: cannot connect to Redis at redis://127.0.0.1:%d: Connection refused (os error 111)
ProcPool\Exception: cannot connect to Redis at redis://:***@127.0.0.1:%d: authentication failed: the server refused the user name or password of the URL
ProcPool\Exception: Redis at redis://127.0.0.1:%d: the key 'plain' holds a string, not a stream
ProcPool\Exception: Redis at redis://127.0.0.1:%d: the key 'plain' holds a string, not a stream
ProcPool\Exception: a PROCPOOL_IPC_REDIS pool needs redis_stream (the stream its workers read)
ProcPool\Exception: redis_url 'http://127.0.0.1/' is not a valid Redis URL (redis://[user:pass@]host:port/db or unix:/path/to/redis.sock): %s

Warning: %s::push(): push() is only available with ProcPool\Pool::IPC_REDIS (a worker's ProcPool\Process::push() feeds SWOOLE_IPC_MSGQUEUE) in %s on line %d
bool(false)

Warning: %s::set(): 'max_deliveries' must be at least 1, 0 given; ignored in %s on line %d

Warning: %s::set(): 'redis_batch' must be from 1 to 10000, 0 given; ignored in %s on line %d

Warning: %s::set(): 'claim_idle' must be a number of seconds greater than 0 and at most 31536000, -1 given; ignored in %s on line %d

Warning: %s::set(): 'redis_stream' must not be empty; ignored in %s on line %d
stream created by a refused start: 0
