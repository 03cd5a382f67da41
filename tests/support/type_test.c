/* SPDX-License-Identifier: Apache-2.0 */
/* type_test: see type_test.h. */
#include "type_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meterfw/base/error.h"

#define TT_PI 3.14159265358979323846
#define CHUNK_S 0.01 /* 10 ms blocks, as a DMA half-buffer */
#define CHUNK_MAX 400
#define SETTLE_WINDOWS 3
#define IDLE_SOAK_S (3.0 * 3600.0) /* six case time constants at the point's ambient */

struct tt_point tt_point_at(double i_a, double phi_deg, enum tt_quantity q)
{
    struct tt_point p = {.u_v = TT_UN,
                         .i_a = i_a,
                         .phi_deg = phi_deg,
                         .freq_hz = 50.0,
                         .ambient_c = 23.0,
                         .wave = TT_SINE,
                         .soak_s = 60.0,
                         .quantity = q};
    /* low currents longer: the test's own noise stays below 0.02 % (IEC 62053-21 leaves the
     * duration to the uncertainty the test needs) */
    p.seconds = i_a <= 0.1 * TT_IB + 1e-9 ? 10.0 : (i_a < TT_IB ? 4.0 : 2.0);
    return p;
}

int tt_unit_init(struct tt_unit *u, uint8_t phases, uint32_t fs_hz, uint8_t f_nominal_hz,
                 const struct sensor_set *sensors, uint64_t noise_seed,
                 const struct production_bench *bench)
{
    memset(u, 0, sizeof *u);
    u->phases = phases;
    u->imax_a = sensors->imax_a;
    struct afe_config ac;
    afe_default_config(&ac, phases, fs_hz, sensors->imax_a);
    ac.f_nominal_hz = f_nominal_hz;
    ac.seed = noise_seed;
    ac.sensors_on = true;
    ac.sensors = *sensors;
    int rc = afe_init(&u->afe, &ac);
    if (rc != MFW_OK)
        return rc;
    mfw_metrology_default_config(&u->cfg, phases, fs_hz, f_nominal_hz);
    struct production_plan plan;
    production_default_plan(&plan, sensors->imax_a);
    const struct production_bench perfect = {0.0, 0.0, 0.0};
    return production_calibrate(&u->afe, &u->cfg, &plan, bench ? bench : &perfect, &u->production);
}

/* ---- waveforms ------------------------------------------------------------------------------- */

/* A chopped current as a fundamental of rms i_fund plus harmonics 2..39 and DC, from the Fourier
 * series of one period computed numerically (4096 points). kind 0: half-wave rectified (DC and
 * even harmonics); kind 1: phase-fired at 90 degrees (odd harmonics, the fundamental lags). The
 * fundamental's angle goes into *phi_deg (V to I, > 0 lagging). */
static void chopped(struct afe_wave *w, int kind, double i_fund, double *phi_deg)
{
    enum { M = 4096, H = 39 };
    static double a[H + 1], b[H + 1];
    double c0 = 0.0;
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    for (int k = 0; k < M; k++) {
        double th = 2.0 * TT_PI * k / M, deg = 360.0 * k / M, x;
        if (kind == 0)
            x = sin(th) > 0.0 ? sin(th) : 0.0;
        else
            x = (deg >= 90.0 && deg < 180.0) || deg >= 270.0 ? sin(th) : 0.0;
        c0 += x / M;
        for (int h = 1; h <= H; h++) {
            a[h] += 2.0 / M * x * cos(h * th);
            b[h] += 2.0 / M * x * sin(h * th);
        }
    }
    /* x = c0 + sum A_h sin(h th + p_h); harmonic h's phase in the AFE convention is p_h - h p_1 */
    double a1 = hypot(a[1], b[1]), p1 = atan2(a[1], b[1]);
    *phi_deg = -p1 * 180.0 / TT_PI;
    double scale = i_fund / (a1 / sqrt(2.0));
    w->rms = i_fund;
    w->dc = c0 * scale;
    w->n_harmonics = 0;
    for (int h = 2; h <= H; h++) {
        double ah = hypot(a[h], b[h]);
        if (ah < 1e-9 * a1)
            continue;
        double ph = atan2(a[h], b[h]) - h * p1;
        w->h[w->n_harmonics++] = (struct afe_harmonic){(uint8_t)h, ah / a1, ph * 180.0 / TT_PI};
    }
}

