/* SPDX-License-Identifier: Apache-2.0 */
/* Clock: UTC meter time over the RTC, local time, EU daylight saving (directive 2000/84/EC),
 * COSEM IC 8 status and set/shift. Every instant below is worked out by hand from the calendar. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "meterfw/base/civil.h"
#include "meterfw/base/error.h"
#include "meterfw/meter/clock.h"

#define MIN 60000LL
#define HOUR 3600000LL

/* UTC ms of a UTC civil date-time (mfw_civil_days_from_date is tested in test_civil.c). */
static mfw_ms_t utc(int64_t y, unsigned mo, unsigned d, unsigned h, unsigned mi)
{
    return mfw_civil_days_from_date(y, mo, d) * MFW_MS_PER_DAY + (int64_t)h * HOUR +
           (int64_t)mi * MIN;
}

static void assert_local(const struct mfw_clock *c, mfw_ms_t t, int64_t y, unsigned mo, unsigned d,
                         unsigned h, unsigned mi, unsigned s, unsigned wd, bool dst)
{
    struct mfw_local_time lt;
    mfw_clock_local(c, t, &lt);
    assert_int_equal(lt.year, y);
    assert_int_equal(lt.month, mo);
    assert_int_equal(lt.day, d);
    assert_int_equal(lt.hour, h);
    assert_int_equal(lt.minute, mi);
    assert_int_equal(lt.second, s);
    assert_int_equal(lt.weekday, wd);
    assert_int_equal(lt.dst, dst);
    assert_int_equal(lt.offset_min, dst ? 120 : 60);
}

/* 2026: March has 31 days and 2026-03-31 is a Tuesday (2026-01-01 is a Thursday; +31+28+30 =
 * 89 days = 12 weeks + 5 days -> Thursday + 5 = Tuesday), so the last Sunday of March is the
 * 29th. October: 2026-10-31 = 2026-03-31 + 214 days (30+31+30+31+31+30+31) = 30 weeks + 4 days
 * -> Tuesday + 4 = Saturday, so the last Sunday of October is the 25th. 2000/84/EC: both
 * changes at 01:00 UTC -> 2026-03-29T01:00:00Z and 2026-10-25T01:00:00Z. */
static void eu_2026_switch_instants(void **st)
{
    (void)st;
    struct mfw_clock_config cfg = mfw_clock_default_config();
    mfw_ms_t b, e;
    assert_int_equal(mfw_clock_dst_instants(&cfg, 2026, &b, &e), MFW_OK);
    assert_int_equal(b, utc(2026, 3, 29, 1, 0));
    assert_int_equal(e, utc(2026, 10, 25, 1, 0));

    struct mfw_clock c;
    assert_int_equal(mfw_clock_init(&c, NULL, false), MFW_OK);
    assert_false(mfw_clock_dst_active(&c, b - 1));
    assert_true(mfw_clock_dst_active(&c, b));
    assert_true(mfw_clock_dst_active(&c, e - 1));
    assert_false(mfw_clock_dst_active(&c, e));
}

static void eu_2026_local_around_switches(void **st)
{
    (void)st;
    struct mfw_clock c;
    mfw_clock_init(&c, NULL, false);
    /* Spring: 00:59:59Z = 01:59:59 CET, then 01:00:00Z = 03:00:00 CEST (Sunday = 7). */
    assert_local(&c, utc(2026, 3, 29, 1, 0) - 1000, 2026, 3, 29, 1, 59, 59, 7, false);
    assert_local(&c, utc(2026, 3, 29, 1, 0), 2026, 3, 29, 3, 0, 0, 7, true);
    /* Autumn: 00:59:59Z = 02:59:59 CEST, then 01:00:00Z = 02:00:00 CET (the hour repeats). */
    assert_local(&c, utc(2026, 10, 25, 1, 0) - 1000, 2026, 10, 25, 2, 59, 59, 7, true);
    assert_local(&c, utc(2026, 10, 25, 1, 0), 2026, 10, 25, 2, 0, 0, 7, false);
    /* 00:30Z and 01:30Z both show 02:30 on 2026-10-25. */
    assert_local(&c, utc(2026, 10, 25, 0, 30), 2026, 10, 25, 2, 30, 0, 7, true);
    assert_local(&c, utc(2026, 10, 25, 1, 30), 2026, 10, 25, 2, 30, 0, 7, false);
    /* ms field */
    struct mfw_local_time lt;
    mfw_clock_local(&c, utc(2026, 6, 1, 10, 0) + 123, &lt);
    assert_int_equal(lt.ms, 123);
    assert_int_equal(lt.hour, 12);
}

