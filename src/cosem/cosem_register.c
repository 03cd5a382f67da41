/* SPDX-License-Identifier: Apache-2.0 */
/* cosem_register: the register family, version 0 each (Blue Book 4.3.2..4.3.4 [M]): Register (IC 3:
 * 2 value, 3 scaler_unit; m1 reset), Extended register (IC 4: + 4 status, 5 capture_time) and
 * Demand register (IC 5, below). Values are the catalogue's (catalog.h), read through
 * mfw_meter_read_quantity in the catalogue's scaler; energies exact (truncated Wh). Register reset
 * is not offered (no right in the object table). */
#include "cosem_class.h"

#include "meterfw/codec/axdr.h"

/* The duration of the last long power failure, s: the newest power failure log entry. */
static int put_pf_duration(const struct mfw_cosem_call *c, unsigned attr, struct mfw_wcursor *w)
{
    if (attr == 3) {
        mfw_cosem_class_put_scaler_unit(0, 7 /* s */, w);
        return MFW_DAR_SUCCESS;
    }
    uint32_t n = mfw_meter_eventlog_count(c->m, MFW_EVENTLOG_POWER_FAILURE);
    struct mfw_eventlog_entry e;
    uint32_t d = 0;
    if (n > 0 && mfw_meter_eventlog_read(c->m, MFW_EVENTLOG_POWER_FAILURE, n - 1, &e) == MFW_OK)
        d = e.v2 < 0 ? 0u : (uint32_t)e.v2;
    mfw_axdr_put_u32(w, d);
    return MFW_DAR_SUCCESS;
}

/* A voltage quality threshold (quality.h): voltages long-unsigned with scaler -1 (0.1 V), times
 * double-long-unsigned in s. */
static bool threshold_is_time(unsigned arg)
{
    return arg == MFW_COSEM_THR_SAG_S || arg == MFW_COSEM_THR_SWELL_S ||
           arg == MFW_COSEM_THR_MISSING_S;
}

static int put_threshold(const struct mfw_cosem_call *c, unsigned attr, struct mfw_wcursor *w)
{
    const struct mfw_quality_config *q = &c->m->settings.quality;
    unsigned arg = c->obj->arg;
    if (attr == 3) {
        if (threshold_is_time(arg))
            mfw_cosem_class_put_scaler_unit(0, 7 /* s */, w);
        else
            mfw_cosem_class_put_scaler_unit(-1, MFW_COSEM_UNIT_V, w);
        return MFW_DAR_SUCCESS;
    }
    switch (arg) {
    case MFW_COSEM_THR_SAG_S: mfw_axdr_put_u32(w, q->sag_time_ms / 1000u); break;
    case MFW_COSEM_THR_SWELL_S: mfw_axdr_put_u32(w, q->swell_time_ms / 1000u); break;
    case MFW_COSEM_THR_MISSING_S: mfw_axdr_put_u32(w, q->missing_time_ms / 1000u); break;
    default: {
        double v = arg == MFW_COSEM_THR_SAG_V        ? q->sag_v
                   : arg == MFW_COSEM_THR_SWELL_V    ? q->swell_v
                   : arg == MFW_COSEM_THR_MISSING_V  ? q->missing_v
                   : arg == MFW_COSEM_THR_HYSTERESIS ? q->hysteresis_v
                                                     : q->un_v;
        mfw_axdr_put_u16(w, (uint16_t)(v * 10.0 + 0.5));
        break;
    }
    }
    return MFW_DAR_SUCCESS;
}

/* A threshold written: through mfw_meter_apply_settings (the thresholds' order, the hysteresis'
 * room: quality.h), persisted. */
static int set_threshold(const struct mfw_cosem_call *c, struct mfw_rcursor *value)
{
    struct mfw_meter_settings s = c->m->settings;
    struct mfw_quality_config *q = &s.quality;
    unsigned arg = c->obj->arg;
    if (threshold_is_time(arg)) {
        uint32_t sec;
        if (!MFW_COSEM_READ_ONE(value, mfw_axdr_get_u32(value, &sec)))
            return MFW_DAR_TYPE_UNMATCHED;
        if (sec > 86400u)
            return MFW_DAR_OTHER_REASON;
        uint32_t *t = arg == MFW_COSEM_THR_SAG_S     ? &q->sag_time_ms
                      : arg == MFW_COSEM_THR_SWELL_S ? &q->swell_time_ms
                                                     : &q->missing_time_ms;
        *t = sec * 1000u;
    } else {
        uint16_t dv;
        if (!MFW_COSEM_READ_ONE(value, mfw_axdr_get_u16(value, &dv)))
            return MFW_DAR_TYPE_UNMATCHED;
        double v = dv / 10.0;
        switch (arg) {
        case MFW_COSEM_THR_SAG_V: q->sag_v = v; break;
        case MFW_COSEM_THR_SWELL_V: q->swell_v = v; break;
        case MFW_COSEM_THR_MISSING_V: q->missing_v = v; break;
        case MFW_COSEM_THR_HYSTERESIS: q->hysteresis_v = v; break;
        default: q->un_v = v; break;
        }
    }
    return mfw_cosem_class_apply(c->m, &s);
}

