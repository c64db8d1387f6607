--TEST--
SOCKET: 50 clients connected at once to a 2-worker pool all get their own correct reply, and both workers take part
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
require __DIR__ . '/_util.inc';
procpool_deadline(12);
$log = procpool_tmp('log');
$path = procpool_sock_path();
$pool = new Swoole\Process\Pool(2, SWOOLE_IPC_SOCKET);
var_dump($pool->listen("unix:$path"));
$pool->on('Message', function ($pool, $data) {
    usleep(5000);
    $pool->write(strrev($data) . '|' . $pool->workerId);
});
$pool->on('Start', function ($pool) use ($path, $log) {
    procpool_client_then_stop(function () use ($path, $log) {
        $n = 50;
        $socks = $want = $got = [];
        for ($i = 0; $i < $n; $i++) {
            $socks[$i] = procpool_connect("unix://$path");
        }
        for ($i = 0; $i < $n; $i++) {
            $body = "client $i " . str_repeat(chr(65 + $i % 26), $i * 100);
            $want[$i] = strrev($body);
            procpool_send_all($socks[$i], procpool_frame($body));
            stream_set_blocking($socks[$i], false);
            $got[$i] = '';
        }
        $open = $socks;
        $until = microtime(true) + 5;
        while ($open && microtime(true) < $until) {
            $r = array_values($open);
            $w = $e = null;
            if (stream_select($r, $w, $e, 0, 200000) < 1) {
                continue;
            }
            foreach ($r as $s) {
                $i = array_search($s, $open, true);
                $chunk = @fread($s, 65536);
                if ($chunk === false || $chunk === '') {
                    if ($chunk === false || feof($s)) {
                        fclose($s);
                        unset($open[$i]);
                    }
                    continue;
                }
                $got[$i] .= $chunk;
            }
        }
        $correct = 0;
        $workers = [];
        foreach ($got as $i => $raw) {
            $d = procpool_describe($raw);
            if (preg_match('/^reply (.*)\|([01])$/s', $d, $m) && $m[1] === $want[$i]) {
                $correct++;
                $workers[$m[2]] = true;
            } else {
                procpool_log($log, "client $i: " . substr($d, 0, 80));
            }
        }
        procpool_log($log, "correct replies: $correct of $n, still open: " . count($open));
        ksort($workers);
        procpool_log($log, 'workers that answered: ' . implode(',', array_keys($workers)));
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
correct replies: 50 of 50, still open: 0
workers that answered: 0,1
int(-1)