static void local_date_at_2330z_on_dst_days(void **st)
{
    (void)st;
    struct mfw_clock c;
    mfw_clock_init(&c, NULL, false);
    /* 2026-03-29T23:30Z: summer time, +2 h -> Monday 2026-03-30 01:30 local. */
    assert_local(&c, utc(2026, 3, 29, 23, 30), 2026, 3, 30, 1, 30, 0, 1, true);
    /* 2026-10-25T23:30Z: winter time, +1 h -> Monday 2026-10-26 00:30 local. */
    assert_local(&c, utc(2026, 10, 25, 23, 30), 2026, 10, 26, 0, 30, 0, 1, false);
    /* New year: 2026-12-31T23:30Z -> Friday 2027-01-01 00:30 CET (2027-01-01: 2026 has 365 days
     * = 52 weeks + 1, Thursday + 1 = Friday). */
    assert_local(&c, utc(2026, 12, 31, 23, 30), 2027, 1, 1, 0, 30, 0, 5, false);
}

static void dst_off(void **st)
{
    (void)st;
    struct mfw_clock_config cfg = mfw_clock_default_config();
    cfg.dst_enabled = false;
    struct mfw_clock c;
    assert_int_equal(mfw_clock_init(&c, &cfg, false), MFW_OK);
    assert_false(mfw_clock_dst_active(&c, utc(2026, 7, 1, 12, 0)));
    assert_local(&c, utc(2026, 7, 1, 12, 0), 2026, 7, 1, 13, 0, 0, 3, false); /* Wed */
    assert_int_equal(mfw_clock_status(&c, utc(2026, 7, 1, 12, 0)), 0);
    assert_int_equal(mfw_clock_dst_instants(&cfg, 2026, NULL, NULL), MFW_E_STATE);
    assert_int_equal(mfw_clock_utc_of_local(&c, 2026, 3, 29, 2, 30), utc(2026, 3, 29, 1, 30));
}

/* US-like rule in UTC-5 (utc_offset -300): begin = second Sunday of March (the first Sunday on
 * or after the 8th) at 02:00 EST; end = first Sunday of November at 02:00 EDT, written in
 * standard time as 01:00 EST. 2026-03-01 = 2026-01-01 (Thu) + 59 days = 8 weeks + 3 -> Sunday,
 * so the 8th is a Sunday: 2026-03-08 02:00 EST = 07:00Z. 2026-11-01 = 2026-03-01 + 245 days =
 * 35 weeks -> Sunday: 2026-11-01 01:00 EST = 06:00Z. */
static void us_like_rule(void **st)
{
    (void)st;
    struct mfw_clock_config cfg = {
        .utc_offset_min = -300,
        .dst_enabled = true,
        .dst_deviation_min = 60,
        .dst_begin = {.month = 3, .day_of_month = 8, .day_of_week = 7, .hour = 2, .minute = 0},
        .dst_end = {.month = 11, .day_of_month = 1, .day_of_week = 7, .hour = 1, .minute = 0},
    };
    mfw_ms_t b, e;
    assert_int_equal(mfw_clock_dst_instants(&cfg, 2026, &b, &e), MFW_OK);
    assert_int_equal(b, utc(2026, 3, 8, 7, 0));
    assert_int_equal(e, utc(2026, 11, 1, 6, 0));
    /* 2027: Mar 1 2027 is a Monday (Mar 1 2026 Sunday + 365 = +1), second Sunday = 14th. */
    assert_int_equal(mfw_clock_dst_instants(&cfg, 2027, &b, NULL), MFW_OK);
    assert_int_equal(b, utc(2027, 3, 14, 7, 0));
    struct mfw_clock c;
    assert_int_equal(mfw_clock_init(&c, &cfg, false), MFW_OK);
    struct mfw_local_time lt;
    mfw_clock_local(&c, utc(2026, 7, 4, 16, 0), &lt);
    assert_true(lt.dst);
    assert_int_equal(lt.offset_min, -240);
    assert_int_equal(lt.hour, 12);
    /* Time zone mapping to COSEM attr 3 (Gurux convention [M]): -offset. */
    assert_int_equal(mfw_clock_cosem_time_zone(&cfg), 300);
    struct mfw_clock_config eu = mfw_clock_default_config();
    assert_int_equal(mfw_clock_cosem_time_zone(&eu), -60);
}

