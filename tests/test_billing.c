/* SPDX-License-Identifier: Apache-2.0 */
/* End of billing period schedule (IC 22 single action schedule 0.0.15.0.0.255): default monthly
 * schedule across a leap year, custom schedules, no double trigger, missed instants. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "meterfw/base/civil.h"
#include "meterfw/base/error.h"
#include "meterfw/meter/billing.h"

static struct mfw_local_time lt(int64_t y, unsigned mo, unsigned d, unsigned h, unsigned mi,
                                unsigned s)
{
    return (struct mfw_local_time){
        .year = y,
        .month = (uint8_t)mo,
        .day = (uint8_t)d,
        .hour = (uint8_t)h,
        .minute = (uint8_t)mi,
        .second = (uint8_t)s,
        .weekday = (uint8_t)mfw_civil_weekday(mfw_civil_days_from_date(y, mo, d))};
}

/* Wall-clock ms -> local_time (a zone without DST: local = wall clock). */
static struct mfw_local_time lt_of(int64_t wall_ms)
{
    int64_t ms;
    int64_t days = mfw_civil_days_of_ms(wall_ms, &ms);
    struct mfw_civil_date cd = mfw_civil_date_from_days(days);
    struct mfw_local_time t = lt(cd.year, cd.month, cd.day, (unsigned)(ms / 3600000),
                                 (unsigned)(ms / 60000 % 60), (unsigned)(ms / 1000 % 60));
    t.ms = (uint16_t)(ms % 1000);
    return t;
}

static int64_t wall(int64_t y, unsigned mo, unsigned d, unsigned h, unsigned mi)
{
    return mfw_civil_days_from_date(y, mo, d) * MFW_MS_PER_DAY + ((int64_t)h * 60 + mi) * 60000;
}

/* Steps the wall clock from `from` to `to` by `step` ms; records the times mfw_billing_due fired. */
static unsigned drive(struct mfw_billing *b, int64_t from, int64_t to, int64_t step,
                      struct mfw_local_time *fired, unsigned cap)
{
    unsigned n = 0;
    struct mfw_local_time prev = lt_of(from);
    for (int64_t t = from + step; t <= to; t += step) {
        struct mfw_local_time now = lt_of(t);
        if (mfw_billing_due(b, &prev, &now)) {
            if (n < cap)
                fired[n] = now;
            n++;
        }
        prev = now;
    }
    return n;
}

static void monthly_default_leap_year(void **st)
{
    (void)st;
    struct mfw_billing b;
    struct mfw_billing_config cfg;
    mfw_billing_default_config(&cfg);
    assert_int_equal(mfw_billing_init(&b, &cfg), MFW_OK);
    struct mfw_local_time fired[16];
    /* 2027-12-31 23:30 .. 2029-01-01 00:30 in 1 h steps (each step ends at hh:30). */
    unsigned n = drive(&b, wall(2027, 12, 31, 23, 30), wall(2029, 1, 1, 0, 30), 3600000, fired, 16);
    assert_int_equal(n, 13); /* 1 Jan 2028 .. 1 Jan 2029 */
    for (unsigned k = 0; k < 13; k++) {
        assert_int_equal(fired[k].year, k < 12 ? 2028 : 2029);
        assert_int_equal(fired[k].month, k < 12 ? k + 1 : 1);
        assert_int_equal(fired[k].day, 1);
        assert_int_equal(fired[k].hour, 0);
        assert_int_equal(fired[k].minute, 30);
    }
    assert_int_equal(b.counter, 13);
    assert_int_equal(b.last_billing.year, 2029);

    /* Exact edges: 28 Feb -> 29 Feb 2028 (leap) is not a billing, 29 Feb -> 1 Mar is. */
    assert_int_equal(mfw_billing_init(&b, &cfg), MFW_OK);
    struct mfw_local_time a = lt(2028, 2, 28, 23, 59, 59), c = lt(2028, 2, 29, 0, 0, 0);
    assert_false(mfw_billing_due(&b, &a, &c));
    a = lt(2028, 2, 29, 23, 59, 59);
    c = lt(2028, 3, 1, 0, 0, 0);
    assert_true(mfw_billing_due(&b, &a, &c)); /* (prev, now]: now exactly on the instant */
    /* 30 Apr (a 30-day month after a 31-day one) -> 1 May; 31 Mar -> 1 Apr */
    a = lt(2028, 3, 31, 23, 59, 59);
    c = lt(2028, 4, 1, 0, 0, 1);
    assert_true(mfw_billing_due(&b, &a, &c));
    a = lt(2028, 4, 30, 12, 0, 0);
    c = lt(2028, 4, 30, 23, 59, 59);
    assert_false(mfw_billing_due(&b, &a, &c));
    a = c;
    c = lt(2028, 5, 1, 0, 0, 0);
    assert_true(mfw_billing_due(&b, &a, &c));
    /* prev exactly on the instant: it belonged to the interval before */
    a = lt(2028, 5, 1, 0, 0, 0);
    c = lt(2028, 5, 1, 0, 0, 1);
    assert_false(mfw_billing_due(&b, &a, &c));
    assert_int_equal(b.counter, 3);
}

