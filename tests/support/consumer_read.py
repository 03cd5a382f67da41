#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The system tests' reader of the consumer channel (docs/consumer.md), written from the standards,
not from the meter's code: the P1 telegram of DSMR 5.0.2 (6.2: "/" .. "!" CRC-16/ARC, 4 hex) and
the HAN push (IEC 62056-46 HDLC frame, CRC-16/X-25 HCS and FCS LSB first, LLC E6 E7 00, DLMS
data-notification 0F, A-XDR body). --self-test reads the published vectors of tests/vectors
first, so the reader is known good before it reads the meter.

  consumer_read.py p1 PORT [N]       N telegrams (default 1) from 127.0.0.1:PORT, as JSON lines
  consumer_read.py han PORT S        the HDLC frames of S seconds from the HAN port, as JSON lines
  consumer_read.py wmbus PORT N      N wireless M-Bus hex lines (format A, CRCs checked)
  consumer_read.py push PORTFILE N S  listen on a free port (written to PORTFILE) for N pushes
                                     (IEC 62056-47 wrapper, data-notification) within S seconds,
                                     a JSON line as each comes
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


def crc16_en13757(data):
    crc = 0
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x3D65) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc ^ 0xFFFF


def wmbus_frame(t):
    """a format A telegram with its CRCs (EN 13757-4) -> dict: header, records (unencrypted)"""
    f = b''
    i = 0
    while i < len(t):
        n = 10 if i == 0 else min(16, len(t) - i - 2)
        if crc16_en13757(t[i:i + n]) != int.from_bytes(t[i + n:i + n + 2], 'big'):
            raise ValueError('block CRC at %d' % i)
        f += t[i:i + n]
        i += n + 2
    if f[0] != len(f) - 1:
        raise ValueError('L')
    m = f[2] | f[3] << 8
    out = {'c': f[1], 'manufacturer': ''.join(chr(((m >> s) & 31) + 64) for s in (10, 5, 0)),
           'id': f[7:3:-1].hex(), 'version': f[8], 'type': f[9], 'ci': f[10], 'access': f[11],
           'cfg': f[13] | f[14] << 8, 'records': {}}
    p = f[15:]
    if out['cfg'] >> 8 & 0x1F:
        out['encrypted'] = True
        return out
    k = 0
    while k < len(p):
        if p[k] == 0x2F:
            k += 1
            continue
        dif = p[k]
        if dif & 0x0F != 0x04:
            raise ValueError('DIF %02x' % dif)
        vif = p[k + 1]
        k += 2
        key = '%02X%02X' % (dif, vif)
        if vif & 0x80:
            key += '%02X' % p[k]
            k += 1
        out['records'][key] = int.from_bytes(p[k:k + 4], 'little')
        k += 4
    return out


def read_wmbus(port, n):
    s = socket.create_connection(('127.0.0.1', port), timeout=10)
    buf = b''
    got = []
    end = time.time() + 10 + 3 * n
    while len(got) < n and time.time() < end:
        buf += s.recv(4096)
        while b'\n' in buf:
            line, buf = buf.split(b'\n', 1)
            got.append(wmbus_frame(bytes.fromhex(line.decode('ascii'))))
    return got


