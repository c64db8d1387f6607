#!/usr/bin/env bash
# The install test (`make test-install`, part of `make test`): runs `scripts/install.sh install` into a
# temporary DESTDIR (nothing is installed on the system: the PHP extension dir and conf.d are under it
# too), then uses what was installed the way a user would:
#   - the files, links, SONAME, version, no debug information;
#   - examples/c/hello_pool.c built with pkg-config's flags only, against libprocpool.so (NEEDED
#     libprocpool.so.0) and against libprocpool.a, each run through a respawn and a SIGTERM shutdown;
#   - the PHP extension loaded by name (extension=procpool) from the installed extension dir, and
#     through the installed 20-procpool.ini;
#   - a second install over the first, then `uninstall`: every file it installed is gone, a file of
#     someone else's in one of its directories is left alone, and nothing else remains.
# The release build (cargo build --release, two crates) is done once, by the first install.
#
# usage: tests/install/run.sh
set -u

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CC="${CC:-cc}"
PREFIX=/usr/local
WORK="$(mktemp -d "${TMPDIR:-/tmp}/procpool-install-test.XXXXXX")"
DEST="$WORK/root"
OUT="$WORK/out"
mkdir -p "$OUT"
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT

passed=0
failed=0
failures=()
pass() { passed=$((passed + 1)); echo "PASS  $1"; }
fail() { failed=$((failed + 1)); failures+=("$1"); echo "FAIL  $1"; }
# check <name> <command...>: passes when the command succeeds.
check() {
    local name="$1"
    shift
    if "$@"; then pass "$name"; else fail "$name"; fi
}
finish() {
    echo
    echo "install tests: $passed passed, $failed failed"
    for f in "${failures[@]+"${failures[@]}"}"; do echo "  failed: $f"; done
    [ "$failed" -eq 0 ]
    exit $?
}

install_into() { DESTDIR="$DEST" PREFIX="$PREFIX" bash "$ROOT/scripts/install.sh" "$@"; }

echo "== scripts/install.sh install  (DESTDIR=$DEST PREFIX=$PREFIX)"
if ! install_into install; then
    fail "scripts/install.sh install"
    finish
fi
pass "scripts/install.sh install"

VERSION="$(awk '/^\[/ { s = $0 } s == "[workspace.package]" && /^version/ { gsub(/.*= *"|".*/, ""); print; exit }' \
    "$ROOT/Cargo.toml")"
LIB="$DEST$PREFIX/lib"
EXT_DIR="$DEST$(php-config --extension-dir)"
INI_DIR="$DEST$(php --ini | sed -n 's/^Scan for additional \.ini files in:[[:space:]]*//p')"

# ---- what is installed -----------------------------------------------------------------------------
files_present() {
    local f ok=0
    for f in "$LIB/libprocpool.so.$VERSION" "$LIB/libprocpool.a" "$DEST$PREFIX/include/procpool.h" \
        "$LIB/pkgconfig/procpool.pc" "$EXT_DIR/procpool.so" "$INI_DIR/20-procpool.ini" \
        "$DEST$PREFIX/share/procpool/install_manifest.txt"; do
        [ -f "$f" ] && [ ! -L "$f" ] || { echo "  missing: $f"; ok=1; }
    done
    [ "$(readlink "$LIB/libprocpool.so.0")" = "libprocpool.so.$VERSION" ] || { echo "  bad link libprocpool.so.0"; ok=1; }
    [ "$(readlink "$LIB/libprocpool.so")" = "libprocpool.so.0" ] || { echo "  bad link libprocpool.so"; ok=1; }
    grep -qx 'extension=procpool' "$INI_DIR/20-procpool.ini" || { echo "  the ini lacks extension=procpool"; ok=1; }
    cmp -s "$ROOT/include/procpool.h" "$DEST$PREFIX/include/procpool.h" || { echo "  header differs"; ok=1; }
    return $ok
}
check "files, links and ini installed (version $VERSION)" files_present

soname_ok() {
    local soname
    soname="$(readelf -d "$LIB/libprocpool.so.$VERSION" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')"
    echo "  SONAME of libprocpool.so.$VERSION: $soname"
    [ "$soname" = libprocpool.so.0 ]
}
check "SONAME is libprocpool.so.0" soname_ok

no_debug_info() {
    local f ok=0
    for f in "$LIB/libprocpool.so.$VERSION" "$LIB/libprocpool.a" "$EXT_DIR/procpool.so"; do
        if readelf -S -W "$f" 2>/dev/null | grep -q '\.debug_'; then echo "  debug sections in $f"; ok=1; fi
        printf '  %-40s %8d KiB\n' "${f#"$DEST"}" $(($(stat -c %s "$f") / 1024))
    done
    return $ok
}
check "installed binaries carry no debug information" no_debug_info

# pkg-config on the staged tree: --define-prefix takes the prefix from where the .pc file lies.
export PKG_CONFIG_PATH="$LIB/pkgconfig"
pc() { pkg-config --define-prefix "$@" procpool; }
pkgconfig_ok() {
    echo "  pkg-config --modversion: $(pc --modversion)"
    echo "  pkg-config --cflags --libs: $(pc --cflags --libs)"
    echo "  pkg-config --static --libs: $(pc --static --libs)"
    [ "$(pc --modversion)" = "$VERSION" ] && [ "$(pc --cflags | xargs)" = "-I$DEST$PREFIX/include" ] \
        && [ "$(pc --libs | xargs)" = "-L$LIB -lprocpool" ]
}
check "pkg-config finds procpool $VERSION" pkgconfig_ok

