#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Revenue protection end to end (issue 11): meterd with the breaker, keys and its control pipe,
# driven through DLMS by meterctl as the management client (HLS-GMAC, authenticated encryption).
# The expected values come from the standard (Blue Book IC 70 transitions and control mode 5,
# references/idis-objects.md sections 6-8; the IDIS event codes) and from hand computation, not
# from the meter's output:
#  1. the public client has no switch: Disconnect control is not in its object list; the
#     management client associated with LLS reads it but may not switch (read-write-denied);
#  2. remote_disconnect (b: connected 1 -> disconnected 0, event 62), the relay opens, A+ stops;
#     remote_reconnect in mode 5 (d: -> ready for reconnection 2, event 59), the button (e:
#     -> connected 1, event 61), A+ goes on; the disconnector scripts 1 and 2 executed over DLMS
#     (g: -> ready 2, 64; h: -> connected 1, 69);
#  3. a magnetic field and the terminal cover injected on the command line (the control pipe):
#     fraud log 42 / 43 and 40 / 41, their counters 0.0.96.20.15 / .5 = 1, alarm register 1 bits 3
#     (field) and 2 (cover) set, then cleared by writing 0; the power unchanged by the field
#     (2300 W +- 0.5 %: shunt sensing, the field reaches only the sensor);
#  4. prepayment: a top-up (token id 1, 20 Wh), the account activated, the credit used up by the
#     2300 W load (20 Wh in 31.3 s): out of credit (233), local disconnection (g: -> ready 2,
#     event 64); the same token again refused (231); the emergency credit invoked (in use, 2000 Wh
#     available); a new top-up (id 2) and the button reconnect (e, event 61);
#  5. a welded breaker contact: remote_disconnect leaves the contact closed: event 68 and alarm
#     register 2 bit 31 (disconnect/reconnect failure), output_state TRUE with control_state 0;
#  6. the voltage quality thresholds are writable and persisted: the sag threshold 1.0.12.31.0.255
#     set to 200.0 V reads back after a restart of meterd;
#  7. a friendly period (a 162M with breaker): the credit goes below 0 without a disconnection
#     inside it, and the meter disconnects once it is removed.
# $1 = build tree, $2 = source tree.
set -u
. "$(dirname "$0")/lib/meterctl_env.bash"

# until CMD's output matches PATTERN (grep -E), at most N tries 0.2 s apart; 0 if it did (CMD
# may be a shell function; meterctl times out by itself, -t 10 s)

# the household: a 2300 W heater on L1 (10 A at 230 V), nothing else
cat >"$TMP/heater.scn" <<'S'
load heater 2300 W pf 1 L1
S
CTL="$TMP/ctl"
# the meter's keys, and LLS enabled for the management client (docs/security.md): an LLS
# association must not switch anything
cp "$KEYS" "$TMP/lls.keys" && echo "lls-secret = 00000001" >>"$TMP/lls.keys" && chmod 600 "$TMP/lls.keys"
start_meterd --state-dir "$TMP/st" --keys "$TMP/lls.keys" --breaker --scenario "$TMP/heater.scn" \
    --start 2026-12-01T10:00:00Z --speed 50 --control "$CTL"
PUB=("$METERCTL" -p "$PORT")
MGT=("$METERCTL" -p "$PORT" -K "$CKEYS")
DC=0.0.96.3.10.255
inject() { echo "$1" >"$CTL"; }
state() { "${MGT[@]}" get $DC 3 2>/dev/null; }
output() { "${MGT[@]}" get $DC 2 2>/dev/null; }
energy() { "${MGT[@]}" get 1.0.1.8.0.255 2 2>/dev/null; }
getv() { "${MGT[@]}" get "$1" "${2:-2}" 2>/dev/null; }

# 1. the public client
if run pubdc 1 "${PUB[@]}" action $DC 1 i8:0; then
    if grep -q "not in the association's object list" "$TMP/pubdc.err"; then
        ok "public client: $(cat "$TMP/pubdc.err")"
    else bad "public remote_disconnect: $(cat "$TMP/pubdc.err")"; fi
fi

LLS=("$METERCTL" -p "$PORT" -P 00000001)
if run llsdc 1 "${LLS[@]}" action $DC 1 i8:0; then
    if grep -q "read-write-denied" "$TMP/llsdc.err" && [ "$("${LLS[@]}" get $DC 3)" = "1" ]; then
        ok "management client with LLS: $(cat "$TMP/llsdc.err"), still connected"
    else bad "LLS remote_disconnect: $(cat "$TMP/llsdc.err")"; fi
fi

# 2. remote disconnect / reconnect, the button
[ "$(state)" = "1" ] && [ "$(output)" = "true" ] && ok "delivered connected: control_state 1, output_state TRUE" ||
    bad "not connected at start: state $(state), output $(output)"
