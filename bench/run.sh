#!/usr/bin/env bash
# Builds everything in release (the PHP extension, libprocpool.so, the bench binaries) and runs the
# benchmarks: baseline vs C ABI vs PHP extension, 2 workers each, for
#   socket   — SOCKET mode, request/reply over TCP and a unix socket      (socket_bench, ~35 s)
#   unixsock — UNIXSOCK mode, worker 0 -> worker 1, 64 B, and the bus at 1 KiB..16 MiB (unixsock_bench)
#   msgqueue — MSGQUEUE mode, draining 200,000 messages of 64 B and 8 KiB (msgqueue_bench, ~40 s)
# About 2 minutes in all after the build on a 2-core machine.
#
# usage: bench/run.sh                          all three, 5 rounds each
#        bench/run.sh NAME [options]           one of socket|unixsock|msgqueue, with its options
#                                              (see target/release/NAME_bench --help)
#        bench/run.sh -n 50000 -c 32           options without a name: socket_bench only (as before)
set -eu
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
cargo build --release --workspace
echo "== machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), kernel $(uname -r), $(php -r 'echo "PHP ", PHP_VERSION;' 2>/dev/null || echo 'no php')"
echo "== msgmax $(cat /proc/sys/kernel/msgmax), msgmnb $(cat /proc/sys/kernel/msgmnb), net.unix.max_dgram_qlen $(cat /proc/sys/net/unix/max_dgram_qlen)"
echo "== load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
BIN="$ROOT/target/release"
ROUNDS="${BENCH_ROUNDS:-5}"
case "${1:-}" in
    socket|unixsock|msgqueue)
        name="$1"; shift
        exec "$BIN/${name}_bench" --rounds "$ROUNDS" "$@" ;;
    -*)
        exec "$BIN/socket_bench" --rounds "$ROUNDS" "$@" ;;
    "")
        echo; echo "=== SOCKET ==="
        "$BIN/socket_bench" --rounds "$ROUNDS"
        echo; echo "=== UNIXSOCK ==="
        "$BIN/unixsock_bench" --rounds "$ROUNDS"
        echo; echo "=== MSGQUEUE ==="
        "$BIN/msgqueue_bench" --rounds "$ROUNDS"
        echo; echo "== load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)" ;;
    *)
        echo "usage: bench/run.sh [socket|unixsock|msgqueue] [options]" >&2; exit 2 ;;
esac
