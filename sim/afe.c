/* SPDX-License-Identifier: Apache-2.0 */
/* afe: simulated analog front end (host only, libm). See afe.h.
 *
 * Signal model, per channel (a voltage or a current of one phase, or the neutral current):
 *
 *   x(t) = dc + sum_h A_h*sqrt2*sin(h*w*t' + h*ph1 + phase_h),   t' = t - tau
 *
 * with h = 1 the fundamental (A_1 = rms, phase_1 = 0) and w*t the integral of the frequency
 * (struct afe.cycles, in cycles, wrapped to [0,1) so that precision does not decay over a long
 * run). tau = phase_error_deg / 360 / f_nominal is the sensor's phase error realised as a time
 * delay: every harmonic of the channel is delayed by the same tau (as an anti-alias RC or a shunt
 * inductance does, to first order), so harmonic h sees h times the fundamental's phase error.
 *
 * Then, in ADC codes: code = round(x * (1 + gain_error) * FSc/FS_peak + noise + offset), clamped
 * to +-FSc with FSc = 2^(bits-1) - 1. Noise is white Gaussian of rms FSc/sqrt2 * 10^(-snr/20),
 * i.e. snr_db below a full-scale sine.
 *
 * Harmonics above fs/2 are generated as they are and alias, as on an ADC without an anti-alias
 * filter; keep them below fs/2 if that is not what a test wants.
 *
 * Sign conventions (used by afe_state_quantities as well):
 *  - angles in degrees, positive = leading; a current angle is the voltage angle minus phi, so
 *    phi = phase_v1 - phase_i1 > 0 means the current lags (inductive, Q > 0).
 *  - P > 0 is import (A+), P < 0 export (A-).
 */
#include "afe.h"

#include <math.h>
#include <string.h>

#include "current_transformer.h"
#include "divider.h"
#include "shunt.h"
#include "sigma_delta.h"

#include "meterfw/base/error.h"

#define AFE_PI 3.14159265358979323846
#define AFE_ORDER_MAX (AFE_HARMONICS_MAX + 1)

/* the sensor chain (below) */
static bool chain_config_ok(const struct afe_config *c);
static double burst_duty(const struct afe_wave *w);
static void chain_init(struct afe *a);
static void chain_set(struct afe *a, const struct afe_state *s);
static void chain_generate(struct afe *a, struct mfw_adc_frame *out, size_t n);

/* splitmix64 (Steele, Lea, Flood 2014): one 64-bit state word, good enough for test noise. */
static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in (0, 1]: never 0, so log() in Box-Muller is finite. */
static double uniform01(uint64_t *s)
{
    return ((double)(splitmix64(s) >> 11) + 1.0) * (1.0 / 9007199254740992.0);
}

/* Two independent standard normal deviates (Box-Muller). */
static void gauss2(uint64_t *s, double *g0, double *g1)
{
    double r = sqrt(-2.0 * log(uniform01(s)));
    double a = 2.0 * AFE_PI * uniform01(s);
    *g0 = r * cos(a);
    *g1 = r * sin(a);
}

static double full_scale_codes(const struct afe_config *c)
{
    return (double)((1ull << (c->adc_bits - 1u)) - 1u);
}

static double deg2rad(double d)
{
    return d * (AFE_PI / 180.0);
}

/* Per-order phasors of a wave, in "sin convention": x_h = Re/Im split so that
 * x_h(t) = pa[h]*sin(h*theta) + pb[h]*cos(h*theta), amplitudes in peak units of the wave.
 * Orders outside 1..AFE_ORDER_MAX and order 0 (unused) are ignored; duplicates add up. */
static void wave_phasors(const struct afe_wave *w, double scale, double pa[AFE_ORDER_MAX + 1],
                         double pb[AFE_ORDER_MAX + 1])
{
    double pk1 = w->rms * sqrt(2.0) * scale;
    double ph1 = deg2rad(w->phase_deg);
    pa[1] += pk1 * cos(ph1);
    pb[1] += pk1 * sin(ph1);
    unsigned nh = w->n_harmonics <= AFE_HARMONICS_MAX ? w->n_harmonics : AFE_HARMONICS_MAX;
    for (unsigned k = 0; k < nh; k++) {
        unsigned h = w->h[k].order;
        if (h < 2 || h > AFE_ORDER_MAX)
            continue;
        double pk = pk1 * w->h[k].amplitude;
        double ang = (double)h * ph1 + deg2rad(w->h[k].phase_deg);
        pa[h] += pk * cos(ang);
        pb[h] += pk * sin(ang);
    }
}

