/* SPDX-License-Identifier: Apache-2.0 */
/* Time of use: Blue Book IC 20 activity calendar + IC 11 special days, with expected tariffs at
 * hand-picked local instants (weekdays worked out by hand in the comments), passive activation,
 * validation, the DST interplay through mfw_clock_local, and the persistent encoding.
 *
 * The test calendar:
 *   season "summer" from 04-01 00:00 (every year) -> week "wsum"; "winter" from 10-01 -> "wwin".
 *   wsum: Mon-Fri day 1, Sat-Sun day 2.   wwin: Mon-Fri day 4, Sat-Sun day 5.
 *   day 1: 06:00 T1, 22:00 T2 (nothing at 00:00: the previous day's last action carries over)
 *   day 2: 00:00 T2                        day 4: 06:00 T3, 22:00 T4
 *   day 5: 00:00 T4                        day 3 (holiday): 00:00 T2
 *   special days: index 1 = 12-25 (any year) day 3, index 2 = 01-01 (any year) day 3.
 * Weekdays: 2026-01-01 is a Thursday (checked in test_civil: 2026-11-25 is a Wednesday). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "meterfw/base/civil.h"
#include "meterfw/base/error.h"
#include "meterfw/meter/clock.h"
#include "meterfw/meter/tou.h"

#define MIN 60000LL
#define HOUR 3600000LL

static struct mfw_tou_name nm(const char *s)
{
    struct mfw_tou_name n;
    memset(&n, 0, sizeof n);
    n.len = (uint8_t)strlen(s);
    memcpy(n.b, s, n.len);
    return n;
}

static struct mfw_tou_day_action act(uint8_t h, uint8_t m, uint16_t tariff)
{
    struct mfw_tou_day_action a = {.start = {.hour = h, .minute = m, .second = 0},
                                   .script_selector = tariff};
    return a;
}

static struct mfw_tou_season season(const char *name, uint8_t month, uint8_t day, const char *week)
{
    struct mfw_tou_season s;
    memset(&s, 0, sizeof s);
    s.name = nm(name);
    s.start.date = (struct mfw_tou_date){
        .year = MFW_TOU_YEAR_ANY, .month = month, .day_of_month = day, .day_of_week = MFW_TOU_ANY};
    s.start.time = (struct mfw_tou_time){0, 0, 0};
    s.week_name = nm(week);
    return s;
}

static struct mfw_tou_week week(const char *name, uint8_t workday, uint8_t weekend)
{
    struct mfw_tou_week w;
    memset(&w, 0, sizeof w);
    w.name = nm(name);
    for (int i = 0; i < 7; i++)
        w.day_id[i] = i < 5 ? workday : weekend;
    return w;
}

static void make_calendar(struct mfw_tou_calendar *c)
{
    memset(c, 0, sizeof *c);
    c->name = nm("TOU2026");
    c->n_seasons = 2;
    c->seasons[0] = season("summer", 4, 1, "wsum");
    c->seasons[1] = season("winter", 10, 1, "wwin");
    c->n_weeks = 2;
    c->weeks[0] = week("wsum", 1, 2);
    c->weeks[1] = week("wwin", 4, 5);
    c->n_days = 5;
    c->days[0] =
        (struct mfw_tou_day){.day_id = 1, .n = 2, .actions = {act(6, 0, 1), act(22, 0, 2)}};
    c->days[1] = (struct mfw_tou_day){.day_id = 2, .n = 1, .actions = {act(0, 0, 2)}};
    c->days[2] = (struct mfw_tou_day){.day_id = 3, .n = 1, .actions = {act(0, 0, 2)}};
    c->days[3] =
        (struct mfw_tou_day){.day_id = 4, .n = 2, .actions = {act(6, 0, 3), act(22, 0, 4)}};
    c->days[4] = (struct mfw_tou_day){.day_id = 5, .n = 1, .actions = {act(0, 0, 4)}};
}

static struct mfw_tou_special_day special(uint16_t index, uint16_t y, uint8_t m, uint8_t d,
                                          uint8_t dow, uint8_t day_id)
{
    struct mfw_tou_special_day s = {
        .index = index,
        .date = {.year = y, .month = m, .day_of_month = d, .day_of_week = dow},
        .day_id = day_id};
    return s;
}

static void make_tou(struct mfw_tou *t)
{
    mfw_tou_init(t);
    make_calendar(&t->active);
    struct mfw_tou_special_day xmas = special(1, MFW_TOU_YEAR_ANY, 12, 25, MFW_TOU_ANY, 3);
    struct mfw_tou_special_day newyear = special(2, MFW_TOU_YEAR_ANY, 1, 1, MFW_TOU_ANY, 3);
    assert_int_equal(mfw_tou_special_insert(t, &newyear), MFW_OK);
    assert_int_equal(mfw_tou_special_insert(t, &xmas), MFW_OK);
}

/* A local time; the weekday given by hand is checked against the civil arithmetic. */
static struct mfw_local_time lt_at(int64_t y, uint8_t mo, uint8_t d, uint8_t h, uint8_t mi,
                                   uint8_t s, uint8_t weekday)
{
    struct mfw_local_time lt = {
        .year = y, .month = mo, .day = d, .hour = h, .minute = mi, .second = s, .weekday = weekday};
    assert_int_equal(mfw_civil_weekday(mfw_civil_days_from_date(y, mo, d)), weekday);
    return lt;
}

