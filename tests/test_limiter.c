/* SPDX-License-Identifier: Apache-2.0 */
/* The limiter (IC 71, limiter.h): the minimum over / under durations timed by hand, the
 * emergency profile's window and group membership, threshold 0 = no limitation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "meterfw/base/error.h"
#include "meterfw/meter/catalog.h"
#include "meterfw/meter/limiter.h"

#define T0 1800000000000LL

static void over_and_under_durations(void **st)
{
    (void)st;
    struct mfw_limiter_config c;
    mfw_limiter_default_config(&c);
    c.threshold_normal = 3000; /* W */
    c.min_over_s = 60;
    c.min_under_s = 30;
    assert_int_equal(mfw_limiter_validate(&c), MFW_OK);
    struct mfw_limiter l;
    mfw_limiter_init(&l, &c, T0);
    struct mfw_limiter_result r;
    /* 3500 W from T0: not yet at T0 + 59 s, exceeded at T0 + 60 s (once) */
    mfw_limiter_step(&l, &c, 3500, true, T0, &r);
    assert_false(r.exceeded);
    mfw_limiter_step(&l, &c, 3500, true, T0 + 59000, &r);
    assert_false(r.exceeded);
    mfw_limiter_step(&l, &c, 3500, true, T0 + 60000, &r);
    assert_true(r.exceeded);
    mfw_limiter_step(&l, &c, 3500, true, T0 + 61000, &r);
    assert_false(r.exceeded);
    /* exactly the threshold is not above it: under from T0 + 70 s, OK at T0 + 100 s */
    mfw_limiter_step(&l, &c, 3000, true, T0 + 70000, &r);
    mfw_limiter_step(&l, &c, 2500, true, T0 + 99000, &r);
    assert_false(r.ok);
    mfw_limiter_step(&l, &c, 2500, true, T0 + 100000, &r);
    assert_true(r.ok);
    /* a dip that is too short does not restart anything: over again needs 60 s unbroken */
    mfw_limiter_step(&l, &c, 3500, true, T0 + 200000, &r);
    mfw_limiter_step(&l, &c, 2000, true, T0 + 230000, &r); /* back under: timer cleared */
    mfw_limiter_step(&l, &c, 3500, true, T0 + 231000, &r);
    mfw_limiter_step(&l, &c, 3500, true, T0 + 290000, &r); /* 59 s since 231 s */
    assert_false(r.exceeded);
    mfw_limiter_step(&l, &c, 3500, true, T0 + 291000, &r);
    assert_true(r.exceeded);
    /* not available: nothing changes */
    mfw_limiter_step(&l, &c, 0, false, T0 + 400000, &r);
    assert_false(r.ok || r.exceeded);
}

static void emergency_profile(void **st)
{
    (void)st;
    struct mfw_limiter_config c;
    mfw_limiter_default_config(&c);
    c.threshold_normal = 5000;
    c.threshold_emergency = 2000;
    c.emergency_id = 7;
    c.emergency_start = T0 + 3600000;
    c.emergency_duration_s = 1800;
    /* not in the group list: never active */
    assert_false(mfw_limiter_emergency_active(&c, T0 + 3600000));
    c.n_groups = 2;
    c.groups[0] = 3;
    c.groups[1] = 7;
    assert_false(mfw_limiter_emergency_active(&c, T0 + 3599999));
    assert_true(mfw_limiter_emergency_active(&c, T0 + 3600000));
    assert_true(mfw_limiter_emergency_active(&c, T0 + 3600000 + 1799999));
    assert_false(mfw_limiter_emergency_active(&c, T0 + 3600000 + 1800000));
    assert_int_equal(mfw_limiter_threshold(&c, T0), 5000);
    assert_int_equal(mfw_limiter_threshold(&c, T0 + 3700000), 2000);
    struct mfw_limiter l;
    mfw_limiter_init(&l, &c, T0);
    struct mfw_limiter_result r;
    mfw_limiter_step(&l, &c, 3000, true, T0, &r);
    assert_false(r.threshold_changed);
    mfw_limiter_step(&l, &c, 3000, true, T0 + 3600000, &r); /* the emergency begins */
    assert_true(r.threshold_changed);
    assert_int_equal(l.active, 2000);
    mfw_limiter_step(&l, &c, 3000, true, T0 + 3660000, &r); /* 60 s over 2000 W */
    assert_true(r.exceeded);
    mfw_limiter_step(&l, &c, 3000, true, T0 + 5400000, &r); /* it ends: 5000 W again */
    assert_true(r.threshold_changed);
    mfw_limiter_step(&l, &c, 3000, true, T0 + 5460000, &r);
    assert_true(r.ok);
}

static void threshold_zero_limits_nothing(void **st)
{
    (void)st;
    struct mfw_limiter_config c;
    mfw_limiter_default_config(&c);
    struct mfw_limiter l;
    mfw_limiter_init(&l, &c, T0);
    struct mfw_limiter_result r;
    for (unsigned k = 0; k < 100; k++) {
        mfw_limiter_step(&l, &c, 50000, true, T0 + k * 10000LL, &r);
        assert_false(r.exceeded);
    }
    c.monitored = MFW_CAT_COUNT; /* not a quantity */
    assert_int_equal(mfw_limiter_validate(&c), MFW_E_RANGE);
    mfw_limiter_default_config(&c);
    c.over.selector = 3; /* the disconnect table has 2 scripts */
    assert_int_equal(mfw_limiter_validate(&c), MFW_E_RANGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(over_and_under_durations),
        cmocka_unit_test(emergency_profile),
        cmocka_unit_test(threshold_zero_limits_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
