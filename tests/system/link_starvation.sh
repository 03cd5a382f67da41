#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Sessions that cannot be starved (docs/link.md "The close policy", the defaults of options.h):
# meterd with its 8 sessions, the wrapper port and the HDLC port. An attacker holds 8 idle
# sockets (connected, silent) and 8 slow senders (one byte of a frame a second) open, opening a
# new one at once whenever meterd closes one. While it does, a legitimate client associates and
# reads the clock over the wrapper and over HDLC, 5 times each: every read must succeed within a
# second, end to end (connect, AARQ, GET, RLRQ). Then the attack moves to the HDLC port (slow
# HDLC frames) and the reads are repeated. Finally meterd's link must have evicted and timed out
# attackers (its counters, as the Gurux-independent evidence that they held the slots).
# $1 = build tree, $2 = source tree.
set -u
. "$(dirname "$0")/lib/meterctl_env.bash"

start_meterd --state-dir "$TMP/st" --hdlc-port 0 --fidelity fast
HPORT=$(sed -n 's/.*DLMS\/COSEM HDLC on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$TMP/meterd.out")
[ -n "$HPORT" ] || { echo "FAIL: no HDLC port: $(cat "$TMP/meterd.out")"; exit 1; }
ok "meterd: wrapper on $PORT, HDLC on $HPORT"

# attack PORT KIND: 8 idle + 8 slow connections to PORT, kept open (reopened when closed), until
# killed; it writes how many connections it opened and saw closed to $TMP/attack.<KIND>.
attack() {
    python3 - "$1" "$2" "$TMP/attack.$2" <<'PY' &
import socket, sys, time, select, signal
port, kind, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
# a wrapper frame header announcing 13 bytes, or an HDLC I-frame start: never completed
frame = bytes.fromhex("000100100001000dc001c100080000010000ff0200") if kind == "wrapper" \
    else bytes.fromhex("7ea0190321326fd8e6e600c001c1000f0000280000ff020091537e")
opened = closed = 0
socks = {}  # socket -> [slow?, next byte index, next send time]
def open_one(slow):
    global opened
    s = socket.socket()
    s.setblocking(False)
    try:
        s.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    socks[s] = [slow, 0, time.time() + 1.0]
    opened += 1
def report(*_):
    open(out, "w").write("%d %d\n" % (opened, closed))
    sys.exit(0)
signal.signal(signal.SIGTERM, report)
for k in range(16):
    open_one(k >= 8)
while True:
    r, _, _ = select.select(list(socks), [], [], 0.05)
    for s in r:
        try:
            d = s.recv(4096)
        except (ConnectionError, OSError):
            d = b""
        if not d:  # meterd closed it: take another slot at once
            slow = socks.pop(s)[0]
            s.close()
            closed += 1
            open_one(slow)
    now = time.time()
    for s, st in list(socks.items()):
        if st[0] and now >= st[2]:
            try:
                s.send(frame[st[1] % len(frame):st[1] % len(frame) + 1])
            except (BlockingIOError, ConnectionError, OSError):
                pass
            st[1] += 1
            st[2] = now + 1.0
PY
    APID=$!
}

# reads LABEL ARGS...: 5 clock reads with meterctl ARGS, each within a second
reads() {
    local label="$1"
    shift
    local worst=0 failed=0
    for k in 1 2 3 4 5; do
        local t0 t1 ms
        t0=$(date +%s%N)
        if ! timeout 10 "$METERCTL" -t 5 "$@" get 0.0.1.0.0.255 2 >"$TMP/r.out" 2>"$TMP/r.err"; then
            failed=$((failed + 1))
            echo "  read $k failed: $(cat "$TMP/r.err")"
        fi
        t1=$(date +%s%N)
        ms=$(( (t1 - t0) / 1000000 ))
        [ "$ms" -gt "$worst" ] && worst=$ms
        sleep 0.3
    done
    if [ "$failed" -eq 0 ] && [ "$worst" -lt 1000 ]; then
        ok "$label: 5 reads under attack, the slowest ${worst} ms"
    else
        bad "$label: $failed of 5 failed, the slowest ${worst} ms (limit 1000 ms)"
    fi
}

attack "$PORT" wrapper
sleep 1.5 # every slot taken by the attack
reads "wrapper client, attack on the wrapper port" -p "$PORT"
reads "HDLC client, attack on the wrapper port" -i hdlc -p "$HPORT"
sleep 6 # past the frame (5 s) and near the association (10 s) time-outs: the attack goes on
reads "wrapper client, the attack 8 s on" -p "$PORT"
kill "$APID"; wait "$APID" 2>/dev/null
read -r opened closed <"$TMP/attack.wrapper"
ok "wrapper attack: $opened connections opened, $closed closed by meterd"
[ "$closed" -ge 8 ] || bad "meterd closed only $closed attacking connections"

attack "$HPORT" hdlc
sleep 1.5
reads "HDLC client, attack on the HDLC port" -i hdlc -p "$HPORT"
reads "wrapper client, attack on the HDLC port" -p "$PORT"
kill "$APID"; wait "$APID" 2>/dev/null
read -r opened closed <"$TMP/attack.hdlc"
ok "HDLC attack: $opened connections opened, $closed closed by meterd"
[ "$closed" -ge 8 ] || bad "meterd closed only $closed attacking connections"

if [ "$fails" -ne 0 ]; then
    echo "meterd said:"; cat "$TMP/meterd.out"
    echo "FAIL: $fails check(s)"; exit 1
fi
echo "PASS"
