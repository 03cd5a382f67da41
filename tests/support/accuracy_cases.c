/* SPDX-License-Identifier: Apache-2.0 */
#include "accuracy_cases.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "meterfw/base/error.h"
#include "meterfw/metrology/calibration.h"
#include "meterfw/metrology/metrology.h"

#define ACC_PI 3.14159265358979323846
#define IB 5.0 /* Ib = Iref of a 5(100) A meter */
#define IMAX 100.0
#define UN 230.0
#define CHUNK 40 /* samples per feed: far less than a window, so one window per feed */

/* ---- the front end's sensor errors ----------------------------------------------------------- */

void acc_sensor_errors(struct afe_config *c)
{
    /* Deliberate, as a production meter has before calibration: divider and shunt tolerances
     * of a few per cent, shunt/filter phase errors of tenths of a degree, ADC offsets. */
    static const double v_gain[3] = {+0.015, -0.008, +0.003};
    static const double i_gain[3] = {-0.020, +0.012, +0.007};
    static const double i_phase[3] = {0.30, -0.20, 0.50};
    static const double v_phase[3] = {0.05, 0.02, -0.03};
    for (unsigned p = 0; p < MFW_PHASES_MAX; p++) {
        c->v_sensor[p] = (struct afe_sensor){v_gain[p], v_phase[p], 1500.0};
        c->i_sensor[p] = (struct afe_sensor){i_gain[p], i_phase[p], -800.0};
    }
    c->n_sensor = (struct afe_sensor){0.01, 0.1, 300.0};
}

/* ---- driving the meter's metrology from the front end --------------------------------------- */

struct rig {
    struct afe afe;
    struct mfw_metrology mt;
    struct mfw_adc_frame buf[CHUNK];
};

/* Feeds samples until the next window completes; returns its values. */
static void next_window(struct rig *r, struct mfw_metrology_values *v)
{
    for (;;) {
        afe_generate(&r->afe, r->buf, CHUNK);
        mfw_metrology_samples(&r->mt, r->buf, CHUNK);
        if (mfw_metrology_read(&r->mt, v))
            return;
    }
}

static void rig_afe(struct rig *r, uint8_t phases, uint32_t fs, double f_nominal, double snr,
                    uint64_t seed)
{
    struct afe_config ac;
    afe_default_config(&ac, phases, fs, IMAX);
    acc_sensor_errors(&ac);
    ac.f_nominal_hz = f_nominal;
    ac.snr_db = snr;
    ac.seed = seed;
    afe_init(&r->afe, &ac);
}

/* Production-line calibration of one meter: reference load, then no load (calibration.h). */
static int calibrate(uint8_t phases, uint32_t fs, double f_nominal,
                     struct mfw_metrology_config *out)
{
    static struct rig r; /* bench program state, not firmware: large, kept off the stack */
    rig_afe(&r, phases, fs, f_nominal, 101.0, 99);
    mfw_metrology_default_config(out, phases, fs, (uint8_t)f_nominal);
    for (unsigned p = 0; p < phases; p++) {
        out->cal[p].v_gain = afe_volts_per_code(&r.afe);
        out->cal[p].i_gain = afe_amps_per_code(&r.afe);
    }
    out->i_n_gain = afe_amps_per_code(&r.afe);
    int rc = mfw_metrology_init(&r.mt, out);
    if (rc != MFW_OK)
        return rc;
    struct afe_state st;
    struct mfw_calibration_acc acc[MFW_PHASES_MAX];
    struct mfw_metrology_values v;
    const struct mfw_calibration_reference ref = {UN, IB, 60.0}; /* PF 0.5 inductive at Iref */
    for (int step = 0; step < 2; step++) {
        afe_state_sine(&st, phases, UN, step == 0 ? IB : 0.0, 60.0, f_nominal);
        afe_set(&r.afe, &st);
        for (int w = 0; w < 5; w++) /* settle: lock to the frequency */
            next_window(&r, &v);
        for (unsigned p = 0; p < phases; p++)
            mfw_calibration_reset(&acc[p]);
        for (int w = 0; w < 20; w++) { /* 4 s */
            next_window(&r, &v);
            for (unsigned p = 0; p < phases; p++)
                mfw_calibration_add(&acc[p], mfw_metrology_raw(&r.mt, p), v.freq_hz);
        }
        for (unsigned p = 0; p < phases; p++) {
            rc = step == 0 ? mfw_calibration_gain_phase(&out->cal[p], &acc[p], &ref)
                           : mfw_calibration_no_load(&out->cal[p], &acc[p]);
            if (rc != MFW_OK)
                return rc;
        }
    }
    return MFW_OK;
}

