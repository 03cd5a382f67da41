#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# meterctl over HDLC (IEC 62056-46) against meterd: tunnelled in TCP (--hdlc-port) and on a
# pseudo-terminal (--optical pty: IEC 62056-21 mode E at 300 Bd, then HDLC at 9600 Bd, the rate
# simulated; --hdlc-line pty: HDLC from the start), with the same commands as over the wrapper.
#  1. meterd fills a day (2026-01-05) in fast fidelity, then runs in real time with the wrapper,
#     an HDLC port and the optical port, lower HDLC address 17 (--hdlc-address);
#  2. HDLC in TCP: the clock (public client, server address 03), the device id (0.0.96.1.0.255)
#     as the management client with the server address in 1 byte (03), 2 bytes (02 23) and 4
#     bytes (00 02 00 23): the same value as over the wrapper; a wrong physical address gets no answer (exit 3); the load
#     profile of the day by range is the same CSV as over the wrapper, with the default window 7
#     / 1024-byte fields and with window 1 / 128-byte fields; IC 23 shows the settings;
#  3. the optical port: mode E opening (the identification names the meter), the clock, the
#     device id; the HDLC line (a second meterd): the clock, no faster than the bytes meterctl
#     counts on the line take at 9600 Bd (10 bits each), and not much slower.
# $1 = build tree, $2 = source tree.
set -u
. "$(dirname "$0")/lib/meterctl_env.bash"

if ! timeout 120 "$METERD" --no-display --no-dlms --state-dir "$TMP/st" --keys "$KEYS" \
        --start 2026-01-05T00:00:00Z --until 2026-01-06T00:00:00Z >"$TMP/fill.out" 2>&1; then
    echo "FAIL: meterd --until: $(cat "$TMP/fill.out")"; exit 1