/* Southern hemisphere (begin in October, end in April): DST runs across the new year. */
static void southern_rule(void **st)
{
    (void)st;
    struct mfw_clock_config cfg = {
        .utc_offset_min = 600, /* AEST */
        .dst_enabled = true,
        .dst_deviation_min = 60,
        .dst_begin = {.month = 10, .day_of_month = 1, .day_of_week = 7, .hour = 2, .minute = 0},
        .dst_end = {.month = 4, .day_of_month = 1, .day_of_week = 7, .hour = 2, .minute = 0},
    };
    struct mfw_clock c;
    assert_int_equal(mfw_clock_init(&c, &cfg, false), MFW_OK);
    assert_true(mfw_clock_dst_active(&c, utc(2026, 1, 15, 0, 0)));
    assert_false(mfw_clock_dst_active(&c, utc(2026, 7, 15, 0, 0)));
    assert_true(mfw_clock_dst_active(&c, utc(2026, 12, 15, 0, 0)));
}

/* 2027: 2027-03-31 = 2026-03-31 (Tue) + 365 -> Wednesday, last Sunday = 28th; 2027-10-31 =
 * 2026-10-31 (Sat) + 365 -> Sunday, so the last Sunday is the 31st itself.
 * 2028 (leap): 2028-03-31 = 2027-03-31 (Wed) + 366 -> Friday, last Sunday = 26th; 2028-10-31 =
 * 2027-10-31 (Sun) + 366 -> Tuesday, last Sunday = 29th. */
static void eu_2027_2028(void **st)
{
    (void)st;
    struct mfw_clock_config cfg = mfw_clock_default_config();
    mfw_ms_t b, e;
    assert_int_equal(mfw_clock_dst_instants(&cfg, 2027, &b, &e), MFW_OK);
    assert_int_equal(b, utc(2027, 3, 28, 1, 0));
    assert_int_equal(e, utc(2027, 10, 31, 1, 0));
    assert_int_equal(mfw_clock_dst_instants(&cfg, 2028, &b, &e), MFW_OK);
    assert_int_equal(b, utc(2028, 3, 26, 1, 0));
    assert_int_equal(e, utc(2028, 10, 29, 1, 0));

    /* Walk 2027 and 2028 hour by hour: DST exactly between those instants, and local time is
     * always UTC + 60 or + 120 minutes. */
    struct mfw_clock c;
    mfw_clock_init(&c, NULL, false);
    int changes = 0;
    bool prev = false;
    for (mfw_ms_t t = utc(2027, 1, 1, 0, 0); t < utc(2029, 1, 1, 0, 0); t += HOUR) {
        bool d = mfw_clock_dst_active(&c, t);
        if (d != prev)
            changes++;
        prev = d;
        bool expect = (t >= utc(2027, 3, 28, 1, 0) && t < utc(2027, 10, 31, 1, 0)) ||
                      (t >= utc(2028, 3, 26, 1, 0) && t < utc(2028, 10, 29, 1, 0));
        assert_int_equal(d, expect);
    }
    assert_int_equal(changes, 4);
    /* 2028-02-29 exists: 12:00Z = 13:00 CET, Tuesday (2028-03-31 Friday - 31 days = Tuesday). */
    assert_local(&c, utc(2028, 2, 29, 12, 0), 2028, 2, 29, 13, 0, 0, 2, false);
}

static void utc_of_local_gap_and_overlap(void **st)
{
    (void)st;
    struct mfw_clock c;
    mfw_clock_init(&c, NULL, false);
    /* Ordinary: 2026-03-30 06:00 CEST = 04:00Z; 2026-01-10 06:00 CET = 05:00Z. */
    assert_int_equal(mfw_clock_utc_of_local(&c, 2026, 3, 30, 6, 0), utc(2026, 3, 30, 4, 0));
    assert_int_equal(mfw_clock_utc_of_local(&c, 2026, 1, 10, 6, 0), utc(2026, 1, 10, 5, 0));
    /* Skipped hour 02:00..02:59 on 2026-03-29: the instant of the jump, 01:00Z. */
    assert_int_equal(mfw_clock_utc_of_local(&c, 2026, 3, 29, 2, 0), utc(2026, 3, 29, 1, 0));
    assert_int_equal(mfw_clock_utc_of_local(&c, 2026, 3, 29, 2, 30), utc(2026, 3, 29, 1, 0));
    assert_int_equal(mfw_clock_utc_of_local(&c, 2026, 3, 29, 1, 59), utc(2026, 3, 29, 0, 59));
    assert_int_equal(mfw_clock_utc_of_local(&c, 2026, 3, 29, 3, 0), utc(2026, 3, 29, 1, 0));
    /* Repeated hour 02:00..02:59 on 2026-10-25: the first occurrence (still CEST). */
    assert_int_equal(mfw_clock_utc_of_local(&c, 2026, 10, 25, 2, 30), utc(2026, 10, 25, 0, 30));
    assert_int_equal(mfw_clock_utc_of_local(&c, 2026, 10, 25, 3, 0), utc(2026, 10, 25, 2, 0));
    /* Midnight of the day after a change */
    assert_int_equal(mfw_clock_utc_of_local(&c, 2026, 10, 26, 0, 0), utc(2026, 10, 25, 23, 0));
    assert_int_equal(mfw_clock_utc_of_local(&c, 2026, 3, 30, 0, 0), utc(2026, 3, 29, 22, 0));
}

