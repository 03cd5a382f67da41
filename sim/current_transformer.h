/* SPDX-License-Identifier: Apache-2.0 */
/* current_transformer: a metering CT with a burden resistor, for comparison with the shunt.
 *
 *  - Ratio and phase error against the primary current, from the error points of its class
 *    (miniaturect.com after the Chinese national standard, class 0.2: ratio 0.4 % at 1 % In,
 *    0.2 % from 5 % In; phase 30' / 15' / 10' at 1 / 5 / 20..120 % In): the typical unit here
 *    sits at a fraction of those limits, ratio error negative and the secondary leading, both
 *    growing towards low current (the magnetising current; Continental Control Systems: CT
 *    outputs usually lead). Interpolated in log-current between the points; a frequency
 *    independent phase (unlike a shunt's delay).
 *  - DC: a CT transfers none, and a DC primary component biases its core towards saturation:
 *    the AC transfer collapses (metering.com, F. Herrmann, on the IEC 62053-21 half-wave test:
 *    plain CTs fail it, "combined-core" CTs pass but are non-linear). Modelled as the AC gain
 *    times 1 / sqrt(1 + (I_dc / I_sat)^4): 1/sqrt2 at I_sat (phenomenological [M]).
 *  - Secondary copper +0.39 %/K changes (R_wind + R_burden): the errors scale with it [M].
 * Host only (sim/). */
#ifndef METERFW_SIM_CURRENT_TRANSFORMER_H
#define METERFW_SIM_CURRENT_TRANSFORMER_H

#define CT_POINTS 5

struct ct_params {
    double turns;                     /* secondary turns per primary turn */
    double burden_ohm;                /* the burden the ADC sees, ohm */
    double i_rated_a;                 /* In: the points are fractions of it */
    double at_frac[CT_POINTS];        /* the points, as I / In (ascending) */
    double ratio_err[CT_POINTS];      /* relative, e.g. -0.001 */
    double phase_lead_rad[CT_POINTS]; /* secondary leads the primary by this */
    double dc_sat_a;      /* primary DC at which the AC transfer has fallen to 1/sqrt2 */
    double wind_tc_per_k; /* relative change of the errors per K */
};

/* Transimpedance (V at the burden per primary A, complex) at rms AC current i_a, DC i_dc,
 * temperature t_c. Frequency independent. */
void ct_response(const struct ct_params *p, double i_a, double i_dc, double t_c, double *re,
                 double *im);

#endif /* METERFW_SIM_CURRENT_TRANSFORMER_H */
