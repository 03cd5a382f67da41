/* SPDX-License-Identifier: Apache-2.0 */
/* Metrology: per-sample integer accumulation, per-window physics in single precision.
 *
 * Per sample set (the hot path, integer only):
 *   - one reference oscillator shared by all phases: cos/sin of the fundamental in Q30 by a
 *     rotation recurrence (4 multiplies), resynchronised every MFW_METRO_CHUNK samples to the
 *     exact phase of a 32-bit phase accumulator locked to the measured line frequency, handed to
 *     the products in Q20;
 *   - per phase: sum v, sum i, sum v^2, i^2, v*i, the four products v*cos, v*sin, i*cos, i*sin of
 *     a synchronous (single-bin DFT) demodulator and v(n-1)*(i(n)-i(n-2)); and whether a sample
 *     reached the ADC's range (clipping);
 *   - zero crossings of one phase voltage (armed below a threshold, ADE9000 UG-1098 p.25 style
 *     noise guard) mark the line cycles; 10 cycles (12 at 60 Hz) make a window
 *     (IEC 61000-4-30 class S aggregation).
 *
 * Per window (single precision float, ~5 times a second; no double anywhere: the Cortex-M4F FPU
 * is single precision, and float's 24-bit mantissa keeps every step below 0.1 ppm of energy):
 *   - the line frequency from the linearly interpolated crossing times (ADE9000 UG-1098 p.27);
 *   - DC and fundamental phasor of every channel by solving the 3x3 system of a "DC + sinusoid
 *     at the measured frequency" model against the demodulator sums and the exactly known
 *     geometric sums of the reference (which ran at the previous window's frequency). Every angle
 *     is an integer phase (2^32 = one turn) before it becomes a float in [-pi, pi), so no float
 *     ever holds a large angle. A window holds a whole number of SAMPLES, not of cycles; the solve
 *     removes the leakage of the negative-frequency image, of DC and of a reference that is off
 *     frequency (the first window after start-up runs at the nominal frequency);
 *   - total P and rms from the sums with the DC removed, fundamental P1/Q1 from the phasors;
 *   - compensation (metrology.h): gains with temperature and self-heating, the current-dependent
 *     gain and phase points, the delay (applied as a phase rotation of the fundamental at the
 *     measured frequency and to first order to the harmonics), offsets;
 *   - energy: P and Q1 in whole uW times the window's samples, carried exactly in integers into
 *     whole uWh (the remainder is kept in units of 1/(1000 fs) uJ, never dropped).
 */
#include <math.h>
#include <string.h>

#include "meterfw/base/error.h"
#include "meterfw/metrology/metrology.h"

#define PI_F 3.14159265358979f
#define TWO_PI_F 6.28318530718f
#define SQRT2_F 1.41421356237f
#define TURN 4294967296.0f    /* 2^32: one turn of a phase */
#define Q30 1073741824.0f     /* 2^30 */
#define REF_AMPLITUDE 1048576 /* the demodulator sums are in Q20 of the reference */
#define RAD_TO_DEG (360.0f / TWO_PI_F)

/* ZC arming threshold, as a peak voltage: the reference must swing below -20 V peak (14 V rms)
 * between two crossings, so noise and harmonics cannot make extra crossings. */
#define ZC_ARM_VOLTS 20.0f

/* ---- small helpers --------------------------------------------------------------------------- */

struct cplx {
    float re, im;
};

/* A phase (2^32 = one turn) as an angle in [-pi, pi). */
static float ph2rad(uint32_t ph)
{
    return (float)(int32_t)ph * (TWO_PI_F / TURN);
}

static uint32_t inc_for(float f, uint32_t fs)
{
    return (uint32_t)(f / (float)fs * TURN + 0.5f);
}

/* sum_{k<n} exp(j (phi0 + k inc)) = exp(j (phi0 + (n-1) inc/2)) sin(n inc/2) / sin(inc/2): the
 * reference's own leakage terms, exact for any n (angles reduced in integer phase). */
static struct cplx geo(uint32_t phi0, int32_t inc, uint32_t n)
{
    float d = (float)n;
    if (inc != 0)
        d = sinf(ph2rad((uint32_t)((int64_t)n * inc / 2))) / sinf((float)inc * (PI_F / TURN));
    float a = ph2rad(phi0 + (uint32_t)((int64_t)(n - 1u) * inc / 2));
    return (struct cplx){d * cosf(a), d * sinf(a)};
}

static float maxf(float a, float b)
{
    return a > b ? a : b;
}

/* float watts to whole microwatts: the whole watts and the fraction apart, so a power that is a
 * whole number of watts (a fast-fidelity block) is exact however large. */
static int64_t to_micro(float w)
{
    float whole = truncf(w);
    float frac = w - whole; /* exact */
    float uf = frac * 1e6f;
    return (int64_t)whole * 1000000 + (int64_t)(uf >= 0.0f ? uf + 0.5f : uf - 0.5f);
}

