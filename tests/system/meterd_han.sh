#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The consumer channel's HAN push from meterd --module han=tcp:0, read for 18 s with the tests'
# own reader (tests/support/consumer_read.py, checked first against the Kamstrup frame of
# amshan's suite), against values worked out by hand and the registers read over DLMS.
#
# Scenario as tests/system/meterd_p1.sh (230 V; L1 2300 W PF 1; L2 1150 W PF 0.5 ind), filled up
# to 07:59:50Z so that the hourly list (hh:00:05) falls in the 18 s read. By hand:
#   P+ = 3450 W; Q+ = 1150 x tan 60 = 1992 var; IL1 = IL2 = 10.00 A (1000 x 0.01 A); IL3 = 0;
#   UL1 = 230 V; list 1 every 2 s (--han-period 2), list 2 every 10 s, list 3 at 08:00:05Z;
#   frames: 7E A0 .. 2B 21 13, HCS and FCS right, LLC E6 E7 00, 25 / 35 elements (3-phase).
# $1 = build tree, $2 = source tree.
set -u
. "$(dirname "$0")/lib/meterctl_env.bash"
READ=(python3 "$2/tests/support/consumer_read.py")
"${READ[@]}" --self-test "$2/tests/vectors" >/dev/null || { echo "FAIL: the reader's self-test"; exit 1; }
ok "the reader reads the published Kamstrup frame (HCS 9A23, FCS 4684)"

cat >"$TMP/load.scn" <<'SCN'
# the ideal front end: what the meter shows is the load exactly (no sensor errors)
sensors ideal
voltage 230 V
frequency 50 Hz
load heater 2300 W pf 1 L1
load motor 1150 W pf 0.5 ind L2
SCN
if ! timeout 120 "$METERD" --no-display --no-dlms --scenario "$TMP/load.scn" --state-dir "$TMP/st" \
        --keys "$KEYS" --start 2026-06-02T22:00:00Z --until 2026-06-03T07:59:50Z >"$TMP/fill.out" 2>&1; then
    echo "FAIL: meterd --until: $(cat "$TMP/fill.out")"; exit 1
fi
start_meterd --scenario "$TMP/load.scn" --state-dir "$TMP/st" --speed 1 --module han=tcp:0 --han-period 2
HPORT=$(module_port "HAN push") || exit 1
ok "meterd fits the HAN module in slot 1 on port $HPORT"
MGT=("$METERCTL" -p "$PORT" -K "$CKEYS")
get() { timeout 30 "${MGT[@]}" get "$1" "$2" 2>"$TMP/err" | tr -d '\r'; }

