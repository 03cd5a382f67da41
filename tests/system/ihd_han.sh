#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ihd --han: the Nordic HAN push (tests/support/han_source.py: Kamstrup lists with their own
# CRC-16/X-25) read over TCP; /api/now and /api/history against the source's log: the last live
# power and voltages, the registers of the last hourly list, one point per minute with an hourly
# list, the frame with a bad FCS and the ciphered one dropped and counted.
# $1 = build tree, $2 = source tree.
set -u
IHD="$1/tools/ihd/ihd"
TMP=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$TMP"; }
trap cleanup EXIT
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }

python3 "$2/tests/support/han_source.py" --tcp 0 --frames 40 --log "$TMP/han.log" >"$TMP/src.out" 2>&1 &
pids+=($!)
src=$!
for _ in $(seq 1 250); do
    SPORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$TMP/src.out")
    [ -n "$SPORT" ] && break
    sleep 0.02
done
[ -n "${SPORT:-}" ] || { echo "FAIL: no source: $(cat "$TMP/src.out")"; exit 1; }
"$IHD" --han "tcp:127.0.0.1:$SPORT" --db "$TMP/ihd.db" --http 0 >"$TMP/ihd.out" 2>&1 &
pids+=($!)
for _ in $(seq 1 250); do
    HPORT=$(sed -n 's/.*page on http:\/\/127\.0\.0\.1:\([0-9]*\)\/.*/\1/p' "$TMP/ihd.out")
    [ -n "$HPORT" ] && break
    sleep 0.02
done
[ -n "${HPORT:-}" ] || { echo "FAIL: no ihd: $(cat "$TMP/ihd.out")"; exit 1; }
timeout 30 tail --pid="$src" -f /dev/null
sleep 0.3
curl -s "http://127.0.0.1:$HPORT/api/now" >"$TMP/now.json"
curl -s "http://127.0.0.1:$HPORT/api/history?range=day" >"$TMP/day.json"
python3 - "$TMP/han.log" "$TMP/now.json" "$TMP/day.json" <<'PY' || fail=1
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
now, day = json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
good = [r for r in recs if r["good"]]
hourly = [r for r in good if r["hourly"]]
bad = 0
def check(cond, what):
    global bad
    print(("ok   " if cond else "FAIL ") + what)
    bad |= not cond
last = good[-1]
check(now["p_import_w"] == last["p"], "live power %s W = the last frame's %d W" % (now.get("p_import_w"), last["p"]))
check(now["time"] == last["t"], "time of the last frame (local CEST -> %d)" % last["t"])
check([p.get("u_mv") for p in now["phase"]] == [231000, 229000, 226000], "UL1..3 231/229/226 V")
check(now["phase"][0].get("i_ma") == 2370, "IL1 2.37 A")
check(now["import_wh"] == hourly[-1]["imp_wh"], "A+ %s Wh = the last hourly list's %d x 10 Wh" % (now.get("import_wh"), hourly[-1]["imp_wh"] // 10))
check(now["counts"]["ok"] == len(good), "frames read %d (%d sent good)" % (now["counts"]["ok"], len(good)))
check(now["counts"]["crc"] == 1, "the bad FCS counted")
check(now["counts"]["value"] == 1, "the ciphered frame counted (the display holds no consumer key)")
minutes = len({r["t"] // 60 for r in hourly})
check(day["points"] == minutes, "day plot %d points = the minutes with an hourly list (%d)" % (day["points"], minutes))
check(day["total_import_wh"] == hourly[-1]["imp_wh"] - hourly[0]["imp_wh"], "day plot energy %d Wh = the registers' difference" % day["total_import_wh"])
sys.exit(1 if bad else 0)
PY
[ $fail = 0 ] && echo "PASS" || { echo "FAIL"; cat "$TMP/ihd.out"; }
exit $fail
