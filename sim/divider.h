/* SPDX-License-Identifier: Apache-2.0 */
/* divider: the resistive voltage divider of the voltage channel.
 *
 *  - Ratio (R_top + R_bottom) / R_bottom, e.g. 5 x 200 kOhm + 1 kOhm = 1001 (230 V -> 230 mV).
 *  - Temperature: the ratio drifts with TCR(top) - TCR(bottom); thick-film chips of one lot
 *    track within < 50 ppm/K, thin film < 30 (resistor.com, TCR and tracking).
 *  - Voltage coefficient: a thick-film resistor's value falls with the voltage across it
 *    (tunnelling; resistor.com VCR page: low-value chips < 10 ppm/V, high-value ones
 *    200-300 ppm/V; DigiKey on VCR), per top resistor at its share of the instantaneous
 *    voltage: a distortion of the waveform as much as a gain (static -230 ppm at 230 V for
 *    -5 ppm/V, +-23 ppm at +-10 % Un).
 * Host only (sim/). */
#ifndef METERFW_SIM_DIVIDER_H
#define METERFW_SIM_DIVIDER_H

struct divider_params {
    double ratio;         /* at 23 C and low voltage */
    double tc_ppm;        /* ratio drift: TCR(top) - TCR(bottom), ppm/K (> 0: ratio grows) */
    double vcr_ppm_per_v; /* each top resistor, ppm per volt across it (< 0: falls) */
    unsigned n_top;       /* top resistors in series */
};

/* Output volts per input volt at temperature t_c (small signal). */
double divider_gain(const struct divider_params *p, double t_c);

/* The factor the voltage coefficient applies at instantaneous input voltage v. */
double divider_vcr_factor(const struct divider_params *p, double v);

#endif /* METERFW_SIM_DIVIDER_H */