static const struct mfw_metrology_config *calibration_for(const struct acc_case *c,
                                                          struct acc_cal_cache *cache)
{
    for (unsigned k = 0; k < cache->n; k++) {
        const struct acc_cal_entry *e = &cache->e[k];
        if (e->phases == c->phases && e->fs_hz == c->fs_hz && e->f_nominal_hz == c->f_nominal_hz)
            return &e->cfg;
    }
    if (cache->n >= sizeof(cache->e) / sizeof(cache->e[0]))
        return NULL;
    struct acc_cal_entry *e = &cache->e[cache->n];
    if (calibrate(c->phases, c->fs_hz, c->f_nominal_hz, &e->cfg) != MFW_OK)
        return NULL;
    e->phases = c->phases;
    e->fs_hz = c->fs_hz;
    e->f_nominal_hz = c->f_nominal_hz;
    cache->n++;
    return &e->cfg;
}

static void case_state(const struct acc_case *c, struct afe_state *st)
{
    memset(st, 0, sizeof(*st));
    st->freq_hz = c->freq_hz;
    for (unsigned p = 0; p < c->phases; p++) {
        struct afe_phase *ph = &st->ph[p];
        double va = p == 0 ? 0.0 : (((p == 1) != c->reversed) ? -120.0 : 120.0);
        ph->v.rms = c->u_v;
        ph->v.phase_deg = va;
        ph->v.n_harmonics = c->n_vh;
        memcpy(ph->v.h, c->vh, sizeof(c->vh));
        if (c->loaded_mask & (1u << p)) {
            ph->i.rms = c->i_a;
            ph->i.phase_deg = va - c->phi_deg;
            ph->i.n_harmonics = c->n_ih;
            memcpy(ph->i.h, c->ih, sizeof(c->ih));
            ph->i.dc = c->i_dc_frac * c->i_a;
        }
    }
}

int acc_run(const struct acc_case *c, struct acc_cal_cache *cache, struct acc_result *res)
{
    static struct rig r;
    const struct mfw_metrology_config *cfg = calibration_for(c, cache);
    if (!cfg)
        return MFW_E_STATE;
    /* a different noise sequence per case */
    uint64_t seed = 1469598103934665603ull;
    for (const char *s = c->name; *s; s++)
        seed = (seed ^ (uint8_t)*s) * 1099511628211ull;
    seed ^= (uint64_t)(c->i_a * 1e6) * 31 + (uint64_t)((c->phi_deg + 360.0) * 1e3) * 7 +
            (uint64_t)(c->freq_hz * 1e3);
    rig_afe(&r, c->phases, c->fs_hz, c->f_nominal_hz, c->snr_db, seed);
    int rc = mfw_metrology_init(&r.mt, cfg);
    if (rc != MFW_OK)
        return rc;
    struct afe_state st;
    case_state(c, &st);
    afe_set(&r.afe, &st);

    struct mfw_metrology_values v;
    struct mfw_energy_delta d;
    for (int w = 0; w < 5; w++)
        next_window(&r, &v);
    mfw_metrology_drain(&r.mt, &d); /* start on a window boundary */
    double t = 0.0;
    while (t < c->seconds - 1e-9) {
        next_window(&r, &v);
        t += v.duration_s;
    }
    mfw_metrology_drain(&r.mt, &d);

    struct afe_quantities truth;
    afe_state_quantities(&st, c->phases, t, &truth);
    double p = 0.0, q = 0.0, s = 0.0;
    for (unsigned k = 0; k < c->phases; k++) {
        p += truth.ph[k].p;
        q += truth.ph[k].q;
        s += truth.ph[k].vrms * truth.ph[k].irms;
    }
    const uint64_t *tot = d.uwh[MFW_ENERGY_TOTAL];
    if (c->quantity == ACC_ACTIVE) {
        res->reference = p * t / 3600.0;
        res->measured = (p >= 0.0 ? (double)tot[MFW_EQ_AP] : -(double)tot[MFW_EQ_AM]) / 1e6;
    } else {
        res->reference = q * t / 3600.0;
        res->measured = (q >= 0.0 ? (double)tot[MFW_EQ_RP] : -(double)tot[MFW_EQ_RM]) / 1e6;
    }
    res->error_pct = res->reference != 0.0
                         ? (res->measured - res->reference) / fabs(res->reference) * 100.0
                         : 0.0;
    res->pf = s > 0.0 ? p / s : 0.0;
    return MFW_OK;
}

