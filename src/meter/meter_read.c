/* SPDX-License-Identifier: Apache-2.0 */
/* The meter's catalogue reader (catalog.h): every capturable quantity, from the latest
 * measurement window (averaged quantities: the profile engine weights each window by its
 * duration) or the registers (energy, demand, min/max: the value now).
 *
 * Registers are read EXACT: energy from the uWh registers and demand from the mW averages straight
 * into the entry's scaled integer, truncated (a register never reads more than was measured: a
 * GET of A+ at 4497.609 Wh reads 4497 Wh). Measurements are MEASURED, in SI units. */
#include <math.h>

#include "meterfw/meter/catalog.h"
#include "meterfw/meter/meter.h"

static void measured(struct mfw_catalog_value *out, double si)
{
    out->state = isnan(si) ? MFW_CATALOG_NONE : MFW_CATALOG_MEASURED;
    out->si = si;
}

static void exact(struct mfw_catalog_value *out, uint16_t id, int64_t v, int v_exp)
{
    out->state = MFW_CATALOG_EXACT;
    out->exact = mfw_catalog_scale_int(mfw_catalog_find(id), v, v_exp);
}

static void energy(struct mfw_catalog_value *out, uint16_t id, uint64_t uwh)
{
    /* uWh registers stay far below 2^63 (meter.h: 1.8e10 kWh) */
    exact(out, id, uwh > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)uwh, -6);
}

static double import_part(double x)
{
    return x > 0.0 ? x : 0.0;
}

static double export_part(double x)
{
    return x < 0.0 ? -x : 0.0;
}

static double angle(double deg)
{
    return deg < 0.0 ? deg + 360.0 : deg; /* IEC 62056-61 81.7: 0..360 degrees */
}

static double instant(const struct mfw_meter *m, uint16_t id)
{
    const struct mfw_metrology_values *v = &m->now_values;
    const unsigned np = m->config.metro.phases;
    if (id <= MFW_CAT_PF_L3) {
        unsigned group = id / 3u, p = id % 3u;
        if (p >= np || !m->have_values)
            return NAN;
        const struct mfw_phase_values *ph = &v->ph[p];
        switch (group) {
        case 0: return ph->vrms;
        case 1: return ph->irms;
        case 2: return import_part(ph->p);
        case 3: return export_part(ph->p);
        case 4: return import_part(ph->q);
        case 5: return export_part(ph->q);
        case 6: return ph->s;
        default: return fabs(ph->pf); /* PF = |P| / S in [0, 1] (catalog.h) */
        }
    }
    if (id >= MFW_CAT_UMIN_L1 && id <= MFW_CAT_UMAX_L3) {
        unsigned k = id - MFW_CAT_UMIN_L1, p = k % 3u;
        const struct mfw_quality_phase *qp = &m->quality.ph[p];
        if (p >= np || !qp->minmax_valid)
            return NAN;
        return k < 3u ? qp->v_min : qp->v_max;
    }
    if (!m->have_values)
        return NAN;
    switch (id) {
    case MFW_CAT_ANGLE_U2_U1: return np > 1 ? angle(v->ph[1].v_angle_deg) : NAN;
    case MFW_CAT_ANGLE_U3_U1: return np > 2 ? angle(v->ph[2].v_angle_deg) : NAN;
    case MFW_CAT_ANGLE_I1_U1: return angle(v->ph[0].angle_deg);
    case MFW_CAT_ANGLE_I2_U2: return np > 1 ? angle(v->ph[1].angle_deg) : NAN;
    case MFW_CAT_ANGLE_I3_U3: return np > 2 ? angle(v->ph[2].angle_deg) : NAN;
    case MFW_CAT_PP_TOTAL: return import_part(v->p);
    case MFW_CAT_PM_TOTAL: return export_part(v->p);
    case MFW_CAT_QP_TOTAL: return import_part(v->q);
    case MFW_CAT_QM_TOTAL: return export_part(v->q);
    case MFW_CAT_S_TOTAL: return v->s;
    case MFW_CAT_PF_TOTAL: return v->s > 0.0 ? fabs(v->p) / v->s : NAN;
    case MFW_CAT_FREQUENCY: return v->freq_hz;
    case MFW_CAT_I_NEUTRAL: return v->i_n;
    case MFW_CAT_TEMPERATURE: /* the sensor the metrology compensates with, if the HAL has one */
        return m->hal != NULL && m->hal->temperature != NULL ? v->temperature : NAN;
    default: return NAN;
    }
}