fi
start_meterd --state-dir "$TMP/st" --hdlc-port 0 --optical pty --hdlc-address 17
HPORT=$(sed -n 's/.*DLMS\/COSEM HDLC on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$TMP/meterd.out")
PTS=$(sed -n 's/.*optical port on \([^ ]*\) .*/\1/p' "$TMP/meterd.out")
[ -n "$HPORT" ] && [ -n "$PTS" ] || { echo "FAIL: $(cat "$TMP/meterd.out")"; exit 1; }
ok "meterd: wrapper $PORT, HDLC $HPORT, optical port $PTS"

run() {
    local name="$1" want="$2"
    shift 2
    timeout 120 "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
    local rc=$?
    if [ "$rc" -ne "$want" ]; then
        bad "$name: exit $rc, expected $want: $(head -c 400 "$TMP/$name.err")"
        return 1
    fi
    return 0
}
W=("$METERCTL" -p "$PORT")
H=("$METERCTL" -i hdlc -p "$HPORT")
ISO='^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{2})?(Z|[+-][0-9]{2}:[0-9]{2})$'

# 2. HDLC in TCP
if run clock 0 "${H[@]}" get 0.0.1.0.0.255 2; then
    if grep -Eq "$ISO" "$TMP/clock.out"; then ok "HDLC clock: $(cat "$TMP/clock.out")"
    else bad "HDLC clock: $(cat "$TMP/clock.out")"; fi
fi
run id_w 0 "${W[@]}" -K "$CKEYS" get 0.0.96.1.0.255 2
for form in "1:-s 1" "2:-s 1 -l 17" "4:-s 1 -l 17 -A 4"; do
    size=${form%%:*}
    # shellcheck disable=SC2206
    args=(${form#*:})
    if run "id_$size" 0 "${H[@]}" -K "$CKEYS" "${args[@]}" get 0.0.96.1.0.255 2; then
        if [ -s "$TMP/id_w.out" ] && cmp -s "$TMP/id_w.out" "$TMP/id_$size.out"; then
            ok "device id over HDLC, server address in $size byte(s): $(cat "$TMP/id_$size.out")"
        else bad "device id over HDLC ($size bytes): $(cat "$TMP/id_$size.out"), wrapper $(cat "$TMP/id_w.out")"; fi
    fi
done
run wrong 3 "${H[@]}" -t 2 -K "$CKEYS" -s 1 -l 18 get 1.0.1.8.0.255 2 &&
    ok "another physical address: $(cat "$TMP/wrong.err")"
P=(profile 1.0.99.1.0.255 --from 2026-01-05T00:00:00Z --to 2026-01-06T00:00:00Z)
if run prof_w 0 "${W[@]}" -K "$CKEYS" "${P[@]}" && run prof_h 0 "${H[@]}" -K "$CKEYS" "${P[@]}" &&
    run prof_h1 0 "${H[@]}" -K "$CKEYS" -w 1 -f 128 "${P[@]}"; then
    rows=$(($(wc -l <"$TMP/prof_w.out") - 1))
    if [ "$rows" -ge 96 ] && cmp -s "$TMP/prof_w.out" "$TMP/prof_h.out" &&
        cmp -s "$TMP/prof_w.out" "$TMP/prof_h1.out"; then
        ok "load profile by range over HDLC (window 7 / 1024 and 1 / 128): the wrapper's $rows rows"
    else bad "load profile over HDLC differs from the wrapper's ($rows rows)"; fi
fi
if run ic23 0 "${H[@]}" -K "$CKEYS" get 0.0.22.0.0.255 9 && run ic23w 0 "${H[@]}" -K "$CKEYS" get 0.0.22.0.0.255 3; then
    if [ "$(cat "$TMP/ic23.out")" = "17" ] && [ "$(cat "$TMP/ic23w.out")" = "7" ]; then
        ok "IEC HDLC setup: device address $(cat "$TMP/ic23.out"), window $(cat "$TMP/ic23w.out")"
    else bad "IEC HDLC setup: $(cat "$TMP/ic23.out") $(cat "$TMP/ic23w.out")"; fi
fi

# 3. the optical port: mode E, then HDLC at 9600 Bd
if run oclock 0 "$METERCTL" -S "$PTS" -E -v get 0.0.1.0.0.255 2; then
    if grep -Eq "$ISO" "$TMP/oclock.out" && grep -q 'identification /MFW5\\2382M00000001' "$TMP/oclock.err"; then
        ok "optical port: $(grep identification "$TMP/oclock.err" | sed 's/^meterctl: //'), clock $(cat "$TMP/oclock.out")"
    else bad "optical port: $(cat "$TMP/oclock.out") $(cat "$TMP/oclock.err" | head -3)"; fi
fi
if run oid 0 "$METERCTL" -S "$PTS" -E -K "$CKEYS" get 0.0.96.1.0.255 2; then
    if cmp -s "$TMP/id_w.out" "$TMP/oid.out"; then ok "optical port, management: device id $(cat "$TMP/oid.out")"
    else bad "optical port device id: $(cat "$TMP/oid.out")"; fi
fi
if run ic19 0 "$METERCTL" -S "$PTS" -E -K "$CKEYS" get 0.0.20.0.0.255 4; then
    [ "$(cat "$TMP/ic19.out")" = "5" ] && ok "IEC local port setup: prop_baud 5 (9600 Bd)" ||
        bad "IEC local port setup prop_baud: $(cat "$TMP/ic19.out")"
fi

# the HDLC line: a second meterd (a new meter), HDLC from the start at 9600 Bd
kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; PID=""
cp "$TMP/meterd.out" "$TMP/meterd1.out"
start_meterd --state-dir "$TMP/st2" --hdlc-line pty
PTS2=$(sed -n 's/.*HDLC line on \([^ ]*\) .*/\1/p' "$TMP/meterd.out")
t0=$(date +%s%N)
if run lclock 0 "$METERCTL" -S "$PTS2" -v get 0.0.1.0.0.255 2; then
    ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    bytes=$(sed -n 's/^meterctl: \([0-9]*\) bytes sent, \([0-9]*\) received$/\1 \2/p' "$TMP/lclock.err")
    # every byte on the line takes 10 bits at 9600 Bd: the exchange cannot be faster than that
    bound=$(echo "$bytes" | awk '{ printf "%d", ($1 + $2) * 10000 / 9600 }')
    if grep -Eq "$ISO" "$TMP/lclock.out" && [ -n "$bound" ] && [ "$ms" -ge "$bound" ] &&
        [ "$ms" -le $((bound + 2000)) ]; then
        ok "HDLC line at 9600 Bd: the clock in $ms ms, $bytes bytes: at least $bound ms on the line"
    else bad "HDLC line: $(cat "$TMP/lclock.out") in $ms ms, bytes $bytes, bound $bound ms"; fi
fi

if [ "$fails" -ne 0 ]; then
    echo "the first meterd said:"; cat "$TMP/meterd1.out"
    echo "meterd said:"; cat "$TMP/meterd.out"
    echo "FAIL: $fails check(s)"; exit 1
fi
echo "PASS"
