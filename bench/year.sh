#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A year of the virtual meter: bench/year.scn (the household, 3500 kWh a year, plus outages
# across a billing end and the end of summer time) from 2026-01-01 to 2027-01-01 in fast
# fidelity. Times it (wall clock, median of 3 runs, and user CPU) and checks the JSON report
# against values derived here from the scenario, independently of the meter:
#  - the tariff registers T1..T8 sum to the totals (A+, A-, R+, R-; 1 mWh per tariff for the
#    truncation of each printed register);
#  - 12 billing rows, one per month; the one of the June period ends at the power-up after the
#    outage across 00:00 (its time is the outage's end); in each row the tariff columns sum to the
#    total; the last row's A+ equals the load profile row at the same time (or the total A+ when
#    the billing is at the end of the run, within 1 Wh);
#  - the power failure log holds exactly the scenario's outages of at least the long-failure
#    threshold (start, duration, phase mask); the shorter ones are only counted;
#  - total A+ = 3500 kWh x the fraction of the year with supply, within 2 %.
# Goal: at most 10 s wall clock in a Release build.
# Usage: bench/year.sh BUILD_DIR   (e.g. build/release; meterd at BUILD_DIR/port/posix/meterd)
set -u
BUILD="${1:?usage: bench/year.sh BUILD_DIR}"
METERD="$BUILD/port/posix/meterd"
SRC="$(cd "$(dirname "$0")/.." && pwd)"
SCN="$SRC/bench/year.scn"
[ -x "$METERD" ] || { echo "year: no meterd at $METERD"; exit 1; }
[ -f "$SCN" ] || { echo "year: no $SCN"; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

python3 - "$METERD" "$SCN" "$TMP" <<'PY'
import json, os, re, resource, statistics, subprocess, sys, time
from datetime import datetime, timezone, timedelta

meterd, scn, tmp = sys.argv[1:4]
START, UNTIL = "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"
RUNS = 3
GOAL_S = 10.0
ANNUAL_KWH = 3500.0

def ms(iso):
    return int(datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
               .timestamp() * 1000)

def iso(t_ms):
    return datetime.fromtimestamp(t_ms / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

# ---- runs ----
walls, cpus = [], []
report = None
for k in range(RUNS):
    state = os.path.join(tmp, f"state{k}")
    out = os.path.join(tmp, f"report{k}.json")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    with open(out, "w") as f, open(os.path.join(tmp, f"err{k}"), "w") as e:
        rc = subprocess.call([meterd, "--scenario", scn, "--start", START, "--until", UNTIL,
                              "--report", "json", "--state-dir", state, "--no-display"],
                             stdout=f, stderr=e)
    walls.append(time.monotonic() - t0)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpus.append(after.ru_utime - before.ru_utime)
    if rc != 0:
        print(f"FAIL: run {k + 1}: meterd exit {rc}:")
        print(open(os.path.join(tmp, f"err{k}")).read())
        sys.exit(1)
    with open(out) as f:
        try:
            report = json.load(f)
        except ValueError as ex:
            print(f"FAIL: run {k + 1}: the report is not JSON: {ex}")
            sys.exit(1)
    print(f"run {k + 1}: {walls[-1]:.2f} s wall, {cpus[-1]:.2f} s user CPU")
j = report

bad = 0
def ok(cond, text):
    global bad
    print(f"{'ok' if cond else 'FAIL'}: {text}")
    if not cond:
        bad += 1

# ---- the outages of the scenario (parsed here, not from the meter) ----
outages = []  # (start ms, duration s, phase mask)
units = {"ms": 0.001, "s": 1, "min": 60, "h": 3600, "d": 86400}
for line in open(scn):
    line = line.split("#", 1)[0].split()
    if len(line) >= 4 and line[0] == "at" and line[2] == "outage":
        mask, rest = 0, line[3:]
        while rest and re.fullmatch(r"L[123]", rest[0]):
            mask |= 1 << (int(rest[0][1]) - 1)
            rest = rest[1:]
        m = re.fullmatch(r"([0-9.]+)\s*([a-z]+)", " ".join(rest))
        if m is None:
            m = re.fullmatch(r"([0-9.]+)([a-z]+)", "".join(rest))
        dur = float(m.group(1)) * units[m.group(2)]
        outages.append((ms(line[1]), int(round(dur)), mask or 7))
outages.sort()
threshold = j["events"]["long_threshold_s"]
ok(threshold == 180, f"long power failure threshold {threshold} s (the default 180 s)")

# ---- tariffs sum to the totals ----
tar = j["tariffs"]
for q in ("A+", "A-", "R+", "R-"):
    s = sum(float(tar[f"T{t}"][q]["value"]) for t in range(1, 9))
    total = float(j["registers"]["total"][q]["value"])
    ok(abs(s - total) <= 0.001 * 9 + 1e-9,
       f"{q}: T1..T8 sum {s:.3f} = total {total:.3f} (within 1 mWh per tariff)")

# ---- billing ----
b = j["billing"]
rows = b["rows"]
ok(len(rows) == 12 and b["counter"] == 12, f"{len(rows)} billing rows, counter {b['counter']}: want 12")
# one per month: the local (CET/CEST) month that ends at each row
months = [(datetime.strptime(r["time"], "%Y-%m-%dT%H:%M:%SZ") + timedelta(hours=2)).month
          for r in rows]
ok(len(set(months)) == 12,
   f"one billing row per month: {months}")
june = [o for o in outages if iso(o[0]).startswith("2026-06-30")]
if june:
    up = iso(june[0][0] + june[0][1] * 1000)
    ok(any(r["time"] == up for r in rows),
       f"the June period's billing is at the power-up {up}: {[r['time'] for r in rows][5:7]}")
else:
    ok(False, "year.scn has no outage on 2026-06-30")
for r in rows:
    v = r["values"]
    for c in (1, 2, 3, 4):
        s = sum(v[f"1.0.{c}.8.{t}.255"] for t in range(1, 9))
        if abs(s - v[f"1.0.{c}.8.0.255"]) > 4:  # each column rounded to Wh: 8 x 0.5 Wh
            ok(False, f"billing row {r['time']}: 1.0.{c}.8.T tariffs sum {s} != total {v[f'1.0.{c}.8.0.255']}")
last = rows[-1] if rows else None
if last:
    lp = {r["time"]: r for r in j["load_profile"]["recent"]}
    a = last["values"]["1.0.1.8.0.255"]
    if last["time"] in lp:
        la = lp[last["time"]]["values"]["1.0.1.8.0.255"]
        ok(a == la, f"last billing {last['time']}: A+ {a} Wh = load profile row {la} Wh")
    elif last["time"] == j["end"]:
        t = float(j["registers"]["total"]["A+"]["value"])
        ok(abs(a - t) <= 1, f"last billing {last['time']}: A+ {a} Wh = total A+ {t:.3f} within 1 Wh")
    else:
        ok(False, f"last billing {last['time']}: no load profile row at that time to compare")

# ---- power failures ----
pf = j["events"]["power_failure"]["entries"]
got = [(ms(e["start"]), e["duration_s"], e["phase"]) for e in pf]
want = [o for o in outages if o[1] >= threshold]
ok(got == want, "power failure log = the scenario's long outages:\n    got  "
   + ", ".join(f"{iso(s)} {d} s mask {m}" for s, d, m in got) + "\n    want "
   + ", ".join(f"{iso(s)} {d} s mask {m}" for s, d, m in want))
short = [o for o in outages if o[1] < threshold]
c, cl = j["events"]["power_failures"], j["events"]["long_power_failures"]
ok(c["any"] == len(outages) and c["any"] - cl["any"] == len(short),
   f"counters: {c['any']} power failures ({len(outages)} outages), {c['any'] - cl['any']} short "
   f"({', '.join(f'{d} s' for _, d, _ in short)}) counted but not logged")
ok(c["all"] == sum(1 for o in outages if o[2] == 7), f"all-phase failures {c['all']}")

# ---- energy ----
year_s = (ms(UNTIL) - ms(START)) / 1000
off_s = sum(d for _, d, m in outages if m == 7)
frac = 1 - off_s / year_s
want_wh = ANNUAL_KWH * 1000 * frac
a = float(j["registers"]["total"]["A+"]["value"])
ok(abs(a - want_wh) <= want_wh * 0.02,
   f"A+ {a / 1000:.1f} kWh, want {want_wh / 1000:.1f} kWh (3500 kWh x {frac:.5f} with supply) "
   f"within 2 % (off by {(a - want_wh) / want_wh * 100:+.2f} %)")
ok(j["store"]["store_errors"] == 0 and j["store"]["flash"]["violations"] == 0,
   f"store errors {j['store']['store_errors']}, flash violations {j['store']['flash']['violations']}")

# ---- daily rows and summer time ----
ok(j["daily"]["entries"] == 365,
   f"{j['daily']['entries']} daily rows: one per local midnight, also after an outage across one")
dst = [e["time"] for e in j["events"]["standard"]["entries"] if e["code"] == 3]
ok(len(dst) == 2, f"summer-time changes logged (event 3): {dst} (want 2: March, and October's "
   "during the outage across 01:00Z, logged at power-up)")

# ---- wear: erases of this year per store area, and of the most erased sector ----
areas = j["store"]["flash"] and j["store"].get("areas", [])
worst = max(areas, key=lambda a: a["worst_sector_erases"])
years = 100000 / max(worst["worst_sector_erases"], 1)
print("wear over the year (erases; the most erased sector of each area):")
for a in areas:
    print(f"    {a['area']:<18} {a['sectors']:>3} sectors {a['erases']:>7} erases, worst sector "
          f"{a['worst_sector_erases']:>5}/year")
ok(years >= 20, f"worst sector ({worst['area']}) {worst['worst_sector_erases']} erases/year: "
   f"{years:.0f} years to 100,000 cycles (need 20)")

# ---- table ----
wall, cpu = statistics.median(walls), statistics.median(cpus)
print()
print("| wall s | CPU s | LP1 rows | billing rows | power failures (logged/counted) | store saves | erases |")
print("|---|---|---|---|---|---|---|")
print(f"| {wall:.2f} | {cpu:.2f} | {j['load_profile']['entries']} | {len(rows)} | "
      f"{len(pf)}/{c['any']} | {j['store']['saves']} | {j['store']['flash']['erases']} |")
print()
if wall <= GOAL_S:
    print(f"goal: {wall:.2f} s <= {GOAL_S:g} s wall (median of {RUNS})")
else:
    print(f"WARN: {wall:.2f} s is over the goal of {GOAL_S:g} s wall (median of {RUNS}); "
          "profile with valgrind --tool=callgrind on a shorter run")
print("PASS" if bad == 0 else f"{bad} FAILED")
sys.exit(1 if bad else 0)
PY
