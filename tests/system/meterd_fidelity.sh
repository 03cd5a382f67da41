#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Fast and sample fidelity agree on sags and outages, and both with the analytic energy:
# a 3 x 2300 W resistive load (constant impedance: its power goes with U^2) for 5 minutes with
# twenty 500 ms sags to 70 % on every phase (a sag starts on a whole second and ends on a
# millisecond: sample fidelity takes the scenario's state at every change, to the ms), three
# 150 ms sags to 80 % on L2, and a 3 s outage. Expected, by hand:
#   E = 6900 W x (300 - 3) s - 20 x 0.5 s x 6900 W x (1 - 0.49) - 3 x 0.15 s x 2300 W x (1 - 0.64)
# Fast fidelity integrates the scenario exactly (within its integer rounding); sample fidelity
# measures it through the typical sensor unit (calibrated by its production: its error is within
# 0.1 %) and loses at most one window at the power-up after the outage (<= 0.2 s x 6900 W); the
# sags are logged in both, each 500 ms to a window (200 ms); one power failure in both.
# Then a clipping ADC is logged, not silent.
# $1 = build tree (meterd at $1/port/posix/meterd), $2 = source tree.
set -u
METERD="$1/port/posix/meterd"
[ -x "$METERD" ] || { echo "FAIL: no meterd at $METERD"; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0

{
    echo "voltage 230 V"
    echo "load heater 6900 W"
    for k in $(seq 0 19); do
        printf 'at 2026-01-05T00:01:%02dZ sag 70 %% 500 ms\n' $((k * 2))
    done
    echo "at 2026-01-05T00:02:10Z sag L2 80 % 150 ms"
    echo "at 2026-01-05T00:02:20Z sag L2 80 % 150 ms"
    echo "at 2026-01-05T00:02:30Z sag L2 80 % 150 ms"
    echo "at 2026-01-05T00:03:00Z outage 3 s"
} >"$TMP/events.scn"

run() {
    local name="$1"
    shift
    rm -rf "$TMP/st-$name"
    timeout 300 "$METERD" --scenario "$TMP/events.scn" --report json --no-display --no-dlms \
        --state-dir "$TMP/st-$name" --start 2026-01-05T00:00:00Z --until 2026-01-05T00:05:00Z \
        "$@" >"$TMP/$name.json" 2>"$TMP/$name.err"
    local rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "FAIL: $name: meterd exit $rc"; cat "$TMP/$name.err"; fails=$((fails + 1))
        return 1
    fi
}

run fast --fidelity fast || true
run sample --fidelity sample || true
[ "$fails" -eq 0 ] || { echo "$fails FAILED"; exit 1; }

python3 - "$TMP/fast.json" "$TMP/sample.json" <<'PY' || fails=$((fails + 1))
import json, sys
fast, sample = (json.load(open(p)) for p in sys.argv[1:3])
want = (6900 * (300 - 3) - 20 * 0.5 * 6900 * (1 - 0.49) - 3 * 0.15 * 2300 * (1 - 0.64)) / 3600
bad = 0
def ok(cond, msg):
    global bad
    print(("ok: " if cond else "FAIL: ") + msg)
    bad += not cond
def aplus(r):
    return r['registers']['total']['A+']['value']
ef, es = aplus(fast), aplus(sample)
ok(abs(ef - want) <= 0.002, f"fast A+ {ef:.3f} Wh, analytic {want:.3f} Wh (off {ef - want:+.4f} Wh)")
bound = 0.001 * want + 0.2 * 6900 / 3600
ok(abs(es - want) <= bound,
   f"sample A+ {es:.3f} Wh, analytic {want:.3f} Wh (off {es - want:+.4f} Wh, "
   f"{(es - want) / want * 100:+.4f} %; bound {bound:.3f} Wh)")
print(f"sample - fast: {es - ef:+.4f} Wh ({(es - ef) / ef * 100:+.4f} %)")
def sags(r, phase):
    """(start, duration ms) of the undervoltage events (76..78) ending (85..87) on a phase."""
    out = []
    for e in r['events']['power_quality']['entries']:
        if e['phase'] == phase and e['code'] == 84 + phase:
            out.append(e['v2'])
    return out
for ph in (1, 2, 3):
    df, ds = sags(fast, ph), sags(sample, ph)
    n = 23 if ph == 2 else 20
    ok(len(df) == n and len(ds) == n, f"L{ph}: {len(df)} sags in fast, {len(ds)} in sample, want {n}")
    worst = max((abs(a - b) for a, b in zip(df, ds)), default=0)
    long_f = [d for d in df if d > 300]
    long_s = [d for d in ds if d > 300]
    ok(all(abs(d - 500) <= 200 for d in long_f + long_s) and worst <= 200,
       f"L{ph}: 500 ms sags last {min(long_s, default=0)}..{max(long_s, default=0)} ms in sample, "
       f"{min(long_f, default=0)}..{max(long_f, default=0)} ms in fast; worst difference {worst} ms")
pf, ps = fast['events']['power_failures'], sample['events']['power_failures']
ok(pf['any'] == 1 and ps['any'] == 1, f"power failures: fast {pf['any']}, sample {ps['any']}, want 1")
sys.exit(1 if bad else 0)
PY

# A 5(65) A meter at 100 A per phase (a load in amps): its shunt is sized for 1.2 Imax, so the
# ADC clips; never silently: an over-current event per phase (codes 240..242) in the power
# quality log (the load profile row it falls in is flagged "data not valid": test_meter.c).
printf 'voltage 230 V\nload overload 100 A\n' >"$TMP/overload.scn"
rm -rf "$TMP/st-over"
if timeout 300 "$METERD" --scenario "$TMP/overload.scn" --current "5(65)A" --report json \
    --no-display --no-dlms --state-dir "$TMP/st-over" --fidelity sample \
    --start 2026-01-05T00:00:00Z --until 2026-01-05T00:00:20Z >"$TMP/over.json" 2>"$TMP/over.err"; then
    python3 - "$TMP/over.json" <<'PY' || fails=$((fails + 1))
import json, sys
r = json.load(open(sys.argv[1]))
codes = sorted({(e['code'], e['phase']) for e in r['events']['power_quality']['entries']})
ok = all((240 + p, p + 1) in codes for p in range(3))
print(("ok" if ok else "FAIL") + f": over-current events at 100 A on a 5(65) A meter: {codes}")
sys.exit(0 if ok else 1)
PY
else
    echo "FAIL: overload: meterd failed"; cat "$TMP/over.err"; fails=$((fails + 1))
fi

# A 60 Hz grid: the meter takes 60 Hz as its nominal frequency from the scenario (windows of 12
# cycles), and the report gives the measured frequency; --frequency 50 on the same grid still
# measures 60 Hz (the nominal is only the window length and the fallback).
printf 'voltage 230 V\nfrequency 60 Hz\nload heater 2300 W\n' >"$TMP/sixty.scn"
for nominal in auto 50; do
    rm -rf "$TMP/st-60"
    extra=()
    [ "$nominal" = auto ] || extra=(--frequency "$nominal")
    if timeout 300 "$METERD" --scenario "$TMP/sixty.scn" --report json --no-display --no-dlms \
        --state-dir "$TMP/st-60" --fidelity sample --start 2026-01-05T00:00:00Z \
        --until 2026-01-05T00:00:10Z "${extra[@]}" >"$TMP/sixty.json" 2>"$TMP/sixty.err"; then
        python3 - "$TMP/sixty.json" "$TMP/sixty.err" "$nominal" <<'PY' || fails=$((fails + 1))
import json, sys
r = json.load(open(sys.argv[1]))
err = open(sys.argv[2]).read()
f = r['instantaneous']['frequency_hz']
want_nominal = '60 Hz' if sys.argv[3] == 'auto' else '50 Hz'
ok = abs(f - 60.0) < 0.01 and f', {want_nominal},' in err
print(("ok" if ok else "FAIL") + f": 60 Hz grid, nominal {sys.argv[3]}: reads {f} Hz, meter at {want_nominal}")
sys.exit(0 if ok else 1)
PY
    else
        echo "FAIL: 60 Hz: meterd failed"; cat "$TMP/sixty.err"; fails=$((fails + 1))
    fi
done

[ "$fails" -eq 0 ] && echo "PASS" || echo "$fails FAILED"
exit $((fails > 0))
