/* SPDX-License-Identifier: Apache-2.0 */
/* Metrology: per-sample integer accumulation, per-window physics.
 *
 * Per sample set (the hot path, integer only):
 *   - one reference oscillator shared by all phases: a 32-bit phase accumulator locked to the
 *     measured line frequency and a Q15 sine table give cos/sin of the fundamental;
 *   - per phase: sum v, sum i, sum v^2, i^2, v*i, and the four products v*cos, v*sin, i*cos,
 *     i*sin of a synchronous (single-bin DFT) demodulator: 9 additions, 7 of them multiplies;
 *   - zero crossings of one phase voltage (armed below a threshold, ADE9000 UG-1098 p.25 style
 *     noise guard) mark the line cycles; 10 cycles (12 at 60 Hz) make a window
 *     (IEC 61000-4-30 class S aggregation).
 *
 * Per window (floating point, ~5 times a second):
 *   - the line period from the linearly interpolated crossing times (ADE9000 UG-1098 p.27);
 *   - DC and fundamental phasor of every channel by solving the 3x3 system of a "DC + sinusoid
 *     at f" model against the demodulator sums and the exactly known geometric sums of the
 *     reference over the window. A window holds a whole number of SAMPLES, not of cycles; the
 *     solve removes the leakage of the negative-frequency image and of DC that a plain DFT would
 *     keep (up to 0.06 % of P1 at 80 samples/cycle), so Q1 is exact at any frequency;
 *   - total P and rms from the sums with the DC removed, fundamental P1/Q1 from the phasors;
 *   - calibration: gains, a current-channel delay (applied as a phase rotation of the fundamental
 *     at the measured frequency: IEC 62053-21 PF 0.5 points are about the fundamental) and
 *     offsets;
 *   - energy: P*T and Q1*T in nWh, carried exactly into whole uWh.
 */
#include <math.h>
#include <string.h>

#include "meterfw/base/error.h"
#include "meterfw/metrology/metrology.h"
#include "sine_table.h"

#define TWO_PI 6.283185307179586476925286766559
#define SQRT2 1.4142135623730950488016887242097
#define PHASE_TO_INDEX_SHIFT (32u - MFW_SINE_BITS)
#define QUARTER_TURN (MFW_SINE_SIZE / 4u)
#define NWH_PER_UWH 1000.0

/* ZC arming threshold, as a peak voltage: the reference must swing below -20 V peak (14 V rms)
 * between two crossings, so noise and harmonics cannot make extra crossings. */
#define ZC_ARM_VOLTS 20.0

void mfw_metrology_default_config(struct mfw_metrology_config *cfg, uint8_t phases, uint32_t fs_hz,
                                  uint8_t f_nominal_hz)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->phases = phases;
    cfg->fs_hz = fs_hz;
    cfg->f_nominal_hz = f_nominal_hz;
    cfg->summation = MFW_SUM_VECTOR;
    cfg->creep_current_a = MFW_CREEP_CURRENT_A;
    cfg->voltage_present_v = 50.0;
    for (unsigned p = 0; p < MFW_PHASES_MAX; p++) {
        cfg->cal[p].v_gain = 1.0;
        cfg->cal[p].i_gain = 1.0;
    }
    cfg->i_n_gain = 1.0;
}

static uint32_t inc_for(double f, uint32_t fs)
{
    return (uint32_t)llround(f / (double)fs * 4294967296.0);
}

int mfw_metrology_init(struct mfw_metrology *mt, const struct mfw_metrology_config *cfg)
{
    if (!mt || !cfg || cfg->phases < 1 || cfg->phases > MFW_PHASES_MAX)
        return MFW_E_ARG;
    if (cfg->fs_hz < 1000 || cfg->fs_hz > 32000)
        return MFW_E_ARG;
    if (cfg->f_nominal_hz != 50 && cfg->f_nominal_hz != 60)
        return MFW_E_ARG;
    for (unsigned p = 0; p < cfg->phases; p++)
        if (!(cfg->cal[p].v_gain > 0.0) || !(cfg->cal[p].i_gain > 0.0))
            return MFW_E_ARG;
    memset(mt, 0, sizeof(*mt));
    mt->config = *cfg;
    mt->freq_hz = cfg->f_nominal_hz;
    mt->theta_inc = inc_for(mt->freq_hz, cfg->fs_hz);
    mt->cycles_per_window =
        cfg->f_nominal_hz == 60 ? MFW_WINDOW_CYCLES_60HZ : MFW_WINDOW_CYCLES_50HZ;
    mt->zc_threshold = (int32_t)lround(ZC_ARM_VOLTS / cfg->cal[0].v_gain);
    /* A cycle without a crossing (no voltage) ends after the longest valid period. */
    mt->cycle_max = (uint32_t)(cfg->fs_hz / MFW_FREQ_MIN_HZ);
    for (unsigned p = 0; p < MFW_PHASES_MAX; p++) {
        mt->cyc_vmin[p] = INFINITY;
        mt->cyc_vmax[p] = 0.0;
    }
    return MFW_OK;
}

