/* SPDX-License-Identifier: Apache-2.0 */
/* calibration: the production procedure's arithmetic (calibration.h), single precision like the
 * rest of the metrology: it runs in the meter (a calibration command over the optical port). */
#include "meterfw/metrology/calibration.h"

#include <math.h>
#include <string.h>

#include "meterfw/base/error.h"

#define TWO_PI_F 6.28318530718f
#define PI_F 3.14159265358979f

void mfw_calibration_reset(struct mfw_calibration_acc *a)
{
    memset(a, 0, sizeof(*a));
}

void mfw_calibration_add(struct mfw_calibration_acc *a, const struct mfw_metrology_raw_phase *raw,
                         float freq_hz)
{
    a->vv1 += raw->v1_re * raw->v1_re + raw->v1_im * raw->v1_im;
    a->ii1 += raw->i1_re * raw->i1_re + raw->i1_im * raw->i1_im;
    a->vi1_re += raw->v1_re * raw->i1_re + raw->v1_im * raw->i1_im;
    a->vi1_im += raw->v1_im * raw->i1_re - raw->v1_re * raw->i1_im;
    a->i2 += raw->i2;
    a->p += raw->p;
    a->freq += freq_hz;
    a->n++;
}

static float wrap_pi(float x)
{
    while (x > PI_F)
        x -= TWO_PI_F;
    while (x < -PI_F)
        x += TWO_PI_F;
    return x;
}

/* The mean fundamental rms of both channels (codes) and the extra lag of the current channel
 * (measured angle minus the source's, rad at the mean frequency). */
static int measure(const struct mfw_calibration_acc *a, const struct mfw_calibration_reference *ref,
                   float *v1, float *i1, float *lag, float *freq)
{
    if (a->n == 0)
        return MFW_E_STATE;
    if (!(ref->u_v > 0.0f) || !(ref->i_a > 0.0f))
        return MFW_E_ARG;
    *v1 = sqrtf(a->vv1 / (float)a->n);
    *i1 = sqrtf(a->ii1 / (float)a->n);
    *freq = a->freq / (float)a->n;
    if (!(*v1 > 100.0f) || !(*i1 > 100.0f) || !(*freq > 0.0f)) /* codes: far below any load */
        return MFW_E_RANGE;
    *lag = wrap_pi(atan2f(a->vi1_im, a->vi1_re) - ref->phi_deg * (TWO_PI_F / 360.0f));
    return MFW_OK;
}

int mfw_calibration_gain_phase(struct mfw_metrology_cal_phase *cal,
                               const struct mfw_calibration_acc *a,
                               const struct mfw_calibration_reference *ref)
{
    float v1, i1, lag, f;
    int rc = measure(a, ref, &v1, &i1, &lag, &f);
    if (rc != MFW_OK)
        return rc;
    cal->v_gain = ref->u_v / v1;
    cal->i_gain = ref->i_a / i1;
    cal->i_delay_s = lag / (TWO_PI_F * f);
    cal->n_points = 1;
    cal->point[0] = (struct mfw_metrology_cal_point){ref->i_a, 1.0f, 0.0f};
    return MFW_OK;
}

int mfw_calibration_point(struct mfw_metrology_cal_phase *cal, const struct mfw_calibration_acc *a,
                          const struct mfw_calibration_reference *ref, float f_nominal_hz)
{
    float v1, i1, lag, f;
    int rc = measure(a, ref, &v1, &i1, &lag, &f);
    if (rc != MFW_OK)
        return rc;
    if (!(f_nominal_hz > 0.0f))
        return MFW_E_ARG;
    /* Without the no-load offsets of step 3 (the crosstalk: a current in the I channel that
     * follows the voltage, 0.1 mA at -120 dB, 0.4 mrad against 0.25 A): the point is about the
     * sensor, and the offsets are subtracted apart at run time. */
    const float gvi = cal->v_gain * cal->i_gain, windows = (float)a->n;
    if (gvi > 0.0f && (cal->p_offset != 0.0f || cal->q_offset != 0.0f)) {
        float re = a->vi1_re / windows - cal->p_offset / gvi;
        float im = a->vi1_im / windows - cal->q_offset / gvi;
        i1 = sqrtf(re * re + im * im) / v1;
        lag = wrap_pi(atan2f(im, re) - ref->phi_deg * (TWO_PI_F / 360.0f));
    }
    /* Against the base: the gain the base current gain leaves, and the lag the base delay does
     * not explain, scaled to the nominal frequency as the metrology applies it. The voltage
     * channel is taken as exact here (its gain came from step 1 at the same voltage). */
    struct mfw_metrology_cal_point pt = {
        .i_a = ref->i_a,
        .gain = i1 * cal->i_gain / ref->i_a,
        .phase_rad = (lag - TWO_PI_F * f * cal->i_delay_s) * (f_nominal_hz / f),
    };
    unsigned n = cal->n_points, k = 0;
    while (k < n && cal->point[k].i_a < 0.99f * pt.i_a)
        k++;
    if (k < n && cal->point[k].i_a <= 1.01f * pt.i_a) {
        cal->point[k] = pt; /* the same current again: replace */
        return MFW_OK;
    }
    if (n >= MFW_CAL_POINTS)
        return MFW_E_RANGE;
    memmove(&cal->point[k + 1], &cal->point[k], (n - k) * sizeof(cal->point[0]));
    cal->point[k] = pt;
    cal->n_points = (uint8_t)(n + 1u);
    return MFW_OK;
}