static void build(const struct tt_unit *u, const struct tt_point *pt, struct afe_state *st)
{
    memset(st, 0, sizeof *st);
    st->freq_hz = pt->freq_hz;
    st->ambient_offset_c = pt->ambient_c - 23.0;
    const uint8_t loaded = pt->loaded_mask ? pt->loaded_mask : 7u;
    const uint8_t live = pt->voltage_mask ? pt->voltage_mask : 7u;
    for (unsigned p = 0; p < u->phases; p++) {
        struct afe_phase *ph = &st->ph[p];
        double va = p == 0 ? 0.0 : (((p == 1) != pt->reversed) ? -120.0 : 120.0);
        if (live & (1u << p)) {
            ph->v.rms = pt->u_v;
            ph->v.phase_deg = va;
        }
        if (!(loaded & (1u << p)) || !(live & (1u << p)))
            continue;
        double phi = pt->phi_deg;
        ph->i.rms = pt->i_a;
        switch (pt->wave) {
        case TT_FIFTH:
            ph->v.n_harmonics = 1;
            ph->v.h[0] = (struct afe_harmonic){5, 0.10, 0.0};
            ph->i.n_harmonics = 1;
            ph->i.h[0] = (struct afe_harmonic){5, 0.40, 0.0};
            break;
        case TT_HALF_WAVE: chopped(&ph->i, 0, pt->i_a, &phi); break;
        case TT_PHASE_FIRED: chopped(&ph->i, 1, pt->i_a, &phi); break;
        case TT_BURST:
            ph->i.burst_on = 2;
            ph->i.burst_off = 2;
            break;
        case TT_SINE: break;
        }
        ph->i.phase_deg = va - phi;
    }
}

/* ---- measuring ------------------------------------------------------------------------------- */

static struct mfw_adc_frame frames[CHUNK_MAX];

/* One window of the unit's metrology, its temperature input after it. */
static void window(struct tt_unit *u, struct mfw_metrology_values *v)
{
    for (;;) {
        size_t n = afe_samples_for(&u->afe, CHUNK_S);
        if (n > CHUNK_MAX)
            n = CHUNK_MAX;
        afe_generate(&u->afe, frames, n);
        mfw_metrology_samples(&u->mt, frames, n);
        if (mfw_metrology_read(&u->mt, v)) {
            mfw_metrology_set_temperature(&u->mt, (float)afe_temperature_reading(&u->afe));
            return;
        }
    }
}

/* The metrology restarts at the point; its shunt model is set to what it would hold after the
 * soak (the meter ran through it; those samples are not simulated): k I^2 (1 - e^{-t/tau}). */
static int restart_metrology(struct tt_unit *u, const struct afe_state *st, double soaked_s)
{
    int rc = mfw_metrology_init(&u->mt, &u->cfg);
    if (rc != MFW_OK)
        return rc;
    mfw_metrology_set_temperature(&u->mt, (float)afe_temperature_reading(&u->afe));
    struct afe_quantities q;
    afe_state_quantities(st, u->phases, 1.0, &q);
    for (unsigned p = 0; p < u->phases; p++) {
        const struct mfw_metrology_cal_phase *c = &u->cfg.cal[p];
        double i = q.ph[p].irms;
        if (c->self_heat_tau_s > 0.0f)
            u->mt.self_heat_k[p] = (float)(c->self_heat_k_per_a2 * i * i *
                                           (1.0 - exp(-soaked_s / c->self_heat_tau_s)));
    }
    return MFW_OK;
}

