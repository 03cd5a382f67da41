/* The meter's catalogue reader (catalog.h): every capturable quantity in SI units, from the
 * latest measurement window (averaged quantities: the profile engine weights each window by its
 * duration) or the registers (energy, demand, min/max: the value now). */
#include <math.h>

#include "meterfw/meter/catalog.h"
#include "meterfw/meter/meter.h"

static double wh(uint64_t uwh)
{
    return (double)uwh / 1e6;
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

double mfw_meter_read_quantity(void *ctx, uint16_t id)
{
    const struct mfw_meter *m = ctx;
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
        default: return ph->pf;
        }
    }
    if (id >= MFW_CAT_AP_T1 && id <= MFW_CAT_RM_T8) {
        unsigned k = id - MFW_CAT_AP_T1;
        return wh(m->registers.tariff[k % 8u][k / 8u]);
    }
    if (id >= MFW_CAT_AP_L1 && id <= MFW_CAT_RM_L3) {
        static const enum mfw_energy_qty q[4] = {MFW_EQ_AP, MFW_EQ_AM, MFW_EQ_RP, MFW_EQ_RM};
        unsigned k = id - MFW_CAT_AP_L1, p = k % 3u;
        return p < np ? wh(m->registers.uwh[p][q[k / 3u]]) : NAN;
    }
    if (id >= MFW_CAT_UMIN_L1 && id <= MFW_CAT_UMAX_L3) {
        unsigned k = id - MFW_CAT_UMIN_L1, p = k % 3u;
        const struct mfw_quality_phase *qp = &m->quality.ph[p];
        if (p >= np || !qp->minmax_valid)
            return NAN;
        return k < 3u ? qp->v_min : qp->v_max;
    }
    const uint64_t *tot = m->registers.uwh[MFW_ENERGY_TOTAL];
    switch (id) {
    case MFW_CAT_ANGLE_U2_U1: return np > 1 && m->have_values ? angle(v->ph[1].v_angle_deg) : NAN;
    case MFW_CAT_ANGLE_U3_U1: return np > 2 && m->have_values ? angle(v->ph[2].v_angle_deg) : NAN;
    case MFW_CAT_ANGLE_I1_U1: return m->have_values ? angle(v->ph[0].angle_deg) : NAN;
    case MFW_CAT_ANGLE_I2_U2: return np > 1 && m->have_values ? angle(v->ph[1].angle_deg) : NAN;
    case MFW_CAT_ANGLE_I3_U3: return np > 2 && m->have_values ? angle(v->ph[2].angle_deg) : NAN;
    case MFW_CAT_PP_TOTAL: return m->have_values ? import_part(v->p) : NAN;
    case MFW_CAT_PM_TOTAL: return m->have_values ? export_part(v->p) : NAN;
    case MFW_CAT_QP_TOTAL: return m->have_values ? import_part(v->q) : NAN;
    case MFW_CAT_QM_TOTAL: return m->have_values ? export_part(v->q) : NAN;
    case MFW_CAT_S_TOTAL: return m->have_values ? v->s : NAN;
    case MFW_CAT_PF_TOTAL: return m->have_values && v->s > 0.0 ? v->p / v->s : NAN;
    case MFW_CAT_FREQUENCY: return m->have_values ? v->freq_hz : NAN;
    case MFW_CAT_I_NEUTRAL: return m->have_values ? v->i_n : NAN;
    case MFW_CAT_AP_TOTAL: return wh(tot[MFW_EQ_AP]);
    case MFW_CAT_AM_TOTAL: return wh(tot[MFW_EQ_AM]);
    case MFW_CAT_RP_TOTAL: return wh(tot[MFW_EQ_RP]);
    case MFW_CAT_RM_TOTAL: return wh(tot[MFW_EQ_RM]);
    case MFW_CAT_RQ1: return wh(tot[MFW_EQ_RQ1]);
    case MFW_CAT_RQ2: return wh(tot[MFW_EQ_RQ2]);
    case MFW_CAT_RQ3: return wh(tot[MFW_EQ_RQ3]);
    case MFW_CAT_RQ4: return wh(tot[MFW_EQ_RQ4]);
    case MFW_CAT_DEMAND_AP: return (double)mfw_demand_current_mw(&m->demand, 0) / 1e3;
    case MFW_CAT_DEMAND_AM: return (double)mfw_demand_current_mw(&m->demand, 1) / 1e3;
    case MFW_CAT_MAXDEM_AP: return (double)mfw_demand_maximum(&m->demand, 0).value_mw / 1e3;
    case MFW_CAT_MAXDEM_AM: return (double)mfw_demand_maximum(&m->demand, 1).value_mw / 1e3;
    default: return NAN; /* temperature: this HAL has no sensor */
    }
}
