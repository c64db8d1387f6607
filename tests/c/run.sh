#!/usr/bin/env bash
# The C ABI tests: builds libprocpool (cargo build -p procpool-ffi), compiles the C programs of
# tests/c against include/procpool.h — linked dynamically (with an rpath) and once statically against
# libprocpool.a — runs each under a timeout, and compares their "check" lines with tests/c/*.expected.
# Also checks that the header compiles as strict C99, as C++, and with -fshort-enums (its typedefs keep
# their 4 bytes), and that the error messages the tests printed use C's names (not Swoole's); runs
# examples/c/hello_pool.c through a SIGTERM shutdown, runs examples/c/socket_echo_server.c on TCP
# port 0 with one request (sent through bash's /dev/tcp) before a SIGTERM, and runs
# examples/c/msgqueue_worker.c on a fresh System V key fed 1000 messages by tests/c/msgsend.c before
# a SIGTERM (the queue is removed). tests/c/redis.c starts its own redis-server (which must be installed).
#
# usage: tests/c/run.sh            (from anywhere; CC, CXX and CARGO may be overridden)
set -u

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CC="${CC:-cc}"
CXX="${CXX:-c++}"
CARGO="${CARGO:-cargo}"
LIBDIR="$ROOT/target/debug"
OUT="$ROOT/target/c-tests"
CFLAGS=(-Wall -Wextra -Werror -g -I "$ROOT/include" -I "$ROOT/tests/c")
# What rustc says a staticlib needs (cargo rustc -- --print native-static-libs).
STATIC_LIBS=(-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc)

passed=0
failed=0
failures=()

pass() { passed=$((passed + 1)); echo "PASS  $1"; }
fail() { failed=$((failed + 1)); failures+=("$1"); echo "FAIL  $1"; }

cd "$ROOT" || exit 2
echo "== cargo build -p procpool-ffi"
if ! "$CARGO" build -p procpool-ffi; then
    echo "C ABI tests: cargo build failed"
    exit 1
fi
for lib in libprocpool.so libprocpool.a; do
    [ -f "$LIBDIR/$lib" ] || { echo "C ABI tests: $LIBDIR/$lib is missing"; exit 1; }
done
mkdir -p "$OUT"

# The header alone: strict C99, and C++.
if "$CC" -std=c99 -pedantic -Wall -Wextra -Werror -fsyntax-only -x c -I "$ROOT/include" - \
        <<<'#include "procpool.h"' 2>"$OUT/header-c99.err"; then
    pass "header compiles as C99 (-pedantic)"
else
    cat "$OUT/header-c99.err"; fail "header compiles as C99 (-pedantic)"
fi
# The result, IPC mode and log level types are int32_t typedefs, not enums: -fshort-enums (which makes
# enums as small as their values allow) must not change their size. Also the documented ABI check.
if "$CC" -std=c11 -pedantic -fshort-enums -Wall -Wextra -Werror -fsyntax-only -x c -I "$ROOT/include" - \
        2>"$OUT/header-short-enums.err" <<'EOF'
#include "procpool.h"
_Static_assert(sizeof(procpool_result) == 4, "procpool_result must be 4 bytes");
_Static_assert(sizeof(procpool_ipc_mode) == 4, "procpool_ipc_mode must be 4 bytes");
_Static_assert(sizeof(procpool_log_level) == 4, "procpool_log_level must be 4 bytes");
_Static_assert(PROCPOOL_OK == 0 && PROCPOOL_ERR_QUEUE_GONE == 10, "result codes");
int abi_ok(void) { return procpool_abi_version() == PROCPOOL_ABI_VERSION; }
EOF
then
    pass "header with -fshort-enums: procpool_result and the other typedefs are 4 bytes"
else
    cat "$OUT/header-short-enums.err"; fail "header with -fshort-enums: procpool_result and the other typedefs are 4 bytes"
fi
if command -v "$CXX" >/dev/null 2>&1; then
    if "$CXX" -Wall -Wextra -Werror -fsyntax-only -x c++ -I "$ROOT/include" - \
            <<<'#include "procpool.h"
