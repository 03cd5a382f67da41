#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# meterd's command line: --help, and bad input refused with exit status 2, a message on stderr
# naming the problem, and nothing written (no state directory); an unusable state (flash.bin of
# the wrong size, a damaged rtc file) refused with exit status 1 and left untouched.
# $1 = build tree (meterd at $1/port/posix/meterd), $2 = source tree.
set -u
METERD="$1/port/posix/meterd"
[ -x "$METERD" ] || { echo "FAIL: no meterd at $METERD"; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$TMP" || exit 1
fails=0

# expect_bad <grep pattern for stderr> <args...>: exit 2, stderr matches, nothing created
expect_bad() {
    local pattern="$1"
    shift
    timeout 20 "$METERD" --state-dir "$TMP/st" "$@" >"$TMP/out" 2>"$TMP/err"
    local rc=$?
    if [ "$rc" -ne 2 ]; then
        echo "FAIL: meterd $* -> exit $rc, want 2"; fails=$((fails + 1))
    elif ! grep -q -e "$pattern" "$TMP/err"; then
        echo "FAIL: meterd $*: stderr does not name '$pattern':"; cat "$TMP/err"
        fails=$((fails + 1))
    elif [ -s "$TMP/out" ]; then
        echo "FAIL: meterd $*: wrote to stdout"; fails=$((fails + 1))
    elif [ -e "$TMP/st" ] || [ -e "$TMP/meterd-state" ]; then
        echo "FAIL: meterd $*: created a state directory"; fails=$((fails + 1))
    else
        echo "ok: meterd $* -> 2: $(head -n1 "$TMP/err")"
    fi
}

# --help: exit 0, usage on stdout
if timeout 20 "$METERD" --help >"$TMP/out" 2>"$TMP/err" && grep -q -- "--scenario" "$TMP/out" &&
    grep -q -- "--rtc-lost" "$TMP/out" && grep -q -- "--new-meter" "$TMP/out" &&
    grep -q "it kept" "$TMP/out"; then
    echo "ok: --help"
else
    echo "FAIL: --help"; fails=$((fails + 1))
fi

expect_bad "--bogus" --bogus
expect_bad "unexpected argument" stray
expect_bad "--model" --model 999
expect_bad "--speed" --speed -1
expect_bad "--speed" --speed 0
expect_bad "--speed" --speed fast
expect_bad "--current" --current "100(5)A"
expect_bad "--current" --current "5(100)"
expect_bad "--current" --current "0(100)A"
expect_bad "--current" --current "5(5)A"
expect_bad "--rate" --rate 1234
expect_bad "--fidelity" --fidelity exact
expect_bad "--report" --report xml
expect_bad "--serial" --serial "../../etc"
expect_bad "--until" --until 2026-02-30T00:00Z
expect_bad "--start" --start 2026-01-05
expect_bad "--until" --start 2026-01-05T01:00:00Z --until 2026-01-05T00:00:00Z
expect_bad "exclude" --speed 10 --until 2026-01-05T00:00:00Z
expect_bad "needs a value" --model
expect_bad "--rtc-lost" --rtc-lost=yes
expect_bad "--scenario" --scenario "$TMP/does-not-exist.scn"
expect_bad "--hdlc-port" --hdlc-port 70000
expect_bad "--line-baud" --optical pty --line-baud 14400
expect_bad "19200" --optical pty --line-baud 38400
expect_bad "one serial line" --optical pty --hdlc-line pty
expect_bad "--hdlc-address" --hdlc-address 15
expect_bad "--optical" --optical ""
expect_bad "--frequency" --frequency 55
expect_bad "--sensors" --sensors "$TMP/does-not-exist.sensors"
expect_bad "--sensors" --sensors ""
# A sensor-set file with a bad line 2: the message names the file and line 2.
printf 'base typical\nshunt.alpha_ppm = 900\n' >"$TMP/bad.sensors"
expect_bad "bad.sensors:2: shunt.alpha_ppm must be" --sensors "$TMP/bad.sensors"

# A scenario file with a bad line 3: the message names the file and line 3.
cat >"$TMP/bad.scn" <<'SCN'
# a scenario with a mistake on line 3
voltage 230 V
load kettle L1 lots W
SCN
expect_bad "bad.scn:3:" --scenario "$TMP/bad.scn" --until 2026-01-05T01:00:00Z \
    --start 2026-01-05T00:00:00Z
# The same with the default state directory (./meterd-state/SERIAL): still nothing created.
timeout 20 "$METERD" --scenario "$TMP/bad.scn" --no-display >/dev/null 2>&1
rc=$?
if [ "$rc" -ne 2 ] || [ -e "$TMP/meterd-state" ]; then
    echo "FAIL: bad scenario with default state dir: exit $rc or state dir created"
    fails=$((fails + 1))
fi

# A flash image of the wrong size (another layout, or damaged) is not touched: exit 1, the file
# left as it was, no rtc file written.
mkdir -p "$TMP/st2"
printf 'not a flash image' >"$TMP/st2/flash.bin"
printf 'load heater L1 2300 W\n' >"$TMP/ok.scn"
timeout 20 "$METERD" --scenario "$TMP/ok.scn" --state-dir "$TMP/st2" --start 2026-01-05T00:00:00Z \
    --until 2026-01-05T00:10:00Z --no-display >/dev/null 2>"$TMP/err"
rc=$?
if [ "$rc" -ne 1 ] || [ "$(cat "$TMP/st2/flash.bin")" != "not a flash image" ] ||
    [ -e "$TMP/st2/rtc" ]; then
    echo "FAIL: flash.bin of the wrong size: exit $rc (want 1), file changed or rtc written"
    cat "$TMP/err"; fails=$((fails + 1))
else
    echo "ok: flash.bin of the wrong size refused: $(head -n1 "$TMP/err")"
fi

# A damaged RTC backup: exit 1, nothing touched, no flash created.
mkdir -p "$TMP/st3"
printf 'yesterday\n' >"$TMP/st3/rtc"
timeout 20 "$METERD" --scenario "$TMP/ok.scn" --state-dir "$TMP/st3" \
    --until 2026-01-05T00:10:00Z --no-display >/dev/null 2>"$TMP/err"
rc=$?
if [ "$rc" -ne 1 ] || [ "$(cat "$TMP/st3/rtc")" != "yesterday" ] || [ -e "$TMP/st3/flash.bin" ]; then
    echo "FAIL: damaged rtc file: exit $rc (want 1), file changed or flash created"
    cat "$TMP/err"; fails=$((fails + 1))
else
    echo "ok: damaged rtc file refused: $(head -n1 "$TMP/err")"
fi

# rtc_of FILE: the RTC time (UTC ms) of an RTC backup (port/posix/rtc_backup.h: two slots, the
# one with the higher sequence number wins)
rtc_of() {
    python3 - "$1" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
slots = re.findall(r'^[AB] seq=(\d{20}) rtc=(\d{20}) wall=(\d{20}) crc=[0-9a-f]{8}$', text, re.M)
print(int(max(slots)[1]) if text.startswith('meterd RTC backup 2\n') and slots else 'none')
PY
}

# A good state: a short run writes flash.bin (the meter's flash geometry) and rtc.
if timeout 60 "$METERD" --scenario "$TMP/ok.scn" --state-dir "$TMP/st4" \
    --start 2026-01-05T00:00:00Z --until 2026-01-05T00:10:00Z --no-display >/dev/null 2>"$TMP/err" &&
    size=$(stat -c %s "$TMP/st4/flash.bin") && [ "$size" -gt 0 ] && [ $((size % 4096)) -eq 0 ] &&
    [ "$(rtc_of "$TMP/st4/rtc")" = 1767571800000 ]; then
    echo "ok: state dir holds flash.bin ($size bytes, whole 4 KiB sectors) and rtc ($(rtc_of "$TMP/st4/rtc") ms)"
else
    echo "FAIL: state dir after a run:"; ls -l "$TMP/st4"; cat "$TMP/err"; fails=$((fails + 1))
fi
# On that state: --start before the RTC is refused (an RTC never runs backwards), and --until
# before the RTC too; both leave the state as it was.
cp "$TMP/st4/flash.bin" "$TMP/flash.before"
cp "$TMP/st4/rtc" "$TMP/rtc.before"
expect_bad_state() {
    local pattern="$1"
    shift
    timeout 20 "$METERD" --scenario "$TMP/ok.scn" --state-dir "$TMP/st4" --no-display "$@" \
        >"$TMP/out" 2>"$TMP/err"
    local rc=$?
    if [ "$rc" -ne 2 ] || ! grep -q -e "$pattern" "$TMP/err" ||
        ! cmp -s "$TMP/st4/flash.bin" "$TMP/flash.before" ||
        ! cmp -s "$TMP/st4/rtc" "$TMP/rtc.before"; then
        echo "FAIL: meterd $* on a saved state -> exit $rc (want 2) or state changed"
        cat "$TMP/err"; fails=$((fails + 1))
    else
        echo "ok: meterd $* on a saved state -> 2: $(head -n1 "$TMP/err")"
    fi
}
expect_bad_state "before the RTC" --start 2026-01-05T00:05:00Z --until 2026-01-05T01:00:00Z
expect_bad_state "not after the start" --until 2026-01-05T00:05:00Z

[ "$fails" -eq 0 ] && echo "PASS" || echo "$fails FAILED"
exit $((fails > 0))
