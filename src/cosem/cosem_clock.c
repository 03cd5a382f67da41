/* SPDX-License-Identifier: Apache-2.0 */
/* cosem_clock: Clock (Blue Book 4.5.1 [M], IC 8, version 0) over the meter's clock (clock.h):
 * 2 time (octet-string date-time, local, deviation = -offset, status), 3 time_zone, 4 status,
 * 5 daylight_savings_begin, 6 daylight_savings_end, 7 daylight_savings_deviation,
 * 8 daylight_savings_enabled, 9 clock_base; m1 adjust_to_quarter, m2 adjust_to_measuring_period,
 * m3 adjust_to_minute, m4 adjust_to_preset_time, m5 preset_adjusting_time, m6 shift_time. Writes
 * go through mfw_meter_clock_set and mfw_meter_apply_settings, which log the change. */
#include <string.h>

#include "cosem_class.h"
#include "meterfw/codec/axdr.h"

/* A DST change point as a wildcard date-time (year, deviation and status not specified). */
static void put_dst_point(const struct mfw_clock_config *cc, bool end, struct mfw_wcursor *w)
{
    const struct mfw_clock_dst_point *p = end ? &cc->dst_end : &cc->dst_begin;
    struct mfw_cosem_datetime dt;
    memset(&dt, 0xFF, sizeof dt);
    dt.year = MFW_COSEM_YEAR_NS;
    dt.month = p->month;
    dt.day = p->day_of_month;
    dt.day_of_week = p->day_of_week;
    /* the end is kept in local standard time; the client sees the summer-time wall clock */
    int minutes = p->hour * 60 + p->minute + (end ? cc->dst_deviation_min : 0);
    minutes = ((minutes % 1440) + 1440) % 1440;
    dt.hour = (uint8_t)(minutes / 60);
    dt.minute = (uint8_t)(minutes % 60);
    dt.second = 0;
    dt.hundredths = 0;
    dt.deviation = MFW_COSEM_DEVIATION_NS;
    dt.mfw_clock_status = 0xFF;
    mfw_axdr_put_datetime_octets(w, &dt);
}

static int clock_get(const struct mfw_cosem_call *c, struct mfw_cosem_stream *st, uint32_t i,
                     struct mfw_wcursor *w)
{
    (void)i;
    const struct mfw_meter *m = c->m;
    const struct mfw_clock_config *cc = &m->settings.clock;
    switch (st->attr) {
    case 2: /* the DST bit of the status comes from the local time of the instant */
        mfw_cosem_class_put_datetime(
            m, m->now, mfw_clock_status(&m->clock, m->now) & (uint8_t)~MFW_CLOCK_STATUS_DST, w);
        break;
    case 3: mfw_axdr_put_i16(w, mfw_clock_cosem_time_zone(cc)); break;
    case 4: mfw_axdr_put_u8(w, mfw_clock_status(&m->clock, m->now)); break;
    case 5: put_dst_point(cc, false, w); break;
    case 6: put_dst_point(cc, true, w); break;
    case 7: mfw_axdr_put_i8(w, (int8_t)cc->dst_deviation_min); break;
    case 8: mfw_axdr_put_bool(w, cc->dst_enabled); break;
    default: mfw_axdr_put_enum(w, 1); break; /* clock_base: internal crystal */
    }
    return MFW_DAR_SUCCESS;
}

static int set_dst_point(struct mfw_meter_settings *s, const struct mfw_cosem_datetime *dt,
                         bool end)
{
    struct mfw_clock_dst_point *p = end ? &s->clock.dst_end : &s->clock.dst_begin;
    if (dt->hour > 23 || dt->minute > 59)
        return MFW_DAR_OTHER_REASON;
    int minutes = dt->hour * 60 + dt->minute - (end ? s->clock.dst_deviation_min : 0);
    minutes = ((minutes % 1440) + 1440) % 1440;
    p->month = dt->month;
    p->day_of_month = dt->day;
    p->day_of_week = dt->day_of_week;
    p->hour = (uint8_t)(minutes / 60);
    p->minute = (uint8_t)(minutes % 60);
    return MFW_DAR_SUCCESS;
}