/* ---- energy routing (shared by the sample path and the fast fidelity) ---------------------- */

static void add_nwh(struct mfw_metrology *mt, unsigned slot, enum mfw_energy_qty q, double nwh)
{
    double x = mt->carry_nwh[slot][q] + nwh;
    double whole = floor(x / NWH_PER_UWH);
    mt->carry_nwh[slot][q] = x - whole * NWH_PER_UWH;
    mt->pending.uwh[slot][q] += (uint64_t)whole;
}

/* Active energy ep and reactive energy eq (J, signed) into the registers of one slot. */
static void route(struct mfw_metrology *mt, unsigned slot, double ep, double eq)
{
    double p_nwh = ep * 1e9 / 3600.0, q_nwh = eq * 1e9 / 3600.0; /* J to nWh */
    if (p_nwh >= 0.0)
        add_nwh(mt, slot, MFW_EQ_AP, p_nwh);
    else
        add_nwh(mt, slot, MFW_EQ_AM, -p_nwh);
    if (q_nwh >= 0.0) {
        add_nwh(mt, slot, MFW_EQ_RP, q_nwh);
        add_nwh(mt, slot, p_nwh >= 0.0 ? MFW_EQ_RQ1 : MFW_EQ_RQ2, q_nwh);
    } else {
        add_nwh(mt, slot, MFW_EQ_RM, -q_nwh);
        add_nwh(mt, slot, p_nwh >= 0.0 ? MFW_EQ_RQ4 : MFW_EQ_RQ3, -q_nwh);
    }
}

/* Energy of one window/block: per phase, then totals by the configured summation. A phase below
 * the creep threshold contributes nothing (IEC 62053-21 no-load condition). */
static void account(struct mfw_metrology *mt, double seconds)
{
    struct mfw_metrology_values *v = &mt->values;
    double p_sum = 0.0, q_sum = 0.0;
    for (unsigned p = 0; p < mt->config.phases; p++) {
        const struct mfw_phase_values *ph = &v->ph[p];
        if (ph->creep)
            continue;
        double ep = ph->p * seconds, eq = ph->q * seconds;
        route(mt, p, ep, eq);
        if (mt->config.summation == MFW_SUM_PER_PHASE)
            route(mt, MFW_ENERGY_TOTAL, ep, eq);
        p_sum += ep;
        q_sum += eq;
    }
    if (mt->config.summation == MFW_SUM_VECTOR)
        route(mt, MFW_ENERGY_TOTAL, p_sum, q_sum);
}

static void finish_values(struct mfw_metrology *mt)
{
    struct mfw_metrology_values *v = &mt->values;
    v->p = v->q = v->s = 0.0;
    for (unsigned p = 0; p < mt->config.phases; p++) {
        struct mfw_phase_values *ph = &v->ph[p];
        ph->s = ph->vrms * ph->irms;
        ph->pf = ph->s > 0.0 ? ph->p / ph->s : 0.0;
        ph->creep = ph->irms < mt->config.creep_current_a;
        v->p += ph->p;
        v->q += ph->q;
        v->s += ph->s;
    }
    v->seq++;
    mt->fresh = true;
}

/* ---- per window ----------------------------------------------------------------------------- */

/* Sum over n = 0..N-1 of exp(-j k (theta0 + n delta)): the reference's own DFT leakage terms. */
static void geometric_sum(double theta0, double delta, uint32_t n, double k, double *re, double *im)
{
    double a = k * delta;
    double den_re = 1.0 - cos(a), den_im = sin(a);         /* 1 - exp(-j a) */
    double num_re = 1.0 - cos(a * n), num_im = sin(a * n); /* 1 - exp(-j a N) */
    double den = den_re * den_re + den_im * den_im;
    double q_re, q_im;
    if (den < 1e-30) { /* delta == 0: every term is exp(-j k theta0) */
        q_re = n;
        q_im = 0.0;
    } else {
        q_re = (num_re * den_re + num_im * den_im) / den;
        q_im = (num_im * den_re - num_re * den_im) / den;
    }
    double c = cos(k * theta0), s = -sin(k * theta0);
    *re = q_re * c - q_im * s;
    *im = q_re * s + q_im * c;
}