/* ---- the matrix ------------------------------------------------------------------------------ */

struct builder {
    struct acc_case *out;
    size_t cap, n;
    struct acc_case base;
};

static void add(struct builder *b, const struct acc_case *c)
{
    if (b->n < b->cap)
        b->out[b->n] = *c;
    b->n++;
}

/* IEC 62053-21 class 1 (active) limits by current and PF, Table 6 (the table numbering differs
 * between editions). */
static void active_limit(struct acc_case *c)
{
    double i = c->i_a, pf = fabs(cos(c->phi_deg * ACC_PI / 180.0));
    if (i < 0.05 * IB - 1e-9) {
        c->band = ACC_BAND_START;
        c->limit_pct = -1.0;
    } else if (pf > 0.999) {
        c->band = i < 0.1 * IB - 1e-9 ? ACC_BAND_LOW : ACC_BAND_HIGH;
        c->limit_pct = c->band == ACC_BAND_LOW ? 1.5 : 1.0;
    } else {
        c->band = i < 0.2 * IB - 1e-9 ? ACC_BAND_LOW : ACC_BAND_HIGH;
        c->limit_pct = c->band == ACC_BAND_LOW ? 1.5 : 1.0;
    }
}

/* IEC 62053-23 class 2 (reactive) limits by current and sin(phi). */
static void reactive_limit(struct acc_case *c)
{
    double i = c->i_a, sn = fabs(sin(c->phi_deg * ACC_PI / 180.0));
    if (i < 0.05 * IB - 1e-9) {
        c->band = ACC_BAND_START;
        c->limit_pct = -1.0;
    } else if (sn > 0.999) {
        c->band = i < 0.1 * IB - 1e-9 ? ACC_BAND_LOW : ACC_BAND_HIGH;
        c->limit_pct = c->band == ACC_BAND_LOW ? 2.5 : 2.0;
    } else {
        c->band = i < 0.2 * IB - 1e-9 ? ACC_BAND_LOW : ACC_BAND_HIGH;
        c->limit_pct = c->band == ACC_BAND_LOW ? 2.5 : 2.0;
    }
}

static void point(struct builder *b, const char *name, double i, double phi, enum acc_quantity q)
{
    struct acc_case c = b->base;
    snprintf(c.name, sizeof(c.name), "%s", name);
    c.i_a = i;
    c.phi_deg = phi;
    c.quantity = q;
    if (q == ACC_ACTIVE)
        active_limit(&c);
    else
        reactive_limit(&c);
    /* low currents are noisier per window: measure longer */
    c.seconds = i < 0.1 * IB ? 10.0 : (i < IB ? 4.0 : 2.0);
    add(b, &c);
}

