#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The object model reaches the meter only through its verbs (DESIGN.md: cosem "reaches the meter
only through meter_* verbs"; docs/cosem.md), checked on the sources.

    cosem_verbs.py SOURCE_ROOT    list every function of the meter layer (meter, metrology, store,
                                  hal: the headers under include/meterfw/) that src/cosem calls,
                                  with the rule that admits it; exit 1 naming file and line of a
                                  call no rule admits
    cosem_verbs.py --self-test    prove that each kind of violation is caught

A call is admitted when the function is an mfw_meter_* verb (meter.h), or is in the short
allow-list below:
  const      reads what it is given and changes nothing: its first parameter is a value or a
             pointer to const (checked on its prototype). The catalogue, the clock's local time
             and status, the demand's readings, the event code objects' names.
  candidate  edits a copy of the settings that mfw_meter_apply_settings then validates and takes
             (checked at every call: the first argument is a local, not a member of the meter).
Also refused anywhere in src/cosem: touching the meter's store (`->store`, `.store`): profiles
and logs are read through mfw_meter_profile_* and mfw_meter_eventlog_*. An allow-list entry that
nothing calls any more is an error too, so the list stays short."""
import os, re, sys, tempfile

# The layers under cosem that are the meter's business (codec and base are cosem's own tools).
METER_LAYERS = ['meter', 'metrology', 'store', 'hal']

# name (or prefix ending in '_') -> (kind, why)
ALLOW = {
    'mfw_catalog_': ('const', 'the catalogue of quantities: const tables and exact scaling'),
    'mfw_clock_local': ('const', 'the local time of an instant (date-times in local time)'),
    'mfw_clock_status': ('const', 'the clock status byte (IC 8 attribute 4)'),
    'mfw_clock_utc_of_local': ('const', 'the instant of a local time (IC 20 activation time)'),
    'mfw_clock_cosem_time_zone': ('const', 'IC 8 time_zone from the clock settings'),
    'mfw_demand_current_mw': ('const', 'IC 5 current_average_value'),
    'mfw_demand_last_mw': ('const', 'IC 5 last_average_value'),
    'mfw_demand_start_time_current': ('const', 'IC 5 start_time_current'),
    'mfw_demand_maximum': ('const', 'IC 4 value and capture_time of a maximum demand'),
    'mfw_eventlog_code_obis': ('const', 'the event code object of a log (a capture object)'),
    'mfw_tou_validate_parts': ('const', 'validation of a candidate passive calendar'),
    'mfw_image_block_size': ('const', 'IC 18 image_block_size from the server PDU size'),
    'mfw_image_first_missing': ('const', 'IC 18 image_first_not_transferred_block_number'),
    'mfw_tou_set_activation': ('candidate', 'IC 20 attribute 10 on a copy of the settings'),
    'mfw_tou_activate_now': ('candidate', 'IC 20 activate_passive_calendar on a copy'),
    'mfw_tou_special_insert': ('candidate', 'IC 11 insert on a copy of the settings'),
    'mfw_tou_special_delete': ('candidate', 'IC 11 delete on a copy of the settings'),
    'mfw_profile_config_analysis': ('candidate', 'a candidate analysis log configuration'),
    'mfw_limiter_threshold': ('const', 'IC 71 threshold_active: normal or emergency now'),
    'mfw_limiter_emergency_active': ('const', 'IC 71 emergency_profile_active'),
    'mfw_loadctl_minutes_left': ('const', 'a load relay\'s remaining on-for-N-minutes time'),
    'mfw_tamper_duration_ms': ('const', '0.0.96.20.x duration of a tamper item'),
    'mfw_tamper_cumulative_ms': ('const', '0.0.96.20.x cumulative duration of a tamper item'),
    'mfw_script_ln': ('const', 'the logical name of a script table (IC 9 / 22 / 71 references)'),
    'mfw_script_of_ln': ('const', 'the script table a written logical name names'),
    'mfw_script_count': ('const', 'the scripts of a script table (IC 9 attribute 2)'),
    'mfw_prepay_token_uwh': ('const', 'IC 112 current_credit_amount of the token credit'),
    'mfw_prepay_available_uwh': ('const', 'IC 111 available_credit'),
    'mfw_prepay_emergency_selectable': ('const', 'IC 112 credit_status of the emergency credit'),
}

COMMENT = re.compile(r'/\*.*?\*/|//[^\n]*', re.S)
STRING = re.compile(r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'')
CALL = re.compile(r'\b(mfw_[a-z0-9_]+)\s*\(')
PROTO = re.compile(r'\b(mfw_[a-z0-9_]+)\s*\(([^;{}()]*(?:\([^()]*\)[^;{}()]*)*)\)\s*[;{]')
STORE = re.compile(r'(->|\.)\s*store\b')


def blank(text):
    """Comments and string literals replaced by spaces (newlines kept, so lines still count)."""
    def sp(m):
        return re.sub(r'[^\n]', ' ', m.group(0))
    return STRING.sub(sp, COMMENT.sub(sp, text))


def meter_functions(root):
    """name -> first parameter text, for every function declared in the meter layers' headers."""
    funcs = {}
    for layer in METER_LAYERS:
        d = os.path.join(root, 'include', 'meterfw', layer)
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            if not name.endswith('.h'):
                continue
            text = blank(open(os.path.join(d, name), encoding='utf-8').read())
            for m in PROTO.finditer(text):
                params = m.group(2).strip()
                funcs.setdefault(m.group(1), params.split(',')[0].strip())
    return funcs


