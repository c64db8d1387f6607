<?php
// procpool example: a producer for examples/php/redis_pool.php. It is a separate, plain PHP script: it adds N
// entries to the stream "jobs" with the field `data` (what the pool's Message gets) and one extra field. It uses
// phpredis when it is installed (Debian: php8.2-redis), and otherwise speaks Redis's protocol over a socket
// itself. Entries added while no pool runs wait in the stream.
//
// Run (from the repository root), with a redis-server on 127.0.0.1:6379:
//   php examples/php/redis_producer.php 10                 # "job 1 of 10" ... "job 10 of 10"
//   php examples/php/redis_producer.php 1 poison           # its handler throws: dead-lettered after 3 tries
//   REDIS_HOST=10.0.0.5 REDIS_PORT=6380 php examples/php/redis_producer.php 100
// The same with redis-cli:
//   redis-cli XADD jobs '*' data 'hello' source cli

$n = (int) ($argv[1] ?? 10);
$text = $argv[2] ?? null;
$host = getenv('REDIS_HOST') ?: '127.0.0.1';
$port = (int) (getenv('REDIS_PORT') ?: 6379);

if (class_exists('Redis')) {
    $redis = new Redis();
    $redis->connect($host, $port);
    $add = fn (array $fields) => $redis->xAdd('jobs', '*', $fields);
} else {
    $socket = stream_socket_client("tcp://$host:$port", $errno, $errstr, 3);
    if ($socket === false) {
        fwrite(STDERR, "cannot connect to $host:$port: $errstr\n");
        exit(1);
    }
    $add = function (array $fields) use ($socket) {
        $args = ['XADD', 'jobs', '*'];
        foreach ($fields as $k => $v) {
            array_push($args, (string) $k, (string) $v);
        }
        $cmd = '*' . count($args) . "\r\n";
        foreach ($args as $a) {
            $cmd .= '$' . strlen($a) . "\r\n$a\r\n";
        }
        fwrite($socket, $cmd);
        $size = fgets($socket);                 // "$<n>" then the id, or "-ERR ..."
        if ($size[0] !== '$') {
            throw new RuntimeException('XADD failed: ' . trim($size));
        }
        return trim(fgets($socket));
    };
}

for ($i = 1; $i <= $n; $i++) {
    $id = $add(['data' => $text ?? "job $i of $n", 'sent_at' => date('H:i:s')]);
    echo "added $id\n";
}
