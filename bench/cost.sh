#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Cost of the metrology path: instructions per phase-sample (callgrind, repeatable), real-time
# factor of a 382M at 4000 and 8000 Hz, and the Cortex-M4 size of the metrology code.
#   bench/cost.sh RELEASE_BUILD_DIR FIRMWARE_BUILD_DIR
set -euo pipefail
rel=${1:-build/release}
fw=${2:-build/firmware}
bin=$rel/bench/bench_cost
seconds=20
printf '%-8s %-7s %14s %14s %12s\n' "fs (Hz)" phases "instructions" "phase-samples" "instr/ph-smp"
for fs in 4000 8000; do
  out=$(mktemp)
  valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect=mfw_metrology_samples \
    "$bin" "$fs" "$seconds" 3 >/dev/null 2>&1
  ir=$(callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",","",$1); print $1}')
  rm -f "$out"
  ps=$((fs * seconds * 3))
  printf '%-8s %-7s %14s %14s %12.1f\n' "$fs" 3 "$ir" "$ps" "$(echo "$ir / $ps" | bc -l)"
done
echo
echo "real-time factor (wall clock, median of 5 runs; noisy 2-core machine):"
for fs in 4000 8000; do
  med=$(for k in 1 2 3 4 5; do "$bin" "$fs" 60 3; done |
        sed -n 's/.*real-time factor \([0-9]*\) (with the simulator \([0-9]*\)).*/\1 \2/p' |
        sort -n | sed -n 3p)
  printf '  382M at %s Hz: %s x real time (metrology alone), %s x with the simulated front end\n' \
    "$fs" "${med% *}" "${med#* }"
done
echo
echo "Cortex-M4F (arm-none-eabi-gcc -Os) size of the metrology code:"
obj=$(find "$fw" -name 'metrology.c.obj' | head -1)
tab=$(find "$fw" -name 'sine_table.c.obj' | head -1)
cal=$(find "$fw" -name 'calibration.c.obj' | head -1)
arm-none-eabi-size "$obj" "$tab" "$cal" | sed 's|(ex .*||; s|'"$fw"'/||'
