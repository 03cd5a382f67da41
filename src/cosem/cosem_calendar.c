/* SPDX-License-Identifier: Apache-2.0 */
/* cosem_calendar: the tariff calendar (tou.h) as Activity calendar (Blue Book 4.5.5 [M], IC 20,
 * version 0) and Special days table (4.5.4 [M], IC 11, version 0).
 *
 * Activity calendar: 2..5 the active calendar (calendar_name, season_profile, week_profile_table,
 * day_profile_table), 6..9 the passive one, 10 activate_passive_calendar_time; m1
 * activate_passive_calendar. Day actions name the tariff script 0.0.10.0.100.255 with
 * selector = tariff. A write goes to a copy of the settings, checked with the calendar's own
 * validation (mfw_tou_validate_parts, mfw_tou_set_activation) and then by
 * mfw_meter_apply_settings: nothing changes on error.
 *
 * Special days table: 2 entries {index, date(5), day_id}; m1 insert, m2 delete. */
#include <string.h>

#include "cosem_class.h"
#include "meterfw/base/civil.h"
#include "meterfw/base/time.h"
#include "meterfw/codec/axdr.h"

/* The tariff scripts the day actions name (IDIS: tariffication script table). */
static const uint8_t TARIFF_SCRIPT_LN[6] = {0, 0, 10, 0, 100, 255};

/* Stream kinds (struct mfw_cosem_stream.kind). */
enum { ST_VALUE = 0, ST_ELEMENTS };

static void put_name(const struct mfw_tou_name *n, struct mfw_wcursor *w)
{
    mfw_axdr_put_octets(w, n->b, n->len);
}

static const struct mfw_tou_calendar *cal_of(const struct mfw_meter *m, unsigned attr)
{
    return attr <= 5 ? &m->settings.tou.active : &m->settings.tou.passive;
}

/* ---- Activity calendar: GET ---- */

/* The array attributes are streamed one element per item: day profiles can be long. */
static int calendar_open(const struct mfw_cosem_call *c, const struct mfw_cosem_ref *ref,
                         struct mfw_cosem_stream *st)
{
    const struct mfw_tou_calendar *cal = cal_of(c->m, (unsigned)ref->id);
    switch (ref->id) {
    case 3:
    case 7: st->items = cal->n_seasons; break;
    case 4:
    case 8: st->items = cal->n_weeks; break;
    case 5:
    case 9: st->items = cal->n_days; break;
    default: return MFW_DAR_SUCCESS; /* one value */
    }
    st->kind = ST_ELEMENTS;
    st->array = true;
    return MFW_DAR_SUCCESS;
}

static void put_element(const struct mfw_tou_calendar *cal, unsigned attr, uint32_t i,
                        struct mfw_wcursor *w)
{
    switch (attr) {
    case 3:
    case 7: { /* season {name, start (octet-string(12) date-time), week_name} */
        const struct mfw_tou_season *se = &cal->seasons[i];
        mfw_axdr_put_structure_header(w, 3);
        put_name(&se->name, w);
        mfw_wcursor_u8(w, MFW_AXDR_OCTET_STRING);
        mfw_wcursor_u8(w, 12);
        mfw_cosem_class_put_date_raw(&se->start.date, w);
        mfw_cosem_class_put_time_raw(&se->start.time, w);
        mfw_wcursor_u16be(w, 0x8000u); /* deviation not specified */
        mfw_wcursor_u8(w, 0xFF);       /* clock status not specified */
        put_name(&se->week_name, w);
        return;
    }
    case 4:
    case 8: { /* week {name, monday..sunday day_id} */
        const struct mfw_tou_week *wk = &cal->weeks[i];
        mfw_axdr_put_structure_header(w, 8);
        put_name(&wk->name, w);
        for (unsigned d = 0; d < 7; d++)
            mfw_axdr_put_u8(w, wk->day_id[d]);
        return;
    }
    default: { /* day {day_id, day_schedule {start_time, script_logical_name, script_selector}} */
        const struct mfw_tou_day *dy = &cal->days[i];
        mfw_axdr_put_structure_header(w, 2);
        mfw_axdr_put_u8(w, dy->day_id);
        mfw_axdr_put_array_header(w, dy->n);
        for (unsigned k = 0; k < dy->n; k++) {
            mfw_axdr_put_structure_header(w, 3);
            mfw_wcursor_u8(w, MFW_AXDR_OCTET_STRING);
            mfw_wcursor_u8(w, 4);
            mfw_cosem_class_put_time_raw(&dy->actions[k].start, w);
            mfw_axdr_put_octets(w, TARIFF_SCRIPT_LN, 6);
            mfw_axdr_put_u16(w, dy->actions[k].script_selector);
        }
        return;
    }
    }
}