static void daily_schedule(void **st)
{
    (void)st;
    struct mfw_billing b;
    struct mfw_billing_config cfg = {
        .entries = 1,
        .e = {{.hour = 0,
               .minute = 0,
               .second = 0,
               .year = MFW_BILLING_YEAR_ANY,
               .month = MFW_BILLING_ANY,
               .day_of_month = MFW_BILLING_ANY,
               .day_of_week = MFW_BILLING_ANY}},
    };
    assert_int_equal(mfw_billing_init(&b, &cfg), MFW_OK);
    struct mfw_local_time fired[1];
    /* 2027-12-31 12:00 .. 2028-12-31 12:00 in 15 min steps: 366 midnights of the leap year */
    unsigned n = drive(&b, wall(2027, 12, 31, 12, 0), wall(2028, 12, 31, 12, 0), 900000, fired, 1);
    assert_int_equal(n, 366);
    assert_int_equal(b.counter, 366);
    assert_int_equal(b.last_billing.month, 12);
    assert_int_equal(b.last_billing.day, 31);
    assert_int_equal(b.last_billing.hour, 0);
    assert_int_equal(b.last_billing.minute, 0);
}

static void day15_noon(void **st)
{
    (void)st;
    struct mfw_billing b;
    struct mfw_billing_config cfg = {
        .entries = 1,
        .e = {{.hour = 12,
               .minute = 0,
               .second = 0,
               .year = MFW_BILLING_YEAR_ANY,
               .month = MFW_BILLING_ANY,
               .day_of_month = 15,
               .day_of_week = MFW_BILLING_ANY}},
    };
    assert_int_equal(mfw_billing_init(&b, &cfg), MFW_OK);
    struct mfw_local_time fired[13];
    /* 7 min steps: the instant falls inside a step, mfw_billing_due fires on the first step past it */
    unsigned n = drive(&b, wall(2028, 1, 1, 0, 0), wall(2029, 1, 1, 0, 0), 7 * 60000, fired, 13);
    assert_int_equal(n, 12);
    for (unsigned k = 0; k < 12; k++) {
        assert_int_equal(fired[k].month, k + 1);
        assert_int_equal(fired[k].day, 15);
        assert_int_equal(fired[k].hour, 12);
        assert_true(fired[k].minute < 7);
    }
}

static void several_entries_and_last_day(void **st)
{
    (void)st;
    struct mfw_billing b;
    /* last day of February at 23:00, and every Sunday at 06:00 in March 2028 */
    struct mfw_billing_config cfg = {
        .entries = 2,
        .e = {{.hour = 23,
               .year = MFW_BILLING_YEAR_ANY,
               .month = 2,
               .day_of_month = MFW_CLOCK_DOM_LAST,
               .day_of_week = MFW_BILLING_ANY},
              {.hour = 6,
               .year = 2028,
               .month = 3,
               .day_of_month = MFW_BILLING_ANY,
               .day_of_week = 7}},
    };
    assert_int_equal(mfw_billing_init(&b, &cfg), MFW_OK);
    struct mfw_local_time fired[8];
    unsigned n = drive(&b, wall(2028, 2, 1, 0, 0), wall(2028, 4, 1, 0, 0), 3600000, fired, 8);
    /* 29 Feb 23:00, then Sundays 5, 12, 19, 26 March 2028 */
    assert_int_equal(n, 5);
    assert_int_equal(fired[0].month, 2);
    assert_int_equal(fired[0].day, 29);
    assert_int_equal(fired[0].hour, 23);
    static const uint8_t sundays[4] = {5, 12, 19, 26};
    for (unsigned k = 0; k < 4; k++) {
        assert_int_equal(fired[k + 1].day, sundays[k]);
        assert_int_equal(fired[k + 1].weekday, 7);
        assert_int_equal(fired[k + 1].hour, 6);
    }
    /* 2029: February has 28 days; the fixed-year Sunday entry is over. */
    n = drive(&b, wall(2029, 2, 1, 0, 0), wall(2029, 4, 1, 0, 0), 3600000, fired, 8);
    assert_int_equal(n, 1);
    assert_int_equal(fired[0].day, 28);
}

