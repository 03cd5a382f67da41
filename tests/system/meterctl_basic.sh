#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# meterctl against a running meterd (docs/meterctl.md): the DLMS client on the meter's own codec,
# end to end over TCP with the IEC 62056-47 wrapper.
#  1. meterd fills one day (2026-01-05, household scenario) in fast fidelity, then runs in real
#     time on a free port (--port 0; the port is read from its "DLMS/COSEM server on" line);
#  2. public client (SAP 16): list holds the clock (class 8) and the association (15); the clock
#     reads as an ISO date-time; the energy register is not in its object list (exit 1);
#  3. management client (SAP 1, HLS-GMAC, every APDU authenticated and encrypted, the keys from a
#     mode-0600 file): A+ is a positive integer; the load profile of the
#     day by range is a CSV with the 6 capture objects as columns and 96 rows 15 min apart
#     (00:15Z .. 24:00Z), A+ non-decreasing and not above the register read before;
#     LLS is off: a password is refused ("authentication-mechanism-name-not-recognised"), and so
#     is a wrong key; writing the logical device name
#     is refused with "read-write-denied"; `time sync` brings the clock to the host's UTC; a
#     passive calendar uploads and reads back; `get -T` output writes back unchanged (DST begin
#     date-time with wildcards); A+ scaler_unit is {i8, enum 30 (Wh)}; clock shift_time(0)
#     succeeds;
#  4. usage errors exit 2, unknown objects exit 1, a closed port exits 3.
# $1 = build tree (meterd at $1/port/posix/meterd, meterctl at $1/tools/meterctl/meterctl),
# $2 = source tree.
set -u
. "$(dirname "$0")/lib/meterctl_env.bash"

# 1. a day of history, then real time
if ! timeout 120 "$METERD" --no-display --no-dlms --state-dir "$TMP/st" --keys "$KEYS" \
        --start 2026-01-05T00:00:00Z --until 2026-01-06T00:00:00Z >"$TMP/fill.out" 2>&1; then
    echo "FAIL: meterd --until: $(cat "$TMP/fill.out")"; exit 1
fi
start_meterd --state-dir "$TMP/st"
ok "meterd serves DLMS on 127.0.0.1:$PORT"

PUB=("$METERCTL" -p "$PORT")
MGT=("$METERCTL" -p "$PORT" -K "$CKEYS")
# run <name> <expected exit> <cmd...>: stdout in $TMP/<name>.out, stderr in $TMP/<name>.err

# 2. public client
if run list 0 "${PUB[@]}" list; then
    if grep -Eq '^8 +0 +0\.0\.1\.0\.0\.255 ' "$TMP/list.out" &&
        grep -Eq '^15 +[0-9]+ +0\.0\.40\.0\.0\.255 ' "$TMP/list.out"; then
        ok "public list: $(tail -1 "$TMP/list.out"), clock and association present"
    else
        bad "public list lacks the clock or the association: $(cat "$TMP/list.out")"
    fi
fi
ISO='^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{2})?(Z|[+-][0-9]{2}:[0-9]{2})$'
if run clock 0 "${PUB[@]}" get 0.0.1.0.0.255 2; then
    if grep -Eq "$ISO" "$TMP/clock.out"; then ok "clock: $(cat "$TMP/clock.out")"
    else bad "clock is not ISO: $(cat "$TMP/clock.out")"; fi
fi
if run ldn 0 "${PUB[@]}" get 0.0.42.0.0.255 2; then
    if grep -Eq '^[0-9A-F]+$' "$TMP/ldn.out"; then ok "logical device name: $(cat "$TMP/ldn.out")"
    else bad "logical device name is not hex: $(cat "$TMP/ldn.out")"; fi
fi
if run pub_energy 1 "${PUB[@]}" get 1.0.1.8.0.255 2; then
    ok "public client: $(cat "$TMP/pub_energy.err")"
fi

# 3. management client
if run energy 0 "${MGT[@]}" get 1.0.1.8.0.255 2; then
    if grep -Eq '^[1-9][0-9]*$' "$TMP/energy.out"; then ok "A+ = $(cat "$TMP/energy.out")"
    else bad "A+ is not a positive integer: $(cat "$TMP/energy.out")"; fi
fi
if run profile 0 "${MGT[@]}" profile 1.0.99.1.0.255 --from 2026-01-05T00:00:00Z \
        --to 2026-01-06T00:00:00Z; then
    if python3 - "$TMP/profile.out" "$(cat "$TMP/energy.out" 2>/dev/null)" >"$TMP/profile.chk" \
        2>&1 <<'PY'
import csv, sys
from datetime import datetime, timedelta, timezone
rows = list(csv.reader(open(sys.argv[1])))
head, body = rows[0], rows[1:]
assert head[0] == "0.0.1.0.0.255" and "1.0.1.8.0.255" in head and len(head) == 6, head
assert len(body) == 96, f"{len(body)} rows"
t = [datetime.fromisoformat(r[0].replace("Z", "+00:00")) for r in body]
assert t[0] == datetime(2026, 1, 5, 0, 15, tzinfo=timezone.utc), t[0]
assert all(b - a == timedelta(minutes=15) for a, b in zip(t, t[1:])), "not 15 min apart"
a = head.index("1.0.1.8.0.255")
e = [int(r[a]) for r in body]
assert all(y >= x for x, y in zip(e, e[1:])) and e[-1] > 0, "A+ not increasing"
if sys.argv[2]:
    assert e[-1] <= int(sys.argv[2]), "profile A+ above the register"