def han_apdu(p):
    """a data-notification -> {'invoke', 'datetime' (hex), 'version', 'items': {obis: value}}"""
    if p[0] != 0x0F:
        raise ValueError('not a data-notification')
    k = 5
    if p[k] == 0x09:
        k += 1
    if p[k] != 0x0C:
        raise ValueError('no date-time')
    out = {'invoke': int.from_bytes(p[1:5], 'big'), 'datetime': p[k + 1:k + 13].hex(), 'items': {}}
    k += 13
    if p[k] != 0x02:
        raise ValueError('no structure')
    count = p[k + 1]
    k += 2
    if p[k] != 0x0A:
        raise ValueError('no list version')
    out['version'] = p[k + 2:k + 2 + p[k + 1]].decode('ascii')
    k += 2 + p[k + 1]
    for _ in range((count - 1) // 2):
        if p[k] != 0x09 or p[k + 1] != 6:
            raise ValueError('no OBIS code at %d' % k)
        obis = '.'.join(str(x) for x in p[k + 2:k + 8])
        k += 8
        t = p[k]
        if t == 0x06:
            v = int.from_bytes(p[k + 1:k + 5], 'big'); k += 5
        elif t == 0x12:
            v = int.from_bytes(p[k + 1:k + 3], 'big'); k += 3
        elif t in (0x0A, 0x09):
            raw = p[k + 2:k + 2 + p[k + 1]]
            v = raw.decode('ascii') if t == 0x0A else raw.hex()
            k += 2 + p[k + 1]
        else:
            raise ValueError('type %02x' % t)
        out['items'][obis] = v
    if k != len(p):
        raise ValueError('bytes after the body')
    return out


def han_frame(f):
    """bytes 7E .. 7E of one frame -> dict, or ValueError"""
    if f[0] != 0x7E or f[1] & 0xF0 != 0xA0:
        raise ValueError('not a type 3 frame')
    n = (f[1] & 7) << 8 | f[2]
    if f[n + 1] != 0x7E:
        raise ValueError('length')
    hcs_ok = crc16_x25(f[1:6]) == f[6] | f[7] << 8
    fcs_ok = crc16_x25(f[1:n - 1]) == f[n - 1] | f[n] << 8
    info = f[8:n - 1]
    out = {'dst': f[3], 'src': f[4], 'control': f[5], 'hcs_ok': hcs_ok, 'fcs_ok': fcs_ok,
           'length': n + 2}
    if info[:3] != b'\xe6\xe7\x00':
        raise ValueError('no LLC E6 E7 00')
    if info[3] == 0xDB:
        out['ciphered'] = True
    else:
        out.update(han_apdu(info[3:]))
    return out


def read_han(port, seconds):
    s = socket.create_connection(('127.0.0.1', port), timeout=1)
    buf = b''
    got = []
    end = time.time() + seconds
    while time.time() < end:
        try:
            buf += s.recv(65536)
        except socket.timeout:
            continue
        while len(buf) >= 3:
            a = buf.find(b'\x7e')
            if a < 0:
                buf = b''
                break
            buf = buf[a:]
            if len(buf) < 3:
                break
            n = (buf[1] & 7) << 8 | buf[2]
            if len(buf) < n + 2:
                break
            got.append(han_frame(buf[:n + 2]))
            buf = buf[n + 2:]
    return got


def axdr(p, k=0):
    """one A-XDR Data at p[k] -> (value, next index); the types a push carries"""
    t = p[k]
    k += 1
    if t in (0x01, 0x02):
        n = p[k]
        k += 1
        out = []
        for _ in range(n):
            v, k = axdr(p, k)
            out.append(v)
        return out, k
    if t in (0x09, 0x0A):
        n = p[k]
        raw = p[k + 1:k + 1 + n]
        return (raw.hex() if t == 0x09 else raw.decode('ascii')), k + 1 + n
    sizes = {0x00: 0, 0x0F: 1, 0x11: 1, 0x16: 1, 0x12: 2, 0x10: 2, 0x06: 4, 0x05: 4, 0x15: 8, 0x14: 8}
    if t not in sizes:
        raise ValueError('A-XDR type %02x' % t)
    n = sizes[t]
    v = int.from_bytes(p[k:k + n], 'big', signed=t in (0x0F, 0x10, 0x05, 0x14)) if n else None
    return v, k + n


def push_frame(raw):
    """an IEC 62056-47 frame with a plain data-notification -> dict"""
    if len(raw) < 8 or raw[0:2] != b'\x00\x01':
        raise ValueError('not a wrapper frame (version 1)')
    n = int.from_bytes(raw[6:8], 'big')
    if len(raw) != 8 + n:
        raise ValueError('wrapper length %d, %d bytes follow' % (n, len(raw) - 8))
    a = raw[8:]
    out = {'src_wport': int.from_bytes(raw[2:4], 'big'),
           'dst_wport': int.from_bytes(raw[4:6], 'big')}
    if a[0] == 0xDB:
        out['ciphered'] = True
        return out
    if a[0] != 0x0F or a[5] != 0x0C:
        raise ValueError('not a data-notification with a date-time')
    out['invoke'] = int.from_bytes(a[1:5], 'big')
    out['datetime'] = a[6:18].hex()
    body, k = axdr(a, 18)
    if k != len(a):
        raise ValueError('bytes after the body')
    out['list'] = body[0]
    out['values'] = body[1:]
    return out


def listen_push(port_file, n, seconds):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(('127.0.0.1', 0))
    ls.listen(128)  # a burst of pushes (fleetd) must not overflow the backlog
    with open(port_file + '.tmp', 'w') as f:
        f.write('%d\n' % ls.getsockname()[1])
    import os
    os.rename(port_file + '.tmp', port_file)
    ls.settimeout(1)
    got = []
    end = time.time() + seconds
    while len(got) < n and time.time() < end:
        try:
            c, _ = ls.accept()
        except socket.timeout:
            continue
        c.settimeout(5)
        raw = b''
        while True:
            d = c.recv(4096)
            if not d:
                break
            raw += d
        got.append(push_frame(raw))
        # a line as each push comes: a test may stop the listener when the sender is done
        print(json.dumps(got[-1], sort_keys=True), flush=True)
    return got


def main(argv):
    if len(argv) >= 2 and argv[1] == '--self-test':
        with open(argv[2] + '/p1_dsmr_v5.txt', 'rb') as f:
            t = f.read().replace(b'\n', b'\r\n')
        d = p1_decode(t)
        assert d['crc_ok'] and t[t.index(b'!') + 1:][:4] == b'6EEE', 'P1 vector CRC'
        assert d['lines']['1-0:1.8.1'] == '(000004.426*kWh)', 'P1 vector value'
        assert crc16_arc(b'123456789') == 0xBB3D and crc16_x25(b'123456789') == 0x906E
        with open(argv[2] + '/han_kamstrup_list1.txt') as f:
            k = han_frame(bytes.fromhex(f.read().strip()))
        assert k['hcs_ok'] and k['fcs_ok'] and k['version'] == 'Kamstrup_V0001', 'HAN vector'
        assert k['items']['1.1.1.7.0.255'] == 826 and k['items']['1.1.32.7.0.255'] == 232
        assert crc16_en13757(b'123456789') == 0xC2B7
        assert crc16_en13757(bytes.fromhex('2D442D2C576866323002')) == 0x26AA  # W5 block 1
        print('self-test: ok')
        return 0
    if argv[1] == 'push':
        got = listen_push(argv[2], int(argv[3]), float(argv[4]))
        return 0 if len(got) == int(argv[3]) else 1
    kind, port = argv[1], int(argv[2])
    n = int(argv[3]) if len(argv) > 3 else 1
    got = (read_p1(port, n) if kind == 'p1' else read_wmbus(port, n) if kind == 'wmbus' else
           read_han(port, n))
    if not got or (kind in ('p1', 'wmbus') and len(got) < n):
        print('consumer_read: fewer than %d %s messages' % (n, kind), file=sys.stderr)
        return 1
    for g in got:
        print(json.dumps(g, sort_keys=True))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
