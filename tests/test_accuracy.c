/* SPDX-License-Identifier: Apache-2.0 */
/* The accuracy matrix of bench_accuracy, asserted: every point within a tenth of its class
 * limit (IEC 62053-21 class 1 active, IEC 62053-23 class 2 reactive), the starting current
 * registers, and no load at 115 % Un registers nothing. References are analytic (afe.h). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "accuracy_cases.h"

static struct acc_cal_cache cache;

static void every_point_within_a_tenth_of_its_limit(void **st)
{
    (void)st;
    static struct acc_case cases[400];
    size_t n = acc_cases(cases, 400);
    assert_true(n > 100 && n <= 400);
    unsigned bad = 0;
    for (size_t k = 0; k < n; k++) {
        struct acc_result r;
        assert_int_equal(acc_run(&cases[k], &cache, &r), 0);
        double bound = cases[k].limit_pct > 0 ? cases[k].limit_pct / 10.0 : 5.0;
        if (!(fabs(r.error_pct) <= bound) || !(fabs(r.reference) > 0.0)) {
            printf("  %s I=%.3f phi=%.2f f=%.2f: error %.5f %% > %.3f %%\n", cases[k].name,
                   cases[k].i_a, cases[k].phi_deg, cases[k].freq_hz, r.error_pct, bound);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

static void no_load_registers_nothing(void **st)
{
    (void)st;
    uint64_t all = 1, ap = 1;
    /* 115 % Un, 90 dB SNR, 600 s: not a single uWh in any register (stronger than <= 1 pulse) */
    assert_int_equal(acc_creep(3, 600.0, 90.0, 1.15 * 230.0, 0.0, &cache, &all, &ap), 0);
    assert_int_equal(all, 0);
}

static void starting_current_registers(void **st)
{
    (void)st;
    uint64_t all = 0, ap = 0;
    /* 0.004 Ib = 20 mA per phase at Un: 13.8 W, 120 s = 460 mWh, within 5 % */
    assert_int_equal(acc_creep(3, 120.0, 90.0, 230.0, 0.02, &cache, &all, &ap), 0);
    assert_true(fabs(ap / 1e6 - 13.8 * 120.0 / 3600.0) < 0.05 * 13.8 * 120.0 / 3600.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_point_within_a_tenth_of_its_limit),
        cmocka_unit_test(no_load_registers_nothing),
        cmocka_unit_test(starting_current_registers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