static void chan_from_phasors(struct afe_chan *ch, const double pa[AFE_ORDER_MAX + 1],
                              const double pb[AFE_ORDER_MAX + 1], double dc, double delay_s)
{
    memset(ch, 0, sizeof *ch);
    ch->dc = dc;
    ch->delay_s = delay_s;
    for (unsigned h = 1; h <= AFE_ORDER_MAX; h++) {
        if (pa[h] == 0.0 && pb[h] == 0.0)
            continue;
        ch->order[ch->n] = (uint8_t)h;
        ch->a[ch->n] = pa[h];
        ch->b[ch->n] = pb[h];
        ch->n++;
        ch->max_order = (uint8_t)h;
    }
}

static double sensor_delay(const struct afe_config *c, const struct afe_sensor *se)
{
    return se->phase_error_deg / 360.0 / c->f_nominal_hz;
}

void afe_default_config(struct afe_config *c, uint8_t phases, uint32_t fs_hz, double imax_a)
{
    memset(c, 0, sizeof *c);
    c->phases = phases;
    c->fs_hz = fs_hz;
    c->f_nominal_hz = 50.0;
    c->v_full_scale = 600.0;
    c->i_full_scale = imax_a * sqrt(2.0) * 1.2;
    c->adc_bits = 24;
    c->snr_db = 0.0;
    c->seed = 1;
}

int afe_init(struct afe *a, const struct afe_config *c)
{
    if (a == NULL || c == NULL)
        return MFW_E_ARG;
    if ((c->phases != 1 && c->phases != 3) || c->phases > MFW_PHASES_MAX || c->fs_hz == 0 ||
        !(c->f_nominal_hz > 0.0) || !(c->v_full_scale > 0.0) || !(c->i_full_scale > 0.0) ||
        c->adc_bits < 2 || c->adc_bits > 31 || !(c->snr_db >= 0.0) || !isfinite(c->snr_db))
        return MFW_E_ARG;
    if (c->sensors_on && !chain_config_ok(c))
        return MFW_E_ARG;
    memset(a, 0, sizeof *a);
    a->config = *c;
    a->rng = c->seed;
    double fsc = full_scale_codes(c);
    if (c->sensors_on)
        chain_init(a);
    a->v_code_per_unit = fsc / c->v_full_scale;
    a->i_code_per_unit = fsc / c->i_full_scale;
    a->noise_codes = c->snr_db > 0.0 ? fsc / sqrt(2.0) * pow(10.0, -c->snr_db / 20.0) : 0.0;
    struct afe_state st;
    memset(&st, 0, sizeof st);
    st.freq_hz = c->f_nominal_hz;
    afe_set(a, &st);
    return MFW_OK;
}

void afe_set(struct afe *a, const struct afe_state *s)
{
    const struct afe_config *c = &a->config;
    if (c->sensors_on) {
        chain_set(a, s);
        return;
    }
    a->st = *s;
    a->t_set = a->t;
    double pa[AFE_ORDER_MAX + 1], pb[AFE_ORDER_MAX + 1];
    double na[AFE_ORDER_MAX + 1] = {0}, nb[AFE_ORDER_MAX + 1] = {0};
    double ndc = 0.0;
    for (unsigned k = 0; k < MFW_PHASES_MAX; k++) {
        if (k >= c->phases) {
            memset(&a->pre_v[k], 0, sizeof a->pre_v[k]);
            memset(&a->pre_i[k], 0, sizeof a->pre_i[k]);
            continue;
        }
        const struct afe_phase *p = &s->ph[k];
        double gv = a->v_code_per_unit * (1.0 + c->v_sensor[k].gain_error);
        double gi = a->i_code_per_unit * (1.0 + c->i_sensor[k].gain_error);
        memset(pa, 0, sizeof pa);
        memset(pb, 0, sizeof pb);
        wave_phasors(&p->v, gv, pa, pb);
        chan_from_phasors(&a->pre_v[k], pa, pb, p->v.dc * gv, sensor_delay(c, &c->v_sensor[k]));
        memset(pa, 0, sizeof pa);
        memset(pb, 0, sizeof pb);
        wave_phasors(&p->i, gi, pa, pb);
        chan_from_phasors(&a->pre_i[k], pa, pb, p->i.dc * gi, sensor_delay(c, &c->i_sensor[k]));
        /* Kirchhoff: the neutral carries minus the sum of the true phase currents (the phase
         * sensors' errors do not apply to it), seen through its own sensor. */
        wave_phasors(&p->i, -1.0, na, nb);
        ndc -= p->i.dc;
    }
    double gn = a->i_code_per_unit * (1.0 + c->n_sensor.gain_error);
    if (s->neutral_explicit) {
        memset(na, 0, sizeof na);
        memset(nb, 0, sizeof nb);
        wave_phasors(&s->n, 1.0, na, nb);
        ndc = s->n.dc;
    }
    for (unsigned h = 1; h <= AFE_ORDER_MAX; h++) {
        na[h] *= gn;
        nb[h] *= gn;
    }
    chan_from_phasors(&a->pre_n, na, nb, ndc * gn, sensor_delay(c, &c->n_sensor));
}