wait_for 50 '^[1-9]' energy || bad "no energy registered before the disconnection"
run disc 0 "${MGT[@]}" action $DC 1 i8:0 && ok "remote_disconnect accepted"
[ "$(state)" = "0" ] && [ "$(output)" = "false" ] && ok "transition b: control_state 0, output_state FALSE" ||
    bad "after remote_disconnect: state $(state), output $(output)"
grep -q "relay breaker open" "$TMP/meterd.out" && ok "the board's breaker opened" || bad "no relay line"
E1=$(energy); sleep 1.5; E2=$(energy) # 75 s of the meter's time
[ -n "$E1" ] && [ "$E1" = "$E2" ] && ok "disconnected: A+ stays at $E1 Wh" || bad "A+ moved while disconnected: $E1 -> $E2"
run rec 0 "${MGT[@]}" action $DC 2 i8:0 && ok "remote_reconnect accepted"
[ "$(state)" = "2" ] && [ "$(output)" = "false" ] && ok "mode 5, transition d: ready for reconnection (2), still open" ||
    bad "after remote_reconnect: state $(state), output $(output)"
inject button
wait_for 50 '^1$' state && ok "the button: transition e, connected (1)" || bad "button: state $(state)"
[ "$(output)" = "true" ] && ok "output_state TRUE again" || bad "output $(output)"
E3=$(energy); sleep 1.5; E4=$(energy)
[ -n "$E3" ] && [ "$E4" -gt "$E3" ] && ok "connected: A+ goes on ($E3 -> $E4 Wh)" || bad "A+ after reconnection: $E3 -> $E4"
if run dlog 0 "${MGT[@]}" get 0.0.99.98.2.255 2; then
    # the codes in order: 62 remote disconnection, 59 ready for manual reconnection, 61 manual
    # connection (IDIS event codes, references/idis-objects.md 6.1)
    codes=$(grep -oE ', [0-9]+\}' "$TMP/dlog.out" | tr -dc '0-9\n' | tr '\n' ' ')
    [ "$codes" = "62 59 61 " ] && ok "disconnector log: $codes" || bad "disconnector log codes: $codes"
fi

# the disconnector's scripts (0.0.10.0.106.255): script 1 a local disconnection (g: connected ->
# ready for reconnection, 64), script 2 a local reconnection (h, mode 5: -> connected, 69);
# references/idis-objects.md section 8 (g, h: "local ... script"); a script the table lacks:
# other-reason
run sc1 0 "${MGT[@]}" action 0.0.10.0.106.255 1 u16:1 && ok "disconnector script 1 executed"
[ "$(state)" = "2" ] && [ "$(output)" = "false" ] && ok "script 1: transition g, ready for reconnection (2), open" ||
    bad "after script 1: state $(state), output $(output)"
run sc2 0 "${MGT[@]}" action 0.0.10.0.106.255 1 u16:2 && ok "disconnector script 2 executed"
[ "$(state)" = "1" ] && [ "$(output)" = "true" ] && ok "script 2: transition h, connected (1)" ||
    bad "after script 2: state $(state), output $(output)"
run sc9 1 "${MGT[@]}" action 0.0.10.0.106.255 1 u16:9 && grep -q "other-reason" "$TMP/sc9.err" &&
    ok "script 9: $(cat "$TMP/sc9.err")"
run dlog1 0 "${MGT[@]}" get 0.0.99.98.2.255 2
codes=$(grep -oE ', [0-9]+\}' "$TMP/dlog1.out" | tr -dc '0-9\n' | tr '\n' ' ')
[ "$codes" = "62 59 61 64 69 " ] && ok "disconnector log: $codes" || bad "disconnector log codes: $codes"

# 3. tamper through the control pipe
run pw 0 "${MGT[@]}" get 1.0.1.7.0.255 2
P0=$(cat "$TMP/pw.out")
inject "magnetic-field 30 s"
inject "cover terminal 20 s"
wait_for 50 ', 42\}' "${MGT[@]}" get 0.0.99.98.1.255 2 && ok "fraud log: strong field detected (42)" || bad "no 42"
run pwf 0 "${MGT[@]}" get 1.0.1.7.0.255 2
PF=$(cat "$TMP/pwf.out")
awk -v p="$PF" 'BEGIN { exit !(p >= 2288.5 && p <= 2311.5) }' &&
    ok "in the field the power reads $PF W (2300 W +- 0.5 %): the metrology is unaffected" ||
    bad "power in the field: $PF W (before: $P0 W)"
