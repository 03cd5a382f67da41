#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The meter and its in-home display together (docs/ihd.md): meterd with a P1 module on a TCP
# port and ihd reading it, the page on http://127.0.0.1:HTTP_PORT/. A meterd without the P1
# module (issue 12 not merged) gets the display on the tests' P1 source instead, and says so.
#   scripts/run_display.sh BUILD_DIR [HTTP_PORT] [-- meterd options]
set -euo pipefail
build=${1:?build dir}
shift
http=8080
if [ $# -gt 0 ] && [ "$1" != "--" ]; then http=$1; shift; fi
[ "${1:-}" = "--" ] && shift
src=$(cd "$(dirname "$0")/.." && pwd)
meterd="$build/port/posix/meterd"
ihd="$build/tools/ihd/ihd"
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM
if "$meterd" --help 2>&1 | grep -q -- '--module'; then
    "$meterd" --no-display --module p1=tcp:0 "$@" >"$tmp/meterd.out" 2>&1 &
    pids+=($!)
    port=""
    for _ in $(seq 1 500); do
        port=$(sed -n 's/.*P1 telegrams.* on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$tmp/meterd.out" | head -1)
        [ -n "$port" ] && break
        kill -0 "${pids[0]}" 2>/dev/null || { cat "$tmp/meterd.out"; exit 1; }
        sleep 0.02
    done
    [ -n "$port" ] || { echo "run: meterd said no P1 port:"; cat "$tmp/meterd.out"; exit 1; }
    echo "run: meterd's P1 telegrams on 127.0.0.1:$port"
else
    echo "run: this meterd has no P1 module yet (issue 12): the display reads the tests' P1 source"
    python3 "$src/tests/support/p1_source.py" --tcp 0 --backlog 720 --backlog-period 5 \
        --live 1000000 >"$tmp/src.out" 2>&1 &
    pids+=($!)
    port=""
    for _ in $(seq 1 500); do
        port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/src.out")
        [ -n "$port" ] && break
        sleep 0.02
    done
fi
"$ihd" --p1 "tcp:127.0.0.1:$port" --db "${IHD_DB:-ihd.db}" --http "$http" &
pids+=($!)
wait "${pids[-1]}"