void mfw_metrology_default_config(struct mfw_metrology_config *cfg, uint8_t phases, uint32_t fs_hz,
                                  uint8_t f_nominal_hz)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->phases = phases;
    cfg->fs_hz = fs_hz;
    cfg->f_nominal_hz = f_nominal_hz;
    cfg->summation = MFW_SUM_VECTOR;
    cfg->creep_current_a = (float)MFW_CREEP_CURRENT_A;
    cfg->voltage_present_v = 50.0f;
    cfg->t_ref_c = 23.0f;     /* IEC 62052-11 reference temperature */
    cfg->clip_code = 8388607; /* 2^23 - 1: a 24-bit converter at either end of its range */
    for (unsigned p = 0; p < MFW_PHASES_MAX; p++) {
        cfg->cal[p].v_gain = 1.0f;
        cfg->cal[p].i_gain = 1.0f;
    }
    cfg->i_n_gain = 1.0f;
}

/* The oscillator's per-sample rotation in Q30. cos(a) near 1 is taken as 1 - 2 sin^2(a/2) in
 * integers: a float cosf(a) * 2^30 is only good to 64 LSB there, and |rotation| - 1 of 3e-8
 * grows the amplitude by 4e-6 over 128 steps (a few ppm of Q). */
static void set_rotation(struct mfw_metrology *mt)
{
    float a = ph2rad(mt->theta_inc), h = sinf(0.5f * a);
    mt->rot_c = (int32_t)(1073741824 - (int32_t)lrintf(2.0f * h * h * Q30));
    mt->rot_s = (int32_t)lrintf(sinf(a) * Q30);
    mt->osc_left = 0; /* resynchronise at the next sample */
}

int mfw_metrology_init(struct mfw_metrology *mt, const struct mfw_metrology_config *cfg)
{
    if (!mt || !cfg || cfg->phases < 1 || cfg->phases > MFW_PHASES_MAX)
        return MFW_E_ARG;
    if (cfg->fs_hz < 1000 || cfg->fs_hz > 32000)
        return MFW_E_ARG;
    if (cfg->f_nominal_hz != 50 && cfg->f_nominal_hz != 60)
        return MFW_E_ARG;
    if (cfg->clip_code < 1 || cfg->clip_code > (1 << 30))
        return MFW_E_ARG;
    for (unsigned p = 0; p < cfg->phases; p++) {
        const struct mfw_metrology_cal_phase *c = &cfg->cal[p];
        if (!(c->v_gain > 0.0f) || !(c->i_gain > 0.0f) || c->n_points > MFW_CAL_POINTS)
            return MFW_E_ARG;
        for (unsigned k = 0; k < c->n_points; k++)
            if (!(c->point[k].gain > 0.0f) || (k > 0 && !(c->point[k].i_a > c->point[k - 1].i_a)))
                return MFW_E_ARG;
    }
    memset(mt, 0, sizeof(*mt));
    mt->config = *cfg;
    mt->freq_hz = (float)cfg->f_nominal_hz;
    mt->temperature = cfg->t_ref_c;
    mt->theta_inc = inc_for(mt->freq_hz, cfg->fs_hz);
    set_rotation(mt);
    mt->cycles_per_window =
        cfg->f_nominal_hz == 60 ? MFW_WINDOW_CYCLES_60HZ : MFW_WINDOW_CYCLES_50HZ;
    mt->zc_threshold = (int32_t)lrintf(ZC_ARM_VOLTS / cfg->cal[0].v_gain);
    /* A cycle without a crossing (no voltage) ends after the longest valid period. */
    mt->cycle_max = (uint32_t)((float)cfg->fs_hz / (float)MFW_FREQ_MIN_HZ);
    for (unsigned p = 0; p < MFW_PHASES_MAX; p++) {
        mt->cyc_vmin[p] = INFINITY;
        mt->cyc_vmax[p] = 0.0f;
    }
    return MFW_OK;
}

void mfw_metrology_set_temperature(struct mfw_metrology *mt, float t_c)
{
    if (t_c > -100.0f && t_c < 200.0f) /* a sensor fault reads far outside: keep the last */
        mt->temperature = t_c;
}

/* ---- energy routing (shared by the sample path and the fast fidelity) ---------------------- */

/* Carry units per uWh: 1 uWh = 3600 uJ, one unit is 1/(1000 fs) uJ. */
static uint64_t units_per_uwh(const struct mfw_metrology *mt)
{
    return 3600000ull * mt->config.fs_hz;
}

/* Adds `whole` uWh and `units` carry units to one register; the carry keeps the remainder. */
static void add_energy(struct mfw_metrology *mt, unsigned slot, enum mfw_energy_qty q,
                       uint64_t whole, uint64_t units)
{
    const uint64_t u = units_per_uwh(mt);
    uint64_t c = mt->carry[slot][q] + units;
    mt->pending.uwh[slot][q] += whole + c / u;
    mt->carry[slot][q] = c % u;
}

/* How long the energy of one routing lasted: a window of n samples, or a block of ms. */
struct span {
    uint32_t samples; /* window: samples */
    uint64_t ms;      /* block: milliseconds (samples == 0) */
};

/* |x| uW (or uvar) over a span into one register, exactly. */
static void add_power(struct mfw_metrology *mt, unsigned slot, enum mfw_energy_qty q, uint64_t x,
                      const struct span *s)
{
    if (s->samples > 0) {
        add_energy(mt, slot, q, 0, x * s->samples * 1000u);
        return;
    }
    /* uW x whole hours = uWh; the rest of an hour in uW ms (1 uWh = 3.6e6 uW ms), its remainder
     * in carry units (1 uW ms = fs units) */
    uint64_t hours = s->ms / 3600000u, rest = s->ms % 3600000u;
    uint64_t uw_ms = x * rest;
    add_energy(mt, slot, q, x * hours + uw_ms / 3600000u, (uw_ms % 3600000u) * mt->config.fs_hz);
}

