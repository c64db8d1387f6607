--TEST--
MSGQUEUE as root: an existing root-owned queue with mode 0666 (other users may write) is refused by start() with the default msgqueue_permissions (0600); with msgqueue_permissions => 0666 (that mode was asked for) the pool uses it, silently
--EXTENSIONS--
procpool
pcntl
posix
sysvmsg
--SKIPIF--
<?php
if (posix_geteuid() !== 0) {
    die('skip the test must run as root');
}
?>
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(10);
$key = procpool_msgkey(1);
$q = msg_get_queue($key, 0666);
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

echo "-- default msgqueue_permissions (0600)\n";
run_pool($key, []);
echo "-- msgqueue_permissions => 0644\n";
run_pool($key, ['msgqueue_permissions' => 0644]);
echo "-- msgqueue_permissions => 0666\n";
run_pool($key, ['msgqueue_permissions' => 0666]);
printf("mode after: %04o\n", msg_stat_queue($q)['msg_perm.mode'] & 0777);
var_dump(msg_remove_queue($q));
var_dump(msg_queue_exists($key));
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
?>
--EXPECTF--
queue owner uid 0, mode 0666
-- default msgqueue_permissions (0600)
Swoole\Exception: the message queue of key 0x%x (id %d) is owned by uid 0 (created by uid 0) with mode 0666: whoever can write to it chooses what the workers run on; a pool running as root refuses it (set msgqueue_allow_foreign to use it anyway)
-- msgqueue_permissions => 0644
Swoole\Exception: the message queue of key 0x%x (id %d) is owned by uid 0 (created by uid 0) with mode 0666: whoever can write to it chooses what the workers run on; a pool running as root refuses it (set msgqueue_allow_foreign to use it anyway)
-- msgqueue_permissions => 0666
worker got: hello
NULL
mode after: 0666
bool(true)
bool(false)
int(-1)
