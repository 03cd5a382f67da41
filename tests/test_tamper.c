/* SPDX-License-Identifier: Apache-2.0 */
/* Tamper (tamper.h): the covers' and the field sensor's edges with their IDIS codes, the
 * counters, time stamps and durations of 0.0.96.20.x by hand, an unexpected export. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "meterfw/base/error.h"
#include "meterfw/hal/hal.h"
#include "meterfw/meter/tamper.h"

#define T0 1800000000000LL

static void covers_and_field(void **st)
{
    (void)st;
    struct mfw_tamper t;
    mfw_tamper_init(&t);
    uint16_t c[3];
    /* terminal cover off at T0 (40), the magnet at T0 + 10 s (42) */
    assert_int_equal(mfw_tamper_inputs(&t, MFW_HAL_IN_TERMINAL_COVER, T0, c), 1);
    assert_int_equal(c[0], 40);
    assert_int_equal(
        mfw_tamper_inputs(&t, MFW_HAL_IN_TERMINAL_COVER | MFW_HAL_IN_MAGNETIC_FIELD, T0 + 10000, c),
        1);
    assert_int_equal(c[0], 42);
    /* no change: nothing */
    assert_int_equal(
        mfw_tamper_inputs(&t, MFW_HAL_IN_TERMINAL_COVER | MFW_HAL_IN_MAGNETIC_FIELD, T0 + 20000, c),
        0);
    const struct mfw_tamper_item *f = &t.item[MFW_TAMPER_MAGNETIC_FIELD];
    assert_true(f->active);
    assert_int_equal(f->count, 1);
    assert_int_equal(f->start, T0 + 10000);
    assert_int_equal(mfw_tamper_duration_ms(f, T0 + 70000), 60000);
    /* both gone at T0 + 100 s (41, 43); the meter cover on and off (44, 45) */
    assert_int_equal(mfw_tamper_inputs(&t, 0, T0 + 100000, c), 2);
    assert_int_equal(c[0], 41);
    assert_int_equal(c[1], 43);
    assert_int_equal(mfw_tamper_duration_ms(f, T0 + 500000), 90000);
    assert_int_equal(mfw_tamper_cumulative_ms(f, T0 + 500000), 90000);
    assert_int_equal(mfw_tamper_inputs(&t, MFW_HAL_IN_MAIN_COVER, T0 + 200000, c), 1);
    assert_int_equal(c[0], 44);
    assert_int_equal(mfw_tamper_inputs(&t, 0, T0 + 230000, c), 1);
    assert_int_equal(c[0], 45);
    /* a second field event: counted, cumulative 90 + 5 s */
    mfw_tamper_inputs(&t, MFW_HAL_IN_MAGNETIC_FIELD, T0 + 300000, c);
    assert_int_equal(mfw_tamper_cumulative_ms(f, T0 + 305000), 95000);
    mfw_tamper_inputs(&t, 0, T0 + 305000, c);
    assert_int_equal(f->count, 2);
    assert_int_equal(f->last_duration_ms, 5000);
    assert_int_equal(t.item[MFW_TAMPER_TERMINAL_COVER].cumulative_ms, 100000);
}

static void unexpected_export(void **st)
{
    (void)st;
    struct mfw_tamper_config c;
    mfw_tamper_default_config(&c); /* 10 W for 60 s */
    struct mfw_tamper t;
    mfw_tamper_init(&t);
    /* -5 W: within the threshold, never */
    for (mfw_ms_t k = 0; k < 120000; k += 200)
        assert_false(mfw_tamper_power(&t, &c, -5.0, T0 + k));
    /* -500 W: found once, at 60 s */
    bool found = false;
    mfw_ms_t when = 0;
    for (mfw_ms_t k = 0; k <= 120000; k += 200)
        if (mfw_tamper_power(&t, &c, -500.0, T0 + 200000 + k)) {
            assert_false(found);
            found = true;
            when = k;
        }
    assert_true(found);
    assert_int_equal(when, 60000);
    /* a customer with generation: export is no tamper */
    c.export_expected = true;
    mfw_tamper_init(&t);
    for (mfw_ms_t k = 0; k <= 120000; k += 200)
        assert_false(mfw_tamper_power(&t, &c, -500.0, T0 + k));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(covers_and_field),
        cmocka_unit_test(unexpected_export),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
