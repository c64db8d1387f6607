--TEST--
SOCKET bad input: garbage (an HTTP request, a TLS ClientHello, random bytes, a short frame cut off by close) gets no reply and never stops the single worker
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
$port = procpool_free_port();
$pool = new Swoole\Process\Pool(1, SWOOLE_IPC_SOCKET);
$pool->set(['read_timeout' => 1]);
var_dump($pool->listen('127.0.0.1', $port));
$pool->on('WorkerStart', function ($pool, $id) use ($log) {
    procpool_log($log, "WorkerStart $id");
});
$pool->on('Message', function ($pool, $data) use ($log) {
    procpool_log($log, 'Message got ' . (ctype_print($data) ? $data : strlen($data) . ' binary bytes'));
    $pool->write("ok " . strlen($data));
});
$pool->on('Start', function ($pool) use ($port, $log) {
    procpool_client_then_stop(function () use ($port, $log) {
        $addr = "tcp://127.0.0.1:$port";
        $cases = [
            'http' => "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
            'tls' => "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" . random_bytes(200),
            'random' => "\xfe" . random_bytes(65535),
            'json' => '{"hello":"world"}',
            'short frame then close' => "\0\0\0\x20" . 'only a few',
        ];
        foreach ($cases as $name => $raw) {
            $t = microtime(true);
            $s = procpool_connect($addr);
            procpool_send_all($s, $raw);
            if ($name === 'short frame then close') {
                fclose($s);
                $got = '';
            } else {
                $got = procpool_read_all($s, 3.0);
                fclose($s);
            }
            procpool_log($log, "$name: " . procpool_describe($got) . (microtime(true) - $t < 0.8 ? ', closed at once' : ', SLOWLY'));
            procpool_log($log, 'next client: ' . procpool_call($addr, 'next'));
        }
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
http: no reply (EOF), closed at once
Message got next
next client: reply ok 4
tls: no reply (EOF), closed at once
Message got next
next client: reply ok 4
random: no reply (EOF), closed at once
Message got next
next client: reply ok 4
json: no reply (EOF), closed at once
Message got next
next client: reply ok 4
short frame then close: no reply (EOF), closed at once
Message got next
next client: reply ok 4
int(-1)