void mfw_meter_read_quantity(void *ctx, uint16_t id, struct mfw_catalog_value *out)
{
    const struct mfw_meter *m = ctx;
    const unsigned np = m->config.metro.phases;
    out->state = MFW_CATALOG_NONE;
    out->exact = 0;
    out->si = NAN;
    if (id >= MFW_CAT_AP_T1 && id <= MFW_CAT_RM_T8) {
        unsigned k = id - MFW_CAT_AP_T1;
        if (k % 8u < MFW_TARIFFS)
            energy(out, id, m->registers.tariff[k % 8u][k / 8u]);
        return;
    }
    if (id >= MFW_CAT_AP_L1 && id <= MFW_CAT_RM_L3) {
        static const enum mfw_energy_qty q[4] = {MFW_EQ_AP, MFW_EQ_AM, MFW_EQ_RP, MFW_EQ_RM};
        unsigned k = id - MFW_CAT_AP_L1, p = k % 3u;
        if (p < np)
            energy(out, id, m->registers.uwh[p][q[k / 3u]]);
        return;
    }
    const uint64_t *tot = m->registers.uwh[MFW_ENERGY_TOTAL];
    switch (id) {
    case MFW_CAT_AP_TOTAL: energy(out, id, tot[MFW_EQ_AP]); return;
    case MFW_CAT_AM_TOTAL: energy(out, id, tot[MFW_EQ_AM]); return;
    case MFW_CAT_RP_TOTAL: energy(out, id, tot[MFW_EQ_RP]); return;
    case MFW_CAT_RM_TOTAL: energy(out, id, tot[MFW_EQ_RM]); return;
    case MFW_CAT_RQ1: energy(out, id, tot[MFW_EQ_RQ1]); return;
    case MFW_CAT_RQ2: energy(out, id, tot[MFW_EQ_RQ2]); return;
    case MFW_CAT_RQ3: energy(out, id, tot[MFW_EQ_RQ3]); return;
    case MFW_CAT_RQ4: energy(out, id, tot[MFW_EQ_RQ4]); return;
    case MFW_CAT_DEMAND_AP:
        exact(out, id, (int64_t)mfw_demand_current_mw(&m->demand, 0), -3);
        return;
    case MFW_CAT_DEMAND_AM:
        exact(out, id, (int64_t)mfw_demand_current_mw(&m->demand, 1), -3);
        return;
    case MFW_CAT_MAXDEM_AP:
        exact(out, id, (int64_t)mfw_demand_maximum(&m->demand, 0).value_mw, -3);
        return;
    case MFW_CAT_MAXDEM_AM:
        exact(out, id, (int64_t)mfw_demand_maximum(&m->demand, 1).value_mw, -3);
        return;
    case MFW_CAT_RELAY_STATUS: {
        /* 0.0.96.3.2.255: bit k-1 = load relay k closed, where the relay says it is */
        int64_t bits = 0;
        for (unsigned k = 0; k < m->loadctl.relays; k++) {
            unsigned r = MFW_HAL_RELAY_LOAD1 + k;
            bool closed = m->hal != NULL && m->hal->relay_sensed
                              ? m->hal->relay_sensed(m->hal->ctx, r)
                              : mfw_loadctl_closed(&m->loadctl, k);
            if (closed)
                bits |= 1 << k;
        }
        out->state = MFW_CATALOG_EXACT;
        out->exact = bits;
        return;
    }
    case MFW_CAT_S0_PULSES:
        out->state = MFW_CATALOG_EXACT;
        out->exact = m->s0.count > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)m->s0.count;
        return;
    default: break;
    }
    if (id >= MFW_CAT_PQ_FIRST && id <= MFW_CAT_PQ_LAST) {
        /* sags, swells, missing voltage x L1..L3 x number, duration (s), magnitude (V) */
        unsigned k = id - MFW_CAT_PQ_FIRST, limit = k / 9u, p = (k / 3u) % 3u, what = k % 3u;
        if (p >= np)
            return;
        const struct mfw_quality_phase *qp = &m->quality.ph[p];
        const struct mfw_quality_cond *c = limit == 0   ? &qp->sag
                                           : limit == 1 ? &qp->swell
                                                        : &qp->missing;
        if (what == 0) {
            out->state = MFW_CATALOG_EXACT;
            out->exact = c->count;
        } else if (what == 1) {
            out->state = MFW_CATALOG_EXACT;
            out->exact = c->last_duration_ms / 1000; /* whole seconds, truncated */
        } else if (c->count > 0) {
            measured(out, c->last_magnitude_v);
        }
        return;
    }
    measured(out, instant(m, id));
}