static void current_sweep(struct builder *b, const char *name)
{
    static const double all[] = {0.02, 0.25, 0.5, 1.0, 2.5, 5.0, 50.0, 100.0};
    static const double from_itr[] = {0.5, 1.0, 2.5, 5.0, 50.0, 100.0};
    /* active: PF 1 import/export over the whole range; PF 0.5 ind / 0.8 cap, import and
     * export, from 0.1 Ib */
    for (size_t k = 0; k < sizeof(all) / sizeof(all[0]); k++) {
        point(b, name, all[k], 0.0, ACC_ACTIVE);
        point(b, name, all[k], 180.0, ACC_ACTIVE);
    }
    static const double angles[] = {60.0, -36.87, 240.0, 143.13};
    for (size_t a = 0; a < 4; a++)
        for (size_t k = 0; k < sizeof(from_itr) / sizeof(from_itr[0]); k++)
            point(b, name, from_itr[k], angles[a], ACC_ACTIVE);
    /* reactive: sin(phi) = 1 ind/cap from 0.05 Ib; sin(phi) = 0.5 in all four quadrants */
    static const double from_imin[] = {0.25, 0.5, 1.0, 5.0, 50.0, 100.0};
    for (size_t k = 0; k < sizeof(from_imin) / sizeof(from_imin[0]); k++) {
        point(b, name, from_imin[k], 90.0, ACC_REACTIVE);
        point(b, name, from_imin[k], -90.0, ACC_REACTIVE);
    }
    static const double q_angles[] = {30.0, 150.0, -150.0, -30.0};
    for (size_t a = 0; a < 4; a++)
        for (size_t k = 1; k < sizeof(from_imin) / sizeof(from_imin[0]); k++)
            point(b, name, from_imin[k], q_angles[a], ACC_REACTIVE);
}

/* A chopped current (IEC 62053-21 Table 8 influence tests) as a fundamental plus harmonics 2..39
 * and DC, from the Fourier series of one period computed numerically. kind 0: half-wave rectified
 * (DC and even harmonics); kind 1: phase-fired at 90 degrees (odd harmonics, fundamental lags). */
static void chopped(struct acc_case *c, int kind)
{
    enum { M = 4096, H = 39 };
    double a[H + 1] = {0}, b[H + 1] = {0}, c0 = 0.0;
    for (int k = 0; k < M; k++) {
        double th = 2.0 * ACC_PI * k / M, w;
        double deg = 360.0 * k / M;
        if (kind == 0)
            w = sin(th) > 0.0 ? sin(th) : 0.0;
        else
            w = (deg >= 90.0 && deg < 180.0) || deg >= 270.0 ? sin(th) : 0.0;
        c0 += w / M;
        for (int h = 1; h <= H; h++) {
            a[h] += 2.0 / M * w * cos(h * th);
            b[h] += 2.0 / M * w * sin(h * th);
        }
    }
    /* w = c0 + sum A_h sin(h th + p_h); with the fundamental's phase p_1, harmonic h's phase in
     * the AFE convention (afe.h) is p_h - h p_1 */
    double a1 = hypot(a[1], b[1]), p1 = atan2(a[1], b[1]);
    c->phi_deg = -p1 * 180.0 / ACC_PI;
    c->i_dc_frac = c0 / (a1 / sqrt(2.0));
    c->n_ih = 0;
    for (int h = 2; h <= H; h++) {
        double ah = hypot(a[h], b[h]);
        if (ah < 1e-9 * a1)
            continue;
        double ph = atan2(a[h], b[h]) - h * p1;
        c->ih[c->n_ih++] = (struct afe_harmonic){(uint8_t)h, ah / a1, ph * 180.0 / ACC_PI};
    }
}