static int calendar_get(const struct mfw_cosem_call *c, struct mfw_cosem_stream *st, uint32_t i,
                        struct mfw_wcursor *w)
{
    const struct mfw_meter *m = c->m;
    if (st->kind == ST_ELEMENTS) {
        put_element(cal_of(m, st->attr), st->attr, i, w);
        return MFW_DAR_SUCCESS;
    }
    if (st->attr == 2 || st->attr == 6) {
        put_name(&cal_of(m, st->attr)->name, w);
        return MFW_DAR_SUCCESS;
    }
    /* attr 10: activate_passive_calendar_time (all 0xFF: none pending). The meter keeps it in
     * local time; it reads back with the deviation and the DST bit in force at that instant
     * (Blue Book 4.1.6.1 date-time: deviation = UTC - local in minutes), so that a client that
     * wrote it in UTC or another zone reads the same instant. */
    const struct mfw_tou_date_time *a = &m->settings.tou.passive_activation;
    uint16_t deviation = 0x8000u;
    uint8_t status = 0xFF;
    if (a->date.year != MFW_TOU_YEAR_ANY) {
        mfw_ms_t utc = mfw_clock_utc_of_local(&m->clock, a->date.year, a->date.month,
                                              a->date.day_of_month, a->time.hour, a->time.minute) +
                       (mfw_ms_t)a->time.second * MFW_MS_PER_S;
        struct mfw_local_time lt;
        mfw_clock_local(&m->clock, utc, &lt);
        deviation = (uint16_t)(int16_t)-lt.offset_min;
        status = lt.dst ? 0x80 : 0x00;
    }
    mfw_wcursor_u8(w, MFW_AXDR_OCTET_STRING);
    mfw_wcursor_u8(w, 12);
    mfw_cosem_class_put_date_raw(&a->date, w);
    mfw_cosem_class_put_time_raw(&a->time, w);
    mfw_wcursor_u16be(w, deviation);
    mfw_wcursor_u8(w, status);
    return MFW_DAR_SUCCESS;
}

/* ---- Activity calendar: SET ---- */

static bool get_name(struct mfw_rcursor *rc, struct mfw_tou_name *n)
{
    size_t len = 0;
    memset(n, 0, sizeof *n);
    if (mfw_axdr_get_octets(rc, MFW_TOU_NAME_MAX, n->b, &len) != MFW_OK)
        return false;
    n->len = (uint8_t)len;
    return true;
}

/* The activation time as written (a date-time of 12 bytes) into the meter's local time. A
 * deviation of 0x8000 (not specified) means the meter's local time; any other is the writer's
 * zone (deviation = UTC - local, minutes, -720..720): the instant is converted to the meter's
 * local time, so `...06:00:00Z` activates at 06:00 UTC (07:00 CET), not at 06:00 local. */
static int activation_of(const struct mfw_clock *clk, const uint8_t *p, struct mfw_tou_date_time *w)
{
    mfw_cosem_class_date_of(p, &w->date);
    mfw_cosem_class_time_of(p + 5, &w->time);
    int16_t dev = (int16_t)(uint16_t)(p[9] << 8 | p[10]);
    if (dev == INT16_MIN || w->date.year == MFW_TOU_YEAR_ANY)
        return MFW_DAR_SUCCESS; /* local time; or "never" (all not specified) */
    if (dev < -720 || dev > 720 || w->date.month < 1 || w->date.month > 12 ||
        w->date.day_of_month < 1 || w->date.day_of_month > 31 || w->time.hour > 23 ||
        w->time.minute > 59 || w->time.second > 59)
        return MFW_DAR_OTHER_REASON;
    mfw_ms_t utc =
        (mfw_civil_days_from_date(w->date.year, w->date.month, w->date.day_of_month) * 86400 +
         w->time.hour * 3600 + w->time.minute * 60 + w->time.second + dev * 60) *
        (mfw_ms_t)MFW_MS_PER_S;
    struct mfw_local_time lt;
    mfw_clock_local(clk, utc, &lt);
    if (lt.year < 0 || lt.year >= MFW_TOU_YEAR_ANY)
        return MFW_DAR_OTHER_REASON;
    w->date = (struct mfw_tou_date){(uint16_t)lt.year, lt.month, lt.day, lt.weekday};
    w->time = (struct mfw_tou_time){lt.hour, lt.minute, lt.second};
    return MFW_DAR_SUCCESS;
}

