#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# kill -9 on meterd at random moments (issue #6, integrity): 8 kills of a meterd that runs a
# constant known load at --speed 120 in sample fidelity (3 x 1000 W at PF 0.9 inductive, import
# for the first 4 kills, export for the last 4, so A+, R+, A- and R- all grow), each restarted on
# the same state directory. Against the values read over DLMS just before each kill
# (tests/system/lib/kill_campaign.bash runs the loop, kill_check.py holds the checks):
#  - every energy after the restart >= the value before - the checkpoint bound
#    max(100 Wh, Pmax x 60 s) + one measurement window, and no more than the load can have
#    added between the two reads; never below the newest load profile row;
#  - the clock never goes back (not after the restart, not at the power-up the meter logs), its
#    status is valid, the power-up is logged at the RTC the backup kept;
#  - the load profile: one row per 5-minute boundary the meter ran across (the period set over
#    DLMS survives: no defaults), strictly increasing, no row of before the kill lost or changed,
#    none flagged clock invalid; a range read returns exactly the rows whose times lie in it;
#  - meterd reports nothing refused and no defaults.
# Each kill is judged on what is new since the previous one, so a fault is counted once.
# One line per kill and a summary; a random seed each run (printed: KILL_SEED=N repeats it).
# $1 = build tree, $2 = source tree.
set -u
. "$(dirname "$0")/lib/meterctl_env.bash"
. "$(dirname "$0")/lib/kill_campaign.bash"

seed=${KILL_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
echo "seed $seed"
kill_campaign 8 "$seed" || { echo "FAIL: the campaign did not run"; exit 1; }
python3 "$KC_PY" summary "$TMP" "$kc_wall_s"
if [ "$kc_fails" -ne 0 ]; then echo "FAIL: $kc_fails of 8 kills"; exit 1; fi
echo "PASS"
