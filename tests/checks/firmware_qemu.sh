#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The firmware image is a meter (issue 13): scripts/qemu-meter.sh boots meterfw_an386.elf in
# qemu-system-arm -M mps2-an386; afefeed streams a 162M's samples of a known load into its UART0;
# meterctl reads it over HDLC on its UART2 (a TCP socket). The expectations come from the load,
# not from the meter:
#   - the load: 230 V, a constant 100 A at PF 1 on L1 (ideal front end, no harmonics, no noise):
#     P = 23000 W exactly; streamed from 11:59:52Z to 12:00:08Z (16 s);
#   - A+ (1.0.1.8.0.255, Wh, scaler 0 checked) = P x 16 s = 102.22 Wh, less what the metrology
#     has not registered: its first window (the start-up) and the window open when the stream
#     ends, 200 ms each at 50 Hz (10 cycles), and the register's truncation to whole Wh (MID
#     Annex I 8.5: never more than measured), so in [P x 15.6 s - 1 Wh, P x 16 s];
#   - the load profile (1.0.99.1.0.255) has the row of 12:00:00Z, whose A+ is P x 8 s = 51.11 Wh
#     less the start-up window and the window open at the capture: [P x 7.6 s - 1 Wh, P x 8 s];
#   - the clock reads the stream's end plus the real time since then (the board's clock runs on
#     after the front end stops): between 12:00:08Z and 12:00:08Z + that time + 2 s;
#   - the legally relevant part's CRC-32 (1.0.0.2.8.255 and the display's start line) is the
#     CRC-32 that zlib computes here over the ELF's .legal section;
#   - the stack the board measured stays within the 16 KiB the linker script reserves;
#   - the public client (16) reads the clock; the management client (1) associates with LLS
#     (the image has no suite 0: docs/firmware.md) and reads A+ and the profile.
#   tests/checks/firmware_qemu.sh FIRMWARE_BUILD_DIR HOST_BUILD_DIR SOURCE_DIR
set -u
FW=${1:?firmware build dir} HOST=${2:?host build dir} SRC=${3:?source dir}
METERCTL="$HOST/tools/meterctl/meterctl"
command -v qemu-system-arm >/dev/null || { echo "FAIL: qemu-system-arm missing (scripts/setup.sh)"; exit 1; }
[ -x "$METERCTL" ] || { echo "FAIL: no $METERCTL"; exit 1; }
TMP=$(mktemp -d)
SPID=""
cleanup() {
    if [ -n "$SPID" ]; then kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null; fi
    rm -rf "$TMP"
}
trap cleanup EXIT
fails=0
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fails=$((fails + 1)); }

cat >"$TMP/bench.scn" <<'S'
name bench
voltage 230 V
frequency 50 Hz
utc-offset +0 h
seed 1
load bench 100 A pf 1 L1
S
DPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
t0=$(date +%s)
bash "$SRC/scripts/qemu-meter.sh" --firmware "$FW" --host "$HOST" --model 162M \
    --scenario "$TMP/bench.scn" --start 2026-06-01T11:59:52Z --until 2026-06-01T12:00:08Z \
    --dlms-port "$DPORT" --display "$TMP/display.txt" >"$TMP/qemu.out" 2>&1 &
SPID=$!
for _ in $(seq 1 600); do
    grep -q 'the front end stopped at 2026-06-01T12:00:08Z' "$TMP/display.txt" 2>/dev/null && break
    kill -0 "$SPID" 2>/dev/null || break
    sleep 0.1
done
stopped=$(date +%s)
if ! grep -q 'the front end stopped' "$TMP/display.txt" 2>/dev/null; then
    echo "FAIL: the image did not take the stream:"; cat "$TMP/qemu.out" "$TMP/display.txt" 2>/dev/null
    exit 1
fi
ok "the image took 16 s of a 162M's 4 kHz samples in $((stopped - t0)) s"

H=("$METERCTL" -i hdlc -p "$DPORT" -t 5)
M=("${H[@]}" -c 1 -a lls -P an386dev)
run() {
    local name="$1"
    shift
    if ! timeout 60 "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"; then
        bad "$name: $(head -c 300 "$TMP/$name.err")"
        return 1
    fi
}
P=23000
if run clock "${H[@]}" get 0.0.1.0.0.255 2; then
    now=$(date +%s)
    c=$(date -u -d "$(cat "$TMP/clock.out")" +%s 2>/dev/null || echo 0)
    end=$(date -u -d 2026-06-01T12:00:08Z +%s)
    if [ "$c" -ge "$end" ] && [ "$c" -le $((end + now - stopped + 2)) ]; then
        ok "clock (public client over HDLC): $(cat "$TMP/clock.out")"
    else bad "clock $(cat "$TMP/clock.out"), expected 12:00:08Z + $((now - stopped)) s"; fi
