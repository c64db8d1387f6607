--TEST--
UNIXSOCK: a respawn keeps the worker's socketpair valid for everyone: worker 0 SIGKILLs worker 1 and at once sends it 200 messages; the replacement gets all of them, in order; getProcess(1)->pid shows the replacement's pid; the replacement can still send to worker 0
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(10);
$log = procpool_tmp('log');
$pool = new Swoole\Process\Pool(2, SWOOLE_IPC_UNIXSOCK);
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    $first = !preg_grep("/^start $id /", procpool_lines($log));
    procpool_log($log, "start $id " . posix_getpid());
    if ($id === 1 && $first) {
        $pool->sendMessage('hello from ' . posix_getpid(), 0);
    }
});
$pool->on('Message', function ($pool, $data) use ($log) {
    static $got = [], $killed = null;
    if ($pool->workerId === 0) {
        $pid = (int) substr($data, 11);
        if ($killed === null) {
            $old = $pool->getProcess(1)->pid;
            posix_kill($pid, SIGKILL);
            $killed = $pid;
            $ok = true;
            for ($i = 0; $i < 200; $i++) {
                $ok = $pool->sendMessage("m$i", 1) && $ok;
            }
            procpool_log($log, 'worker 0: getProcess(1)->pid was the killed one: ' . var_export($old === $pid, true)
                . ', 200 sends true: ' . var_export($ok, true));
        } else {
            procpool_log($log, 'worker 0: hello from a new pid: ' . var_export($pid !== $killed, true)
                . ', getProcess(1)->pid is it: ' . var_export($pool->getProcess(1)->pid === $pid, true));
            $pool->shutdown();
        }
        return;
    }
    $got[] = $data;
    if (count($got) === 200) {
        procpool_log($log, 'replacement got 200, in order: ' . var_export($got === array_map(fn ($i) => "m$i", range(0, 199)), true));
        $pool->sendMessage('hello from ' . posix_getpid(), 0);
    }
});
var_dump($pool->start());
$lines = procpool_lines($log);
echo implode("\n", preg_grep('/^start/', $lines, PREG_GREP_INVERT)), "\n";
echo 'worker 1 started twice: ', count(preg_grep('/^start 1 /', $lines)), "\n";
@unlink($log);
procpool_deadline_cancel();
?>
--EXPECTF--
%Aworker#1 (pid %d) abnormal exit, status=0, signal=9 (SIGKILL)
NULL
worker 0: getProcess(1)->pid was the killed one: true, 200 sends true: true
replacement got 200, in order: true
worker 0: hello from a new pid: true, getProcess(1)->pid is it: true
worker 1 started twice: 2