static uint8_t tariff_at(const struct mfw_tou *t, int64_t y, uint8_t mo, uint8_t d, uint8_t h,
                         uint8_t mi, uint8_t s, uint8_t weekday)
{
    struct mfw_local_time lt = lt_at(y, mo, d, h, mi, s, weekday);
    bool bad = true;
    uint8_t tar = mfw_tou_tariff_checked(t, &lt, &bad);
    assert_false(bad);
    return tar;
}

static void test_calendar_is_valid(void **st)
{
    (void)st;
    struct mfw_tou_calendar c;
    make_calendar(&c);
    assert_int_equal(mfw_tou_validate(&c), MFW_OK);
}

static void summer_weekdays_and_weekend(void **st)
{
    (void)st;
    struct mfw_tou t;
    make_tou(&t);
    /* 2026-06-15: Jan 1 (Thu) + 165 days (31+28+31+30+31+14) = 23 weeks + 4 -> Monday. */
    assert_int_equal(tariff_at(&t, 2026, 6, 15, 10, 0, 0, 1), 1);
    /* Before 06:00 Monday the previous day's (Sunday, day 2) last action T2 is in force. */
    assert_int_equal(tariff_at(&t, 2026, 6, 15, 5, 59, 59, 1), 2);
    assert_int_equal(tariff_at(&t, 2026, 6, 15, 6, 0, 0, 1), 1);
    assert_int_equal(tariff_at(&t, 2026, 6, 15, 21, 59, 59, 1), 1);
    assert_int_equal(tariff_at(&t, 2026, 6, 15, 22, 0, 0, 1), 2);
    /* Tuesday 03:00: carried over from Monday's 22:00 T2. */
    assert_int_equal(tariff_at(&t, 2026, 6, 16, 3, 0, 0, 2), 2);
    /* 2026-06-13 = Monday 15th - 2 -> Saturday: all day T2. */
    assert_int_equal(tariff_at(&t, 2026, 6, 13, 10, 0, 0, 6), 2);
}

static void winter_and_season_wrap(void **st)
{
    (void)st;
    struct mfw_tou t;
    make_tou(&t);
    /* 2026-11-10: Nov 1 2026 is a Sunday (Jan 1 Thu + 304 days = 43 weeks + 3) -> 10th Tuesday. */
    assert_int_equal(tariff_at(&t, 2026, 11, 10, 10, 0, 0, 2), 3);
    assert_int_equal(tariff_at(&t, 2026, 11, 10, 3, 0, 0, 2), 4); /* Monday's 22:00 T4 */
    /* January: no start of this year has come yet, so winter (from 2025-10-01) is in force.
     * 2026-01-15 = Jan 1 (Thu) + 14 -> Thursday. */
    assert_int_equal(tariff_at(&t, 2026, 1, 15, 10, 0, 0, 4), 3);
    /* 2026-01-03 = Thursday + 2 -> Saturday: winter weekend T4. */
    assert_int_equal(tariff_at(&t, 2026, 1, 3, 10, 0, 0, 6), 4);
    /* Season boundary: 2026-03-31 is a Tuesday (Jan 1 + 89 days = 12 weeks + 5), winter; at
     * 23:59:59 the 22:00 T4 is in force. 2026-04-01 Wednesday 00:00 is summer, but day 1 has no
     * action before 06:00, so the previous day's (winter) T4 stays until 06:00 T1. */
    assert_int_equal(tariff_at(&t, 2026, 3, 31, 23, 59, 59, 2), 4);
    assert_int_equal(tariff_at(&t, 2026, 4, 1, 0, 0, 0, 3), 4);
    assert_int_equal(tariff_at(&t, 2026, 4, 1, 5, 59, 59, 3), 4);
    assert_int_equal(tariff_at(&t, 2026, 4, 1, 6, 0, 0, 3), 1);
    /* 2026-10-01 = 2026-04-01 (Wed) + 183 days = 26 weeks + 1 -> Thursday: winter weekday. */
    assert_int_equal(tariff_at(&t, 2026, 10, 1, 10, 0, 0, 4), 3);
    assert_int_equal(tariff_at(&t, 2026, 9, 30, 10, 0, 0, 3), 1);
}