static void set_and_shift(void **st)
{
    (void)st;
    struct mfw_clock c;
    assert_int_equal(mfw_clock_init(&c, NULL, false), MFW_OK);
    const mfw_ms_t rtc = utc(2026, 5, 1, 10, 0);
    assert_int_equal(mfw_clock_now(&c, rtc), rtc);
    struct mfw_clock_change ch;
    c.doubtful = true;
    assert_int_equal(mfw_clock_set(&c, rtc, utc(2026, 5, 1, 10, 7), &ch), MFW_OK);
    assert_int_equal(ch.old_utc, rtc);
    assert_int_equal(ch.new_utc, utc(2026, 5, 1, 10, 7));
    assert_false(c.doubtful);
    /* The RTC runs on; meter time keeps the 7 minutes. */
    assert_int_equal(mfw_clock_now(&c, rtc + HOUR), utc(2026, 5, 1, 11, 7));

    assert_int_equal(mfw_clock_shift(&c, rtc + HOUR, -420, &ch), MFW_OK);
    assert_int_equal(ch.old_utc, utc(2026, 5, 1, 11, 7));
    assert_int_equal(ch.new_utc, utc(2026, 5, 1, 11, 0));
    assert_int_equal(mfw_clock_now(&c, rtc + HOUR), utc(2026, 5, 1, 11, 0));
    assert_int_equal(mfw_clock_shift(&c, rtc, 900, NULL), MFW_OK);
    assert_int_equal(mfw_clock_shift(&c, rtc, -900, NULL), MFW_OK);

    /* Out of range: rejected, nothing changes. */
    int64_t off = c.offset_ms;
    assert_int_equal(mfw_clock_shift(&c, rtc, 901, &ch), MFW_E_RANGE);
    assert_int_equal(mfw_clock_shift(&c, rtc, -901, &ch), MFW_E_RANGE);
    assert_int_equal(mfw_clock_set(&c, rtc, -1, &ch), MFW_E_RANGE);
    assert_int_equal(c.offset_ms, off);
}

static void rtc_lost_is_invalid_until_set(void **st)
{
    (void)st;
    struct mfw_clock c;
    assert_int_equal(mfw_clock_init(&c, NULL, true), MFW_OK);
    const mfw_ms_t rtc = utc(2000, 1, 1, 0, 0); /* an RTC reset to its epoch */
    assert_true(mfw_clock_status(&c, mfw_clock_now(&c, rtc)) & MFW_CLOCK_STATUS_INVALID);
    /* A shift does not make an unknown time known (our choice, clock.h). */
    c.doubtful = true;
    assert_int_equal(mfw_clock_shift(&c, rtc, 10, NULL), MFW_OK);
    assert_int_equal(mfw_clock_status(&c, mfw_clock_now(&c, rtc)), MFW_CLOCK_STATUS_INVALID);
    /* Setting the time clears it. 2026-07-01 is summer time: status = DST only. */
    struct mfw_clock_change ch;
    assert_int_equal(mfw_clock_set(&c, rtc + 5000, utc(2026, 7, 1, 8, 0), &ch), MFW_OK);
    assert_int_equal(ch.old_utc, rtc + 5000 + 10000);
    assert_int_equal(mfw_clock_status(&c, mfw_clock_now(&c, rtc + 5000)), MFW_CLOCK_STATUS_DST);
}

static void status_bits(void **st)
{
    (void)st;
    struct mfw_clock c;
    mfw_clock_init(&c, NULL, false);
    mfw_ms_t winter = utc(2026, 1, 10, 12, 0), summer = utc(2026, 7, 10, 12, 0);
    assert_int_equal(mfw_clock_status(&c, winter), 0x00);
    assert_int_equal(mfw_clock_status(&c, summer), 0x80);
    c.doubtful = true;
    assert_int_equal(mfw_clock_status(&c, summer), 0x82);
    c.invalid = true;
    assert_int_equal(mfw_clock_status(&c, winter), 0x03);
}