/* Writes of the passive calendar (attrs 6..9) and of its activation time (10) into *t. */
static int set_calendar(struct mfw_tou *t, const struct mfw_clock *clk, unsigned attr,
                        struct mfw_rcursor *rc)
{
    struct mfw_tou_calendar cal = t->passive;
    uint32_t n = 0, k = 0;
    switch (attr) {
    case 6:
        if (!get_name(rc, &cal.name))
            return MFW_DAR_TYPE_UNMATCHED;
        break;
    case 7:
        if (mfw_axdr_get_array(rc, &n) != MFW_OK)
            return MFW_DAR_TYPE_UNMATCHED;
        if (n > MFW_TOU_SEASONS_MAX)
            return MFW_DAR_OTHER_REASON;
        for (uint32_t i = 0; i < n; i++) {
            struct mfw_tou_season *se = &cal.seasons[i];
            const uint8_t *p;
            if (mfw_axdr_get_structure(rc, &k) != MFW_OK || k != 3 || !get_name(rc, &se->name) ||
                (p = mfw_cosem_class_get_fixed(rc, 12)) == NULL || !get_name(rc, &se->week_name))
                return MFW_DAR_TYPE_UNMATCHED;
            mfw_cosem_class_date_of(p, &se->start.date);
            mfw_cosem_class_time_of(p + 5, &se->start.time);
        }
        cal.n_seasons = (uint8_t)n;
        break;
    case 8:
        if (mfw_axdr_get_array(rc, &n) != MFW_OK)
            return MFW_DAR_TYPE_UNMATCHED;
        if (n > MFW_TOU_WEEKS_MAX)
            return MFW_DAR_OTHER_REASON;
        for (uint32_t i = 0; i < n; i++) {
            struct mfw_tou_week *wk = &cal.weeks[i];
            if (mfw_axdr_get_structure(rc, &k) != MFW_OK || k != 8 || !get_name(rc, &wk->name))
                return MFW_DAR_TYPE_UNMATCHED;
            for (unsigned d = 0; d < 7; d++)
                if (mfw_axdr_get_u8(rc, &wk->day_id[d]) != MFW_OK)
                    return MFW_DAR_TYPE_UNMATCHED;
        }
        cal.n_weeks = (uint8_t)n;
        break;
    case 9:
        if (mfw_axdr_get_array(rc, &n) != MFW_OK)
            return MFW_DAR_TYPE_UNMATCHED;
        if (n > MFW_TOU_DAYS_MAX)
            return MFW_DAR_OTHER_REASON;
        for (uint32_t i = 0; i < n; i++) {
            struct mfw_tou_day *dy = &cal.days[i];
            uint32_t na = 0;
            memset(dy, 0, sizeof *dy);
            if (mfw_axdr_get_structure(rc, &k) != MFW_OK || k != 2 ||
                mfw_axdr_get_u8(rc, &dy->day_id) != MFW_OK || mfw_axdr_get_array(rc, &na) != MFW_OK)
                return MFW_DAR_TYPE_UNMATCHED;
            if (na > MFW_TOU_ACTIONS_MAX)
                return MFW_DAR_OTHER_REASON;
            for (uint32_t j = 0; j < na; j++) {
                const uint8_t *p;
                uint8_t ln[6];
                size_t lnlen = 0;
                if (mfw_axdr_get_structure(rc, &k) != MFW_OK || k != 3 ||
                    (p = mfw_cosem_class_get_fixed(rc, 4)) == NULL ||
                    mfw_axdr_get_octets(rc, 6, ln, &lnlen) != MFW_OK || lnlen != 6 ||
                    mfw_axdr_get_u16(rc, &dy->actions[j].script_selector) != MFW_OK)
                    return MFW_DAR_TYPE_UNMATCHED;
                mfw_cosem_class_time_of(p, &dy->actions[j].start);
            }
            dy->n = (uint8_t)na;
        }
        cal.n_days = (uint8_t)n;
        break;
    default: { /* 10 */
        const uint8_t *p = mfw_cosem_class_get_fixed(rc, 12);
        struct mfw_tou_date_time when;
        if (p == NULL || mfw_rcursor_left(rc) != 0)
            return MFW_DAR_TYPE_UNMATCHED;
        int r = activation_of(clk, p, &when);
        if (r != MFW_DAR_SUCCESS)
            return r;
        return mfw_tou_set_activation(t, &when) == MFW_OK ? MFW_DAR_SUCCESS : MFW_DAR_OTHER_REASON;
    }
    }
    if (mfw_rcursor_left(rc) != 0)
        return MFW_DAR_TYPE_UNMATCHED;
    if (mfw_tou_validate_parts(&cal) != MFW_OK)
        return MFW_DAR_OTHER_REASON;
    t->passive = cal;
    return MFW_DAR_SUCCESS;
}