static void holidays_override(void **st)
{
    (void)st;
    struct mfw_tou t;
    make_tou(&t);
    /* 2026-12-25: Dec 1 = Nov 1 (Sun) + 30 -> Tuesday; 25th = Tuesday + 24 -> Friday. Holiday:
     * T2 all day instead of the winter weekday's T3. */
    assert_int_equal(tariff_at(&t, 2026, 12, 25, 10, 0, 0, 5), 2);
    assert_int_equal(tariff_at(&t, 2026, 12, 24, 10, 0, 0, 4), 3);
    /* 2026-01-01 Thursday: holiday. */
    assert_int_equal(tariff_at(&t, 2026, 1, 1, 10, 0, 0, 4), 2);
    /* 2026-01-02 Friday 03:00: the holiday's last action (T2) carries over, not winter T4. */
    assert_int_equal(tariff_at(&t, 2026, 1, 2, 3, 0, 0, 5), 2);
    assert_int_equal(tariff_at(&t, 2026, 1, 2, 10, 0, 0, 5), 3);
    /* 2027-12-25: 2026-12-25 (Fri) + 365 -> Saturday, still the holiday profile. */
    assert_int_equal(tariff_at(&t, 2027, 12, 25, 10, 0, 0, 6), 2);
}

static void special_day_insert_delete(void **st)
{
    (void)st;
    struct mfw_tou t;
    make_tou(&t);
    assert_int_equal(t.n_special, 2);
    assert_int_equal(t.special[0].index, 1); /* kept sorted by index */
    assert_int_equal(t.special[1].index, 2);

    /* A one-off holiday on Monday 2026-06-15 (T1 at 10:00 without it). */
    struct mfw_tou_special_day once = special(7, 2026, 6, 15, MFW_TOU_ANY, 3);
    assert_int_equal(mfw_tou_special_insert(&t, &once), MFW_OK);
    assert_int_equal(tariff_at(&t, 2026, 6, 15, 10, 0, 0, 1), 2);
    assert_int_equal(tariff_at(&t, 2027, 6, 15, 10, 0, 0, 2), 1); /* only in 2026: Tue 2027 */
    assert_int_equal(mfw_tou_special_delete(&t, 7), MFW_OK);
    assert_int_equal(tariff_at(&t, 2026, 6, 15, 10, 0, 0, 1), 1);
    assert_int_equal(mfw_tou_special_delete(&t, 7), MFW_E_RANGE);

    /* The lowest matching index wins: index 0 = every Friday of December -> day 5 (T4) beats
     * index 1 (12-25 -> holiday T2) on Friday 2026-12-25. */
    struct mfw_tou_special_day fridays = special(0, MFW_TOU_YEAR_ANY, 12, MFW_TOU_ANY, 5, 5);
    assert_int_equal(mfw_tou_special_insert(&t, &fridays), MFW_OK);
    assert_int_equal(t.special[0].index, 0);
    assert_int_equal(tariff_at(&t, 2026, 12, 25, 10, 0, 0, 5), 4);
    /* Thursday 2026-12-31 is not a Friday: winter weekday T3. Last day via 0xFE: */
    assert_int_equal(tariff_at(&t, 2026, 12, 31, 10, 0, 0, 4), 3);
    struct mfw_tou_special_day last =
        special(9, MFW_TOU_YEAR_ANY, MFW_TOU_ANY, MFW_TOU_DOM_LAST, MFW_TOU_ANY, 3);
    assert_int_equal(mfw_tou_special_insert(&t, &last), MFW_OK);
    assert_int_equal(tariff_at(&t, 2026, 12, 31, 10, 0, 0, 4), 2);
    assert_int_equal(tariff_at(&t, 2026, 12, 30, 10, 0, 0, 3), 3);

    /* Same index overwrites (IC 11 insert); same date under another index overwrites too. */
    uint8_t n = t.n_special;
    struct mfw_tou_special_day re =
        special(9, MFW_TOU_YEAR_ANY, MFW_TOU_ANY, MFW_TOU_DOM_LAST, MFW_TOU_ANY, 1);
    assert_int_equal(mfw_tou_special_insert(&t, &re), MFW_OK);
    assert_int_equal(t.n_special, n);
    struct mfw_tou_special_day redate =
        special(12, MFW_TOU_YEAR_ANY, MFW_TOU_ANY, MFW_TOU_DOM_LAST, MFW_TOU_ANY, 3);
    assert_int_equal(mfw_tou_special_insert(&t, &redate), MFW_OK);
    assert_int_equal(t.n_special, n);
    assert_int_equal(t.special[n - 1].index, 12);

    /* Bad date rejected, nothing changes. */
    struct mfw_tou before = t;
    struct mfw_tou_special_day bad = special(20, MFW_TOU_YEAR_ANY, 13, 1, MFW_TOU_ANY, 3);
    assert_int_equal(mfw_tou_special_insert(&t, &bad), MFW_E_RANGE);
    assert_memory_equal(&t, &before, sizeof t);

    /* Full table */
    mfw_tou_init(&t);
    for (unsigned i = 0; i < MFW_TOU_SPECIAL_DAYS_MAX; i++) {
        struct mfw_tou_special_day e = special((uint16_t)(100 - i), (uint16_t)(2030 + i / 28), 1,
                                               (uint8_t)(1 + i % 28), MFW_TOU_ANY, 3);
        assert_int_equal(mfw_tou_special_insert(&t, &e), MFW_OK);
    }
    for (unsigned i = 1; i < MFW_TOU_SPECIAL_DAYS_MAX; i++)
        assert_true(t.special[i - 1].index < t.special[i].index);
    struct mfw_tou_special_day more = special(500, 2040, 5, 5, MFW_TOU_ANY, 3);
    assert_int_equal(mfw_tou_special_insert(&t, &more), MFW_E_NOSPACE);
    more.index = 100; /* replaces an existing one: fits */
    assert_int_equal(mfw_tou_special_insert(&t, &more), MFW_OK);
}

