#!/usr/bin/env bash
# `make test-phpize` (not part of `make test`: it builds the extension from scratch, about a minute or
# two): the way PIE builds procpool. Copies the source tree (without target/ and .git) to a temporary
# directory, runs `phpize && ./configure && make && make install` in its php-ext/ (composer.json's
# build-path) with INSTALL_ROOT set, so nothing reaches the system, and loads the installed extension
# by name.
#
# usage: tests/install/phpize.sh
set -u

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/procpool-phpize-test.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
SRC="$WORK/procpool"
INSTALL_ROOT="$WORK/root"

passed=0
failed=0
step() { # <name> <command...>
    local name="$1"
    shift
    echo "== $name"
    if "$@" >"$WORK/step.log" 2>&1; then
        passed=$((passed + 1))
        tail -n 3 "$WORK/step.log" | sed 's/^/   /'
        echo "PASS  $name"
    else
        failed=$((failed + 1))
        tail -n 40 "$WORK/step.log"
        echo "FAIL  $name"
        echo
        echo "phpize tests: $passed passed, $failed failed"
        exit 1
    fi
}

mkdir -p "$SRC"
(cd "$ROOT" && tar --exclude=./target --exclude=./fuzz/target --exclude=./.git -cf - .) | tar -xf - -C "$SRC"
cd "$SRC/php-ext" || exit 1

step "phpize" phpize
step "./configure" ./configure
step "make (cargo build --release -p procpool-php)" make
step "make install INSTALL_ROOT=…" make install INSTALL_ROOT="$INSTALL_ROOT"

ext_dir="$INSTALL_ROOT$(php-config --extension-dir)"
VERSION="$(awk '/^\[/ { s = $0 } s == "[workspace.package]" && /^version/ { gsub(/.*= *"|".*/, ""); print; exit }' \
    "$SRC/Cargo.toml")"
loads() {
    local out
    out="$(php -n -d extension_dir="$ext_dir" -d extension=procpool \
        -r 'var_dump(class_exists("Swoole\\Process\\Pool")); echo phpversion("procpool"), "\n";' 2>&1)"
    echo "$out"
    ls -l "$ext_dir"
    [ "$out" = "$(printf 'bool(true)\n%s' "$VERSION")" ] && ! readelf -S -W "$ext_dir/procpool.so" | grep -q '\.debug_'
}
step "the installed procpool.so loads by name (extension=procpool), no debug information" loads

echo
echo "phpize tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