static int calendar_set(const struct mfw_cosem_call *c, unsigned attr, struct mfw_rcursor *value)
{
    struct mfw_meter_settings s = c->m->settings;
    int r = set_calendar(&s.tou, &c->m->clock, attr, value);
    return r != MFW_DAR_SUCCESS ? r : mfw_cosem_class_apply(c->m, &s);
}

/* m1 activate_passive_calendar(integer 0): the passive calendar becomes the active one now. */
static int calendar_action(const struct mfw_cosem_call *c, unsigned method,
                           struct mfw_rcursor *params, struct mfw_wcursor *ret, bool *has_ret)
{
    (void)method;
    (void)ret;
    (void)has_ret;
    if (!mfw_cosem_class_no_params(params))
        return MFW_DAR_TYPE_UNMATCHED;
    struct mfw_meter_settings s = c->m->settings;
    int r = mfw_tou_activate_now(&s.tou, c->m->now);
    return r != MFW_OK ? mfw_cosem_class_result(r) : mfw_cosem_class_apply(c->m, &s);
}

const struct mfw_cosem_class mfw_cosem_calendar_activity_class = {
    .class_id = MFW_IC_ACTIVITY_CALENDAR,
    .version = 0,
    .attributes = 10,
    .methods = 1, /* activate_passive_calendar */
    .get_open = calendar_open,
    .get_item = calendar_get,
    .set = calendar_set,
    .action = calendar_action,
};

/* ---- Special days table ---- */

static int special_open(const struct mfw_cosem_call *c, const struct mfw_cosem_ref *ref,
                        struct mfw_cosem_stream *st)
{
    if (ref->id == 2) { /* entries, one element per item */
        st->kind = ST_ELEMENTS;
        st->array = true;
        st->items = c->m->settings.tou.n_special;
    }
    return MFW_DAR_SUCCESS;
}

static int special_get(const struct mfw_cosem_call *c, struct mfw_cosem_stream *st, uint32_t i,
                       struct mfw_wcursor *w)
{
    (void)st;
    const struct mfw_tou_special_day *d = &c->m->settings.tou.special[i];
    mfw_axdr_put_structure_header(w, 3);
    mfw_axdr_put_u16(w, d->index);
    mfw_wcursor_u8(w, MFW_AXDR_OCTET_STRING);
    mfw_wcursor_u8(w, 5);
    mfw_cosem_class_put_date_raw(&d->date, w);
    mfw_axdr_put_u8(w, d->day_id);
    return MFW_DAR_SUCCESS;
}

static bool get_special(struct mfw_rcursor *rc, struct mfw_tou_special_day *d)
{
    uint32_t n = 0;
    if (mfw_axdr_get_structure(rc, &n) != MFW_OK || n != 3 ||
        mfw_axdr_get_u16(rc, &d->index) != MFW_OK)
        return false;
    const uint8_t *p = mfw_cosem_class_get_fixed(rc, 5);
    if (p == NULL)
        return false;
    mfw_cosem_class_date_of(p, &d->date);
    return mfw_axdr_get_u8(rc, &d->day_id) == MFW_OK;
}

/* m1 insert(spec_day_entry), m2 delete(long-unsigned index). */
static int special_action(const struct mfw_cosem_call *c, unsigned method,
                          struct mfw_rcursor *params, struct mfw_wcursor *ret, bool *has_ret)
{
    (void)ret;
    (void)has_ret;
    struct mfw_meter_settings s = c->m->settings;
    int r;
    if (method == 1) {
        struct mfw_tou_special_day d;
        if (params == NULL || !get_special(params, &d) || mfw_rcursor_left(params) != 0)
            return MFW_DAR_TYPE_UNMATCHED;
        r = mfw_tou_special_insert(&s.tou, &d);
    } else {
        uint16_t index;
        if (params == NULL || !MFW_COSEM_READ_ONE(params, mfw_axdr_get_u16(params, &index)))
            return MFW_DAR_TYPE_UNMATCHED;
        r = mfw_tou_special_delete(&s.tou, index);
    }
    return r != MFW_OK ? mfw_cosem_class_result(r) : mfw_cosem_class_apply(c->m, &s);
}

const struct mfw_cosem_class mfw_cosem_calendar_special_days_class = {
    .class_id = MFW_IC_SPECIAL_DAYS_TABLE,
    .version = 0,
    .attributes = 2,
    .methods = 2, /* insert, delete */
    .get_open = special_open,
    .get_item = special_get,
    .action = special_action,
};