fi
if run su "${M[@]}" get 1.0.1.8.0.255 3 && run ap "${M[@]}" get 1.0.1.8.0.255 2; then
    ap=$(cat "$TMP/ap.out")
    lo=$(awk -v p=$P 'BEGIN { printf "%d", p * 15.6 / 3600 - 1 }')
    hi=$(awk -v p=$P 'BEGIN { printf "%.2f", p * 16 / 3600 }')
    if [ "$(cat "$TMP/su.out")" = "{0, 30}" ] &&
        awk -v a="$ap" -v lo="$lo" -v hi="$hi" 'BEGIN { exit !(a >= lo && a <= hi) }'; then
        ok "A+ (management client, LLS): $ap Wh, P x T = $hi Wh"
    else bad "A+ $ap (scaler/unit $(cat "$TMP/su.out")), expected [$lo, $hi] Wh"; fi
fi
if run lp "${M[@]}" profile 1.0.99.1.0.255 --from 2026-06-01T11:00:00Z --to 2026-06-01T13:00:00Z; then
    col=$(head -1 "$TMP/lp.out" | tr ',' '\n' | grep -n '^1.0.1.8.0.255$' | cut -d: -f1)
    # rows are in the meter's local time (its deviation): the one whose instant is 12:00:00Z
    want=$(date -u -d 2026-06-01T12:00:00Z +%s) row=""
    while IFS= read -r line; do
        [ "$(date -u -d "${line%%,*}" +%s 2>/dev/null)" = "$want" ] && row=$line
    done < <(tail -n +2 "$TMP/lp.out")
    v=$( [ -n "$col" ] && [ -n "$row" ] && echo "$row" | cut -d, -f"$col")
    lo=$(awk -v p=$P 'BEGIN { printf "%d", p * 7.6 / 3600 - 1 }')
    hi=$(awk -v p=$P 'BEGIN { printf "%.2f", p * 8 / 3600 }')
    if [ -n "$v" ] && awk -v a="$v" -v lo="$lo" -v hi="$hi" 'BEGIN { exit !(a >= lo && a <= hi) }'; then
        ok "load profile: the 12:00 row's A+ $v Wh, P x 8 s = $hi Wh ($(($(wc -l <"$TMP/lp.out") - 1)) row(s))"
    else bad "load profile: $(cat "$TMP/lp.out"), expected the 12:00 row's A+ in [$lo, $hi]"; fi
fi
# the legally relevant part's checksum (WELMEC 7.2 P2): computed here from the ELF's .legal
# section with zlib, read over HDLC (1.0.0.2.8.255, public) and shown at start
arm-none-eabi-objcopy -O binary --only-section=.legal "$FW/meterfw_an386.elf" "$TMP/legal.bin"
want=$(python3 -c 'import sys, zlib; print("%08X" % zlib.crc32(open(sys.argv[1], "rb").read()))' "$TMP/legal.bin")
if run sum "${H[@]}" get 1.0.0.2.8.255 2; then
    if [ "$(cat "$TMP/sum.out")" = "$want" ] && grep -q "legal software meterfw-0.1.0, CRC-32 $want over $(stat -c %s "$TMP/legal.bin") bytes" "$TMP/display.txt"; then
        ok "legal part's CRC-32 $want over $(stat -c %s "$TMP/legal.bin") bytes: in COSEM and on the display"
    else bad "legal checksum: COSEM $(cat "$TMP/sum.out"), the ELF's $want; $(grep 'legal software' "$TMP/display.txt")"; fi
fi
if grep -Eq '^2026-06-01T1[12]:[0-9:]{5}Z  [0-9.]+ [0-9. ]+ [a-zA-Z]*' "$TMP/display.txt"; then
    ok "display on UART1: $(grep -E '^2026' "$TMP/display.txt" | head -1)"
else bad "display: $(cat "$TMP/display.txt")"; fi

# the stack the linker script reserves (port/cortex-m/an386/an386.ld _Min_Stack_Size) holds the
# peak the board measured (its painted RAM) through power-up, metering and these reads
sleep 0.3
peak=$(sed -n 's/.*stack peak \([0-9]*\) of.*/\1/p' "$TMP/display.txt" | tail -1)
if [ -n "$peak" ] && [ "$peak" -le 16384 ]; then ok "stack peak $peak bytes of the 16384 reserved"
else bad "stack peak ${peak:-?} bytes, 16384 reserved"; fi
if [ "$fails" -ne 0 ]; then
    echo "qemu-meter said:"; cat "$TMP/qemu.out"; echo "the display:"; cat "$TMP/display.txt"
    echo "FAIL: $fails check(s)"; exit 1
fi
echo "PASS"