static uint64_t mag(int64_t x)
{
    return x < 0 ? (uint64_t)(-x) : (uint64_t)x;
}

/* Active power p and reactive power q (uW, uvar, signed) over a span into one slot's registers. */
static void route(struct mfw_metrology *mt, unsigned slot, int64_t p, int64_t q,
                  const struct span *s)
{
    add_power(mt, slot, p >= 0 ? MFW_EQ_AP : MFW_EQ_AM, mag(p), s);
    if (q >= 0) {
        add_power(mt, slot, MFW_EQ_RP, mag(q), s);
        add_power(mt, slot, p >= 0 ? MFW_EQ_RQ1 : MFW_EQ_RQ2, mag(q), s);
    } else {
        add_power(mt, slot, MFW_EQ_RM, mag(q), s);
        add_power(mt, slot, p >= 0 ? MFW_EQ_RQ4 : MFW_EQ_RQ3, mag(q), s);
    }
}

/* Energy of one window/block: per phase, then totals by the configured summation. A phase below
 * the creep threshold contributes nothing (IEC 62053-21 no-load condition). */
static void account(struct mfw_metrology *mt, const struct span *s, float time_scale)
{
    struct mfw_metrology_values *v = &mt->values;
    int64_t p_sum = 0, q_sum = 0;
    for (unsigned p = 0; p < mt->config.phases; p++) {
        const struct mfw_phase_values *ph = &v->ph[p];
        if (ph->creep)
            continue;
        int64_t pw = to_micro(ph->p * time_scale), qw = to_micro(ph->q * time_scale);
        route(mt, p, pw, qw, s);
        if (mt->config.summation == MFW_SUM_PER_PHASE)
            route(mt, MFW_ENERGY_TOTAL, pw, qw, s);
        p_sum += pw;
        q_sum += qw;
    }
    if (mt->config.summation == MFW_SUM_VECTOR)
        route(mt, MFW_ENERGY_TOTAL, p_sum, q_sum, s);
}

static void finish_values(struct mfw_metrology *mt)
{
    struct mfw_metrology_values *v = &mt->values;
    v->p = v->q = v->s = 0.0f;
    for (unsigned p = 0; p < mt->config.phases; p++) {
        struct mfw_phase_values *ph = &v->ph[p];
        ph->s = ph->vrms * ph->irms;
        ph->pf = ph->s > 0.0f ? ph->p / ph->s : 0.0f;
        ph->creep = ph->irms < mt->config.creep_current_a;
        v->p += ph->p;
        v->q += ph->q;
        v->s += ph->s;
    }
    v->temperature = mt->temperature;
    v->seq++;
    mt->fresh = true;
}

/* ---- per window ----------------------------------------------------------------------------- */

void mfw_metrology_point_correction(const struct mfw_metrology_cal_phase *cal, float i_a,
                                    float *gain, float *phase_rad)
{
    *gain = 1.0f;
    *phase_rad = 0.0f;
    const unsigned n = cal->n_points;
    if (n == 0)
        return;
    const struct mfw_metrology_cal_point *pt = cal->point;
    if (i_a <= pt[0].i_a || n == 1) {
        *gain = pt[0].gain;
        *phase_rad = pt[0].phase_rad;
        return;
    }
    for (unsigned k = 1; k < n; k++) {
        if (i_a < pt[k].i_a) {
            float w = (i_a - pt[k - 1].i_a) / (pt[k].i_a - pt[k - 1].i_a);
            *gain = pt[k - 1].gain + w * (pt[k].gain - pt[k - 1].gain);
            *phase_rad = pt[k - 1].phase_rad + w * (pt[k].phase_rad - pt[k - 1].phase_rad);
            return;
        }
    }
    *gain = pt[n - 1].gain;
    *phase_rad = pt[n - 1].phase_rad;
}

/* The leakage terms of one window (struct cplx each): the reference ran at inc_r from theta0,
 * the signal's fundamental is at inc_t (the measured frequency). */
struct window_sums {
    float n;
    struct cplx g0;  /* sum exp(j n (d_t - d_r)): the signal's own bin, = n when on frequency */
    struct cplx g2;  /* sum exp(-j (2 theta0 + n (d_t + d_r))): its negative-frequency image */
    struct cplx g1r; /* sum exp(-j (theta0 + n d_r)): DC seen by the demodulator */
    struct cplx g1t; /* sum exp(j (theta0 + n d_t)): the fundamental in the plain sum */
    struct cplx h2;  /* sum exp(2j (theta0 + n d_t)): the 2f ripple of a product */
};

/* DC and fundamental phasor p of a channel, x = p e^{j phi} + conj(p) e^{-j phi} + dc with
 * phi = theta0 + n d_t, from X = sum x e^{-j theta_ref} and M = sum x: a 3x3 real solve. */