size_t acc_cases(struct acc_case *out, size_t cap)
{
    struct builder b = {.out = out, .cap = cap};
    const struct acc_case m382 = {.phases = 3,
                                  .fs_hz = 4000,
                                  .f_nominal_hz = 50.0,
                                  .u_v = UN,
                                  .freq_hz = 50.0,
                                  .loaded_mask = 7,
                                  .snr_db = 101.0};

    /* B1: current x PF x quadrant, 382M balanced */
    b.base = m382;
    current_sweep(&b, "B1 382M I x PF");

    /* B2: frequency (IEC 62053-21 Table 8 +-2 %; +-5 % as robustness) */
    static const double freqs[] = {49.0, 51.0, 47.5, 52.5};
    for (size_t k = 0; k < 4; k++) {
        b.base = m382;
        b.base.freq_hz = freqs[k];
        point(&b, "B2 frequency", IB, 0.0, ACC_ACTIVE);
        point(&b, "B2 frequency", IB, 60.0, ACC_ACTIVE);
        point(&b, "B2 frequency", IB, 90.0, ACC_REACTIVE);
        point(&b, "B2 frequency", IB, 30.0, ACC_REACTIVE);
    }

    /* B3: voltage 0.9 / 1.1 Un */
    static const double volts[] = {0.9 * UN, 1.1 * UN};
    for (size_t k = 0; k < 2; k++) {
        b.base = m382;
        b.base.u_v = volts[k];
        point(&b, "B3 voltage", IB, 0.0, ACC_ACTIVE);
        point(&b, "B3 voltage", IB, 60.0, ACC_ACTIVE);
        point(&b, "B3 voltage", IB, 90.0, ACC_REACTIVE);
    }

    /* B4: IEC harmonics test, 0.5 Imax, 10 % 5th in V, 40 % in I, in phase: P = 1.04 P1 */
    b.base = m382;
    b.base.n_vh = b.base.n_ih = 1;
    b.base.vh[0] = (struct afe_harmonic){5, 0.10, 0.0};
    b.base.ih[0] = (struct afe_harmonic){5, 0.40, 0.0};
    point(&b, "B4 5th harmonic", 0.5 * IMAX, 0.0, ACC_ACTIVE);
    point(&b, "B4 5th harmonic", 0.5 * IMAX, 60.0, ACC_ACTIVE);
    point(&b, "B4 5th harmonic", 0.5 * IMAX, 90.0, ACC_REACTIVE);

    /* B5: distorted: voltage THD 8 % (3rd 5 %, 5th 6 %, 7th 5 %), current with every harmonic
     * 2..40 at 1/h (a rectifier-like 80 % THD), at 8000 Hz; and up to the 39th at 4000 Hz
     * (below Nyquist) */
    for (int variant = 0; variant < 2; variant++) {
        b.base = m382;
        b.base.fs_hz = variant == 0 ? 8000 : 4000;
        b.base.n_vh = 3;
        b.base.vh[0] = (struct afe_harmonic){3, 0.05, 0.0};
        b.base.vh[1] = (struct afe_harmonic){5, 0.06, 0.0};
        b.base.vh[2] = (struct afe_harmonic){7, 0.05, 0.0};
        int top = variant == 0 ? 40 : 39;
        for (int h = 2; h <= top; h++)
            b.base.ih[b.base.n_ih++] = (struct afe_harmonic){(uint8_t)h, 1.0 / h, 10.0 * h};
        const char *name = variant == 0 ? "B5 harmonics to 40th 8kHz" : "B5 to 39th 4kHz";
        point(&b, name, 10.0, 0.0, ACC_ACTIVE);
        point(&b, name, 10.0, 60.0, ACC_ACTIVE);
        point(&b, name, 10.0, 90.0, ACC_REACTIVE);
    }

    /* B6: chopped currents at 8000 Hz (IEC 62053-21 Table 8: DC and even harmonics, odd
     * harmonics; limits 3 %): half-wave rectified with 25 A fundamental, phase-fired at 90 degrees
     * at 0.5 Ib fundamental */
    for (int kind = 0; kind < 2; kind++) {
        b.base = m382;
        b.base.fs_hz = 8000;
        struct acc_case c = b.base;
        chopped(&c, kind);
        b.base = c;
        const char *name = kind == 0 ? "B6 half-wave rectified" : "B6 phase-fired 90 deg";
        double i = kind == 0 ? 25.0 : 0.5 * IB;
        size_t first = b.n;
        point(&b, name, i, c.phi_deg, ACC_ACTIVE);
        if (kind == 1)
            point(&b, name, i, c.phi_deg, ACC_REACTIVE);
        for (size_t k = first; k < b.n && k < cap; k++)
            out[k].limit_pct = 3.0;
    }

    /* B9: ADC noise 101 and 90 dB SNR at Imin, Itr, Iref */
    static const double snrs[] = {101.0, 90.0};
    static const double noisy[] = {0.25, 0.5, 5.0};
    for (size_t s = 0; s < 2; s++) {
        b.base = m382;
        b.base.snr_db = snrs[s];
        for (size_t k = 0; k < 3; k++) {
            point(&b, s == 0 ? "B9 noise 101 dB" : "B9 noise 90 dB", noisy[k], 0.0, ACC_ACTIVE);
            point(&b, s == 0 ? "B9 noise 101 dB" : "B9 noise 90 dB", noisy[k], 90.0, ACC_REACTIVE);
        }
    }

    /* B11: single element loaded with balanced voltages (limit 2 %), reversed phase sequence
     * at 0.1 Ib (limit 1.5 %) */
    for (unsigned ph = 0; ph < 3; ph++) {
        b.base = m382;
        b.base.loaded_mask = (uint8_t)(1u << ph);
        size_t first = b.n;
        point(&b, "B11 single element", IB, 0.0, ACC_ACTIVE);
        point(&b, "B11 single element", IB, 60.0, ACC_ACTIVE);
        for (size_t k = first; k < b.n && k < cap; k++)
            out[k].limit_pct = 2.0;
    }
    b.base = m382;
    b.base.reversed = true;
    {
        size_t first = b.n;
        point(&b, "B11 reversed sequence", 0.1 * IB, 0.0, ACC_ACTIVE);
        point(&b, "B11 reversed sequence", IB, 60.0, ACC_ACTIVE);
        for (size_t k = first; k < b.n && k < cap; k++)
            out[k].limit_pct = 1.5;
    }

    /* 162M: single phase, 50 Hz, and a 60 Hz variant */
    const struct acc_case m162 = {.phases = 1,
                                  .fs_hz = 4000,
                                  .f_nominal_hz = 50.0,
                                  .u_v = UN,
                                  .freq_hz = 50.0,
                                  .loaded_mask = 1,
                                  .snr_db = 101.0};
    static const double cur162[] = {0.02, 0.25, 0.5, 5.0, 100.0};
    for (int hz = 0; hz < 2; hz++) {
        b.base = m162;
        if (hz) {
            b.base.f_nominal_hz = b.base.freq_hz = 60.0;
        }
        const char *name = hz ? "162M 60 Hz" : "162M 50 Hz";
        for (size_t k = 0; k < 5; k++)
            point(&b, name, cur162[k], 0.0, ACC_ACTIVE);
        point(&b, name, IB, 60.0, ACC_ACTIVE);
        point(&b, name, IB, -36.87, ACC_ACTIVE);
        point(&b, name, IB, 90.0, ACC_REACTIVE);
        point(&b, name, IB, -150.0, ACC_REACTIVE);
    }
    return b.n;
}

