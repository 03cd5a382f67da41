/* SPDX-License-Identifier: Apache-2.0 */
/* production: see production.h and docs/calibration.md. */
#include "production.h"

#include <math.h>
#include <string.h>

#include "meterfw/base/error.h"
#include "meterfw/metrology/calibration.h"

#define CHUNK_S 0.01 /* the line feeds the metrology in 10 ms blocks, as a DMA half-buffer */
#define CHUNK_MAX 320

void production_default_plan(struct production_plan *p, double imax_a)
{
    memset(p, 0, sizeof *p);
    p->un_v = 230.0;
    p->iref_a = 5.0;
    p->points_a[0] = 0.25; /* Imin of a 5(100) A class B meter (EN 50470-3) */
    p->points_a[1] = 0.5;  /* Itr */
    p->points_a[2] = 50.0; /* 10 Iref */
    p->points_a[3] = imax_a;
    p->temps_c[0] = -40.0; /* the brochure's range: -40 .. +70 C */
    p->temps_c[1] = 70.0;
    p->settle_windows = 2;
    p->windows = 10;
    p->low_current_windows = 50; /* 10 s at no load */
    p->low_point_windows = 100;  /* 20 s: an Itr point's phase noise below 0.01 % at PF 0.5 */
    p->soak_s = 1800.0;
}

