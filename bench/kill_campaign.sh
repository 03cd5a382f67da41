#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A long kill campaign on meterd (issue #6, integrity): KILLS (default 100) kill -9 at random
# moments of a meterd at --speed 120 with a constant known load, each restarted on the same state
# directory, with the checks of the system test tests/system/meterd_kill.sh (the same loop and
# checks: tests/system/lib/kill_campaign.bash and kill_check.py): energies within the checkpoint
# bound of what was read before the kill and never above what was measured or below the newest
# row, the clock never back and valid, the load profile forward in time and read back by range,
# nothing refused at the restart. Prints the failed kills with their evidence and a Markdown
# table: kills, failures, worst loss per energy against the bound, clock and range checks, wall
# time. Exit 1 if a kill failed. KILL_SEED=N repeats a run.
# Usage: bench/kill_campaign.sh BUILD_DIR [KILLS]   (e.g. build/release)
set -u
[ $# -ge 1 ] || { echo "usage: bench/kill_campaign.sh BUILD_DIR [KILLS]"; exit 2; }
KILLS=${2:-100}
case "$KILLS" in '' | *[!0-9]* | 0) echo "kill_campaign: KILLS must be a positive number"; exit 2 ;; esac
LIB="$(cd "$(dirname "$0")/../tests/system/lib" && pwd)"
. "$LIB/meterctl_env.bash"
. "$LIB/kill_campaign.bash"

seed=${KILL_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
echo "kill campaign: $KILLS kills of meterd at --speed 120, seed $seed"
kill_campaign "$KILLS" "$seed" >"$TMP/campaign.log" || { cat "$TMP/campaign.log"; exit 1; }
grep -E '^(FAIL|    )' "$TMP/campaign.log"
echo
python3 "$KC_PY" summary "$TMP" "$kc_wall_s" --markdown
[ "$kc_fails" -eq 0 ]
