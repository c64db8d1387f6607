#!/usr/bin/env bash
# Syscalls per message of each UNIXSOCK target (baseline pair, C ABI, PHP extension): runs one
# transfer of N messages under `strace -f -c` (whole pool: manager + both workers) and prints the
# summary. strace slows everything down: only the counts matter. Run bench/run.sh first (it builds
# target/release/unixsock_bench and compiles target/release/bench/unixsock_pair_c).
#
# usage: bench/profile_ipc.sh [N] [SIZE] [BUS]     (default 20000 64 0; e.g. 200 1048576 1)
set -eu
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N="${1:-20000}"; SIZE="${2:-64}"; BUS="${3:-0}"
REL="$ROOT/target/release"
command -v strace >/dev/null || { echo "profile_ipc.sh: strace is not installed"; exit 1; }
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
profile() { # name, command...
    local name="$1"; shift
    strace -f -c -o "$TMP/$name" "$@" "$N" "$SIZE" "$BUS" >/dev/null
    echo "== $name: strace -f -c, $N messages of $SIZE bytes, bus=$BUS (calls / $N = per message)"
    head -n 14 "$TMP/$name"
    echo
}
profile baseline "$REL/unixsock_bench" --baseline-pair
if [ -x "$REL/bench/unixsock_pair_c" ]; then profile c-abi "$REL/bench/unixsock_pair_c"; else echo "C ABI target skipped: not built"; fi
profile php-ext php -d "extension=$REL/libprocpool_php.so" "$ROOT/bench/unixsock_pair.php"