static int clock_set(const struct mfw_cosem_call *c, unsigned attr, struct mfw_rcursor *rc)
{
    struct mfw_meter *m = c->m;
    struct mfw_meter_settings s = m->settings;
    switch (attr) {
    case 2: {
        struct mfw_cosem_datetime dt;
        mfw_ms_t t;
        if (!MFW_COSEM_READ_ONE(rc, mfw_axdr_get_datetime(rc, &dt)))
            return MFW_DAR_TYPE_UNMATCHED;
        if (mfw_cosem_datetime_to_ms(&dt, m->local.offset_min, &t) != MFW_OK)
            return MFW_DAR_OTHER_REASON;
        return mfw_cosem_class_result(mfw_meter_clock_set(m, m->rtc, t));
    }
    case 3: {
        int16_t tz;
        if (!MFW_COSEM_READ_ONE(rc, mfw_axdr_get_i16(rc, &tz)))
            return MFW_DAR_TYPE_UNMATCHED;
        s.clock.utc_offset_min = (int16_t)-tz; /* time_zone = -utc_offset_min (clock.h) */
        return mfw_cosem_class_apply(m, &s);
    }
    case 5:
    case 6: {
        struct mfw_cosem_datetime dt;
        if (!MFW_COSEM_READ_ONE(rc, mfw_axdr_get_datetime(rc, &dt)))
            return MFW_DAR_TYPE_UNMATCHED;
        int r = set_dst_point(&s, &dt, attr == 6);
        return r != MFW_DAR_SUCCESS ? r : mfw_cosem_class_apply(m, &s);
    }
    case 7: {
        int8_t d;
        if (!MFW_COSEM_READ_ONE(rc, mfw_axdr_get_i8(rc, &d)))
            return MFW_DAR_TYPE_UNMATCHED;
        s.clock.dst_deviation_min = d;
        return mfw_cosem_class_apply(m, &s);
    }
    case 8: {
        bool b;
        if (!MFW_COSEM_READ_ONE(rc, mfw_axdr_get_bool(rc, &b)))
            return MFW_DAR_TYPE_UNMATCHED;
        s.clock.dst_enabled = b;
        return mfw_cosem_class_apply(m, &s);
    }
    default: return MFW_DAR_READ_WRITE_DENIED;
    }
}

static int clock_action(const struct mfw_cosem_call *c, unsigned method, struct mfw_rcursor *params,
                        struct mfw_wcursor *ret, bool *has_ret)
{
    (void)ret;
    (void)has_ret;
    struct mfw_meter *m = c->m;
    if (method == 6) { /* shift_time(long seconds), -900..900 (clock.h) */
        int16_t s;
        if (params == NULL || !MFW_COSEM_READ_ONE(params, mfw_axdr_get_i16(params, &s)))
            return MFW_DAR_TYPE_UNMATCHED;
        return mfw_cosem_class_result(mfw_meter_clock_shift(m, m->rtc, s));
    }
    if (method == 5) { /* preset_adjusting_time(structure {preset_time, validity_interval_start,
                        * validity_interval_end}), three date-times */
        uint32_t n = 0;
        mfw_ms_t t[3];
        if (params == NULL || mfw_axdr_get_structure(params, &n) != MFW_OK || n != 3)
            return MFW_DAR_TYPE_UNMATCHED;
        for (unsigned k = 0; k < 3; k++) {
            struct mfw_cosem_datetime dt;
            if (mfw_axdr_get_datetime(params, &dt) != MFW_OK)
                return MFW_DAR_TYPE_UNMATCHED;
            if (mfw_cosem_datetime_to_ms(&dt, m->local.offset_min, &t[k]) != MFW_OK)
                return MFW_DAR_OTHER_REASON;
        }
        if (mfw_rcursor_left(params) != 0)
            return MFW_DAR_TYPE_UNMATCHED;
        return mfw_cosem_class_result(mfw_meter_clock_preset(m, t[0], t[1], t[2]));
    }
    if (!mfw_cosem_class_no_params(params))
        return MFW_DAR_TYPE_UNMATCHED;
    if (method == 4) /* adjust_to_preset_time(integer 0) */
        return mfw_cosem_class_result(mfw_meter_clock_adjust_to_preset(m));
    /* adjust_to_quarter (1), _measuring_period (2, the load profile's), _minute (3), integer(0):
     * the nearest boundary of the local wall clock, +/- half a step */
    uint32_t step = method == 1   ? 900u
                    : method == 3 ? 60u
                                  : m->profiles[MFW_PROF_LP1].config.capture_period_s;
    return mfw_cosem_class_result(mfw_meter_clock_adjust(m, step));
}

const struct mfw_cosem_class mfw_cosem_clock_class = {
    .class_id = MFW_IC_CLOCK,
    .version = 0,
    .attributes = 9,
    .methods = 6,
    .get_item = clock_get,
    .set = clock_set,
    .action = clock_action,
};
