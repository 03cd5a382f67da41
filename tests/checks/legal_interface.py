#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""WELMEC 7.2 S1/S3 (software separation, the protective interface), checked on the sources
(docs/welmec.md). The legally relevant part of the core is the layers that measure, register,
persist and show billing values: metrology (and its calibration), meter (registers, tariffs,
profiles, logs, the display, the calibration constants in its configuration), store, with base,
codec and the hal contract beneath them. The rest of the core (cosem, dlms, link) is not legally
relevant; it reaches the legal part only through the documented interface, the mfw_meter_* verbs
of include/meterfw/meter/meter.h and the const helpers that tests/checks/cosem_verbs.py admits.

    legal_interface.py SOURCE_ROOT    exit 1 naming file and line of each violation:
        - a call from cosem, dlms or link to a function of the legal headers (metrology, store,
          meter, hal) that is neither an mfw_meter_* verb nor on cosem_verbs.py's allow-list;
        - an assignment to (or increment of) a member of the meter there (`m->x = ...`,
          `c->m->x++`, `->meter->...`): the legal state changes only through the verbs;
        - an include of a metrology or store header there (the legal internals);
    legal_interface.py --self-test    prove that each kind of violation is caught"""
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cosem_verbs  # noqa: E402  (the same blanking, prototypes and allow-list)

NON_LEGAL = ['src/cosem', 'src/dlms', 'src/link']
LEGAL_HEADERS = ['meter', 'metrology', 'store', 'hal']
CALL = re.compile(r'\b(mfw_[a-z0-9_]+)\s*\(')
WRITE = re.compile(r'(?:\bc->m|\bm|->meter)->[A-Za-z_][A-Za-z0-9_.\[\]>-]*\s*'
                   r'(?:[-+*/|&^]?=(?!=)|\+\+|--)')
INCLUDE = re.compile(r'#\s*include\s*"meterfw/(metrology|store)/')


def legal_functions(root):
    funcs = set()
    for layer in LEGAL_HEADERS:
        d = os.path.join(root, 'include', 'meterfw', layer)
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            if name.endswith('.h'):
                text = cosem_verbs.blank(open(os.path.join(d, name), encoding='utf-8').read())
                funcs.update(m.group(1) for m in cosem_verbs.PROTO.finditer(text))
    return funcs


def allowed(name):
    if name.startswith('mfw_meter_'):
        return True
    return any(name == k or (k.endswith('_') and name.startswith(k)) for k in cosem_verbs.ALLOW)


def check(root):
    legal = legal_functions(root)
    bad = []
    files = 0
    for d in NON_LEGAL:
        full = os.path.join(root, d)
        if not os.path.isdir(full):
            continue
        for name in sorted(os.listdir(full)):
            if not name.endswith(('.c', '.h')):
                continue
            files += 1
            path = os.path.join(d, name)
            raw = open(os.path.join(root, path), encoding='utf-8').read()
            text = cosem_verbs.blank(raw)
            line = lambda pos: text.count('\n', 0, pos) + 1  # noqa: E731
            for m in CALL.finditer(text):
                if m.group(1) in legal and not allowed(m.group(1)):
                    bad.append('%s:%d: %s: a legal function outside the interface'
                               % (path, line(m.start()), m.group(1)))
            for m in WRITE.finditer(text):
                bad.append('%s:%d: writes the meter\'s state (%s)'
                           % (path, line(m.start()), m.group(0).strip()))
            for m in INCLUDE.finditer(raw):
                bad.append('%s:%d: includes a legal internal header (meterfw/%s/)'
                           % (path, raw.count('\n', 0, m.start()) + 1, m.group(1)))
    return bad, files


def self_test():
    cases = {
        'call': 'void f(struct mfw_meter *m) { mfw_metrology_samples(&m->metrology, 0, 0); }\n',
        'write': 'void f(struct mfw_cosem_call *c) { c->m->tariff = 3; }\n',
        'incr': 'void f(struct mfw_meter *m) { m->registers.e[0]++; }\n',
        'include': '#include "meterfw/store/store.h"\n',
    }
    ok = True
    for kind, body in cases.items():
        with tempfile.TemporaryDirectory() as root:
            for layer in LEGAL_HEADERS:
                os.makedirs(os.path.join(root, 'include', 'meterfw', layer))
            with open(os.path.join(root, 'include', 'meterfw', 'metrology', 'metrology.h'),
                      'w') as f:
                f.write('void mfw_metrology_samples(struct mfw_metrology *mt, const void *f, '
                        'int n);\n')
            os.makedirs(os.path.join(root, 'src', 'cosem'))
            with open(os.path.join(root, 'src', 'cosem', 'x.c'), 'w') as f:
                f.write(body)
            bad, _ = check(root)
            caught = len(bad) > 0
            print('legal_interface self-test: %s %s' % (kind, 'caught' if caught else 'MISSED'))
            ok = ok and caught
    # and a verb and a read pass
    with tempfile.TemporaryDirectory() as root:
        os.makedirs(os.path.join(root, 'include', 'meterfw', 'meter'))
        with open(os.path.join(root, 'include', 'meterfw', 'meter', 'meter.h'), 'w') as f:
            f.write('int mfw_meter_end_billing(struct mfw_meter *m);\n')
        os.makedirs(os.path.join(root, 'src', 'cosem'))
        with open(os.path.join(root, 'src', 'cosem', 'x.c'), 'w') as f:
            f.write('int f(struct mfw_meter *m) { if (m->tariff == 2) '
                    'return mfw_meter_end_billing(m); return 0; }\n')
        bad, _ = check(root)
        print('legal_interface self-test: a verb and a read %s' % ('pass' if not bad else bad))
        ok = ok and not bad
    return 0 if ok else 1


def main():
    if len(sys.argv) == 2 and sys.argv[1] == '--self-test':
        return self_test()
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    bad, files = check(sys.argv[1])
    for b in bad:
        print('legal_interface: FAIL: ' + b)
    print('legal_interface: %s (%d files of cosem, dlms and link)'
          % ('FAIL' if bad else 'PASS', files))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