/* Measures the running state for `seconds` after SETTLE_WINDOWS windows. */
static void run_point(struct tt_unit *u, const struct afe_state *st, double seconds,
                      enum tt_quantity quantity, struct tt_result *r)
{
    struct mfw_metrology_values v;
    struct mfw_energy_delta d;
    for (int k = 0; k < SETTLE_WINDOWS; k++)
        window(u, &v);
    mfw_metrology_drain(&u->mt, &d);
    double samples = 0.0, t = 0.0;
    while (t < seconds - 1e-9) {
        window(u, &v);
        t += v.duration_s;
        samples += (double)v.samples;
    }
    mfw_metrology_drain(&u->mt, &d);
    const double t_true = samples / afe_sample_rate(&u->afe);
    struct afe_quantities q;
    afe_state_quantities(st, u->phases, t_true, &q);
    double p = 0.0, qq = 0.0;
    for (unsigned k = 0; k < u->phases; k++) {
        p += q.ph[k].p;
        qq += q.ph[k].q;
    }
    const uint64_t *tot = d.uwh[MFW_ENERGY_TOTAL];
    if (quantity == TT_ACTIVE) {
        r->reference = p * t_true / 3600.0;
        r->measured = (p >= 0.0 ? (double)tot[MFW_EQ_AP] : -(double)tot[MFW_EQ_AM]) / 1e6;
    } else {
        r->reference = qq * t_true / 3600.0;
        r->measured = (qq >= 0.0 ? (double)tot[MFW_EQ_RP] : -(double)tot[MFW_EQ_RM]) / 1e6;
    }
    r->error_pct =
        r->reference != 0.0 ? (r->measured - r->reference) / fabs(r->reference) * 100.0 : 0.0;
    r->temperature = afe_temperature_reading(&u->afe);
}

int tt_measure(struct tt_unit *u, const struct tt_point *pt, struct tt_result *r)
{
    struct afe_state st, idle;
    build(u, pt, &st);
    /* the meter settled at the ambient without load (voltage on) ... */
    idle = st;
    for (unsigned p = 0; p < MFW_PHASES_MAX; p++)
        memset(&idle.ph[p].i, 0, sizeof idle.ph[p].i);
    afe_set(&u->afe, &idle);
    afe_skip(&u->afe, IDLE_SOAK_S);
    /* ... then under the point's load */
    afe_set(&u->afe, &st);
    afe_skip(&u->afe, pt->soak_s);
    int rc = restart_metrology(u, &st, pt->soak_s);
    if (rc != MFW_OK)
        return rc;
    run_point(u, &st, pt->seconds, pt->quantity, r);
    return MFW_OK;
}

/* ---- the influence tests --------------------------------------------------------------------- */

static void row(struct tt_row *rows, size_t cap, size_t *n, const char *name, double value,
                double limit, const char *unit)
{
    if (*n < cap) {
        struct tt_row *w = &rows[*n];
        snprintf(w->name, sizeof w->name, "%s", name);
        w->value = value;
        w->limit = limit;
        snprintf(w->unit, sizeof w->unit, "%s", unit);
    }
    (*n)++;
}

static double err(struct tt_unit *u, const struct tt_point *pt)
{
    struct tt_result r;
    if (tt_measure(u, pt, &r) != MFW_OK)
        return NAN;
    return r.error_pct;
}

static double worst_abs(double a, double b)
{
    return fabs(a) > fabs(b) ? a : b;
}

/* Self-heating (IEC 62053-21: the voltage circuits energised, then Imax applied to a cold meter;
 * the error from t = 0 at short intervals for an hour): the largest change against the first. */
static double self_heating(struct tt_unit *u, double phi_deg, bool quick)
{
    static const double at_min[] = {0, 2, 5, 10, 20, 30, 45, 60};
    const unsigned n = quick ? 4 : sizeof at_min / sizeof at_min[0];
    struct tt_point pt = tt_point_at(u->imax_a, phi_deg, TT_ACTIVE);
    struct afe_state st, idle;
    build(u, &pt, &st);
    idle = st;
    for (unsigned p = 0; p < MFW_PHASES_MAX; p++)
        memset(&idle.ph[p].i, 0, sizeof idle.ph[p].i);
    afe_set(&u->afe, &idle);
    afe_skip(&u->afe, IDLE_SOAK_S);
    afe_set(&u->afe, &st);
    double e0 = 0.0, worst = 0.0, t = 0.0;
    for (unsigned k = 0; k < n; k++) {
        double to = (quick ? at_min[2 * k] : at_min[k]) * 60.0;
        if (to > t)
            afe_skip(&u->afe, to - t);
        if (restart_metrology(u, &st, to) != MFW_OK)
            return NAN;
        struct tt_result r;
        run_point(u, &st, 2.0, TT_ACTIVE, &r);
        t = to + 2.0 + SETTLE_WINDOWS * 0.2;
        if (k == 0)
            e0 = r.error_pct;
        else
            worst = worst_abs(worst, r.error_pct - e0);
    }
    return worst;
}