static void inconsistent_calendar_falls_back(void **st)
{
    (void)st;
    struct mfw_tou t;
    mfw_tou_init(&t);
    struct mfw_local_time lt = lt_at(2026, 6, 15, 10, 0, 0, 1);
    bool bad = false;
    assert_int_equal(mfw_tou_tariff_checked(&t, &lt, &bad), MFW_TOU_FALLBACK_TARIFF); /* empty */
    assert_true(bad);

    make_tou(&t);
    t.active.weeks[0].day_id[0] = 42; /* Monday of summer -> missing day profile */
    assert_int_equal(mfw_tou_tariff_checked(&t, &lt, &bad), 1);
    assert_true(bad);
    make_tou(&t);
    t.active.seasons[0].week_name = nm("nope");
    assert_int_equal(mfw_tou_tariff_checked(&t, &lt, &bad), 1);
    assert_true(bad);
    make_tou(&t);
    t.active.days[1].actions[0].script_selector = 9; /* Sunday T9 carried into Monday 05:00 */
    lt = lt_at(2026, 6, 15, 5, 0, 0, 1);
    assert_int_equal(mfw_tou_tariff_checked(&t, &lt, &bad), 1);
    assert_true(bad);
    lt.month = 13;
    assert_int_equal(mfw_tou_tariff_checked(&t, &lt, &bad), 1);
    assert_true(bad);
}

