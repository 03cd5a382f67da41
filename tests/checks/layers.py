#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The include matrix of the portable core (docs/architecture.md), checked on the sources.

    layers.py SOURCE_ROOT        check include/meterfw/<layer>/ and src/<layer>/; exit 1 on a
                                 forbidden arrow, naming file, line and the rule it breaks
    layers.py --self-test        prove that each kind of violation is caught

The build enforces the same matrix (cmake/layers.cmake: a library sees only the include roots of
the layers it links); this check also catches what a compiler would let through: a relative
include into another folder, a header of sim/, port/ or tools/, a system header outside the C
standard library, and a layer list out of step with cmake/layers.cmake."""
import os, re, sys, tempfile

# Direct dependencies, as cmake/layers.cmake declares them (read from there and compared).
LAYERS = ['base', 'codec', 'metrology', 'hal', 'store', 'meter', 'cosem', 'dlms', 'link']
# The C standard library (C11 7.1.2) is the only system header the core may include.
STD_HEADERS = {'assert.h', 'complex.h', 'ctype.h', 'errno.h', 'fenv.h', 'float.h', 'inttypes.h',
               'iso646.h', 'limits.h', 'locale.h', 'math.h', 'setjmp.h', 'signal.h', 'stdalign.h',
               'stdarg.h', 'stdatomic.h', 'stdbool.h', 'stddef.h', 'stdint.h', 'stdio.h',
               'stdlib.h', 'stdnoreturn.h', 'string.h', 'tgmath.h', 'threads.h', 'time.h',
               'uchar.h', 'wchar.h', 'wctype.h'}
# Of those, the ones a core without OS, heap or stdio has no business with.
STD_FORBIDDEN = {'stdio.h', 'signal.h', 'threads.h', 'time.h', 'locale.h', 'setjmp.h'}

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def read_deps(root):
    text = open(os.path.join(root, 'cmake', 'layers.cmake')).read()
    deps = {}
    for layer, rest in re.findall(r'set\(MFW_LAYER_DEPS_([a-z]+)\s*([^)]*)\)', text):
        deps[layer] = [d for d in rest.replace('"', ' ').split() if d]
    return deps


def closure(deps):
    allowed = {}
    for layer in deps:
        seen, todo = set(), list(deps[layer])
        while todo:
            d = todo.pop()
            if d not in seen:
                seen.add(d)
                todo.extend(deps.get(d, []))
        allowed[layer] = seen
    return allowed


def layer_of(root, path):
    rel = os.path.relpath(path, root).split(os.sep)
    if rel[0] == 'src' and len(rel) > 2:
        return rel[1]
    if rel[:2] == ['include', 'meterfw'] and len(rel) > 3:
        return rel[2]
    return None


def check(root):
    errors = []
    deps = read_deps(root)
    if sorted(deps) != sorted(LAYERS):
        errors.append('cmake/layers.cmake declares layers %s, this check knows %s' %
                      (sorted(deps), sorted(LAYERS)))
        return errors
    allowed = closure(deps)
    for top in ('src', os.path.join('include', 'meterfw')):
        base = os.path.join(root, top)
        for dirpath, _, files in os.walk(base):
            for name in sorted(files):
                if not name.endswith(('.c', '.h')):
                    continue
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root)
                layer = layer_of(root, path)
                if layer not in deps:
                    errors.append('%s: not in a layer folder (%s)' % (rel, ', '.join(LAYERS)))
                    continue
                text = open(path, encoding='utf-8').read()
                for m in INCLUDE.finditer(text):
                    line = text.count('\n', 0, m.start()) + 1
                    kind, inc = m.group(1), m.group(2)
                    where = '%s:%d: #include %s%s%s' % (rel, line, kind, inc,
                                                        '>' if kind == '<' else '"')
                    if kind == '<':
                        if inc not in STD_HEADERS:
                            errors.append('%s: the core includes only the C standard library'
                                          % where)
                        elif inc in STD_FORBIDDEN:
                            errors.append('%s: no OS, stdio or signals in the core' % where)
                        continue
                    parts = inc.split('/')
                    if parts[0] == 'meterfw' and len(parts) == 3:
                        target = parts[1]
                        if target not in deps:
                            errors.append('%s: no layer "%s"' % (where, target))
                        elif target != layer and target not in allowed[layer]:
                            errors.append('%s: %s may not use %s (it may use: %s)' %
                                          (where, layer, target,
                                           ', '.join(sorted(allowed[layer])) or 'nothing'))
                        continue
                    if '/' in inc:
                        errors.append('%s: a relative path out of the folder; use '
                                      '"meterfw/<layer>/<header>"' % where)
                        continue
                    # a private header: next to the including file, in the same layer's src/
                    if not (rel.startswith('src' + os.sep) and
                            os.path.isfile(os.path.join(dirpath, inc))):
                        errors.append('%s: not a header of this folder' % where)
    return errors


def self_test():
    cases = [
        ('src/meter/x.c', '#include "meterfw/cosem/cosem.h"\n', 'meter may not use cosem'),
        ('src/cosem/x.c', '#include "meterfw/dlms/xdlms.h"\n', 'cosem may not use dlms'),
        ('src/base/x.c', '#include "meterfw/store/store.h"\n', 'base may not use store'),
        ('include/meterfw/metrology/x.h', '#include "meterfw/meter/meter.h"\n',
         'metrology may not use meter'),
        ('src/meter/x.c', '#include "../cosem/cosem.h"\n', 'relative path'),
        ('src/meter/x.c', '#include "sim/afe.h"\n', 'relative path'),
        ('src/meter/x.c', '#include "private.h"\n', 'not a header of this folder'),
        ('src/store/x.c', '#include <stdio.h>\n', 'no OS, stdio'),
        ('src/store/x.c', '#include <unistd.h>\n', 'only the C standard library'),
        ('src/widgets/x.c', '', 'not in a layer folder'),
    ]
    ok = True
    for path, text, expect in cases:
        with tempfile.TemporaryDirectory() as root:
            os.makedirs(os.path.join(root, 'cmake'))
            with open(os.path.join(root, 'cmake', 'layers.cmake'), 'w') as f:
                f.write(open(os.path.join(os.path.dirname(__file__), '..', '..', 'cmake',
                                          'layers.cmake')).read())
            good = os.path.join(root, 'src', 'dlms', 'fine.c')
            os.makedirs(os.path.dirname(good))
            with open(good, 'w') as f:
                f.write('#include <string.h>\n#include "meterfw/meter/meter.h"\n'
                        '#include "meterfw/base/error.h"\n')
            full = os.path.join(root, path)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, 'w') as f:
                f.write(text)
            errors = check(root)
            hit = [e for e in errors if expect in e]
            other = [e for e in errors if 'fine.c' in e]
            if len(hit) != 1 or other:
                ok = False
                print('self-test FAILED for %s %r: %s' % (path, text.strip(), errors))
    print('self-test %s: %d cases' % ('PASS' if ok else 'FAIL', len(cases)))
    return 0 if ok else 1


def main():
    if len(sys.argv) == 2 and sys.argv[1] == '--self-test':
        return self_test()
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    errors = check(sys.argv[1])
    for e in errors:
        print(e)
    print('layers: %s (%d forbidden includes)' % ('FAIL' if errors else 'PASS', len(errors)))
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
