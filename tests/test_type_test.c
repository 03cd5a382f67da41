/* SPDX-License-Identifier: Apache-2.0 */
/* The type test, asserted (the short form of bench_accuracy's parts 2 and 3): the typical unit of
 * the sensor library, calibrated by the production procedure from its own ADC samples, keeps
 * every IEC 62053-21 Table 8 influence within a tenth of its class 1 limit; it starts at
 * 0.004 Ib under realistic noise and crosstalk and registers nothing at no load; a few units of
 * a Monte-Carlo lot stay within the goals over -40..+70 C (0.1 % above Itr, 0.2 % Imin..Itr,
 * 0.2 % reactive). References are the analytic energies at the terminals. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "meterfw/base/error.h"
#include "type_test.h"

static struct tt_unit unit;

static int setup(void **st)
{
    (void)st;
    struct sensor_set s;
    sensor_set_typical(&s, 3, TT_IMAX);
    struct production_bench bench;
    production_draw_bench(&bench, 1);
    return tt_unit_init(&unit, 3, 4000, 50, &s, 5, &bench) == MFW_OK ? 0 : -1;
}

static void influences_within_a_tenth(void **st)
{
    (void)st;
    struct tt_row rows[32];
    size_t n = tt_influences(&unit, rows, 32, true);
    assert_true(n >= 14 && n <= 32);
    unsigned bad = 0;
    for (size_t k = 0; k < n; k++) {
        if (!(fabs(rows[k].value) <= rows[k].limit / 10.0)) {
            printf("  %s: %.5f %s > %.4f\n", rows[k].name, rows[k].value, rows[k].unit,
                   rows[k].limit / 10.0);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

static void starts_and_does_not_creep(void **st)
{
    (void)st;
    double e;
    /* 3 x 230 V x 20 mA for 60 s = 230 mWh: registered within 5 % (IEC: it must start and keep
     * registering) */
    assert_int_equal(tt_starting(&unit, 60.0, &e), MFW_OK);
    assert_true(fabs(e) < 5.0);
    uint64_t uwh = 1;
    assert_int_equal(tt_no_load(&unit, 120.0, &uwh), MFW_OK);
    assert_int_equal(uwh, 0);
}

static void monte_carlo_units_within_goals(void **st)
{
    (void)st;
    struct tt_mc_unit mc[2];
    assert_int_equal(tt_monte_carlo(3, 2, 1, true, mc, NULL, NULL), MFW_OK);
    for (unsigned k = 0; k < 2; k++) {
        assert_true(mc[k].worst[TT_BAND_HIGH] <= 0.1);
        assert_true(mc[k].worst[TT_BAND_LOW] <= 0.2);
        assert_true(mc[k].worst[TT_BAND_REACTIVE] <= 0.2);
        assert_true(mc[k].worst[TT_BAND_HIGH] > 0.0); /* measured, not skipped */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(influences_within_a_tenth),
        cmocka_unit_test(starts_and_does_not_creep),
        cmocka_unit_test(monte_carlo_units_within_goals),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