size_t tt_influences(struct tt_unit *u, struct tt_row *rows, size_t cap, bool quick)
{
    size_t n = 0;
    const double ib = TT_IB;
    /* temperature coefficient: 20 K windows over -40..+70 C (readings 10 K either side of each
     * window's centre) */
    static const double temps[] = {-40, -20, 0, 20, 40, 50, 60, 70};
    static const double quick_temps[] = {-40, -20, 50, 70};
    const double *tl = quick ? quick_temps : temps;
    const unsigned nt = quick ? 4 : 8;
    for (int pf = 0; pf < 2; pf++) {
        double e[8], tc = 0.0;
        for (unsigned k = 0; k < nt; k++) {
            struct tt_point pt = tt_point_at(ib, pf ? 60.0 : 0.0, TT_ACTIVE);
            pt.ambient_c = tl[k];
            e[k] = err(u, &pt);
        }
        for (unsigned a = 0; a < nt; a++)
            for (unsigned b = a + 1; b < nt; b++)
                if (fabs(tl[b] - tl[a] - 20.0) < 1e-9)
                    tc = worst_abs(tc, (e[b] - e[a]) / 20.0);
        row(rows, cap, &n,
            pf ? "temperature coefficient, Ib PF 0.5 ind, -40..+70 C"
               : "temperature coefficient, Ib PF 1, -40..+70 C",
            tc, pf ? 0.07 : 0.05, "%/K");
    }
    for (int pf = 0; pf < 2; pf++) {
        struct tt_point ref = tt_point_at(ib, pf ? 60.0 : 0.0, TT_ACTIVE);
        double e0 = err(u, &ref), wv = 0.0, wf = 0.0;
        for (int s = -1; s <= 1; s += 2) {
            struct tt_point pt = ref;
            pt.u_v = TT_UN * (1.0 + 0.1 * s);
            wv = worst_abs(wv, err(u, &pt) - e0);
            pt = ref;
            pt.freq_hz = 50.0 * (1.0 + 0.02 * s);
            wf = worst_abs(wf, err(u, &pt) - e0);
        }
        row(rows, cap, &n, pf ? "voltage +-10 %, Ib PF 0.5 ind" : "voltage +-10 %, Ib PF 1", wv,
            pf ? 1.0 : 0.7, "%");
        row(rows, cap, &n, pf ? "frequency +-2 %, Ib PF 0.5 ind" : "frequency +-2 %, Ib PF 1", wf,
            pf ? 0.7 : 0.5, "%");
    }
    {
        struct tt_point pt = tt_point_at(0.5 * u->imax_a, 0.0, TT_ACTIVE);
        double e0 = err(u, &pt);
        pt.wave = TT_FIFTH;
        row(rows, cap, &n, "harmonics: 10 % 5th in U, 40 % in I, 0.5 Imax", err(u, &pt) - e0, 0.8,
            "%");
    }
    {
        /* the half-wave rectified Imax sine: DC 0.45 Imax, fundamental Imax / 2 (rms Imax /
         * sqrt2): against a sine of that fundamental */
        struct tt_point pt = tt_point_at(0.5 * u->imax_a, 0.0, TT_ACTIVE);
        double e0 = err(u, &pt);
        pt.wave = TT_HALF_WAVE;
        row(rows, cap, &n, "DC and even harmonics: half-wave, Imax / sqrt2", err(u, &pt) - e0, 3.0,
            "%");
    }
    {
        struct tt_point pt = tt_point_at(0.5 * ib, 0.0, TT_ACTIVE);
        struct afe_wave w;
        double phi;
        memset(&w, 0, sizeof w);
        chopped(&w, 1, 0.5 * ib, &phi);
        pt.phi_deg = phi; /* the sine of the same fundamental and angle */
        double e0 = err(u, &pt);
        pt.phi_deg = 0.0;
        pt.wave = TT_PHASE_FIRED;
        pt.seconds = 4.0;
        row(rows, cap, &n, "odd harmonics: phase-fired 90 deg, 0.5 Ib", err(u, &pt) - e0, 3.0, "%");
    }
    {
        struct tt_point pt = tt_point_at(0.5 * ib, 0.0, TT_ACTIVE);
        double e0 = err(u, &pt);
        pt.wave = TT_BURST;
        pt.seconds = 4.0; /* whole bursts of 80 ms: 4 s is 50 of them */
        row(rows, cap, &n, "sub-harmonics: burst firing 2 on / 2 off, 0.5 Ib", err(u, &pt) - e0,
            3.0, "%");
    }
    if (u->phases == 3) {
        struct tt_point pt = tt_point_at(0.1 * ib, 0.0, TT_ACTIVE);
        double e0 = err(u, &pt);
        pt.reversed = true;
        row(rows, cap, &n, "reversed phase sequence, 0.1 Ib", err(u, &pt) - e0, 1.5, "%");
        struct tt_point ref = tt_point_at(ib, 0.0, TT_ACTIVE);
        e0 = err(u, &ref);
        double w = 0.0;
        static const uint8_t masks[] = {6, 5, 3, 1, 2, 4}; /* one, then two phases interrupted */
        for (unsigned k = 0; k < (quick ? 2u : 6u); k++) {
            struct tt_point pt2 = ref;
            pt2.voltage_mask = masks[quick ? 3 * k : k];
            w = worst_abs(w, err(u, &pt2) - e0);
        }
        row(rows, cap, &n, "voltage unbalance: one or two phases interrupted, Ib", w, 2.0, "%");
    }
    row(rows, cap, &n, "self-heating: Imax PF 1, 1 h from cold", self_heating(u, 0.0, quick), 0.7,
        "%");
    row(rows, cap, &n, "self-heating: Imax PF 0.5 ind, 1 h from cold", self_heating(u, 60.0, quick),
        1.0, "%");
    return n;
}