def first_argument(text, pos):
    """The first argument of the call whose '(' is at pos."""
    depth, start = 0, pos + 1
    for k in range(pos, len(text)):
        ch = text[k]
        if ch in '([':
            depth += 1
        elif ch in ')]':
            depth -= 1
            if depth == 0:
                return text[start:k].strip()
        elif ch == ',' and depth == 1:
            return text[start:k].strip()
    return text[start:].strip()


def rule_of(name, allow):
    if name.startswith('mfw_meter_'):
        return 'verb'
    if name in allow:
        return name
    for key in allow:
        if key.endswith('_') and name.startswith(key):
            return key
    return None


def is_const_param(param):
    if param in ('', 'void'):
        return True
    if '*' not in param and '[' not in param:
        return True  # a value
    return param.startswith('const ')


def check(root, allow=ALLOW):
    errors, calls = [], {}
    funcs = meter_functions(root)
    used = set()
    src = os.path.join(root, 'src', 'cosem')
    for name in sorted(os.listdir(src)) if os.path.isdir(src) else []:
        if not name.endswith(('.c', '.h')):
            continue
        rel = os.path.join('src', 'cosem', name)
        text = blank(open(os.path.join(src, name), encoding='utf-8').read())
        for m in STORE.finditer(text):
            line = text.count('\n', 0, m.start()) + 1
            errors.append('%s:%d: touches the meter\'s store; read profiles and logs through '
                          'mfw_meter_profile_* / mfw_meter_eventlog_*' % (rel, line))
        for m in CALL.finditer(text):
            fn = m.group(1)
            if fn not in funcs:
                continue  # cosem's own, codec, base
            line = text.count('\n', 0, m.start()) + 1
            where = '%s:%d: %s' % (rel, line, fn)
            rule = rule_of(fn, allow)
            if rule is None:
                errors.append('%s: not a mfw_meter_ verb nor an allowed helper (add a verb to '
                              'meter.h, or argue for it in tests/checks/cosem_verbs.py)' % where)
                continue
            calls.setdefault(fn, [rule, 0])[1] += 1
            if rule == 'verb':
                continue
            used.add(rule)
            kind = allow[rule][0]
            if kind == 'const' and not is_const_param(funcs[fn]):
                errors.append('%s: allowed as a const helper, but its first parameter "%s" is '
                              'not const' % (where, funcs[fn]))
            if kind == 'candidate':
                arg = first_argument(text, m.end() - 1)
                if '->' in arg:
                    errors.append('%s: edits "%s", a member of the meter, not a copy of the '
                                  'settings' % (where, arg))
    for key in sorted(set(allow) - used):
        errors.append('tests/checks/cosem_verbs.py: "%s" is allowed but src/cosem no longer calls '
                      'it: remove it from ALLOW' % key)
    return errors, calls


