--TEST--
php-ext/procpool.stub.php declares exactly what the loaded extension registers: every class, alias (class_alias), class constant, property, method and function with the same modifiers, parameter names, types, defaults and optionality, the same return types, every constant with its value (the stub is loaded in a PHP without the extension and both are described through Reflection); property types are compared where the extension declares one; every item of the stub has a doc comment
--EXTENSIONS--
procpool
--SKIPIF--
<?php if (extension_loaded('swoole')) die('skip the real swoole extension is loaded (the stub describes the Swoole names)'); ?>
--FILE--
<?php
// Before anything defines a function or constant: the ones procpool defines in PHP at request start
// (go(), defer(), Co\run(), Swoole\Coroutine\run(), SWOOLE_CHANNEL_*).
$userFunctions = get_defined_functions()['user'];
$userConstants = get_defined_constants(true)['user'] ?? [];
require __DIR__ . '/_api.inc';
$stub = dirname(__DIR__) . '/php-ext/procpool.stub.php';

$ext = new ReflectionExtension('procpool');
$loaded = procpool_api_describe(
    $ext->getClassNames(),
    array_merge(array_keys($ext->getFunctions()), $userFunctions),
    $ext->getConstants() + $userConstants
);

// The stub, as plain PHP in a PHP without any extension loaded (-n: no ini files).
$child = sprintf(<<<'PHP'
require %s;
$classes = get_declared_classes();
$functions = get_defined_functions()['user'];
$constants = get_defined_constants(true)['user'] ?? [];
require %s;
echo serialize(procpool_api_describe(
    array_values(array_diff(get_declared_classes(), $classes)),
    array_values(array_diff(get_defined_functions()['user'], $functions)),
    array_diff_key(get_defined_constants(true)['user'] ?? [], $constants)
));
PHP, var_export(__DIR__ . '/_api.inc', true), var_export($stub, true));
$proc = proc_open([PHP_BINARY, '-n', '-d', 'display_errors=stderr', '-d', 'error_reporting=-1', '-r', $child],
    [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
$out = stream_get_contents($pipes[1]);
$err = stream_get_contents($pipes[2]);
$status = proc_close($proc);
$stubbed = @unserialize($out);
if ($status !== 0 || $err !== '' || !is_array($stubbed)) {
    echo "loading the stub failed (status $status):\n$err$out\n";
    exit(1);
}

$problems = [];
foreach ($loaded['items'] as $key => $line) {
    if (!isset($stubbed['items'][$key])) {
        $problems[] = "missing from the stub: $key: $line";
    } elseif ($stubbed['items'][$key] !== $line) {
        $problems[] = "differs: $key\n    extension: $line\n    stub:      {$stubbed['items'][$key]}";
    }
}
foreach (array_diff_key($stubbed['items'], $loaded['items']) as $key => $line) {
    $problems[] = "in the stub, not registered by the extension: $key: $line";
}
foreach ($loaded['property_types'] as $key => $type) {
    if (($stubbed['property_types'][$key] ?? null) !== $type) {
        $problems[] = "property type differs: $key\n    extension: $type\n    stub:      "
            . ($stubbed['property_types'][$key] ?? '(none)');
    }
}
foreach ($stubbed['undocumented'] as $item) {
    $problems[] = "no doc comment in the stub: $item";
}
echo $problems ? implode("\n", $problems) . "\n" : "the stub and the extension agree\n";

// Sanity: the comparison covered the whole surface, the aliases and the declared types.
$count = fn (string $kind) => count(array_filter(array_keys($loaded['items']), fn ($k) => str_starts_with($k, "$kind ")));
var_dump($count('class') >= 4, $count('alias') >= 3, $count('method') >= 40, $count('constant') >= 5);
foreach (['method Swoole\Process\Pool::start', 'method Swoole\Process\Pool::getprocess', 'method Swoole\Process\Pool::on',
    'method Swoole\Process::pop', 'alias procpool\pool', 'constant SWOOLE_IPC_SOCKET'] as $key) {
    echo $loaded['items'][$key], "\n";
}
?>
--EXPECT--
the stub and the extension agree
bool(true)
bool(true)
bool(true)
bool(true)
public function start(): ?false
public function getProcess(int $work_id = -1): Swoole\Process|false
public function on(string $name, callable $callback): bool
public function pop(int $size = 65536): string|false
class_alias(Swoole\Process\Pool, procpool\pool)
const SWOOLE_IPC_SOCKET = 3
