#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# fleetd end to end: 50 meters in one process, two days of history caught up at start, then
# served with the fleet clock stopped (--speed 0) so that what DLMS reads and the reports at exit
# are of one instant. Every expected value is derived here, independently of fleetd:
#  - the draws (serial, model, yearly energy, feeder = serial mod 5) from docs/fleet.md's
#    splitmix64 rule,
#  - the keys from the secret with HKDF-SHA256 (RFC 5869) in Python's hmac,
#  - the energy of the flat shape as P x t (P = yearly energy / 8760 h), less the feeder outage,
#  - the clock of a drifting meter as start + ppm x (start - drift start),
#  - which meters are silent, and which see the tamper wave (terminal cover, magnetic field),
#    from the same draw rule.
# Checks: every meter answers on the shared wrapper port (server wPort 16 + i) with its own
# logical device name, its own keys (HLS-GMAC) and its own energy; another meter's keys are
# refused; the shared HDLC port (lower address 16 + i) and the per-meter ports answer too; the
# feeder outage shows in exactly that feeder's meters (power failures, energy); the tamper wave
# shows in the fraud log (0.0.99.98.1.255: 40/41 terminal cover, 42/43 field) of exactly the
# drawn meters; the report of a meter equals what DLMS read from it.
# $1 = build tree, $2 = source tree.
set -u
FLEETD="$1/port/fleet/fleetd"
MC="$1/tools/meterctl/meterctl"
[ -x "$FLEETD" ] || { echo "FAIL: no fleetd at $FLEETD"; exit 1; }
[ -x "$MC" ] || { echo "FAIL: no meterctl at $MC"; exit 1; }
TMP=$(mktemp -d)
PID=
cleanup() {
    [ -n "$PID" ] && kill "$PID" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT

cat >"$TMP/test.fleet" <<'EOF'
# 50 meters on 5 feeders, constant loads (energy = P x t)
meters 50
seed 7
serial-base 40000001
share-382m 60 %
annual 1000 to 8000 kWh
shape flat
feeders 5
head-end-title 4D46574843544C32
at 2026-11-30T10:00:00Z outage feeder 2 for 30 min
at 2026-11-29T12:00:00Z drift 20 % 500 ppm
at 2026-11-30T23:00:00Z silent 10 % for 1 d
at 2026-11-30T14:00:00Z tamper 30 % terminal for 1 h
at 2026-11-30T16:00:00Z tamper 20 % field for 10 min
EOF
# a fixed secret (mode 0600, as every key file)
printf '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n' >"$TMP/secret"
chmod 600 "$TMP/secret"

"$FLEETD" --config "$TMP/test.fleet" --secret "$TMP/secret" --state-dir "$TMP/state" \
    --start 2026-12-01T00:00:00Z --history 2d --jobs 2 --speed 0 --base-port 0 --shared-port 0 \
    --hdlc-port 0 --report-dir "$TMP/reports" 2>"$TMP/err" &
PID=$!
for _ in $(seq 1 600); do
    grep -qs '^fleetd: ready' "$TMP/err" && break
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
done
if ! grep -q '^fleetd: ready' "$TMP/err"; then
    echo "FAIL: fleetd did not get ready"; cat "$TMP/err"; exit 1
fi
grep -q 'caught up: 50 meters x 2.0 days' "$TMP/err" || { echo "FAIL: no catch-up line"; cat "$TMP/err"; exit 1; }
SP=$(sed -n 's/.* \([0-9]*\) (wrapper, server wPort.*/\1/p' "$TMP/err")
HP=$(sed -n 's/.* \([0-9]*\) (HDLC, lower address.*/\1/p' "$TMP/err")

python3 - "$MC" "$SP" "$HP" "$TMP" <<'PY'
import csv, hashlib, hmac, json, os, re, subprocess, sys, datetime
mc, sp, hp, tmp = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
fails = 0
def check(ok, what):
    global fails
    if not ok:
        fails += 1
        print("FAIL:", what)
    return ok

M64 = (1 << 64) - 1
def splitmix64(z):
    z = (z + 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)
def uniform(seed, serial, k):
    z = splitmix64(splitmix64(seed) ^ serial)
    z = splitmix64(z ^ k)
    return (z >> 11) * 2.0 ** -53
def hkdf(secret, info):
    prk = hmac.new(b"meterfw-fleet-keys-v1", secret, hashlib.sha256).digest()
    return hmac.new(prk, info + b"\x01", hashlib.sha256).digest()[:16]
def ms(iso):
    return int(datetime.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ")
               .replace(tzinfo=datetime.timezone.utc).timestamp() * 1000)

SEED, N, FEEDERS = 7, 50, 5
secret = bytes(range(32))
origin, start = ms("2026-11-29T00:00:00Z"), ms("2026-12-01T00:00:00Z")
outage_feeder, outage_ms = 2, 30 * 60 * 1000
drift_at, drift_ppm, drift_share = ms("2026-11-29T12:00:00Z"), 500.0, 0.20
silent_share = 0.10
terminal_share, field_share = 0.30, 0.20
# the events' draw streams: 100 + the event's index in the file (outage 0, drift 1, silent 2,
# tamper terminal 3, tamper field 4)
expect = []
for i in range(N):
    sn = 40000001 + i
    e = dict(i=i, serial=str(sn), three=uniform(SEED, sn, 0) < 0.6,
             annual=1000 + 7000 * uniform(SEED, sn, 1), feeder=sn % FEEDERS,
             drift=uniform(SEED, sn, 101) < drift_share, silent=uniform(SEED, sn, 102) < silent_share,
             terminal=uniform(SEED, sn, 103) < terminal_share, field=uniform(SEED, sn, 104) < field_share)
    # the fraud log in time order: terminal cover 14:00 to 15:00, field 16:00 to 16:10
    e["fraud"] = ([40, 41] if e["terminal"] else []) + ([42, 43] if e["field"] else [])
    e["keys"] = {n: hkdf(secret, (e["serial"] + ":" + n).encode()).hex().upper()
                 for n in ("guek", "gbek", "ak", "kek")}
    e["clock"] = start + (round((start - drift_at) * drift_ppm * 1e-6) if e["drift"] else 0)
    down = outage_ms if e["feeder"] == outage_feeder else 0
    e["wh"] = e["annual"] * 1000 / 8760 * (e["clock"] - origin - down) / 3.6e6
    expect.append(e)
check(sum(e["silent"] for e in expect) >= 1 and sum(e["drift"] for e in expect) >= 1,
      "the draws give some silent and some drifting meters")
live = [e for e in expect if not e["silent"]]
check(all(any(e[k] for e in live) and not all(e[k] for e in live) for k in ("terminal", "field")),
      "the draws give answering meters with and without each tamper")

rows = {r["serial"]: r for r in csv.DictReader(open(os.path.join(tmp, "state", "keys.csv")))}
check(len(rows) == N, f"keys.csv has {len(rows)} meters")
for e in expect:
    r = rows.get(e["serial"])
    if not check(r is not None, f"meter {e['serial']} in keys.csv"):
        continue
    check(r["model"] == ("382M" if e["three"] else "162M"), f"{e['serial']} model {r['model']}")
    check(abs(float(r["annual_kwh"]) - e["annual"]) < 0.001, f"{e['serial']} annual {r['annual_kwh']}")
    check(int(r["feeder"]) == e["feeder"] and int(r["address"]) == 16 + e["i"], f"{e['serial']} feeder/address")
    check(r["system_title"] == "4D4657" + "%010X" % int(e["serial"]), f"{e['serial']} title {r['system_title']}")
    for n, v in e["keys"].items():
        check(r[n] == v, f"{e['serial']} {n} is HKDF-SHA256 of the secret")

def mc_run(args, keys=None, timeout=20, title="4D46574843544C32"):
    env = dict(os.environ)
    env.pop("METERCTL_KEYS", None)
    if keys:
        env["METERCTL_KEYS"] = (f"guek = {keys['guek']}; ak = {keys['ak']}; "
                                f"client-title = {title}")
    p = subprocess.run([mc] + args, capture_output=True, text=True, env=env, timeout=timeout)
    return p.returncode, p.stdout.strip(), p.stderr.strip()

dlms = {}
tampered = 0
for e in expect:
    s, i = e["serial"], e["i"]
    rc, out, err = mc_run(["-p", str(sp), "-s", str(16 + i), "-t", "3", "get", "0.0.42.0.0.255", "2"])
    if e["silent"]:
        check(rc != 0, f"{s} is silent, but answered {out!r}")
        continue
    check(rc == 0 and out == "4D4657" + s.encode().hex().upper(), f"{s} LDN on the shared port: {rc} {out!r} {err}")
    rc, wh, err = mc_run(["-p", str(sp), "-s", str(16 + i), "get", "1.0.1.8.0.255", "2"], e["keys"])
    ok = rc == 0 and abs(int(wh) - e["wh"]) <= 1 + 1e-5 * e["wh"]
    check(ok, f"{s} A+ {wh!r} Wh, want {e['wh']:.1f} (feeder {e['feeder']}, drift {e['drift']}) {err}")
    rc, pf, err = mc_run(["-p", str(sp), "-s", str(16 + i), "get", "0.0.96.7.21.255", "2"], e["keys"])
    want_pf = 1 if e["feeder"] == outage_feeder else 0
    check(rc == 0 and pf == str(want_pf), f"{s} power failures {pf!r}, want {want_pf} {err}")
    rc, flog, err = mc_run(["-p", str(sp), "-s", str(16 + i), "get", "0.0.99.98.1.255", "2"], e["keys"])
    codes = [int(c) for c in re.findall(r", (\d+)\}", flog)]
    check(rc == 0 and codes == e["fraud"],
          f"{s} fraud log codes {codes}, want {e['fraud']} (terminal {e['terminal']}, field {e['field']}) {err}")
    tampered += bool(e["fraud"])
    rc, clk, err = mc_run(["-p", str(sp), "-s", str(16 + i), "get", "0.0.1.0.0.255", "2"])
    dlms[s] = dict(wh=wh, pf=pf, clock=clk)
    # the meter's clock in its local time (UTC+1, the default deviation), to the centisecond
    t = datetime.datetime.fromtimestamp(e["clock"] / 1000 + 3600, datetime.timezone.utc)
    cs = (e["clock"] // 10) % 100
    want = t.strftime("%Y-%m-%dT%H:%M:%S") + (f".{cs:02d}" if cs else "") + "+01:00"
    check(rc == 0 and clk == want, f"{s} clock {clk!r}, want {want!r} (drift {e['drift']})")

# another meter's keys are refused
a, b = [e for e in expect if not e["silent"]][:2]
rc, out, err = mc_run(["-p", str(sp), "-s", str(16 + b["i"]), "get", "1.0.1.8.0.255", "2"], a["keys"])
check(rc != 0 and "rejected" in err, f"{b['serial']} took {a['serial']}'s keys: {rc} {err}")
# only the head-end title of the fleet file may associate
rc, out, err = mc_run(["-p", str(sp), "-s", str(16 + a["i"]), "get", "1.0.1.8.0.255", "2"], a["keys"],
                      title="4D46574843544C33")
check(rc != 0 and "rejected" in err, f"{a['serial']} took another head-end title: {rc} {err}")
# the shared HDLC port and the per-meter ports
for e in [e for e in expect if not e["silent"]][:5]:
    s, i = e["serial"], e["i"]
    rc, out, err = mc_run(["-p", str(hp), "-i", "hdlc", "-l", str(16 + i), "get", "0.0.42.0.0.255", "2"])
    check(rc == 0 and out == "4D4657" + s.encode().hex().upper(), f"{s} LDN over HDLC: {out!r} {err}")
    rc, out, err = mc_run(["-p", rows[s]["port"], "get", "0.0.42.0.0.255", "2"])
    check(rc == 0 and out == "4D4657" + s.encode().hex().upper(), f"{s} LDN on its port: {out!r} {err}")
# an address that names no meter is closed
rc, out, err = mc_run(["-p", str(sp), "-s", str(16 + N), "-t", "3", "get", "0.0.42.0.0.255", "2"])
check(rc != 0, "wPort 16 + N names no meter, but it answered")
json.dump(dlms, open(os.path.join(tmp, "dlms.json"), "w"))
print(f"{'ok' if fails == 0 else 'FAIL'}: {N} meters: draws, keys, energy, outage, drift, silence, "
      f"tamper wave in {tampered} meters ({fails} failures)")
sys.exit(1 if fails else 0)
PY
rc=$?
kill -TERM "$PID"
wait "$PID"
frc=$?
PID=
[ "$frc" -eq 0 ] || { echo "FAIL: fleetd exit $frc"; tail -5 "$TMP/err"; rc=1; }

# the report of each meter read is what DLMS read from it (the clock stood still)
python3 - "$TMP" <<'PY' || rc=1
import json, math, os, sys
tmp = sys.argv[1]
dlms = json.load(open(os.path.join(tmp, "dlms.json")))
bad = 0
for s, d in dlms.items():
    j = json.load(open(os.path.join(tmp, "reports", s + ".json")))
    a = j["registers"]["total"]["A+"]
    ok = a["unit"] == "Wh" and math.floor(float(a["value"])) == int(d["wh"]) and \
        j["events"]["power_failures"]["any"] == int(d["pf"]) and j["serial"] == s
    if not ok:
        bad += 1
        print(f"FAIL: {s}: report A+ {a['value']} {a['unit']}, power failures "
              f"{j['events']['power_failures']['any']}; DLMS {d['wh']} Wh, {d['pf']}")
print(f"{'ok' if bad == 0 else 'FAIL'}: {len(dlms)} reports equal what DLMS read")
sys.exit(1 if bad else 0)
PY

# a shard (serials 40000021..40000030 in a process of their own) draws the same meters with the
# same keys as the whole fleet: no coordination between shards
sed 's/^serial-base .*/serial-base 40000021/; s/^meters .*/meters 10/' "$TMP/test.fleet" \
    >"$TMP/shard.fleet"
if timeout 60 "$FLEETD" --config "$TMP/shard.fleet" --secret "$TMP/secret" --state-dir "$TMP/shard" \
    --start 2026-12-01T00:00:00Z --until 2026-12-01T00:00:01Z --quiet 2>"$TMP/shard.err"; then
    python3 - "$TMP" <<'PY' || rc=1
import csv, os, sys
tmp = sys.argv[1]
whole = {r["serial"]: r for r in csv.DictReader(open(os.path.join(tmp, "state", "keys.csv")))}
shard = list(csv.DictReader(open(os.path.join(tmp, "shard", "keys.csv"))))
cols = ("model", "feeder", "annual_kwh", "system_title", "guek", "gbek", "ak", "kek")
bad = [r["serial"] for r in shard if any(r[c] != whole[r["serial"]][c] for c in cols)]
ok = len(shard) == 10 and shard[0]["serial"] == "40000021" and not bad
print(f"{'ok' if ok else 'FAIL'}: a shard of 10 meters draws as the whole fleet {bad}")
sys.exit(0 if ok else 1)
PY
else
    echo "FAIL: the shard did not run"; cat "$TMP/shard.err"; rc=1
fi
exit $rc
