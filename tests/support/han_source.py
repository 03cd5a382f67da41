#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A HAN push source for the in-home display's tests: Kamstrup-style lists (KN 2.7-2.9) as DLMS
data-notifications in HDLC UI frames, with HCS and FCS (CRC-16/X-25) computed here, served to
one TCP client. Frame k (k = 0..N-1) is stamped START + 10 k s (local CEST); its power is
P(k) = 1000 + 37 k W import, IL1 = 2.37 A, UL = 231/229/226 V; every 6th frame is the hourly
list with A+ = 1234560 + 5 k (x 10 Wh) and A- = 12 (x 10 Wh). Frame 3 has a wrong FCS and frame
4 is ciphered (general-glo-ciphering, tag DB): both must be dropped and counted.
  han_source.py --tcp PORT --frames N --log FILE
"""
import argparse
import datetime as dt
import json
import socket
import time


def x25(data):
    c = 0xFFFF
    for b in data:
        c ^= b
        for _ in range(8):
            c = (c >> 1) ^ 0x8408 if c & 1 else c >> 1
    return c ^ 0xFFFF


assert x25(b"123456789") == 0x906E


def obis(a, b, c, d, e, f=255):
    return bytes([0x09, 0x06, a, b, c, d, e, f])


def u32(v):
    return b"\x06" + v.to_bytes(4, "big")


def u16(v):
    return b"\x12" + v.to_bytes(2, "big")


def date_time(local, dst):
    return (local.year.to_bytes(2, "big") + bytes([local.month, local.day, local.isoweekday(),
            local.hour, local.minute, local.second, 0xFF, 0x80, 0x00, 0x80 if dst else 0x00]))


def frame(k, start):
    local = start + dt.timedelta(seconds=10 * k)
    p = 1000 + 37 * k
    hourly = k % 6 == 0
    items = [(obis(1, 1, 0, 0, 5), b"\x0a\x10" + b"5706567326590407"),
             (obis(1, 1, 1, 7, 0), u32(p)), (obis(1, 1, 2, 7, 0), u32(0)),
             (obis(1, 1, 31, 7, 0), u32(237)),
             (obis(1, 1, 32, 7, 0), u16(231)), (obis(1, 1, 52, 7, 0), u16(229)),
             (obis(1, 1, 72, 7, 0), u16(226))]
    if hourly:
        items += [(obis(0, 1, 1, 0, 0), b"\x09\x0c" + date_time(local, True)),
                  (obis(1, 1, 1, 8, 0), u32(1234560 + 5 * k)), (obis(1, 1, 2, 8, 0), u32(12))]
    body = b"\x02" + bytes([1 + 2 * len(items)]) + b"\x0a\x0eKamstrup_V0001"
    for o, v in items:
        body += o + v
    apdu = b"\x0f\x00\x00\x00\x00\x0c" + date_time(local, True) + body
    if k == 4:
        apdu = b"\xdb" + apdu[1:]
    info = b"\xe6\xe7\x00" + apdu
    n = 2 + 3 + 2 + len(info) + 2
    head = bytes([0xA0 | (n >> 8), n & 0xFF, 0x2B, 0x21, 0x13])
    hcs = x25(head).to_bytes(2, "little")
    fcs = x25(head + hcs + info)
    if k == 3:
        fcs ^= 0x0101
    f = b"\x7e" + head + hcs + info + fcs.to_bytes(2, "little") + b"\x7e"
    rec = {"k": k, "t": int((local - dt.timedelta(hours=2)).replace(tzinfo=dt.timezone.utc).timestamp()),
           "p": p, "hourly": hourly, "good": k not in (3, 4),
           "imp_wh": (1234560 + 5 * k) * 10 if hourly else None}
    return f, rec


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tcp", type=int, required=True)
    ap.add_argument("--frames", type=int, default=40)
    ap.add_argument("--start", default="2026-06-03T10:00:00", help="local CEST")
    ap.add_argument("--log", required=True)
    a = ap.parse_args()
    start = dt.datetime.fromisoformat(a.start)
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", a.tcp))
    srv.listen(1)
    print("han_source: listening on 127.0.0.1:%d" % srv.getsockname()[1], flush=True)
    srv.settimeout(60)
    c, _ = srv.accept()
    with open(a.log, "w") as log:
        for k in range(a.frames):
            f, rec = frame(k, start)
            c.sendall(f)
            log.write(json.dumps(rec) + "\n")
            log.flush()
            time.sleep(0.02)
    print("han_source: done", flush=True)
    time.sleep(0.5)
    c.close()


if __name__ == "__main__":
    main()
