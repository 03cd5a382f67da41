#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ihd on a pseudo-terminal, as meterd's P1 module offers one: a pty pair made by Python, 30
# telegrams of tests/support/p1_source.py written into its master side at once; ihd reads the
# slave side (raw, 115200 8N1) and must have all 30, the last one's power and registers, and
# say the line closed when the writer goes.
# $1 = build tree, $2 = source tree.
set -u
IHD="$1/tools/ihd/ihd"
TMP=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$TMP"; }
trap cleanup EXIT
python3 "$2/tests/support/p1_source.py" --stdout --seconds 30 --log "$TMP/src.log" >"$TMP/t.p1"
python3 - "$TMP/t.p1" "$TMP/pty" "$TMP/go" <<'PY' &
import os, pty, sys, time
m, s = pty.openpty()
open(sys.argv[2], "w").write(os.ttyname(s))
while not os.path.exists(sys.argv[3]):
    time.sleep(0.02)
time.sleep(0.3)
os.write(m, open(sys.argv[1], "rb").read())
time.sleep(1.5)
PY
pids+=($!)
writer=$!
for _ in $(seq 1 250); do [ -s "$TMP/pty" ] && break; sleep 0.02; done
PTY=$(cat "$TMP/pty")
"$IHD" --p1 "$PTY" --db "$TMP/ihd.db" --http 0 >"$TMP/ihd.out" 2>&1 &
pids+=($!)
for _ in $(seq 1 250); do
    HPORT=$(sed -n 's/.*page on http:\/\/127\.0\.0\.1:\([0-9]*\)\/.*/\1/p' "$TMP/ihd.out")
    [ -n "$HPORT" ] && break
    sleep 0.02
done
[ -n "${HPORT:-}" ] || { echo "FAIL: no ihd: $(cat "$TMP/ihd.out")"; exit 1; }
touch "$TMP/go"
sleep 1
curl -s "http://127.0.0.1:$HPORT/api/now" >"$TMP/now1.json"
timeout 10 tail --pid="$writer" -f /dev/null
sleep 0.5
curl -s "http://127.0.0.1:$HPORT/api/now" >"$TMP/now2.json"
python3 - "$TMP/src.log" "$TMP/now1.json" "$TMP/now2.json" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if '"summary"' not in l]
a, b = json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
last, bad = recs[-1], 0
def check(c, what):
    global bad
    print(("ok   " if c else "FAIL ") + what)
    bad |= not c
check(a["counts"]["ok"] == len(recs) and a["counts"]["dropped"] == 0, "all %d telegrams read from the pty (%s)" % (len(recs), a["counts"]["ok"]))
check(a["p_import_w"] == last["p_imp"] and a["time"] == last["t"], "the last one's power %s W at %s" % (a.get("p_import_w"), a.get("time")))
check(a["import_wh"] == last["imp"], "its import registers %s Wh" % a.get("import_wh"))
check(a["connected"] and not b["connected"] and ("closed" in b["link"] or "No such file" in b["link"]),
      "the closed line is said: " + b["link"])
sys.exit(bad)
PY
