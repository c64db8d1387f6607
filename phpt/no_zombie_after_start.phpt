--TEST--
After start() returns no child is left (pcntl_waitpid(-1) gives -1/ECHILD) and no process of the pool remains
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(8);
$log = procpool_tmp('log');
$pool = new Swoole\Process\Pool(4);
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    procpool_log($log, (string) getmypid());
    $n = count(procpool_lines($log));
    if ($n < 8) {
        usleep(50000);
        return;     // some respawns first
    }
    if ($n >= 8) {     // (several workers may get here: extra SIGTERMs are ignored)
        $pool->shutdown();
    }
    sleep(5);
});
var_dump($pool->start());
var_dump(pcntl_waitpid(-1, $st, WNOHANG), pcntl_get_last_error() === PCNTL_ECHILD);
$pids = array_map('intval', procpool_lines($log));
var_dump(count($pids) >= 8);
var_dump(array_values(array_filter($pids, 'procpool_alive')));
// no process in /proc has this process as its parent
$kids = [];
foreach (glob('/proc/[0-9]*/stat') as $f) {
    $s = @file_get_contents($f);
    if ($s !== false) {
        $fields = explode(' ', substr($s, strrpos($s, ')') + 2));
        if ((int) $fields[1] === getmypid()) {
            $kids[] = $s;
        }
    }
}
var_dump($kids);
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
NULL
int(-1)
bool(true)
bool(true)
array(0) {
}
array(0) {
}
