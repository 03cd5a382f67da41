/* SPDX-License-Identifier: Apache-2.0 */
/* sigma_delta: see sigma_delta.h. */
#include "sigma_delta.h"

#include <math.h>
#include <string.h>

#define SD_PI 3.14159265358979323846

static double drift(const struct sd_params *p, double t_c)
{
    double d = t_c - 23.0;
    return (1.0 + p->gain_error) * (1.0 + p->tc1_ppm * 1e-6 * d + p->tc2_ppm * 1e-6 * d * d);
}

double sd_dc_gain(const struct sd_params *p, double t_c)
{
    return drift(p, t_c);
}

void sd_response(const struct sd_params *p, double f_hz, double t_c, double fs_out, double *re,
                 double *im)
{
    double mag = drift(p, t_c);
    double ph = -2.0 * SD_PI * f_hz * p->delay_s;
    if (p->aaf_r_ohm > 0.0 && p->aaf_c_f > 0.0) {
        double x = 2.0 * SD_PI * f_hz * p->aaf_r_ohm * p->aaf_c_f; /* 1 / (1 + j x) */
        mag /= sqrt(1.0 + x * x);
        ph -= atan(x);
    }
    if (p->sinc_order > 0 && p->sinc_rate_hz > 0.0 && f_hz > 0.0) {
        /* sinc^N: linear phase, a group delay of N / (2 rate) */
        double x = SD_PI * f_hz / p->sinc_rate_hz;
        mag *= pow(fabs(sin(x) / x), (double)p->sinc_order);
        ph -= 2.0 * SD_PI * f_hz * (double)p->sinc_order / (2.0 * p->sinc_rate_hz);
    }
    if (p->lpf_order > 0 && p->lpf_bw_frac > 0.0) {
        /* Butterworth of order n: |H| = 1 / sqrt(1 + x^2n); its phase is minus the sum of the
         * angles from its poles e^{j pi (2k + n - 1) / 2n}, k = 1..n, to j x */
        double x = f_hz / (p->lpf_bw_frac * fs_out);
        mag /= sqrt(1.0 + pow(x, 2.0 * p->lpf_order));
        for (unsigned k = 1; k <= p->lpf_order; k++) {
            double a = SD_PI * (double)(2 * k + p->lpf_order - 1) / (2.0 * p->lpf_order);
            ph -= atan2(x - sin(a), -cos(a));
        }
    }
    *re = mag * cos(ph);
    *im = mag * sin(ph);
}

double sd_noise_codes(const struct sd_params *p, double fsc)
{
    return p->snr_db > 0.0 ? fsc / sqrt(2.0) * pow(10.0, -p->snr_db / 20.0) : 0.0;
}

double sd_inl(const struct sd_params *p, double x, double fsc)
{
    double u = x / fsc;
    if (u > 1.0)
        u = 1.0;
    if (u < -1.0)
        u = -1.0;
    /* u^3 - u peaks at 2 / (3 sqrt3) = 0.385 at u = 1/sqrt3: scaled so the peak is inl3 */
    const double k3 = 3.0 * sqrt(3.0) / 2.0;
    return fsc * 1e-6 * (p->inl3_ppm * k3 * (u * u * u - u) + p->inl2_ppm * (1.0 - u * u));
}

void sd_flicker_init(struct sd_flicker *fl, const struct sd_params *p, double fs, double white)
{
    memset(fl, 0, sizeof *fl);
    if (!(p->flicker_hz > 0.0) || !(white > 0.0))
        return;
    /* The white floor's one-sided density is 2 white^2 / fs. Pole k at f_k = fc / 10^k gets a
     * low-frequency density c * floor * fc / f_k, so the sum rises as 1/f below fc; c = 1.64
     * makes it equal the floor at fc (1/2 + 10/101 + 100/10001 ... = 0.61). Updated at
     * fs / D: y = a y + b g with a = exp(-2 pi f_k D / fs) and b = (1 - a) white
     * sqrt(c fc / (f_k D)): the held value stands for D samples and keeps the density. */
    const double d = SD_FLICKER_DECIMATION, c = 1.64;
    for (unsigned k = 0; k < SD_FLICKER_POLES; k++) {
        double fk = p->flicker_hz / pow(10.0, (double)k);
        fl->a[k] = exp(-2.0 * SD_PI * fk * d / fs);
        /* (b / (1 - a))^2 * 2 / (fs / D) = c (2 white^2 / fs) fc / f_k */
        fl->b[k] = (1.0 - fl->a[k]) * white * sqrt(c * p->flicker_hz / fk / d);
    }
}
