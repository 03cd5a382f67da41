#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""What each module put into a firmware image, from the linker's map (after --gc-sections, so
only what the image reaches): flash = .isr_vector, .text, .rodata, ARM tables and .data's initial
values; RAM = .data + .bss. Grouped by the core's layers (src/<layer>/<module>.c), the port's
files, and the C and compiler libraries.

  size_modules.py MAP SOURCE_ROOT [--budget-flash BYTES] [--budget-ram BYTES] [--stack BYTES]

Prints one row per module, a total per layer, and the image's flash and RAM (RAM with the
stack reservation the linker script makes: _Min_Stack_Size). With a budget, exits 1 when the
image is over it."""
import glob
import os
import re
import sys

FLASH = ('.isr_vector', '.text', '.rodata', '.ARM.extab', '.ARM.exidx', '.init_array',
         '.preinit_array', '.fini_array')
RAM = ('.bss', 'COMMON')
ROW = re.compile(r'^ (\.[^\s]+|COMMON)(?:\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*))?$')
CONT = re.compile(r'^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$')


def kind(section):
    for k in ('.data',):
        if section == k or section.startswith(k + '.'):
            return 'data'
    for k in RAM:
        if section == k or section.startswith(k + '.'):
            return 'bss'
    for k in FLASH:
        if section == k or section.startswith(k + '.'):
            return 'flash'
    return None


def module(obj, layers):
    m = re.search(r'\(([^)]+)\)$', obj)
    name = m.group(1) if m else os.path.basename(obj)
    lib = os.path.basename(obj.split('(')[0])
    base = re.sub(r'\.c\.obj$|\.o$', '', name)
    if lib.startswith('libmeterfw_core'):
        return layers.get(base, 'core'), base
    if lib in ('libc_nano.a', 'libc.a', 'libm.a', 'libgcc.a'):
        return 'libc/libm/libgcc', lib
    if '/port/' in obj:
        return 'port', obj[obj.index('/port/') + 1:].replace('.c.obj', '.c')
    return 'other', base


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    mapfile, root = args[0], args[1]
    opts = dict(zip(args[2::2], args[3::2]))
    layers = {}
    for path in glob.glob(os.path.join(root, 'src', '*', '*.c')):
        layers[os.path.splitext(os.path.basename(path))[0]] = os.path.basename(
            os.path.dirname(path))
    sizes = {}
    stack = 0
    with open(mapfile, encoding='utf-8', errors='replace') as f:
        lines = f.read().split('\n')
    start = next(i for i, l in enumerate(lines) if l.startswith('Linker script and memory map'))
    pending = None
    for line in lines[start:]:
        m = re.search(r'0x([0-9a-f]+)\s+_Min_Stack_Size = ', line)
        if m:
            stack = int(m.group(1), 16)
            continue
        if line.startswith('.store_flash'):
            break  # the board's NOR flash of the store: not the image's RAM
        m = ROW.match(line)
        if m:
            pending = None
            if m.group(2) is None:
                pending = m.group(1)
                continue
            sec, size, obj = m.group(1), int(m.group(3), 16), m.group(4)
        elif pending is not None and CONT.match(line):
            c = CONT.match(line)
            sec, size, obj = pending, int(c.group(2), 16), c.group(3)
            pending = None
        else:
            pending = None
            continue
        k = kind(sec)
        if k is None or size == 0 or obj.startswith('*'):
            continue
        key = module(obj.strip(), layers)
        if key[0] == 'port' and k in ('data', 'bss') and sec.count('.') >= 2:
            # the port's instances, one per variable (-fdata-sections): meter, dlms, link, ...
            key = (key[0], key[1].split('/')[-1] + ':' + sec.split('.', 2)[2])
        s = sizes.setdefault(key, {'flash': 0, 'data': 0, 'bss': 0})
        s[k] += size
    total_flash = sum(v['flash'] + v['data'] for v in sizes.values())
    total_ram = sum(v['data'] + v['bss'] for v in sizes.values())
    print('%-18s %-28s %8s %8s' % ('layer', 'module', 'flash', 'RAM'))
    per_layer = {}
    for (layer, mod), v in sorted(sizes.items()):
        fl, ra = v['flash'] + v['data'], v['data'] + v['bss']
        print('%-18s %-28s %8d %8d' % (layer, mod, fl, ra))
        pl = per_layer.setdefault(layer, [0, 0])
        pl[0] += fl
        pl[1] += ra
    print('-- per layer --')
    for layer, (fl, ra) in sorted(per_layer.items(), key=lambda x: -x[1][0]):
        print('%-18s %-28s %8d %8d' % (layer, '', fl, ra))
    print('image: flash %d bytes, RAM %d bytes static + %d bytes stack reserved = %d bytes'
          % (total_flash, total_ram, stack, total_ram + stack))
    rc = 0
    if '--budget-flash' in opts and total_flash > int(opts['--budget-flash']):
        print('over budget: flash %d > %s' % (total_flash, opts['--budget-flash']))
        rc = 1
    if '--budget-ram' in opts and total_ram + stack > int(opts['--budget-ram']):
        print('over budget: RAM %d > %s' % (total_ram + stack, opts['--budget-ram']))
        rc = 1
    return rc


if __name__ == '__main__':
    sys.exit(main())
