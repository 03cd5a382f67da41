/* SPDX-License-Identifier: Apache-2.0 */
/* calibration: derive the per-phase constants of struct mfw_metrology_cal_phase from known loads,
 * from the meter's own ADC samples only (the raw sums of its windows, mfw_metrology_raw), the
 * setpoints of the reference source and the HAL's temperature input.
 *
 * The production procedure (docs/calibration.md has the steps, their durations and why), one
 * phase at a time or all together with a polyphase source; each step settles for 2 windows
 * (lock to the line) and accumulates >= 10 windows (2 s) with mfw_calibration_add():
 *   1. Base, at the reference temperature: Un, Iref, PF 0.5 inductive (the phase error then moves
 *      P by tan 60 = 1.73 times the angle): mfw_calibration_gain_phase() gives the voltage and
 *      current gains from the fundamental rms and the current-channel delay from the angle error,
 *      and makes Iref the first point of the current-dependent correction (gain 1, phase 0).
 *      The temperature input's reading becomes cfg->t_ref_c.
 *   2. No load: Un, I = 0: mfw_calibration_no_load() gives the Irms noise floor (A^2) and the P
 *      and Q offsets (crosstalk).
 *   3. Points: Un at a few other currents (e.g. Imin, Itr, 10 Iref, Imax), PF 0.5 inductive:
 *      mfw_calibration_point() adds each one's gain and phase against the base (sensor
 *      non-linearity, a CT's magnetising current, the ADC's INL), without the no-load offsets
 *      of step 2 (which are subtracted apart at run time).
 *   4. Temperature (a climate chamber, the meters powered at the reference load): at 2 or more
 *      further temperatures T (plus the base one), mfw_calibration_temp_add() records each
 *      channel's sensitivity and the current lag against the temperature input's reading, and
 *      mfw_calibration_temp_solve() fits 1 + tc1 dT + tc2 dT^2 (3 or more temperatures; 2 give
 *      the linear term only) and the lag's drift.
 * Raw sums are taken before any gain, so the previous constants do not matter, except that
 * steps 2 and 3 express their results with the gains of step 1, and step 3 uses step 2's. */
#ifndef METERFW_METROLOGY_CALIBRATION_H
#define METERFW_METROLOGY_CALIBRATION_H

#include "meterfw/metrology/metrology.h"

struct mfw_calibration_acc {
    float vv1, ii1;       /* sum of |V1|^2 and |I1|^2, codes^2 */
    float vi1_re, vi1_im; /* sum of V1 conj(I1): its angle is stable from window to window */
    float i2, p;          /* sums of the AC mean square of i and of mean v*i */
    float freq;           /* sum of frequency */
    unsigned n;           /* windows */
};

struct mfw_calibration_reference {
    float u_v;     /* rms voltage of the reference source */
    float i_a;     /* rms current */
    float phi_deg; /* angle of V to I, positive = current lags (60 = PF 0.5 inductive) */
};

/* Temperature points of step 4 (at most MFW_CALIBRATION_TEMPS). */
#define MFW_CALIBRATION_TEMPS 6
struct mfw_calibration_temp {
    unsigned n;
    float t_c[MFW_CALIBRATION_TEMPS];    /* temperature input's reading */
    float v_sens[MFW_CALIBRATION_TEMPS]; /* codes per volt */
    float i_sens[MFW_CALIBRATION_TEMPS]; /* codes per amp */
    float lag_s[MFW_CALIBRATION_TEMPS];  /* current lag as a delay, s */
};

void mfw_calibration_reset(struct mfw_calibration_acc *a);
void mfw_calibration_add(struct mfw_calibration_acc *a, const struct mfw_metrology_raw_phase *raw,
                         float freq_hz);
/* Step 1. MFW_E_STATE if no window was added, MFW_E_RANGE if the signal is too small. */
int mfw_calibration_gain_phase(struct mfw_metrology_cal_phase *cal,
                               const struct mfw_calibration_acc *a,
                               const struct mfw_calibration_reference *ref);
/* Step 3: a point at ref->i_a (replaces a point within 1 % of that current). f_nominal_hz is
 * the meter's (the phase is stored at the nominal frequency). MFW_E_RANGE when full. */
int mfw_calibration_point(struct mfw_metrology_cal_phase *cal, const struct mfw_calibration_acc *a,
                          const struct mfw_calibration_reference *ref, float f_nominal_hz);
/* Step 2. */
int mfw_calibration_no_load(struct mfw_metrology_cal_phase *cal,
                            const struct mfw_calibration_acc *a);
/* Step 4: one temperature, then the fit (t_ref_c: the reading of step 1). */
void mfw_calibration_temp_reset(struct mfw_calibration_temp *t);
int mfw_calibration_temp_add(struct mfw_calibration_temp *t, const struct mfw_calibration_acc *a,
                             const struct mfw_calibration_reference *ref, float t_c);
int mfw_calibration_temp_solve(struct mfw_metrology_cal_phase *cal,
                               const struct mfw_calibration_temp *t, float t_ref_c);

#endif /* METERFW_METROLOGY_CALIBRATION_H */