static void no_double_trigger(void **st)
{
    (void)st;
    struct mfw_billing b;
    struct mfw_billing_config cfg;
    mfw_billing_default_config(&cfg);
    assert_int_equal(mfw_billing_init(&b, &cfg), MFW_OK);
    struct mfw_local_time a = lt(2028, 6, 30, 23, 59, 59), c = lt(2028, 7, 1, 0, 0, 0);
    a.ms = 800;
    assert_true(mfw_billing_due(&b, &a, &c));
    /* the same interval passed again (a retry after a reset of the caller): not twice */
    assert_false(mfw_billing_due(&b, &a, &c));
    struct mfw_local_time d = c;
    d.ms = 200;
    assert_false(mfw_billing_due(&b, &c, &d));
    assert_int_equal(b.counter, 1);

    /* End of DST: the wall clock runs 02:00-03:00 twice. A daily 02:30 billing runs once. */
    struct mfw_billing_config night = {
        .entries = 1,
        .e = {{.hour = 2,
               .minute = 30,
               .year = MFW_BILLING_YEAR_ANY,
               .month = MFW_BILLING_ANY,
               .day_of_month = MFW_BILLING_ANY,
               .day_of_week = MFW_BILLING_ANY}},
    };
    assert_int_equal(mfw_billing_init(&b, &night), MFW_OK);
    struct mfw_local_time s1 = lt(2028, 10, 29, 2, 29, 0), s2 = lt(2028, 10, 29, 2, 31, 0);
    s1.dst = s2.dst = true;
    assert_true(mfw_billing_due(&b, &s1, &s2));
    struct mfw_local_time s3 = lt(2028, 10, 29, 2, 59, 59), w1 = lt(2028, 10, 29, 2, 0, 0);
    s3.dst = true;
    assert_false(mfw_billing_due(&b, &s2, &s3));
    assert_false(mfw_billing_due(&b, &s3, &w1)); /* the clock goes back: empty interval */
    struct mfw_local_time w2 = lt(2028, 10, 29, 2, 45, 0);
    assert_false(mfw_billing_due(&b, &w1, &w2)); /* 02:30 again: already billed */
    struct mfw_local_time n1 = lt(2028, 10, 30, 2, 30, 0);
    assert_true(mfw_billing_due(&b, &w2, &n1)); /* next day: yes */
    assert_int_equal(b.counter, 2);
    assert_false(mfw_billing_due(&b, NULL, &n1));
}

static void missed_instants_bill_once(void **st)
{
    (void)st;
    struct mfw_billing b;
    struct mfw_billing_config cfg;
    mfw_billing_default_config(&cfg);
    assert_int_equal(mfw_billing_init(&b, &cfg), MFW_OK);
    /* off from 20 Jan to 10 May 2028: 1 Feb, 1 Mar, 1 Apr, 1 May missed -> ONE billing */
    struct mfw_local_time down = lt(2028, 1, 20, 8, 0, 0), up = lt(2028, 5, 10, 9, 15, 0);
    assert_true(mfw_billing_due(&b, &down, &up));
    assert_int_equal(b.counter, 1);
    assert_true(b.billed);
    assert_int_equal(b.last_billing.month, 5);
    assert_int_equal(b.last_billing.day, 10); /* time stamped at power-up */
    assert_int_equal(b.last_billing.hour, 9);
    assert_int_equal(b.last_sched_key,
                     mfw_billing_key(&(struct mfw_local_time){.year = 2028, .month = 5, .day = 1}));
    /* the schedule goes on from there */
    struct mfw_local_time a = lt(2028, 5, 31, 23, 0, 0), c = lt(2028, 6, 1, 1, 0, 0);
    assert_false(mfw_billing_due(&b, &up, &a));
    assert_true(mfw_billing_due(&b, &a, &c));
    assert_int_equal(b.counter, 2);
    /* decades off: still one billing, bounded search */
    struct mfw_local_time far = lt(2071, 3, 3, 3, 3, 3);
    assert_true(mfw_billing_due(&b, &c, &far));
    assert_int_equal(b.counter, 3);
    /* manual billing counts too */
    mfw_billing_trigger(&b, &far);
    assert_int_equal(b.counter, 4);
}

static void config_checked(void **st)
{
    (void)st;
    struct mfw_billing b;
    struct mfw_billing_config cfg;
    mfw_billing_default_config(&cfg);
    assert_int_equal(mfw_billing_init(NULL, &cfg), MFW_E_ARG);
    cfg.e[0].hour = 24;
    assert_int_equal(mfw_billing_init(&b, &cfg), MFW_E_RANGE);
    mfw_billing_default_config(&cfg);
    cfg.e[0].month = 0xFE; /* DST begin/end months: not supported */
    assert_int_equal(mfw_billing_init(&b, &cfg), MFW_E_RANGE);
    mfw_billing_default_config(&cfg);
    cfg.e[0].day_of_month = 0;
    assert_int_equal(mfw_billing_init(&b, &cfg), MFW_E_RANGE);
    mfw_billing_default_config(&cfg);
    cfg.entries = MFW_BILLING_ENTRIES_MAX + 1;
    assert_int_equal(mfw_billing_init(&b, &cfg), MFW_E_RANGE);
    /* no entries: never due */
    cfg.entries = 0;
    assert_int_equal(mfw_billing_init(&b, &cfg), MFW_OK);
    struct mfw_local_time a = lt(2028, 1, 1, 0, 0, 0), c = lt(2029, 1, 1, 0, 0, 0);
    assert_false(mfw_billing_due(&b, &a, &c));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(monthly_default_leap_year),
        cmocka_unit_test(daily_schedule),
        cmocka_unit_test(day15_noon),
        cmocka_unit_test(several_entries_and_last_day),
        cmocka_unit_test(no_double_trigger),
        cmocka_unit_test(missed_instants_bill_once),
        cmocka_unit_test(config_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