# ---- examples/c/hello_pool.c, built with pkg-config's flags only ------------------------------------

# run_hello <exe> <name>: 3 workers that are replaced as they finish; SIGTERM to the manager once a
# replacement started; it must exit 0 after a clean shutdown.
run_hello() {
    local exe="$1" name="$2" log="$OUT/$2.out"
    LD_LIBRARY_PATH="$LIB" timeout --kill-after=5 30 "$exe" >"$log" 2>&1 &
    local pid=$!
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
        && [ "$(tail -n1 "$log")" = "[hello_pool] pool stopped" ]; then
        return 0
    fi
    echo "---- $name: exit status $status; output:"
    cat "$log"
    return 1
}

shared_example() {
    local exe="$OUT/hello-shared"
    # shellcheck disable=SC2046
    "$CC" -Wall -Wextra -Werror -o "$exe" "$ROOT/examples/c/hello_pool.c" $(pc --cflags --libs) || return 1
    local needed
    needed="$(readelf -d "$exe" | sed -n 's/.*(NEEDED).*\[\(libprocpool[^]]*\)\].*/\1/p')"
    echo "  NEEDED: $needed; ldd: $(LD_LIBRARY_PATH="$LIB" ldd "$exe" | grep libprocpool | sed 's/^[[:space:]]*//')"
    [ "$needed" = libprocpool.so.0 ] || { echo "  expected NEEDED libprocpool.so.0"; return 1; }
    LD_LIBRARY_PATH="$LIB" ldd "$exe" | grep -q "libprocpool.so.0 => $LIB/libprocpool.so.0" || return 1
    run_hello "$exe" hello-shared
}
check "hello_pool.c: cc \$(pkg-config --cflags --libs procpool), NEEDED libprocpool.so.0, runs" shared_example

static_example() {
    local exe="$OUT/hello-static"
    # libprocpool.a, the system libraries shared: the link line procpool.pc documents.
    # shellcheck disable=SC2046
    "$CC" -Wall -Wextra -Werror -o "$exe" "$ROOT/examples/c/hello_pool.c" $(pc --cflags) \
        -Wl,-Bstatic $(pc --libs) -Wl,-Bdynamic $(pc --variable=static_libs) || return 1
    if readelf -d "$exe" | grep -q 'NEEDED.*libprocpool'; then
        echo "  linked against libprocpool.so instead of libprocpool.a"
        return 1
    fi
    # No LD_LIBRARY_PATH is needed, but run_hello sets it: make sure nothing of it is loaded.
    env -u LD_LIBRARY_PATH ldd "$exe" | grep -q libprocpool && return 1
    run_hello "$exe" hello-static
}
check "hello_pool.c: static libprocpool.a via pkg-config (--libs, static_libs), runs" static_example

# ---- the PHP extension, by name --------------------------------------------------------------------
php_by_name() {
    local out
    # -n: no system ini, whose extension= lines would be looked for in the staged extension dir.
    out="$(php -n -d extension_dir="$EXT_DIR" -d extension=procpool -r 'var_dump(class_exists("Swoole\\Process\\Pool"));' 2>&1)"
    echo "  php -n -d extension_dir=… -d extension=procpool: $out"
    [ "$out" = "bool(true)" ]
}
check "PHP: extension=procpool loads from the installed extension dir" php_by_name

php_by_ini() {
    local out
    # Only the installed conf.d is scanned (the system's conf.d is left out on purpose).
    out="$(PHP_INI_SCAN_DIR="$INI_DIR" php -d extension_dir="$EXT_DIR" -r 'echo phpversion("procpool");' 2>&1)"
    echo "  through 20-procpool.ini: phpversion('procpool') = $out"
    [ "$out" = "$VERSION" ]
}
check "PHP: the installed 20-procpool.ini loads it" php_by_ini

# ---- reinstall, uninstall --------------------------------------------------------------------------
# Somebody else's file in a directory the install uses: uninstall must leave it (and its directory).
mkdir -p "$LIB" && echo "not procpool's" >"$LIB/other-package.txt"
reinstall() { NO_BUILD=1 install_into install >"$OUT/reinstall.out" 2>&1 || { cat "$OUT/reinstall.out"; return 1; }; }
check "a second install over the first" reinstall

uninstall_clean() {
    install_into uninstall || return 1
    local left
    left="$(cd "$DEST" && find . -mindepth 1 ! -type d | sort)"
    if [ "$left" != "./usr/local/lib/other-package.txt" ]; then
        echo "  files left after uninstall (only ./usr/local/lib/other-package.txt expected):"
        echo "$left" | sed 's/^/    /'
        return 1
    fi
    rm -f "$LIB/other-package.txt"
    left="$(cd "$DEST" && find . -mindepth 1 | sort)"
    # The directories procpool created are gone; those that held the other file were not its own.
    if [ "$left" != "$(printf './usr\n./usr/local\n./usr/local/lib')" ]; then
        echo "  left after uninstall:"
        echo "$left" | sed 's/^/    /'
        return 1
    fi
}
check "uninstall removes every installed file, leaves others' files, leaves no file behind" uninstall_clean

finish
