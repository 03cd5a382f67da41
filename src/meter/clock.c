/* SPDX-License-Identifier: Apache-2.0 */
/* clock: UTC meter time over the port's RTC, local time with time zone and daylight saving
 * (Blue Book IC 8 Clock, EU directive 2000/84/EC by default). See include/meterfw/meter/clock.h. */
#include "meterfw/meter/clock.h"

#include <stddef.h>

#include "meterfw/base/civil.h"
#include "meterfw/base/error.h"

#define MS_PER_MIN 60000LL
#define MS_PER_HOUR 3600000LL

/* 1970-01-01T00:00:00Z .. 9999-12-31T23:59:59.999Z */
#define CLOCK_UTC_MAX (253402300800000LL - 1)

struct mfw_clock_config mfw_clock_default_config(void)
{
    struct mfw_clock_config cfg = {
        .utc_offset_min = 60, /* CET */
        .dst_enabled = true,
        .dst_deviation_min = 60,
        /* 2000/84/EC art. 2: summer time begins at 01:00 UTC on the last Sunday of March =
         * 02:00 CET. Art. 3: it ends at 01:00 UTC on the last Sunday of October = 03:00 CEST =
         * 02:00 CET (both points are in local standard time, see clock.h). */
        .dst_begin = {.month = 3,
                      .day_of_month = MFW_CLOCK_DOM_LAST,
                      .day_of_week = 7,
                      .hour = 2,
                      .minute = 0},
        .dst_end = {.month = 10,
                    .day_of_month = MFW_CLOCK_DOM_LAST,
                    .day_of_week = 7,
                    .hour = 2,
                    .minute = 0},
    };
    return cfg;
}

static int point_validate(const struct mfw_clock_dst_point *p)
{
    if (p->month < 1 || p->month > 12 || p->hour > 23 || p->minute > 59)
        return MFW_E_RANGE;
    if (p->day_of_week != MFW_CLOCK_NOT_SPECIFIED && (p->day_of_week < 1 || p->day_of_week > 7))
        return MFW_E_RANGE;
    if (p->day_of_month == MFW_CLOCK_DOM_LAST || p->day_of_month == MFW_CLOCK_DOM_2ND_LAST)
        return MFW_OK;
    if (p->day_of_month < 1 || p->day_of_month > 31)
        return MFW_E_RANGE; /* includes 0xFF: a yearly rule needs a day */
    /* Longest (leap year 2000) and shortest (2001) length of this month. */
    unsigned longest = mfw_civil_days_in_month(2000, p->month);
    unsigned shortest = mfw_civil_days_in_month(2001, p->month);
    if (p->day_of_week == MFW_CLOCK_NOT_SPECIFIED)
        return p->day_of_month <= longest ? MFW_OK : MFW_E_RANGE;
    /* "first day_of_week on or after day_of_month" must fall inside the month every year. */
    return p->day_of_month + 6u <= shortest ? MFW_OK : MFW_E_RANGE;
}

int mfw_clock_config_validate(const struct mfw_clock_config *cfg)
{
    if (!cfg)
        return MFW_E_ARG;
    /* UTC-12:00 .. UTC+14:00 are the zones in use. */
    if (cfg->utc_offset_min < -720 || cfg->utc_offset_min > 840)
        return MFW_E_RANGE;
    /* IC 8 attr 7 daylight_savings_deviation: integer, -120..120 minutes [M]. */
    if (cfg->dst_deviation_min < -120 || cfg->dst_deviation_min > 120)
        return MFW_E_RANGE;
    int r = point_validate(&cfg->dst_begin);
    if (r == MFW_OK)
        r = point_validate(&cfg->dst_end);
    return r;
}

/* Day of the month a DST point falls on in year y (point already validated). */
static unsigned point_day(const struct mfw_clock_dst_point *p, int64_t y)
{
    unsigned dim = mfw_civil_days_in_month(y, p->month);
    bool backward =
        p->day_of_month == MFW_CLOCK_DOM_LAST || p->day_of_month == MFW_CLOCK_DOM_2ND_LAST;
    unsigned d;
    if (p->day_of_month == MFW_CLOCK_DOM_LAST)
        d = dim;
    else if (p->day_of_month == MFW_CLOCK_DOM_2ND_LAST)
        d = dim - 1;
    else
        d = p->day_of_month <= dim ? p->day_of_month : dim; /* Feb 29 in a common year */
    if (p->day_of_week == MFW_CLOCK_NOT_SPECIFIED)
        return d;
    unsigned wd = mfw_civil_weekday(mfw_civil_days_from_date(y, p->month, d));
    if (backward)
        return d - (wd + 7u - p->day_of_week) % 7u; /* last such weekday on or before d */
    return d + (p->day_of_week + 7u - wd) % 7u;     /* first such weekday on or after d */
}

