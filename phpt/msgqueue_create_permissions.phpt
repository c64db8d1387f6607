--TEST--
MSGQUEUE: a missing keyed queue is created owner-only (0600); msgqueue_permissions => 0666 widens it; an existing queue keeps its own permissions (even with msgqueue_permissions set); keyed queues stay after the pool ends
--EXTENSIONS--
procpool
pcntl
posix
sysvmsg
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(10);
$keys = [procpool_msgkey(1), procpool_msgkey(2), procpool_msgkey(3), procpool_msgkey(4)];

/** Runs a 1-worker MSGQUEUE pool on $key; its Start callback reports the queue's mode as the manager sees it. */
function run_pool(int $key, ?array $settings): void
{
    echo 'queue exists before start(): ', var_export(msg_queue_exists($key), true), "\n";
    $pool = new Swoole\Process\Pool(1, SWOOLE_IPC_MSGQUEUE, $key);
    if ($settings !== null) {
        $pool->set($settings);
    }
    $pool->on('Message', function ($pool, $data) {});
    $pool->on('Start', function ($pool) use ($key) {
        $st = msg_stat_queue(msg_get_queue($key));
        printf("in Start: queue exists, mode %04o\n", $st['msg_perm.mode'] & 0777);
        $pool->shutdown();
    });
    var_dump($pool->start());
    echo 'queue exists after the pool ended: ', var_export(msg_queue_exists($key), true), "\n";
    printf("mode after: %04o\n", msg_stat_queue(msg_get_queue($key))['msg_perm.mode'] & 0777);
}

echo "-- missing queue, default permissions\n";
run_pool($keys[0], null);
echo "-- missing queue, msgqueue_permissions => 0666\n";
run_pool($keys[1], ['msgqueue_permissions' => 0666]);
echo "-- existing queue made with 0640, default permissions\n";
msg_get_queue($keys[2], 0640);
run_pool($keys[2], null);
echo "-- existing queue made with 0604, msgqueue_permissions => 0666\n";
msg_get_queue($keys[3], 0604);
run_pool($keys[3], ['msgqueue_permissions' => 0666]);
foreach ($keys as $k) {
    procpool_msgkey_remove($k);
}
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
?>
--EXPECT--
-- missing queue, default permissions
queue exists before start(): false
in Start: queue exists, mode 0600
NULL
queue exists after the pool ended: true
mode after: 0600
-- missing queue, msgqueue_permissions => 0666
queue exists before start(): false
in Start: queue exists, mode 0666
NULL
queue exists after the pool ended: true
mode after: 0666
-- existing queue made with 0640, default permissions
queue exists before start(): true
in Start: queue exists, mode 0640
NULL
queue exists after the pool ended: true
mode after: 0640
-- existing queue made with 0604, msgqueue_permissions => 0666
queue exists before start(): true
in Start: queue exists, mode 0604
NULL
queue exists after the pool ended: true
mode after: 0604
int(-1)
