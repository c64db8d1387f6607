#!/usr/bin/env bash
# Installs what building and testing procpool needs and a fresh machine may lack:
# PHP 8.2 CLI + headers (php-config, run-tests.php), libclang (for ext-php-rs's bindgen), a C compiler,
# pkg-config, and for the tests redis-server and curl.
# Does nothing when everything is there. Called by `make demo` and `make test`.
set -euo pipefail

missing=()
command -v php >/dev/null 2>&1 || missing+=(php8.2-cli)
if ! command -v php-config >/dev/null 2>&1 || [ ! -f "$(php-config --extension-dir 2>/dev/null)/build/run-tests.php" ]; then
  missing+=(php8.2-dev)
fi
# bindgen loads libclang.so or libclang-N.so; libclang-cpp (pulled in by other packages) does not count.
compgen -G '/usr/lib/llvm-*/lib/libclang.so*' >/dev/null || compgen -G '/usr/lib/llvm-*/lib/libclang-[0-9]*.so*' >/dev/null \
  || compgen -G '/usr/lib/x86_64-linux-gnu/libclang-[0-9]*.so*' >/dev/null || missing+=(libclang-dev)
command -v cc >/dev/null 2>&1 || missing+=(gcc)
# The install test (tests/install) builds a C program with pkg-config's flags for procpool.pc.
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
# The Redis mode's tests start their own redis-server; the metrics tests scrape with curl.
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v curl >/dev/null 2>&1 || missing+=(curl)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "bootstrap: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "bootstrap: need root (or sudo) to install ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
# The PHP extensions the tests and examples use ship in php8.2-cli on Debian; check they are there.
for ext in pcntl posix; do
  php -m | grep -qx "$ext" || { echo "bootstrap: PHP extension $ext is missing" >&2; exit 1; }
done