static void solve_channel(const struct window_sums *w, float x_re, float x_im, float m,
                          struct cplx *p, float *dc)
{
    const float a11 = w->g0.re + w->g2.re, a12 = -w->g0.im + w->g2.im, a13 = w->g1r.re;
    const float a21 = w->g0.im + w->g2.im, a22 = w->g0.re - w->g2.re, a23 = w->g1r.im;
    const float a31 = 2.0f * w->g1t.re, a32 = -2.0f * w->g1t.im, a33 = w->n;
    const float c11 = a22 * a33 - a23 * a32, c12 = a21 * a33 - a23 * a31,
                c13 = a21 * a32 - a22 * a31;
    const float det = a11 * c11 - a12 * c12 + a13 * c13;
    p->re = (x_re * c11 - a12 * (x_im * a33 - a23 * m) + a13 * (x_im * a32 - a22 * m)) / det;
    p->im = (a11 * (x_im * a33 - a23 * m) - x_re * c12 + a13 * (a21 * m - x_im * a31)) / det;
    *dc = (a11 * (a22 * m - x_im * a32) - a12 * (a21 * m - x_im * a31) + x_re * c13) / det;
}

/* 2 Re(px py h2) / n: what the 2f ripple of two fundamentals adds to the mean of their product
 * over a window that is not a whole number of cycles. */
static float ripple(const struct window_sums *w, struct cplx px, struct cplx py)
{
    float re = px.re * py.re - px.im * py.im, im = px.re * py.im + px.im * py.re;
    return 2.0f * (re * w->h2.re - im * w->h2.im) / w->n;
}

static void phase_window(struct mfw_metrology *mt, unsigned p, const struct window_sums *w,
                         float dt_s, float *ref_angle, bool *ref_set)
{
    const struct mfw_metrology_acc *a = &mt->win[p];
    const struct mfw_metrology_cal_phase *cal = &mt->config.cal[p];
    struct mfw_phase_values *ph = &mt->values.ph[p];
    struct mfw_metrology_raw_phase *raw = &mt->raw[p];
    const float dn = w->n, rq = 1.0f / (float)REF_AMPLITUDE;
    struct cplx vp, ip;
    float vdc, idc;
    solve_channel(w, (float)a->svc * rq, -(float)a->svs * rq, (float)a->sv, &vp, &vdc);
    solve_channel(w, (float)a->sic * rq, -(float)a->sis * rq, (float)a->si, &ip, &idc);
    const float mv = (float)a->sv / dn, mi = (float)a->si / dn;
    /* Sums of the DC-free samples, less the 2f ripple of the fundamental. */
    raw->v2 = (float)a->svv / dn - 2.0f * vdc * mv + vdc * vdc - ripple(w, vp, vp);
    raw->i2 = (float)a->sii / dn - 2.0f * idc * mi + idc * idc - ripple(w, ip, ip);
    raw->p = (float)a->svi / dn - vdc * mi - idc * mv + vdc * idc - ripple(w, vp, ip);
    /* rms phasors (sqrt2 |p| is the rms of the fundamental) */
    raw->v1_re = vp.re * SQRT2_F;
    raw->v1_im = vp.im * SQRT2_F;
    raw->i1_re = ip.re * SQRT2_F;
    raw->i1_im = ip.im * SQRT2_F;

    /* Compensation: temperature of each channel (the shunt above the input by its self-heating),
     * then the current-dependent point, then the delay at the measured frequency. */
    const float dt = mt->temperature - mt->config.t_ref_c;
    const float dti = dt + mt->self_heat_k[p];
    const float gv = cal->v_gain / (1.0f + (cal->v_tc1 + cal->v_tc2 * dt) * dt);
    const float gi0 = cal->i_gain / (1.0f + (cal->i_tc1 + cal->i_tc2 * dti) * dti);
    const float i_est = sqrtf(maxf(raw->i2, 0.0f)) * gi0;
    float pg, pph;
    mfw_metrology_point_correction(cal, i_est, &pg, &pph);
    const float gi = gi0 / pg;
    const float tau =
        cal->i_delay_s + cal->i_delay_tc * dt + pph / (TWO_PI_F * (float)mt->config.f_nominal_hz);
    /* the current channel lags by tau, i.e. by 2 pi f tau at the fundamental: advance it */
    const float d = TWO_PI_F * mt->freq_hz * tau;
    const float cd = cosf(d), sd = sinf(d);
    const float i_re = raw->i1_re * cd - raw->i1_im * sd;
    const float i_im = raw->i1_re * sd + raw->i1_im * cd;
    const float gvi = gv * gi;
    /* V1 * conj(I1): real part P1, imaginary part Q1 (positive when the current lags). */
    const float p1_raw = raw->v1_re * raw->i1_re + raw->v1_im * raw->i1_im;
    const float q1_raw = raw->v1_im * raw->i1_re - raw->v1_re * raw->i1_im;
    const float p1 = (raw->v1_re * i_re + raw->v1_im * i_im) * gvi;
    const float q1 = (raw->v1_im * i_re - raw->v1_re * i_im) * gvi;

    const float i2 = raw->i2 * gi * gi - cal->i_rms_offset;
    ph->vrms = sqrtf(maxf(raw->v2, 0.0f)) * gv;
    ph->irms = i2 > 0.0f ? sqrtf(i2) : 0.0f;
    ph->v1 = sqrtf(raw->v1_re * raw->v1_re + raw->v1_im * raw->v1_im) * gv;
    ph->i1 = sqrtf(i_re * i_re + i_im * i_im) * gi;
    /* Total P: the fundamental part re-phased exactly (above); the harmonics to first order in
     * the delay tau: P_h(true) = P_h + h w tau Q_h, and the centred-derivative sum
     * D = mean v(n-1)(i(n) - i(n-2)) = sum over h of 2 sin(h w T) Q_h, so the harmonic
     * correction is tau fs / 2 (D - D_1), with D_1 = 2 sin(w T) Q1 taken out because the
     * fundamental is already exact. */
    const float fs = (float)mt->config.fs_hz;
    const float d_all = (float)a->svd / dn;
    const float d_fund = 2.0f * sinf(TWO_PI_F * mt->freq_hz / fs) * q1_raw;
    const float p_harm = tau * fs * 0.5f * (d_all - d_fund);
    ph->p = (raw->p + p_harm - p1_raw) * gvi + p1 - cal->p_offset;
    ph->p1 = p1 - cal->p_offset;
    ph->q = q1 - cal->q_offset;
    ph->angle_deg = atan2f(ph->q, ph->p1) * RAD_TO_DEG;
    ph->voltage_present = ph->vrms >= mt->config.voltage_present_v;
    ph->clipped_v = (mt->clip_v >> p) & 1u;
    ph->clipped_i = (mt->clip_i >> p) & 1u;
    const float va = atan2f(raw->v1_im, raw->v1_re);
    if (!*ref_set && ph->voltage_present) {
        *ref_angle = va;
        *ref_set = true;
    }
    float rel = (va - *ref_angle) * RAD_TO_DEG;
    while (rel > 180.0f)
        rel -= 360.0f;
    while (rel <= -180.0f)
        rel += 360.0f;
    ph->v_angle_deg = ph->voltage_present ? rel : 0.0f;
    /* a window without a whole cycle (no voltage, or only the partial one after start-up):
     * the window's rms stands for its extremes */
    const bool cycles = mt->cyc_vmin[p] != INFINITY;
    mt->values.vrms_cycle_min[p] = cycles ? mt->cyc_vmin[p] : ph->vrms;
    mt->values.vrms_cycle_max[p] = cycles ? mt->cyc_vmax[p] : ph->vrms;
    mt->cyc_vmin[p] = INFINITY;
    mt->cyc_vmax[p] = 0.0f;
    /* the shunt's own thermal model: first order towards k I^2 (backward Euler, stable) */
    if (cal->self_heat_k_per_a2 > 0.0f && cal->self_heat_tau_s > 0.0f) {
        float target = cal->self_heat_k_per_a2 * ph->irms * ph->irms;
        mt->self_heat_k[p] += (target - mt->self_heat_k[p]) * dt_s / (cal->self_heat_tau_s + dt_s);
    }
}

