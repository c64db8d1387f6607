--TEST--
Outside a coroutine the suspending calls end the script with Swoole's fatal error; bad sleeps and timers warn; what procpool's coroutine mode lacks (runtime hooks, coroutine sockets, clients, servers) says so
--EXTENSIONS--
procpool
pcntl
posix
--FILE--
<?php
require __DIR__ . '/_util.inc';
foreach ([
    'Co::sleep' => 'Co::sleep(1);',
    'System::sleep' => 'Swoole\Coroutine\System::sleep(0.5);',
    'Channel::pop' => '(new Swoole\Coroutine\Channel())->pop();',
    'Channel::push' => '(new Swoole\Coroutine\Channel())->push(1);',
    'defer' => 'defer(function () {});',
] as $what => $code) {
    [$out, $err, $status] = procpool_run_php("<?php\n$code\necho 'not reached';\n");
    echo "$what: exit $status, ", str_contains($out . $err, 'Uncaught Swoole\Error: API must be called in the coroutine') ? 'fatal error' : "unexpected: $out$err", "\n";
}
// A WaitGroup with nothing to wait for returns at once, in or out of a coroutine.
var_dump((new Swoole\Coroutine\WaitGroup())->wait());
var_dump(Co::sleep(0), Co::sleep(0.0005));
var_dump(Swoole\Timer::after(0, function () {}), Swoole\Timer::tick(-5, function () {}));
var_dump(Swoole\Runtime::enableCoroutine());
Co::set(['hook_flags' => 1]);
foreach (['Swoole\Coroutine\Socket', 'Swoole\Coroutine\Client', 'Swoole\Coroutine\Http\Client', 'Swoole\Coroutine\Http\Server', 'Swoole\Coroutine\Server'] as $class) {
    try {
        new $class(AF_INET, SOCK_STREAM, 0);
    } catch (Swoole\Error $e) {
        echo get_class($e), ": ", $e->getMessage(), "\n";
    }
}
try {
    go('no_such_function');
} catch (TypeError $e) {
    echo get_class($e), "\n";
}
?>
--EXPECTF--
Co::sleep: exit 255, fatal error
System::sleep: exit 255, fatal error
Channel::pop: exit 255, fatal error
Channel::push: exit 255, fatal error
defer: exit 255, fatal error
bool(true)

Warning: Swoole\Coroutine::sleep(): Timer must be greater than or equal to 0.001 in %s on line %d

Warning: Swoole\Coroutine::sleep(): Timer must be greater than or equal to 0.001 in %s on line %d
bool(false)
bool(false)

Warning: Swoole\Timer::after(): Timer must be greater than or equal to 1 in %s on line %d

Warning: Swoole\Timer::tick(): Timer must be greater than or equal to 1 in %s on line %d
bool(false)
bool(false)

Warning: Swoole\Runtime::enableCoroutine(): procpool has no runtime hooks: blocking PHP calls (sleep(), usleep(), blocking streams and sockets) block the whole worker, every coroutine with it. Use Swoole\Coroutine::sleep() (Co::sleep) to wait, or the swoole extension for hooked I/O in %s on line %d
bool(false)

Warning: Swoole\Coroutine::set(): procpool has no runtime hooks: %s in %s on line %d
Swoole\Error: Swoole\Coroutine\Socket is not available: procpool's coroutine mode has no coroutine sockets, clients or servers (only the coroutine API a process pool uses, see docs/coroutines.md); use the swoole extension for them
Swoole\Error: Swoole\Coroutine\Client is not available: %s
Swoole\Error: Swoole\Coroutine\Http\Client is not available: %s
Swoole\Error: Swoole\Coroutine\Http\Server is not available: %s
Swoole\Error: Swoole\Coroutine\Server is not available: %s
TypeError
