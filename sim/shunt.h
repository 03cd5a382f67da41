/* SPDX-License-Identifier: Apache-2.0 */
/* shunt: a manganin current shunt of a direct-connected meter, as its datasheets give it.
 *
 *  - Resistance: the alloy's parabola R(T) = R23 [1 + a (T - 23) + b (T - 23)^2] (Totoku/CMW
 *    manganin data: grade A a = -10..+20 ppm/K, b = -1.0..0 ppm/K^2; Isabellenhuette: flat
 *    maximum near room temperature), plus the copper between the Kelvin taps, linear at its
 *    TCR (Vishay WSMS5515: +-175..325 ppm/K terminal TCR of a 100..500 uOhm part against
 *    ~10 ppm/K of the alloy; Isabellenhuette FAQ on two- and four-wire TCR).
 *  - Inductance: self and the Kelvin loop's mutual to the busbar, < 3 nH (Isabellenhuette BVD,
 *    BVE, BVR data sheets), so the voltage leads the current by atan(2 pi f L / R): 0.24 deg at
 *    50 Hz for 2 nH on 150 uOhm, growing with frequency (a delay of L/R).
 *  - Self-heating: the element rises R_th * I^2 R above its terminals (R_th < 10 K/W, BVD) with a
 *    time constant of seconds; the terminals and the meter case rise with the cable and contact
 *    losses (~ I^2) over tens of minutes. Two first-order poles.
 *  - Thermo-EMF: manganin against copper <= 1..2 uV/K (Great Soviet Encyclopedia; JIS CMW), times
 *    the temperature difference of the two joints, which grows with the current: a DC offset.
 * Host only (sim/). */
#ifndef METERFW_SIM_SHUNT_H
#define METERFW_SIM_SHUNT_H

struct shunt_params {
    double r23_ohm;        /* resistance at 23 C (IEC 62052-11 reference temperature) */
    double alpha_ppm;      /* alloy: first-order coefficient at 23 C, ppm/K */
    double beta_ppm;       /* alloy: second order, ppm/K^2 */
    double cu_tcr_ppm;     /* the copper inside the Kelvin taps, as a TCR of the whole, ppm/K */
    double l_h;            /* self + mutual inductance of the sense loop, H */
    double rth_k_per_w;    /* element above its terminals per watt dissipated, steady */
    double tau_element_s;  /* ... reached with this time constant */
    double case_k_per_a2;  /* terminals and meter case above ambient per A^2, steady */
    double tau_case_s;     /* ... reached with this time constant */
    double emf_v_per_k;    /* thermo-EMF of the joints, V/K */
    double emf_dt_k_per_a; /* temperature difference of the two joints per A of current */
};

/* Temperatures above ambient of one shunt (the thermal state), K. */
struct shunt_thermal {
    double element_k; /* element above its terminals */
    double case_k;    /* terminals and case above ambient */
};

/* Resistance at temperature t_c (of the element). */
double shunt_resistance(const struct shunt_params *p, double t_c);

/* Transimpedance at frequency f (V/A, complex): R(t) + j 2 pi f L. */
void shunt_response(const struct shunt_params *p, double t_c, double f_hz, double *re, double *im);

/* Advances the thermal state by dt at rms current i_a (the dissipation I^2 R at the element's
 * own temperature). Exact for a constant current over dt (first-order poles). */
void shunt_thermal_step(const struct shunt_params *p, struct shunt_thermal *th, double i_a,
                        double ambient_c, double dt_s);

/* DC of the thermo-EMF at rms current i_a, V. */
double shunt_emf(const struct shunt_params *p, double i_a);

#endif /* METERFW_SIM_SHUNT_H */
