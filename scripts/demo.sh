#!/usr/bin/env bash
# `make demo`: two short, real runs of procpool's drop-in Swoole\Process\Pool.
#  1. examples/php/demo.php: 4 workers doing work while a director kills one, reloads, shuts down.
#  2. examples/php/socket_server.php + socket_client.php: a SOCKET pool serving real requests.
set -euo pipefail
cd "$(dirname "$0")/.."
ext="$PWD/target/debug/libprocpool_php.so"
php_ext=(php -d "extension=$ext")

echo "=== 1/2: a pool of 4 workers: a crash, a rolling reload, a clean shutdown (examples/php/demo.php)"
echo "    lines starting with [date \$pid] are the manager's own log on stderr"
timeout 60 "${php_ext[@]}" examples/php/demo.php 2>&1

echo
echo "=== 2/2: a SWOOLE_IPC_SOCKET pool answering requests (examples/php/socket_server.php)"
sock="$(mktemp -u "${TMPDIR:-/tmp}/procpool-demo-XXXXXX.sock")"
"${php_ext[@]}" -d display_errors=stderr examples/php/socket_server.php "unix:$sock" &
server=$!
# A watchdog, so a hung server cannot hang `make demo`. Ending it (below) also ends its sleep, and it
# writes nowhere, so nothing of it outlives the demo or holds a pipe open (`make demo | tail`).
(
    trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
    sleep 60 &
    sleeper=$!
    wait "$sleeper" && kill -KILL "$server" 2>/dev/null
) </dev/null >/dev/null 2>&1 &
watchdog=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
echo "--- client: php examples/php/socket_client.php unix:$sock (plain PHP, one connection per request)"
php examples/php/socket_client.php "unix:$sock" "echo hello from the client" "upper procpool" "any other text is upper-cased"
echo "--- sending SIGTERM to the server's manager (pid $server)"
kill -TERM "$server"
status=0
wait "$server" || status=$?
kill "$watchdog" 2>/dev/null || true
wait "$watchdog" 2>/dev/null || true
echo "--- server exited with status $status; socket file left behind: $([ -e "$sock" ] && echo yes || echo no)"
exit "$status"
