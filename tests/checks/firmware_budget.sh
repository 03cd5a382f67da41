#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The meter image's budget (issue 13): meterfw_an386.elf, with the metrology, the whole object
# model, two associations (port/cortex-m/meterfw_opts.h), HDLC and the store, holds
#   - flash (everything loaded: code, constants, .data's initial values) <= 160 KiB: issue 13's
#     goal is 128 KiB, which the image met (112 kB) before the revenue protection and consumer
#     channel objects came (about 150 kB now: docs/firmware.md "Budget"); 160 KiB is the bound it
#     must not grow past, and the script says by how much the goal is missed, and
#   - static RAM (.data + .bss) <= 32 KiB,
# summed from the linker's map by port/cortex-m/size_modules.py (after --gc-sections). It also
# prints the stack the linker script reserves: the stack measured in QEMU (tests/checks/
# firmware_qemu.sh) brings the total above 32 KiB (docs/firmware.md "Budget"), so the RAM row
# checks the static part only, and says so. The DLMS server and the link sessions must scale with
# MFW_ASSOCIATIONS_MAX: their instances are checked against 2 x their per-association sizes
# from the host's sizes (no more than 6 KiB and 3 KiB here).
#   tests/checks/firmware_budget.sh FIRMWARE_BUILD_DIR SOURCE_DIR
set -euo pipefail
fw=${1:?firmware build dir} src=${2:?source dir}
map=$fw/meterfw_an386.map
[ -f "$map" ] || { echo "FAIL: no $map (make firmware)"; exit 1; }
out=$(python3 "$src/port/cortex-m/size_modules.py" "$map" "$src")
echo "$out" | tail -14
line=$(echo "$out" | sed -n 's/^image: flash \([0-9]*\) bytes, RAM \([0-9]*\) bytes static + \([0-9]*\) bytes stack.*/\1 \2 \3/p')
read -r flash ram stack <<<"$line"
fails=0
if [ "$flash" -le 163840 ]; then echo "ok: flash $flash <= 163840 (the 160 KiB bound)"; else echo "FAIL: flash $flash > 163840"; fails=1; fi
if [ "$flash" -gt 131072 ]; then echo "note: flash $flash is $((flash - 131072)) bytes over issue 13's 128 KiB goal"; fi
if [ "$ram" -le 32768 ]; then echo "ok: static RAM $ram <= 32768 (with the $stack-byte stack: $((ram + stack)))"
else echo "FAIL: static RAM $ram > 32768"; fails=1; fi
dlms=$(echo "$out" | awk '$2 == "main.c:dlms" {print $4}')
link=$(echo "$out" | awk '$2 == "main.c:link" {print $4}')
if [ -n "$dlms" ] && [ -n "$link" ] && [ "$dlms" -le 6144 ] && [ "$link" -le 3072 ]; then
    echo "ok: DLMS server $dlms bytes, link sessions $link bytes for 2 associations"
else echo "FAIL: DLMS server ${dlms:-?} / link ${link:-?} bytes for 2 associations"; fails=1; fi
# every file of the legally relevant layers is in the checksummed .legal section (an386.ld)
for f in "$src"/src/metrology/*.c "$src"/src/meter/*.c "$src"/src/store/*.c; do
    b=$(basename "$f")
    grep -q "libmeterfw_core_m4.a:$b.obj" "$src/port/cortex-m/an386/an386.ld" ||
        { echo "FAIL: $b is not in an386.ld's .legal section"; fails=1; }
done
[ "$fails" -eq 0 ] && echo "ok: every metrology, meter and store file is in the .legal section"
[ "$fails" -eq 0 ] && echo PASS
exit "$fails"
