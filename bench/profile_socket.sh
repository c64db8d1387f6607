#!/usr/bin/env bash
# SOCKET: user-space instructions per request of each server (the raw libc baseline, the C ABI echo
# server, the PHP echo server), counted by valgrind's callgrind over the whole server (manager and
# workers, --trace-children): two runs of N/4 and N requests (one client connection at a time,
# socket_bench --connect), the difference divided by 3N/4, so start-up (forks, PHP's compilation)
# cancels out. Unlike times, these counts do not move with the machine's load. Kernel work is not
# counted. Run bench/run.sh (or cargo build --release --workspace) first.
#
# usage: bench/profile_socket.sh [N]        (default 2000)
set -eu
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REL="$ROOT/target/release"
N="${1:-2000}"
N1=$((N / 4))
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
command -v valgrind >/dev/null || { echo "profile_socket.sh: valgrind is not installed (apt-get install -y valgrind)"; exit 1; }
[ -x "$REL/bench/socket_echo_c" ] || { echo "profile_socket.sh: run bench/run.sh socket first (it compiles $REL/bench/socket_echo_c)"; exit 1; }

# Total user-space instructions of one server run that answers $2 requests.
run() { # name, requests, server command... (@SPEC@ stands for the listening address)
    local name="$1" n="$2"; shift 2
    local dir="$TMP/$name-$n" sock="$TMP/$name-$n.sock"
    mkdir -p "$dir"
    local args=() a
    for a in "$@"; do args+=("${a//@SPEC@/unix:$sock}"); done
    valgrind --tool=callgrind --trace-children=yes --callgrind-out-file="$dir/cg.%p" "${args[@]}" \
        >/dev/null 2>"$dir/valgrind.err" &
    local server=$!
    for _ in $(seq 600); do [ -S "$sock" ] && break; sleep 0.05; done
    "$REL/socket_bench" --connect "unix:$sock" -n "$n" -c 1 -w 0 >/dev/null 2>&1 || true
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    local total=0 f ir
    for f in "$dir"/cg.*; do
        ir=$(callgrind_annotate "$f" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1; exit}')
        total=$((total + ${ir:-0}))
    done
    echo "$total"
}

per_request() { # name, server command...
    local name="$1"; shift
    local small big
    small=$(run "$name" "$N1" "$@")
    big=$(run "$name" "$N" "$@")
    echo $(((big - small) / (N - N1)))
}

echo "== SOCKET over a unix socket, user-space instructions per request (callgrind): (Ir($N) - Ir($N1)) / $((N - N1))"
base=$(per_request baseline "$REL/socket_bench" --baseline-server @SPEC@ 2)
c=$(per_request c-abi "$REL/bench/socket_echo_c" @SPEC@)
php=$(per_request php-ext php -d "extension=$REL/libprocpool_php.so" "$ROOT/bench/socket_echo.php" @SPEC@)
printf '%-9s %10s\n' baseline "$base" c-abi "$c" php-ext "$php"
echo "x (to the baseline): c-abi $(awk "BEGIN {printf \"%.2f\", $c / $base}"), php-ext $(awk "BEGIN {printf \"%.2f\", $php / $base}")"
