/* SPDX-License-Identifier: Apache-2.0 */
/* The load-control relays (loadctl.h): scripts, on for N minutes, the calendar's tariffs, demand
 * response (shed / restore), a model with one relay. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "meterfw/base/error.h"
#include "meterfw/meter/loadctl.h"

#define T0 1800000000000LL

static void scripts_and_timer(void **st)
{
    (void)st;
    struct mfw_loadctl_config c;
    mfw_loadctl_default_config(&c);
    struct mfw_loadctl l;
    mfw_loadctl_init(&l, 2);
    assert_false(mfw_loadctl_closed(&l, 0));
    assert_int_equal(mfw_loadctl_script(&l, 1), MFW_OK); /* relay 1 on */
    assert_int_equal(mfw_loadctl_script(&l, 3), MFW_OK); /* relay 2 on */
    assert_true(mfw_loadctl_closed(&l, 0) && mfw_loadctl_closed(&l, 1));
    assert_int_equal(mfw_loadctl_script(&l, 4), MFW_OK); /* relay 2 off */
    assert_false(mfw_loadctl_closed(&l, 1));
    assert_int_equal(mfw_loadctl_script(&l, 5), MFW_OK); /* shed: all off */
    assert_false(mfw_loadctl_closed(&l, 0));
    assert_int_equal(mfw_loadctl_script(&l, 1), MFW_OK); /* on while shed: still off */
    assert_false(mfw_loadctl_closed(&l, 0));
    assert_int_equal(mfw_loadctl_script(&l, 6), MFW_OK); /* restored */
    assert_true(mfw_loadctl_closed(&l, 0));
    assert_int_equal(mfw_loadctl_script(&l, 7), MFW_E_RANGE);
    assert_int_equal(mfw_loadctl_script(&l, 0), MFW_E_RANGE);
    /* on for 30 minutes from T0: 30 left, then 1 left at T0 + 29 min 1 s, off at T0 + 30 min */
    mfw_loadctl_script(&l, 4);
    assert_int_equal(mfw_loadctl_timed(&l, 1, 30, T0), MFW_OK);
    assert_true(mfw_loadctl_closed(&l, 1));
    assert_int_equal(mfw_loadctl_minutes_left(&l, 1, T0), 30);
    assert_int_equal(mfw_loadctl_minutes_left(&l, 1, T0 + 29 * 60000 + 1000), 1);
    mfw_loadctl_tick(&l, &c, 1, T0 + 30 * 60000 - 1);
    assert_true(mfw_loadctl_closed(&l, 1));
    mfw_loadctl_tick(&l, &c, 1, T0 + 30 * 60000);
    assert_false(mfw_loadctl_closed(&l, 1));
    assert_int_equal(mfw_loadctl_minutes_left(&l, 1, T0 + 30 * 60000), 0);
    assert_int_equal(mfw_loadctl_timed(&l, 1, 1441, T0), MFW_E_RANGE);
    /* a model with one relay has no relay 2 */
    mfw_loadctl_init(&l, 1);
    assert_int_equal(mfw_loadctl_script(&l, 3), MFW_E_RANGE);
    assert_int_equal(mfw_loadctl_timed(&l, 1, 5, T0), MFW_E_RANGE);
    assert_false(mfw_loadctl_closed(&l, 1));
}

static void calendar_tariffs(void **st)
{
    (void)st;
    struct mfw_loadctl_config c;
    mfw_loadctl_default_config(&c);
    c.tariff_on[0] = 1u << 1; /* relay 1 on in T2 (the night tariff of the default calendar) */
    struct mfw_loadctl l;
    mfw_loadctl_init(&l, 2);
    mfw_loadctl_tick(&l, &c, 1, T0); /* T1: off */
    assert_false(mfw_loadctl_closed(&l, 0));
    mfw_loadctl_tick(&l, &c, 2, T0 + 1000); /* T2: on */
    assert_true(mfw_loadctl_closed(&l, 0));
    assert_false(mfw_loadctl_closed(&l, 1)); /* relay 2 has no tariffs: left alone */
    /* a command wins until the next tariff change */
    mfw_loadctl_script(&l, 2);
    mfw_loadctl_tick(&l, &c, 2, T0 + 2000);
    assert_false(mfw_loadctl_closed(&l, 0));
    mfw_loadctl_tick(&l, &c, 1, T0 + 3000);
    mfw_loadctl_tick(&l, &c, 2, T0 + 4000);
    assert_true(mfw_loadctl_closed(&l, 0));
    /* a timed on in T1, ending in T2: back to what the calendar says (on) */
    mfw_loadctl_tick(&l, &c, 1, T0 + 5000);
    mfw_loadctl_timed(&l, 0, 1, T0 + 5000);
    mfw_loadctl_tick(&l, &c, 2, T0 + 6000); /* the tariff changes under the timer: kept */
    assert_true(mfw_loadctl_closed(&l, 0));
    mfw_loadctl_tick(&l, &c, 1, T0 + 7000);
    assert_true(mfw_loadctl_closed(&l, 0)); /* still timed */
    mfw_loadctl_tick(&l, &c, 1, T0 + 5000 + 60000);
    assert_false(mfw_loadctl_closed(&l, 0)); /* T1 now: off */
}

static void save_and_restore(void **st)
{
    (void)st;
    struct mfw_loadctl l, m;
    mfw_loadctl_init(&l, 2);
    mfw_loadctl_script(&l, 3);
    mfw_loadctl_timed(&l, 0, 10, T0);
    mfw_loadctl_script(&l, 5);
    uint8_t buf[64];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, buf, sizeof buf);
    mfw_loadctl_save(&l, &w);
    mfw_loadctl_init(&m, 2);
    struct mfw_persist_reader r;
    mfw_persist_reader_init(&r, buf, w.len);
    mfw_loadctl_restore(&m, &r);
    assert_int_equal(mfw_persist_end(&r), MFW_OK);
    assert_true(m.shed && m.wanted[0] && m.wanted[1]);
    assert_int_equal(m.timer_end[0], T0 + 600000);
    /* a record of a model with another number of relays is refused */
    mfw_loadctl_init(&m, 1);
    mfw_persist_reader_init(&r, buf, w.len);
    mfw_loadctl_restore(&m, &r);
    assert_int_not_equal(mfw_persist_end(&r), MFW_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scripts_and_timer),
        cmocka_unit_test(calendar_tariffs),
        cmocka_unit_test(save_and_restore),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
