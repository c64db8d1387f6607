#!/usr/bin/env bash
# Runs the phpt suite (phpt/*.phpt) with PHP's own run-tests.php against the freshly built extension.
# usage: scripts/run-phpt.sh [path/to/procpool.so] [phpt files or dirs...]
set -euo pipefail
cd "$(dirname "$0")/.."
ext="${1:-$PWD/target/debug/libprocpool_php.so}"
shift || true
runner="$(php-config --extension-dir)/build/run-tests.php"
[ -f "$runner" ] || { echo "run-tests.php not found at $runner (install php8.2-dev)" >&2; exit 1; }
# -j2: the machine has 2 cores. --set-timeout: run-tests kills a test that runs longer (each test
# also arms its own shorter watchdog, phpt/_deadline.inc, that kills the whole pool).
export TEST_PHP_EXECUTABLE="$(command -v php)"
export NO_INTERACTION=1
exec php "$runner" -q --show-diff -j2 --set-timeout 60 \
  -d "extension=$ext" -d display_errors=1 -d log_errors=0 "${@:-phpt}"
