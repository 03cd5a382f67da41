/* SPDX-License-Identifier: Apache-2.0 */
/* calibration: derive the per-phase constants of struct mfw_metrology_cal_phase from known loads.
 *
 * Procedure (the one a meter maker runs on the production line, one phase at a time or all
 * together with a polyphase reference source):
 *   1. Reference load: Un, Iref, a known angle (PF 0.5 inductive is best for the phase: the
 *      phase error then moves P by tan(60 deg) = 1.73 times the angle in radians). Accumulate a
 *      few seconds of windows with mfw_calibration_add(), then mfw_calibration_gain_phase(): voltage and current
 *      gains from the fundamental rms, the current-channel delay from the angle error.
 *   2. No load: Un, I = 0. Accumulate, then mfw_calibration_no_load(): Irms noise floor (A^2) and the
 *      P and Q offsets (crosstalk).
 * Raw sums are taken before any gain, so the previous constants do not matter, except that
 * mfw_calibration_no_load() expresses offsets with the gains of step 1. */
#ifndef METERFW_METROLOGY_CALIBRATION_H
#define METERFW_METROLOGY_CALIBRATION_H

#include "meterfw/metrology/metrology.h"

struct mfw_calibration_acc {
    double vv1, ii1;       /* sum of |V1|^2 and |I1|^2, codes^2 */
    double vi1_re, vi1_im; /* sum of V1 conj(I1): its angle is stable from window to window */
    double i2, p;          /* sums of the AC mean square of i and of mean v*i */
    double freq;           /* sum of frequency */
    unsigned n;            /* windows */
};

struct mfw_calibration_reference {
    double u_v;     /* rms voltage of the reference source */
    double i_a;     /* rms current */
    double phi_deg; /* angle of V to I, positive = current lags (60 = PF 0.5 inductive) */
};

void mfw_calibration_reset(struct mfw_calibration_acc *a);
void mfw_calibration_add(struct mfw_calibration_acc *a, const struct mfw_metrology_raw_phase *raw,
                         double freq_hz);
/* MFW_E_STATE if no window was added, MFW_E_RANGE if the signal is too small to calibrate. */
int mfw_calibration_gain_phase(struct mfw_metrology_cal_phase *cal,
                               const struct mfw_calibration_acc *a,
                               const struct mfw_calibration_reference *ref);
int mfw_calibration_no_load(struct mfw_metrology_cal_phase *cal,
                            const struct mfw_calibration_acc *a);

#endif /* METERFW_METROLOGY_CALIBRATION_H */