wait_for 80 ', 43\}' "${MGT[@]}" get 0.0.99.98.1.255 2 && ok "fraud log: field gone (43)" || bad "no 43"
wait_for 50 ', 41\}' "${MGT[@]}" get 0.0.99.98.1.255 2 && ok "fraud log: terminal cover closed (41)" || bad "no 41"
run flog 0 "${MGT[@]}" get 0.0.99.98.1.255 2 && grep -q ", 40}" "$TMP/flog.out" &&
    ok "fraud log: terminal cover removed (40)" || bad "no 40: $(cat "$TMP/flog.out")"
run fc 0 "${MGT[@]}" get 0.0.96.20.15.255 2 && [ "$(cat "$TMP/fc.out")" = "1" ] &&
    ok "magnetic field counter 0.0.96.20.15.255 = 1" || bad "field counter $(cat "$TMP/fc.out")"
run cc 0 "${MGT[@]}" get 0.0.96.20.5.255 2 && [ "$(cat "$TMP/cc.out")" = "1" ] &&
    ok "terminal cover counter 0.0.96.20.5.255 = 1" || bad "cover counter $(cat "$TMP/cc.out")"
run a1 0 "${MGT[@]}" get 0.0.97.98.0.255 2
A1=$(cat "$TMP/a1.out")
[ $((A1 & 12)) -eq 12 ] && ok "alarm register 1 = $A1: bits 2 (cover) and 3 (field)" || bad "alarm register 1 = $A1"
run a1clr 0 "${MGT[@]}" set 0.0.97.98.0.255 2 u32:0 && run a1b 0 "${MGT[@]}" get 0.0.97.98.0.255 2 &&
    [ "$(cat "$TMP/a1b.out")" = "0" ] && ok "alarm register 1 cleared by writing 0" ||
    bad "alarm register 1 after the clear: $(cat "$TMP/a1b.out")"
run pubalarm 1 "${PUB[@]}" set 0.0.97.98.0.255 2 u32:0 && ok "the public client cannot clear alarms"

# 4. prepayment: 20 Wh, used up by 2300 W in 20 / 2300 h = 31.3 s
run low 0 "${MGT[@]}" set 0.0.19.0.0.255 16 i32:5
run top1 0 "${MGT[@]}" action 0.0.19.40.0.255 1 octets:0000000100000014 && ok "top-up id 1, 20 Wh"
run act 0 "${MGT[@]}" action 0.0.19.0.0.255 1 i8:0 && ok "account activated"
wait_for 150 '^2$' state && ok "credit used up: local disconnection g, ready for reconnection (2)" ||
    bad "credit: state $(state)"
[ "$(output)" = "false" ] && ok "the breaker is open" || bad "output $(output)"
run std 0 "${MGT[@]}" get 0.0.99.98.0.255 2
grep -q ", 233}" "$TMP/std.out" && ok "standard log: out of credit (233)" || bad "no 233: $(tail -c 300 "$TMP/std.out")"
grep -q ", 232}" "$TMP/std.out" && ok "standard log: low credit (232) before it" || bad "no 232"
run dlog2 0 "${MGT[@]}" get 0.0.99.98.2.255 2 && grep -q ", 64}" "$TMP/dlog2.out" &&
    ok "disconnector log: local disconnection (64)" || bad "no 64"
run top1b 1 "${MGT[@]}" action 0.0.19.40.0.255 1 octets:0000000100000014 &&
    ok "the same token again: refused ($(cat "$TMP/top1b.err"))"
run std2 0 "${MGT[@]}" get 0.0.99.98.0.255 2 && grep -q ", 231}" "$TMP/std2.out" &&
    ok "standard log: top-up refused (231)" || bad "no 231"
# the emergency credit (2000 Wh by default), invoked by the head-end while the credit is used up:
# Credit 0.0.19.10.1.255 credit_status 3 (in use); available = 2000 + the token credit (20 Wh
# bought less the little over 20 Wh used: at most a second of 2300 W, 0.64 Wh, past 0)
run emg 0 "${MGT[@]}" action 0.0.19.10.1.255 3 enum:0 && ok "emergency credit invoked"
[ "$(getv 0.0.19.10.1.255 8)" = "3" ] && ok "emergency credit status 3 (in use)" ||
    bad "emergency credit status $(getv 0.0.19.10.1.255 8)"
AV=$(getv 0.0.19.0.0.255 5)
[ -n "$AV" ] && [ "$AV" -ge 1990 ] && [ "$AV" -le 2000 ] && ok "available credit $AV Wh (2000 emergency + ~0)" ||
    bad "available credit with the emergency credit: $AV"
run top2 0 "${MGT[@]}" action 0.0.19.40.0.255 1 octets:00000002000003E8 && ok "top-up id 2, 1000 Wh"
[ "$(state)" = "2" ] && ok "credit back, no automatic reconnection (default): still ready (2)" ||
    bad "after top-up 2: state $(state)"