static int ws(void *, uint32_t) { return 0; }
int main() {
    if (procpool_abi_version() != PROCPOOL_ABI_VERSION) return 1;
    procpool_pool *p = nullptr;
    procpool_result rc = procpool_pool_new(1, PROCPOOL_IPC_NONE, &p);
    return rc == PROCPOOL_OK ? procpool_pool_on_worker_start(p, ws, nullptr) : rc;
}' \
            2>"$OUT/header-cxx.err"; then
        pass "header compiles as C++"
    else
        cat "$OUT/header-cxx.err"; fail "header compiles as C++"
    fi
fi

# compile <program> <dynamic|static>: builds $OUT/<program>-<linkage>.
compile() {
    local program="$1" linkage="$2" exe="$OUT/$1-$2"
    if [ "$linkage" = dynamic ]; then
        "$CC" "${CFLAGS[@]}" -o "$exe" "$ROOT/tests/c/$program.c" \
            -L "$LIBDIR" -lprocpool -Wl,-rpath,"$LIBDIR" -lm
    else
        "$CC" "${CFLAGS[@]}" -o "$exe" "$ROOT/tests/c/$program.c" \
            "$LIBDIR/libprocpool.a" "${STATIC_LIBS[@]}"
    fi
}

# run_checked <program> <linkage>: runs it, requires exit 0 and its "check" lines == <program>.expected.
run_checked() {
    local program="$1" linkage="$2" name="$1 ($2)" exe="$OUT/$1-$2"
    if ! compile "$program" "$linkage" 2>"$OUT/$program-$linkage.cc.err"; then
        cat "$OUT/$program-$linkage.cc.err"; fail "$name: does not compile"; return
    fi
    if [ "$linkage" = static ] && command -v ldd >/dev/null && ldd "$exe" 2>/dev/null | grep -q libprocpool; then
        fail "$name: linked to libprocpool.so instead of libprocpool.a"; return
    fi
    timeout --kill-after=5 30 "$exe" >"$OUT/$program-$linkage.out" 2>"$OUT/$program-$linkage.err"
    local status=$?
    grep '^check ' "$OUT/$program-$linkage.out" >"$OUT/$program-$linkage.checks"
    if [ $status -ne 0 ] || ! diff -u "$ROOT/tests/c/$program.expected" "$OUT/$program-$linkage.checks" \
            >"$OUT/$program-$linkage.diff"; then
        echo "---- $name: exit status $status; stdout:"; cat "$OUT/$program-$linkage.out"
        echo "---- stderr:"; cat "$OUT/$program-$linkage.err"
        echo "---- check lines vs tests/c/$program.expected:"; cat "$OUT/$program-$linkage.diff"
        fail "$name"
    else
        pass "$name"
    fi
}

for program in lifecycle errors socket_echo msgqueue unixsock callbacks operate redis; do
    run_checked "$program" dynamic
done
for program in lifecycle errors socket_echo msgqueue unixsock callbacks operate redis; do
    run_checked "$program" static
done

# The error messages the programs printed ("  message: ..." after a check) name C's functions and
# constants: no SWOOLE_* constant, PHP method (onMessage, sendMessage(), listen()...) or PHP setting.
c_terms() {
    local messages bad
    messages="$(cat "$OUT"/*-dynamic.out "$OUT"/*-static.out 2>/dev/null | grep -c '^  message: ')"
    bad="$(cat "$OUT"/*-dynamic.out "$OUT"/*-static.out 2>/dev/null | grep '^  message: ' \
        | grep -E 'SWOOLE|onMessage|onWorker|sendMessage|=>|enable_message_bus|(^|[^A-Za-z0-9_])[a-z][A-Za-z0-9]*\(\)' \
        | sort -u)"
    if [ "$messages" -ge 100 ] && [ -z "$bad" ]; then
        pass "error messages use C names ($messages messages)"
    else
        echo "---- $messages messages; with Swoole's names:"; echo "$bad"
        fail "error messages use C names"
    fi
}
c_terms

# Workers that ran WorkerStop after the Shutdown event: 1 to 3 (a replacement forked just as the
# SIGTERM arrived may die of it before installing its own handler, which is correct).
stopped_at_shutdown() {
    local n
    n="$(sed -n '/shutting down/,$p' "$1" | grep -c ') stopped$')"
    [ "$n" -ge 1 ] && [ "$n" -le 3 ]
}

