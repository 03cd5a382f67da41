#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# meterd with outages (fast fidelity, one day each): the meter powers down when the scenario's
# supply goes and up when it is back. Checked against values computed here from the scenario,
# independently of the meter:
#  - an all-phase outage of 2 h: A+ = load power x time with power; the power failure log holds
#    one all-phase entry (mask 7) of 7200 s starting at the outage; the standard log has the
#    power down (1) at the outage and the power up (2) at its end;
#  - an outage of L2 for 20 min: A+ lacks L2's share for 20 min; one power failure log entry of
#    1200 s with phase mask 2, and the meter never powers down;
#  - --rtc-lost on a second run: the load profile rows after the restart carry the
#    clock-invalid status bit (0x02), those before do not; the clock reports status invalid.
# Every report must be valid JSON (python3 -m json.tool).
# $1 = build tree (meterd at $1/port/posix/meterd), $2 = source tree.
set -u
METERD="$1/port/posix/meterd"
[ -x "$METERD" ] || { echo "FAIL: no meterd at $METERD"; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0

DAY0=2026-01-05T00:00:00Z
DAY1=2026-01-06T00:00:00Z
# 3000 W resistive, 1000 W per phase (docs/scenario.md: "load NAME [L1|L2|L3|all] POWER [pf X]")
scenario() { # scenario <file> <event line>
    cat >"$1" <<SCN
name outage-test
voltage 230 V
frequency 50 Hz
load heater all 3000 W pf 1
$2
SCN
}
scenario "$TMP/all.scn" "at 2026-01-05T06:07:30Z outage 2 h"
scenario "$TMP/l2.scn" "at 2026-01-05T12:00:10Z outage L2 20 min"
scenario "$TMP/none.scn" "# no outage"

# run <name> <scenario> <args...>: JSON report in $TMP/<name>.json, checked with json.tool
run() {
    local name="$1" scn="$2"
    shift 2
    timeout 300 "$METERD" --scenario "$scn" --report json --no-display "$@" \
        >"$TMP/$name.json" 2>"$TMP/$name.err"
    local rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "FAIL: $name: meterd exit $rc"; cat "$TMP/$name.err"; fails=$((fails + 1))
        return 1
    fi
    if ! python3 -m json.tool "$TMP/$name.json" >/dev/null 2>"$TMP/$name.jerr"; then
        echo "FAIL: $name: the report is not valid JSON: $(cat "$TMP/$name.jerr")"
        fails=$((fails + 1))
        return 1
    fi
    echo "ok: $name: meterd exit 0, report is valid JSON"
}

# check <name>: runs the python checks on stdin with j = the report and ok(cond, text)
cat >"$TMP/prelude.py" <<'PY'
import json, sys
from datetime import datetime, timezone
j = json.load(open(sys.argv[1]))
name = sys.argv[2]
bad = 0
def ok(cond, text):
    global bad
    print(f"{'ok' if cond else 'FAIL'}: {name}: {text}")
    if not cond:
        bad += 1
def ms(iso):
    return int(datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
               .timestamp() * 1000)
def wh(node):
    return float(node["value"])
PY
check() {
    { cat "$TMP/prelude.py"; cat; printf '\nsys.exit(1 if bad else 0)\n'; } >"$TMP/check.py"
    python3 "$TMP/check.py" "$TMP/$1.json" "$1" || fails=$((fails + 1))
}

# ---- all phases out for 2 h ----
if run all "$TMP/all.scn" --state-dir "$TMP/st-all" --start $DAY0 --until $DAY1; then
    check all <<'PY'
P = 3000.0                                       # W, the scenario load
out_start, out_len = ms("2026-01-05T06:07:30Z"), 7200
hours_with_power = (86400 - out_len) / 3600.0
want = P * hours_with_power
got = wh(j["registers"]["total"]["A+"])
ok(abs(got - want) <= want * 0.001, f"A+ {got:.3f} Wh, want {want:.3f} (3000 W x {hours_with_power} h) within 0.1 %")
pf = j["events"]["power_failure"]["entries"]
ok(len(pf) == 1, f"power failure log holds {len(pf)} entries, want 1")
if pf:
    e = pf[0]
    ok(e["phase"] == 7 and e["duration_s"] == out_len and ms(e["start"]) == out_start
       and e["v1"] == out_start and ms(e["time"]) == out_start + out_len * 1000,
       f"entry: mask {e['phase']}, start {e['start']}, {e['duration_s']} s (want mask 7, 2026-01-05T06:07:30Z, 7200 s)")
std = [(e["code"], ms(e["time"])) for e in j["events"]["standard"]["entries"]]
ok((1, out_start) in std, f"standard log: power down (1) at the outage start: {std}")
ok((2, out_start + out_len * 1000) in std, "standard log: power up (2) at the outage end")
ok(j["power_ups"] == 1, f"power_ups {j['power_ups']}, want 1")
c = j["events"]["power_failures"]
ok(c["all"] == 1 and c["any"] == 1, f"power failure counters {c}")
lp = j["load_profile"]
# 96 quarter hours; the boundaries missed while off (06:15 .. 07:45) are skipped, the power-up
# at 08:07:30 captures once at the latest boundary (08:00), flagged power down (0x80)
ok(lp["entries"] == 96 - 7, f"load profile rows {lp['entries']}, want 89")
ok(lp["status_counts"]["power_down"] == 1, f"one row flagged power down: {lp['status_counts']}")
pd = [r["time"] for r in lp["recent"] if r["status"] & 0x80]
ok(pd == ["2026-01-05T08:00:00Z"], f"the power-down row is 08:00: {pd}")
PY
fi

# ---- L2 out for 20 min ----
if run l2 "$TMP/l2.scn" --state-dir "$TMP/st-l2" --start $DAY0 --until $DAY1; then
    check l2 <<'PY'
P, P_L2 = 3000.0, 1000.0
out_start, out_len = ms("2026-01-05T12:00:10Z"), 1200
want = P * 24 - P_L2 * out_len / 3600.0
got = wh(j["registers"]["total"]["A+"])
ok(abs(got - want) <= want * 0.001, f"A+ {got:.3f} Wh, want {want:.3f} within 0.1 %")
l2 = wh(j["registers"]["L2"]["A+"])
want2 = P_L2 * (24 - out_len / 3600.0)
ok(abs(l2 - want2) <= want2 * 0.001, f"L2 A+ {l2:.3f} Wh, want {want2:.3f} within 0.1 %")
pf = j["events"]["power_failure"]["entries"]
ok(len(pf) == 1, f"power failure log holds {len(pf)} entries, want 1")
if pf:
    e = pf[0]
    ok(e["phase"] == 2 and e["duration_s"] == out_len and ms(e["start"]) == out_start,
       f"entry: mask {e['phase']}, start {e['start']}, {e['duration_s']} s (want mask 2, 2026-01-05T12:00:10Z, 1200 s)")
codes = [e["code"] for e in j["events"]["standard"]["entries"]]
ok(1 not in codes and j["power_ups"] == 0, f"the meter stayed up (standard log codes {codes})")
c = j["events"]["power_failures"]
ok(c["L2"] == 1 and c["all"] == 0, f"power failure counters {c}")
PY
fi

# ---- RTC lost: a second run with a flat RTC backup ----
if run rtc1 "$TMP/none.scn" --state-dir "$TMP/st-rtc" --start $DAY0 --until 2026-01-05T06:00:00Z &&
    run rtc2 "$TMP/none.scn" --state-dir "$TMP/st-rtc" --rtc-lost --until 2026-01-05T12:00:00Z; then
    check rtc2 <<'PY'
restart = ms("2026-01-05T06:00:00Z")
rows = j["load_profile"]["recent"]
before = [r for r in rows if ms(r["time"]) <= restart]
after = [r for r in rows if ms(r["time"]) > restart]
ok(len(before) == 24 and len(after) == 24, f"rows before/after the restart: {len(before)}/{len(after)}, want 24/24")
ok(all(r["status"] & 0x02 for r in after), "every row after the restart has clock invalid (0x02): " + str(sorted({r["status"] for r in after})))
ok(not any(r["status"] & 0x02 for r in before), "no row before it has: " + str(sorted({r["status"] for r in before})))
ok(j["clock"]["status"] & 0x01 and j["clock"]["invalid"], f"clock status {j['clock']['status']} has invalid (0x01)")
codes = [e["code"] for e in j["events"]["standard"]["entries"]]
ok(6 in codes, f"standard log has clock invalid (6): {codes}")
# the backup kept running while meterd was stopped (a few ms of wall time), and a kept RTC rounds
# up to the whole second: never behind the saved time, at most a second and the pause ahead
ok(0 <= ms(j["start"]) - restart <= 2000, f"started at the saved RTC (rounded up): {j['start']}")
a = wh(j["registers"]["total"]["A+"])
ok(abs(a - 3000 * 12) <= 36, f"A+ continued: {a:.3f} Wh, want 36000")
PY
fi

[ "$fails" -eq 0 ] && echo "PASS" || echo "$fails FAILED"
exit $((fails > 0))
