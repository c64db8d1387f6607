--TEST--
SOCKET bad input: clients that close before sending, mid-header or mid-body cost nothing: Message is not called and the single worker serves the next client at once
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
$path = procpool_sock_path();
$pool = new Swoole\Process\Pool(1, SWOOLE_IPC_SOCKET);
// default read_timeout (30 s): only noticing the close can make the worker free again in time
var_dump($pool->listen("unix:$path"));
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    procpool_log($log, "WorkerStart $id");
});
$pool->on('Message', function ($pool, $data) use ($log) {
    procpool_log($log, "Message got $data");
    $pool->write("ok $data " . posix_getpid());
});
$pool->on('Start', function ($pool) use ($path, $log) {
    procpool_client_then_stop(function () use ($path, $log) {
        $cases = [
            'nothing sent' => '',
            '2 of 4 header bytes' => "\0\0",
            'header + 10 of 100 body bytes' => pack('N', 100) . str_repeat('b', 10),
            'header + 99 of 100 body bytes' => pack('N', 100) . str_repeat('b', 99),
        ];
        $pids = [];
        foreach ($cases as $name => $raw) {
            $s = procpool_connect("unix://$path");
            procpool_send_all($s, $raw);
            usleep(50000);
            fclose($s);
            $t = microtime(true);
            $reply = procpool_call("unix://$path", 'next', 3.0);
            $pids[] = (int) substr($reply, strrpos($reply, ' ') + 1);
            procpool_log($log, "after client closed with $name: " . preg_replace('/ \d+$/', '', $reply) . (microtime(true) - $t < 1 ? ', at once' : ', SLOWLY'));
        }
        procpool_log($log, 'same worker process throughout: ' . var_export(count(array_unique($pids)) === 1, true));
    });
});
var_dump($pool->start());
echo implode("\n", procpool_lines($log)), "\n";
var_dump(pcntl_waitpid(-1, $st, WNOHANG));
procpool_deadline_cancel();
@unlink($log);
?>
--EXPECT--
bool(true)
NULL
WorkerStart 0
Message got next
after client closed with nothing sent: reply ok next, at once
Message got next
after client closed with 2 of 4 header bytes: reply ok next, at once
Message got next
after client closed with header + 10 of 100 body bytes: reply ok next, at once
Message got next
after client closed with header + 99 of 100 body bytes: reply ok next, at once
same worker process throughout: true
int(-1)
