#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The firmware's metrology on the Cortex-M4F (issue 10):
#  1. single precision: the metrology objects of the cross-built core reference no soft-float
#     double (__aeabi_d*, __*df*) and no double libm function;
#  2. in bounded time: bench/m4 in qemu-system-arm (mps2-an386, -icount shift=0: one guest
#     instruction per ns) feeds a 382M's 4 kHz samples in 10 ms DMA half-buffers; the longest
#     call of mfw_metrology_samples (it closes a window) must fit the buffer's period with a
#     margin of 10: at 168 MHz and 1.5 cycles per instruction, below 1 ms.
#   tests/checks/firmware_metrology.sh FIRMWARE_BUILD_DIR
set -euo pipefail
fw=${1:?firmware build dir}
objs=$(find "$fw" -path '*meterfw_core_m4*' \( -name 'metrology.c.obj' -o -name 'calibration.c.obj' \))
[ -n "$objs" ] || { echo "firmware_metrology: no metrology objects in $fw" >&2; exit 2; }
bad=$(arm-none-eabi-nm -u $objs | awk '$1 == "U" {print $2}' |
      grep -E '^(__aeabi_d|__.*df[23]$|sin$|cos$|sqrt$|atan2$|hypot$|floor$|pow$|exp$|log$|lround$|llround$)' || true)
if [ -n "$bad" ]; then
  echo "firmware_metrology: FAIL: double precision in the metrology: $bad"
  exit 1
fi
echo "firmware_metrology: single precision only"
if ! command -v qemu-system-arm >/dev/null; then
  echo "firmware_metrology: FAIL: qemu-system-arm missing (scripts/setup.sh installs it)"
  exit 1
fi
line=$(timeout 300 qemu-system-arm -M mps2-an386 -cpu cortex-m4 -icount shift=0,sleep=off \
         -nographic -monitor none -serial none \
         -semihosting-config enable=on,target=native,arg=bench_m4,arg=3,arg=4000 \
         -kernel "$fw/bench_m4.elf" 2>&1)
echo "firmware_metrology: $line"
worst=$(sed -n 's/.*worst-block \([0-9]*\).*/\1/p' <<<"$line")
windows=$(sed -n 's/.* windows \([0-9]*\) .*/\1/p' <<<"$line")
[ -n "$worst" ] && [ "${windows:-0}" -ge 90 ] || { echo "firmware_metrology: FAIL: no result"; exit 1; }
# instructions * 1.5 cycles / 168 MHz < 1 ms  <=>  instructions < 112000
if [ "$worst" -ge 112000 ]; then
  echo "firmware_metrology: FAIL: worst call $worst instructions: above 1 ms at 168 MHz, CPI 1.5"
  exit 1
fi
echo "firmware_metrology: worst call $worst instructions: $((worst * 3 / 2 / 168)) us of the 10000 us buffer"