static void config_validation(void **st)
{
    (void)st;
    struct mfw_clock c;
    mfw_clock_init(&c, NULL, false);
    struct mfw_clock_config ok = c.config, bad;

    bad = ok, bad.dst_begin.month = 13;
    assert_int_equal(mfw_clock_set_config(&c, &bad), MFW_E_RANGE);
    bad = ok, bad.dst_begin.day_of_month = 0xFF; /* not specified: no day */
    assert_int_equal(mfw_clock_set_config(&c, &bad), MFW_E_RANGE);
    bad = ok, bad.dst_end.day_of_week = 8;
    assert_int_equal(mfw_clock_set_config(&c, &bad), MFW_E_RANGE);
    bad = ok, bad.dst_end.hour = 24;
    assert_int_equal(mfw_clock_set_config(&c, &bad), MFW_E_RANGE);
    bad = ok, bad.dst_begin.day_of_month = 26; /* 26 + Sunday could run past March 31 */
    assert_int_equal(mfw_clock_set_config(&c, &bad), MFW_E_RANGE);
    bad = ok, bad.dst_begin.month = 2, bad.dst_begin.day_of_month = 23;
    assert_int_equal(mfw_clock_set_config(&c, &bad), MFW_E_RANGE);
    bad = ok, bad.dst_begin.month = 4, bad.dst_begin.day_of_month = 31;
    bad.dst_begin.day_of_week = 0xFF; /* April 31st does not exist */
    assert_int_equal(mfw_clock_set_config(&c, &bad), MFW_E_RANGE);
    bad = ok, bad.dst_deviation_min = 121;
    assert_int_equal(mfw_clock_set_config(&c, &bad), MFW_E_RANGE);
    bad = ok, bad.utc_offset_min = 900;
    assert_int_equal(mfw_clock_set_config(&c, &bad), MFW_E_RANGE);
    assert_int_equal(mfw_clock_init(&c, &bad, false), MFW_E_RANGE);
    /* Nothing changed. */
    assert_int_equal(c.config.utc_offset_min, 60);
    assert_int_equal(c.config.dst_begin.month, 3);

    /* Accepted: 25 + Sunday (= last Sunday of March, the COSEM way of writing the EU rule) gives
     * the same instants as 0xFE + Sunday; Feb 29 alone is the 28th in a common year. */
    struct mfw_clock_config alt = ok;
    alt.dst_begin.day_of_month = 25;
    alt.dst_end.day_of_month = 25;
    assert_int_equal(mfw_clock_set_config(&c, &alt), MFW_OK);
    mfw_ms_t b, e;
    for (int64_t y = 2020; y <= 2040; y++) {
        mfw_ms_t b2, e2;
        mfw_clock_dst_instants(&ok, y, &b, &e);
        mfw_clock_dst_instants(&alt, y, &b2, &e2);
        assert_int_equal(b, b2);
        assert_int_equal(e, e2);
    }
    alt = ok;
    alt.dst_begin.month = 2, alt.dst_begin.day_of_month = 29, alt.dst_begin.day_of_week = 0xFF;
    mfw_clock_dst_instants(&alt, 2026, &b, NULL);
    assert_int_equal(b, utc(2026, 2, 28, 1, 0));
    mfw_clock_dst_instants(&alt, 2028, &b, NULL);
    assert_int_equal(b, utc(2028, 2, 29, 1, 0));
    /* 0xFD + Sunday: the last Sunday on or before the second last day. October 2027 ends on
     * Sunday the 31st, so that is Sunday the 24th. 0xFD alone: the 30th. */
    alt = ok;
    alt.dst_end.day_of_month = 0xFD;
    mfw_clock_dst_instants(&alt, 2027, NULL, &e);
    assert_int_equal(e, utc(2027, 10, 24, 1, 0));
    alt.dst_end.day_of_week = 0xFF;
    mfw_clock_dst_instants(&alt, 2027, NULL, &e);
    assert_int_equal(e, utc(2027, 10, 30, 1, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(eu_2026_switch_instants),
        cmocka_unit_test(eu_2026_local_around_switches),
        cmocka_unit_test(local_date_at_2330z_on_dst_days),
        cmocka_unit_test(dst_off),
        cmocka_unit_test(us_like_rule),
        cmocka_unit_test(southern_rule),
        cmocka_unit_test(eu_2027_2028),
        cmocka_unit_test(utc_of_local_gap_and_overlap),
        cmocka_unit_test(set_and_shift),
        cmocka_unit_test(rtc_lost_is_invalid_until_set),
        cmocka_unit_test(status_bits),
        cmocka_unit_test(config_validation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
