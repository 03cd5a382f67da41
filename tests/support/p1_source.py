#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A P1 source for the in-home display's tests: DSMR 5.0.2 telegrams of a known analytic load,
with their CRC-16/ARC computed here (not by the code under test), sent over TCP or written to
standard output. It logs every telegram it sent (JSON lines) so that a test can derive what the
page must show.

The load, with s = seconds since the first telegram (the source's clock: one telegram per period,
the backlog's one per --backlog-period):
  house(s) = 1500 + 1000 sin(2 pi s / 3600) W
  pv(s)    = 2500 max(0, sin(2 pi s / 7200)) W
  net      = floor(house - pv): import = max(net, 0), export = max(-net, 0) W (1 W resolution)
  phases   L1 50 %, L2 30 %, L3 20 % of import and export (floored to W)
  voltages L1 231.4 V, L2 229.8 V, L3 205.3 V (below EN 50160's 207 V)
  tariff   T2 from 07:00 to 21:00 local, T1 otherwise
  registers: integer W*s accumulated per telegram (the power at it times the step before it),
             shown in Wh truncated
Telegram times are local CEST (S) or CET (W) by the EU rule.

  p1_source.py --tcp PORT [--backlog S] [--live N] [--hold S] ...   serve one client
  p1_source.py --stdout --seconds N [--period S]                   as fast as possible
"""
import argparse
import datetime as dt
import json
import math
import socket
import sys
import time

# CRC-16/ARC: x^16 + x^15 + x^2 + 1 reflected (0xA001), init 0, no final xor; check 0xBB3D.
_TABLE = []
for _i in range(256):
    _r = _i
    for _ in range(8):
        _r = (_r >> 1) ^ 0xA001 if _r & 1 else _r >> 1
    _TABLE.append(_r)


def crc16_arc(data):
    c = 0
    for b in data:
        c = (c >> 8) ^ _TABLE[(c ^ b) & 0xFF]
    return c


assert crc16_arc(b"123456789") == 0xBB3D


def eu_dst(utc):
    """Summer time in the EU: last Sunday of March 01:00Z .. last Sunday of October 01:00Z."""
    y = utc.year

    def last_sunday(month):
        d = dt.datetime(y, month, 31 if month in (3, 10) else 30, 1, tzinfo=dt.timezone.utc)
        return d - dt.timedelta(days=(d.weekday() + 1) % 7)

    return last_sunday(3) <= utc < last_sunday(10)


def tst_of(t):
    """DSMR 5.0.2 TST: local YYMMDDhhmmss and S (summer) or W."""
    utc = dt.datetime.fromtimestamp(t, dt.timezone.utc)
    summer = eu_dst(utc)
    local = utc + dt.timedelta(hours=2 if summer else 1)
    return local.strftime("%y%m%d%H%M%S") + ("S" if summer else "W")


def house(s):
    return 1500 + 1000 * math.sin(2 * math.pi * s / 3600)


def pv(s):
    return 2500 * max(0.0, math.sin(2 * math.pi * s / 7200))


class Meter:
    def __init__(self, start_utc, period):
        self.t0 = int(start_utc.timestamp())
        self.period = period
        self.n = 0
        self.s = 0
        self.imp_ws = [0, 3_600_000 * 1000, 3_600_000 * 2000]  # T1 1000 kWh, T2 2000 kWh
        self.exp_ws = [0, 3_600_000 * 100, 3_600_000 * 200]
        self.sags = [0, 1, 0]

    def telegram(self, step=None):
        """The next telegram, `step` seconds (default the period) after the one before."""
        if self.n > 0:
            self.s += step or self.period
        s = self.s
        t = self.t0 + s
        utc = dt.datetime.fromtimestamp(t, dt.timezone.utc)
        summer = eu_dst(utc)
        offset = 7200 if summer else 3600
        local = utc + dt.timedelta(seconds=offset)
        tariff = 2 if 7 <= local.hour < 21 else 1
        net = math.floor(house(s) - pv(s))
        imp, exp = max(net, 0), max(-net, 0)
        # the registers include the energy up to this telegram (P held over the period before)
        if self.n > 0:
            self.imp_ws[tariff] += imp * (step or self.period)
            self.exp_ws[tariff] += exp * (step or self.period)
        reg_i = [w // 3600 for w in self.imp_ws]
        reg_e = [w // 3600 for w in self.exp_ws]
        split = [imp * 5 // 10, imp * 3 // 10, imp * 2 // 10]
        split_e = [exp * 5 // 10, exp * 3 // 10, exp * 2 // 10]
        tst = tst_of(t)
        lines = [
            "/MFW5\\2ihd-test-source", "",
            "1-3:0.2.8(50)",
            "0-0:1.0.0(%s)" % tst,
            "0-0:96.1.1(3030303030303031)",
            "1-0:1.8.1(%010.3f*kWh)" % (reg_i[1] / 1000),
            "1-0:1.8.2(%010.3f*kWh)" % (reg_i[2] / 1000),
            "1-0:2.8.1(%010.3f*kWh)" % (reg_e[1] / 1000),
            "1-0:2.8.2(%010.3f*kWh)" % (reg_e[2] / 1000),
            "0-0:96.14.0(%04d)" % tariff,
            "1-0:1.7.0(%06.3f*kW)" % (imp / 1000),
            "1-0:2.7.0(%06.3f*kW)" % (exp / 1000),
            "0-0:96.7.21(00003)",
            "0-0:96.7.9(00001)",
            "1-0:99.97.0(1)(0-0:96.7.19)(%s)(0000000125*s)" % tst_of(self.t0 - 3600),
            "1-0:32.32.0(%05d)" % self.sags[0],
            "1-0:52.32.0(%05d)" % self.sags[1],
            "1-0:72.32.0(%05d)" % self.sags[2],
            "1-0:32.36.0(00000)", "1-0:52.36.0(00000)", "1-0:72.36.0(00000)",
            "0-0:96.13.0()",
            "1-0:32.7.0(231.4*V)", "1-0:52.7.0(229.8*V)", "1-0:72.7.0(205.3*V)",
            "1-0:31.7.0(%03d*A)" % round(imp * 0.5 / 231.4),
            "1-0:51.7.0(%03d*A)" % round(imp * 0.3 / 229.8),
            "1-0:71.7.0(%03d*A)" % round(imp * 0.2 / 205.3),
            "1-0:21.7.0(%06.3f*kW)" % (split[0] / 1000),
            "1-0:41.7.0(%06.3f*kW)" % (split[1] / 1000),
            "1-0:61.7.0(%06.3f*kW)" % (split[2] / 1000),
            "1-0:22.7.0(%06.3f*kW)" % (split_e[0] / 1000),
            "1-0:42.7.0(%06.3f*kW)" % (split_e[1] / 1000),
            "1-0:62.7.0(%06.3f*kW)" % (split_e[2] / 1000),
        ]
        body = ("\r\n".join(lines) + "\r\n!").encode()
        raw = body + b"%04X\r\n" % crc16_arc(body)
        rec = {"n": self.n, "t": t, "offset": offset, "tariff": tariff, "p_imp": imp,
               "p_exp": exp, "p_imp_l": split, "p_exp_l": split_e, "imp": reg_i[1] + reg_i[2],
               "exp": reg_e[1] + reg_e[2], "imp_t": reg_i[1:], "exp_t": reg_e[1:],
               "sags": list(self.sags)}
        self.n += 1
        return raw, rec


def corrupt(raw):
    """One byte of a value changed (a digit): the CRC no longer holds."""
    k = raw.index(b"1-0:1.7.0(") + 11
    b = bytearray(raw)
    b[k] = ord("7") if b[k] != ord("7") else ord("3")
    return bytes(b)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tcp", type=int, help="listen on 127.0.0.1:PORT (0: any) for one client")
    ap.add_argument("--stdout", action="store_true", help="write telegrams to standard output")
    ap.add_argument("--start", default="2026-06-03T04:30:00Z", help="first telegram, UTC")
    ap.add_argument("--period", type=int, default=1, help="seconds between telegrams")
    ap.add_argument("--backlog", type=int, default=0, help="telegrams sent at once on connect")
    ap.add_argument("--backlog-period", type=int, default=None,
                    help="seconds between the backlog's telegrams (default the period)")
    ap.add_argument("--live", type=int, default=10, help="then this many, one per period")
    ap.add_argument("--seconds", type=int, default=0, help="--stdout: this many seconds of them")
    ap.add_argument("--bad-every", type=int, default=0, help="corrupt every N-th telegram")
    ap.add_argument("--hold", type=float, default=0, help="keep the connection this long after")
    ap.add_argument("--log", help="JSON line per telegram sent")
    a = ap.parse_args()
    start = dt.datetime.fromisoformat(a.start.replace("Z", "+00:00"))
    m = Meter(start, a.period)
    log = open(a.log, "w") if a.log else None
    summary = {"sent": 0, "good": 0, "bad_crc": 0, "truncated": 0, "garbage_bytes": 0}

    def one(send, k, live_index=None, step=None):
        if live_index == 3:
            m.sags[1] += 1  # a sag on L2, counted by the meter from this telegram on
        raw, rec = m.telegram(step)
        bad = a.bad_every and k % a.bad_every == a.bad_every - 1
        if live_index == 1:
            send(b"GARBAGE\r\n")  # 7 bytes outside a telegram (CR LF are line ends)
            summary["garbage_bytes"] += 7
        if live_index == 4:
            send(raw[: len(raw) // 2])  # cut short by the next telegram
            summary["truncated"] += 1
        send(corrupt(raw) if bad else raw)
        rec["good"] = not bad
        summary["sent"] += 1
        summary["good" if not bad else "bad_crc"] += 1
        if log:
            log.write(json.dumps(rec) + "\n")
            log.flush()

    if a.stdout:
        out = sys.stdout.buffer
        n = a.seconds // a.period
        for k in range(n):
            one(out.write, k)
        out.flush()
    elif a.tcp is not None:
        srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", a.tcp))
        srv.listen(1)
        print("p1_source: listening on 127.0.0.1:%d" % srv.getsockname()[1], flush=True)
        srv.settimeout(60)
        c, _ = srv.accept()
        buf = []
        for k in range(a.backlog):
            one(buf.append, k, step=a.backlog_period)
            if len(buf) > 256:
                c.sendall(b"".join(buf))
                buf = []
        c.sendall(b"".join(buf))
        print("p1_source: backlog of %d sent" % a.backlog, flush=True)
        nxt = time.monotonic()
        for j in range(a.live):
            nxt += a.period
            time.sleep(max(0.0, nxt - time.monotonic()))
            one(c.sendall, a.backlog + j, j, step=a.period)
        if log:
            log.write(json.dumps({"summary": summary}) + "\n")
            log.flush()
        print("p1_source: done %s" % json.dumps(summary), flush=True)
        time.sleep(a.hold)
        c.close()
    else:
        ap.error("--tcp PORT or --stdout")
    if log and a.stdout:
        log.write(json.dumps({"summary": summary}) + "\n")
        log.close()


if __name__ == "__main__":
    main()