/* The newest power quality log entry: its magnitude (V, scaler -2) or duration (s). */
static int put_pq_last(const struct mfw_cosem_call *c, unsigned attr, struct mfw_wcursor *w)
{
    bool mag = c->obj->kind == MFW_COSEM_REGISTER_PQ_MAGNITUDE;
    if (attr == 3) {
        mfw_cosem_class_put_scaler_unit(mag ? -2 : 0, mag ? MFW_COSEM_UNIT_V : 7, w);
        return MFW_DAR_SUCCESS;
    }
    uint32_t n = mfw_meter_eventlog_count(c->m, MFW_EVENTLOG_POWER_QUALITY);
    struct mfw_eventlog_entry e;
    int64_t v = 0;
    if (n > 0 && mfw_meter_eventlog_read(c->m, MFW_EVENTLOG_POWER_QUALITY, n - 1, &e) == MFW_OK)
        v = mag ? e.v1 : e.v2 / 1000;
    mfw_axdr_put_u32(w, v < 0 ? 0u : v > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)v);
    return MFW_DAR_SUCCESS;
}

/* IC 3 and IC 4. */
static int register_get(const struct mfw_cosem_call *c, struct mfw_cosem_stream *st, uint32_t i,
                        struct mfw_wcursor *w)
{
    (void)i;
    if (c->obj->kind == MFW_COSEM_REGISTER_PF_DURATION)
        return put_pf_duration(c, st->attr, w);
    if (c->obj->kind == MFW_COSEM_REGISTER_THRESHOLD)
        return put_threshold(c, st->attr, w);
    if (c->obj->kind == MFW_COSEM_REGISTER_PQ_MAGNITUDE ||
        c->obj->kind == MFW_COSEM_REGISTER_PQ_DURATION)
        return put_pq_last(c, st->attr, w);
    const struct mfw_meter *m = c->m;
    const struct mfw_catalog_entry *e = mfw_catalog_find(c->obj->arg);
    switch (st->attr) {
    case 3: mfw_cosem_class_put_scaler_unit(e->scaler, e->unit, w); break;
    case 4: mfw_axdr_put_u8(w, 0); break; /* status: nothing to report */
    case 5: {                             /* capture_time */
        unsigned q = e->id == MFW_CAT_DEMAND_AM || e->id == MFW_CAT_MAXDEM_AM ? 1u : 0u;
        mfw_ms_t t = 0;
        if (e->id == MFW_CAT_MAXDEM_AP || e->id == MFW_CAT_MAXDEM_AM) {
            struct mfw_demand_max dm = mfw_demand_maximum(&m->demand, q);
            t = dm.valid ? dm.time : 0;
        } else if (e->id >= MFW_CAT_UMIN_L1 && e->id <= MFW_CAT_UMAX_L3) {
            /* the window that gave the minimum / maximum voltage (quality.h) */
            unsigned k = e->id - MFW_CAT_UMIN_L1;
            const struct mfw_quality_phase *qp = &m->quality.ph[k % 3u];
            t = qp->minmax_valid ? (k < 3u ? qp->v_min_time : qp->v_max_time) : 0;
        } else {
            t = m->demand.capture_time;
        }
        if (t > 0)
            mfw_cosem_class_put_datetime(m, t, 0, w);
        else
            mfw_cosem_class_put_datetime_unspecified(w);
        break;
    }
    default: { /* 2 value: null-data when the quantity is not available (NaN) */
        int valid = 0;
        struct mfw_catalog_value cv;
        mfw_meter_read_quantity(c->m, e->id, &cv);
        int64_t v = mfw_catalog_scale_value(e, &cv, &valid);
        if (!valid)
            mfw_axdr_put_null(w);
        else
            mfw_cosem_class_put_scaled(e, v, w);
        break;
    }
    }
    return MFW_DAR_SUCCESS;
}

/* m1 reset(integer 0). The registers of this object model are the energy registers (cumulative:
 * MID 2014/32/EU Annex I 8.5, a cumulative register must not be resettable in use), the maximum
 * demands (they restart at the end of a billing period, with the billing profile capturing them:
 * a reset at any other time would lose a maximum the bill needs) and instantaneous values (nothing
 * to reset). So the method is answered, and refused: read-write-denied. */
static int register_action(const struct mfw_cosem_call *c, unsigned method,
                           struct mfw_rcursor *params, struct mfw_wcursor *ret, bool *has_ret)
{
    (void)c;
    (void)method;
    (void)ret;
    (void)has_ret;
    if (!mfw_cosem_class_no_params(params))
        return MFW_DAR_TYPE_UNMATCHED;
    return MFW_DAR_READ_WRITE_DENIED;
}

/* Only the thresholds are writable (R_VALUE in the object table). */
static int register_set(const struct mfw_cosem_call *c, unsigned attr, struct mfw_rcursor *value)
{
    (void)attr;
    if (c->obj->kind != MFW_COSEM_REGISTER_THRESHOLD)
        return MFW_DAR_READ_WRITE_DENIED;
    return set_threshold(c, value);
}

