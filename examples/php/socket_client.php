<?php
// A plain PHP client (stream_socket_client, no extension needed) for examples/php/socket_server.php.
// Each request is its own connection: send a 4-byte big-endian length + the bytes, read the framed
// reply until the server closes.
//
// Run the server first (from the repository root):
//   php -d extension=target/debug/libprocpool_php.so examples/php/socket_server.php unix:/tmp/procpool-demo.sock
// then:
//   php examples/php/socket_client.php unix:/tmp/procpool-demo.sock
//   php examples/php/socket_client.php 127.0.0.1 9501 "echo hi" "upper hello" "shout this"
// Arguments: the server address (`unix:/path`, or host and port) and, optionally, the messages to send;
// without messages a few built-in ones are sent. Exits 1 if a request gets no (or a malformed) reply.
// With no argument it talks to unix:<temp dir>/procpool-socket-server.sock (the server's default).

$args = array_slice($argv, 1);
$target = array_shift($args) ?? 'unix:' . sys_get_temp_dir() . '/procpool-socket-server.sock';
if (str_starts_with($target, 'unix:')) {
    $address = 'unix://' . substr($target, 5);
} else {
    $port = (int) array_shift($args);
    $address = 'tcp://' . (str_contains($target, ':') && $target[0] !== '[' ? "[$target]" : $target) . ":$port";
}
$messages = $args ?: ['echo hello, procpool', 'upper make me loud', 'no command: all of it upper case', "binary \x00\xff ok"];

function request(string $address, string $message, float $timeout = 5.0): ?string
{
    $conn = @stream_socket_client($address, $errno, $errstr, $timeout);
    if ($conn === false) {
        fwrite(STDERR, "connect to $address failed: $errstr\n");
        return null;
    }
    stream_set_timeout($conn, (int) ceil($timeout));
    fwrite($conn, pack('N', strlen($message)) . $message);
    $raw = stream_get_contents($conn);
    fclose($conn);
    if ($raw === false || strlen($raw) < 4) {
        return null;
    }
    $len = unpack('N', $raw)[1];
    return strlen($raw) === 4 + $len ? substr($raw, 4) : null;
}

function show(string $s): string
{
    return '"' . addcslashes($s, "\0..\37\177..\377\"\\") . '"';
}

$failed = 0;
foreach ($messages as $message) {
    $reply = request($address, $message);
    if ($reply === null) {
        $failed++;
        printf("%-40s -> (no reply)\n", show($message));
    } else {
        printf("%-40s -> %s\n", show($message), show($reply));
    }
}
exit($failed ? 1 : 0);
