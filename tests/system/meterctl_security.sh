#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Security end to end (docs/security.md, docs/meterctl.md "Security"): meterd with keys from a
# file, meterctl as the management client with HLS-GMAC and authenticated encryption.
#  1. meterd refuses a keys file others may read, and --lls-password (exit 2, nothing written);
#  2. access rights: the public client cannot SET or ACTION (its conformance has neither: an
#     exception-response) nor read an energy register (not in its object list);
#  3. failures the meter logs in its fraud log (0.0.99.98.1.255): a wrong key (49), a system
#     title that is not the head-end's (46), a replayed invocation counter (50);
#  4. key transfer: a new global unicast key wrapped under the master key; the old key is refused
#     from then on, the new one works, the standard log has event 48; three failed associations
#     lock the management client out for a while; after a restart of meterd
#     the meter still has the new key and its invocation counters go on;
#  5. LLS, enabled by the keys file only: its secret changed over DLMS survives the restart.
# $1 = build tree, $2 = source tree.
set -u
. "$(dirname "$0")/lib/meterctl_env.bash"

# 1. bad input
cp "$KEYS" "$TMP/open.keys" && chmod 644 "$TMP/open.keys"
if run openkeys 2 "$METERD" --no-display --no-dlms --state-dir "$TMP/x" --keys "$TMP/open.keys" \
        --until 2026-01-01T01:00:00Z --start 2026-01-01T00:00:00Z; then
    if grep -q "0600 or stricter" "$TMP/openkeys.err" && [ ! -e "$TMP/x" ]; then
        ok "keys file of mode 644 refused: $(cat "$TMP/openkeys.err")"
    else bad "mode 644 not refused as such: $(cat "$TMP/openkeys.err")"; fi
fi
if run llspw 2 "$METERD" --no-display --no-dlms --state-dir "$TMP/x" --lls-password 00000001; then
    if grep -q "shows in ps" "$TMP/llspw.err" && [ ! -e "$TMP/x" ]; then ok "$(cat "$TMP/llspw.err")"
    else bad "--lls-password: $(cat "$TMP/llspw.err")"; fi
fi

# the meter: keys, and LLS enabled with a secret (the keys file's lls-secret)
cp "$KEYS" "$TMP/lls.keys" && echo "lls-secret = 00000001" >>"$TMP/lls.keys" &&
    chmod 600 "$TMP/lls.keys"
start_meterd --state-dir "$TMP/st" --keys "$TMP/lls.keys" --speed 5
PUB=("$METERCTL" -p "$PORT")
MGT=("$METERCTL" -p "$PORT" -K "$CKEYS")
if run energy 0 "${MGT[@]}" get 1.0.1.8.0.255 2; then ok "HLS-GMAC: A+ = $(cat "$TMP/energy.out") Wh"; fi

# 2. access rights of the public client
if run pubset 1 "${PUB[@]}" set 0.0.1.0.0.255 3 i16:-60; then
    if grep -q "service-not-allowed" "$TMP/pubset.err"; then ok "public SET: $(cat "$TMP/pubset.err")"
    else bad "public SET: $(cat "$TMP/pubset.err")"; fi
fi
if run pubact 1 "${PUB[@]}" action 0.0.1.0.0.255 6 i16:0; then
    if grep -q "service-not-allowed" "$TMP/pubact.err"; then ok "public ACTION: $(cat "$TMP/pubact.err")"
    else bad "public ACTION: $(cat "$TMP/pubact.err")"; fi
fi
if run pubread 1 "${PUB[@]}" get 1.0.1.8.0.255 2; then
    if grep -q "not in the association's object list" "$TMP/pubread.err"; then
        ok "public energy read: $(cat "$TMP/pubread.err")"
    else bad "public energy read: $(cat "$TMP/pubread.err")"; fi
fi

# 3. failures and the fraud log
sed 's/^guek = 0001/guek = 0101/' "$CKEYS" >"$TMP/wrong.keys" && chmod 600 "$TMP/wrong.keys"
run wrongkey 1 "${MGT[@]/$CKEYS/$TMP/wrong.keys}" get 1.0.1.8.0.255 2 &&
    ok "wrong key: $(cat "$TMP/wrongkey.err")"
sed 's/^client-title = .*/client-title = 4D46574843544C32/' "$CKEYS" >"$TMP/title.keys" &&
    chmod 600 "$TMP/title.keys"
if run wrongtitle 1 "${MGT[@]/$CKEYS/$TMP/title.keys}" get 1.0.1.8.0.255 2; then
    if grep -q "calling-AP-title-not-recognized" "$TMP/wrongtitle.err"; then
        ok "wrong title: $(cat "$TMP/wrongtitle.err")"
    else bad "wrong title: $(cat "$TMP/wrongtitle.err")"; fi