static void close_window(struct mfw_metrology *mt)
{
    struct mfw_metrology_values *v = &mt->values;
    const uint32_t n = mt->win_n;
    const float fs = (float)mt->config.fs_hz;

    /* Line frequency from the crossings that opened and closed the window. */
    bool locked = mt->win_forced == 0 && mt->zc_open_valid && mt->win_cycles > 0;
    if (locked) {
        float span = mt->zc_close - mt->zc_open;
        float f = span > 0.0f ? (float)mt->win_cycles * fs / span : 0.0f;
        if (f >= (float)MFW_FREQ_MIN_HZ && f <= (float)MFW_FREQ_MAX_HZ)
            mt->freq_hz = f;
        else
            locked = false;
    }
    /* Not measured in this window: with no crossing at all (no voltage) the nominal frequency
     * (the fallback); a window cut short by a flush, or with the voltage lost in it, keeps the
     * last measured one (the reading after a shutdown's flush is not the nominal). */
    if (!locked && !mt->flushing && mt->win_forced >= mt->win_cycles)
        mt->freq_hz = (float)mt->config.f_nominal_hz;

    /* The reference ran at theta_inc (constant in the window); the signal is at the frequency
     * just measured (when not locked, the reference's own). */
    const int32_t inc_r = (int32_t)mt->theta_inc;
    const int32_t inc_t = locked ? (int32_t)inc_for(mt->freq_hz, mt->config.fs_hz) : inc_r;
    const uint32_t t0 = mt->win_theta0;
    struct window_sums w = {.n = (float)n};
    w.g0 = geo(0, inc_t - inc_r, n);
    w.g2 = geo(2u * t0, inc_t + inc_r, n);
    w.g2.im = -w.g2.im;
    w.g1r = geo(t0, inc_r, n);
    w.g1r.im = -w.g1r.im;
    w.g1t = geo(t0, inc_t, n);
    w.h2 = geo(2u * t0, 2 * inc_t, n);

    /* The sample clock's temperature drift (the crystal's parabola, a type constant): the
     * window lasted n / (fs (1 + e)) of real time, the line's frequency is (1 + e) times what
     * the samples say; the powers themselves do not depend on the clock. */
    const float dtc = mt->temperature - mt->config.clock_turnover_c;
    const float clock = 1.0f + mt->config.clock_tc2_ppm * 1e-6f * dtc * dtc;
    const float dt_s = (float)n / fs / clock;
    float ref_angle = 0.0f;
    bool ref_set = false;
    for (unsigned p = 0; p < mt->config.phases; p++)
        phase_window(mt, p, &w, dt_s, &ref_angle, &ref_set);
    {
        const float mn = (float)mt->win_sn / w.n;
        const float in2 = (float)mt->win_snn / w.n - mn * mn;
        v->i_n = in2 > 0.0f ? sqrtf(in2) * mt->config.i_n_gain : 0.0f;
    }
    v->duration_s = dt_s;
    v->samples = n;
    v->freq_hz = mt->freq_hz * clock;
    v->freq_locked = locked;
    finish_values(mt);
    const struct span s = {.samples = n};
    account(mt, &s, 1.0f / clock);

    /* Zero-crossing reference for the next window: keep the phase if it has voltage, else the
     * first phase that has. */
    if (!v->ph[mt->zc_phase].voltage_present) {
        for (unsigned p = 0; p < mt->config.phases; p++) {
            if (v->ph[p].voltage_present) {
                mt->zc_phase = (uint8_t)p;
                mt->zc_armed = false;
                mt->zc_threshold = (int32_t)lrintf(ZC_ARM_VOLTS / mt->config.cal[p].v_gain);
                break;
            }
        }
    }
    /* Lock the reference to the measured frequency. */
    uint32_t inc = inc_for(mt->freq_hz, mt->config.fs_hz);
    if (inc != mt->theta_inc) {
        mt->theta_inc = inc;
        set_rotation(mt);
    }

    memset(mt->win, 0, sizeof(mt->win));
    mt->win_sn = mt->win_snn = 0;
    mt->clip_v = mt->clip_i = 0;
    mt->zc_open = mt->zc_close - (float)n;
    mt->zc_open_valid = mt->last_boundary_real;
    mt->win_n = 0;
    mt->win_cycles = 0;
    mt->win_forced = 0;
    mt->win_theta0 = mt->theta;
}

