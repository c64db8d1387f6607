--TEST--
Plain scripts: Co\run() runs a coroutine and the loop until nothing is left (refused with a warning inside a coroutine); Swoole\Event::wait() runs the loop; Swoole's short names exist when the swoole extension is not loaded
--EXTENSIONS--
procpool
--FILE--
<?php
var_dump(Co\run(function (string $tag) {
    echo "in run $tag, cid ", Co::getCid(), "\n";
    $wg = new Swoole\Coroutine\WaitGroup(2);
    go(function () use ($wg) { Co::sleep(0.02); echo "child 1\n"; $wg->done(); });
    go(function () use ($wg) { Co::sleep(0.01); echo "child 2\n"; $wg->done(); });
    var_dump($wg->wait(1));
    var_dump(@Swoole\Coroutine\run(function () {}));
}, 'A'));
echo "after run\n";
Swoole\Timer::after(10, function () { echo "timer\n"; });
Swoole\Event::wait();
echo "after wait\n";
var_dump(function_exists('go'), function_exists('defer'), defined('SWOOLE_CHANNEL_CLOSED'));
foreach (['Co', 'Co\System', 'Chan', 'Co\Channel', 'Co\WaitGroup', 'ProcPool\Coroutine', 'ProcPool\Timer'] as $name) {
    echo "$name: ", (new ReflectionClass($name))->getName(), "\n";
}
?>
--EXPECT--
in run A, cid 1
child 2
child 1
bool(true)
bool(false)
bool(true)
after run
timer
after wait
bool(true)
bool(true)
bool(true)
Co: Swoole\Coroutine
Co\System: Swoole\Coroutine\System
Chan: Swoole\Coroutine\Channel
Co\Channel: Swoole\Coroutine\Channel
Co\WaitGroup: Swoole\Coroutine\WaitGroup
ProcPool\Coroutine: Swoole\Coroutine
ProcPool\Timer: Swoole\Timer