static void validation_rejects_without_change(void **st)
{
    (void)st;
    struct mfw_tou t;
    make_tou(&t);
    struct mfw_tou_calendar good;
    make_calendar(&good);
    good.name = nm("PASSIVE");
    assert_int_equal(mfw_tou_set_passive(&t, &good), MFW_OK);
    struct mfw_tou before = t;

    struct mfw_tou_calendar bad;
    bad = good, bad.seasons[1].week_name = nm("wnone"); /* missing week */
    assert_int_equal(mfw_tou_set_passive(&t, &bad), MFW_E_RANGE);
    assert_int_equal(mfw_tou_validate_parts(&bad), MFW_OK); /* fine while half-written */
    bad = good, bad.weeks[1].day_id[6] = 6;                 /* missing day profile */
    assert_int_equal(mfw_tou_set_passive(&t, &bad), MFW_E_RANGE);
    bad = good, bad.days[0].actions[1] = act(5, 0, 2); /* 06:00 then 05:00: unsorted */
    assert_int_equal(mfw_tou_set_passive(&t, &bad), MFW_E_RANGE);
    assert_int_equal(mfw_tou_validate_parts(&bad), MFW_E_RANGE);
    bad = good, bad.days[0].actions[1] = act(6, 0, 2); /* equal start */
    assert_int_equal(mfw_tou_set_passive(&t, &bad), MFW_E_RANGE);
    bad = good, bad.days[3].actions[0].script_selector = 9; /* tariff outside 1..8 */
    assert_int_equal(mfw_tou_set_passive(&t, &bad), MFW_E_RANGE);
    bad = good, bad.days[3].actions[0].script_selector = 0;
    assert_int_equal(mfw_tou_set_passive(&t, &bad), MFW_E_RANGE);
    bad = good, bad.days[3].actions[0].start.hour = 24;
    assert_int_equal(mfw_tou_set_passive(&t, &bad), MFW_E_RANGE);
    bad = good, bad.days[4].day_id = 1; /* duplicate day_id */
    assert_int_equal(mfw_tou_set_passive(&t, &bad), MFW_E_RANGE);
    bad = good, bad.weeks[1].name = nm("wsum"); /* duplicate week name */
    assert_int_equal(mfw_tou_set_passive(&t, &bad), MFW_E_RANGE);
    bad = good, bad.days[2].n = 0; /* day profile without action */
    assert_int_equal(mfw_tou_set_passive(&t, &bad), MFW_E_RANGE);
    bad = good, bad.days[2].n = MFW_TOU_ACTIONS_MAX + 1;
    assert_int_equal(mfw_tou_set_passive(&t, &bad), MFW_E_RANGE);
    bad = good, bad.seasons[0].start.date.month = 13;
    assert_int_equal(mfw_tou_set_passive(&t, &bad), MFW_E_RANGE);
    bad = good, bad.seasons[0].start.date.day_of_month = 31; /* April has 30 days */
    assert_int_equal(mfw_tou_set_passive(&t, &bad), MFW_E_RANGE);
    bad = good, bad.n_seasons = 0;
    assert_int_equal(mfw_tou_set_passive(&t, &bad), MFW_E_RANGE);
    bad = good, bad.n_weeks = MFW_TOU_WEEKS_MAX + 1;
    assert_int_equal(mfw_tou_set_passive(&t, &bad), MFW_E_RANGE);
    bad = good, bad.name.len = MFW_TOU_NAME_MAX + 1;
    assert_int_equal(mfw_tou_set_passive(&t, &bad), MFW_E_RANGE);
    assert_memory_equal(&t, &before, sizeof t);

    /* Activation time: partial wildcards and a wrong weekday are refused. 2026-06-01 is a Monday
     * (2026-06-15 Monday - 14). */
    struct mfw_tou_date_time w = {.date = {2026, 6, 1, MFW_TOU_ANY}, .time = {MFW_TOU_ANY, 0, 0}};
    assert_int_equal(mfw_tou_set_activation(&t, &w), MFW_E_RANGE);
    w = (struct mfw_tou_date_time){.date = {MFW_TOU_YEAR_ANY, 6, 1, MFW_TOU_ANY},
                                   .time = {0, 0, 0}};
    assert_int_equal(mfw_tou_set_activation(&t, &w), MFW_E_RANGE);
    w = (struct mfw_tou_date_time){.date = {2026, 6, 1, 2}, .time = {0, 0, 0}};
    assert_int_equal(mfw_tou_set_activation(&t, &w), MFW_E_RANGE);
    w = (struct mfw_tou_date_time){.date = {2026, 6, 31, MFW_TOU_ANY}, .time = {0, 0, 0}};
    assert_int_equal(mfw_tou_set_activation(&t, &w), MFW_E_RANGE);
    assert_memory_equal(&t, &before, sizeof t);
    w = (struct mfw_tou_date_time){.date = {2026, 6, 1, 1}, .time = {0, 0, 0}};
    assert_int_equal(mfw_tou_set_activation(&t, &w), MFW_OK);
    assert_true(t.passive_pending);
    w = (struct mfw_tou_date_time){
        .date = {MFW_TOU_YEAR_ANY, MFW_TOU_ANY, MFW_TOU_ANY, MFW_TOU_ANY},
        .time = {MFW_TOU_ANY, MFW_TOU_ANY, MFW_TOU_ANY}};
    assert_int_equal(mfw_tou_set_activation(&t, &w), MFW_OK); /* all wildcards: cancel */
    assert_false(t.passive_pending);

    /* Activating an empty (never written) passive calendar is refused. */
    struct mfw_tou fresh;
    make_tou(&fresh);
    struct mfw_tou fresh0 = fresh;
    assert_int_equal(mfw_tou_activate_now(&fresh, 123), MFW_E_STATE);
    assert_memory_equal(&fresh, &fresh0, sizeof fresh);
}

