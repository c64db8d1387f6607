--TEST--
Fidelity (Swoole 6.2 stubs): every method's parameters have Swoole's names, so named arguments work ($pool->on(name: ..., callback: ...), getProcess(work_id: ...), Process::kill(pid: ..., signal_no: ...), name(process_name: ...), ...)
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
procpool_deadline(8);
$stubs = [
    'Swoole\Process\Pool' => [
        '__construct' => 'worker_num, ipc_type, msgqueue_key, enable_coroutine',
        'set' => 'settings', 'on' => 'name, callback', 'getProcess' => 'work_id',
        'listen' => 'host, port, backlog', 'write' => 'data', 'sendMessage' => 'data, dst_worker_id',
        'detach' => '', 'start' => '', 'stop' => '', 'shutdown' => '',
    ],
    'Swoole\Process' => [
        '__construct' => 'callback, redirect_stdin_and_stdout, pipe_type, enable_coroutine',
        'useQueue' => 'key, mode, capacity', 'statQueue' => '', 'freeQueue' => '', 'pop' => 'size',
        'push' => 'data', 'kill' => 'pid, signal_no', 'signal' => 'signal_no, callback',
        'alarm' => 'usec, type', 'wait' => 'blocking', 'daemon' => 'nochdir, noclose, pipes',
        'setAffinity' => 'cpu_settings', 'set' => 'settings', 'setTimeout' => 'seconds',
        'setBlocking' => 'blocking', 'setPriority' => 'which, priority, who', 'getPriority' => 'which, who',
        'start' => '', 'write' => 'data', 'read' => 'size', 'close' => 'which', 'exit' => 'exit_code',
        'exec' => 'exec_file, args', 'exportSocket' => '', 'name' => 'process_name',
    ],
];
foreach ($stubs as $class => $methods) {
    foreach ($methods as $method => $params) {
        $r = new ReflectionMethod($class, $method);
        $got = implode(', ', array_map(fn ($p) => $p->getName(), $r->getParameters()));
        if ($got !== $params) {
            echo "$class::$method($got), Swoole: ($params)\n";
        }
    }
}
foreach (['kill', 'signal', 'alarm', 'wait', 'daemon', 'setAffinity'] as $static) {
    if (!(new ReflectionMethod('Swoole\Process', $static))->isStatic()) {
        echo "Swoole\Process::$static is not static\n";
    }
}
echo "checked\n";

$pool = new Swoole\Process\Pool(worker_num: 1, ipc_type: SWOOLE_IPC_NONE);
$pool->set(settings: ['max_wait_time' => 1]);
var_dump($pool->on(name: 'WorkerStart', callback: function ($pool, $id) {
    $p = $pool->getProcess(work_id: $id);
    echo "getProcess(work_id:) ", $p->id, "\n";
    var_dump($p->name(process_name: 'procpool-fidelity-worker'));
    var_dump(Swoole\Process::kill(pid: posix_getpid(), signal_no: 0));
    $pool->shutdown();
    sleep(5);
}));
var_dump($pool->start());
procpool_deadline_cancel();
?>
--EXPECT--
checked
bool(true)
getProcess(work_id:) 0
bool(true)
bool(true)
NULL
