#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The consumer channel's P1 telegram (DSMR 5.0.2) from meterd --module p1=tcp:0, read with the
# tests' own reader (tests/support/consumer_read.py, checked first against the published example
# telegram), against values worked out by hand and against the registers read over DLMS.
#
# Scenario and hand computation as tests/system/meterctl_values.sh: 230 V; L1 2300 W at PF 1;
# L2 1150 W at PF 0.5 inductive; fill 2026-06-03 00:00 .. 10:00 CEST in fast fidelity, then run
# at --speed 1 from there. So, in the telegram:
#   A+ T2 = 3450 W x 7 h = 24.150 kWh exactly (no T2 after 07:00 on a summer Wednesday)
#   active tariff 0001; A- 0; P+ = 2.300 + 1.150 = 3.450 kW; P+ L1 2.300 kW, L2 1.150 kW, L3 0
#   U L1 = 230.0 V; I L1 = 2300 / 230 = 10 A; I L2 = 1150 / (230 x 0.5) = 10 A
#   the time 0-0:1.0.0 in CEST with S (summer)
# $1 = build tree, $2 = source tree.
set -u
. "$(dirname "$0")/lib/meterctl_env.bash"
READ=(python3 "$2/tests/support/consumer_read.py")
"${READ[@]}" --self-test "$2/tests/vectors" >/dev/null || { echo "FAIL: the reader's self-test"; exit 1; }
ok "the reader reads the published DSMR 5.0.2 example (CRC 6EEE)"

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
start_meterd --scenario "$TMP/load.scn" --state-dir "$TMP/st" --speed 1 --module p1=tcp:0
P1PORT=$(module_port "P1 telegrams") || exit 1
ok "meterd fits the P1 module in slot 1 on port $P1PORT"

MGT=("$METERCTL" -p "$PORT" -K "$CKEYS")
get() { timeout 30 "${MGT[@]}" get "$1" "$2" 2>"$TMP/err" | tr -d '\r'; }
if ! timeout 30 "${READ[@]}" p1 "$P1PORT" 2 >"$TMP/t.json" 2>"$TMP/rerr"; then
    bad "no telegrams: $(cat "$TMP/rerr")"
fi
val() { # N OBIS: the value of OBIS in telegram N (1-based)
    sed -n "${1}p" "$TMP/t.json" | python3 -c "import json,sys; print(json.load(sys.stdin)['lines'].get('$2','MISSING'))"
}
field() { sed -n "${1}p" "$TMP/t.json" | python3 -c "import json,sys; print(json.load(sys.stdin)['$2'])"; }
[ "$(field 1 crc_ok)" = "True" ] && [ "$(field 2 crc_ok)" = "True" ] && ok "two telegrams, CRC-16 right" ||
    bad "CRC: $(cat "$TMP/t.json")"
[ "$(field 1 ident)" = 'MFW5\2meterfw-382M' ] && ok "identification /MFW5\\2meterfw-382M" ||
    bad "identification '$(field 1 ident)'"
want() { # N OBIS VALUE WHY
    local v
    v=$(val "$1" "$2")
    [ "$v" = "$3" ] && ok "$2 = $v ($4)" || bad "$2 = '$v', want '$3' ($4)"
}
want 1 1-3:0.2.8 '(50)' "DSMR version 5.0"
want 1 1-0:1.8.2 '(000024.150*kWh)' "3450 W x 7 h"
want 1 1-0:2.8.1 '(000000.000*kWh)' "no export"
want 1 0-0:96.14.0 '(0001)' "T1 at 10:00 on a summer working day"
want 1 1-0:1.7.0 '(03.450*kW)' "2300 + 1150 W"
want 1 1-0:21.7.0 '(02.300*kW)' "L1"
want 1 1-0:41.7.0 '(01.150*kW)' "L2"
want 1 1-0:61.7.0 '(00.000*kW)' "L3"
want 1 1-0:32.7.0 '(0230.0*V)' "230 V"
want 1 1-0:31.7.0 '(010*A)' "2300 W / 230 V"
want 1 1-0:51.7.0 '(010*A)' "1150 W / (230 V x 0.5)"
want 1 0-0:96.1.1 '(3030303030303031)' "the serial 00000001, hex-coded"
tst=$(val 1 0-0:1.0.0)
case "$tst" in
"(260603"[01][0-9][0-5][0-9][0-5][0-9]"S)") ok "time $tst (CEST, S)" ;;
*) bad "time '$tst'" ;;
esac