static void make_flat(struct mfw_tou_calendar *c, uint16_t tariff)
{
    memset(c, 0, sizeof *c);
    c->name = nm("FLAT");
    c->n_seasons = 1;
    c->seasons[0] = season("all", 1, 1, "w");
    c->n_weeks = 1;
    c->weeks[0] = week("w", 1, 1);
    c->n_days = 1;
    c->days[0] = (struct mfw_tou_day){.day_id = 1, .n = 1, .actions = {act(0, 0, tariff)}};
}

/* Passive activation at midnight of 2026-06-01 (Monday), CEST: 00:00 local = 2026-05-31T22:00Z.
 * Ticking every minute, the tariff changes exactly then, not a minute before. */
static void passive_activation_at_midnight(void **st)
{
    (void)st;
    struct mfw_clock c;
    mfw_clock_init(&c, NULL, false);
    struct mfw_tou t;
    make_tou(&t);
    struct mfw_tou_calendar flat;
    make_flat(&flat, 5);
    assert_int_equal(mfw_tou_set_passive(&t, &flat), MFW_OK);
    struct mfw_tou_date_time w = {.date = {2026, 6, 1, MFW_TOU_ANY}, .time = {0, 0, 0}};
    assert_int_equal(mfw_tou_set_activation(&t, &w), MFW_OK);

    const mfw_ms_t at = mfw_civil_days_from_date(2026, 5, 31) * MFW_MS_PER_DAY + 22 * HOUR;
    assert_int_equal(mfw_clock_utc_of_local(&c, 2026, 6, 1, 0, 0), at);
    int activations = 0;
    for (mfw_ms_t u = at - 5 * MIN; u <= at + 5 * MIN; u += MIN) {
        struct mfw_local_time lt;
        mfw_clock_local(&c, u, &lt);
        bool activated = false;
        assert_int_equal(mfw_tou_tick(&t, &lt, u, &activated), MFW_OK);
        uint8_t tar = mfw_tou_tariff(&t, &lt);
        if (u < at) {
            assert_false(activated);
            assert_int_equal(tar, 2); /* Sunday 2026-05-31 (weekend T2) */
        } else {
            assert_int_equal(tar, 5);
            if (u == at)
                assert_true(activated);
        }
        activations += activated;
    }
    assert_int_equal(activations, 1);
    assert_false(t.passive_pending);
    assert_int_equal(t.last_activation_utc, at);
    assert_memory_equal(&t.active, &flat, sizeof flat);  /* passive copied into active */
    assert_memory_equal(&t.passive, &flat, sizeof flat); /* and kept */

    /* A meter that was off at the activation time activates at its next tick. */
    make_tou(&t);
    mfw_tou_set_passive(&t, &flat);
    mfw_tou_set_activation(&t, &w);
    struct mfw_local_time later = lt_at(2026, 6, 3, 8, 0, 0, 3);
    bool activated = false;
    assert_int_equal(mfw_tou_tick(&t, &later, 777, &activated), MFW_OK);
    assert_true(activated);
    assert_int_equal(mfw_tou_tariff(&t, &later), 5);

    /* The method activate_passive_calendar does it at once. */
    make_tou(&t);
    make_flat(&flat, 7);
    mfw_tou_set_passive(&t, &flat);
    assert_int_equal(mfw_tou_activate_now(&t, 999), MFW_OK);
    assert_int_equal(mfw_tou_tariff(&t, &later), 7);
    assert_int_equal(t.last_activation_utc, 999);
}

