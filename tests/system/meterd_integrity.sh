#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# meterd's word after a fault to its state directory (the integrity issue's findings, as a user
# meets them): a flash.bin of random bytes, of zeros, blank where a meter ran, or another model's
# is refused with exit 1 and left byte for byte as it was (--new-meter starts over where that is
# wanted); the state area of the flash erased gives registers from the newest stored rows, not 0;
# an RTC backup that reads 1970 is refused; one set 9 days back gives an invalid clock and no row
# stored twice; a busy --port is refused before anything is created.
# $1 = build tree (meterd at $1/port/posix/meterd), $2 = source tree.
set -u
METERD="$1/port/posix/meterd"
[ -x "$METERD" ] || { echo "FAIL: no meterd at $METERD"; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$TMP" || exit 1
fails=0
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fails=$((fails + 1)); }

# The default 382M layout (src/meter/meter.c mfw_meter_store_layout): 4 KiB sectors, the
# CONFIG area in sectors 0-3, the STATE area in sectors 4-35.
SECTOR=4096
STATE_FIRST=4
STATE_SECTORS=32

# meterd on a state dir, a 2-hour fast run; $1 = dir, the rest extra options
run() {
    local dir=$1
    shift
    timeout 60 "$METERD" --no-display --no-dlms --state-dir "$dir" "$@" >"$TMP/out" 2>"$TMP/err"
}

# a good meter to damage: 2 days of the built-in household
run "$TMP/good" --start 2026-01-05T00:00:00Z --until 2026-01-07T00:00:00Z --report json ||
    { bad "the first run failed: $(cat "$TMP/err")"; exit 1; }
cp "$TMP/out" "$TMP/good.json"
python3 - "$TMP/good.json" >"$TMP/good_ap" <<'PY'
import json, sys
print(json.load(open(sys.argv[1]))['registers']['total']['A+']['value'])
PY
size=$(stat -c %s "$TMP/good/flash.bin")

# expect_refused NAME FILL: flash.bin replaced by FILL bytes -> exit 1, flash and rtc unchanged
expect_refused() {
    local name=$1 fill=$2
    rm -rf "$TMP/$name"
    cp -r "$TMP/good" "$TMP/$name"
    case "$fill" in
    random) head -c "$size" /dev/urandom >"$TMP/$name/flash.bin" ;;
    zeros) head -c "$size" /dev/zero >"$TMP/$name/flash.bin" ;;
    blank) head -c "$size" /dev/zero | tr '\0' '\377' >"$TMP/$name/flash.bin" ;;
    esac
    cp "$TMP/$name/flash.bin" "$TMP/$name.before"
    cp "$TMP/$name/rtc" "$TMP/$name.rtc"
    run "$TMP/$name" --until 2026-01-08T00:00:00Z
    local rc=$?
    if [ "$rc" -eq 1 ] && cmp -s "$TMP/$name/flash.bin" "$TMP/$name.before" &&
        cmp -s "$TMP/$name/rtc" "$TMP/$name.rtc"; then
        ok "$name flash: exit 1, untouched: $(grep -m1 'flash' "$TMP/err")"
    else
        bad "$name flash: exit $rc (want 1) or the state changed: $(cat "$TMP/err")"
    fi
}
expect_refused random random
expect_refused zeros zeros
expect_refused blank blank

# --new-meter: the blank one becomes a new meter, from 0
if run "$TMP/blank" --new-meter --until 2026-01-08T00:00:00Z --report json &&
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(r["registers"]["total"]["A+"]["value"] > 3500e3 / 365 * 1.5)' "$TMP/out"; then
    ok "blank flash with --new-meter: a new meter, registers from 0"
else
    bad "blank flash with --new-meter: $(cat "$TMP/err")"
fi

# another model's state: a 162M on the 382M's state directory
cp "$TMP/good/flash.bin" "$TMP/good.flash"
run "$TMP/good" --model 162M --until 2026-01-08T00:00:00Z
rc=$?
if [ "$rc" -eq 1 ] && cmp -s "$TMP/good/flash.bin" "$TMP/good.flash" && grep -q "another meter" "$TMP/err"; then
    ok "a 162M on a 382M's state: exit 1, untouched: $(head -n1 "$TMP/err")"
else
    bad "a 162M on a 382M's state: exit $rc (want 1): $(cat "$TMP/err")"
fi

# the STATE area erased: the registers come from the newest rows (not 0), NV memory error
rm -rf "$TMP/nostate"
cp -r "$TMP/good" "$TMP/nostate"
python3 - "$TMP/nostate/flash.bin" "$SECTOR" "$STATE_FIRST" "$STATE_SECTORS" <<'PY'
import sys
path, sector, first, n = sys.argv[1], *map(int, sys.argv[2:])
with open(path, 'r+b') as f:
    f.seek(first * sector)
    f.write(b'\xff' * (n * sector))