struct ref_sums {
    double n, s1_re, s1_im, s2_re, s2_im;
};

/* DC and fundamental phasor p (x = p e^{j theta} + conj(p) e^{-j theta} + dc) from the sums
 * X = sum x e^{-j theta} and M = sum x: a 3x3 linear solve (Cramer's rule). */
static void solve_channel(const struct ref_sums *r, double x_re, double x_im, double m,
                          double *p_re, double *p_im, double *dc)
{
    double a11 = r->n + r->s2_re, a12 = r->s2_im, a13 = r->s1_re;
    double a21 = r->s2_im, a22 = r->n - r->s2_re, a23 = r->s1_im;
    double a31 = 2.0 * r->s1_re, a32 = 2.0 * r->s1_im, a33 = r->n;
    double det = a11 * (a22 * a33 - a23 * a32) - a12 * (a21 * a33 - a23 * a31) +
                 a13 * (a21 * a32 - a22 * a31);
    *p_re = (x_re * (a22 * a33 - a23 * a32) - a12 * (x_im * a33 - a23 * m) +
             a13 * (x_im * a32 - a22 * m)) /
            det;
    *p_im = (a11 * (x_im * a33 - a23 * m) - x_re * (a21 * a33 - a23 * a31) +
             a13 * (a21 * m - x_im * a31)) /
            det;
    *dc = (a11 * (a22 * m - x_im * a32) - a12 * (a21 * m - x_im * a31) +
           x_re * (a21 * a32 - a22 * a31)) /
          det;
}

