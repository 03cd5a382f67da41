#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs every libFuzzer harness (fuzz/fuzz_*.c) for SECONDS each and prints a table.
#   fuzz/run.sh BUILD_DIR SECONDS        (what `make fuzz FUZZ_SECONDS=60` calls)
# BUILD_DIR gets the clang build (BUILD_DIR/cmake), one corpus per harness (BUILD_DIR/corpus/<name>,
# kept between runs so coverage accumulates), the libFuzzer logs (BUILD_DIR/logs) and any crash,
# leak, timeout or OOM input (BUILD_DIR/artifacts/<harness>-crash-<sha1>, ...). Exits non-zero if
# any harness found something or failed to run. Environment: JOBS (build parallelism, default 2),
# FUZZ_ARGS (extra libFuzzer flags for every harness).
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 BUILD_DIR SECONDS" >&2
  exit 2
fi
src=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
secs=$2
case $secs in '' | *[!0-9]*) echo "run.sh: SECONDS must be a whole number" >&2; exit 2 ;; esac
jobs=${JOBS:-2}

# --- build -------------------------------------------------------------------------------------
CC=clang cmake -S "$src" -B "$out/cmake" -DMFW_FUZZ=ON -DMFW_TESTS=OFF -DMFW_BENCH=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$out/cmake" -j"$jobs" --target fuzz_harnesses >/dev/null

# --- seeds ---------------------------------------------------------------------------------------
# File seeds per harness; keep in step with MFW_FUZZ_SEEDS_<name> in fuzz/smoke.cmake. Harnesses
# that make their own seeds write them into $MFW_FUZZ_SEED_DIR in LLVMFuzzerInitialize.
seeds_for() {
  case $1 in
    scenario)
      cp "$src"/scenarios/*.scn "$2"/
      # Every fenced block of the scenario documentation, as a file of its own.
      awk -v dir="$2" '
        /^```/ { if (inb) { close(f); inb = 0 } else { n++; f = sprintf("%s/doc-scenario-%02d.scn", dir, n); printf "" > f; inb = 1 } next }
        inb { print >> f }' "$src/docs/scenario.md"
      ;;
    sensor_file)
      cp "$src"/sensors/*.sensors "$2"/
      ;;
    ihd_p1)
      cp "$src"/tests/vectors/ihd/*.txt "$2"/
      ;;
    ihd_han)
      cp "$src"/tests/vectors/ihd/*.hdlc "$2"/
    fleet_config)
      cp "$src"/fleets/*.fleet "$2"/
      ;;
  esac
}

mkdir -p "$out/artifacts" "$out/logs" "$out/corpus"
status=0
rows=()
for h in "$src"/fuzz/fuzz_*.c; do
  name=$(basename "$h" .c)          # fuzz_scenario
  short=${name#fuzz_}               # scenario
  bin="$out/cmake/fuzz/$name"
  corpus="$out/corpus/$short"
  log="$out/logs/$name.log"
  mkdir -p "$corpus"
  seeds_for "$short" "$corpus"
  dict=()
  [ -f "$src/fuzz/$name.dict" ] && dict=(-dict="$src/fuzz/$name.dict")
  # Artifacts found before this run are not this run's findings.
  before=$(find "$out/artifacts" -maxdepth 1 -name "$name-*" | wc -l)
  echo "fuzz: $name for ${secs}s (log: $log)"
  rc=0
  # shellcheck disable=SC2086
  MFW_FUZZ_SEED_DIR="$corpus" "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$out/artifacts/$name-" "${dict[@]}" ${FUZZ_ARGS:-} \
    "$corpus" >"$log" 2>&1 || rc=$?
  after=$(find "$out/artifacts" -maxdepth 1 -name "$name-*" | wc -l)
  found=$((after - before))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  size=$(find "$corpus" -maxdepth 1 -type f | wc -l)
  rows+=("$(printf '%-16s %12s %9s %8s %8s %6s' "$short" "${execs:-?}" "${rate:-?}" "$size" "$found" "$rc")")
  if [ "$rc" -ne 0 ] || [ "$found" -ne 0 ]; then
    status=1
    echo "fuzz: $name: exit $rc, $found new artifact(s); the log ends:" >&2
    tail -n 30 "$log" >&2
  fi
done

echo
printf '%-16s %12s %9s %8s %8s %6s\n' harness executions exec/s corpus findings exit
for r in "${rows[@]}"; do echo "$r"; done
echo
if [ $status -ne 0 ]; then
  echo "fuzz: FINDINGS or failures: inputs in $out/artifacts; replay one with $out/cmake/fuzz/<harness> FILE" >&2
else
  echo "fuzz: no crashes or leaks (${secs}s per harness; corpora in $out/corpus)"
fi
exit $status