/* Frequency at time t under the current state (linear drift from the last afe_set). */
static double freq_at(const struct afe *a, double t)
{
    return a->st.freq_hz + a->st.drift_hz_per_s * (t - a->t_set);
}

/* Powers of e^{j theta}: zc[h] = cos(h theta), zs[h] = sin(h theta), h = 1..max. The recurrence
 * z^h = z^(h-1) * z loses about one ulp per step: < 1e-14 relative at h = 41. */
struct afe_powers {
    double delay;
    unsigned max;
    double zc[AFE_ORDER_MAX + 1], zs[AFE_ORDER_MAX + 1];
};

static void powers(struct afe_powers *pw, double cycles, double f, double delay, unsigned max)
{
    double c = cycles - f * delay;
    c -= floor(c);
    double th = 2.0 * AFE_PI * c;
    pw->delay = delay;
    pw->max = max;
    pw->zc[1] = cos(th);
    pw->zs[1] = sin(th);
    for (unsigned h = 2; h <= max; h++) {
        pw->zc[h] = pw->zc[h - 1] * pw->zc[1] - pw->zs[h - 1] * pw->zs[1];
        pw->zs[h] = pw->zs[h - 1] * pw->zc[1] + pw->zc[h - 1] * pw->zs[1];
    }
}

static int32_t quantise(double x, double fsc)
{
    double r = round(x);
    if (!(r <= fsc)) /* also catches NaN */
        r = isnan(x) ? 0.0 : fsc;
    if (r < -fsc)
        r = -fsc;
    return (int32_t)r;
}

static double chan_value(const struct afe_chan *ch, struct afe_powers *pw, double cycles, double f)
{
    if (ch->n == 0)
        return ch->dc;
    if (pw->delay != ch->delay_s || pw->max < ch->max_order)
        powers(pw, cycles, f, ch->delay_s, ch->max_order > pw->max ? ch->max_order : pw->max);
    double x = ch->dc;
    for (unsigned k = 0; k < ch->n; k++) {
        unsigned h = ch->order[k];
        x += ch->a[k] * pw->zs[h] + ch->b[k] * pw->zc[h];
    }
    return x;
}

void afe_generate(struct afe *a, struct mfw_adc_frame *out, size_t n)
{
    const struct afe_config *c = &a->config;
    if (c->sensors_on) {
        chain_generate(a, out, n);
        return;
    }
    const double fsc = full_scale_codes(c);
    const double dt = 1.0 / (double)c->fs_hz;
    /* The highest order of any channel: powers are computed once per sample and delay. */
    unsigned maxo = a->pre_n.max_order;
    for (unsigned k = 0; k < c->phases; k++) {
        if (a->pre_v[k].max_order > maxo)
            maxo = a->pre_v[k].max_order;
        if (a->pre_i[k].max_order > maxo)
            maxo = a->pre_i[k].max_order;
    }
    if (maxo == 0)
        maxo = 1;
    for (size_t s = 0; s < n; s++) {
        double t = a->t;
        double f = freq_at(a, t);
        struct afe_powers pw;
        powers(&pw, a->cycles, f, 0.0, maxo);
        double noise[2 * MFW_PHASES_MAX + 2] = {0};
        if (a->noise_codes > 0.0) {
            for (unsigned k = 0; k < 2u * c->phases + 1u; k += 2)
                gauss2(&a->rng, &noise[k], &noise[k + 1]);
        }
        struct mfw_adc_frame *fr = &out[s];
        memset(fr, 0, sizeof *fr);
        for (unsigned k = 0; k < c->phases; k++) {
            double v = chan_value(&a->pre_v[k], &pw, a->cycles, f);
            double i = chan_value(&a->pre_i[k], &pw, a->cycles, f);
            fr->v[k] = quantise(v + noise[2 * k] * a->noise_codes + c->v_sensor[k].offset, fsc);
            fr->i[k] = quantise(i + noise[2 * k + 1] * a->noise_codes + c->i_sensor[k].offset, fsc);
        }
        double in = chan_value(&a->pre_n, &pw, a->cycles, f);
        fr->i_n = quantise(in + noise[2 * c->phases] * a->noise_codes + c->n_sensor.offset, fsc);
        /* Advance: the exact integral of a linearly drifting frequency over one sample. */
        a->n_samples++;
        double t1 = (double)a->n_samples * dt;
        a->cycles += 0.5 * (f + freq_at(a, t1)) * dt;
        a->cycles -= floor(a->cycles);
        a->t = t1;
    }
}