const struct mfw_cosem_class mfw_cosem_register_class = {
    .class_id = MFW_IC_REGISTER,
    .version = 0,
    .attributes = 3,
    .methods = 1, /* reset: refused (register_action) */
    .get_item = register_get,
    .set = register_set,
    .action = register_action,
};

const struct mfw_cosem_class mfw_cosem_register_extended_class = {
    .class_id = MFW_IC_EXTENDED_REGISTER,
    .version = 0,
    .attributes = 5,
    .methods = 1, /* reset: refused (register_action) */
    .get_item = register_get,
    .action = register_action,
};

/* ---- Demand register (Blue Book IC 5, version 0) ---- */

/* Attributes [M]: 2 current_average_value, 3 last_average_value, 4 scaler_unit, 5 status,
 * 6 capture_time (end of the last completed sub-period), 7 start_time_current (start of the
 * current window), 8 period (s), 9 number_of_periods. Values as the catalogue scales them (W,
 * scaler 0, double-long); the times as octet-string(12) date-times in local time, not-specified
 * before the first sub-period. The period grid stays aligned to the clock (demand.h), so
 * start_time_current is a multiple of period (minus the completed sub-periods of a sliding
 * window), not the instant of a reset or a write. */
static int demand_get(const struct mfw_cosem_call *c, struct mfw_cosem_stream *st, uint32_t i,
                      struct mfw_wcursor *w)
{
    (void)i;
    const struct mfw_meter *m = c->m;
    const struct mfw_catalog_entry *e = mfw_catalog_find(c->obj->arg);
    unsigned q = e->id == MFW_CAT_DEMAND_AM ? 1u : 0u;
    const struct mfw_demand *d = &m->demand;
    switch (st->attr) {
    case 2:
    case 3: {
        uint64_t mw = st->attr == 2 ? mfw_demand_current_mw(d, q) : mfw_demand_last_mw(d, q);
        /* truncated, as registers */
        mfw_cosem_class_put_scaled(e, mfw_catalog_scale_int(e, (int64_t)mw, -3), w);
        break;
    }
    case 4: mfw_cosem_class_put_scaler_unit(e->scaler, e->unit, w); break;
    case 5: mfw_axdr_put_u8(w, 0); break; /* status: nothing to report */
    case 6:
        if (d->capture_time > 0)
            mfw_cosem_class_put_datetime(m, d->capture_time, 0, w);
        else
            mfw_cosem_class_put_datetime_unspecified(w);
        break;
    case 7:
        if (d->started)
            mfw_cosem_class_put_datetime(m, mfw_demand_start_time_current(d), 0, w);
        else
            mfw_cosem_class_put_datetime_unspecified(w);
        break;
    case 8: mfw_axdr_put_u32(w, d->config.period_s); break;
    default: mfw_axdr_put_u16(w, d->config.number_of_periods); break;
    }
    return MFW_DAR_SUCCESS;
}

/* 8 period (double-long-unsigned, s), 9 number_of_periods (long-unsigned); validated by the meter
 * (period divides a day, 1..MFW_DEMAND_PERIODS_MAX periods); the window restarts. */
static int demand_set(const struct mfw_cosem_call *c, unsigned attr, struct mfw_rcursor *value)
{
    const struct mfw_demand_config *dc = &c->m->settings.demand;
    if (attr == 8) {
        uint32_t period;
        if (!MFW_COSEM_READ_ONE(value, mfw_axdr_get_u32(value, &period)))
            return MFW_DAR_TYPE_UNMATCHED;
        return mfw_cosem_class_result(
            mfw_meter_demand_configure(c->m, period, dc->number_of_periods));
    }
    uint16_t n;
    if (!MFW_COSEM_READ_ONE(value, mfw_axdr_get_u16(value, &n)))
        return MFW_DAR_TYPE_UNMATCHED;
    if (n == 0 || n > MFW_DEMAND_PERIODS_MAX)
        return MFW_DAR_OTHER_REASON;
    return mfw_cosem_class_result(mfw_meter_demand_configure(c->m, dc->period_s, (uint8_t)n));
}

/* m1 reset, m2 next_period, each with integer(0) or no parameter [M]. */
static int demand_action(const struct mfw_cosem_call *c, unsigned method,
                         struct mfw_rcursor *params, struct mfw_wcursor *ret, bool *has_ret)
{
    (void)ret;
    (void)has_ret;
    if (!mfw_cosem_class_no_params(params))
        return MFW_DAR_TYPE_UNMATCHED;
    return mfw_cosem_class_result(method == 1 ? mfw_meter_demand_reset(c->m)
                                              : mfw_meter_demand_next_period(c->m));
}

const struct mfw_cosem_class mfw_cosem_register_demand_class = {
    .class_id = MFW_IC_DEMAND_REGISTER,
    .version = 0,
    .attributes = 9,
    .methods = 2, /* reset, next_period */
    .get_item = demand_get,
    .set = demand_set,
    .action = demand_action,
};
