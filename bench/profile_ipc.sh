#!/usr/bin/env bash
# Syscalls per message of each UNIXSOCK target (baseline pair, C ABI, PHP extension): runs one
# transfer of N messages under `strace -f -c` (whole pool: manager + both workers) and prints the
# summary. strace slows everything down: only the counts matter. Run bench/run.sh first (it builds
# target/release/unixsock_bench and compiles target/release/bench/unixsock_pair_c).
#
# With --callgrind: user-space instructions per message of each target's sender and receiver,
# counted by valgrind's callgrind (needs `valgrind`): two transfers, of N/4 and N messages, each
# process's instruction count taken from its callgrind.out, and the difference divided by 3N/4, so
# start-up (PHP's compilation, the pool's forks) cancels out. Unlike times, these counts do not move
# with the machine's load. Kernel work (the copies in sendmsg/recvmsg) is not counted. The sender
# and the receiver are told apart by which of send/recv (any flavour) they spent more instructions in.
#
# usage: bench/profile_ipc.sh [N] [SIZE] [BUS]                 (default 20000 64 0; e.g. 200 1048576 1)
#        bench/profile_ipc.sh --callgrind [N] [SIZE] [BUS]     (default 20000 4096 1)
set -eu
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REL="$ROOT/target/release"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

if [ "${1:-}" = "--callgrind" ]; then
    N="${2:-20000}"; SIZE="${3:-4096}"; BUS="${4:-1}"
    command -v valgrind >/dev/null || { echo "profile_ipc.sh: valgrind is not installed (apt-get install -y valgrind)"; exit 1; }
    N1=$((N / 4)); [ "$N1" -ge 1 ] || N1=1
    # One transfer of $2 messages under callgrind; prints "sender_Ir receiver_Ir others_Ir".
    counts() { # dir, messages, command...
        local dir="$1" n="$2"; shift 2
        rm -rf "$dir"; mkdir -p "$dir"
        valgrind --tool=callgrind --trace-children=yes --callgrind-out-file="$dir/cg.%p" "$@" "$n" "$SIZE" "$BUS" \
            >"$dir/stdout" 2>"$dir/stderr" || { echo "failed: $*" >&2; tail -5 "$dir/stderr" >&2; return 1; }
        grep -q '^result ' "$dir/stdout" || { echo "no result: $*" >&2; return 1; }
        local send=0 recv=0 other=0 f total s r
        for f in "$dir"/cg.*; do
            total=$(callgrind_annotate "$f" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1; exit}')
            s=$(callgrind_annotate --threshold=100 "$f" 2>/dev/null | awk '/sendmsg|send\.c|sendto/ {gsub(",", "", $1); t += $1} END {print t + 0}')
            r=$(callgrind_annotate --threshold=100 "$f" 2>/dev/null | awk '/recvmsg|recv\.c|recvfrom/ {gsub(",", "", $1); t += $1} END {print t + 0}')
            if [ "$s" -gt 1000 ] && [ "$s" -gt "$r" ]; then send=$((send + total));
            elif [ "$r" -gt 1000 ]; then recv=$((recv + total));
            else other=$((other + total)); fi
        done
        echo "$send $recv $other"
    }
    echo "== user-space instructions per message (callgrind), $SIZE-byte messages, bus=$BUS: (Ir($N) - Ir($N1)) / $((N - N1))"
    printf '%-9s %14s %14s %14s %14s\n' target sender receiver manager/other total
    for t in baseline c-abi php-ext; do
        case $t in
            baseline) cmd=("$REL/unixsock_bench" --baseline-pair) ;;
            c-abi) [ -x "$REL/bench/unixsock_pair_c" ] || { echo "c-abi: not built (run bench/run.sh unixsock first)"; continue; }
                   cmd=("$REL/bench/unixsock_pair_c") ;;
            php-ext) cmd=(php -d "extension=$REL/libprocpool_php.so" "$ROOT/bench/unixsock_pair.php") ;;
        esac
        read -r s1 r1 o1 < <(counts "$TMP/$t.1" "$N1" "${cmd[@]}")
        read -r s2 r2 o2 < <(counts "$TMP/$t.2" "$N" "${cmd[@]}")
        awk -v t="$t" -v d=$((N - N1)) -v s=$((s2 - s1)) -v r=$((r2 - r1)) -v o=$((o2 - o1)) \
            'BEGIN {printf "%-9s %14.0f %14.0f %14.0f %14.0f\n", t, s / d, r / d, o / d, (s + r + o) / d}'
    done
    exit 0
fi

N="${1:-20000}"; SIZE="${2:-64}"; BUS="${3:-0}"
command -v strace >/dev/null || { echo "profile_ipc.sh: strace is not installed"; exit 1; }
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
