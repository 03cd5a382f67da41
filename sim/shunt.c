/* SPDX-License-Identifier: Apache-2.0 */
/* shunt: see shunt.h. */
#include "shunt.h"

#include <math.h>

#define SHUNT_PI 3.14159265358979323846
#define T_REF_C 23.0

double shunt_resistance(const struct shunt_params *p, double t_c)
{
    double d = t_c - T_REF_C;
    return p->r23_ohm *
           (1.0 + (p->alpha_ppm + p->cu_tcr_ppm) * 1e-6 * d + p->beta_ppm * 1e-6 * d * d);
}

void shunt_response(const struct shunt_params *p, double t_c, double f_hz, double *re, double *im)
{
    *re = shunt_resistance(p, t_c);
    *im = 2.0 * SHUNT_PI * f_hz * p->l_h;
}

/* One first-order pole towards `target` over dt: exact for a constant target. */
static double pole(double x, double target, double tau, double dt)
{
    if (!(tau > 0.0))
        return target;
    return target + (x - target) * exp(-dt / tau);
}

void shunt_thermal_step(const struct shunt_params *p, struct shunt_thermal *th, double i_a,
                        double ambient_c, double dt_s)
{
    double t_case = ambient_c + th->case_k;
    double r = shunt_resistance(p, t_case + th->element_k);
    th->element_k = pole(th->element_k, p->rth_k_per_w * i_a * i_a * r, p->tau_element_s, dt_s);
    th->case_k = pole(th->case_k, p->case_k_per_a2 * i_a * i_a, p->tau_case_s, dt_s);
}

double shunt_emf(const struct shunt_params *p, double i_a)
{
    return p->emf_v_per_k * p->emf_dt_k_per_a * i_a;
}
