# SPDX-License-Identifier: Apache-2.0
# Sourced by the meterctl system tests: the binaries, a temporary directory cleaned up at exit
# (with the meterd started by start_meterd), ok/bad counters, start_meterd, and the keys files
# of the meter ($KEYS, for meterd --keys) and of the management client ($CKEYS, for meterctl
# -K), mode 0600 (docs/security.md).
# $1 = build tree (meterd at $1/port/posix/meterd, meterctl at $1/tools/meterctl/meterctl).
METERD="$1/port/posix/meterd"
METERCTL="$1/tools/meterctl/meterctl"
[ -x "$METERD" ] || { echo "FAIL: no meterd at $METERD"; exit 1; }
[ -x "$METERCTL" ] || { echo "FAIL: no meterctl at $METERCTL"; exit 1; }
TMP=$(mktemp -d)
PID=""
cleanup() {
    if [ -n "$PID" ]; then kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; fi
    rm -rf "$TMP"
}
trap cleanup EXIT
fails=0
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fails=$((fails + 1)); }

# start_meterd ARGS...: meterd in the background on a free port (--port 0); sets PID and PORT
# from its "DLMS/COSEM server on 127.0.0.1:PORT" line, or fails the test.
start_meterd() {
    # emptied first: the background job may open the file after the first look below, which
    # must not find the port of a meterd started before on the same file
    : >"$TMP/meterd.out"
    "$METERD" --no-display --port 0 "$@" >"$TMP/meterd.out" 2>&1 &
    PID=$!
    PORT=""
    for _ in $(seq 1 500); do
        PORT=$(sed -n 's/.*DLMS\/COSEM server on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$TMP/meterd.out")
        [ -n "$PORT" ] && return 0
        kill -0 "$PID" 2>/dev/null || break
        sleep 0.02
    done
    echo "FAIL: meterd does not announce its DLMS/COSEM server:"; cat "$TMP/meterd.out"; exit 1
}

# The test keys: the capture's unicast and authentication keys (tests/vectors/README.md), a
# broadcast key, RFC 3394 4.1's KEK as master key; the head-end's title "MFWHCTL1" (the meter
# lets only it associate).
KEYS="$TMP/meter.keys"
CKEYS="$TMP/client.keys"
(
    umask 077
    cat >"$KEYS" <<'K'
# the keys of the test meter (docs/security.md)
guek = 000102030405060708090A0B0C0D0E0F
gbek = B0B1B2B3B4B5B6B7B8B9BABBBCBDBEBF
ak = D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF
kek = 000102030405060708090A0B0C0D0E0F
policy = 3
client-title = 4D46574843544C31
K
    cat "$KEYS" >"$CKEYS"
)

# run NAME WANT CMD...: CMD's output in $TMP/NAME.out and .err; a failure (bad) unless it exits
# with WANT.
run() {
    local name="$1" want="$2"
    shift 2
    timeout 60 "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
    local rc=$?
    if [ "$rc" -ne "$want" ]; then
        bad "$name: exit $rc, expected $want: $(head -c 400 "$TMP/$name.err")"
        return 1
    fi
    return 0
}
# wait_for N PATTERN CMD...: up to N tries, 0.2 s apart, until CMD's output matches PATTERN.
wait_for() {
    local n="$1" pattern="$2"
    shift 2
    for _ in $(seq 1 "$n"); do
        if "$@" 2>/dev/null | grep -Eq "$pattern"; then return 0; fi
        sleep 0.2
    done
    return 1
}
# near A B D: |A - B| <= D.
near() { awk -v a="$1" -v b="$2" -v d="$3" 'BEGIN { x = a - b; if (x < 0) x = -x; exit !(x <= d) }'; }

# module_port WHAT: the TCP port of the module meterd announces as "module slot 1: WHAT ... on
# 127.0.0.1:PORT" (printed on stdout), waiting up to 10 s; fails the test without one.
module_port() {
    local what="$1" p=""
    for _ in $(seq 1 500); do
        p=$(sed -n "s/.*module slot 1: $what.* on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p" "$TMP/meterd.out" | head -1)
        [ -n "$p" ] && { echo "$p"; return 0; }
        sleep 0.02
    done
    echo "FAIL: no '$what' module port: $(cat "$TMP/meterd.out")" >&2
    return 1
}
