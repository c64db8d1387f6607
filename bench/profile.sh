#!/usr/bin/env bash
# Syscalls per request of each SOCKET server (baseline, C ABI, PHP extension) over a unix socket:
# starts each server under `strace -f -c`, sends N requests with socket_bench --connect, stops it,
# and prints strace's summary (calls / N = syscalls per request). strace slows everything down:
# only the counts matter here, not the times. Run bench/run.sh (or cargo build --release) first.
#
# usage: bench/profile.sh [N]        (default 2000)
set -eu
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N="${1:-2000}"
REL="$ROOT/target/release"
BENCH="$REL/socket_bench"
C_EXE="$REL/bench/socket_echo_c"
command -v strace >/dev/null || { echo "profile.sh: strace is not installed"; exit 1; }
[ -x "$BENCH" ] || { echo "profile.sh: $BENCH missing (run bench/run.sh first)"; exit 1; }
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

profile() { # name, command...
    local name="$1"; shift
    local sock="$TMP/$name.sock"
    strace -f -c -o "$TMP/$name.strace" "$@" "unix:$sock" 2 >/dev/null &
    local strace_pid=$!
    for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
    sleep 0.5
    "$BENCH" --connect "unix:$sock" -n "$N" -w 0 -c 16
    kill -TERM "$(pgrep -P "$strace_pid" | head -1)"
    wait "$strace_pid" || true
    echo "== $name: strace -f -c over $N requests (whole server: manager + 2 workers)"
    head -n 25 "$TMP/$name.strace"
    echo
}

profile baseline "$BENCH" --baseline-server
if [ -x "$C_EXE" ]; then profile c-abi "$C_EXE"; else echo "C ABI target skipped: $C_EXE not built"; fi
profile php-ext php -d "extension=$REL/libprocpool_php.so" "$ROOT/bench/socket_echo.php"
