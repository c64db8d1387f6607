#!/usr/bin/env bash
# Builds everything in release (the PHP extension, libprocpool.so, socket_bench) and runs the
# SOCKET benchmark: baseline vs C ABI vs PHP extension, over TCP and a unix socket, 2 workers each.
# About 30-60 s of load after the build on a 2-core machine.
#
# usage: bench/run.sh [socket_bench options]     e.g. bench/run.sh -n 50000 -c 32 -r 5
#        (see target/release/socket_bench --help; options may also come from BENCH_* variables)
set -eu
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
cargo build --release --workspace
echo "== machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), kernel $(uname -r)"
echo "== load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
exec "$ROOT/target/release/socket_bench" --rounds "${BENCH_ROUNDS:-5}" "$@"