/* ---- starting, no load, repeatability -------------------------------------------------------- */

int tt_starting(struct tt_unit *u, double seconds, double *error_pct)
{
    struct tt_point pt = tt_point_at(0.004 * TT_IB, 0.0, TT_ACTIVE);
    pt.seconds = seconds;
    struct tt_result r;
    int rc = tt_measure(u, &pt, &r);
    *error_pct = r.error_pct;
    return rc;
}

int tt_no_load(struct tt_unit *u, double seconds, uint64_t *uwh)
{
    struct tt_point pt = tt_point_at(0.0, 0.0, TT_ACTIVE);
    pt.u_v = 1.15 * TT_UN;
    struct afe_state st;
    build(u, &pt, &st);
    afe_set(&u->afe, &st);
    afe_skip(&u->afe, IDLE_SOAK_S);
    int rc = restart_metrology(u, &st, 0.0);
    if (rc != MFW_OK)
        return rc;
    struct mfw_metrology_values v;
    struct mfw_energy_delta d;
    double t = 0.0;
    *uwh = 0;
    while (t < seconds) {
        window(u, &v);
        t += v.duration_s;
        mfw_metrology_drain(&u->mt, &d);
        for (unsigned q = 0; q < MFW_EQ_COUNT; q++)
            *uwh += d.uwh[MFW_ENERGY_TOTAL][q];
    }
    return MFW_OK;
}

int tt_repeatability(const struct sensor_set *s, uint8_t phases, const struct tt_point *pt,
                     unsigned n, double *mean, double *sd)
{
    static struct tt_unit u;
    int rc = tt_unit_init(&u, phases, 4000, 50, s, 1, NULL);
    if (rc != MFW_OK)
        return rc;
    double sum = 0.0, sum2 = 0.0;
    for (unsigned k = 0; k < n; k++) {
        struct afe_config ac = u.afe.config;
        ac.seed = 1000u + k;
        rc = afe_init(&u.afe, &ac);
        if (rc != MFW_OK)
            return rc;
        struct tt_result r;
        rc = tt_measure(&u, pt, &r);
        if (rc != MFW_OK)
            return rc;
        sum += r.error_pct;
        sum2 += r.error_pct * r.error_pct;
    }
    *mean = sum / n;
    *sd = n > 1 ? sqrt((sum2 - sum * sum / n) / (n - 1)) : 0.0;
    return MFW_OK;
}

/* ---- the Monte-Carlo ------------------------------------------------------------------------- */

