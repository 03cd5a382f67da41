#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# meterd end to end: a constant 2300 W resistive load on L1 must register power x time in A+,
# in fast and in sample fidelity, and a second run on the same state directory (flash.bin, the
# meter's flash, and rtc, the RTC backup) continues the registers from the saved RTC time.
# The expected values are independent of the meter: 2300 W x 1 h = 2300 Wh.
# $1 = build tree (meterd at $1/port/posix/meterd), $2 = source tree.
set -u
METERD="$1/port/posix/meterd"
[ -x "$METERD" ] || { echo "FAIL: no meterd at $METERD"; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0

# Grammar: docs/scenario.md ("load NAME [L1|L2|L3|all] POWER [pf X]").
cat >"$TMP/heater.scn" <<'SCN'
name heater-l1
voltage 230 V
frequency 50 Hz
load heater L1 2300 W pf 1
SCN

# run <name> <args...>: meterd with a hang guard; JSON report in $TMP/<name>.json
run() {
    local name="$1"
    shift
    timeout 300 "$METERD" --scenario "$TMP/heater.scn" --report json --no-display "$@" \
        >"$TMP/$name.json" 2>"$TMP/$name.err"
    local rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "FAIL: $name: meterd exit $rc"; cat "$TMP/$name.err"; fails=$((fails + 1))
        return 1
    fi
    sed -n '1p' "$TMP/$name.err"
}

# check <name> <register path> <expected> <relative tolerance>
check() {
    python3 - "$TMP/$1.json" "$2" "$3" "$4" "$1" <<'PY' || fails=$((fails + 1))
import json, sys
path, reg, want, tol, name = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
try:
    j = json.load(open(path))
except ValueError as e:
    print(f"FAIL: {name}: report is not JSON: {e}")
    sys.exit(1)
node = j
for k in reg.split("/"):
    node = node[k]
got = float(node["value"])
err = abs(got - want) / want
ok = err <= tol
print(f"{'ok' if ok else 'FAIL'}: {name}: {reg} = {got:.3f} {node['unit']} ({node['obis']}), "
      f"want {want:.3f} within {tol * 100:g} % (off by {err * 100:.4f} %)")
sys.exit(0 if ok else 1)
PY
}

# field <name> <key> <expected>: a top-level string of the report (read as JSON, not as text)
field() {
    python3 - "$TMP/$1.json" "$2" "$3" "$1" <<'PY' || fails=$((fails + 1))
import json, sys
path, key, want, name = sys.argv[1:]
got = json.load(open(path)).get(key)
print(f"{'ok' if got == want else 'FAIL'}: {name}: {key} = {got!r}, want {want!r}")
sys.exit(0 if got == want else 1)
PY
}

# 1 h in fast fidelity (the default with --until)
if run fast1h --state-dir "$TMP/st" --start 2026-01-05T00:00:00Z --until 2026-01-05T01:00:00Z; then
    check fast1h registers/total/A+ 2300 0.001
    check fast1h registers/L1/A+ 2300 0.001
    field fast1h fidelity fast
fi

# 1 min in sample fidelity: ADC sample sets through the whole metrology
if run sample1m --state-dir "$TMP/st-sample" --fidelity sample \
    --start 2026-01-05T00:00:00Z --until 2026-01-05T00:01:00Z; then
    # the open window is flushed at the end, so the whole minute is in the registers
    check sample1m registers/total/A+ "$(python3 -c 'print(2300 / 60)')" 0.0005
    field sample1m fidelity sample
fi

# the state is the meter's flash and the RTC backup
rtc_ms=$(python3 - "$TMP/st/rtc" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
slots = re.findall(r'^[AB] seq=(\d{20}) rtc=(\d{20}) wall=(\d{20}) crc=[0-9a-f]{8}$', text, re.M)
print(int(max(slots)[1]) if slots else 'none')
PY
)
if [ -f "$TMP/st/flash.bin" ] && [ "$rtc_ms" = 1767574800000 ] && [ ! -e "$TMP/st/snapshot.mfws" ]; then
    echo "ok: state dir: flash.bin + rtc (RTC $rtc_ms ms)"
else
    echo "FAIL: state dir after the first run:"; ls -l "$TMP/st"; fails=$((fails + 1))
fi

# another hour on the same state: the registers continue, the RTC from the backup, which kept
# running at real time while meterd was stopped (a few seconds here: a short power failure)
if run fast2h --state-dir "$TMP/st" --until 2026-01-05T02:00:00Z; then
    # 2300 W while powered: the first hour, and from this run's start (the RTC after the
    # outage, checked below to be within 60 s of the saved one) to 02:00 (the outage is the
    # wall time between the runs, the sample run's included: longer on a loaded machine)
    want=$(python3 - "$TMP/fast2h.json" <<'PY'
import datetime, json, sys
t = datetime.datetime.fromisoformat(json.load(open(sys.argv[1]))['start'].replace('Z', '+00:00'))
end = datetime.datetime(2026, 1, 5, 2, 0, 0, tzinfo=datetime.timezone.utc)
print(2300 + 2300 * (end - t).total_seconds() / 3600)
PY
)
    check fast2h registers/total/A+ "$want" 0.001
    python3 - "$TMP/fast2h.json" <<'PY' || fails=$((fails + 1))
import datetime, json, sys
start = json.load(open(sys.argv[1]))['start']
t = datetime.datetime.fromisoformat(start.replace('Z', '+00:00'))
saved = datetime.datetime(2026, 1, 5, 1, 0, 0, tzinfo=datetime.timezone.utc)
ok = saved <= t <= saved + datetime.timedelta(seconds=60)
print(f"{'ok' if ok else 'FAIL'}: fast2h: start {start}, at or up to 60 s after the saved RTC")
sys.exit(0 if ok else 1)
PY
fi

[ "$fails" -eq 0 ] && echo "PASS" || echo "$fails FAILED"
exit $((fails > 0))
