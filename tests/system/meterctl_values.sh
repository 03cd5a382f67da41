#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Values read over DLMS against expectations worked out by hand from the scenario and the
# calendar, not from what the meter printed.
#
# Scenario: 230 V; L1 2300 W at PF 1; L2 1150 W (active) at PF 0.5 inductive, so
# Q = 1150 x tan(60 deg) = 1991.86 var (docs/scenario.md: a load's watts are its active power).
# meterd fills 2026-06-03 00:00 .. 10:00 local (CEST, UTC+2: 2026-06-02T22:00Z .. 08:00Z), a
# Wednesday in summer, in fast fidelity. The default calendar (README) gives T2 before 07:00 and
# T1 from 07:00 on a summer working day, so, with P = 3450 W:
#   A+ total  = 3450 W x 10 h       = 34,500 Wh
#   A+ T2     = 3450 W x  7 h       = 24,150 Wh (00:00-07:00)
#   A+ T1     = 3450 W x  3 h       = 10,350 Wh (07:00-10:00)
#   R+ total  = 1991.86 var x 10 h  = 19,918 varh (floor of 19918.6)
#   load profile: 40 rows, 15 minutes apart, the last at 10:00 local with A+ = 34,500 Wh
#   active tariff (0.0.96.14.0.255) at 10:00 local: 1
# Then meterd serves DLMS from that state at --speed 1 (the RTC continues from 10:00 local), so
# T2 and the profile rows stay exactly as computed, and A+ and T1 may only have grown by the
# seconds the test runs.
# $1 = build tree, $2 = source tree.
set -u
. "$(dirname "$0")/lib/meterctl_env.bash"

cat >"$TMP/load.scn" <<'EOF'
voltage 230 V
frequency 50 Hz
load heater 2300 W pf 1 L1
load motor 1150 W pf 0.5 ind L2
EOF
if ! timeout 120 "$METERD" --no-display --no-dlms --scenario "$TMP/load.scn" --state-dir "$TMP/st" \
        --keys "$KEYS" \
        --start 2026-06-02T22:00:00Z --until 2026-06-03T08:00:00Z >"$TMP/fill.out" 2>&1; then
    echo "FAIL: meterd --until: $(cat "$TMP/fill.out")"; exit 1
fi
start_meterd --scenario "$TMP/load.scn" --state-dir "$TMP/st" --speed 1
MGT=("$METERCTL" -p "$PORT" -K "$CKEYS")

get() { timeout 30 "${MGT[@]}" get "$1" "$2" 2>"$TMP/err" | tr -d '\r'; }

# exact: nothing of T2 or R- can have been added since 10:00 local
t2=$(get 1.0.1.8.2.255 2)
[ "$t2" = "24150" ] && ok "A+ T2 = $t2 Wh (3450 W x 7 h)" || bad "A+ T2 = '$t2', want 24150: $(cat "$TMP/err")"
rm_=$(get 1.0.4.8.0.255 2)
[ "$rm_" = "0" ] && ok "R- = 0 (inductive load only)" || bad "R- = '$rm_', want 0"
tariff=$(get 0.0.96.14.0.255 2)
[ "$tariff" = "1" ] && ok "active tariff 1 at 10:00 local on a summer Wednesday" ||
    bad "active tariff '$tariff', want 1"

# at least the computed value, at most what the seconds since 10:00 can add (3450 W x 100 s)
within() { # name value want slack
    if [ -n "$2" ] && [ "$2" -ge "$3" ] 2>/dev/null && [ "$2" -le $(($3 + $4)) ]; then
        ok "$1 = $2 (computed $3, plus at most $4 since)"
    else
        bad "$1 = '$2', want $3 .. $(($3 + $4))"
    fi
}
within "A+ total Wh" "$(get 1.0.1.8.0.255 2)" 34500 96
within "A+ T1 Wh" "$(get 1.0.1.8.1.255 2)" 10350 96
within "R+ total varh" "$(get 1.0.3.8.0.255 2)" 19918 56

# the load profile of the filled hours, by range: 40 rows 15 min apart, the last with 34,500 Wh
timeout 60 "${MGT[@]}" profile 1.0.99.1.0.255 --from 2026-06-02T22:00:00Z \
    --to 2026-06-03T08:00:00Z >"$TMP/lp.csv" 2>"$TMP/err" || bad "profile: $(cat "$TMP/err")"
rows=$(tail -n +2 "$TMP/lp.csv" | grep -c .)
last=$(tail -n 1 "$TMP/lp.csv" | cut -d, -f3)
first=$(sed -n 2p "$TMP/lp.csv" | cut -d, -f3)
[ "$rows" = "40" ] && ok "load profile 00:15..10:00 local: 40 rows" || bad "load profile rows $rows, want 40"
[ "$last" = "34500" ] && ok "last row A+ = $last Wh" || bad "last row A+ '$last', want 34500"
# the first row (00:15): 3450 W x 0.25 h = 862.5 Wh, a whole-Wh register: 862 or 863
case "$first" in 862 | 863) ok "first row A+ = $first Wh (862.5 Wh)" ;; *) bad "first row A+ '$first'" ;; esac

if [ "$fails" -ne 0 ]; then echo "FAIL: $fails check(s)"; exit 1; fi
echo "PASS"
