--TEST--
The coroutine API in a plain script (the loop runs at the script's end, as Swoole's): go() runs at once until the coroutine suspends; Channel push/pop wake each other at once, with timeouts, close and errCode; WaitGroup; Timer after/tick/clear; defer runs last-first in the coroutine; getCid/getPcid/exists/list
--EXTENSIONS--
procpool
--FILE--
<?php
use Swoole\Coroutine;
use Swoole\Coroutine\Channel;
use Swoole\Coroutine\WaitGroup;
use Swoole\Timer;

echo "outside: cid ", Coroutine::getCid(), ", pcid ", var_export(Coroutine::getPcid(), true), "\n";
$chan = new Channel(1);
$cid = go(function () use ($chan) {
    echo "consumer waits (cid ", Co::getCid(), ", pcid ", Co::getPcid(), ")\n";
    $got = $chan->pop();
    echo "consumer got $got\n";
});
echo "go returned $cid, exists ", var_export(Coroutine::exists($cid), true), "\n";
Coroutine::create(function () use ($chan) {
    $chan->push('hello');
    echo "producer goes on\n";
});
echo "consumer ended: ", var_export(!Coroutine::exists($cid), true), "\n";

$wg = new WaitGroup();
$done = [];
foreach ([3, 1, 2] as $n) {
    $wg->add();
    go(function () use ($wg, $n, &$done) {
        Co::sleep($n / 100);
        $done[] = $n;
        $wg->done();
    });
}
go(function () use ($wg, &$done) {
    defer(function () { echo "defer 1 in cid ", Co::getCid(), "\n"; });
    Coroutine::defer(function () { echo "defer 2\n"; });
    var_dump($wg->wait(), $wg->count());
    echo "done in order ", implode(',', $done), "\n";

    $c = new Channel(2);
    var_dump($c->capacity, $c->isEmpty());
    $t = microtime(true);
    var_dump($c->pop(0.05), $c->errCode === SWOOLE_CHANNEL_TIMEOUT, microtime(true) - $t >= 0.05);
    var_dump($c->push('a'), $c->push('b'), $c->isFull(), $c->length());
    var_dump($c->push('c', 0.01), $c->errCode === SWOOLE_CHANNEL_TIMEOUT);
    var_dump($c->stats());
    go(function () use ($c) {
        var_dump($c->pop());
        echo "waiting consumer woken by close: ", var_export($c->pop(), true), ", ", var_export($c->pop(), true), "\n";
    });
    var_dump($c->close(), $c->close());
    var_dump($c->push('d'), $c->errCode === SWOOLE_CHANNEL_CLOSED);
});
echo "coroutines now: ", count(iterator_to_array(Coroutine::list())), "\n";

$ticks = 0;
$id = Timer::tick(10, function (int $timerId, string $tag) use (&$ticks, &$id) {
    var_dump($timerId === $id);
    echo "tick $tag ", ++$ticks, " in a coroutine: ", var_export(Co::getCid() > 0, true), "\n";
    if ($ticks === 2) {
        var_dump(Timer::clear($timerId), Timer::exists($timerId));
    }
}, 'T');
Timer::after(5, function (string $a, string $b) { echo "after $a$b\n"; }, 'x', 'y');
$never = Timer::after(1000, function () { echo "never\n"; });
var_dump(Timer::exists($never), Timer::clear($never), Timer::clear($never));
echo "main script ends\n";
?>
--EXPECT--
outside: cid -1, pcid false
consumer waits (cid 1, pcid -1)
go returned 1, exists true
consumer got hello
producer goes on
consumer ended: true
coroutines now: 4
bool(true)
bool(true)
bool(false)
main script ends
after xy
bool(true)
tick T 1 in a coroutine: true
bool(true)
tick T 2 in a coroutine: true
bool(true)
bool(false)
bool(true)
int(0)
done in order 1,2,3
int(2)
bool(true)
bool(false)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
int(2)
bool(false)
bool(true)
array(3) {
  ["consumer_num"]=>
  int(0)
  ["producer_num"]=>
  int(0)
  ["queue_num"]=>
  int(2)
}
string(1) "a"
waiting consumer woken by close: 'b', false
bool(true)
bool(false)
bool(false)
bool(true)
defer 2
defer 1 in cid 6
