#!/usr/bin/env bash
# Bounded fuzzing of the SOCKET frame decoder and the message-bus reassembler (`make fuzz`).
# Installs cargo-fuzz if missing, builds the targets with libFuzzer + AddressSanitizer on the stable
# toolchain (RUSTC_BOOTSTRAP=1, see fuzz/README.md), runs each for FUZZ_SECONDS (default 60) and
# prints executions, coverage and crashes per target. Exits non-zero if any target crashed.
#   FUZZ_SECONDS=300 bash fuzz/run.sh            longer runs
#   FUZZ_TARGETS="bus_feed" bash fuzz/run.sh     only some targets
#   FUZZ_SANITIZER=none bash fuzz/run.sh         no ASan (faster; used automatically if ASan cannot build)
set -euo pipefail

cd "$(dirname "$0")"
FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
FUZZ_TARGETS="${FUZZ_TARGETS:-frame bus_feed bus_roundtrip}"
SANITIZER="${FUZZ_SANITIZER:-address}"
# cargo-fuzz passes -Z flags (sanitizer, coverage instrumentation); stable rustc takes them with this.
export RUSTC_BOOTSTRAP=1

need_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    echo "fuzz: need root (or sudo) for: $*" >&2; exit 1; fi
}

# libfuzzer-sys compiles libFuzzer (C++).
if ! command -v c++ >/dev/null 2>&1; then
  echo "fuzz: installing g++ (libFuzzer is C++)"
  need_root apt-get update -q
  DEBIAN_FRONTEND=noninteractive need_root apt-get install -y -q --no-install-recommends g++
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

build() {
  local t
  for t in $FUZZ_TARGETS; do cargo fuzz build -O --sanitizer "$SANITIZER" "$t" || return 1; done
}
echo "== fuzz: building $FUZZ_TARGETS (release, sanitizer: $SANITIZER) =="
if ! build; then
  if [ "$SANITIZER" != none ]; then
    echo "fuzz: the $SANITIZER sanitizer build failed; falling back to no sanitizer" >&2
    SANITIZER=none
    build
  else
    exit 1
  fi
fi

mkdir -p logs
summary=()
crashed=0
for target in $FUZZ_TARGETS; do
  mkdir -p "corpus/$target" "artifacts/$target"
  seeds=()
  [ -d "regressions/$target" ] && seeds+=("regressions/$target")
  before=$(ls "artifacts/$target" | sort)
  log="logs/$target.log"
  echo "== fuzz: $target for ${FUZZ_SECONDS}s (log: fuzz/$log) =="
  status=0
  cargo fuzz run -O --sanitizer "$SANITIZER" "$target" "corpus/$target" "${seeds[@]}" -- \
    -max_total_time="$FUZZ_SECONDS" -timeout=10 -print_final_stats=1 >"$log" 2>&1 || status=$?
  new=$(comm -13 <(echo "$before") <(ls "artifacts/$target" | sort) | sed '/^$/d')
  crashes=$(printf '%s' "$new" | grep -c . || true)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  [ -n "$execs" ] || execs=$(sed -n 's/^#\([0-9]*\).*/\1/p' "$log" | tail -1)
  secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]* ft: [0-9]* corp: [0-9]*/[0-9]*[a-zA-Z]*' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  summary+=("$(printf '%-14s execs=%-10s time=%ss exec/s=%-7s %-40s crashes found = %s' \
    "$target" "${execs:-?}" "${secs:-?}" "${rate:-?}" "${cov:-cov: ?}" "$crashes")")
  if [ "$status" -ne 0 ] || [ "$crashes" -ne 0 ]; then
    crashed=1
    grep -m1 -A3 'panicked at\|ERROR: libFuzzer\|ERROR: AddressSanitizer' "$log" >&2 || tail -20 "$log" >&2
    for a in $new; do
      echo "fuzz: $target crashed on fuzz/artifacts/$target/$a — reproduce: (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run -O $target artifacts/$target/$a);" \
           "keep it under fuzz/regressions/$target/ once fixed" >&2
    done
  fi
done

echo "== fuzz summary (${FUZZ_SECONDS}s per target, sanitizer: $SANITIZER) =="
printf '%s\n' "${summary[@]}"
if [ "$crashed" -ne 0 ]; then
  echo "== make fuzz: CRASHES FOUND (see above) =="
  exit 1
fi
echo "== make fuzz: no crashes =="