/* ---- per line cycle ------------------------------------------------------------------------- */

static void close_cycle(struct mfw_metrology *mt, bool forced)
{
    const float n = (float)mt->cyc_n;
    /* a one-cycle rms only of a whole cycle: from a real crossing to the next (IEC 61000-4-30
     * Urms(1)); the partial cycle after start-up or after a cycle without voltage is not one */
    const bool whole = !forced && mt->last_boundary_real;
    for (unsigned p = 0; p < mt->config.phases; p++) {
        struct mfw_metrology_acc *c = &mt->cyc[p], *w = &mt->win[p];
        if (n > 0.0f && whole) {
            float m = (float)c->sv / n;
            float v2 = (float)c->svv / n - m * m;
            float vr = sqrtf(maxf(v2, 0.0f)) * mt->config.cal[p].v_gain;
            if (vr < mt->cyc_vmin[p])
                mt->cyc_vmin[p] = vr;
            if (vr > mt->cyc_vmax[p])
                mt->cyc_vmax[p] = vr;
        }
        w->sv += c->sv;
        w->si += c->si;
        w->svv += c->svv;
        w->sii += c->sii;
        w->svi += c->svi;
        w->svc += c->svc;
        w->svs += c->svs;
        w->sic += c->sic;
        w->sis += c->sis;
        w->svd += c->svd;
        memset(c, 0, sizeof(*c));
    }
    mt->win_sn += mt->cyc_sn;
    mt->win_snn += mt->cyc_snn;
    mt->cyc_sn = mt->cyc_snn = 0;
    mt->win_n += mt->cyc_n;
    mt->cyc_n = 0;
    mt->win_cycles++;
    if (forced)
        mt->win_forced++;
    mt->last_boundary_real = !forced;
    if (mt->win_cycles >= mt->cycles_per_window)
        close_window(mt);
}

/* ---- per sample ----------------------------------------------------------------------------- */

/* The per-sample work of one phase (the hot loop's body): products into the chunk's sums, the
 * history of the centred derivative, the largest biased code of each channel (clipping). */
#define PHASE_SUMS_DECLARE(p)                                                                      \
    int64_t sv = 0, si = 0, svv = 0, sii = 0, svi = 0, svc = 0, svs = 0, sic = 0, sis = 0;         \
    int64_t svd = 0;                                                                               \
    int32_t v1 = mt->hist_v[p], i1 = mt->hist_i1[p], i2 = mt->hist_i2[p];                          \
    uint64_t mv = 0, mi = 0

/* Every product is of two int32 (a 32x32->64 multiply-accumulate, SMLAL on a Cortex-M4). */
#define PHASE_SUMS_SAMPLE(p, k, c_, s_)                                                            \
    do {                                                                                           \
        const int32_t v = f[k].v[p], i = f[k].i[p];                                                \
        const int32_t c = (c_), s = (s_);                                                          \
        const int64_t vv = (int64_t)v * v, ii = (int64_t)i * i;                                    \
        mv = (uint64_t)vv > mv ? (uint64_t)vv : mv;                                                \
        mi = (uint64_t)ii > mi ? (uint64_t)ii : mi;                                                \
        sv += v;                                                                                   \
        si += i;                                                                                   \
        svv += vv;                                                                                 \
        sii += ii;                                                                                 \
        svi += (int64_t)v * i;                                                                     \
        svc += (int64_t)v * c;                                                                     \
        svs += (int64_t)v * s;                                                                     \
        sic += (int64_t)i * c;                                                                     \
        sis += (int64_t)i * s;                                                                     \
        svd += (int64_t)v1 * (i - i2); /* v(n-1) * (i(n) - i(n-2)): centred derivative */          \
        i2 = i1;                                                                                   \
        i1 = i;                                                                                    \
        v1 = v;                                                                                    \
    } while (0)

