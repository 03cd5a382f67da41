#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The fleet under a head-end's load (docs/fleet.md "Benchmark"): bench_fleet for N = 100, 1,000
# and 10,000 meters in one fleetd, each phase SECONDS long, K client threads; then, if
# GURUX_CLIENT names the Gurux client's runner (references: interop), a sample of meters read by
# the Gurux DLMS C client on the shared port, public and HLS-GMAC.
#   bash bench/fleet.sh BUILD_DIR [SECONDS [THREADS [HISTORY_H [N...]]]]
set -u
B=${1:?usage: fleet.sh BUILD_DIR [SECONDS [THREADS [HISTORY_H [N...]]]]}
SECS=${2:-20}
K=${3:-4}
HIST=${4:-24}
shift $(($# < 4 ? $# : 4))
NS=("$@")
[ ${#NS[@]} -gt 0 ] || NS=(100 1000 10000)
FLEETD="$B/port/fleet/fleetd"
BENCH="$B/bench/bench_fleet"
[ -x "$FLEETD" ] && [ -x "$BENCH" ] || { echo "fleet.sh: build $B first"; exit 2; }
echo "fleet benchmark: $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), ${SECS} s a phase, $K client"\
     "threads, ${HIST} h of history; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| meters | start (history caught up) | RSS / meter | RSS | CPU / simulated meter-s | CPU idle (real time) | HLS associations/s | GET/s | GET p50 / p99 | profile rows/s | fleetd CPU under GET load |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
details=()
for n in "${NS[@]}"; do
    out=$("$BENCH" "$FLEETD" "$n" "$SECS" "$K" "$HIST") || { echo "| $n | failed |"; continue; }
    echo "$out" | head -1
    details+=("$(echo "$out" | tail -n +2)")
done
echo
printf '%s\n' "${details[@]}"

if [ -n "${GURUX_CLIENT:-}" ] && [ -x "$GURUX_CLIENT" ]; then
    echo
    echo "Gurux DLMS C client, a sample of 5 meters of a 100-meter fleet on the shared port:"
    T=$(mktemp -d)
    "$FLEETD" --meters 100 --state-dir "$T/state" --shared-port 0 --history 1h --quiet \
        2>"$T/err" &
    pid=$!
    for _ in $(seq 1 300); do grep -qs '^fleetd: ready' "$T/err" && break; sleep 0.1; done
    sp=$(sed -n 's/.* \([0-9]*\) (wrapper, server wPort.*/\1/p' "$T/err")
    ok=0
    for i in 0 17 42 63 99; do
        ek=$(awk -F, -v i=$i '$2==i{print $10}' "$T/state/keys.csv")
        ak=$(awk -F, -v i=$i '$2==i{print $12}' "$T/state/keys.csv")
        t0=$(date +%s.%N)
        LOG="$T/g.log" GURUX_TIMEOUT=60 "$GURUX_CLIENT" "$sp" -i WRAPPER -c 16 -s $((16 + i)) \
            -a None -g "0.0.42.0.0.255:2" >/dev/null && \
        LOG="$T/g.log" GURUX_TIMEOUT=60 "$GURUX_CLIENT" "$sp" -i WRAPPER -c 1 -s $((16 + i)) \
            -a HighGmac -C AuthenticationEncryption -T 4D46574755525831 -A "$ak" -B "$ek" -F 1 \
            -g "1.0.1.8.0.255:2,1.0.99.1.0.255:2" >/dev/null && ok=$((ok + 1))
        t1=$(date +%s.%N)
        echo "  meter $i (wPort $((16 + i))): $(grep -a 'Value' "$T/g.log" | tail -1 | tr -d '\r' | cut -c1-60)  ($(echo "$t1 - $t0" | bc) s)"
    done
    echo "  $ok of 5 meters read by Gurux: LDN as the public client, A+ and the load profile with HLS-GMAC"
    kill "$pid"
    wait "$pid"
    rm -rf "$T"
fi