/* ---- no-load (creep) ------------------------------------------------------------------------- */

int acc_creep(uint8_t phases, double seconds, double snr_db, double u_v, double i_a,
              struct acc_cal_cache *cache, uint64_t *uwh_registered, uint64_t *uwh_aplus)
{
    static struct rig r;
    struct acc_case c = {.phases = phases,
                         .fs_hz = 4000,
                         .f_nominal_hz = 50.0,
                         .u_v = u_v,
                         .i_a = i_a,
                         .freq_hz = 50.0,
                         .loaded_mask = 7,
                         .snr_db = snr_db};
    const struct mfw_metrology_config *cfg = calibration_for(&c, cache);
    if (!cfg)
        return MFW_E_STATE;
    rig_afe(&r, phases, c.fs_hz, 50.0, snr_db, 4242);
    int rc = mfw_metrology_init(&r.mt, cfg);
    if (rc != MFW_OK)
        return rc;
    struct afe_state st;
    case_state(&c, &st);
    afe_set(&r.afe, &st);
    struct mfw_metrology_values v;
    struct mfw_energy_delta d;
    double t = 0.0;
    *uwh_registered = *uwh_aplus = 0;
    while (t < seconds) {
        next_window(&r, &v);
        t += v.duration_s;
        mfw_metrology_drain(&r.mt, &d);
        for (unsigned q = 0; q < MFW_EQ_COUNT; q++)
            *uwh_registered += d.uwh[MFW_ENERGY_TOTAL][q];
        *uwh_aplus += d.uwh[MFW_ENERGY_TOTAL][MFW_EQ_AP];
    }
    return MFW_OK;
}
