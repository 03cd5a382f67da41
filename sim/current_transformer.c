/* SPDX-License-Identifier: Apache-2.0 */
/* current_transformer: see current_transformer.h. */
#include "current_transformer.h"

#include <math.h>

/* Linear interpolation in log(I / In) between the points, the end values outside. */
static double interp(const double *x, const double *y, double at)
{
    if (!(at > x[0]))
        return y[0];
    for (unsigned k = 1; k < CT_POINTS; k++) {
        if (at < x[k]) {
            double w = (log(at) - log(x[k - 1])) / (log(x[k]) - log(x[k - 1]));
            return y[k - 1] + w * (y[k] - y[k - 1]);
        }
    }
    return y[CT_POINTS - 1];
}

void ct_response(const struct ct_params *p, double i_a, double i_dc, double t_c, double *re,
                 double *im)
{
    double frac = i_a / p->i_rated_a;
    double scale = 1.0 + p->wind_tc_per_k * (t_c - 23.0);
    double ratio = 1.0 + interp(p->at_frac, p->ratio_err, frac) * scale;
    double lead = interp(p->at_frac, p->phase_lead_rad, frac) * scale;
    double sat = p->dc_sat_a > 0.0 ? i_dc / p->dc_sat_a : 0.0;
    double g = p->burden_ohm / p->turns * ratio / sqrt(1.0 + sat * sat * sat * sat);
    *re = g * cos(lead);
    *im = g * sin(lead);
}
