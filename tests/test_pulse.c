/* SPDX-License-Identifier: Apache-2.0 */
/* S0 output and test LED: pulses = floor(energy / (1/constant kWh)), DIN 43864 timing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "meterfw/base/error.h"
#include "meterfw/meter/pulse.h"

static void constant_and_remainder(void **st)
{
    (void)st;
    struct mfw_pulse_output p;
    assert_int_equal(mfw_pulse_init(&p, 1000, 30, 30), MFW_OK);
    assert_int_equal(p.uwh_per_pulse, 1000000); /* 1 Wh */
    /* 2.5 Wh in 250 steps of 10 mWh: 2 pulses owed, 0.5 Wh kept */
    for (int k = 0; k < 250; k++)
        mfw_pulse_add(&p, 10000);
    assert_int_equal(p.owed, 2);
    assert_int_equal(p.acc_uwh, 500000);
    assert_int_equal(mfw_pulse_init(&p, 0, 30, 30), MFW_E_ARG);
    assert_int_equal(mfw_pulse_init(&p, 3, 30, 30), MFW_E_ARG); /* 1e9/3 is not whole */
}

static void timing_is_din43864(void **st)
{
    (void)st;
    struct mfw_pulse_output p;
    assert_int_equal(mfw_pulse_init(&p, 1000, 30, 30), MFW_OK);
    mfw_pulse_add(&p, 3000000); /* 3 pulses at once: shown one after another */
    int rises = 0, on_ms = 0, off_ms = 0, min_on = 1000, min_off = 1000;
    bool last = false;
    for (mfw_ms_t t = 1000; t < 2000; t++) {
        bool on = mfw_pulse_update(&p, t);
        if (on && !last) {
            rises++;
            if (rises > 1 && off_ms < min_off)
                min_off = off_ms;
            on_ms = 0;
        }
        if (!on && last) {
            if (on_ms < min_on)
                min_on = on_ms;
            off_ms = 0;
        }
        on ? on_ms++ : off_ms++;
        last = on;
    }
    assert_int_equal(rises, 3);
    assert_int_equal(p.count, 3);
    assert_true(min_on >= 30);
    assert_true(min_off >= 30);
}

/* Energy faster than the output can show is owed, never dropped: 100 pulses in one go come out
 * over 6 s, all of them. */
static void backlog_never_lost(void **st)
{
    (void)st;
    struct mfw_pulse_output p;
    assert_int_equal(mfw_pulse_init(&p, 1000, 30, 30), MFW_OK);
    mfw_pulse_add(&p, 100000000);
    for (mfw_ms_t t = 0; t < 7000; t += 5)
        mfw_pulse_update(&p, t);
    assert_int_equal(p.count, 100);
    assert_int_equal(p.owed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(constant_and_remainder),
        cmocka_unit_test(timing_is_din43864),
        cmocka_unit_test(backlog_never_lost),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
