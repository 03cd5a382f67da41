#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The radio module's wireless M-Bus telegrams (meterd --module wmbus=tcp:0, unencrypted here;
# mode 5 is test_wmbus's), read with the tests' own reader (tests/support/consumer_read.py wmbus:
# format A CRC-16/EN-13757 per block, checked first against a published block), against the
# registers over DLMS. Scenario as meterd_p1.sh: P+ = 3450 W; A+ in 10 Wh = DLMS A+ / 10.
# $1 = build tree, $2 = source tree.
set -u
. "$(dirname "$0")/lib/meterctl_env.bash"
READ=(python3 "$2/tests/support/consumer_read.py")
"${READ[@]}" --self-test "$2/tests/vectors" >/dev/null || { echo "FAIL: the reader's self-test"; exit 1; }
cat >"$TMP/load.scn" <<'SCN'
# the ideal front end: what the meter shows is the load exactly (no sensor errors)
sensors ideal
voltage 230 V
frequency 50 Hz
load heater 2300 W pf 1 L1
load motor 1150 W pf 0.5 ind L2
SCN
if ! timeout 120 "$METERD" --no-display --no-dlms --scenario "$TMP/load.scn" --state-dir "$TMP/st" \
        --keys "$KEYS" --start 2026-06-02T22:00:00Z --until 2026-06-03T08:00:00Z >"$TMP/fill.out" 2>&1; then
    echo "FAIL: meterd --until: $(cat "$TMP/fill.out")"; exit 1
fi
start_meterd --scenario "$TMP/load.scn" --state-dir "$TMP/st" --speed 1 --module wmbus=tcp:0 --wmbus-period 2
WPORT=$(module_port "wireless M-Bus") || exit 1
MGT=("$METERCTL" -p "$PORT" -K "$CKEYS")
get() { timeout 30 "${MGT[@]}" get "$1" "$2" 2>"$TMP/err" | tr -d '\r'; }
timeout 40 "${READ[@]}" wmbus "$WPORT" 2 >"$TMP/w.json" 2>"$TMP/rerr" || bad "reader: $(cat "$TMP/rerr")"
ap=$(get 1.0.1.8.0.255 2)
q() { python3 -c "
import json
fr=[json.loads(l) for l in open('$TMP/w.json')]
$1"; }
hdr=$(q "f=fr[0]; print(f['c'], f['manufacturer'], f['id'], f['type'], f['ci'])")
[ "$hdr" = "68 MFW 00000001 2 122" ] && ok "SND-NR (44), MFW, ID 00000001, electricity (02), CI 7A; CRCs right" ||
    bad "header '$hdr'"
acc=$(q "print(fr[1]['access'] - fr[0]['access'])")
[ "$acc" = "1" ] && ok "access number one up per telegram" || bad "access numbers step '$acc'"
pp=$(q "print(fr[0]['records']['042B'])")
[ "$pp" = "3450" ] && ok "P+ (04 2B) = 3450 W" || bad "P+ '$pp'"
pm=$(q "print(fr[0]['records']['04AB3C'])")
[ "$pm" = "0" ] && ok "P- (04 AB 3C) = 0" || bad "P- '$pm'"
a=$(q "print(fr[1]['records']['0404'])")
if [ -n "$a" ] && [ -n "$ap" ] && [ $((a * 10)) -le "$ap" ] && [ $((a * 10 + 20)) -ge "$ap" ]; then
    ok "A+ (04 04) = $a x 10 Wh; DLMS A+ $ap Wh right after"
else
    bad "A+ '$a' x 10 Wh vs DLMS '$ap' Wh"
fi
[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; cat "$TMP/meterd.out"; exit 1; }
echo "all ok"
