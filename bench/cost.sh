#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Cost of the metrology path on both machines:
#  - x86-64: instructions per phase-sample counted by callgrind (repeatable), 382M and 162M at
#    4000 and 8000 Hz, the per-window floating point and the fundamental P/Q included;
#  - Cortex-M4F: Arm instructions of the same code built for the firmware (-Os, single-precision
#    FPU), counted in qemu-system-arm (mps2-an386) with deterministic instruction counting
#    (-icount shift=0,sleep=off: bench/m4/bench_m4.c), per phase-sample, per window, and the
#    longest call of mfw_metrology_samples (a 10 ms DMA half-buffer) against that buffer's period;
#  - the real-time factor (wall clock) and the Cortex-M4 size of the metrology code.
#   bench/cost.sh RELEASE_BUILD_DIR FIRMWARE_BUILD_DIR
set -euo pipefail
rel=${1:-build/release}
fw=${2:-build/firmware}
bin=$rel/bench/bench_cost
seconds=20
echo "x86-64, callgrind --toggle-collect=mfw_metrology_samples, ${seconds} s of 230 V, 10 A PF 0.9 with 20 % 5th harmonic, 101 dB noise:"
printf '%-6s %-8s %14s %14s %12s %8s\n' meter "fs (Hz)" "instructions" "phase-samples" "instr/ph-smp" goal
for ph in 3 1; do
  for fs in 4000 8000; do
    out=$(mktemp)
    valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect=mfw_metrology_samples \
      "$bin" "$fs" "$seconds" "$ph" >/dev/null 2>&1
    ir=$(callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",","",$1); print $1}')
    rm -f "$out"
    ps=$((fs * seconds * ph))
    meter=382M goal=63
    [ "$ph" = 1 ] && meter=162M goal=80
    printf '%-6s %-8s %14s %14s %12.1f %8s\n' "$meter" "$fs" "$ir" "$ps" "$(echo "$ir / $ps" | bc -l)" "$goal"
  done
done
echo
elf=$fw/bench_m4.elf
if command -v qemu-system-arm >/dev/null && [ -f "$elf" ]; then
  echo "Cortex-M4F (arm-none-eabi-gcc -Os), qemu-system-arm -M mps2-an386 -icount shift=0,sleep=off, the same signal 20 s:"
  printf '%-6s %-8s %14s %12s %12s %14s %24s\n' meter "fs (Hz)" "instructions" "instr/ph-smp" "instr/window" "worst 10 ms" "at 168 MHz, CPI 1 .. 1.5"
  for ph in 3 1; do
    for fs in 4000 8000; do
      l=$(timeout 600 qemu-system-arm -M mps2-an386 -cpu cortex-m4 -icount shift=0,sleep=off \
            -nographic -monitor none -serial none \
            -semihosting-config "enable=on,target=native,arg=bench_m4,arg=$ph,arg=$fs" \
            -kernel "$elf" 2>&1)
      ins=$(sed -n 's/.*instructions \([0-9]*\) .*/\1/p' <<<"$l")
      pps=$(sed -n 's/.*per-phase-sample \([0-9.]*\) .*/\1/p' <<<"$l")
      pw=$(sed -n 's/.*per-window \([0-9]*\) .*/\1/p' <<<"$l")
      worst=$(sed -n 's/.*worst-block \([0-9]*\).*/\1/p' <<<"$l")
      meter=382M
      [ "$ph" = 1 ] && meter=162M
      printf '%-6s %-8s %14s %12s %12s %14s %12s us .. %s us of 10000\n' "$meter" "$fs" "$ins" "$pps" "$pw" "$worst" \
        "$(echo "scale=1; $worst / 168" | bc)" "$(echo "scale=1; $worst * 1.5 / 168" | bc)"
    done
  done
  echo "(QEMU counts instructions, not cycles: a Cortex-M4 runs ~1-1.5 cycles per instruction at"
  echo " zero wait states, firmware reference section 2; the worst call is the one that closes a window.)"
  delf=$fw/bench_dlms_m4.elf
  if [ -f "$delf" ]; then
    echo
    echo "Cortex-M4F DLMS server (bench/m4/bench_dlms_m4.c: the firmware's options, a 162M with a day of"
    echo "load profile, the management client with LLS), instructions per APDU under -icount shift=0:"
    timeout 300 qemu-system-arm -M mps2-an386 -cpu cortex-m4 -icount shift=0,sleep=off \
      -nographic -monitor none -serial none -semihosting-config enable=on,target=native \
      -kernel "$delf" 2>&1 | sed 's/^/  /'
  fi
else
  echo "Cortex-M4F: qemu-system-arm or $elf missing (make firmware; scripts/setup.sh installs qemu-system-arm)"
fi
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
echo "Cortex-M4F (arm-none-eabi-gcc -Os) size of the metrology code, and what it references:"
obj=$(find "$fw" -name 'metrology.c.obj' -path '*meterfw_core_m4*' | head -1)
cal=$(find "$fw" -name 'calibration.c.obj' -path '*meterfw_core_m4*' | head -1)
arm-none-eabi-size "$obj" "$cal" | sed 's|(ex .*||; s|'"$fw"'/||'
printf '  external references: %s\n' "$(arm-none-eabi-nm -u "$obj" "$cal" | awk '$1 == "U" {print $2}' | sort -u | tr '\n' ' ')"
if arm-none-eabi-nm -u "$obj" "$cal" | grep -qE '__aeabi_d|__.*df[23]|\b(sin|cos|sqrt|atan2|hypot|floor|pow|exp|log)\b$'; then
  echo "  double precision: YES (soft-float double in the metrology)"
else
  echo "  double precision: none (no __aeabi_d*, no double libm)"
fi
