#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The WAN module's IDIS pushes (meterd --push): a head-end listener of the tests' own
# (tests/support/consumer_read.py push: the IEC 62056-47 wrapper and the data-notification read
# from the standards' layout) receives the installation and connectivity pushes at start, the
# alarm push of the power-up (IDIS alarm register 2 bit 1, power resume: 2), the alarm push when a
# strong magnetic field is injected through the control pipe (IDIS alarm
# register 1: bit 3 strong DC field, bit 13 fraud attempt = 0x2008 = 8200, references/
# idis-objects.md 14), and again when the management client invokes its m1 over DLMS; the values
# are those the meter shows over DLMS (logical device name, serial number, alarm register 1) and
# the push object lists those of IC 40.
# $1 = build tree, $2 = source tree.
set -u
. "$(dirname "$0")/lib/meterctl_env.bash"
READ=(python3 "$2/tests/support/consumer_read.py")
"${READ[@]}" push "$TMP/lport" 5 40 >"$TMP/push.json" 2>"$TMP/rerr" &
LPID=$!
for _ in $(seq 1 250); do [ -s "$TMP/lport" ] && break; sleep 0.02; done
LPORT=$(cat "$TMP/lport")
CTL="$TMP/ctl"
start_meterd --state-dir "$TMP/st" --new-meter --keys "$KEYS" --speed 1 --push "127.0.0.1:$LPORT" \
    --control "$CTL"
MGT=("$METERCTL" -p "$PORT" -K "$CKEYS")
get() { timeout 30 "${MGT[@]}" get "$1" "$2" 2>"$TMP/err" | tr -d '\r'; }
for _ in $(seq 1 250); do [ "$(wc -l <"$TMP/push.json")" -ge 2 ] && break; sleep 0.02; done
dest=$(get 0.0.25.9.0.255 3)
[ "$dest" = "{0, $(python3 -c "print(b'127.0.0.1:$LPORT'.hex().upper())"), 0}" ] &&
    ok "0.0.25.9.0.255 attribute 3 = $dest (TCP, the destination, A-XDR)" || bad "destination '$dest'"
# where the meter is: the substation and grid-line identifiers the alarm push carries
timeout 30 "${MGT[@]}" set 0.0.96.50.1.255 2 octets:5355422D3137 >/dev/null 2>"$TMP/err" && # "SUB-17"
    timeout 30 "${MGT[@]}" set 0.0.96.50.2.255 2 octets:4C494E452D33 >/dev/null 2>>"$TMP/err" || # "LINE-3"
    bad "the grid identifiers: $(cat "$TMP/err")"
# an alarm: the field makes the alarm push due by itself
for _ in $(seq 1 250); do [ -p "$CTL" ] && break; sleep 0.02; done
echo "magnetic-field 5 s" >"$CTL"
# (the listener writes its lines at the end: meterd's log says when a push went)
for _ in $(seq 1 500); do [ "$(grep -c 'push 2 to .*: sent' "$TMP/meterd.out")" -ge 2 ] && break; sleep 0.02; done
[ "$(grep -c 'push 2 to .*: sent' "$TMP/meterd.out")" -ge 2 ] && ok "an alarm push after the field" ||
    bad "no alarm push after the field"
# m1 push of the alarm push setup (0.4.25.9.0.255): due now
if timeout 30 "${MGT[@]}" action 0.4.25.9.0.255 1 i8:0 >/dev/null 2>"$TMP/err"; then
    ok "0.4.25.9.0.255 m1 push invoked"
else
    bad "m1 push: $(cat "$TMP/err")"
fi
wait "$LPID" || bad "the listener did not get 5 pushes: $(cat "$TMP/rerr")"
alarm1=$(get 0.0.97.98.0.255 2)
ldn=$(get 0.0.42.0.0.255 2)
sn=$(get 0.0.96.1.0.255 2)
q() { python3 -c "
import json
fr=[json.loads(l) for l in open('$TMP/push.json')]
$1"; }
lists=$(q "print(' '.join(f['list'][0][1] for f in fr))")
[ "$lists" = "0000190900ff 0007190900ff 0004190900ff 0004190900ff 0004190900ff" ] &&
    ok "pushes in order: connectivity, installation (at start), alarm (power-up), alarm (the field), alarm (m1)" ||
    bad "push setups '$lists'"
v_alarm=$(q "print(*(f['values'][2:4] for f in fr[2:]), len(fr[2]['list']))")
[ "$v_alarm" = "[0, 2] [8200, 2] [8200, 2] 7" ] && [ "$alarm1" = "8200" ] &&
    ok "alarm pushes carry alarm registers 1, 2: power-up 0, 2; field and m1 8200 (field and fraud bits), 2 = DLMS 0.0.97.98.0.255; 7 objects" ||
    bad "alarm pushes '$v_alarm', DLMS alarm register 1 '$alarm1'"
wp=$(q "print(all(f['src_wport']==1 and f['dst_wport']==1 for f in fr))")
[ "$wp" = "True" ] && ok "wrapper: source wPort 1 (management LD), destination wPort 1" || bad "wPorts"
v_ldn=$(q "print(fr[0]['values'][0].upper())")
v_sn=$(q "print(fr[1]['values'][2].upper())")
[ "$v_ldn" = "$ldn" ] && ok "pushed LDN $v_ldn = DLMS 0.0.42.0.0.255" || bad "LDN pushed '$v_ldn', DLMS '$ldn'"
[ "$v_sn" = "$sn" ] && ok "pushed device id $v_sn = DLMS 0.0.96.1.0.255" || bad "device id pushed '$v_sn', DLMS '$sn'"
n=$(q "print(len(fr[0]['list']), len(fr[0]['values']))")
[ "$n" = "4 3" ] && ok "the body: the push object list (4 entries) and its 3 values" || bad "body sizes '$n'"
ids=$(q "print(*(bytes.fromhex(v).decode() for v in fr[3]['values'][4:6]))")
[ "$ids" = "SUB-17 LINE-3" ] && ok "the field's alarm push carries the substation and grid line: $ids" ||
    bad "grid identifiers in the alarm push: '$ids'"
inv=$(q "print([f['invoke'] for f in fr])")
[ "$inv" = "[0, 1, 2, 3, 4]" ] && ok "invoke ids 0, 1, 2, 3, 4" || bad "invoke ids $inv"

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; cat "$TMP/meterd.out"; exit 1; }
echo "all ok"