/* ---- the sensor chain (afe_config.sensors_on) ------------------------------------------------
 *
 * Linear parts per order h of each channel, in the frequency domain, at the state's frequency and
 * the present temperatures: the physical phasor times the sensor's transimpedance (the shunt's
 * R(T_element) + j w L, or the CT's ratio and phase at its current and DC), the divider's gain,
 * the converter's response (anti-alias RC, sinc and low-pass magnitude, gain and its drift with
 * the inside temperature, the timing mismatch) and its codes per volt; the V->I crosstalk adds
 * the V channel's code phasors into the I channel's. Harmonics beyond fs/2 are attenuated by the
 * low-pass and alias as they would. Then per sample, in the time domain: the divider's voltage
 * coefficient, the burst gate of a current, offsets and thermo-EMF, the INL, white and 1/f noise,
 * the jitter of the sampling instant (common to all channels: they sample simultaneously), and
 * the saturating quantiser. The clock runs at fs (1 + its crystal error at the inside
 * temperature), so a unit's time base is off as its crystal is. The thermal state of each shunt
 * advances with every block of samples; the channels are recomputed when the frequency or a
 * temperature moved by more than 0.005 Hz / 0.005 K. */

#define CHAIN_EPS_HZ 0.005
#define CHAIN_EPS_K 0.005

static bool chain_config_ok(const struct afe_config *c)
{
    const struct sensor_set *s = &c->sensors;
    if (s->phases != c->phases)
        return false;
    for (unsigned k = 0; k <= c->phases; k++) {
        const struct sensor_phase *p = k < c->phases ? &s->ph[k] : &s->neutral;
        if (!(p->v_adc.fs_volts > 0.0) || !(p->i_adc.fs_volts > 0.0) || !(p->divider.ratio >= 1.0))
            return false;
        if (p->current_kind == SENSOR_CT
                ? !(p->ct.turns > 0.0 && p->ct.burden_ohm > 0.0 && p->ct.i_rated_a > 0.0)
                : !(p->shunt.r23_ohm > 0.0))
            return false;
    }
    return true;
}

static const struct sensor_phase *chain_phase(const struct afe *a, unsigned k)
{
    return k < a->config.phases ? &a->config.sensors.ph[k] : &a->config.sensors.neutral;
}

double afe_inside_temperature(const struct afe *a)
{
    double rise = 0.0;
    if (a->config.sensors_on) {
        for (unsigned k = 0; k < a->config.phases; k++)
            rise += a->chain.th[k].case_k;
        rise /= a->config.phases;
    }
    return 23.0 + a->st.ambient_offset_c + rise;
}

double afe_shunt_temperature(const struct afe *a, unsigned p)
{
    return afe_inside_temperature(a) + (p <= MFW_PHASES_MAX ? a->chain.th[p].element_k : 0.0);
}

double afe_temperature_reading(const struct afe *a)
{
    double t = afe_inside_temperature(a);
    if (!a->config.sensors_on)
        return t;
    const struct sensor_tsense *ts = &a->config.sensors.tsense;
    double r = t * (1.0 + ts->gain_error) + ts->offset_c;
    return ts->resolution_c > 0.0 ? round(r / ts->resolution_c) * ts->resolution_c : r;
}

static double chain_fs_true(const struct afe *a)
{
    const struct sensor_clock *ck = &a->config.sensors.clock;
    double d = afe_inside_temperature(a) - ck->turnover_c;
    return (double)a->config.fs_hz * (1.0 + (ck->ppm + ck->b_ppm_per_k2 * d * d) * 1e-6);
}

static void chain_init(struct afe *a)
{
    const struct afe_config *c = &a->config;
    const double fsc = full_scale_codes(c);
    for (unsigned k = 0; k <= c->phases; k++) {
        const struct sensor_phase *p = chain_phase(a, k);
        unsigned iv = 2 * k, ii = 2 * k + 1;
        if (k == c->phases) { /* the neutral has a current channel only */
            iv = ii = 2 * MFW_PHASES_MAX;
        } else {
            a->chain.white[iv] = sd_noise_codes(&p->v_adc, fsc);
            sd_flicker_init(&a->chain.flicker[iv], &p->v_adc, c->fs_hz, a->chain.white[iv]);
            a->chain.vcr_per_code[k] = p->divider.ratio * p->v_adc.fs_volts / fsc;
        }
        a->chain.white[ii] = sd_noise_codes(&p->i_adc, fsc);
        sd_flicker_init(&a->chain.flicker[ii], &p->i_adc, c->fs_hz, a->chain.white[ii]);
    }
    a->chain.at_f = -1.0; /* compute at the first afe_set */
}

/* (a, b) in the sin convention (x = a sin + b cos, i.e. Z = b - j a) times H = hr + j hi. */
static void apply(double hr, double hi, double *pa, double *pb)
{
    double a0 = *pa, b0 = *pb;
    *pb = hr * b0 + hi * a0;
    *pa = hr * a0 - hi * b0;
}

