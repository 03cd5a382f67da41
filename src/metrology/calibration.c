/* SPDX-License-Identifier: Apache-2.0 */
#include "meterfw/metrology/calibration.h"

#include <math.h>
#include <string.h>

#include "meterfw/base/error.h"

#define TWO_PI 6.283185307179586476925286766559

void mfw_calibration_reset(struct mfw_calibration_acc *a)
{
    memset(a, 0, sizeof(*a));
}

void mfw_calibration_add(struct mfw_calibration_acc *a, const struct mfw_metrology_raw_phase *raw,
                         double freq_hz)
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

int mfw_calibration_gain_phase(struct mfw_metrology_cal_phase *cal,
                               const struct mfw_calibration_acc *a,
                               const struct mfw_calibration_reference *ref)
{
    if (a->n == 0)
        return MFW_E_STATE;
    if (!(ref->u_v > 0.0) || !(ref->i_a > 0.0))
        return MFW_E_ARG;
    double v1 = sqrt(a->vv1 / a->n), i1 = sqrt(a->ii1 / a->n);
    if (!(v1 > 100.0) || !(i1 > 100.0)) /* codes: far below any usable reference */
        return MFW_E_RANGE;
    cal->v_gain = ref->u_v / v1;
    cal->i_gain = ref->i_a / i1;
    /* measured angle minus true angle = extra lag of the current channel at this frequency */
    double measured = atan2(a->vi1_im, a->vi1_re);
    double lag = measured - ref->phi_deg * (TWO_PI / 360.0);
    while (lag > TWO_PI / 2.0)
        lag -= TWO_PI;
    while (lag < -TWO_PI / 2.0)
        lag += TWO_PI;
    cal->i_delay_s = lag / (TWO_PI * (a->freq / a->n));
    return MFW_OK;
}

int mfw_calibration_no_load(struct mfw_metrology_cal_phase *cal,
                            const struct mfw_calibration_acc *a)
{
    if (a->n == 0)
        return MFW_E_STATE;
    double gvi = cal->v_gain * cal->i_gain;
    cal->i_rms_offset = a->i2 / a->n * cal->i_gain * cal->i_gain;
    cal->p_offset = a->p / a->n * gvi;
    cal->q_offset = a->vi1_im / a->n * gvi;
    return MFW_OK;
}