static mfw_ms_t point_utc(const struct mfw_clock_config *cfg, const struct mfw_clock_dst_point *p,
                          int64_t y)
{
    int64_t days = mfw_civil_days_from_date(y, p->month, point_day(p, y));
    return days * MFW_MS_PER_DAY + p->hour * MS_PER_HOUR + p->minute * MS_PER_MIN -
           cfg->utc_offset_min * MS_PER_MIN;
}

int mfw_clock_dst_instants(const struct mfw_clock_config *cfg, int64_t year, mfw_ms_t *begin,
                           mfw_ms_t *end)
{
    int r = mfw_clock_config_validate(cfg);
    if (r != MFW_OK)
        return r;
    if (!cfg->dst_enabled)
        return MFW_E_STATE;
    if (begin)
        *begin = point_utc(cfg, &cfg->dst_begin, year);
    if (end)
        *end = point_utc(cfg, &cfg->dst_end, year);
    return MFW_OK;
}

/* Year of utc on the local standard-time calendar (the calendar the DST points are written in). */
static int64_t std_year(const struct mfw_clock_config *cfg, mfw_ms_t utc)
{
    int64_t days = mfw_civil_days_of_ms(utc + cfg->utc_offset_min * MS_PER_MIN, NULL);
    return mfw_civil_date_from_days(days).year;
}

static bool dst_active_cfg(const struct mfw_clock_config *cfg, mfw_ms_t utc)
{
    if (!cfg->dst_enabled || cfg->dst_deviation_min == 0)
        return false;
    int64_t y = std_year(cfg, utc);
    mfw_ms_t b = point_utc(cfg, &cfg->dst_begin, y);
    mfw_ms_t e = point_utc(cfg, &cfg->dst_end, y);
    if (b < e) /* northern hemisphere: summer inside the year */
        return utc >= b && utc < e;
    if (b > e) /* southern hemisphere: summer across the new year */
        return utc >= b || utc < e;
    return false;
}

int mfw_clock_init(struct mfw_clock *c, const struct mfw_clock_config *cfg, bool rtc_lost)
{
    if (!c)
        return MFW_E_ARG;
    struct mfw_clock_config def = mfw_clock_default_config();
    if (!cfg)
        cfg = &def;
    int r = mfw_clock_config_validate(cfg);
    if (r != MFW_OK)
        return r;
    c->config = *cfg;
    c->offset_ms = 0;
    c->invalid = rtc_lost;
    c->doubtful = false;
    return MFW_OK;
}

int mfw_clock_set_config(struct mfw_clock *c, const struct mfw_clock_config *cfg)
{
    if (!c)
        return MFW_E_ARG;
    int r = mfw_clock_config_validate(cfg);
    if (r == MFW_OK)
        c->config = *cfg;
    return r;
}

mfw_ms_t mfw_clock_now(const struct mfw_clock *c, mfw_ms_t rtc_ms)
{
    return rtc_ms + c->offset_ms;
}

int mfw_clock_set(struct mfw_clock *c, mfw_ms_t rtc_ms, mfw_ms_t new_utc,
                  struct mfw_clock_change *out)
{
    if (!c)
        return MFW_E_ARG;
    if (new_utc < 0 || new_utc > CLOCK_UTC_MAX)
        return MFW_E_RANGE;
    mfw_ms_t old = mfw_clock_now(c, rtc_ms);
    c->offset_ms = new_utc - rtc_ms;
    c->invalid = false;
    c->doubtful = false;
    if (out) {
        out->old_utc = old;
        out->new_utc = new_utc;
    }
    return MFW_OK;
}