fi
# (two failures in a row; a success clears the count before the lock-out's three)
if run fraud 0 "${MGT[@]}" get 0.0.99.98.1.255 2; then
    if grep -q ", 49}" "$TMP/fraud.out" && grep -q ", 46}" "$TMP/fraud.out"; then
        ok "fraud log: $(cat "$TMP/fraud.out")"
    else bad "fraud log lacks 49 or 46: $(cat "$TMP/fraud.out")"; fi
fi
run ic 0 "${PUB[@]}" get 0.0.43.1.0.255 2
IC=$(cat "$TMP/ic.out")
run replay 1 "${MGT[@]}" -I "$IC" get 1.0.1.8.0.255 2 && ok "replayed counter $IC: $(cat "$TMP/replay.err")"
if run fraud2 0 "${MGT[@]}" get 0.0.99.98.1.255 2; then
    if grep -q ", 50}" "$TMP/fraud2.out"; then ok "fraud log has 50 too"
    else bad "fraud log lacks 50: $(cat "$TMP/fraud2.out")"; fi
fi

# 4. key transfer
NEW=8899AABBCCDDEEFF0011223344556677
if run transfer 0 "${MGT[@]}" key transfer guek "$NEW"; then ok "$(cat "$TMP/transfer.out")"; fi
run oldkey 1 "${MGT[@]}" get 1.0.1.8.0.255 2 && ok "the old key after the transfer: $(cat "$TMP/oldkey.err")"
sed "s/^guek = .*/guek = $NEW/" "$CKEYS" >"$TMP/new.keys" && chmod 600 "$TMP/new.keys"
NEWK=("$METERCTL" -p "$PORT" -K "$TMP/new.keys")
if run std 0 "${NEWK[@]}" get 0.0.99.98.0.255 2; then
    if grep -q ", 48}" "$TMP/std.out"; then ok "the new key works; standard log has 48"
    else bad "no event 48 in the standard log: $(tail -c 300 "$TMP/std.out")"; fi
fi
# the lock-out: three failures in a row, then even the right key is refused for 10 s of the
# meter's RTC (2 s at --speed 5), then it works again
for k in 1 2 3; do run lock$k 1 "${MGT[@]/$CKEYS/$TMP/wrong.keys}" get 1.0.1.8.0.255 2; done
if run locked 1 "${NEWK[@]}" get 1.0.1.8.0.255 2; then
    if grep -q "transient: try later" "$TMP/locked.err"; then ok "locked out: $(cat "$TMP/locked.err")"
    else bad "not locked out as such: $(cat "$TMP/locked.err")"; fi
fi
sleep 2.5
run unlocked 0 "${NEWK[@]}" get 1.0.1.8.0.255 2 && ok "the lock-out ended"
run ic1 0 "${PUB[@]}" get 0.0.43.1.0.255 2
# 5. the LLS secret over DLMS (attribute 7 of the association, write-only)
run secret 0 "${NEWK[@]}" set 0.0.40.0.0.255 7 octets:3132333435363738 &&
    run lls 0 "$METERCTL" -p "$PORT" -P 12345678 get 0.0.1.0.0.255 2 && ok "LLS with the new secret"

# restart: keys, secret and counters come from the meter's flash (the file's keys are the old)
kill "$PID"; wait "$PID" 2>/dev/null
start_meterd --state-dir "$TMP/st" --keys "$TMP/lls.keys"
PUB=("$METERCTL" -p "$PORT")
MGT=("$METERCTL" -p "$PORT" -K "$CKEYS")
NEWK=("$METERCTL" -p "$PORT" -K "$TMP/new.keys")
grep -q "keeps the keys of its flash" "$TMP/meterd.out" && ok "restart: meterd notes the meter's own keys"
# the last accepted counter after the power-up is the stored floor, above every counter accepted
run ic2 0 "${PUB[@]}" get 0.0.43.1.0.255 2
if [ "$(cat "$TMP/ic2.out")" -gt "$(cat "$TMP/ic1.out")" ]; then
    ok "restart: the invocation counter floor went on ($(cat "$TMP/ic1.out") -> $(cat "$TMP/ic2.out"))"
else bad "restart: counter $(cat "$TMP/ic1.out") -> $(cat "$TMP/ic2.out")"; fi
run again 0 "${NEWK[@]}" get 1.0.1.8.0.255 2 && ok "restart: the transferred key still works"
run oldagain 1 "${MGT[@]}" get 1.0.1.8.0.255 2 && ok "restart: the old key is still refused"
run replay2 1 "${NEWK[@]}" -I "$(cat "$TMP/ic1.out")" get 1.0.1.8.0.255 2 &&
    ok "restart: a counter accepted before it is refused after it"
run lls2 0 "$METERCTL" -p "$PORT" -P 12345678 get 0.0.1.0.0.255 2 && ok "restart: the LLS secret kept"
run lls3 1 "$METERCTL" -p "$PORT" -P 00000001 get 0.0.1.0.0.255 2 && ok "restart: the old secret refused"

if [ "$fails" -ne 0 ]; then
    echo "meterd said:"; cat "$TMP/meterd.out"
    echo "FAIL: $fails check(s)"; exit 1
fi
echo "PASS"