# The example: 3 workers that work and are replaced, until SIGTERM to the manager.
example() {
    local exe="$OUT/hello_pool" log="$OUT/hello_pool.out"
    if ! "$CC" "${CFLAGS[@]}" -o "$exe" "$ROOT/examples/c/hello_pool.c" -L "$LIBDIR" -lprocpool \
            -Wl,-rpath,"$LIBDIR" 2>"$OUT/hello_pool.cc.err"; then
        cat "$OUT/hello_pool.cc.err"; fail "examples/c/hello_pool.c: does not compile"; return
    fi
    timeout --kill-after=5 30 "$exe" >"$log" 2>&1 &
    local pid=$!
    # Wait until a replacement has been forked (a worker's second "started"), at most 15 s.
    for _ in $(seq 150); do
        [ "$(grep -c ' started$' "$log")" -ge 4 ] && break
        sleep 0.1
    done
    # $pid is timeout(1); the manager is its child.
    local manager
    manager="$(pgrep -P "$pid" | head -n1)"
    [ -n "$manager" ] && kill -TERM "$manager"
    wait "$pid"
    local status=$?
    if [ $status -eq 0 ] && [ "$(grep -c ' started$' "$log")" -ge 4 ] && grep -q 'shutting down' "$log" \
            && stopped_at_shutdown "$log" \
            && [ "$(tail -n1 "$log")" = "[hello_pool] pool stopped" ]; then
        pass "examples/c/hello_pool.c (respawn, SIGTERM shutdown)"
    else
        echo "---- hello_pool: exit status $status; output:"; cat "$log"
        fail "examples/c/hello_pool.c (respawn, SIGTERM shutdown)"
    fi
}
example

# The SOCKET example: an echo server on 127.0.0.1 port 0 (2 workers); one request, then SIGTERM.
socket_example() {
    local exe="$OUT/socket_echo_server" log="$OUT/socket_echo_server.out" name="examples/c/socket_echo_server.c"
    if ! "$CC" "${CFLAGS[@]}" -o "$exe" "$ROOT/examples/c/socket_echo_server.c" -L "$LIBDIR" -lprocpool \
            -Wl,-rpath,"$LIBDIR" 2>"$OUT/socket_echo_server.cc.err"; then
        cat "$OUT/socket_echo_server.cc.err"; fail "$name: does not compile"; return
    fi
    timeout --kill-after=5 30 "$exe" 127.0.0.1 0 2 >"$log" 2>&1 &
    local pid=$! port=""
    for _ in $(seq 100); do
        port="$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$log")"
        [ -n "$port" ] && break
        sleep 0.1
    done
    local reply=""
    if [ -n "$port" ] && exec 3<>"/dev/tcp/127.0.0.1/$port"; then
        printf '\x00\x00\x00\x0bhello world' >&3
        # The reply frame (4-byte length + 11 bytes) as hex, read until the server closes.
        reply="$(timeout 10 od -An -tx1 <&3 | tr -d ' \n')"
        exec 3<&-
    fi
    local manager
    manager="$(pgrep -P "$pid" | head -n1)"
    [ -n "$manager" ] && kill -TERM "$manager"
    wait "$pid"
    local status=$?
    if [ $status -eq 0 ] && [ "$reply" = "0000000b68656c6c6f20776f726c64" ] \
            && [ "$(tail -n1 "$log")" = "stopped" ]; then
        pass "$name (echo over TCP, SIGTERM shutdown)"
    else
        echo "---- socket_echo_server: exit status $status; reply: '$reply'; output:"; cat "$log"
        fail "$name (echo over TCP, SIGTERM shutdown)"
    fi
}
socket_example

