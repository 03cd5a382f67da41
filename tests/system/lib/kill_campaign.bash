# SPDX-License-Identifier: Apache-2.0
# The meterd kill campaign, sourced after meterctl_env.bash by tests/system/meterd_kill.sh and
# bench/kill_campaign.sh; the checks are in kill_check.py next to it.
#
# kill_campaign K SEED: meterd runs a constant load (import for the first half of the kills,
# export for the second: kill_check.py scenarios) at --speed 120 in sample fidelity on a state
# directory of its own, from 2026-01-05T00:00:00Z, the load profile set to 5 minutes over DLMS.
# K times: it runs a random 0.3-2 s; the management client reads the load profile, the clock,
# A+, A-, R+, R- and the clock again; then meterd gets SIGKILL; a random 0-0.3 s later it starts again on the same state (the RTC backup kept running), and the client
# reads the clock, the energies, the clock, its status, the capture period, the load profile,
# a range of it and the standard event log; kill_check.py check prints one line. Every meterctl
# call has a time-out (-t 5 for each answer, 10 s in all). Sets kc_fails (failed kills) and
# kc_wall_s. Everything is in $TMP/kill/N; the meterd is killed at exit by meterctl_env.bash.
KC_PY="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/kill_check.py"
KC_START=2026-01-05T00:00:00Z

# kc_rd NAME ARGS...: meterctl ARGS as the management client into $D/NAME (.err, .rc)
kc_rd() {
    local name=$1
    shift
    timeout 10 "$METERCTL" -p "$PORT" -K "$CKEYS" -t 5 "$@" >"$D/$name" 2>"$D/$name.err"
    echo $? >"$D/$name.rc"
}

# kc_sleep MIN_MS MAX_MS: a random pause
kc_sleep() {
    local ms=$(($1 + RANDOM % ($2 - $1 + 1)))
    sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
    KC_SLEPT="$((ms / 1000)).$(printf %02d $((ms % 1000 / 10)))"
}

# kc_scenario SEGMENT K: the scenario of segment 1..K+1 (segment k runs before kill k)
kc_scenario() { if [ "$1" -le $((($2 + 1) / 2)) ]; then echo import; else echo export; fi; }

kill_campaign() {
    local K=$1 seed=$2 k t0 st="$TMP/state" from to
    RANDOM=$seed
    kc_fails=0
    t0=$(date +%s%N)
    python3 "$KC_PY" scenarios "$TMP" || return 1
    start_meterd --scenario "$TMP/$(kc_scenario 1 "$K").scn" --speed 120 --state-dir "$st" \
        --start "$KC_START" --keys "$KEYS"
    D="$TMP/meta"
    mkdir -p "$D"
    kc_rd set_period set 1.0.99.1.0.255 4 u32:300
    kc_rd set_clock get 0.0.1.0.0.255 2
    kc_rd period get 1.0.99.1.0.255 4
    kc_rd lp_cols get 1.0.99.1.0.255 3
    kc_rd su_ap get 1.0.1.8.0.255 3
    kc_rd su_am get 1.0.2.8.0.255 3
    kc_rd su_rp get 1.0.3.8.0.255 3
    kc_rd su_rm get 1.0.4.8.0.255 3
    python3 "$KC_PY" meta "$TMP" || return 1
    for k in $(seq 1 "$K"); do
        D="$TMP/kill/$k"
        mkdir -p "$D"
        kc_sleep 300 2000
        local ran=$KC_SLEPT
        kc_rd b_lp get 1.0.99.1.0.255 2
        kc_rd c1 get 0.0.1.0.0.255 2
        kc_rd b_ap get 1.0.1.8.0.255 2
        kc_rd b_am get 1.0.2.8.0.255 2
        kc_rd b_rp get 1.0.3.8.0.255 2
        kc_rd b_rm get 1.0.4.8.0.255 2
        kc_rd c2 get 0.0.1.0.0.255 2
        kill -9 "$PID"
        wait "$PID" 2>/dev/null
        local kill_rc=$?
        PID=""
        cp "$st/rtc" "$D/rtc.killed"
        kc_sleep 0 300
        start_meterd --scenario "$TMP/$(kc_scenario $((k + 1)) "$K").scn" --speed 120 \
            --state-dir "$st"
        kc_rd a_c3 get 0.0.1.0.0.255 2
        kc_rd a_ap get 1.0.1.8.0.255 2
        kc_rd a_am get 1.0.2.8.0.255 2
        kc_rd a_rp get 1.0.3.8.0.255 2
        kc_rd a_rm get 1.0.4.8.0.255 2
        kc_rd a_c4 get 0.0.1.0.0.255 2
        kc_rd a_status get 0.0.1.0.0.255 4
        kc_rd a_period get 1.0.99.1.0.255 4
        kc_rd a_lp get 1.0.99.1.0.255 2
        echo "K=$K seed=$seed old=$(kc_scenario "$k" "$K") new=$(kc_scenario $((k + 1)) "$K")" \
            "ran_s=$ran kill_rc=$kill_rc start_ms=$(($(date -d "$KC_START" +%s) * 1000))" >"$D/info"
        read -r from to < <(python3 "$KC_PY" range "$TMP" "$k")
        kc_rd a_range profile 1.0.99.1.0.255 --from "$from" --to "$to"
        kc_rd a_events get 0.0.99.98.0.255 2
        cp "$TMP/meterd.out" "$D/meterd.out"
        python3 "$KC_PY" check "$TMP" "$k" || kc_fails=$((kc_fails + 1))
    done
    kc_wall_s=$(python3 -c "print(($(date +%s%N) - $t0) / 1e9)")
}