/* Monday 2026-03-30, the day after the spring change: 06:00 CEST = 04:00Z (not 05:00Z).
 * Monday 2026-10-26, the day after the autumn change: 06:00 CET = 05:00Z. */
static void dst_interplay(void **st)
{
    (void)st;
    struct mfw_clock c;
    mfw_clock_init(&c, NULL, false);
    struct mfw_tou t;
    make_tou(&t);
    struct mfw_local_time lt;
    mfw_ms_t sw = mfw_civil_days_from_date(2026, 3, 30) * MFW_MS_PER_DAY + 4 * HOUR;
    assert_int_equal(mfw_clock_utc_of_local(&c, 2026, 3, 30, 6, 0), sw);
    /* Before April 1st this is still winter: day 4, 06:00 T3 after Sunday's T4. */
    mfw_clock_local(&c, sw - 1000, &lt);
    assert_int_equal(lt.weekday, 1);
    assert_int_equal(mfw_tou_tariff(&t, &lt), 4);
    mfw_clock_local(&c, sw, &lt);
    assert_int_equal(lt.hour, 6);
    assert_int_equal(mfw_tou_tariff(&t, &lt), 3);

    mfw_ms_t sw2 = mfw_civil_days_from_date(2026, 10, 26) * MFW_MS_PER_DAY + 5 * HOUR;
    assert_int_equal(mfw_clock_utc_of_local(&c, 2026, 10, 26, 6, 0), sw2);
    mfw_clock_local(&c, sw2 - 1000, &lt);
    assert_int_equal(mfw_tou_tariff(&t, &lt), 4);
    mfw_clock_local(&c, sw2, &lt);
    assert_int_equal(mfw_tou_tariff(&t, &lt), 3);

    /* In summer: the day after a summer Sunday, 06:00 CEST = 04:00Z, T2 -> T1. */
    mfw_ms_t sw3 = mfw_civil_days_from_date(2026, 6, 15) * MFW_MS_PER_DAY + 4 * HOUR;
    mfw_clock_local(&c, sw3 - 1, &lt);
    assert_int_equal(mfw_tou_tariff(&t, &lt), 2);
    mfw_clock_local(&c, sw3, &lt);
    assert_int_equal(mfw_tou_tariff(&t, &lt), 1);
}