inject button
wait_for 50 '^1$' state && ok "the button reconnects (e): connected (1)" || bad "after the button: state $(state)"
run cred 0 "${MGT[@]}" get 0.0.19.0.0.255 5
C=$(cat "$TMP/cred.out")
# available credit: 1020 Wh bought, at least the first 20 Wh used, and at most 2300 W for the
# few seconds of the meter's time since
awk -v c="$C" 'BEGIN { exit !(c <= 1000 && c >= 900) }' && ok "available credit $C Wh (1020 bought, > 20 used)" ||
    bad "available credit $C Wh"
run acc 0 "${MGT[@]}" action 0.0.19.0.0.255 2 i8:0 && ok "account closed (no more charging)"

# 5. a welded contact
inject "welded-relay 1 h"
wait_for 50 'welded-relay' cat "$TMP/meterd.out" || bad "meterd did not take the weld"
sleep 0.2 # the board takes it with the next state of the scenario (at once in sample fidelity)
run wdisc 0 "${MGT[@]}" action $DC 1 i8:0
wait_for 50 ', 68\}' "${MGT[@]}" get 0.0.99.98.2.255 2 && ok "welded contact: disconnect failure (68)" || bad "no 68"
[ "$(state)" = "0" ] && [ "$(output)" = "true" ] && ok "control_state 0 but output_state TRUE (the contact is closed)" ||
    bad "welded: state $(state), output $(output)"
run a2 0 "${MGT[@]}" get 0.0.97.98.1.255 2
A2=$(cat "$TMP/a2.out")
[ $((A2 >> 31 & 1)) -eq 1 ] && ok "alarm register 2 = $A2: bit 31 disconnect/reconnect failure" || bad "alarm register 2 = $A2"

# 6. a voltage quality threshold, written and persisted
run sag 0 "${MGT[@]}" set 1.0.12.31.0.255 2 u16:2000 && ok "sag threshold set to 200.0 V"
run pubsag 1 "${PUB[@]}" set 1.0.12.31.0.255 2 u16:2070 && ok "the public client cannot set it"
kill "$PID"; wait "$PID" 2>/dev/null
[ ! -e "$CTL" ] && ok "the control pipe is gone with meterd" || bad "the control pipe is left"
start_meterd --state-dir "$TMP/st" --breaker --scenario "$TMP/heater.scn" --speed 50
MGT=("$METERCTL" -p "$PORT" -K "$CKEYS")
run sag2 0 "${MGT[@]}" get 1.0.12.31.0.255 2 && [ "$(cat "$TMP/sag2.out")" = "2000" ] &&
    ok "after a restart the sag threshold reads 2000 (x 0.1 V)" || bad "sag threshold $(cat "$TMP/sag2.out")"
[ "$(state)" = "0" ] && ok "after a restart the breaker is still disconnected (0)" || bad "restart: state $(state)"

# 7. a friendly period: a 162M with breaker, 11:00 local (CET) inside a friendly period 10:00 to
# 12:00: the credit runs out and below 0 without a disconnection; the friendly period removed
# (from = to: none), the out-of-credit meter disconnects (g: ready, 2)
kill "$PID"; wait "$PID" 2>/dev/null
PID=""
start_meterd --state-dir "$TMP/f" --keys "$KEYS" --model 162M --breaker --scenario "$TMP/heater.scn" \
    --start 2026-12-01T10:00:00Z --speed 50
MGT=("$METERCTL" -p "$PORT" -K "$CKEYS")
run fr 0 "${MGT[@]}" set 0.0.96.50.20.255 2 'struct(octets:0A000000, octets:0C000000, false, false)' &&
    ok "friendly period 10:00 to 12:00"
run ftop 0 "${MGT[@]}" action 0.0.19.40.0.255 1 octets:0000000100000005 &&
    run fact 0 "${MGT[@]}" action 0.0.19.0.0.255 1 i8:0 && ok "top-up 5 Wh, account active"
neg() { v=$(getv 0.0.19.0.0.255 5); [ -n "$v" ] && [ "$v" -lt -5 ] && echo yes; }
wait_for 150 yes neg && ok "credit below 0 ($(getv 0.0.19.0.0.255 5) Wh) in the friendly period" ||
    bad "credit in the friendly period: $(getv 0.0.19.0.0.255 5)"
[ "$(state)" = "1" ] && ok "no disconnection in the friendly period (still 1)" || bad "friendly: state $(state)"
run fr0 0 "${MGT[@]}" set 0.0.96.50.20.255 2 'struct(octets:00000000, octets:00000000, false, false)'
wait_for 100 '^2$' state && ok "friendly period removed: disconnected (g, ready 2)" || bad "after: state $(state)"

if [ "$fails" -ne 0 ]; then
    echo "meterd said:"; cat "$TMP/meterd.out"
    echo "FAIL: $fails check(s)"; exit 1
fi
echo "PASS"