/* The current sensor of phase k at frequency f (V per A, complex). */
static void current_sensor(const struct afe *a, unsigned k, double f, double *re, double *im)
{
    const struct sensor_phase *p = chain_phase(a, k);
    if (p->current_kind == SENSOR_CT) {
        double i_dc = fabs(a->chain.phys_dc[k < a->config.phases ? 2 * k + 1 : AFE_CHANNELS - 1]);
        ct_response(&p->ct, a->chain.ac_a[k], i_dc, afe_inside_temperature(a), re, im);
    } else {
        shunt_response(&p->shunt, afe_shunt_temperature(a, k), f, re, im);
    }
}

static void chain_precompute(struct afe *a)
{
    const struct afe_config *c = &a->config;
    const double fsc = full_scale_codes(c), f = freq_at(a, a->t), t_int = afe_inside_temperature(a);
    double va[AFE_ORDER_MAX + 1], vb[AFE_ORDER_MAX + 1], ia[AFE_ORDER_MAX + 1],
        ib[AFE_ORDER_MAX + 1];
    for (unsigned k = 0; k <= c->phases; k++) {
        const struct sensor_phase *p = chain_phase(a, k);
        const bool neutral = k == c->phases;
        const unsigned iv = 2 * k, ii = neutral ? AFE_CHANNELS - 1 : 2 * k + 1;
        const double vcode = fsc / p->v_adc.fs_volts, icode = fsc / p->i_adc.fs_volts;
        const double gdiv = divider_gain(&p->divider, t_int);
        memset(va, 0, sizeof va);
        memset(vb, 0, sizeof vb);
        if (!neutral) {
            for (unsigned h = 1; h <= AFE_ORDER_MAX; h++) {
                va[h] = a->chain.pa[iv][h];
                vb[h] = a->chain.pb[iv][h];
                if (va[h] == 0.0 && vb[h] == 0.0)
                    continue;
                double hr, hi;
                sd_response(&p->v_adc, h * f, t_int, c->fs_hz, &hr, &hi);
                apply(hr * gdiv * vcode, hi * gdiv * vcode, &va[h], &vb[h]);
            }
            chan_from_phasors(&a->pre_v[k], va, vb,
                              a->chain.phys_dc[iv] * gdiv * sd_dc_gain(&p->v_adc, t_int) * vcode,
                              0.0);
            a->chain.offset_codes[iv] =
                (p->v_adc.offset_v + p->v_adc.offset_tc_v_per_k * (t_int - 23.0)) *
                sd_dc_gain(&p->v_adc, t_int) * vcode;
        }
        double xr = 0.0, xi = 0.0;
        if (!neutral && p->xt_db < 0.0) {
            double m = pow(10.0, p->xt_db / 20.0), ph = deg2rad(p->xt_phase_deg);
            xr = m * cos(ph);
            xi = m * sin(ph);
        }
        for (unsigned h = 1; h <= AFE_ORDER_MAX; h++) {
            ia[h] = a->chain.pa[ii][h];
            ib[h] = a->chain.pb[ii][h];
            if (ia[h] != 0.0 || ib[h] != 0.0) {
                double sr, si, hr, hi;
                current_sensor(a, k, h * f, &sr, &si);
                sd_response(&p->i_adc, h * f, t_int, c->fs_hz, &hr, &hi);
                apply((sr * hr - si * hi) * icode, (sr * hi + si * hr) * icode, &ia[h], &ib[h]);
            }
            if (xr != 0.0 || xi != 0.0) { /* the V channel's codes leak into the I channel */
                double ca = va[h], cb = vb[h];
                apply(xr, xi, &ca, &cb);
                ia[h] += ca;
                ib[h] += cb;
            }
        }
        double dc_sens = 0.0;
        if (p->current_kind != SENSOR_CT)
            dc_sens = shunt_resistance(&p->shunt, afe_shunt_temperature(a, k));
        const double dcg = sd_dc_gain(&p->i_adc, t_int) * icode;
        chan_from_phasors(neutral ? &a->pre_n : &a->pre_i[k], ia, ib,
                          a->chain.phys_dc[ii] * dc_sens * dcg, 0.0);
        double emf = p->current_kind != SENSOR_CT ? shunt_emf(&p->shunt, a->chain.heat_a[k]) : 0.0;
        a->chain.offset_codes[ii] =
            (p->i_adc.offset_v + p->i_adc.offset_tc_v_per_k * (t_int - 23.0) + emf) * dcg;
        a->chain.at_el[k] = a->chain.th[k].element_k;
    }
    a->chain.at_f = f;
    a->chain.at_t_int = t_int;
}

/* rms of a wave's AC part (incl. harmonics) and its DC, both in its own units. */
static double wave_ac_rms(const double pa[AFE_ORDER_MAX + 1], const double pb[AFE_ORDER_MAX + 1])
{
    double s = 0.0;
    for (unsigned h = 1; h <= AFE_ORDER_MAX; h++)
        s += pa[h] * pa[h] + pb[h] * pb[h];
    return sqrt(0.5 * s);
}