int mfw_calibration_no_load(struct mfw_metrology_cal_phase *cal,
                            const struct mfw_calibration_acc *a)
{
    if (a->n == 0)
        return MFW_E_STATE;
    const float n = (float)a->n, gvi = cal->v_gain * cal->i_gain;
    cal->i_rms_offset = a->i2 / n * cal->i_gain * cal->i_gain;
    cal->p_offset = a->p / n * gvi;
    cal->q_offset = a->vi1_im / n * gvi;
    return MFW_OK;
}

void mfw_calibration_temp_reset(struct mfw_calibration_temp *t)
{
    memset(t, 0, sizeof(*t));
}

int mfw_calibration_temp_add(struct mfw_calibration_temp *t, const struct mfw_calibration_acc *a,
                             const struct mfw_calibration_reference *ref, float t_c)
{
    float v1, i1, lag, f;
    int rc = measure(a, ref, &v1, &i1, &lag, &f);
    if (rc != MFW_OK)
        return rc;
    if (t->n >= MFW_CALIBRATION_TEMPS)
        return MFW_E_RANGE;
    t->t_c[t->n] = t_c;
    t->v_sens[t->n] = v1 / ref->u_v;
    t->i_sens[t->n] = i1 / ref->i_a;
    t->lag_s[t->n] = lag / (TWO_PI_F * f);
    t->n++;
    return MFW_OK;
}

/* Least squares y = c0 + c1 x + c2 x^2 (order 1 or 2) by the normal equations, Cramer's rule.
 * x is a temperature difference (tens of K) and y a sensitivity near 1: well conditioned in
 * single precision once y is centred on its mean. */
static int fit(const float *x, const float *y, unsigned n, unsigned order, float c[3])
{
    float ym = 0.0f;
    for (unsigned k = 0; k < n; k++)
        ym += y[k] / (float)n;
    float s[5] = {0}, t[3] = {0};
    for (unsigned k = 0; k < n; k++) {
        float xp = 1.0f, yc = y[k] - ym;
        for (unsigned j = 0; j < 5; j++) {
            s[j] += xp;
            if (j < 3)
                t[j] += xp * yc;
            xp *= x[k];
        }
    }
    c[0] = c[1] = c[2] = 0.0f;
    if (order == 1) {
        float det = s[0] * s[2] - s[1] * s[1];
        if (!(fabsf(det) > 0.0f))
            return MFW_E_RANGE;
        c[0] = (t[0] * s[2] - s[1] * t[1]) / det + ym;
        c[1] = (s[0] * t[1] - s[1] * t[0]) / det;
        return MFW_OK;
    }
    const float a11 = s[0], a12 = s[1], a13 = s[2], a22 = s[2], a23 = s[3], a33 = s[4];
    const float m11 = a22 * a33 - a23 * a23, m12 = a12 * a33 - a23 * a13,
                m13 = a12 * a23 - a22 * a13;
    const float det = a11 * m11 - a12 * m12 + a13 * m13;
    if (!(fabsf(det) > 0.0f))
        return MFW_E_RANGE;
    c[0] =
        (t[0] * m11 - a12 * (t[1] * a33 - a23 * t[2]) + a13 * (t[1] * a23 - a22 * t[2])) / det + ym;
    c[1] = (a11 * (t[1] * a33 - a23 * t[2]) - t[0] * m12 + a13 * (a12 * t[2] - t[1] * a13)) / det;
    c[2] = (a11 * (a22 * t[2] - t[1] * a23) - a12 * (a12 * t[2] - t[1] * a13) + t[0] * m13) / det;
    return MFW_OK;
}

int mfw_calibration_temp_solve(struct mfw_metrology_cal_phase *cal,
                               const struct mfw_calibration_temp *t, float t_ref_c)
{
    if (t->n < 2)
        return MFW_E_STATE;
    float dt[MFW_CALIBRATION_TEMPS];
    float lo = t->t_c[0], hi = t->t_c[0];
    for (unsigned k = 0; k < t->n; k++) {
        dt[k] = t->t_c[k] - t_ref_c;
        lo = t->t_c[k] < lo ? t->t_c[k] : lo;
        hi = t->t_c[k] > hi ? t->t_c[k] : hi;
    }
    if (!(hi - lo > 5.0f)) /* the temperatures must span something */
        return MFW_E_RANGE;
    const unsigned order = t->n >= 3 ? 2u : 1u;
    float cv[3], ci[3], cl[3];
    int rc = fit(dt, t->v_sens, t->n, order, cv);
    if (rc == MFW_OK)
        rc = fit(dt, t->i_sens, t->n, order, ci);
    if (rc == MFW_OK)
        rc = fit(dt, t->lag_s, t->n, 1, cl);
    if (rc != MFW_OK || !(cv[0] > 0.0f) || !(ci[0] > 0.0f))
        return MFW_E_RANGE;
    /* sensitivity relative to the fitted one at the reference temperature */
    cal->v_tc1 = cv[1] / cv[0];
    cal->v_tc2 = cv[2] / cv[0];
    cal->i_tc1 = ci[1] / ci[0];
    cal->i_tc2 = ci[2] / ci[0];
    cal->i_delay_tc = cl[1];
    return MFW_OK;
}