static const struct tt_mc_point mc_points[] = {
    {0.25, 0.0, 10.0, TT_ACTIVE, TT_BAND_LOW},         /* Imin PF 1 */
    {0.5, 0.0, 4.0, TT_ACTIVE, TT_BAND_HIGH},          /* Itr PF 1 */
    {0.5, 60.0, 4.0, TT_ACTIVE, TT_BAND_HIGH},         /* Itr PF 0.5 ind (0.1 Ib: IEC's start) */
    {5.0, 0.0, 2.0, TT_ACTIVE, TT_BAND_HIGH},          /* Ib PF 1 */
    {5.0, 60.0, 2.0, TT_ACTIVE, TT_BAND_HIGH},         /* Ib PF 0.5 ind */
    {5.0, -36.87, 2.0, TT_ACTIVE, TT_BAND_HIGH},       /* Ib PF 0.8 cap */
    {100.0, 0.0, 2.0, TT_ACTIVE, TT_BAND_HIGH},        /* Imax PF 1 */
    {100.0, 60.0, 2.0, TT_ACTIVE, TT_BAND_HIGH},       /* Imax PF 0.5 ind */
    {0.25, 90.0, 10.0, TT_REACTIVE, TT_BAND_REACTIVE}, /* reactive, sin phi 1, Imin */
    {5.0, 90.0, 2.0, TT_REACTIVE, TT_BAND_REACTIVE},   /* sin phi 1, Ib */
    {5.0, 30.0, 2.0, TT_REACTIVE, TT_BAND_REACTIVE},   /* sin phi 0.5, Ib */
    {100.0, 90.0, 2.0, TT_REACTIVE, TT_BAND_REACTIVE}, /* sin phi 1, Imax */
};
static const unsigned mc_quick_points[] = {0, 3, 4, 6, 9};

int tt_monte_carlo(uint8_t phases, unsigned units, uint64_t lot, bool quick, struct tt_mc_unit *out,
                   tt_mc_row_fn rowfn, void *ctx)
{
    static const double temps[] = {-40, -20, 0, 20, 23, 40, 50, 60, 70};
    static const double quick_temps[] = {-40, 23, 70};
    const double *tl = quick ? quick_temps : temps;
    const unsigned nt = quick ? 3 : sizeof temps / sizeof temps[0];
    const unsigned np = quick ? sizeof mc_quick_points / sizeof mc_quick_points[0]
                              : sizeof mc_points / sizeof mc_points[0];
    static struct tt_unit u;
    static struct sensor_set s;
    for (unsigned k = 0; k < units; k++) {
        sensor_set_draw(&s, phases, TT_IMAX, lot, k);
        struct production_bench bench;
        production_draw_bench(&bench, lot * 1000003u + k);
        int rc = tt_unit_init(&u, phases, 4000, 50, &s, 77u + k, &bench);
        if (rc != MFW_OK)
            return rc;
        struct tt_mc_unit *o = &out[k];
        memset(o, 0, sizeof *o);
        double e_tc[9][12];
        for (unsigned t = 0; t < nt; t++) {
            for (unsigned j = 0; j < np; j++) {
                const struct tt_mc_point *mp = &mc_points[quick ? mc_quick_points[j] : j];
                struct tt_point pt = tt_point_at(mp->i_a, mp->phi_deg, mp->quantity);
                pt.seconds = mp->seconds;
                pt.ambient_c = tl[t];
                struct tt_result r;
                rc = tt_measure(&u, &pt, &r);
                if (rc != MFW_OK)
                    return rc;
                e_tc[t][j] = r.error_pct;
                if (fabs(r.error_pct) > o->worst[mp->band]) {
                    o->worst[mp->band] = fabs(r.error_pct);
                    o->worst_at_c[mp->band] = tl[t];
                }
                if (rowfn)
                    rowfn(ctx, k, tl[t], &pt, &r, mp->band);
            }
        }
        /* the temperature coefficient over 20 K windows on the active points at Ib and above */
        for (unsigned j = 0; j < np; j++) {
            const struct tt_mc_point *mp = &mc_points[quick ? mc_quick_points[j] : j];
            if (mp->quantity != TT_ACTIVE || mp->i_a < TT_IB)
                continue;
            for (unsigned a = 0; a < nt; a++)
                for (unsigned b = a + 1; b < nt; b++)
                    if (fabs(tl[b] - tl[a] - 20.0) < 1e-9) {
                        double tc = fabs(e_tc[b][j] - e_tc[a][j]) / 20.0;
                        o->worst_tc = tc > o->worst_tc ? tc : o->worst_tc;
                    }
        }
    }
    return MFW_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double tt_quantile(const double *x, size_t n, double p)
{
    if (n == 0)
        return NAN;
    double *c = malloc(n * sizeof *c);
    if (c == NULL)
        return NAN;
    memcpy(c, x, n * sizeof *c);
    qsort(c, n, sizeof *c, cmp_double);
    size_t k = (size_t)ceil(p * (double)n);
    if (k < 1)
        k = 1;
    double v = c[k - 1];
    free(c);
    return v;
}