# the same register over DLMS: A+ T2 is exact; A+ total within what the seconds between add
t2=$(get 1.0.1.8.2.255 2)
[ "$t2" = "24150" ] && ok "DLMS A+ T2 = $t2 Wh = the telegram's 24.150 kWh" || bad "DLMS A+ T2 '$t2'"
dl=$(get 1.0.1.8.0.255 2)
"${READ[@]}" p1 "$P1PORT" 1 >"$TMP/t2.json" 2>/dev/null
tl=$(sed -n 1p "$TMP/t2.json" | python3 -c "import json,sys; v=json.load(sys.stdin)['lines']['1-0:1.8.0']; print(int(round(float(v[1:v.index('*')])*1000)))")
if [ -n "$dl" ] && [ -n "$tl" ] && [ "$tl" -ge "$dl" ] && [ "$tl" -le $((dl + 10)) ]; then
    ok "A+ total: DLMS $dl Wh, the next telegram $tl Wh (3450 W adds ~1 Wh/s)"
else
    bad "A+ total: DLMS '$dl' Wh, telegram '$tl' Wh"
fi

# the module as the object model shows it, and the consumer message through it
mod=$(get 0.0.96.128.1.255 2)
case "$mod" in *2*"P1 DSMR 5.0.2"*) ok "0.0.96.128.1.255 = $mod" ;; *) bad "module view '$mod': $(cat "$TMP/err")" ;; esac
if timeout 30 "${MGT[@]}" set 0.0.96.13.0.255 2 octets:48656C6C6F >/dev/null 2>"$TMP/err"; then
    ok "consumer message set over DLMS"
else
    bad "set 0.0.96.13.0.255: $(cat "$TMP/err")"
fi
"${READ[@]}" p1 "$P1PORT" 1 >"$TMP/t3.json" 2>/dev/null
msg=$(sed -n 1p "$TMP/t3.json" | python3 -c "import json,sys; print(json.load(sys.stdin)['lines']['0-0:96.13.0'])")
[ "$msg" = "(48656C6C6F)" ] && ok "0-0:96.13.0 = $msg (\"Hello\", hex-coded)" || bad "text message '$msg'"
if timeout 30 "${MGT[@]}" set 0.0.96.13.0.255 2 octets:610A62 >/dev/null 2>&1; then
    bad "a message with LF accepted"
else
    ok "a message with LF refused (DSMR 5.0.2 7.2)"
fi

# the consumer channel switched off and on over DLMS (0.0.96.128.10.255)
if timeout 30 "${MGT[@]}" set 0.0.96.128.10.255 2 false >/dev/null 2>"$TMP/err"; then
    if "${READ[@]}" p1 "$P1PORT" 1 >/dev/null 2>&1; then
        bad "a telegram while the consumer channel is off"
    else
        ok "consumer channel off over DLMS: no telegram"
    fi
    timeout 30 "${MGT[@]}" set 0.0.96.128.10.255 2 true >/dev/null 2>&1
    "${READ[@]}" p1 "$P1PORT" 1 >/dev/null 2>&1 && ok "and on again: telegrams" || bad "no telegram after on"
else
    bad "set 0.0.96.128.10.255: $(cat "$TMP/err")"
fi

# nothing on the P1 port changes the meter: bytes sent to it are taken and dropped
python3 -c "
import socket; s=socket.create_connection(('127.0.0.1',$P1PORT)); s.sendall(b'/?!\r\n' + bytes(range(256))*8); s.close()"
t2b=$(get 1.0.1.8.2.255 2)
[ "$t2b" = "24150" ] && kill -0 "$PID" 2>/dev/null && ok "bytes sent into the P1 port: the meter runs, A+ T2 unchanged" ||
    bad "after input on P1: A+ T2 '$t2b'"

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; cat "$TMP/meterd.out"; exit 1; }
echo "all ok"
