# SPDX-License-Identifier: Apache-2.0
# Sourced by the meterctl system tests: the binaries, a temporary directory cleaned up at exit
# (with the meterd started by start_meterd), ok/bad counters, and start_meterd.
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
