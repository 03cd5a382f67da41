#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The in-home display on a real meter: meterd with its P1 module (issue 12, DSMR 5.0.2) on the
# ideal front end and a known load, ihd reading it over TCP. Expected by hand:
#   P+ = 2300 W (L1, PF 1) + 1150 W (L2, PF 0.5 ind) = 3450 W; per phase 2300, 1150, 0 W;
#   U L1 = 230.0 V; I L1 = 2300 / 230 = 10 A; I L2 = 1150 / (230 x 0.5) = 10 A;
#   no telegram dropped (meterd's CRC-16 is the one ihd checks);
#   ihd's A+ is the telegram's, which is the meter's register a moment before: DLMS A+ read after
#   /api/now is at least ihd's and at most 3450 W x 3 s = 3 Wh more.
# $1 = build tree, $2 = source tree.
set -u
. "$(dirname "$0")/lib/meterctl_env.bash"
IHD="$1/tools/ihd/ihd"
cat >"$TMP/load.scn" <<'SCN'
# the ideal front end: what the meter shows is the load exactly (no sensor errors)
sensors ideal
voltage 230 V
frequency 50 Hz
load heater 2300 W pf 1 L1
load motor 1150 W pf 0.5 ind L2
SCN
start_meterd --scenario "$TMP/load.scn" --state-dir "$TMP/st" --new-meter --keys "$KEYS" \
    --speed 1 --module p1=tcp:0
P1=$(module_port "P1 telegrams") || exit 1
"$IHD" --p1 "tcp:127.0.0.1:$P1" --db "$TMP/ihd.db" --http 0 >"$TMP/ihd.out" 2>&1 &
IPID=$!
trap 'kill "$IPID" 2>/dev/null; cleanup' EXIT
for _ in $(seq 1 250); do
    HPORT=$(sed -n 's/.*page on http:\/\/127\.0\.0\.1:\([0-9]*\)\/.*/\1/p' "$TMP/ihd.out")
    [ -n "$HPORT" ] && break
    sleep 0.02
done
[ -n "${HPORT:-}" ] || { echo "FAIL: ihd has no page: $(cat "$TMP/ihd.out")"; exit 1; }
# a few telegrams (one a second), the first windows settled
sleep 5
curl -s "http://127.0.0.1:$HPORT/api/now" >"$TMP/now.json"
DLMS=$(timeout 30 "$METERCTL" -p "$PORT" -K "$CKEYS" get 1.0.1.8.0.255 2 2>"$TMP/err" | tr -d '\r')
python3 - "$TMP/now.json" "$DLMS" <<'PY' || fails=$((fails + 1))
import json, sys
now = json.load(open(sys.argv[1]))
dlms = int(sys.argv[2]) if sys.argv[2].isdigit() else None
bad = 0
def check(cond, what):
    global bad
    print(("ok: " if cond else "FAIL: ") + what)
    bad |= not cond
ph = now.get("phase", [])
check(now.get("p_import_w") == 3450, "live import %s W = 2300 + 1150 W" % now.get("p_import_w"))
check([p.get("p_import_w") for p in ph] == [2300, 1150, 0], "per phase %s W" % [p.get("p_import_w") for p in ph])
check(ph and ph[0].get("u_mv") == 230000, "U L1 %s mV = 230.0 V" % (ph[0].get("u_mv") if ph else None))
check([p.get("i_ma") for p in ph[:2]] == [10000, 10000], "I L1, L2 %s mA = 10 A each" % [p.get("i_ma") for p in ph[:2]])
c = now.get("counts", {})
check(c.get("ok", 0) >= 3 and c.get("dropped") == 0 and c.get("crc") == 0,
      "telegrams read %s, dropped %s, bad CRC %s" % (c.get("ok"), c.get("dropped"), c.get("crc")))
imp = now.get("import_wh")
check(dlms is not None and imp is not None and 0 <= dlms - imp <= 3,
      "A+ on the display %s Wh, over DLMS just after %s Wh" % (imp, dlms))
sys.exit(bad)
PY
[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; cat "$TMP/meterd.out" "$TMP/ihd.out"; exit 1; }
echo "all ok"