timeout 40 "${READ[@]}" han "$HPORT" 18 >"$TMP/f.json" 2>"$TMP/rerr" || bad "reader: $(cat "$TMP/rerr")"
ap_dlms=$(get 1.0.1.8.0.255 2)
q() { python3 -c "
import json,sys
fr=[json.loads(l) for l in open('$TMP/f.json')]
$1"; }
n1=$(q "print(sum(1 for f in fr if len(f.get('items',{}))==2))")
n2=$(q "print(sum(1 for f in fr if len(f.get('items',{}))==12))")
n3=$(q "print(sum(1 for f in fr if len(f.get('items',{}))==17))")
[ "$n1" -ge 7 ] && [ "$n1" -le 10 ] && ok "list 1: $n1 frames in 18 s (every 2 s)" || bad "list 1: $n1 frames"
[ "$n2" -ge 1 ] && [ "$n2" -le 2 ] && ok "list 2: $n2 frame(s) in 18 s (every 10 s)" || bad "list 2: $n2 frames"
[ "$n3" = "1" ] && ok "list 3: one frame (hourly, at 08:00:05Z)" || bad "list 3: $n3 frames"
allgood=$(q "print(all(f['hcs_ok'] and f['fcs_ok'] and f['dst']==0x2B and f['src']==0x21 and f['control']==0x13 for f in fr) and len(fr) > 0)")
[ "$allgood" = "True" ] && ok "every frame: HCS, FCS right; client 21, server 16, UI" || bad "frames: $(cat "$TMP/f.json")"
l2() { q "f=[f for f in fr if len(f.get('items',{}))==12][0]; print(f['items'].get('$1','MISSING'))"; }
want() { [ "$2" = "$3" ] && ok "$1 = $2 ($4)" || bad "$1 = '$2', want '$3' ($4)"; }
want "list 2 P+ 1.1.1.7.0.255" "$(l2 1.1.1.7.0.255)" 3450 "2300 + 1150 W"
want "list 2 P- 1.1.2.7.0.255" "$(l2 1.1.2.7.0.255)" 0 "no export"
want "list 2 Q+ 1.1.3.7.0.255" "$(l2 1.1.3.7.0.255)" 1992 "1150 x tan 60 var"
want "list 2 IL1 1.1.31.7.0.255" "$(l2 1.1.31.7.0.255)" 1000 "10.00 A"
want "list 2 IL2 1.1.51.7.0.255" "$(l2 1.1.51.7.0.255)" 1000 "10.00 A"
want "list 2 IL3 1.1.71.7.0.255" "$(l2 1.1.71.7.0.255)" 0 "no load"
want "list 2 UL1 1.1.32.7.0.255" "$(l2 1.1.32.7.0.255)" 230 "230 V"
want "list 2 meter id" "$(l2 1.1.0.0.5.255)" 00000001 "the serial"
want "list version" "$(q "print(fr[0]['version'])")" meterfw_V0001 "the list version string"
# the hourly list's A+ against DLMS: in 10 Wh, read over DLMS a few seconds later
ap_han=$(q "f=[f for f in fr if len(f.get('items',{}))==17][0]; print(f['items']['1.1.1.8.0.255'])")
if [ -n "$ap_dlms" ] && [ -n "$ap_han" ] && [ $((ap_han * 10)) -le "$ap_dlms" ] &&
    [ $((ap_han * 10 + 40)) -ge "$ap_dlms" ]; then
    ok "list 3 A+ = $ap_han x 10 Wh; DLMS A+ $ap_dlms Wh some seconds later (about 1 Wh/s)"
else
    bad "list 3 A+ '$ap_han' x 10 Wh vs DLMS '$ap_dlms' Wh"
fi
clk=$(q "f=[f for f in fr if len(f.get('items',{}))==17][0]; print(f['items']['0.1.1.0.0.255'][:16])")
want "list 3 clock" "$clk" "07ea0603030a0005" "2026-06-03, Wednesday (3), 10:00:05 CEST"

# nothing on the HAN port changes the meter
python3 -c "
import socket; s=socket.create_connection(('127.0.0.1',$HPORT)); s.sendall(bytes.fromhex('7ea0072b2113') + bytes(range(256))*8); s.close()"
t2=$(get 1.0.1.8.2.255 2)
[ "$t2" = "24150" ] && kill -0 "$PID" 2>/dev/null && ok "bytes sent into the HAN port: the meter runs, A+ T2 = 24150 Wh unchanged" ||
    bad "after input on HAN: A+ T2 '$t2'"

# consumer key management over DLMS: the consumer Security setup 0.0.43.0.1.255 takes both keys
# by global_key_transfer (RFC 3394 4.1: 00112233..FF wrapped under the test KEK 000102..0F is
# 1FA68B0A..CFE5), then security_activate(3): from then on every frame is general-glo-ciphered
W=1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5
pol=$(get 0.0.43.0.1.255 2)
[ "$pol" = "0" ] && ok "consumer security policy 0 (unencrypted)" || bad "consumer policy '$pol'"
if timeout 30 "${MGT[@]}" action 0.0.43.0.1.255 1 enum:3 >/dev/null 2>&1; then
    bad "security_activate(3) without consumer keys accepted"
else
    ok "security_activate(3) refused while the consumer channel has no keys"
fi
if timeout 30 "${MGT[@]}" action 0.0.43.0.1.255 2 "[{enum:0, octets:$W}, {enum:2, octets:$W}]" \
        >/dev/null 2>"$TMP/err" &&
   timeout 30 "${MGT[@]}" action 0.0.43.0.1.255 1 enum:3 >/dev/null 2>>"$TMP/err"; then
    ok "consumer keys transferred (wrapped) and policy 3 activated over DLMS"
else
    bad "consumer key transfer / activate: $(cat "$TMP/err")"
fi
pol=$(get 0.0.43.0.1.255 2)
[ "$pol" = "3" ] && ok "consumer security policy now 3" || bad "consumer policy '$pol'"
timeout 40 "${READ[@]}" han "$HPORT" 5 >"$TMP/c.json" 2>"$TMP/rerr" || bad "reader: $(cat "$TMP/rerr")"
enc=$(python3 -c "
import json
fr=[json.loads(l) for l in open('$TMP/c.json')]
print(len(fr) > 0 and all(f.get('ciphered') and f['fcs_ok'] for f in fr))")
[ "$enc" = "True" ] && ok "after activation every HAN frame is general-glo-ciphered (DB)" ||
    bad "frames after activation: $(cat "$TMP/c.json")"

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; cat "$TMP/meterd.out"; exit 1; }
echo "all ok"