static double burst_duty(const struct afe_wave *w)
{
    unsigned period = (unsigned)w->burst_on + w->burst_off;
    return w->burst_on > 0 && w->burst_off > 0 ? (double)w->burst_on / period : 1.0;
}

static void chain_set(struct afe *a, const struct afe_state *s)
{
    const struct afe_config *c = &a->config;
    a->st = *s;
    a->t_set = a->t;
    struct afe_chain *ch = &a->chain;
    memset(ch->pa, 0, sizeof ch->pa);
    memset(ch->pb, 0, sizeof ch->pb);
    memset(ch->phys_dc, 0, sizeof ch->phys_dc);
    const unsigned in = AFE_CHANNELS - 1;
    double ndc = 0.0;
    for (unsigned k = 0; k < c->phases; k++) {
        const struct afe_phase *p = &s->ph[k];
        wave_phasors(&p->v, 1.0, ch->pa[2 * k], ch->pb[2 * k]);
        ch->phys_dc[2 * k] = p->v.dc;
        wave_phasors(&p->i, 1.0, ch->pa[2 * k + 1], ch->pb[2 * k + 1]);
        ch->phys_dc[2 * k + 1] = p->i.dc;
        double duty = burst_duty(&p->i), ac = wave_ac_rms(ch->pa[2 * k + 1], ch->pb[2 * k + 1]);
        ch->ac_a[k] = ac * sqrt(duty);
        ch->heat_a[k] = sqrt(duty * (ac * ac + p->i.dc * p->i.dc));
        wave_phasors(&p->i, -1.0, ch->pa[in], ch->pb[in]); /* Kirchhoff */
        ndc -= p->i.dc;
    }
    if (s->neutral_explicit) {
        memset(ch->pa[in], 0, sizeof ch->pa[in]);
        memset(ch->pb[in], 0, sizeof ch->pb[in]);
        wave_phasors(&s->n, 1.0, ch->pa[in], ch->pb[in]);
        ndc = s->n.dc;
    }
    ch->phys_dc[in] = ndc;
    double nac = wave_ac_rms(ch->pa[in], ch->pb[in]);
    ch->ac_a[c->phases] = nac;
    ch->heat_a[c->phases] = sqrt(nac * nac + ndc * ndc);
    chain_precompute(a);
}

/* The thermal state over dt at the present state. */
static void chain_heat_only(struct afe *a, double dt)
{
    const double ambient = 23.0 + a->st.ambient_offset_c;
    for (unsigned k = 0; k <= a->config.phases; k++)
        shunt_thermal_step(&chain_phase(a, k)->shunt, &a->chain.th[k], a->chain.heat_a[k], ambient,
                           dt);
}

/* ... and the channels recomputed if the frequency or a temperature moved. */
static void chain_heat(struct afe *a, double dt)
{
    chain_heat_only(a, dt);
    bool moved = fabs(freq_at(a, a->t) - a->chain.at_f) > CHAIN_EPS_HZ ||
                 fabs(afe_inside_temperature(a) - a->chain.at_t_int) > CHAIN_EPS_K;
    for (unsigned k = 0; k <= a->config.phases && !moved; k++)
        moved = fabs(a->chain.th[k].element_k - a->chain.at_el[k]) > CHAIN_EPS_K;
    if (moved)
        chain_precompute(a);
}

static double chain_gauss(struct afe *a)
{
    double g0, g1;
    gauss2(&a->rng, &g0, &g1);
    (void)g1;
    return g0;
}

static double flicker_next(struct afe *a, struct sd_flicker *fl)
{
    if (fl->a[0] == 0.0)
        return 0.0;
    if (fl->countdown == 0) {
        fl->sum = 0.0;
        for (unsigned k = 0; k < SD_FLICKER_POLES; k++) {
            fl->y[k] = fl->a[k] * fl->y[k] + fl->b[k] * chain_gauss(a);
            fl->sum += fl->y[k];
        }
        fl->countdown = SD_FLICKER_DECIMATION;
    }
    fl->countdown--;
    return fl->sum;
}

