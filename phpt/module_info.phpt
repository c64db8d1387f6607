--TEST--
php --ri procpool shows the version, the C ABI revision (PROCPOOL_ABI_VERSION of include/procpool.h), the IPC modes with their constants' values, whether the Swoole names are on, and the default of every key set() reads (each key of php-ext/src/settings.rs, no other)
--EXTENSIONS--
procpool
--SKIPIF--
<?php if (extension_loaded('swoole')) die('skip the real swoole extension is loaded (the Swoole names are off)'); ?>
--FILE--
<?php
require __DIR__ . '/_util.inc';
$ri = shell_exec(escapeshellarg(PHP_BINARY) . ' -n -d ' . escapeshellarg('extension=' . procpool_ext_path())
    . ' --ri procpool 2>&1');
echo $ri;

echo "-- checks\n";
$rows = [];
foreach (explode("\n", $ri) as $line) {
    if (str_contains($line, ' => ')) {
        [$key, $value] = explode(' => ', $line, 2);
        $rows[$key] = $value;
    }
}
var_dump($rows['Version'] === phpversion('procpool'));
preg_match('/^#define PROCPOOL_ABI_VERSION (\d+)$/m', file_get_contents(dirname(__DIR__) . '/include/procpool.h'), $m);
var_dump($rows['C ABI version (PROCPOOL_ABI_VERSION)'] === $m[1]);
foreach (['SWOOLE_IPC_NONE', 'SWOOLE_IPC_UNIXSOCK', 'SWOOLE_IPC_MSGQUEUE', 'SWOOLE_IPC_SOCKET', 'PROCPOOL_IPC_REDIS'] as $mode) {
    if (!str_contains($rows['IPC modes'], "$mode (" . constant($mode) . ')')) {
        echo "IPC modes: $mode missing or with another value\n";
    }
}
// every key the settings code reads has its default, and nothing else is listed
preg_match_all('/^\s*"([a-z_]+)" =>/m', file_get_contents(dirname(__DIR__) . '/php-ext/src/settings.rs'), $m);
$keys = $m[1];
$listed = array_keys(array_slice($rows, array_search('set() key', array_keys($rows), true) + 1));
sort($keys);
sort($listed);
var_dump(count($keys) > 20, $keys === $listed);
?>
--EXPECTF--
procpool

procpool support => enabled
Version => %d.%d.%s
C ABI version (PROCPOOL_ABI_VERSION) => %d
IPC modes => SWOOLE_IPC_NONE (0), SWOOLE_IPC_UNIXSOCK (1), SWOOLE_IPC_MSGQUEUE (2), SWOOLE_IPC_SOCKET (3), PROCPOOL_IPC_REDIS (100)
Swoole names => on (Swoole\... are the classes, ProcPool\... their aliases)
SAPI => cli only

set() key => Default
max_wait_time => 3 s
log_level => warning
crash_loop_threshold => 3
crash_loop_max_delay => 5 s
max_package_size => 2097152 (2M)
enable_coroutine => false
max_request => 0 (off)
max_request_grace => 0
max_memory => 0 (off)
request_timeout => 0 (off)
slow_request => 0 (off)
metrics_listen => none (off)
read_timeout => 30 s
header_timeout => 5 s
max_connections => 256
enable_message_bus => false
msgqueue_permissions => 0600
msgqueue_allow_foreign => false
redis_url => redis://127.0.0.1:6379
redis_stream => none (required with PROCPOOL_IPC_REDIS)
redis_group => procpool
redis_consumer => the host name
dead_letter_stream => <redis_stream>:dead
max_deliveries => 5
claim_idle => 60 s
redis_batch => 10
-- checks
bool(true)
bool(true)
bool(true)
bool(true)
