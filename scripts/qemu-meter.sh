#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The meter image in QEMU (docs/firmware.md): qemu-system-arm -M mps2-an386 runs
# meterfw_an386.elf; afefeed (the host's simulated front end, sim/) streams a scenario into its
# UART0; its display (UART1) goes to standard output or --display FILE; its DLMS/COSEM port
# (UART2, HDLC) is a TCP socket on 127.0.0.1 that meterctl -i hdlc -p PORT (or Gurux) reads.
#
#   scripts/qemu-meter.sh [--model 162M|382M] [--scenario NAME|FILE] [--start ISO] [--until ISO]
#                         [--realtime] [--dlms-port N] [--display FILE] [--firmware DIR]
#                         [--host DIR]
#
# Defaults: a 382M on the household scenario from now for an hour in real time (--realtime), the
# DLMS port 4061, build/firmware and build/release (make firmware release). Without --realtime
# the scenario goes as fast as the emulated UART carries it (about 35 kB/s: a 162M's 4 kHz
# stream in about real time, a 382M's at 0.4 of it). The image keeps running after the stream
# ends (its clock runs on); stop with Ctrl-C or SIGTERM, which ends QEMU and the feed.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MODEL=382M SCENARIO=household START="" UNTIL="" REALTIME="" DPORT=4061 DISPLAY_FILE=""
FW="$ROOT/build/firmware" HOST="$ROOT/build/release"
usage() { sed -n '7,10p' "$0" | sed 's/^# *//' >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
    --model) MODEL="$2"; shift 2 ;;
    --scenario) SCENARIO="$2"; shift 2 ;;
    --start) START="$2"; shift 2 ;;
    --until) UNTIL="$2"; shift 2 ;;
    --realtime) REALTIME=--realtime; shift ;;
    --dlms-port) DPORT="$2"; shift 2 ;;
    --display) DISPLAY_FILE="$2"; shift 2 ;;
    --firmware) FW="$2"; shift 2 ;;
    --host) HOST="$2"; shift 2 ;;
    *) usage ;;
    esac
done
ELF="$FW/meterfw_an386.elf"
FEED="$HOST/tools/afefeed/afefeed"
[ -f "$ELF" ] || { echo "qemu-meter: no $ELF (make firmware)" >&2; exit 2; }
[ -x "$FEED" ] || { echo "qemu-meter: no $FEED (make release)" >&2; exit 2; }
command -v qemu-system-arm >/dev/null || { echo "qemu-meter: no qemu-system-arm (scripts/setup.sh)" >&2; exit 2; }
if [ -z "$START" ]; then
    START=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    [ -n "$UNTIL" ] || REALTIME=--realtime
fi
if [ -z "$UNTIL" ]; then
    UNTIL=$(date -u -d "$(echo "$START" | sed 's/T/ /; s/Z$//') UTC + 1 hour" +%Y-%m-%dT%H:%M:%SZ)
fi
# the front end's port: a free one, from the kernel
APORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
DISP=(-serial stdio)
[ -n "$DISPLAY_FILE" ] && DISP=(-serial "file:$DISPLAY_FILE")
# UART0: the front end (QEMU waits for it), UART1: the display, UART2: the DLMS/COSEM port
qemu-system-arm -M mps2-an386 -display none -monitor none -kernel "$ELF" \
    -serial "tcp:127.0.0.1:$APORT,server=on,wait=on" "${DISP[@]}" \
    -serial "tcp:127.0.0.1:$DPORT,server=on,wait=off" </dev/null &
QPID=$!
FPID=""
stop() {
    [ -n "$FPID" ] && kill "$FPID" 2>/dev/null
    kill "$QPID" 2>/dev/null
    wait 2>/dev/null
    exit 0
}
trap stop INT TERM
echo "qemu-meter: $MODEL, scenario $SCENARIO $START -> $UNTIL${REALTIME:+ in real time}; DLMS/COSEM HDLC on 127.0.0.1:$DPORT (server: logical 1, physical 1000 + the serial's last four digits; public client 16, management client 1 with LLS)" >&2
# shellcheck disable=SC2086
"$FEED" --model "$MODEL" --scenario "$SCENARIO" --start "$START" --until "$UNTIL" \
    --connect "$APORT" $REALTIME &
FPID=$!
wait "$FPID"
FPID=""
wait "$QPID"