/* splitmix64 and Box-Muller, for the bench's draw */
static uint64_t mix(uint64_t *st)
{
    uint64_t z = (*st += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double gauss(uint64_t *st)
{
    double u1 = ((double)(mix(st) >> 11) + 1.0) * (1.0 / 9007199254740993.0);
    double u2 = (double)(mix(st) >> 11) * (1.0 / 9007199254740992.0);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * 3.14159265358979323846 * u2);
}

void production_draw_bench(struct production_bench *b, uint64_t seed)
{
    uint64_t st = seed ^ 0xB5AD4ECEDA1CE2A9ull;
    /* sigma 0.02 % on energy: sigma 0.02 % / sqrt2 on each of U and I */
    b->u_err = 0.0002 / sqrt(2.0) * gauss(&st);
    b->i_err = 0.0002 / sqrt(2.0) * gauss(&st);
    b->phi_err_deg = 0.005 * gauss(&st);
}

struct line {
    struct afe *unit;
    struct mfw_metrology mt;
    uint8_t phases;
    double f_nominal;
    const struct production_bench *bench;
    double ambient_offset;
    double seconds;
    struct mfw_adc_frame buf[CHUNK_MAX];
};

/* The source at its setpoints (the unit sees them with the bench's errors). */
static void source(struct line *l, double u, double i, double phi)
{
    struct afe_state st;
    afe_state_sine(&st, l->phases, u * (1.0 + l->bench->u_err), i * (1.0 + l->bench->i_err),
                   phi + l->bench->phi_err_deg, l->f_nominal);
    st.ambient_offset_c = l->ambient_offset;
    afe_set(l->unit, &st);
}

/* One window of the unit's metrology; the HAL's temperature reaches it after each. */
static void window(struct line *l, struct mfw_metrology_values *v)
{
    for (;;) {
        size_t n = afe_samples_for(l->unit, CHUNK_S);
        if (n > CHUNK_MAX)
            n = CHUNK_MAX;
        afe_generate(l->unit, l->buf, n);
        mfw_metrology_samples(&l->mt, l->buf, n);
        l->seconds += CHUNK_S;
        if (mfw_metrology_read(&l->mt, v)) {
            mfw_metrology_set_temperature(&l->mt, (float)afe_temperature_reading(l->unit));
            return;
        }
    }
}

/* Settles, accumulates `windows` into acc[] per phase; the mean temperature reading. */
static double measure(struct line *l, unsigned settle, unsigned windows,
                      struct mfw_calibration_acc acc[MFW_PHASES_MAX])
{
    struct mfw_metrology_values v;
    for (unsigned k = 0; k < settle; k++)
        window(l, &v);
    for (unsigned p = 0; p < l->phases; p++)
        mfw_calibration_reset(&acc[p]);
    double t = 0.0;
    for (unsigned k = 0; k < windows; k++) {
        window(l, &v);
        t += afe_temperature_reading(l->unit) / windows;
        for (unsigned p = 0; p < l->phases; p++)
            mfw_calibration_add(&acc[p], mfw_metrology_raw(&l->mt, p), v.freq_hz);
    }
    return t;
}

/* The self-heating the metrology's model would have put on the shunt while a point was
 * measured from a cold start: k I^2 (1 - e^{-t/tau}) averaged over the accumulation. */
static double mean_rise(double k, double tau, double i, double t0, double t1)
{
    if (!(tau > 0.0) || !(t1 > t0))
        return 0.0;
    double integral = (t1 - t0) - tau * (exp(-t0 / tau) - exp(-t1 / tau));
    return k * i * i * integral / (t1 - t0);
}

/* One current channel's sensitivity (codes per amp) from an accumulation at a known current. */
static double sensitivity(const struct mfw_calibration_acc *a, double i_a)
{
    return a->n ? sqrt(a->ii1 / a->n) / i_a : 0.0;
}

int production_calibrate(struct afe *unit, struct mfw_metrology_config *cfg,
                         const struct production_plan *plan, const struct production_bench *bench,
                         struct production_report *report)
{
    static struct line l; /* host program state, large: off the stack (not reentrant) */
    memset(report, 0, sizeof *report);
    memset(&l, 0, sizeof l);
    l.unit = unit;
    l.phases = cfg->phases;
    l.f_nominal = cfg->f_nominal_hz;
    l.bench = bench;
    /* the design scale, no corrections: the raw sums do not depend on the gains */
    struct mfw_metrology_config run = *cfg;
    for (unsigned p = 0; p < MFW_PHASES_MAX; p++) {
        memset(&run.cal[p], 0, sizeof run.cal[p]);
        run.cal[p].v_gain = (float)afe_volts_per_code(unit);
        run.cal[p].i_gain = (float)afe_amps_per_code(unit);
    }
    run.i_n_gain = (float)afe_amps_per_code(unit);
    int rc = mfw_metrology_init(&l.mt, &run);
    if (rc != MFW_OK)
        return rc;
    struct mfw_calibration_acc acc[MFW_PHASES_MAX];
    struct mfw_calibration_temp tfit[MFW_PHASES_MAX];
    const bool chain = unit->config.sensors_on;
    const double k_design = chain ? unit->config.sensors.design_self_heat_k : 0.0;
    const double tau_heat = chain ? unit->config.sensors.design_self_heat_tau : 0.0;
    const double win_s = cfg->f_nominal_hz == 60 ? 12.0 / 60.0 : 10.0 / 50.0;
    const double i_max = plan->points_a[3] > 0.0 ? plan->points_a[3] : 0.0;

    /* 1. base at the reference temperature */
    report->failed_step = 1;
    source(&l, plan->un_v, plan->iref_a, 60.0);
    const struct mfw_calibration_reference base = {(float)plan->un_v, (float)plan->iref_a, 60.0f};
    double t_ref = measure(&l, plan->settle_windows, plan->windows, acc);
    for (unsigned p = 0; p < l.phases; p++) {
        rc = mfw_calibration_gain_phase(&cfg->cal[p], &acc[p], &base);
        if (rc != MFW_OK)
            return rc;
        mfw_calibration_temp_reset(&tfit[p]);
        rc = mfw_calibration_temp_add(&tfit[p], &acc[p], &base, (float)t_ref);
        if (rc != MFW_OK)
            return rc;
    }
    cfg->t_ref_c = (float)t_ref;

    /* 2. no load */
    report->failed_step = 2;
    source(&l, plan->un_v, 0.0, 0.0);
    measure(&l, plan->settle_windows, plan->low_current_windows, acc);
    for (unsigned p = 0; p < l.phases; p++) {
        rc = mfw_calibration_no_load(&cfg->cal[p], &acc[p]);
        if (rc != MFW_OK)
            return rc;
    }

    /* 3. the chamber: soak without load, the base point at each temperature, then Imax for a
     * minute: the current channel's change from its first seconds to its 60th is the shunt's
     * self-heating times its slope there (which the fit gives) */
    report->failed_step = 3;
    unsigned n_temps = 0;
    double heat_t[2] = {0}, heat_change[2][MFW_PHASES_MAX] = {{0}};
    const double t_early0 = plan->settle_windows * win_s, t_late0 = 60.0;
    const double t_early1 = t_early0 + plan->windows * win_s,
                 t_late1 = t_late0 + plan->windows * win_s;
    for (unsigned k = 0; k < 2; k++) {
        if (plan->temps_c[k] == 23.0)
            continue;
        l.ambient_offset = plan->temps_c[k] - 23.0;
        source(&l, plan->un_v, 0.0, 0.0);
        afe_skip(unit, plan->soak_s);
        report->seconds_chamber += plan->soak_s;
        source(&l, plan->un_v, plan->iref_a, 60.0);
        double t = measure(&l, plan->settle_windows, plan->windows, acc);
        for (unsigned p = 0; p < l.phases; p++) {
            rc = mfw_calibration_temp_add(&tfit[p], &acc[p], &base, (float)t);
            if (rc != MFW_OK)
                return rc;
        }
        if (chain && i_max > 0.0 && tau_heat > 0.0) {
            struct afe_state st;
            afe_state_sine(&st, l.phases, plan->un_v, 0.0, 0.0, l.f_nominal);
            st.ambient_offset_c = l.ambient_offset;
            afe_set(unit, &st);
            afe_skip(unit, 5.0 * tau_heat); /* from a cold shunt */
            double early[MFW_PHASES_MAX];
            source(&l, plan->un_v, i_max, 0.0);
            measure(&l, plan->settle_windows, plan->windows, acc);
            for (unsigned p = 0; p < l.phases; p++)
                early[p] = sensitivity(&acc[p], i_max);
            afe_skip(unit, t_late0 - t_early1);
            measure(&l, 0, plan->windows, acc);
            for (unsigned p = 0; p < l.phases; p++)
                heat_change[n_temps][p] = sensitivity(&acc[p], i_max) / early[p] - 1.0;
            l.seconds += t_late0 - t_early1;
            source(&l, plan->un_v, 0.0, 0.0);
        }
        heat_t[n_temps] = t;
        n_temps++;
    }
    l.ambient_offset = 0.0;
    source(&l, plan->un_v, 0.0, 0.0);
    if (n_temps > 0) {
        afe_skip(unit, plan->soak_s);
        report->seconds_chamber += plan->soak_s;
    }
    /* the self-heating's share of the rise between the two measurements, per k I^2 */
    const double g_early = 1.0 - mean_rise(1.0, tau_heat, 1.0, t_early0, t_early1);
    const double g_late = 1.0 - mean_rise(1.0, tau_heat, 1.0, t_late0, t_late1);
    for (unsigned p = 0; p < l.phases; p++) {
        struct mfw_metrology_cal_phase *c = &cfg->cal[p];
        if (n_temps > 0) {
            rc = mfw_calibration_temp_solve(c, &tfit[p], (float)t_ref);
            if (rc != MFW_OK)
                return rc;
        }
        /* k from the temperature where the channel is most sensitive to it (its slope
         * 1/S dS/dT = tc1 + 2 tc2 dT); the design's where it is too flat to tell */
        double k_unit = k_design, best = 0.0;
        for (unsigned j = 0; j < n_temps; j++) {
            double d = heat_t[j] - t_ref;
            double slope = c->i_tc1 + 2.0 * c->i_tc2 * d;
            double span = i_max * i_max * (g_early - g_late);
            if (fabs(slope) > 20e-6 && fabs(slope) > best && span > 0.0) {
                best = fabs(slope);
                k_unit = heat_change[j][p] / (slope * span);
            }
        }
        if (!(k_unit > 0.25 * k_design && k_unit < 4.0 * k_design))
            k_unit = k_design;
        c->self_heat_k_per_a2 = (float)k_unit;
        c->self_heat_tau_s = (float)tau_heat;
    }

    /* 4. the current points at the room's temperature (the line switches each current on for
     * its point only) */
    report->failed_step = 4;
    for (unsigned k = 0; k < 4; k++) {
        double i = plan->points_a[k];
        if (!(i > 0.0))
            continue;
        struct afe_state st;
        afe_state_sine(&st, l.phases, plan->un_v, 0.0, 0.0, l.f_nominal);
        afe_set(unit, &st);
        afe_skip(unit, 5.0 * tau_heat); /* cool down from the point before */
        source(&l, plan->un_v, i, 60.0);
        unsigned w = i <= 0.1 * plan->iref_a + 1e-9 ? plan->low_point_windows : plan->windows;
        double t = measure(&l, plan->settle_windows, w, acc);
        const struct mfw_calibration_reference ref = {(float)plan->un_v, (float)i, 60.0f};
        for (unsigned p = 0; p < l.phases; p++) {
            struct mfw_metrology_cal_phase *c = &cfg->cal[p];
            rc = mfw_calibration_point(c, &acc[p], &ref, (float)l.f_nominal);
            if (rc != MFW_OK)
                return rc;
            /* the point was taken at its own temperature offset and self-heating: its gain is
             * the sensitivity there, so take the temperature's share out */
            float d =
                (float)(t - t_ref +
                        mean_rise(c->self_heat_k_per_a2, tau_heat, i, plan->settle_windows * win_s,
                                  (plan->settle_windows + w) * win_s));
            for (unsigned q = 0; q < c->n_points; q++)
                if (fabsf(c->point[q].i_a - (float)i) <= 0.01f * (float)i)
                    c->point[q].gain /= 1.0f + (c->i_tc1 + c->i_tc2 * d) * d;
        }
    }
    if (chain) {
        cfg->clock_tc2_ppm = (float)unit->config.sensors.design_clock_tc2_ppm;
        cfg->clock_turnover_c = (float)unit->config.sensors.design_clock_turnover_c;
    }
    cfg->i_n_gain = run.i_n_gain;
    report->failed_step = 0;
    report->seconds_electrical = l.seconds;
    return MFW_OK;
}