PY
if run "$TMP/nostate" --until 2026-01-07T01:00:00Z --report json; then
    python3 - "$TMP/out" "$(cat "$TMP/good_ap")" <<'PY' && ok "state area erased: registers from the rows, NV memory error ($(grep -m1 'state record' "$TMP/err"))" || bad "state area erased: $(cat "$TMP/err")"
import json, sys
r = json.load(open(sys.argv[1]))
before = float(sys.argv[2])
ap = r['registers']['total']['A+']['value']
codes = [e['code'] for e in r['events']['standard']['entries']]
# within an hour of the good run's energy (a household is far below 1 kWh in an hour), not 0
ok = before - 1000.0 <= ap and ap > 0 and 14 in codes
print(f"A+ {ap} Wh after, {before} Wh before the erase; event 14 logged: {14 in codes}")
sys.exit(0 if ok else 1)
PY
else
    bad "state area erased: exit $?: $(cat "$TMP/err")"
fi

# an RTC backup of 1970 (the finding: --until then simulated 56 years): refused
rm -rf "$TMP/rtc0"
cp -r "$TMP/good" "$TMP/rtc0"
printf '0 1970-01-01T00:00:00Z\n' >"$TMP/rtc0/rtc"
cp "$TMP/rtc0/flash.bin" "$TMP/rtc0.flash"
run "$TMP/rtc0" --until 2026-01-08T00:00:00Z
rc=$?
if [ "$rc" -eq 1 ] && cmp -s "$TMP/rtc0/flash.bin" "$TMP/rtc0.flash" && grep -q "before 2000" "$TMP/err"; then
    ok "an RTC backup of 1970: exit 1: $(head -n1 "$TMP/err")"
else
    bad "an RTC backup of 1970: exit $rc (want 1): $(cat "$TMP/err")"
fi

# an RTC backup set 9 days back: the clock invalid, no row stored twice or out of order
rm -rf "$TMP/back"
cp -r "$TMP/good" "$TMP/back"
python3 - "$TMP/back/rtc" <<'PY'
import re, sys, time, zlib
path = sys.argv[1]
rtc = 1767744000000 - 9 * 86400000  # 2026-01-07T00:00Z, 9 days back
wall = int(time.time() * 1000)
def slot(name, seq):
    s = f"{name} seq={seq:020d} rtc={rtc:020d} wall={wall:020d} crc="
    return s + f"{zlib.crc32(s.encode()):08x}\n"
open(path, 'w').write("meterd RTC backup 2\n" + slot('A', 9) + slot('B', 8))
PY
if run "$TMP/back" --until 2026-01-01T00:00:00Z --report json; then
    python3 - "$TMP/out" <<'PY' && ok "an RTC 9 days back: clock invalid, rows in order ($(grep -m1 'RTC reads' "$TMP/err"))" || bad "an RTC 9 days back: $(cat "$TMP/err")"
import json, sys
r = json.load(open(sys.argv[1]))
rows = [row['time'] for row in r['load_profile']['recent']]
in_order = all(a < b for a, b in zip(rows, rows[1:]))
print(f"clock invalid: {r['clock']['invalid']}, {len(rows)} recent rows in order: {in_order}")
sys.exit(0 if r['clock']['invalid'] and in_order else 1)
PY
else
    bad "an RTC 9 days back: exit $?: $(cat "$TMP/err")"
fi

# a busy --port: refused before the state directory is created
python3 -c 'import socket,time,sys
s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(); print(s.getsockname()[1], flush=True); time.sleep(30)' >"$TMP/port" &
holder=$!
for _ in $(seq 1 50); do [ -s "$TMP/port" ] && break; sleep 0.1; done
port=$(cat "$TMP/port")
timeout 20 "$METERD" --no-display --state-dir "$TMP/busy" --port "$port" --until 2026-01-06T00:00:00Z \
    --start 2026-01-05T00:00:00Z >"$TMP/out" 2>"$TMP/err"
rc=$?
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
if [ "$rc" -eq 1 ] && [ ! -e "$TMP/busy" ]; then
    ok "a busy --port $port: exit 1, no state directory: $(head -n1 "$TMP/err")"
else
    bad "a busy --port $port: exit $rc (want 1), state dir $( [ -e "$TMP/busy" ] && echo created || echo absent): $(cat "$TMP/err")"
fi

[ "$fails" -eq 0 ] && echo "PASS" || echo "$fails FAILED"
exit $((fails > 0))
