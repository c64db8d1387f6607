--TEST--
Writing a read-only property (Pool: master_pid, workerId, workerPid, workerRunning, running, workers; Process: id, pid, pipe) throws PHP's Error "Cannot modify readonly property Class::$name", whatever the value's type (was ext-php-rs's "No setter available for this property."); the value is unchanged
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(8);

function try_write(object $o, string $prop, mixed $value): string
{
    try {
        $o->$prop = $value;
        return "$prop = " . var_export($value, true) . ": no error";
    } catch (Throwable $e) {
        return "$prop = " . var_export($value, true) . ': ' . get_class($e) . ': ' . $e->getMessage();
    }
}

$pool = new Swoole\Process\Pool(1, SWOOLE_IPC_UNIXSOCK);
foreach ([['master_pid', 1], ['master_pid', 'x'], ['workerId', 1], ['workerPid', 1], ['workerRunning', false],
          ['running', false], ['running', 'no'], ['workers', []]] as [$prop, $value]) {
    echo try_write($pool, $prop, $value), "\n";
}
try {
    $pool->master_pid++;
} catch (Throwable $e) {
    echo 'master_pid++: ', get_class($e), ': ', $e->getMessage(), "\n";
}
var_dump($pool->master_pid, $pool->workerId, $pool->workerPid, $pool->workerRunning, $pool->running, $pool->workers);

$log = procpool_tmp('log');
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    $p = $pool->getProcess();
    $before = [$p->id, $p->pid, $p->pipe];
    foreach ([['id', 5], ['pid', 1], ['pipe', 3], ['pid', 'x']] as [$prop, $value]) {
        procpool_log($log, 'Process ' . try_write($p, $prop, $value));
    }
    procpool_log($log, 'in a worker: Pool ' . try_write($pool, 'workerId', 7));
    procpool_log($log, 'unchanged: ' . var_export($before === [$p->id, $p->pid, $p->pipe] && $p->pid === getmypid()
        && $pool->workerId === 0, true));
    $pool->shutdown();
});
$pool->on('Message', function ($pool, $data) {});
var_dump($pool->start());
echo implode("\n", procpool_lines($log)), "\n";
echo try_write($pool, 'running', true), "\n";
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
master_pid = 1: Error: Cannot modify readonly property Swoole\Process\Pool::$master_pid
master_pid = 'x': Error: Cannot modify readonly property Swoole\Process\Pool::$master_pid
workerId = 1: Error: Cannot modify readonly property Swoole\Process\Pool::$workerId
workerPid = 1: Error: Cannot modify readonly property Swoole\Process\Pool::$workerPid
workerRunning = false: Error: Cannot modify readonly property Swoole\Process\Pool::$workerRunning
running = false: Error: Cannot modify readonly property Swoole\Process\Pool::$running
running = 'no': Error: Cannot modify readonly property Swoole\Process\Pool::$running
workers = array (
): Error: Cannot modify readonly property Swoole\Process\Pool::$workers
master_pid++: Error: Cannot modify readonly property Swoole\Process\Pool::$master_pid
int(-1)
int(-1)
int(-1)
bool(true)
bool(true)
NULL
NULL
Process id = 5: Error: Cannot modify readonly property Swoole\Process::$id
Process pid = 1: Error: Cannot modify readonly property Swoole\Process::$pid
Process pipe = 3: Error: Cannot modify readonly property Swoole\Process::$pipe
Process pid = 'x': Error: Cannot modify readonly property Swoole\Process::$pid
in a worker: Pool workerId = 7: Error: Cannot modify readonly property Swoole\Process\Pool::$workerId
unchanged: true
running = true: Error: Cannot modify readonly property Swoole\Process\Pool::$running