static void encode_decode_round_trip(void **st)
{
    (void)st;
    struct mfw_tou t;
    make_tou(&t);
    struct mfw_tou_calendar flat;
    make_flat(&flat, 5);
    mfw_tou_set_passive(&t, &flat);
    struct mfw_tou_date_time w = {.date = {2026, 6, 1, MFW_TOU_ANY}, .time = {0, 0, 0}};
    mfw_tou_set_activation(&t, &w);
    t.last_activation_utc = -1;

    uint8_t buf[MFW_TOU_ENCODED_MAX];
    size_t len = 0;
    assert_int_equal(mfw_tou_encode(&t, buf, sizeof buf, &len), MFW_OK);
    assert_true(len > 4 && len <= sizeof buf);

    struct mfw_tou d;
    mfw_tou_init(&d);
    assert_int_equal(mfw_tou_decode(&d, buf, len), MFW_OK);
    uint8_t buf2[MFW_TOU_ENCODED_MAX];
    size_t len2 = 0;
    assert_int_equal(mfw_tou_encode(&d, buf2, sizeof buf2, &len2), MFW_OK);
    assert_int_equal(len2, len);
    assert_memory_equal(buf, buf2, len);
    /* (struct padding makes memcmp of the calendars meaningless; the re-encoding above compares
     * every field) */
    assert_memory_equal(d.passive.name.b, "FLAT", 4);
    assert_int_equal(d.active.days[3].actions[1].script_selector, 4);
    assert_true(d.passive_pending);
    assert_int_equal(d.last_activation_utc, -1);
    assert_int_equal(d.n_special, 2);
    assert_int_equal(tariff_at(&d, 2026, 12, 25, 10, 0, 0, 5), 2);
    assert_int_equal(tariff_at(&d, 2026, 6, 15, 10, 0, 0, 1), 1);

    /* Too small a buffer */
    assert_int_equal(mfw_tou_encode(&t, buf2, len - 1, &len2), MFW_E_NOSPACE);

    /* Every truncation, a trailing byte, a bad version, an oversize count, a bad boolean:
     * MFW_E_FORMAT and the target unchanged. */
    struct mfw_tou target;
    make_tou(&target);
    struct mfw_tou target0 = target;
    for (size_t n = 0; n < len; n++)
        assert_int_equal(mfw_tou_decode(&target, buf, n), MFW_E_FORMAT);
    uint8_t longer[MFW_TOU_ENCODED_MAX + 1];
    memcpy(longer, buf, len);
    longer[len] = 0;
    assert_int_equal(mfw_tou_decode(&target, longer, len + 1), MFW_E_FORMAT);
    memcpy(longer, buf, len);
    longer[3] = 2;
    assert_int_equal(mfw_tou_decode(&target, longer, len), MFW_E_FORMAT);
    memcpy(longer, buf, len);
    longer[4] = MFW_TOU_NAME_MAX + 1; /* active calendar name length */
    assert_int_equal(mfw_tou_decode(&target, longer, len), MFW_E_FORMAT);
    memcpy(longer, buf, len);
    longer[4 + 1 + 7] = MFW_TOU_SEASONS_MAX + 1; /* "TOU2026" is 7 bytes, then n_seasons */
    assert_int_equal(mfw_tou_decode(&target, longer, len), MFW_E_FORMAT);
    /* pending flag: after both calendars and the 8-byte activation, 9 + 8 + 1 + 2*8 from the end */
    size_t pend = len - (8 + 1 + 2 * 8) - 1;
    assert_int_equal(buf[pend], 1);
    memcpy(longer, buf, len);
    longer[pend] = 2;
    assert_int_equal(mfw_tou_decode(&target, longer, len), MFW_E_FORMAT);
    /* special days out of index order */
    memcpy(longer, buf, len);
    longer[len - 8] = 9; /* second entry's index (low byte) 2 -> 9: still ordered */
    assert_int_equal(mfw_tou_decode(&target, longer, len), MFW_OK);
    target = target0;
    longer[len - 8] = 1; /* equal to the first: refused */
    assert_int_equal(mfw_tou_decode(&target, longer, len), MFW_E_FORMAT);
    assert_memory_equal(&target, &target0, sizeof target);

    /* A maximal struct fits MFW_TOU_ENCODED_MAX exactly. */
    struct mfw_tou big;
    mfw_tou_init(&big);
    struct mfw_tou_calendar *cals[2] = {&big.active, &big.passive};
    for (int k = 0; k < 2; k++) {
        struct mfw_tou_calendar *c = cals[k];
        c->name.len = MFW_TOU_NAME_MAX;
        c->n_seasons = MFW_TOU_SEASONS_MAX;
        c->n_weeks = MFW_TOU_WEEKS_MAX;
        c->n_days = MFW_TOU_DAYS_MAX;
        for (int i = 0; i < MFW_TOU_SEASONS_MAX; i++)
            c->seasons[i].name.len = c->seasons[i].week_name.len = MFW_TOU_NAME_MAX;
        for (int i = 0; i < MFW_TOU_WEEKS_MAX; i++)
            c->weeks[i].name.len = MFW_TOU_NAME_MAX;
        for (int i = 0; i < MFW_TOU_DAYS_MAX; i++)
            c->days[i].n = MFW_TOU_ACTIONS_MAX;
    }
    big.n_special = MFW_TOU_SPECIAL_DAYS_MAX;
    static uint8_t bigbuf[MFW_TOU_ENCODED_MAX];
    assert_int_equal(mfw_tou_encode(&big, bigbuf, sizeof bigbuf, &len), MFW_OK);
    assert_int_equal(len, MFW_TOU_ENCODED_MAX);
    big.n_special = MFW_TOU_SPECIAL_DAYS_MAX + 1;
    assert_int_equal(mfw_tou_encode(&big, bigbuf, sizeof bigbuf, &len), MFW_E_RANGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_calendar_is_valid),
        cmocka_unit_test(summer_weekdays_and_weekend),
        cmocka_unit_test(winter_and_season_wrap),
        cmocka_unit_test(holidays_override),
        cmocka_unit_test(special_day_insert_delete),
        cmocka_unit_test(inconsistent_calendar_falls_back),
        cmocka_unit_test(validation_rejects_without_change),
        cmocka_unit_test(passive_activation_at_midnight),
        cmocka_unit_test(dst_interplay),
        cmocka_unit_test(encode_decode_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
