#!/usr/bin/env bash
# The C ABI tests: builds libprocpool (cargo build -p procpool-ffi), compiles the C programs of
# tests/c against include/procpool.h — linked dynamically (with an rpath) and once statically against
# libprocpool.a — runs each under a timeout, and compares their "check" lines with tests/c/*.expected.
# Also checks that the header compiles as strict C99 and as C++, runs examples/c/hello_pool.c
# through a SIGTERM shutdown, and runs examples/c/socket_echo_server.c on TCP port 0 with one
# request (sent through bash's /dev/tcp) before a SIGTERM.
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
if command -v "$CXX" >/dev/null 2>&1; then
    if "$CXX" -Wall -Wextra -Werror -fsyntax-only -x c++ -I "$ROOT/include" - \
            <<<'#include "procpool.h"
int main() { procpool_pool *p = nullptr; return procpool_pool_new(1, PROCPOOL_IPC_NONE, &p); }' \
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

for program in lifecycle errors socket_echo; do
    run_checked "$program" dynamic
done
for program in lifecycle errors socket_echo; do
    run_checked "$program" static
done

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

echo
echo "C ABI tests: $passed passed, $failed failed"
for f in "${failures[@]}"; do echo "  failed: $f"; done
[ "$failed" -eq 0 ]
