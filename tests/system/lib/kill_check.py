#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The checks of the meterd kill campaign, shared by tests/system/meterd_kill.sh and
bench/kill_campaign.sh (both run the loop in tests/system/lib/kill_campaign.bash).

Every expected value comes from the scenario's physics (written here, in `scenarios`) and the
documented rules, never from what the meter printed:
  - the checkpoint rule (README "Checkpoints", meter.h checkpoint_*; the checkpoint counts
    A+ + A- + R+ + R-): a cut without warning loses at most max(100 Wh, Pmax x 60 s) plus one
    tick, the energy of one measurement window (10 cycles at 50 Hz = 200 ms, README Metrology);
  - registers are never below the newest stored row, and a cut loses a checkpoint, never a row;
  - the RTC backup keeps running while meterd is dead (port/posix/rtc_backup.h): the meter's
    clock is never behind what it showed before the kill, and it is valid;
  - load profile rows are aligned to the capture period, one per boundary while the meter runs
    (a boundary inside an outage is captured at the power-up: profile.h), and only go forward in
    time; a range read returns the rows with from <= time <= to (docs/dlms.md, selector 1).

Commands (TMP = the campaign's directory, laid out by kill_campaign.bash):
  scenarios TMP             write TMP/import.scn and TMP/export.scn
  meta TMP                  check the profile's columns and the registers' scalers (TMP/meta)
  range TMP K               choose the --from/--to of kill K's range read (prints "FROM TO")
  check TMP K               check kill K (TMP/kill/K): one line, TMP/kill/K/result.json, exit 1
                            on a failure
  summary TMP WALL_S [--markdown]   the campaign's figures
"""
import json
import math
import os
import random
import re
import sys
from datetime import datetime, timezone

# ---- the scenario's physics -------------------------------------------------------------------
U_V = 230.0
PHASE_W = 1000.0  # per phase, 3 phases
PF = 0.9  # inductive
PHASE_VAR = PHASE_W * math.tan(math.acos(PF))  # 484.3 var: Q = P tan(phi)
# W (or var) per energy for each scenario. Import at PF 0.9 ind is quadrant I (A+, R+); an export
# inverts the whole current (docs/scenario.md), so P < 0 and Q < 0: quadrant III (A-, R-).
SCENARIOS = {
    "import": {"power": PHASE_W, "rates": {"ap": 3 * PHASE_W, "am": 0.0,
                                           "rp": 3 * PHASE_VAR, "rm": 0.0}},
    "export": {"power": -PHASE_W, "rates": {"ap": 0.0, "am": 3 * PHASE_W,
                                            "rp": 0.0, "rm": 3 * PHASE_VAR}},
}
ENERGIES = [("ap", "A+", "1.0.1.8.0.255"), ("am", "A-", "1.0.2.8.0.255"),
            ("rp", "R+", "1.0.3.8.0.255"), ("rm", "R-", "1.0.4.8.0.255")]
LP = "1.0.99.1.0.255"
PERIOD_S = 300  # the capture period the campaign sets (the default is 900 s)
RATE_MARGIN = 0.01  # a class 1 meter: within 1 % of the nominal rate

# ---- the documented rules ---------------------------------------------------------------------
CHECKPOINT_WH = 100.0
CHECKPOINT_MIN_S = 60.0
WINDOW_S = 0.2  # one tick: the energy of one measurement window reaches the registers at once
PMAX_W = max(r for s in SCENARIOS.values() for r in s["rates"].values())
BOUND_WH = max(CHECKPOINT_WH, PMAX_W * CHECKPOINT_MIN_S / 3600.0) + PMAX_W * WINDOW_S / 3600.0
CLOCK_INVALID = 0x01  # clock status bit (Blue Book)
ROW_CLOCK_INVALID = 0x02  # load profile AMR status bit (README, --rtc-lost)


def wh(w, seconds):
    return w * seconds / 3600.0


# ---- parsing meterctl's readable notation (docs/meterctl.md) ----------------------------------
DT = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d\d))?(Z|[+-]\d\d:\d\d)")


def dt_ms(text):
    """A readable ISO date-time with its offset -> UTC ms."""
    m = DT.fullmatch(text.strip())
    if m is None:
        raise ValueError(f"not a date-time with an offset: {text.strip()!r}")
    y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
    t = int(datetime(y, mo, d, h, mi, s, tzinfo=timezone.utc).timestamp()) * 1000
    t += int(m.group(7) or 0) * 10
    z = m.group(8)
    if z != "Z":
        off = (int(z[1:3]) * 60 + int(z[4:6])) * (1 if z[0] == "+" else -1)
        t -= off * 60000
    return t


def iso(t_ms):
    s = datetime.fromtimestamp(t_ms // 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    return s + (f".{t_ms % 1000 // 10:02d}" if t_ms % 1000 else "") + "Z"


def hms(t_ms):
    return iso(t_ms)[11:]


def structs(text):
    """'[{a, b}, {c, d}]' -> [['a', 'b'], ['c', 'd']] (flat structures only)."""
    text = text.strip()
    if not (text.startswith("[") and text.endswith("]")):
        raise ValueError(f"not an array: {text[:60]!r}")
    return [[f.strip() for f in body.split(",")] for body in re.findall(r"\{([^{}]*)\}", text)]


class ReadError(Exception):
    pass


def read(d, name):
    """The stdout of the meterctl call NAME in directory d; ReadError if it failed."""
    try:
        with open(os.path.join(d, name + ".rc")) as f:
            rc = f.read().strip()
        with open(os.path.join(d, name)) as f:
            out = f.read().replace("\r", "")
    except OSError as e:
        raise ReadError(f"{name}: {e}")
    if rc != "0":
        with open(os.path.join(d, name + ".err")) as f:
            err = f.read().strip().replace("\n", " ")
        raise ReadError(f"{name}: meterctl exit {rc} ({'time-out' if rc == '124' else err})")
    return out.strip()


def rows_of(text, cols):
    """Profile buffer (readable) -> [(time_ms, status, {energy: value}), ...] in buffer order."""
    out = []
    for f in structs(text):
        if len(f) != cols["n"]:
            raise ValueError(f"a row of {len(f)} fields, the profile has {cols['n']} columns")
        out.append((dt_ms(f[cols["clock"]]), int(f[cols["status"]]),
                    {k: int(f[cols[k]]) for k, _, _ in ENERGIES}))
    return out


def rows_of_csv(text, cols):
    lines = [ln for ln in text.splitlines() if ln]
    if not lines or lines[0].split(",") != cols["header"]:
        raise ValueError(f"CSV header {lines[:1]}, want {','.join(cols['header'])}")
    return rows_of("[" + ", ".join("{" + ", ".join(ln.split(",")) + "}" for ln in lines[1:]) + "]",
                   cols)


def times_of(rows):
    return [r[0] for r in rows]


def meta(tmp):
    with open(os.path.join(tmp, "meta.json")) as f:
        return json.load(f)


# ---- commands ---------------------------------------------------------------------------------
def cmd_scenarios(tmp):
    for name, s in SCENARIOS.items():
        with open(os.path.join(tmp, name + ".scn"), "w") as f:
            f.write(f"# kill campaign, {name}: constant, 3 x {abs(s['power']):g} W at PF {PF} ind\n")
            f.write(f"name kill-{name}\nvoltage {U_V:g} V\nfrequency 50 Hz\n")
            for ph in ("L1", "L2", "L3"):
                f.write(f"load {name}{ph[1]} {s['power']:g} W pf {PF} ind {ph}\n")
    return 0


def cmd_meta(tmp):
    d = os.path.join(tmp, "meta")
    try:
        read(d, "set_period")
        objs = structs(read(d, "lp_cols"))
        scaler = {}
        for k, _, _ in ENERGIES:
            su = read(d, "su_" + k).strip("{}").split(",")
            scaler[k] = (int(su[0]), int(su[1]))
        period = int(read(d, "period"))
        set_ms = dt_ms(read(d, "set_clock"))
    except (ReadError, ValueError) as e:
        print(f"FAIL: campaign set-up: {e}")
        return 1
    bad = []
    # capture objects: {class, logical name in hex, attribute, data index}
    names = [o[1].upper() for o in objs]
    hexes = {"clock": "0000010000FF", "status": "0000600A01FF"}
    hexes.update({k: "".join(f"{int(x):02X}" for x in obis.split(".")) for k, _, obis in ENERGIES})
    cols = {"n": len(objs)}
    for key, hx in hexes.items():
        if hx not in names:
            bad.append(f"the load profile does not capture {hx}")
        else:
            cols[key] = names.index(hx)
    header = []
    for o in objs:
        ln = ".".join(str(int(o[1][i:i + 2], 16)) for i in range(0, 12, 2))
        header.append(ln + ("" if o[2] == "2" else f":{o[2]}") + ("" if o[3] == "0" else f"/{o[3]}"))
    cols["header"] = header
    for k, label, _ in ENERGIES:
        # Wh / varh (units 30 / 32) with scaler 0: the register reads whole Wh, the rows too
        if scaler[k] != (0, 30 if k[0] == "a" else 32):
            bad.append(f"{label} scaler_unit {scaler[k]}, the campaign expects (0, Wh/varh)")
    if period != PERIOD_S:
        bad.append(f"capture period {period} after setting it to {PERIOD_S}")
    for b in bad:
        print(f"FAIL: campaign set-up: {b}")
    with open(os.path.join(tmp, "meta.json"), "w") as f:
        json.dump({"cols": cols, "set_ms": set_ms}, f)
    return 1 if bad else 0


def info(d):
    out = {}
    with open(os.path.join(d, "info")) as f:
        for tok in f.read().split():
            k, v = tok.split("=", 1)
            out[k] = v
    return out


def cmd_range(tmp, k):
    """Chooses a range over the last hours of the rows read after the restart: each end either a
    row's time exactly (the ends are inclusive) or an instant between rows, in Z or +01:00."""
    d = os.path.join(tmp, "kill", str(k))
    rnd = random.Random(int(info(d)["seed"]) * 1000 + k)
    cols = meta(tmp)["cols"]
    try:
        rows = rows_of(read(d, "a_lp"), cols)
    except (ReadError, ValueError):
        rows = []  # the check reports the read; the range is then one without rows
    times = [r[0] for r in rows]
    if not times:
        # no row yet: a range before the first boundary after the start, which must be empty
        start = int(info(d)["start_ms"])
        lo, hi = start, start + PERIOD_S * 1000 - 1000
    else:
        last = times[-1]
        cand = [t for t in times if t >= last - 3 * 3600 * 1000]
        lo = rnd.choice(cand) if rnd.random() < 0.5 else last - rnd.randint(0, 3 * 3600) * 1000
        # never after the newest row: a row captured between the two reads cannot fall in
        above = [t for t in times if t >= lo]
        if rnd.random() < 0.5 and above:
            hi = rnd.choice(above)
        else:
            hi = lo + rnd.randint(0, max(0, (last - lo) // 1000)) * 1000

    def fmt(t):
        if rnd.random() < 0.5:
            return iso(t)
        return datetime.fromtimestamp(t / 1000 + 3600, tz=timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%S") + "+01:00"
    f, t = fmt(lo), fmt(hi)
    with open(os.path.join(d, "range.json"), "w") as fh:
        json.dump({"from": lo, "to": hi}, fh)
    print(f, t)
    return 0


def rtc_anchor(path):
    """The RTC backup's newest slot (rtc_backup.h): the simulated RTC it had reached."""
    best = None
    with open(path) as f:
        for line in f:
            m = re.match(r"[AB] seq=(\d+) rtc=(\d+) wall=(\d+) crc=", line)
            if m and (best is None or int(m.group(1)) > best[0]):
                best = (int(m.group(1)), int(m.group(2)))
    if best is None:
        raise ValueError(f"no slot in the RTC backup {os.path.basename(path)}")
    return best[1]


def cmd_check(tmp, k):
    d = os.path.join(tmp, "kill", str(k))
    inf = info(d)
    K = int(inf["K"])
    old, new = SCENARIOS[inf["old"]]["rates"], SCENARIOS[inf["new"]]["rates"]
    cols = meta(tmp)["cols"]
    fails = []
    res = {"k": k, "old": inf["old"], "new": inf["new"], "loss": {}, "energy_ok": None,
           "clock_ok": None, "profile_ok": None, "range_ok": None}
    figures = []
    try:
        c1, c2 = dt_ms(read(d, "c1")), dt_ms(read(d, "c2"))
        before = {e: int(read(d, "b_" + e)) for e, _, _ in ENERGIES}
        lp_before = rows_of(read(d, "b_lp"), cols)
        c3, c4 = dt_ms(read(d, "a_c3")), dt_ms(read(d, "a_c4"))
        after = {e: int(read(d, "a_" + e)) for e, _, _ in ENERGIES}
        status = int(read(d, "a_status"))
        period = int(read(d, "a_period"))
        lp = rows_of(read(d, "a_lp"), cols)
        events = [(dt_ms(f[0]), int(f[1])) for f in structs(read(d, "a_events"))]
        anchor = rtc_anchor(os.path.join(d, "rtc.killed"))
        with open(os.path.join(d, "meterd.out")) as f:
            err = f.read()
    except (ReadError, ValueError, OSError) as e:
        fails.append(str(e))
        return finish(d, res, k, K, inf, ["(no figures)"], fails)

    # --- meterd's power-up report: continued from its flash and the running backup
    m = re.search(r"continuing the meter in .*, RTC (\S+) \(the RTC backup kept running\)", err)
    up = dt_ms(m.group(1)) if m else None
    if up is None:
        fails.append("meterd did not continue from its state and the running RTC backup: "
                     + " | ".join(err.splitlines()[:3]))
    for line in err.splitlines():
        if re.search(r"refused|defaults|no state record|invalid|rejects|does not start", line):
            fails.append(f"meterd: {line.strip()}")
    if int(inf["kill_rc"]) != 137:
        fails.append(f"meterd was not killed by SIGKILL (wait status {inf['kill_rc']})")
    if period != PERIOD_S:
        fails.append(f"capture period {period} after the restart, set to {PERIOD_S}: defaults?")
    if up is None:
        up = c3  # keeps the figures going; the failure is counted above

    # --- energies: loss within the bound, never more than measured, never below the newest row
    # captured before the registers were read (a row of a boundary after c3 may be newer)
    newest = ([r for r in lp if r[0] <= c3] or [None])[-1]
    newest_b = ([r for r in lp_before if r[0] <= c1] or [None])[-1]
    run_s = (anchor - c1) / 1000.0  # measuring before the kill, from the first read on
    since_s = (c4 - up) / 1000.0  # measuring after the power-up, until the last read
    settled_s = max(0.0, (c3 - up) / 1000.0 - 2 * WINDOW_S)  # surely in the registers at c3
    energy_fails = []
    for e, label, _ in ENERGIES:
        # E(read) in [before, before + 1); what the restarted meter had at its power-up is the
        # register read at c3..c4 less what it measured since (at least `added_min`)
        added_min = (1 - RATE_MARGIN) * wh(new[e], settled_s)
        added_max = (1 + RATE_MARGIN) * (wh(old[e], run_s) + wh(new[e], since_s)) \
            + wh(max(old[e], new[e]), WINDOW_S)
        loss = before[e] - (after[e] - added_min)
        res["loss"][e] = {"loss": loss, "grew": old[e] > 0, "slack": added_max}
        figures.append(f"{label} {before[e]}->{after[e]}")
        if after[e] + 1 - added_min < before[e] - BOUND_WH:
            energy_fails.append(f"{label} {after[e]} after the restart, read {before[e]} before "
                                f"the kill: lost {loss:.1f} Wh, bound {BOUND_WH:.1f}")
        if not after[e] < before[e] + 1 + added_max:
            energy_fails.append(f"{label} {after[e]} after the restart is above what was "
                                f"measured: read {before[e]} before the kill, +{added_max:.1f} "
                                f"at most since")
        if newest is not None and after[e] < newest[2][e]:
            energy_fails.append(f"{label} {after[e]} after the restart below the newest row "
                                f"({iso(newest[0])}: {newest[2][e]})")
        if newest_b is not None and before[e] < newest_b[2][e]:
            energy_fails.append(f"{label} {before[e]} before the kill below the newest row "
                                f"({iso(newest_b[0])}: {newest_b[2][e]})")
    res["energy_ok"] = not energy_fails
    fails += energy_fails
    worst = max((res["loss"][e]["loss"] for e, _, _ in ENERGIES if old[e] > 0), default=0.0)
    figures.append(f"loss {worst:.1f}/{BOUND_WH:.1f} Wh")

    # --- clock: never behind what it showed, valid, the power-up logged at the RTC
    clock_fails = []
    if c3 < c2:
        clock_fails.append(f"clock {iso(c3)} after the restart, {iso(c2)} before the kill")
    if up < c2:
        clock_fails.append(f"the meter powered up at {iso(up)}, before the clock it showed "
                           f"before the kill ({iso(c2)}): the RTC went back "
                           f"{(c2 - up) / 1000:.2f} s (backup anchor {iso(anchor)})")
    # once invalid, the clock stays so until it is set (README): counted at the kill that made it
    try:
        prev_invalid = k > 1 and bool(int(read(os.path.join(tmp, "kill", str(k - 1)),
                                               "a_status")) & CLOCK_INVALID)
    except (ReadError, ValueError):
        prev_invalid = False
    invalid = bool(status & CLOCK_INVALID)
    if invalid and not prev_invalid:
        clock_fails.append(f"clock status 0x{status:02X} after the restart: invalid")
    ups = [t for t, code in events if code == 2]
    if not ups or ups[-1] != up:
        clock_fails.append(f"the newest power-up event is {iso(ups[-1]) if ups else 'missing'}, "
                           f"the meter powered up at {iso(up)}")
    # entries this restart logged (not read after the previous one): an old inversion is not
    # counted again
    try:
        seen = set((dt_ms(f[0]), int(f[1])) for f in structs(
            read(os.path.join(tmp, "kill", str(k - 1)), "a_events"))) if k > 1 else set()
    except (ReadError, ValueError):
        seen = set()
    back = [(a, b) for a, b in zip(events, events[1:]) if b[0] < a[0] and b not in seen]
    if back:
        clock_fails.append(f"standard event log goes back: {iso(back[0][0][0])} code "
                           f"{back[0][0][1]} then {iso(back[0][1][0])} code {back[0][1][1]}")
    res["clock_ok"] = not clock_fails
    fails += clock_fails
    figures.append(f"clock {hms(c2)} -> up {hms(up)}, {hms(c3)} st 0x{status:02X}"
                   + (" (invalid since an earlier kill)" if invalid and prev_invalid else ""))

    # --- load profile: forward in time, aligned, contiguous, no row lost, read back by range.
    # Each kill is judged on what is new since the previous one (rows it had not read, the
    # boundaries after its reads): a fault found once is not counted again at every later kill.
    prof_fails = []
    p_ms = PERIOD_S * 1000
    pd = os.path.join(tmp, "kill", str(k - 1))
    try:
        prev_c3 = dt_ms(read(pd, "a_c3")) if k > 1 else meta(tmp)["set_ms"]
        seen = rows_of(read(pd, "a_lp"), cols) if k > 1 else []
    except (ReadError, ValueError):
        prev_c3, seen = meta(tmp)["set_ms"], []
    lp_t = [(r[0], r[1], tuple(sorted(r[2].items()))) for r in lp]
    seen = set((r[0], r[1], tuple(sorted(r[2].items()))) for r in seen)
    for (a, b, ta, tb) in zip(lp, lp[1:], lp_t, lp_t[1:]):
        if ta in seen and tb in seen:
            continue
        if b[0] <= a[0]:
            prof_fails.append(f"load profile rows not strictly increasing: {iso(a[0])}, "
                              f"{iso(b[0])}")
        elif b[0] - a[0] != p_ms:
            prof_fails.append(f"load profile gap: {iso(a[0])} then {iso(b[0])} "
                              f"(period {PERIOD_S} s)")
        if any(b[2][e] < a[2][e] for e, _, _ in ENERGIES):
            prof_fails.append(f"load profile energy goes down: {iso(a[0])} {a[2]} then "
                              f"{iso(b[0])} {b[2]}")
    # the meter ran across every boundary (one in a downtime is captured at the power-up:
    # profile.h), so each boundary after the previous reads up to these has its row
    want_t = list(range((prev_c3 // p_ms + 1) * p_ms, c3 + 1, p_ms))
    have_t = [t for t in times_of(lp) if prev_c3 < t <= c3]
    if have_t != want_t:
        missing = [iso(t) for t in want_t if t not in have_t]
        extra = [iso(t) for t in have_t if t not in want_t]
        prof_fails.append(f"load profile rows {iso(prev_c3)}..{iso(c3)}: {len(have_t)}, want "
                          f"one per {PERIOD_S} s boundary, {len(want_t)}; missing {missing[:4]}"
                          f"{' ...' if len(missing) > 4 else ''}, unexpected {extra[:4]}")
    for r, rt in zip(lp, lp_t):
        if rt in seen:
            continue
        if r[0] % p_ms:
            prof_fails.append(f"load profile row at {iso(r[0])}, not on a {PERIOD_S} s boundary")
        if r[1] & ROW_CLOCK_INVALID and not (invalid or prev_invalid):
            prof_fails.append(f"load profile row {iso(r[0])} flagged clock invalid "
                              f"(status 0x{r[1]:02X})")
    lost = [r for r in lp_before if r not in lp]
    if lost:
        prof_fails.append(f"{len(lost)} load profile row(s) read before the kill are gone or "
                          f"changed after it: {iso(lost[0][0])} {lost[0][2]}")
    res["profile_ok"] = not prof_fails
    fails += prof_fails
    range_fails = []
    try:
        with open(os.path.join(d, "range.json")) as f:
            rg = json.load(f)
        got = rows_of_csv(read(d, "a_range"), cols)
        want = [r for r in lp if rg["from"] <= r[0] <= rg["to"]]
        if got != want:
            range_fails.append(f"range {iso(rg['from'])}..{iso(rg['to'])}: {len(got)} rows "
                               f"{[hms(r[0]) for r in got][:4]}, want {len(want)} "
                               f"{[hms(r[0]) for r in want][:4]}")
        figures.append(f"LP {len(lp)} rows, range {len(got)}/{len(want)}")
    except (ReadError, ValueError, OSError) as e:
        range_fails.append(f"range read: {e}")
    res["range_ok"] = not range_fails
    fails += range_fails
    raised = re.search(r"(\d+) register\(s\) raised", err)
    if raised:
        figures.append(f"{raised.group(1)} raised to a row")
    return finish(d, res, k, K, inf, figures, fails)


def finish(d, res, k, K, inf, figures, fails):
    res["fails"] = fails
    res["ok"] = not fails
    with open(os.path.join(d, "result.json"), "w") as f:
        json.dump(res, f)
    print(f"{'ok' if not fails else 'FAIL'}: kill {k}/{K} [{inf['old']}->{inf['new']}, "
          f"ran {inf['ran_s']} s]: " + ", ".join(figures))
    for x in fails:
        print(f"    FAIL: {x}")
    if fails:  # the evidence: what meterd said at the restart
        try:
            with open(os.path.join(d, "meterd.out")) as f:
                for line in f.read().splitlines():
                    print(f"    | {line}")
        except OSError:
            pass
    return 1 if fails else 0


def cmd_summary(tmp, wall_s, markdown):
    res = []
    kd = os.path.join(tmp, "kill")
    for name in sorted(os.listdir(kd), key=int) if os.path.isdir(kd) else []:
        p = os.path.join(kd, name, "result.json")
        if os.path.exists(p):
            with open(p) as f:
                res.append(json.load(f))
    n = len(res)
    failed = sum(1 for r in res if not r["ok"])
    worst = {}
    for e, label, _ in ENERGIES:
        xs = [r["loss"][e]["loss"] for r in res if e in r["loss"] and r["loss"][e]["grew"]]
        worst[label] = (max(xs), len(xs)) if xs else (None, 0)
    slack = sorted(r["loss"][e]["slack"] for r in res for e, _, _ in ENERGIES
                   if e in r["loss"] and r["loss"][e]["grew"])

    def count(key):
        return (f"{sum(1 for r in res if r.get(key))}/"
                f"{sum(1 for r in res if r.get(key) is not None)}")

    def w(label):
        x, m = worst[label]
        return "-" if x is None else f"{x:.1f} / {BOUND_WH:.1f} Wh ({m} kills)"
    med = f"{slack[len(slack) // 2]:.1f} Wh" if slack else "-"
    if markdown:
        print("| kills | failed kills | energy checks ok | worst loss A+ | worst loss A- "
              "| worst loss R+ | worst loss R- | clock checks ok | profile checks ok "
              "| range checks ok | wall |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        print(f"| {n} | {failed} | {count('energy_ok')} | {w('A+')} | {w('A-')} | {w('R+')} "
              f"| {w('R-')} | {count('clock_ok')} | {count('profile_ok')} | {count('range_ok')} "
              f"| {wall_s:.1f} s |")
        print()
        print(f"Loss = register read over DLMS just before the kill - register after the restart "
              f"(less what the restarted meter measured before its read), over the kills where "
              f"that energy was growing; bound = max({CHECKPOINT_WH:g} Wh, {PMAX_W:g} W x "
              f"{CHECKPOINT_MIN_S:g} s) + one {WINDOW_S * 1000:g} ms window. The check that a "
              f"register is not above what was measured allows what the load can add between "
              f"the reads (median {med}).")
    else:
        print(f"summary: {n} kills, {failed} failed; energy {count('energy_ok')} ok, worst loss "
              f"A+ {w('A+')}, A- {w('A-')}, R+ {w('R+')}, R- {w('R-')}; clock "
              f"{count('clock_ok')} ok; profile {count('profile_ok')} ok; range "
              f"{count('range_ok')} ok; {wall_s:.1f} s")
    return 0


def main(argv):
    if len(argv) >= 2 and argv[0] == "scenarios":
        return cmd_scenarios(argv[1])
    if len(argv) >= 2 and argv[0] == "meta":
        return cmd_meta(argv[1])
    if len(argv) >= 3 and argv[0] == "range":
        return cmd_range(argv[1], int(argv[2]))
    if len(argv) >= 3 and argv[0] == "check":
        return cmd_check(argv[1], int(argv[2]))
    if len(argv) >= 3 and argv[0] == "summary":
        return cmd_summary(argv[1], float(argv[2]), "--markdown" in argv[3:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
