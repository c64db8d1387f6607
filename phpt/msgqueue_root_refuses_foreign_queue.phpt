--TEST--
MSGQUEUE as root: an existing queue owned by another user (uid 65534, mode 0666) is refused by start() (ProcPool\Exception naming the owner uid, the mode and msgqueue_allow_foreign); with msgqueue_allow_foreign => true the pool uses it, silently
--EXTENSIONS--
procpool
pcntl
posix
sysvmsg
--SKIPIF--
<?php
if (posix_geteuid() !== 0) {
    die('skip the test must run as root (it hands a queue to uid 65534)');
}
?>
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(10);
$key = procpool_msgkey(1);
$q = msg_get_queue($key, 0666);
var_dump(msg_set_queue($q, ['msg_perm.uid' => 65534]));
$st = msg_stat_queue($q);
printf("queue owner uid %d, mode %04o\n", $st['msg_perm.uid'], $st['msg_perm.mode'] & 0777);

/** A 1-worker MSGQUEUE pool on $key: the manager sends one message, the worker that gets it shuts the pool down. */
function run_pool(int $key, array $settings): void
{
    $pool = new Swoole\Process\Pool(1, SWOOLE_IPC_MSGQUEUE, $key);
    $pool->set($settings);
    $pool->on('Start', function ($pool) use ($key) {
        msg_send(msg_get_queue($key), 1, 'hello', false);
    });
    $pool->on('Message', function ($pool, $data) {
        echo "worker got: $data\n";
        $pool->shutdown();
    });
    try {
        var_dump($pool->start());
    } catch (Throwable $e) {
        echo get_class($e), ': ', $e->getMessage(), "\n";
    }
}

echo "-- default settings\n";
run_pool($key, []);
echo "-- msgqueue_allow_foreign => true\n";
run_pool($key, ['msgqueue_allow_foreign' => true]);
var_dump(msg_remove_queue($q));
var_dump(msg_queue_exists($key));
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
?>
--EXPECTF--
bool(true)
queue owner uid 65534, mode 0666
-- default settings
Swoole\Exception: the message queue of key 0x%x (id %d) is owned by uid 65534 (created by uid 0) with mode 0666: whoever can write to it chooses what the workers run on; a pool running as root refuses it (set msgqueue_allow_foreign to use it anyway)
-- msgqueue_allow_foreign => true
worker got: hello
NULL
bool(true)
bool(false)
int(-1)