def self_test():
    header = ('int mfw_meter_verb(struct mfw_meter *m);\n'
              'int mfw_profile_clear(struct mfw_profile *p, struct mfw_store *s);\n'
              'void mfw_clock_local(const struct mfw_clock *c, long t, struct lt *out);\n'
              'int mfw_tou_special_insert(struct mfw_tou *t, const void *d);\n'
              '/* a comment with a call: mfw_store_hidden(x); */\n'
              'unsigned mfw_catalog_count(void);\n'
              'int mfw_demand_poke(struct mfw_demand *d);\n')
    good = ('#include "meterfw/meter/m.h"\n'
            'static int f(struct mfw_meter *m) {\n'
            '    struct s s = m->settings; /* mfw_profile_clear(p, &m->store) */\n'
            '    const char *t = "mfw_profile_clear(";\n'
            '    mfw_clock_local(&m->clock, 0, &lt);\n'
            '    mfw_tou_special_insert(&s.tou, &d);\n'
            '    mfw_axdr_put_u8(w, (uint8_t)mfw_catalog_count());\n'
            '    return mfw_meter_verb(m) + mfw_cosem_class_result(0);\n'
            '}\n')
    allow = {'mfw_catalog_': ('const', ''), 'mfw_clock_local': ('const', ''),
             'mfw_tou_special_insert': ('candidate', '')}
    cases = [  # (a line of a second file, the allow-list, the error expected or None)
        ('', allow, None),
        ('mfw_profile_clear(&m->profiles[0], s);', allow, 'not a mfw_meter_ verb'),
        ('n = m->store.sectors;', allow, "touches the meter's store"),
        ('r = c->m -> store . x;', allow, "touches the meter's store"),
        ('mfw_tou_special_insert(&c->m->settings.tou, &d);', allow, 'a member of the meter'),
        ('mfw_demand_poke(&m->demand);', dict(allow, mfw_demand_poke=('const', '')),
         'is not const'),
        ('', dict(allow, mfw_clock_status=('const', '')), 'no longer calls'),
        ('mfw_store_hidden(x);', allow, None),  # named only in a comment of the header
    ]
    ok = True
    for extra, allow_list, expect in cases:
        with tempfile.TemporaryDirectory() as root:
            inc = os.path.join(root, 'include', 'meterfw', 'meter')
            os.makedirs(inc)
            open(os.path.join(inc, 'm.h'), 'w').write(header)
            src = os.path.join(root, 'src', 'cosem')
            os.makedirs(src)
            open(os.path.join(src, 'good.c'), 'w').write(good)
            if extra:
                open(os.path.join(src, 'bad.c'), 'w').write('void b(void) {\n    %s\n}\n' % extra)
            errors, _ = check(root, allow_list)
            hit = [e for e in errors if expect and expect in e]
            other = [e for e in errors if not (expect and expect in e)]
            if (expect and len(hit) != 1) or other:
                ok = False
                print('self-test FAILED for %r: %s' % (extra or sorted(allow_list), errors))
    print('self-test %s: %d cases' % ('PASS' if ok else 'FAIL', len(cases)))
    return 0 if ok else 1


def main():
    if len(sys.argv) == 2 and sys.argv[1] == '--self-test':
        return self_test()
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    errors, calls = check(sys.argv[1])
    for fn in sorted(calls):
        rule, n = calls[fn]
        why = 'mfw_meter_* verb' if rule == 'verb' else '%s: %s' % (ALLOW[rule][0], ALLOW[rule][1])
        print('  %-34s %3d call%s  %s' % (fn, n, ' ' if n == 1 else 's', why))
    for e in errors:
        print(e)
    print('cosem_verbs: %s (%d meter functions called, %d violations)' %
          ('FAIL' if errors else 'PASS', len(calls), len(errors)))
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
