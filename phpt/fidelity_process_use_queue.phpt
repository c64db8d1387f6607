--TEST--
Fidelity (Swoole 6.2 stub, issue #2639 pattern): useQueue(int $key = 0, int $mode = 2, int $capacity = -1) on a process handle of any pool (IPC_NONE here), then push()/pop(), statQueue() and freeQueue(); msgQueueId/msgQueueKey are set; mode 1 pops only messages of type id + 1; IPC_NOWAIT makes an empty pop() return false at once; a queue useQueue() creates is owner-only (0600), as the pool's own queue
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
$key = procpool_msgkey(1);
$key2 = procpool_msgkey(2);
$log = procpool_tmp('log');
$pool = new Swoole\Process\Pool(1);
$pool->on('WorkerStart', function ($pool, $id) use ($log, $key, $key2) {
    $waitForSigterm = procpool_catch_sigterm();
    $out = [];
    $p = $pool->getProcess($id);
    $out[] = 'before useQueue: ' . var_export([$p->msgQueueId, $p->msgQueueKey], true);
    $out[] = 'useQueue: ' . var_export($p->useQueue($key), true);
    $out[] = 'msgQueueKey is the key: ' . var_export($p->msgQueueKey === $key, true)
        . ', msgQueueId is the queue: ' . var_export($p->msgQueueId === procpool_msgqueues()[array_search($key, array_column(procpool_msgqueues(), 'key'))]['msqid'], true);
    $out[] = 'push: ' . var_export($p->push('test'), true);
    $out[] = 'statQueue: ' . json_encode($p->statQueue());
    $out[] = 'pop: ' . var_export($p->pop(), true);
    $perms = array_values(array_filter(procpool_msgqueues(), fn ($r) => $r['key'] === $key))[0]['perms'];
    $out[] = sprintf('permissions: %o', $perms);
    // mode 1 (SW_MSGQUEUE_ORIENT) | IPC_NOWAIT: only messages of type id + 1, never waiting
    $q = $pool->getProcess($id);
    var_dump($q->useQueue($key2, 1 | Swoole\Process::IPC_NOWAIT));
    msg_send(msg_get_queue($key2), 5, 'type 5', false);
    $t0 = microtime(true);
    $out[] = 'orient pop, nothing of type 1: ' . var_export($q->pop(), true) . ', at once: ' . var_export(microtime(true) - $t0 < 0.5, true);
    msg_send(msg_get_queue($key2), 1, 'type 1', false);
    $out[] = 'orient pop: ' . var_export($q->pop(), true);
    $out[] = 'freeQueue: ' . var_export($q->freeQueue(), true) . ', queue gone: ' . var_export(!msg_queue_exists($key2), true);
    $out[] = 'freeQueue again: ' . var_export($q->freeQueue(), true);
    // key 0 (the default): ftok() of the running script, as Swoole
    $out[] = 'useQueue(): ' . var_export($q->useQueue(), true) . ', key is ftok(script): '
        . var_export($q->msgQueueKey === ftok(__FILE__, chr(1)), true) . ', freeQueue: ' . var_export($q->freeQueue(), true);
    procpool_log($log, implode("\n", $out));
    $pool->shutdown();
    $waitForSigterm();
});
var_dump($pool->start());
echo implode("\n", procpool_lines($log)), "\n";
procpool_msgkey_remove($key);
procpool_msgkey_remove($key2);
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
bool(true)
NULL
before useQueue: array (
  0 => NULL,
  1 => NULL,
)
useQueue: true
msgQueueKey is the key: true, msgQueueId is the queue: true
push: true
statQueue: {"queue_num":1,"queue_bytes":4}
pop: 'test'
permissions: 600
orient pop, nothing of type 1: false, at once: true
orient pop: 'type 1'
freeQueue: true, queue gone: true
freeQueue again: false
useQueue(): true, key is ftok(script): true, freeQueue: true
