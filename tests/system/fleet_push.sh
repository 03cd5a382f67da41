#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# fleetd --push: 20 meters on 4 feeders push to a head-end listener of the tests' own
# (tests/support/consumer_read.py push: the IEC 62056-47 wrapper and the data-notification read
# independently of the firmware). The fleet runs 30 minutes as fast as it can (--until) with an
# outage of feeder 3 at 00:10 for 5 minutes. Expected here, independently of fleetd: which meters
# are on feeder 3 (serial mod 4, docs/fleet.md), the logical device name "MFW" + serial. Checks:
#  - at start every meter pushes connectivity, installation and one alarm (its power-up: alarm
#    register 2 bit 1, power resume), before the outage;
#  - after the outage starts, exactly the meters of feeder 3 push an alarm, one each, with
#    register 2 bit 1 set, and connectivity and installation again (the module is fitted again at
#    the power-up); every other meter pushes no alarm, connectivity or installation then;
#  - every push has source wPort 1 (the management logical device), destination wPort 1;
#  - with nothing listening at the destination fleetd still runs the 30 minutes at once (a failed
#    send holds the sends, the pushes stay due) and counts the failures.
# $1 = build tree, $2 = source tree.
set -u
FLEETD="$1/port/fleet/fleetd"
READ=(python3 "$2/tests/support/consumer_read.py")
[ -x "$FLEETD" ] || { echo "FAIL: no fleetd at $FLEETD"; exit 1; }
TMP=$(mktemp -d)
LPID=
cleanup() {
    [ -n "$LPID" ] && kill "$LPID" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT

cat >"$TMP/test.fleet" <<'EOF2'
meters 20
seed 11
serial-base 40000001
feeders 4
at 2026-12-01T00:10:00Z outage feeder 3 for 5 min
EOF2
printf '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n' >"$TMP/secret"
chmod 600 "$TMP/secret"

"${READ[@]}" push "$TMP/lport" 100000 50 >"$TMP/push.json" 2>"$TMP/rerr" &
LPID=$!
for _ in $(seq 1 250); do [ -s "$TMP/lport" ] && break; sleep 0.02; done
LPORT=$(cat "$TMP/lport")
timeout 60 "$FLEETD" --config "$TMP/test.fleet" --secret "$TMP/secret" --state-dir "$TMP/state" \
    --start 2026-12-01T00:00:00Z --until 2026-12-01T00:30:00Z --shared-port 0 \
    --push "127.0.0.1:$LPORT" --quiet 2>"$TMP/err"
frc=$?
# each push is a connection of its own, closed before fleetd goes on: all have arrived; the
# listener writes a line as each comes
sleep 0.5
kill "$LPID" 2>/dev/null
wait "$LPID" 2>/dev/null
LPID=
rc=0
[ "$frc" -eq 0 ] || { echo "FAIL: fleetd exit $frc"; cat "$TMP/err"; rc=1; }

python3 - "$TMP" <<'PY' || rc=1
import datetime, json, os, sys
tmp = sys.argv[1]
N, FEEDERS, OUT_FEEDER = 20, 4, 3
start = datetime.datetime(2026, 12, 1, 0, 0, tzinfo=datetime.timezone.utc)
outage = datetime.datetime(2026, 12, 1, 0, 10, tzinfo=datetime.timezone.utc)
serials = [str(40000001 + i) for i in range(N)]
on_feeder = {s for s in serials if int(s) % FEEDERS == OUT_FEEDER}
fails = 0
def check(ok, what):
    global fails
    if not ok:
        fails += 1
        print("FAIL:", what)
def when(h):
    """the data-notification's date-time (local, deviation in minutes: UTC = local + deviation)"""
    b = bytes.fromhex(h)
    dev = int.from_bytes(b[9:11], "big", signed=True)
    local = datetime.datetime(int.from_bytes(b[0:2], "big"), b[2], b[3], b[5], b[6], b[7],
                              tzinfo=datetime.timezone.utc)
    return local + datetime.timedelta(minutes=dev)
names = {"0000190900ff": "connectivity", "0007190900ff": "installation", "0004190900ff": "alarm",
         "0001190900ff": "interval"}
pushes = []
for line in open(os.path.join(tmp, "push.json")):
    f = json.loads(line)
    check(f["src_wport"] == 1 and f["dst_wport"] == 1, f"wPorts {f['src_wport']} {f['dst_wport']}")
    ldn = bytes.fromhex(f["values"][0]).decode()
    check(ldn.startswith("MFW") and ldn[3:] in serials, f"LDN {ldn!r}")
    kind = names.get(f["list"][0][1], "?")
    reg2 = f["values"][3] if kind == "alarm" else None
    pushes.append((ldn[3:], kind, when(f["datetime"]), reg2))
check(on_feeder and len(on_feeder) < N, f"feeder {OUT_FEEDER}: {sorted(on_feeder)}")
for s in serials:
    before = [p for p in pushes if p[0] == s and p[2] < outage]
    after = [p for p in pushes if p[0] == s and p[2] >= outage]
    kinds_b = sorted(p[1] for p in before if p[1] != "interval")
    check(kinds_b == ["alarm", "connectivity", "installation"],
          f"{s}: start-up pushes {kinds_b}")
    check(all(p[3] & 2 for p in before if p[1] == "alarm"), f"{s}: start-up alarm without bit 1")
    alarms = [p for p in after if p[1] == "alarm"]
    kinds_a = sorted(p[1] for p in after if p[1] != "interval")
    if s in on_feeder:
        check(len(alarms) == 1 and alarms[0][3] & 2 and alarms[0][2] < outage +
              datetime.timedelta(minutes=6), f"{s} (feeder {OUT_FEEDER}): alarms after the outage {alarms}")
        check(kinds_a == ["alarm", "connectivity", "installation"], f"{s}: after the outage {kinds_a}")
    else:
        check(kinds_a == [], f"{s} (feeder {int(s) % FEEDERS}): pushes after the outage {kinds_a}")
n_alarm = sum(1 for p in pushes if p[1] == "alarm" and p[2] >= outage)
print(f"{'ok' if fails == 0 else 'FAIL'}: {len(pushes)} pushes from {N} meters; after the outage "
      f"{n_alarm} alarm pushes, from exactly the {len(on_feeder)} meters of feeder {OUT_FEEDER} "
      f"(register 2 bit 1) ({fails} failures)")
sys.exit(1 if fails else 0)
PY

# the head-end down: nothing listens on the port any more
t0=$(date +%s)
timeout 60 "$FLEETD" --config "$TMP/test.fleet" --secret "$TMP/secret" --state-dir "$TMP/state2" \
    --start 2026-12-01T00:00:00Z --until 2026-12-01T00:30:00Z --shared-port 0 \
    --push "127.0.0.1:$LPORT" --quiet 2>"$TMP/err2"
frc=$?
t1=$(date +%s)
if [ "$frc" -eq 0 ] && [ $((t1 - t0)) -le 10 ] &&
    grep -q '^fleetd: pushes: 0 sent, [1-9][0-9]* failed' "$TMP/err2"; then
    echo "ok: the head-end down: 30 minutes in $((t1 - t0)) s, $(sed -n 's/^fleetd: pushes: //p' "$TMP/err2")"
else
    echo "FAIL: the head-end down: exit $frc in $((t1 - t0)) s"; cat "$TMP/err2"; rc=1
fi
exit $rc