/* The chunk's sums into the cycle. The reference is in Q30: a chunk's products sum to at most
 * 2^23 * 2^30 * MFW_METRO_CHUNK < 2^63, handed to the cycle in Q20 (rounded once per chunk).
 * Clipping: |x| >= clip_code <=> x^2 >= clip_code^2, so the largest square is all it needs. */
#define PHASE_SUMS_STORE(p)                                                                        \
    do {                                                                                           \
        mt->hist_v[p] = v1;                                                                        \
        mt->hist_i1[p] = i1;                                                                       \
        mt->hist_i2[p] = i2;                                                                       \
        mt->clip_v |= (uint32_t)(mv >= clip2) << (p);                                              \
        mt->clip_i |= (uint32_t)(mi >= clip2) << (p);                                              \
        struct mfw_metrology_acc *a = &mt->cyc[p];                                                 \
        a->svd += svd;                                                                             \
        a->sv += sv;                                                                               \
        a->si += si;                                                                               \
        a->svv += svv;                                                                             \
        a->sii += sii;                                                                             \
        a->svi += svi;                                                                             \
        a->svc += (svc + 512) >> 10;                                                               \
        a->svs += (svs + 512) >> 10;                                                               \
        a->sic += (sic + 512) >> 10;                                                               \
        a->sis += (sis + 512) >> 10;                                                               \
    } while (0)

/* Accumulates samples of f into the current cycle, up to len or to the next zero crossing: the
 * hot loop. The zero-crossing phase goes first: its loop also finds the crossing (armed below
 * -threshold, then the first sample >= 0: the previous one was negative), runs the reference
 * oscillator (the Q30 rotation recurrence, 4 multiplies) and the neutral channel, and leaves the
 * reference in cs/sn for the other phases. Returns the samples taken; *crossed if the next one
 * starts a new cycle. */
