#!/usr/bin/env bash
# Syscalls per request/message at FULL speed (perf stat on the syscall tracepoints), plus the CPU
# time (task-clock) of the measured processes. Unlike strace (profile.sh, profile_ipc.sh), this does
# not slow the servers down, so "try first, wait only when idle" paths are counted as they run
# under load. Needs `perf` with tracepoint access (root or perf_event_paranoid <= 1). Run
# bench/run.sh (or cargo build --release) first.
#
# usage: bench/perf_syscalls.sh socket   [N] [ROUNDS]     SOCKET servers over a unix socket (default 40000 2)
#        bench/perf_syscalls.sh unixsock [N] [SIZE] [BUS] UNIXSOCK transfer (default 200000 64 0)
# task-clock includes process start-up (PHP's is ~0.1 s): use large N when comparing CPU.
set -eu
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REL="$ROOT/target/release"
command -v perf >/dev/null || { echo "perf_syscalls.sh: perf is not installed"; exit 1; }
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
summary() { # perf csv file, N
    grep -v '^#' "$1" | grep -v '^$' | awk -F, -v n="$2" '{e=$3; sub("syscalls:sys_enter_","",e); sub("raw_syscalls:sys_enter","all",e);
        if (e=="task-clock") printf "cpu %.2f us ", $1*1000/n; else printf "%s %.2f  ", e, $1/n} END {print ""}'
}
case "${1:-socket}" in
socket)
    N="${2:-40000}"; ROUNDS="${3:-2}"
    EV=task-clock,raw_syscalls:sys_enter,syscalls:sys_enter_accept4,syscalls:sys_enter_poll,syscalls:sys_enter_ioctl,syscalls:sys_enter_read,syscalls:sys_enter_sendmsg,syscalls:sys_enter_close
    one() { # name, server command...
        local name="$1"; shift
        local sock="$TMP/$name.sock"
        perf stat -e "$EV" -x, -o "$TMP/$name.perf" "$@" "unix:$sock" 2 >/dev/null 2>&1 &
        local pid=$!
        for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
        sleep 0.3
        "$REL/socket_bench" --connect "unix:$sock" -n "$N" -w 0 -c 16 >/dev/null
        kill -TERM "$(pgrep -P "$pid" | head -1)"
        wait "$pid" || true
        printf '%-9s per request: ' "$name"; summary "$TMP/$name.perf" "$N"
    }
    echo "== SOCKET, $N requests over a unix socket, whole server (manager + 2 workers), per request"
    for _ in $(seq "$ROUNDS"); do
        one baseline "$REL/socket_bench" --baseline-server
        if [ -x "$REL/bench/socket_echo_c" ]; then one c-abi "$REL/bench/socket_echo_c"; fi
        one php-ext php -d "extension=$REL/libprocpool_php.so" "$ROOT/bench/socket_echo.php"
    done ;;
unixsock)
    N="${2:-200000}"; SIZE="${3:-64}"; BUS="${4:-0}"
    EV=task-clock,raw_syscalls:sys_enter,syscalls:sys_enter_sendmsg,syscalls:sys_enter_recvfrom,syscalls:sys_enter_poll,syscalls:sys_enter_kill,syscalls:sys_enter_getpid
    echo "== UNIXSOCK, $N messages of $SIZE bytes, bus=$BUS, whole pool (manager + both workers), per message"
    for t in baseline c-abi php-ext; do
        case $t in
            baseline) cmd=("$REL/unixsock_bench" --baseline-pair) ;;
            c-abi) [ -x "$REL/bench/unixsock_pair_c" ] || continue; cmd=("$REL/bench/unixsock_pair_c") ;;
            php-ext) cmd=(php -d "extension=$REL/libprocpool_php.so" "$ROOT/bench/unixsock_pair.php") ;;
        esac
        perf stat -e "$EV" -x, -o "$TMP/$t.perf" "${cmd[@]}" "$N" "$SIZE" "$BUS" >/dev/null 2>&1
        printf '%-9s per message: ' "$t"; summary "$TMP/$t.perf" "$N"
    done ;;
*)
    echo "usage: bench/perf_syscalls.sh socket [N] [ROUNDS] | unixsock [N] [SIZE] [BUS]" >&2; exit 2 ;;
esac