print(f"{len(body)} rows {t[0].isoformat()} .. {t[-1].isoformat()}, A+ {e[0]} .. {e[-1]} Wh")
PY
    then ok "profile by range: $(cat "$TMP/profile.chk")"
    else bad "profile CSV: $(tail -1 "$TMP/profile.chk"); $(head -3 "$TMP/profile.out")"; fi
fi
if run badpw 1 "$METERCTL" -p "$PORT" -P 00000001 list; then
    if grep -q "authentication-mechanism-name-not-recognised" "$TMP/badpw.err"; then
        ok "LLS is off: $(cat "$TMP/badpw.err")"
    else bad "LLS refusal not named: $(cat "$TMP/badpw.err")"; fi
fi
sed 's/^guek = 0001/guek = 0101/' "$CKEYS" >"$TMP/wrong.keys" && chmod 600 "$TMP/wrong.keys"
if run badkey 1 "$METERCTL" -p "$PORT" -K "$TMP/wrong.keys" list; then
    if grep -q "association rejected" "$TMP/badkey.err"; then ok "wrong key: $(cat "$TMP/badkey.err")"
    else bad "wrong key not refused as such: $(cat "$TMP/badkey.err")"; fi
fi
if run denied 1 "${MGT[@]}" set 0.0.42.0.0.255 2 octets:01; then
    if grep -q "read-write-denied" "$TMP/denied.err"; then ok "$(cat "$TMP/denied.err")"
    else bad "denied SET not named: $(cat "$TMP/denied.err")"; fi
fi
if run sync 0 "${MGT[@]}" time sync && run clock2 0 "${MGT[@]}" get 0.0.1.0.0.255 2; then
    if python3 - "$(cat "$TMP/clock2.out")" <<'PY'
import sys
from datetime import datetime, timezone
t = datetime.fromisoformat(sys.argv[1].replace("Z", "+00:00"))
d = abs((t - datetime.now(timezone.utc)).total_seconds())
assert d < 5, f"{d} s from the host"
PY
    then ok "time sync: $(cat "$TMP/sync.out")"
    else bad "clock after time sync: $(cat "$TMP/clock2.out")"; fi
fi
cat >"$TMP/cal.txt" <<'CAL'
# two tariffs on working days, one at weekends
name     TEST2027
day      1 00:00=1 07:00=2 21:00=1
day      2 00:00=1
week     normal 1 1 1 1 1 2 2
season   all *-01-01T00:00 normal
activate 2027-01-01T00:00:00Z
CAL
if run cal 0 "${MGT[@]}" calendar upload "$TMP/cal.txt" && run calname 0 "${MGT[@]}" get 0.0.13.0.0.255 6 &&
    run calweek 0 "${MGT[@]}" get 0.0.13.0.0.255 8; then
    if [ "$(cat "$TMP/calname.out")" = "5445535432303237" ] &&
        grep -q '{6E6F726D616C, 1, 1, 1, 1, 1, 2, 2}' "$TMP/calweek.out"; then
        ok "calendar upload: $(cat "$TMP/cal.out")"
    else bad "passive calendar reads back as: $(cat "$TMP/calname.out") $(cat "$TMP/calweek.out")"; fi
fi
# typed notation round trip: what get -T prints, set takes back unchanged (DST begin, a date-time
# with wildcards and a day of week; the scaler_unit structure of A+)
if run dst 0 "${MGT[@]}" -T get 0.0.1.0.0.255 5 &&
    run dstset 0 "${MGT[@]}" set 0.0.1.0.0.255 5 "$(cat "$TMP/dst.out")" &&
    run dst2 0 "${MGT[@]}" -T get 0.0.1.0.0.255 5; then
    if cmp -s "$TMP/dst.out" "$TMP/dst2.out"; then ok "typed round trip: $(cat "$TMP/dst.out")"
    else bad "typed round trip: $(cat "$TMP/dst.out") became $(cat "$TMP/dst2.out")"; fi
fi
if run su 0 "${MGT[@]}" -T get 1.0.1.8.0.255 3; then
    if grep -Eq '^struct\(i8:-?[0-9]+, enum:30\)$' "$TMP/su.out"; then ok "A+ scaler_unit: $(cat "$TMP/su.out")"
    else bad "A+ scaler_unit: $(cat "$TMP/su.out")"; fi
fi
if run shift 0 "${MGT[@]}" action 0.0.1.0.0.255 6 i16:0; then ok "clock shift_time(0): $(cat "$TMP/shift.out")"; fi

# 4. errors
run usage 2 "$METERCTL" frobnicate && ok "unknown command: exit 2"
run badval 2 "${MGT[@]}" set 1.0.99.1.0.255 4 900 && ok "untyped value: $(cat "$TMP/badval.err")"
run unknown 1 "${MGT[@]}" get 9.9.9.9.9.9 2 && ok "$(cat "$TMP/unknown.err")"
run closed 3 "$METERCTL" -p 1 list && ok "closed port: $(cat "$TMP/closed.err")"

if [ "$fails" -ne 0 ]; then
    echo "meterd said:"; cat "$TMP/meterd.out"
    echo "FAIL: $fails check(s)"; exit 1
fi
echo "PASS"
