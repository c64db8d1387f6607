--TEST--
Coroutine mode with the message bus: sendMessage() to an id outside the pool warns and returns false (Swoole's send_message_invalid_worker test)
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_deadline.inc';
procpool_deadline(10);
use Swoole\Constant;
use Swoole\Process\Pool;

$pool = new Pool(2, SWOOLE_IPC_UNIXSOCK);
$pool->set([
    'enable_coroutine' => true,
    'enable_message_bus' => true,
]);

$pool->on(Constant::EVENT_WORKER_START, function (Pool $pool, int $workerId) {
    if ($workerId !== 0) {
        return;
    }
    $errors = [];
    set_error_handler(function (int $errno, string $errstr) use (&$errors) {
        $errors[] = $errstr;
        return true;
    });
    var_dump($pool->sendMessage('hello', -1));
    var_dump($pool->sendMessage('hello', 2));
    var_dump(count($errors));
    var_dump((bool) preg_match('/invalid worker_id\[-1\]/', $errors[0]));
    var_dump((bool) preg_match('/invalid worker_id\[2\]/', $errors[1]));
    restore_error_handler();
    echo "DONE\n";
    $pool->shutdown();
});

$pool->on(Constant::EVENT_MESSAGE, function (Pool $pool, string $message) {
});

$pool->start();
procpool_deadline_cancel();
?>
--EXPECT--
bool(false)
bool(false)
int(2)
bool(true)
bool(true)
DONE
