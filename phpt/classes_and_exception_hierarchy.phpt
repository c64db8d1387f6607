--TEST--
ProcPool\Pool, ProcPool\Process and ProcPool\Exception exist; the exception extends \Exception
--EXTENSIONS--
procpool
--FILE--
<?php
var_dump(class_exists('ProcPool\Pool', false));
var_dump(class_exists('ProcPool\Process', false));
var_dump(class_exists('ProcPool\Exception', false));
var_dump(get_parent_class('ProcPool\Exception'));
var_dump(is_subclass_of('ProcPool\Exception', 'Exception'));
try { new ProcPool\Pool(0); } catch (\Exception $e) { var_dump($e instanceof ProcPool\Exception); }
?>
--EXPECT--
bool(true)
bool(true)
bool(true)
string(9) "Exception"
bool(true)
bool(true)