static void chain_generate(struct afe *a, struct mfw_adc_frame *out, size_t n)
{
    const struct afe_config *c = &a->config;
    const double fsc = full_scale_codes(c);
    const double dt = 1.0 / chain_fs_true(a);
    chain_heat(a, (double)n * dt);
    const double jitter = c->sensors.clock.jitter_s;
    unsigned maxo = a->pre_n.max_order;
    for (unsigned k = 0; k < c->phases; k++) {
        if (a->pre_v[k].max_order > maxo)
            maxo = a->pre_v[k].max_order;
        if (a->pre_i[k].max_order > maxo)
            maxo = a->pre_i[k].max_order;
    }
    if (maxo == 0)
        maxo = 1;
    for (size_t s = 0; s < n; s++) {
        const double t = a->t, f = freq_at(a, t);
        double cyc = a->cycles;
        if (jitter > 0.0)
            cyc += f * jitter * chain_gauss(a);
        struct afe_powers pw;
        powers(&pw, cyc, f, 0.0, maxo);
        double g[AFE_CHANNELS + 1];
        for (unsigned k = 0; k + 1 < 2u * c->phases + 2u; k += 2)
            gauss2(&a->rng, &g[k], &g[k + 1]);
        struct mfw_adc_frame *fr = &out[s];
        memset(fr, 0, sizeof *fr);
        for (unsigned k = 0; k < c->phases; k++) {
            const struct sensor_phase *p = &c->sensors.ph[k];
            double v = chan_value(&a->pre_v[k], &pw, cyc, f);
            v *= divider_vcr_factor(&p->divider, v * a->chain.vcr_per_code[k]);
            v += a->chain.offset_codes[2 * k];
            v += sd_inl(&p->v_adc, v, fsc);
            v += g[2 * k] * a->chain.white[2 * k] + flicker_next(a, &a->chain.flicker[2 * k]);
            fr->v[k] = quantise(v, fsc);
            const struct afe_wave *w = &a->st.ph[k].i;
            double i = chan_value(&a->pre_i[k], &pw, cyc, f);
            if (burst_duty(w) < 1.0 &&
                a->chain.whole_cycles % ((unsigned)w->burst_on + w->burst_off) >= w->burst_on)
                i = 0.0; /* the burst's off cycles (the crosstalk goes too: a small liberty) */
            i += a->chain.offset_codes[2 * k + 1];
            i += sd_inl(&p->i_adc, i, fsc);
            i += g[2 * k + 1] * a->chain.white[2 * k + 1] +
                 flicker_next(a, &a->chain.flicker[2 * k + 1]);
            fr->i[k] = quantise(i, fsc);
        }
        const unsigned in = AFE_CHANNELS - 1;
        double x = chan_value(&a->pre_n, &pw, cyc, f) + a->chain.offset_codes[in];
        x += sd_inl(&c->sensors.neutral.i_adc, x, fsc);
        x += g[2 * c->phases] * a->chain.white[in] + flicker_next(a, &a->chain.flicker[in]);
        fr->i_n = quantise(x, fsc);
        a->n_samples++;
        const double t1 = t + dt;
        a->cycles += 0.5 * (f + freq_at(a, t1)) * dt;
        if (a->cycles >= 1.0) {
            a->chain.whole_cycles += (uint64_t)a->cycles;
            a->cycles -= floor(a->cycles);
        }
        a->t = t1;
    }
}

double afe_sample_rate(const struct afe *a)
{
    return a->config.sensors_on ? chain_fs_true(a) : (double)a->config.fs_hz;
}

size_t afe_samples_for(struct afe *a, double seconds)
{
    double fs = a->config.sensors_on ? chain_fs_true(a) : (double)a->config.fs_hz;
    double want = seconds + a->chain.sample_carry;
    double n = floor(want * fs + 1e-6);
    if (n < 0.0)
        n = 0.0;
    a->chain.sample_carry = want - n / fs;
    return (size_t)n;
}

void afe_skip(struct afe *a, double seconds)
{
    if (!a->config.sensors_on) { /* whole samples, as afe_generate counts time */
        const double dt = 1.0 / (double)a->config.fs_hz;
        uint64_t n = (uint64_t)llround(seconds * (double)a->config.fs_hz);
        double t1 = (double)(a->n_samples + n) * dt, f = freq_at(a, a->t);
        a->cycles += 0.5 * (f + freq_at(a, t1)) * (t1 - a->t);
        a->cycles -= floor(a->cycles);
        a->n_samples += n;
        a->t = t1;
        return;
    }
    /* steps of 10 s: each is exact for a constant dissipation, which moves only with R(T) */
    const double total = seconds;
    while (seconds > 0.0) {
        double dt = seconds > 10.0 ? 10.0 : seconds;
        chain_heat_only(a, dt);
        double f = freq_at(a, a->t);
        a->cycles += 0.5 * (f + freq_at(a, a->t + dt)) * dt;
        if (a->cycles >= 1.0) {
            a->chain.whole_cycles += (uint64_t)a->cycles;
            a->cycles -= floor(a->cycles);
        }
        a->t += dt;
        seconds -= dt;
    }
    if (total > 0.0)
        chain_heat(a, 0.0);
}

double afe_volts_per_code(const struct afe *a)
{
    if (a->config.sensors_on)
        return a->config.sensors.design_v_per_code;
    return a->config.v_full_scale / full_scale_codes(&a->config);
}

double afe_amps_per_code(const struct afe *a)
{
    if (a->config.sensors_on)
        return a->config.sensors.design_a_per_code;
    return a->config.i_full_scale / full_scale_codes(&a->config);
}