static void close_window(struct mfw_metrology *mt)
{
    struct mfw_metrology_values *v = &mt->values;
    const uint32_t n = mt->win_n;
    const double dn = (double)n;
    const double fs = (double)mt->config.fs_hz;

    /* Line frequency from the crossings that opened and closed the window. */
    bool locked = mt->win_forced == 0 && mt->zc_open_valid && mt->win_cycles > 0;
    if (locked) {
        double span = mt->zc_close - mt->zc_open;
        double f = span > 0.0 ? mt->win_cycles * fs / span : 0.0;
        if (f >= MFW_FREQ_MIN_HZ && f <= MFW_FREQ_MAX_HZ)
            mt->freq_hz = f;
        else
            locked = false;
    }
    if (!locked)
        mt->freq_hz = mt->config.f_nominal_hz;

    /* The reference's exact leakage terms over this window (theta_inc is constant in it). */
    const double delta = (double)mt->theta_inc * (TWO_PI / 4294967296.0);
    const double theta0 = (double)mt->win_theta0 * (TWO_PI / 4294967296.0);
    struct ref_sums r = {.n = dn};
    geometric_sum(theta0, delta, n, 1.0, &r.s1_re, &r.s1_im);
    geometric_sum(theta0, delta, n, 2.0, &r.s2_re, &r.s2_im);

    /* The linearly interpolated table is the sine convolved with a one-step triangle: its
     * fundamental has the gain sinc^2(pi / MFW_SINE_SIZE) (1 - 3.1e-6), divided out here. */
    const double x = 3.14159265358979323846 / MFW_SINE_SIZE;
    const double rq = 1.0 / (MFW_SINE_AMPLITUDE * (sin(x) / x) * (sin(x) / x));
    double ref_angle = 0.0;
    bool ref_set = false;
    for (unsigned p = 0; p < mt->config.phases; p++) {
        const struct mfw_metrology_acc *a = &mt->win[p];
        const struct mfw_metrology_cal_phase *cal = &mt->config.cal[p];
        struct mfw_phase_values *ph = &v->ph[p];
        struct mfw_metrology_raw_phase *raw = &mt->raw[p];
        double vp_re, vp_im, vdc, ip_re, ip_im, idc;
        solve_channel(&r, (double)a->svc * rq, -(double)a->svs * rq, (double)a->sv, &vp_re, &vp_im,
                      &vdc);
        solve_channel(&r, (double)a->sic * rq, -(double)a->sis * rq, (double)a->si, &ip_re, &ip_im,
                      &idc);
        double mv = (double)a->sv / dn, mi = (double)a->si / dn;
        /* Sums of the DC-free samples, less the 2f ripple of the fundamental that a window of a
         * non-integer number of cycles keeps: sum of x*y's fundamental part is
         * 2N Re(px conj(py)) + 2 Re(px py conj(S2)); the second term is removed. */
        double rv =
            2.0 * ((vp_re * vp_re - vp_im * vp_im) * r.s2_re + 2.0 * vp_re * vp_im * r.s2_im) / dn;
        double ri =
            2.0 * ((ip_re * ip_re - ip_im * ip_im) * r.s2_re + 2.0 * ip_re * ip_im * r.s2_im) / dn;
        double rp = 2.0 *
                    ((vp_re * ip_re - vp_im * ip_im) * r.s2_re +
                     (vp_re * ip_im + vp_im * ip_re) * r.s2_im) /
                    dn;
        raw->v2 = (double)a->svv / dn - 2.0 * vdc * mv + vdc * vdc - rv;
        raw->i2 = (double)a->sii / dn - 2.0 * idc * mi + idc * idc - ri;
        raw->p = (double)a->svi / dn - vdc * mi - idc * mv + vdc * idc - rp;
        /* rms phasors (sqrt2 |p| is the rms of the fundamental) */
        raw->v1_re = vp_re * SQRT2;
        raw->v1_im = vp_im * SQRT2;
        raw->i1_re = ip_re * SQRT2;
        raw->i1_im = ip_im * SQRT2;

        /* Calibration: the current channel lags by i_delay_s, i.e. by 2 pi f tau at the
         * fundamental; advance the current phasor by that angle. */
        double d = TWO_PI * mt->freq_hz * cal->i_delay_s;
        double cd = cos(d), sd = sin(d);
        double i_re = raw->i1_re * cd - raw->i1_im * sd;
        double i_im = raw->i1_re * sd + raw->i1_im * cd;
        double gvi = cal->v_gain * cal->i_gain;
        /* V1 * conj(I1): real part P1, imaginary part Q1 (positive when the current lags). */
        double p1_raw = raw->v1_re * raw->i1_re + raw->v1_im * raw->i1_im;
        double p1 = (raw->v1_re * i_re + raw->v1_im * i_im) * gvi;
        double q1 = (raw->v1_im * i_re - raw->v1_re * i_im) * gvi;

        double v2 = raw->v2 > 0.0 ? raw->v2 : 0.0;
        double i2 = raw->i2 * cal->i_gain * cal->i_gain - cal->i_rms_offset;
        ph->vrms = sqrt(v2) * cal->v_gain;
        ph->irms = i2 > 0.0 ? sqrt(i2) : 0.0;
        ph->v1 = hypot(raw->v1_re, raw->v1_im) * cal->v_gain;
        ph->i1 = hypot(i_re, i_im) * cal->i_gain;
        /* Total P: the fundamental part re-phased exactly (above); the harmonics to first order
         * in the delay tau: P_h(true) = P_h + h w tau Q_h, and the centred-derivative sum
         * D = mean v(n-1)(i(n) - i(n-2)) = sum over h of 2 sin(h w T) Q_h, so the harmonic
         * correction is tau fs / 2 (D - D_1), with D_1 = 2 sin(w T) Q1 taken out because the
         * fundamental is already exact. */
        double q1_raw = raw->v1_im * raw->i1_re - raw->v1_re * raw->i1_im;
        double d_all = (double)a->svd / dn;
        double d_fund = 2.0 * sin(TWO_PI * mt->freq_hz / fs) * q1_raw;
        double p_harm = cal->i_delay_s * fs * 0.5 * (d_all - d_fund);
        ph->p = (raw->p + p_harm - p1_raw) * gvi + p1 - cal->p_offset;
        ph->p1 = p1 - cal->p_offset;
        ph->q = q1 - cal->q_offset;
        ph->angle_deg = atan2(ph->q, ph->p1) * (360.0 / TWO_PI);
        ph->voltage_present = ph->vrms >= mt->config.voltage_present_v;
        double va = atan2(raw->v1_im, raw->v1_re);
        if (!ref_set && ph->voltage_present) {
            ref_angle = va;
            ref_set = true;
        }
        double rel = (va - ref_angle) * (360.0 / TWO_PI);
        while (rel > 180.0)
            rel -= 360.0;
        while (rel <= -180.0)
            rel += 360.0;
        ph->v_angle_deg = ph->voltage_present ? rel : 0.0;
        v->vrms_cycle_min[p] = mt->cyc_vmin[p] == INFINITY ? 0.0 : mt->cyc_vmin[p];
        v->vrms_cycle_max[p] = mt->cyc_vmax[p];
        mt->cyc_vmin[p] = INFINITY;
        mt->cyc_vmax[p] = 0.0;
    }
    {
        double mn = (double)mt->win_sn / dn;
        double in2 = (double)mt->win_snn / dn - mn * mn;
        v->i_n = in2 > 0.0 ? sqrt(in2) * mt->config.i_n_gain : 0.0;
    }
    v->duration_s = dn / fs;
    v->freq_hz = mt->freq_hz;
    v->freq_locked = locked;
    finish_values(mt);
    account(mt, v->duration_s);

    /* Zero-crossing reference for the next window: keep the phase if it has voltage, else the
     * first phase that has. */
    if (!v->ph[mt->zc_phase].voltage_present) {
        for (unsigned p = 0; p < mt->config.phases; p++) {
            if (v->ph[p].voltage_present) {
                mt->zc_phase = (uint8_t)p;
                mt->zc_armed = false;
                mt->zc_threshold = (int32_t)lround(ZC_ARM_VOLTS / mt->config.cal[p].v_gain);
                break;
            }
        }
    }
    /* Lock the reference to the measured frequency. */
    mt->theta_inc = inc_for(mt->freq_hz, mt->config.fs_hz);

    memset(mt->win, 0, sizeof(mt->win));
    mt->win_sn = mt->win_snn = 0;
    mt->zc_open = mt->zc_close - dn;
    mt->zc_open_valid = mt->last_boundary_real;
    mt->win_n = 0;
    mt->win_cycles = 0;
    mt->win_forced = 0;
    mt->win_theta0 = mt->theta;
}

