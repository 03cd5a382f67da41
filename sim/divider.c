/* SPDX-License-Identifier: Apache-2.0 */
/* divider: see divider.h. */
#include "divider.h"

#include <math.h>

double divider_gain(const struct divider_params *p, double t_c)
{
    return 1.0 / (p->ratio * (1.0 + p->tc_ppm * 1e-6 * (t_c - 23.0)));
}

double divider_vcr_factor(const struct divider_params *p, double v)
{
    /* the top string falls by vcr * |v| / n per resistor: the output rises by that much times
     * the top's share of the ratio, (ratio - 1) / ratio */
    if (p->n_top == 0)
        return 1.0;
    double share = (p->ratio - 1.0) / p->ratio;
    return 1.0 - p->vcr_ppm_per_v * 1e-6 * fabs(v) / (double)p->n_top * share;
}