void afe_state_sine(struct afe_state *s, uint8_t phases, double u_rms, double i_rms, double phi_deg,
                    double freq_hz)
{
    static const double vang[3] = {0.0, -120.0, 120.0};
    memset(s, 0, sizeof *s);
    s->freq_hz = freq_hz;
    for (unsigned k = 0; k < phases && k < MFW_PHASES_MAX; k++) {
        s->ph[k].v.rms = u_rms;
        s->ph[k].v.phase_deg = vang[k % 3];
        s->ph[k].i.rms = i_rms;
        s->ph[k].i.phase_deg = vang[k % 3] - phi_deg;
    }
}

static double sumsq(const double pa[AFE_ORDER_MAX + 1], const double pb[AFE_ORDER_MAX + 1])
{
    double s = 0.0;
    for (unsigned h = 1; h <= AFE_ORDER_MAX; h++)
        s += pa[h] * pa[h] + pb[h] * pb[h];
    return s;
}

double afe_wrap180(double d)
{
    d = fmod(d, 360.0);
    if (d > 180.0)
        d -= 360.0;
    else if (d <= -180.0)
        d += 360.0;
    return d;
}

/* Truth of a state. With peak phasors X_h = (a_h, b_h) in the sin convention
 * (x_h = a_h sin(h theta) + b_h cos(h theta) = |X_h| sin(h theta + arg X_h), arg X_h = atan2(b, a)
 * = h*ph1 + phase_h), the mean of v_h*i_h is (av*ai + bv*bi)/2 = V_h I_h cos(arg V_h - arg I_h),
 * so the angle between V_h and I_h is h*(phv1 - phi1) + (phase_vh - phase_ih), and an order
 * present in only one channel gives 0. Different orders are orthogonal and DC is excluded
 * (metrology removes it), so P = sum_h of those. Q is the fundamental only:
 * V1 I1 sin(arg V1 - arg I1) = (bv*ai - av*bi)/2, positive when the current lags. */
void afe_state_quantities(const struct afe_state *s, uint8_t phases, double duration_s,
                          struct afe_quantities *out)
{
    memset(out, 0, sizeof *out);
    out->duration_s = duration_s;
    out->freq_hz = s->freq_hz;
    double na[AFE_ORDER_MAX + 1] = {0}, nb[AFE_ORDER_MAX + 1] = {0};
    for (unsigned k = 0; k < phases && k < MFW_PHASES_MAX; k++) {
        double va[AFE_ORDER_MAX + 1] = {0}, vb[AFE_ORDER_MAX + 1] = {0};
        double ia[AFE_ORDER_MAX + 1] = {0}, ib[AFE_ORDER_MAX + 1] = {0};
        wave_phasors(&s->ph[k].v, 1.0, va, vb);
        wave_phasors(&s->ph[k].i, 1.0, ia, ib);
        wave_phasors(&s->ph[k].i, -1.0, na, nb);
        double p = 0.0;
        for (unsigned h = 1; h <= AFE_ORDER_MAX; h++)
            p += 0.5 * (va[h] * ia[h] + vb[h] * ib[h]);
        /* a burst-fired current (whole cycles on and off, switched at the fundamental's phase
         * 0): the on cycles carry all of it, P = duty P over a whole number of bursts; the rms
         * of its AC part duty (ac^2 + dc^2) - (duty dc)^2; Q1 as duty times that of the full
         * current (the gate's mean; its sidebands are not at the fundamental) */
        double duty = burst_duty(&s->ph[k].i), dc = s->ph[k].i.dc, ac2 = 0.5 * sumsq(ia, ib);
        out->ph[k].vrms = sqrt(0.5 * sumsq(va, vb));
        out->ph[k].irms = sqrt(duty * ac2 + duty * (1.0 - duty) * dc * dc);
        out->ph[k].p = duty * p;
        out->ph[k].q = duty * 0.5 * (vb[1] * ia[1] - va[1] * ib[1]);
        out->ph[k].v_angle_deg = afe_wrap180(s->ph[k].v.phase_deg);
    }
    if (s->neutral_explicit) {
        memset(na, 0, sizeof na);
        memset(nb, 0, sizeof nb);
        wave_phasors(&s->n, 1.0, na, nb);
    }
    out->i_n = sqrt(0.5 * sumsq(na, nb));
}

void afe_quantities_block(const struct afe_quantities *q, struct mfw_metrology_block *b)
{
    memset(b, 0, sizeof *b);
    b->duration_s = (float)q->duration_s;
    b->freq_hz = (float)q->freq_hz;
    for (unsigned k = 0; k < MFW_PHASES_MAX; k++) {
        b->ph[k].vrms = (float)q->ph[k].vrms;
        b->ph[k].irms = (float)q->ph[k].irms;
        b->ph[k].p = (float)q->ph[k].p;
        b->ph[k].q = (float)q->ph[k].q;
        b->ph[k].v_angle_deg = (float)q->ph[k].v_angle_deg;
    }
    b->i_n = (float)q->i_n;
}