/* ---- per line cycle ------------------------------------------------------------------------- */

static void close_cycle(struct mfw_metrology *mt, bool forced)
{
    const double n = (double)mt->cyc_n;
    for (unsigned p = 0; p < mt->config.phases; p++) {
        struct mfw_metrology_acc *c = &mt->cyc[p], *w = &mt->win[p];
        /* The one-cycle rms extremes (the voltage quality's dips and swells, IEC 61000-4-30
         * Urms(1)) take whole cycles only: one that began at a real zero crossing. The first
         * cycle after a start, or after a forced end, begins anywhere in the wave: its rms is that
         * of a piece of a sine (a power-up read as a dip to 100 V). */
        if (n > 0.0 && mt->last_boundary_real) {
            double m = (double)c->sv / n;
            double v2 = (double)c->svv / n - m * m;
            double vr = (v2 > 0.0 ? sqrt(v2) : 0.0) * mt->config.cal[p].v_gain;
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

/* Accumulates samples [0, len) of f into the current cycle: the hot loop. */
static void accumulate(struct mfw_metrology *mt, const struct mfw_adc_frame *f, uint32_t len,
                       const int16_t *cs, const int16_t *sn)
{
    for (unsigned p = 0; p < mt->config.phases; p++) {
        int64_t sv = 0, si = 0, svv = 0, sii = 0, svi = 0, svc = 0, svs = 0, sic = 0, sis = 0;
        int64_t svd = 0;
        int64_t v1 = mt->hist_v[p], i1 = mt->hist_i1[p], i2 = mt->hist_i2[p];
        for (uint32_t k = 0; k < len; k++) {
            const int64_t v = f[k].v[p], i = f[k].i[p];
            const int64_t c = cs[k], s = sn[k];
            sv += v;
            si += i;
            svv += v * v;
            sii += i * i;
            svi += v * i;
            svc += v * c;
            svs += v * s;
            sic += i * c;
            sis += i * s;
            svd += v1 * (i - i2); /* v(n-1) * (i(n) - i(n-2)): centred derivative product */
            i2 = i1;
            i1 = i;
            v1 = v;
        }
        mt->hist_v[p] = (int32_t)v1;
        mt->hist_i1[p] = (int32_t)i1;
        mt->hist_i2[p] = (int32_t)i2;
        struct mfw_metrology_acc *a = &mt->cyc[p];
        a->svd += svd;
        a->sv += sv;
        a->si += si;
        a->svv += svv;
        a->sii += sii;
        a->svi += svi;
        a->svc += svc;
        a->svs += svs;
        a->sic += sic;
        a->sis += sis;
    }
    int64_t sn_ = 0, snn = 0;
    for (uint32_t k = 0; k < len; k++) {
        const int64_t x = f[k].i_n;
        sn_ += x;
        snn += x * x;
    }
    mt->cyc_sn += sn_;
    mt->cyc_snn += snn;
    mt->cyc_n += len;
}

void mfw_metrology_samples(struct mfw_metrology *mt, const struct mfw_adc_frame *f, size_t n)
{
    int16_t cs[MFW_METRO_CHUNK], sn[MFW_METRO_CHUNK];
    while (n > 0) {
        uint32_t len = n < MFW_METRO_CHUNK ? (uint32_t)n : MFW_METRO_CHUNK;
        /* Reference pass: cos/sin of the oscillator, and the first zero crossing (or the end
         * of an over-long cycle), which cuts the block. */
        uint32_t cut = len;
        bool crossed = false, forced = false;
        uint32_t theta = mt->theta;
        const unsigned zp = mt->zc_phase;
        int32_t prev = mt->zc_prev;
        bool armed = mt->zc_armed;
        uint32_t room = mt->cycle_max - mt->cyc_n; /* samples left before a forced cycle end */
        for (uint32_t k = 0; k < len; k++) {
            const int32_t x = f[k].v[zp];
            if (k == room) {
                cut = k;
                forced = true;
                break;
            }
            if (x < -mt->zc_threshold) {
                armed = true;
            } else if (armed && x >= 0 && k + mt->cyc_n > 0) {
                /* crossing between the previous sample and this one: interpolate */
                double frac = (double)prev / ((double)prev - (double)x);
                mt->zc_close = (double)(mt->win_n + mt->cyc_n + k) - 1.0 + frac;
                armed = false;
                cut = k;
                crossed = true;
                break;
            }
            /* table + linear interpolation: phase error < 5e-6 rad, so the demodulator's
             * reference is a clean sinusoid (a bare 1024-entry table leaves 1e-4 of P1 jitter) */
            const uint32_t idx = theta >> PHASE_TO_INDEX_SHIFT;
            const int32_t fr = (int32_t)((theta >> (PHASE_TO_INDEX_SHIFT - 15)) & 0x7fff);
            const int32_t s0 = mfw_sine_table_q15[idx],
                          s1 = mfw_sine_table_q15[(idx + 1) & (MFW_SINE_SIZE - 1)];
            const int32_t c0 = mfw_sine_table_q15[(idx + QUARTER_TURN) & (MFW_SINE_SIZE - 1)];
            const int32_t c1 = mfw_sine_table_q15[(idx + QUARTER_TURN + 1) & (MFW_SINE_SIZE - 1)];
            sn[k] = (int16_t)(s0 + (((s1 - s0) * fr + (1 << 14)) >> 15));
            cs[k] = (int16_t)(c0 + (((c1 - c0) * fr + (1 << 14)) >> 15));
            theta += mt->theta_inc;
            prev = x;
        }
        mt->zc_armed = armed;
        if (cut > 0) {
            accumulate(mt, f, cut, cs, sn);
            mt->theta = theta;
            mt->zc_prev = prev;
        }
        f += cut;
        n -= cut;
        if (crossed || forced) {
            if (forced)
                mt->zc_close = (double)(mt->win_n + mt->cyc_n);
            close_cycle(mt, forced);
        }
    }
}

void mfw_metrology_flush(struct mfw_metrology *mt)
{
    if (mt->cyc_n > 0) {
        uint8_t keep = mt->cycles_per_window;
        mt->cycles_per_window = UINT8_MAX; /* fold the cycle without closing the window */
        close_cycle(mt, true);
        mt->cycles_per_window = keep;
    }
    if (mt->win_n > 0)
        close_window(mt);
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
        ph->angle_deg =
            (ph->p != 0.0 || ph->q != 0.0) ? atan2(ph->q, ph->p) * (360.0 / TWO_PI) : 0.0;
        ph->v_angle_deg = b->ph[p].v_angle_deg;
        ph->voltage_present = ph->vrms >= mt->config.voltage_present_v;
        v->vrms_cycle_min[p] = v->vrms_cycle_max[p] = ph->vrms;
    }
    v->i_n = b->i_n;
    v->duration_s = b->duration_s;
    v->freq_hz = b->freq_hz;
    v->freq_locked = true;
    mt->freq_hz = b->freq_hz;
    finish_values(mt);
    account(mt, b->duration_s);
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
