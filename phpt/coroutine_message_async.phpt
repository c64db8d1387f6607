--TEST--
Coroutine mode, UNIXSOCK: 256 random messages from a sleeping coroutine in worker 0 reach worker 1's Message coroutines whole and in order (Swoole's message_async test)
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
procpool_deadline(20);
use Swoole\Constant;
use Swoole\Process\Pool;
use Swoole\Coroutine\System;

const N = 256;

$in = $out = [];
for ($i = N; $i--;) {
    $in[] = random_bytes(random_int(1024, 8192));
}

$pool = new Pool(2, SWOOLE_IPC_UNIXSOCK);
$pool->set([
    'enable_coroutine' => true,
]);

$pool->on(Constant::EVENT_WORKER_START, function (Pool $pool, int $workerId) use ($in) {
    if ($workerId == 0) {
        foreach ($in as $item) {
            if (!$pool->sendMessage($item, 1)) {
                echo "sendMessage failed\n";
            }
            System::sleep(0.002);
        }
    }
});

$pool->on(Constant::EVENT_MESSAGE, function ($pool, $data) use (&$out, $in) {
    $out[] = $data;
    if (count($out) == N) {
        var_dump($in === $out);
        echo "DONE\n";
        $pool->shutdown();
    }
});

$pool->start();
procpool_deadline_cancel();
?>
--EXPECT--
bool(true)
DONE
