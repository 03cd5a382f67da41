/* SPDX-License-Identifier: Apache-2.0 */
/* End of billing period schedule: IDIS single action schedule 0.0.15.0.0.255 (IC 22, Blue Book
 * 4.5.4) -> end-of-billing script 0.0.10.0.1.255; billing period counter 0.0.0.1.0.255 and time
 * stamp of the last billing 0.0.0.1.2.255 (the IDIS object list).
 *
 * Missed instants: the meter passes the local time before the outage (prev) and at power-up
 * (now). However many scheduled instants lie in between, ONE billing runs at power-up: the
 * registers could not change while the meter was off, so several snapshots would only repeat
 * the same values with different counters; IDIS meters close a single billing period at
 * power-up and time-stamp it with the power-up time. */
#include "meterfw/meter/billing.h"

#include <stddef.h>

#include "meterfw/base/civil.h"
#include "meterfw/base/error.h"
#include "meterfw/base/persist.h"
#include "meterfw/base/time.h"

/* 400 Gregorian years repeat the calendar exactly (146097 days = 20871 weeks): any pattern that
 * matches at all matches within that span, so the backward search never needs more months. */
#define SEARCH_MONTHS_MAX (400u * 12u)

void mfw_billing_default_config(struct mfw_billing_config *cfg)
{
    *cfg = (struct mfw_billing_config){
        .entries = 1,
        .e = {{.hour = 0,
               .minute = 0,
               .second = 0,
               .year = MFW_BILLING_YEAR_ANY,
               .month = MFW_BILLING_ANY,
               .day_of_month = 1,
               .day_of_week = MFW_BILLING_ANY}},
    };
}

static bool entry_ok(const struct mfw_billing_entry *e)
{
    if (e->hour > 23 || e->minute > 59 || e->second > 59)
        return false;
    if (e->month != MFW_BILLING_ANY && (e->month < 1 || e->month > 12))
        return false;
    if (e->day_of_month != MFW_BILLING_ANY && e->day_of_month != MFW_CLOCK_DOM_LAST &&
        e->day_of_month != MFW_CLOCK_DOM_2ND_LAST && (e->day_of_month < 1 || e->day_of_month > 31))
        return false;
    if (e->day_of_week != MFW_BILLING_ANY && (e->day_of_week < 1 || e->day_of_week > 7))
        return false;
    return true;
}

int mfw_billing_init(struct mfw_billing *b, const struct mfw_billing_config *cfg)
{
    if (!b || !cfg)
        return MFW_E_ARG;
    if (cfg->entries > MFW_BILLING_ENTRIES_MAX)
        return MFW_E_RANGE;
    for (unsigned k = 0; k < cfg->entries; k++)
        if (!entry_ok(&cfg->e[k]))
            return MFW_E_RANGE;
    *b = (struct mfw_billing){.config = *cfg};
    return MFW_OK;
}

int64_t mfw_billing_key(const struct mfw_local_time *t)
{
    return mfw_civil_days_from_date(t->year, t->month, t->day) * MFW_MS_PER_DAY +
           (((int64_t)t->hour * 60 + t->minute) * 60 + t->second) * MFW_MS_PER_S + t->ms;
}

/* All specified date fields match (wildcard matching of a COSEM date, Blue Book 4.1.6.1). */
static bool day_matches(const struct mfw_billing_entry *e, int64_t y, unsigned m, unsigned d,
                        unsigned dim)
{
    if (e->day_of_month == MFW_CLOCK_DOM_LAST) {
        if (d != dim)
            return false;
    } else if (e->day_of_month == MFW_CLOCK_DOM_2ND_LAST) {
        if (d + 1u != dim)
            return false;
    } else if (e->day_of_month != MFW_BILLING_ANY && e->day_of_month != d) {
        return false;
    }
    if (e->day_of_week != MFW_BILLING_ANY &&
        mfw_civil_weekday(mfw_civil_days_from_date(y, m, d)) != e->day_of_week)
        return false;
    return true;
}

/* The latest instant of entry e in the wall-clock interval (lo, hi], searching months backwards
 * from hi's month. */
static bool latest_in(const struct mfw_billing_entry *e, int64_t lo, int64_t hi, int64_t *out)
{
    int64_t ms_of_day;
    struct mfw_civil_date cd = mfw_civil_date_from_days(mfw_civil_days_of_ms(hi, &ms_of_day));
    int64_t y = cd.year;
    unsigned m = cd.month;
    int64_t tod = (((int64_t)e->hour * 60 + e->minute) * 60 + e->second) * MFW_MS_PER_S;
    for (unsigned it = 0; it < SEARCH_MONTHS_MAX; it++) {
        if (e->year != MFW_BILLING_YEAR_ANY) {
            if (y < (int64_t)e->year)
                return false;
            if (y > (int64_t)e->year) {
                y = e->year;
                m = 12;
            }
        }
        if (e->month != MFW_BILLING_ANY && m != e->month) {
            if (m < e->month)
                y--;
            m = e->month;
            continue; /* re-check the year */
        }
        unsigned dim = mfw_civil_days_in_month(y, m);
        int64_t first = mfw_civil_days_from_date(y, m, 1);
        if ((first + dim - 1) * MFW_MS_PER_DAY + tod <= lo)
            return false; /* the whole month is at or before prev */
        for (unsigned d = dim; d >= 1; d--) {
            if (!day_matches(e, y, m, d, dim))
                continue;
            int64_t key = (first + d - 1) * MFW_MS_PER_DAY + tod;
            if (key > hi)
                continue;
            if (key <= lo)
                return false;
            *out = key;
            return true;
        }
        if (m == 1) {
            m = 12;
            y--;
        } else {
            m--;
        }
    }
    return false;
}

