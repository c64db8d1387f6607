<?php
// bench/unixsock_pair.php with a 4th argument CO: 1 runs the pool in coroutine mode (each Message in a
// coroutine of its own, the worker in the event loop of core/src/ipc/event_loop.rs), 0 as the plain one.
// A SWOOLE_IPC_UNIXSOCK pool of 2 workers.
// Worker 1 tells worker 0 it is ready; worker 0 then sendMessage()s N messages of SIZE bytes to
// worker 1, and a last "T <t0> <cpu>" trailer (its start time and the CPU it spent sending); worker
// 1's Message counts them, notes the time of the N-th, and on the trailer prints
//   result elapsed_ns=.. count=.. bytes=.. send_cpu_ns=.. recv_cpu_ns=..
// on stdout and shuts the pool down. Times are CLOCK_MONOTONIC (hrtime), CPU from /proc/self/schedstat.
//
// usage: php -d extension=target/release/libprocpool_php.so bench/coroutine_unixsock_pair.php N SIZE BUS CO
//   BUS = 1: 'enable_message_bus' => true (messages of any size, sent as 64 KiB chunks)
//   CO = 1: 'enable_coroutine' => true
$n = (int)($argv[1] ?? 100000);
$size = (int)($argv[2] ?? 64);
$bus = (bool)(int)($argv[3] ?? 0);
$co = (bool)(int)($argv[4] ?? 1);

function cpu_ns(): int {
    return (int)file_get_contents('/proc/self/schedstat'); // first field: ns on CPU
}

$pool = new Swoole\Process\Pool(2, SWOOLE_IPC_UNIXSOCK);
$pool->set(['enable_coroutine' => $co]);
if ($bus) {
    $pool->set(['enable_message_bus' => true]);
}
$receiver = false;
$count = 0;
$bytes = 0;
$tEnd = 0;
$recvCpu0 = 0;
$recvCpu1 = 0;

$pool->on('WorkerStart', function ($pool, $id) use (&$receiver, &$recvCpu0) {
    if ($id === 1) {
        $receiver = true;
        $recvCpu0 = cpu_ns();
        $pool->sendMessage('ready', 0);
    }
});

$pool->on('Message', function ($pool, $data) use (&$receiver, &$count, &$bytes, &$tEnd, &$recvCpu0, &$recvCpu1, $n, $size) {
    if ($receiver) {
        if (++$count <= $n) {
            $bytes += strlen($data);
            if ($count === $n) {
                $tEnd = hrtime(true);
                $recvCpu1 = cpu_ns();
            }
            return;
        }
        // The trailer.
        [, $t0, $sendCpu] = explode(' ', $data);
        fwrite(STDOUT, sprintf("result elapsed_ns=%d count=%d bytes=%d send_cpu_ns=%d recv_cpu_ns=%d\n",
            $tEnd - (int)$t0, $n, $bytes, (int)$sendCpu, $recvCpu1 - $recvCpu0));
        $pool->shutdown();
        return;
    }
    if ($data !== 'ready') {
        return;
    }
    $msg = str_repeat('a', $size);
    $c0 = cpu_ns();
    $t0 = hrtime(true);
    for ($i = 0; $i < $n; $i++) {
        if (!$pool->sendMessage($msg, 1)) {
            fwrite(STDERR, "unixsock_pair.php: sendMessage failed at message $i\n");
            $pool->shutdown();
            return;
        }
    }
    $c1 = cpu_ns();
    $pool->sendMessage("T $t0 " . ($c1 - $c0), 1);
});

$pool->start();
