--TEST--
Pool::listen(), write() and sendMessage() have Swoole's signatures (parameter names, string/int types, defaults, bool return)
--EXTENSIONS--
procpool
--FILE--
<?php
function sig(string $method): string
{
    $m = new ReflectionMethod('Swoole\Process\Pool', $method);
    $ps = [];
    foreach ($m->getParameters() as $p) {
        $ps[] = trim(($p->getType() ?? '') . ' $' . $p->getName()
            . ($p->isDefaultValueAvailable() ? ' = ' . var_export($p->getDefaultValue(), true) : ''));
    }
    return "$method(" . implode(', ', $ps) . "): " . $m->getReturnType();
}
echo sig('listen'), "\n", sig('write'), "\n", sig('sendMessage'), "\n";
?>
--EXPECT--
listen(string $host, int $port = 0, int $backlog = 2048): bool
write(string $data): bool
sendMessage(string $data, int $dst_worker_id): bool