static uint32_t accumulate(struct mfw_metrology *mt, const struct mfw_adc_frame *f, uint32_t len,
                           int32_t *cs, int32_t *sn, bool *crossed)
{
    const uint64_t clip2 = (uint64_t)mt->config.clip_code * (uint64_t)mt->config.clip_code;
    const unsigned zp = mt->zc_phase, phases = mt->config.phases;
    const int32_t thr = -mt->zc_threshold;
    uint32_t k = 0;
    *crossed = false;
    {
        PHASE_SUMS_DECLARE(zp);
        const int32_t rc = mt->rot_c, rs = mt->rot_s;
        int32_t oc = mt->osc_c, os = mt->osc_s;
        int64_t sn_ = 0, snn = 0;
        bool armed = mt->zc_armed;
        /* A crossing is the first sample >= 0 once the voltage went below -threshold (armed):
         * the loop in two halves, looking for the one and then for the other, and each with
         * and without handing the reference on (a 1-phase meter has no other phase). */
#define ZC_PHASE_BODY(store)                                                                       \
    do {                                                                                           \
        PHASE_SUMS_SAMPLE(zp, k, oc, os);                                                          \
        const int32_t x = f[k].i_n;                                                                \
        sn_ += x;                                                                                  \
        snn += (int64_t)x * x;                                                                     \
        if (store) {                                                                               \
            cs[k] = oc;                                                                            \
            sn[k] = os;                                                                            \
        }                                                                                          \
        /* truncating shifts: a bias of 2^-30 per step, < 128 steps before a resync */             \
        const int32_t c2 = (int32_t)(((int64_t)oc * rc - (int64_t)os * rs) >> 30);                 \
        os = (int32_t)(((int64_t)os * rc + (int64_t)oc * rs) >> 30);                               \
        oc = c2;                                                                                   \
    } while (0)
#define ZC_PHASE_LOOP(store)                                                                       \
    do {                                                                                           \
        if (!armed) {                                                                              \
            while (k < len) {                                                                      \
                const bool below = f[k].v[zp] < thr;                                               \
                ZC_PHASE_BODY(store);                                                              \
                k++;                                                                               \
                if (below) {                                                                       \
                    armed = true;                                                                  \
                    break;                                                                         \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
        for (; k < len; k++) {                                                                     \
            if (f[k].v[zp] >= 0) {                                                                 \
                *crossed = true;                                                                   \
                break;                                                                             \
            }                                                                                      \
            ZC_PHASE_BODY(store);                                                                  \
        }                                                                                          \
    } while (0)
        /* a sample >= 0 that opens a cycle (one that ended without a crossing) is no crossing */
        if (armed && mt->cyc_n == 0 && len > 0 && f[0].v[zp] >= 0)
            armed = false;
        if (phases > 1)
            ZC_PHASE_LOOP(1);
        else
            ZC_PHASE_LOOP(0);
#undef ZC_PHASE_BODY
#undef ZC_PHASE_LOOP
        mt->zc_armed = armed && !*crossed;
        PHASE_SUMS_STORE(zp);
        mt->osc_c = oc;
        mt->osc_s = os;
        mt->cyc_sn += sn_;
        mt->cyc_snn += snn;
    }
    const uint32_t cut = k;
    for (unsigned p = 0; p < phases; p++) {
        if (p == zp)
            continue;
        PHASE_SUMS_DECLARE(p);
        for (k = 0; k < cut; k++)
            PHASE_SUMS_SAMPLE(p, k, cs[k], sn[k]);
        PHASE_SUMS_STORE(p);
    }
    mt->cyc_n += cut;
    return cut;
}

/* The oscillator at the exact phase theta (float cos/sin: 6e-8, far below the Q20 hand-over). */
static void resync(struct mfw_metrology *mt)
{
    float a = ph2rad(mt->theta);
    mt->osc_c = (int32_t)lrintf(cosf(a) * Q30);
    mt->osc_s = (int32_t)lrintf(sinf(a) * Q30);
    mt->osc_left = MFW_METRO_CHUNK;
}

void mfw_metrology_samples(struct mfw_metrology *mt, const struct mfw_adc_frame *f, size_t n)
{
    int32_t cs[MFW_METRO_CHUNK], sn[MFW_METRO_CHUNK];
    while (n > 0) {
        /* The oscillator runs at most MFW_METRO_CHUNK samples past its last resynchronisation
         * before a block starts with a new one (< 2 MFW_METRO_CHUNK steps in all). */
        if (mt->osc_left == 0)
            resync(mt);
        /* A block ends at the first zero crossing, at the end of an over-long cycle, or after
         * MFW_METRO_CHUNK samples. */
        const uint32_t room = mt->cycle_max - mt->cyc_n; /* samples left before a forced end */
        uint32_t len = n < MFW_METRO_CHUNK ? (uint32_t)n : MFW_METRO_CHUNK;
        if (len > room)
            len = room;
        const unsigned zp = mt->zc_phase;
        const int32_t prev = mt->hist_v[zp]; /* the sample before f[0] */
        bool crossed;
        const uint32_t cut = accumulate(mt, f, len, cs, sn, &crossed);
        const bool forced = !crossed && cut == room;
        if (crossed) {
            /* between the previous sample and this one: interpolate */
            const int32_t x = f[cut].v[zp];
            const int32_t p0 = cut > 0 ? f[cut - 1].v[zp] : prev;
            float frac = (float)p0 / ((float)p0 - (float)x);
            mt->zc_close = (float)(mt->win_n + mt->cyc_n) - 1.0f + frac;
        }
        mt->theta += cut * mt->theta_inc;
        mt->osc_left = cut < mt->osc_left ? mt->osc_left - cut : 0;
        f += cut;
        n -= cut;
        if (crossed || forced) {
            if (forced)
                mt->zc_close = (float)(mt->win_n + mt->cyc_n);
            close_cycle(mt, forced);
        }
    }
}

void mfw_metrology_flush(struct mfw_metrology *mt)
{
    mt->flushing = true;
    if (mt->cyc_n > 0) {
        uint8_t keep = mt->cycles_per_window;
        mt->cycles_per_window = UINT8_MAX; /* fold the cycle without closing the window */
        close_cycle(mt, true);
        mt->cycles_per_window = keep;
    }
    if (mt->win_n > 0)
        close_window(mt);
    mt->flushing = false;
}

/* ---- fast fidelity -------------------------------------------------------------------------- */

void mfw_metrology_block(struct mfw_metrology *mt, const struct mfw_metrology_block *b)
{
    struct mfw_metrology_values *v = &mt->values;
    for (unsigned p = 0; p < mt->config.phases; p++) {
        struct mfw_phase_values *ph = &v->ph[p];
        memset(ph, 0, sizeof(*ph));
        ph->vrms = ph->v1 = b->ph[p].vrms;
        ph->irms = ph->i1 = b->ph[p].irms;
        ph->p = ph->p1 = b->ph[p].p;
        ph->q = b->ph[p].q;
        ph->angle_deg = (ph->p != 0.0f || ph->q != 0.0f) ? atan2f(ph->q, ph->p) * RAD_TO_DEG : 0.0f;
        ph->v_angle_deg = b->ph[p].v_angle_deg;
        ph->voltage_present = ph->vrms >= mt->config.voltage_present_v;
        v->vrms_cycle_min[p] = v->vrms_cycle_max[p] = ph->vrms;
    }
    v->i_n = b->i_n;
    v->samples = 0;
    v->duration_s = b->duration_s;
    v->freq_hz = b->freq_hz;
    v->freq_locked = true;
    mt->freq_hz = b->freq_hz;
    finish_values(mt);
    const struct span s = {.ms = b->duration_s > 0.0f ? (uint64_t)(b->duration_s * 1000.0f + 0.5f)
                                                      : 0u};
    account(mt, &s, 1.0f);
}

/* ---- outputs -------------------------------------------------------------------------------- */

bool mfw_metrology_read(struct mfw_metrology *mt, struct mfw_metrology_values *out)
{
    if (!mt->fresh)
        return false;
    *out = mt->values;
    mt->fresh = false;
    return true;
}

void mfw_metrology_drain(struct mfw_metrology *mt, struct mfw_energy_delta *d)
{
    *d = mt->pending;
    memset(&mt->pending, 0, sizeof(mt->pending));
}

const struct mfw_metrology_raw_phase *mfw_metrology_raw(const struct mfw_metrology *mt,
                                                        unsigned phase)
{
    return phase < MFW_PHASES_MAX ? &mt->raw[phase] : NULL;
}