int mfw_clock_shift(struct mfw_clock *c, mfw_ms_t rtc_ms, int32_t seconds,
                    struct mfw_clock_change *out)
{
    if (!c)
        return MFW_E_ARG;
    /* Blue Book IC 8 method 6 shift_time: data long, -900..900 s. */
    if (seconds < -MFW_CLOCK_SHIFT_MAX_S || seconds > MFW_CLOCK_SHIFT_MAX_S)
        return MFW_E_RANGE;
    mfw_ms_t old = mfw_clock_now(c, rtc_ms);
    mfw_ms_t nw = old + (mfw_ms_t)seconds * MFW_MS_PER_S;
    if (nw < 0 || nw > CLOCK_UTC_MAX)
        return MFW_E_RANGE;
    c->offset_ms += (int64_t)seconds * MFW_MS_PER_S;
    c->doubtful = false;
    if (out) {
        out->old_utc = old;
        out->new_utc = nw;
    }
    return MFW_OK;
}

bool mfw_clock_dst_active(const struct mfw_clock *c, mfw_ms_t utc)
{
    return dst_active_cfg(&c->config, utc);
}

uint8_t mfw_clock_status(const struct mfw_clock *c, mfw_ms_t utc)
{
    uint8_t s = 0;
    if (c->invalid)
        s |= MFW_CLOCK_STATUS_INVALID;
    if (c->doubtful)
        s |= MFW_CLOCK_STATUS_DOUBTFUL;
    if (mfw_clock_dst_active(c, utc))
        s |= MFW_CLOCK_STATUS_DST;
    return s;
}

void mfw_clock_local(const struct mfw_clock *c, mfw_ms_t utc, struct mfw_local_time *out)
{
    bool dst = mfw_clock_dst_active(c, utc);
    int16_t off = (int16_t)(c->config.utc_offset_min + (dst ? c->config.dst_deviation_min : 0));
    int64_t ms_of_day;
    int64_t days = mfw_civil_days_of_ms(utc + off * MS_PER_MIN, &ms_of_day);
    struct mfw_civil_date d = mfw_civil_date_from_days(days);
    out->year = d.year;
    out->month = (uint8_t)d.month;
    out->day = (uint8_t)d.day;
    out->hour = (uint8_t)(ms_of_day / MS_PER_HOUR);
    out->minute = (uint8_t)(ms_of_day / MS_PER_MIN % 60);
    out->second = (uint8_t)(ms_of_day / MFW_MS_PER_S % 60);
    out->ms = (uint16_t)(ms_of_day % MFW_MS_PER_S);
    out->weekday = (uint8_t)mfw_civil_weekday(days);
    out->dst = dst;
    out->offset_min = off;
}

mfw_ms_t mfw_clock_utc_of_local(const struct mfw_clock *c, int64_t year, unsigned month,
                                unsigned day, unsigned hour, unsigned minute)
{
    const struct mfw_clock_config *cfg = &c->config;
    int64_t local = mfw_civil_days_from_date(year, month, day) * MFW_MS_PER_DAY +
                    (int64_t)hour * MS_PER_HOUR + (int64_t)minute * MS_PER_MIN;
    mfw_ms_t t_std = local - cfg->utc_offset_min * MS_PER_MIN;
    if (!cfg->dst_enabled || cfg->dst_deviation_min == 0)
        return t_std;
    mfw_ms_t t_dst = t_std - cfg->dst_deviation_min * MS_PER_MIN;
    bool std_ok = !dst_active_cfg(cfg, t_std); /* the wall clock shows `local` at t_std */
    bool dst_ok = dst_active_cfg(cfg, t_dst);  /* ... or at t_dst */
    if (std_ok && dst_ok)
        return t_std < t_dst ? t_std : t_dst; /* repeated hour: the first occurrence */
    if (std_ok)
        return t_std;
    if (dst_ok)
        return t_dst;
    /* Skipped hour: the change instant lies between the two candidates; take it. */
    mfw_ms_t lo = t_std < t_dst ? t_std : t_dst, hi = t_std < t_dst ? t_dst : t_std;
    int64_t y = std_year(cfg, lo);
    for (int64_t yy = y - 1; yy <= y + 1; yy++) {
        mfw_ms_t b = point_utc(cfg, &cfg->dst_begin, yy);
        mfw_ms_t e = point_utc(cfg, &cfg->dst_end, yy);
        if (b > lo && b <= hi)
            return b;
        if (e > lo && e <= hi)
            return e;
    }
    return hi; /* not reached with a valid config */
}

int16_t mfw_clock_cosem_time_zone(const struct mfw_clock_config *cfg)
{
    return (int16_t)-cfg->utc_offset_min;
}