static void count_billing(struct mfw_billing *b, const struct mfw_local_time *now)
{
    b->counter++;
    b->billed = true;
    b->last_billing = *now;
}

bool mfw_billing_due(struct mfw_billing *b, const struct mfw_local_time *prev,
                     const struct mfw_local_time *now)
{
    if (!prev || !now)
        return false;
    int64_t lo = mfw_billing_key(prev), hi = mfw_billing_key(now);
    if (hi <= lo)
        return false; /* wall clock stood still or went back (end of DST, clock set back) */
    bool found = false;
    int64_t best = 0;
    for (unsigned k = 0; k < b->config.entries; k++) {
        int64_t key;
        if (latest_in(&b->config.e[k], lo, hi, &key) && (!found || key > best)) {
            best = key;
            found = true;
        }
    }
    /* The repeated hour at the end of DST (or a small clock set-back) brings the same wall-clock
     * instant again: it was billed already. */
    if (!found || (b->have_sched && best == b->last_sched_key))
        return false;
    b->have_sched = true;
    b->last_sched_key = best;
    count_billing(b, now);
    return true;
}

void mfw_billing_trigger(struct mfw_billing *b, const struct mfw_local_time *now)
{
    count_billing(b, now);
}

void mfw_billing_save(const struct mfw_billing *b, struct mfw_wcursor *w)
{
    const struct mfw_local_time *t = &b->last_billing;
    mfw_persist_put_u32(w, b->counter);
    mfw_persist_put_bool(w, b->billed);
    mfw_persist_put_i64(w, t->year);
    mfw_persist_put_u32(w, (uint32_t)t->month << 24 | (uint32_t)t->day << 16 |
                               (uint32_t)t->hour << 8 | t->minute);
    mfw_persist_put_u32(w, (uint32_t)t->second << 24 | (uint32_t)t->ms << 8 | t->weekday);
    mfw_persist_put_bool(w, t->dst);
    mfw_persist_put_i64(w, t->offset_min);
    mfw_persist_put_bool(w, b->have_sched);
    mfw_persist_put_i64(w, b->last_sched_key);
}

void mfw_billing_restore(struct mfw_billing *b, struct mfw_persist_reader *r)
{
    struct mfw_local_time *t = &b->last_billing;
    b->counter = mfw_persist_u32(r, "billing.counter", 0, UINT32_MAX);
    b->billed = mfw_persist_bool(r, "billing.billed");
    t->year = mfw_persist_i64(r, "billing.last.year", b->billed ? 1970 : 0, 9999);
    uint32_t mdhm = mfw_persist_u32(r, "billing.last.date", 0, UINT32_MAX);
    uint32_t smw = mfw_persist_u32(r, "billing.last.time", 0, UINT32_MAX);
    t->month = (uint8_t)(mdhm >> 24);
    t->day = (uint8_t)(mdhm >> 16);
    t->hour = (uint8_t)(mdhm >> 8);
    t->minute = (uint8_t)mdhm;
    t->second = (uint8_t)(smw >> 24);
    t->ms = (uint16_t)(smw >> 8);
    t->weekday = (uint8_t)smw;
    t->dst = mfw_persist_bool(r, "billing.last.dst");
    t->offset_min = (int16_t)mfw_persist_i64(r, "billing.last.offset", -900, 900);
    if (b->billed &&
        (t->month < 1 || t->month > 12 || t->day < 1 ||
         t->day > mfw_civil_days_in_month(t->year, t->month) || t->hour > 23 || t->minute > 59 ||
         t->second > 59 || t->ms > 999 || t->weekday < 1 || t->weekday > 7 ||
         t->weekday != mfw_civil_weekday(mfw_civil_days_from_date(t->year, t->month, t->day))))
        mfw_persist_fail(r, "billing.last: not a local time", MFW_E_RANGE);
    b->have_sched = mfw_persist_bool(r, "billing.have_sched");
    /* a wall-clock key of 1970 .. 9999 (mfw_billing_key) */
    b->last_sched_key = mfw_persist_i64(r, "billing.last_sched_key", 0, MFW_PERSIST_TIME_MAX);
}