# The MSGQUEUE example: 2 workers on a fresh key; tests/c/msgsend.c sends 1000 messages; once the
# queue is empty, SIGTERM; it must print "handled 1000". The keyed queue is removed afterwards.
msgqueue_example() {
    local exe="$OUT/msgqueue_worker" log="$OUT/msgqueue_worker.out" name="examples/c/msgqueue_worker.c"
    local key=$((0x53000000 + ($$ & 0xffff))) sent=1000
    if ! "$CC" "${CFLAGS[@]}" -o "$exe" "$ROOT/examples/c/msgqueue_worker.c" -L "$LIBDIR" -lprocpool \
            -Wl,-rpath,"$LIBDIR" 2>"$OUT/msgqueue_worker.cc.err" \
        || ! "$CC" "${CFLAGS[@]}" -o "$OUT/msgsend" "$ROOT/tests/c/msgsend.c" 2>>"$OUT/msgqueue_worker.cc.err"; then
        cat "$OUT/msgqueue_worker.cc.err"; fail "$name: does not compile"; return
    fi
    remove_queue() {
        # /proc/sysvipc/msg: key msqid ...; ipcrm may be missing, so the id is removed by key here.
        if command -v ipcrm >/dev/null; then ipcrm -Q "$key" 2>/dev/null; fi
    }
    remove_queue
    timeout --kill-after=5 30 "$exe" "$key" 2 >"$log" 2>&1 &
    local pid=$! manager=""
    for _ in $(seq 100); do
        manager="$(sed -n 's/^ready \([0-9]*\) .*/\1/p' "$log")"
        [ -n "$manager" ] && break
        sleep 0.1
    done
    local send_status=1
    if [ -n "$manager" ]; then
        timeout 20 "$OUT/msgsend" "$key" "$sent" 32
        send_status=$?
        # Wait until the queue of $key is empty (qnum, column 5), at most 10 s.
        for _ in $(seq 100); do
            [ "$(awk -v k="$key" '$1 == k { print $5 }' /proc/sysvipc/msg)" = 0 ] && break
            sleep 0.1
        done
        sleep 0.2
        kill -TERM "$manager"
    fi
    wait "$pid"
    local status=$?
    local left
    left="$(awk -v k="$key" '$1 == k { print "yes" }' /proc/sysvipc/msg)"
    remove_queue
    if [ $status -eq 0 ] && [ $send_status -eq 0 ] && [ "$(tail -n1 "$log")" = "handled $sent" ] \
            && [ "$left" = yes ]; then
        pass "$name (1000 messages counted, SIGTERM shutdown, keyed queue kept)"
    else
        echo "---- msgqueue_worker: exit status $status, msgsend status $send_status, queue kept: '$left'; output:"
        cat "$log"
        fail "$name (1000 messages counted, SIGTERM shutdown, keyed queue kept)"
    fi
}
msgqueue_example

# The UNIXSOCK example: workers 0 and 1 exchange 200 messages of 1000 bytes, then 4 of 1 MiB with the
# message bus; worker 0 prints the rate and shuts the pool down.
unixsock_example() {
    local exe="$OUT/unixsock_pingpong" name="examples/c/unixsock_pingpong.c"
    if ! "$CC" "${CFLAGS[@]}" -o "$exe" "$ROOT/examples/c/unixsock_pingpong.c" -L "$LIBDIR" -lprocpool \
            -Wl,-rpath,"$LIBDIR" 2>"$OUT/unixsock_pingpong.cc.err"; then
        cat "$OUT/unixsock_pingpong.cc.err"; fail "$name: does not compile"; return
    fi
    local ok=1 args
    for args in "200 1000" "4 1048576 1"; do
        # shellcheck disable=SC2086
        timeout --kill-after=5 30 "$exe" $args >"$OUT/unixsock_pingpong.out" 2>&1
        local status=$?
        if [ $status -ne 0 ] || ! grep -q '^pingpong .* messages/s$' "$OUT/unixsock_pingpong.out" \
                || [ "$(tail -n1 "$OUT/unixsock_pingpong.out")" != stopped ]; then
            echo "---- unixsock_pingpong $args: exit status $status; output:"; cat "$OUT/unixsock_pingpong.out"
            ok=0
        fi
    done
    if [ $ok -eq 1 ]; then pass "$name (ping-pong without and with the bus)"; else fail "$name"; fi
}
unixsock_example

echo
echo "C ABI tests: $passed passed, $failed failed"
for f in "${failures[@]}"; do echo "  failed: $f"; done
[ "$failed" -eq 0 ]
