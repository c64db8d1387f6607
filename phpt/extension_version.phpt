--TEST--
The extension is named procpool and reports its version (ReflectionExtension and php --ri)
--EXTENSIONS--
procpool
--FILE--
<?php
require __DIR__ . '/_util.inc';
$v = (new ReflectionExtension('procpool'))->getVersion();
var_dump(is_string($v) && preg_match('/^\d+\.\d+\.\d+/', $v) === 1);
var_dump(phpversion('procpool') === $v);
$ri = shell_exec(escapeshellarg(PHP_BINARY) . ' -d ' . escapeshellarg('extension=' . procpool_ext_path()) . ' --ri procpool 2>&1');
var_dump(str_contains($ri, 'procpool support => enabled'));
var_dump(str_contains($ri, "Version => $v"));
?>
--EXPECT--
bool(true)
bool(true)
bool(true)
bool(true)
