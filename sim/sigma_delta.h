/* SPDX-License-Identifier: Apache-2.0 */
/* sigma_delta: one channel of a metering AFE's sigma-delta converter, from its data sheets.
 *
 *  - Full scale: the peak input at code 2^23 - 1 (ADE9153A data sheet Rev. 0 p.1: the current
 *    channel A takes +-26.04 mV peak at its highest gain, 62.5 mV at the lowest; ADE7753 p.9:
 *    +-0.5 V differential on a voltage channel). Beyond it the output saturates (clips).
 *  - Gain error (uncalibrated +-0.5..2 %) and its drift with temperature, reference included:
 *    ADE9000: +-25 ppm/K max for the whole channel; ADE9153A measures the drift at -40, +25 and
 *    +85 C (terminology, p.19); a curvature term for the reference's bow [M].
 *  - Offset (tens of uV) and its drift (uV/K) [M]: removed by the metrology's DC model.
 *  - INL: +-(5..20) ppm of full scale for 24-bit metering converters [M], as a bow of odd
 *    (u^3 - u, a gain that depends on the amplitude) and even (1 - u^2: DC and 2nd harmonic)
 *    order, zero at both ends of the range.
 *  - Noise: white at the SNR (ADE9153A 88 dB, ADE9000 101 dB, MCP3913 94.5 dB SINAD, below a
 *    full-scale sine), plus 1/f noise below a corner (10-100 Hz without chopping, below 1 Hz for
 *    chopper-stabilised inputs as STPM3x and ADE have [M]).
 *  - Filters: the anti-alias RC before the pins (1 kOhm / 33 nF: 0.59 deg at 50 Hz [M]), the
 *    decimation filter's sinc^N magnitude [sin(pi f/r) / (pi f/r)]^N (TI ADS127L21: nulls at
 *    multiples of the rate r) and the low-pass to the output rate (ADE7912/13, AN-1374: a 6th
 *    order LPF, 3.338 kHz bandwidth at 8 kHz, i.e. 0.417 of the output rate), magnitude and
 *    phase (the sinc's linear phase, a Butterworth's); both are the same on every channel of the
 *    chip, which samples them simultaneously, so their phase shifts V and I alike.
 *  - A timing mismatch between channels (ADE7953: V-I phase matching +-0.05 deg, 45-65 Hz) as
 *    a small delay of this channel.
 * Host only (sim/). */
#ifndef METERFW_SIM_SIGMA_DELTA_H
#define METERFW_SIM_SIGMA_DELTA_H

#include <stdint.h>

struct sd_params {
    double fs_volts;           /* peak input at full scale */
    double gain_error;         /* relative, at 23 C */
    double tc1_ppm, tc2_ppm;   /* gain drift, ppm/K and ppm/K^2 about 23 C */
    double offset_v;           /* input-referred offset at 23 C */
    double offset_tc_v_per_k;  /* its drift */
    double inl3_ppm, inl2_ppm; /* peak INL of the odd and even bows, ppm of full scale */
    double snr_db;             /* white noise below a full-scale sine, dB; 0 = none */
    double flicker_hz;         /* 1/f corner (1/f noise equals the white floor there); 0 = none */
    double aaf_r_ohm, aaf_c_f; /* anti-alias RC; 0 = none */
    double delay_s;            /* this channel's timing mismatch */
    unsigned sinc_order;       /* decimation sinc^N; 0 = none */
    double sinc_rate_hz;       /* its output rate */
    unsigned lpf_order;        /* final low-pass (Butterworth magnitude); 0 = none */
    double lpf_bw_frac;        /* its -3 dB frequency as a fraction of the output rate */
};

/* The channel's small-signal response at frequency f (output volts per input volt, complex),
 * at temperature t_c, output rate fs_out (for the low-pass), gain error included. */
void sd_response(const struct sd_params *p, double f_hz, double t_c, double fs_out, double *re,
                 double *im);

/* Its gain at DC (for the offset and a real DC input). */
double sd_dc_gain(const struct sd_params *p, double t_c);

/* White noise rms in codes for a converter of full scale fsc codes. */
double sd_noise_codes(const struct sd_params *p, double fsc);

/* INL in codes at code x (full scale fsc). */
double sd_inl(const struct sd_params *p, double x, double fsc);

/* 1/f noise: three first-order low-pass sections of white noise at the corner, 1/10 and 1/100
 * of it (their sum follows 1/f within about 2 dB from fc/100 to fc), updated every
 * SD_FLICKER_DECIMATION samples (their bandwidth is far below the sample rate). */
#define SD_FLICKER_POLES 3
#define SD_FLICKER_DECIMATION 16
struct sd_flicker {
    double a[SD_FLICKER_POLES], b[SD_FLICKER_POLES]; /* y = a y + b g per update */
    double y[SD_FLICKER_POLES];
    double sum; /* current value, codes */
    unsigned countdown;
};
void sd_flicker_init(struct sd_flicker *fl, const struct sd_params *p, double fs, double white);

#endif /* METERFW_SIM_SIGMA_DELTA_H */
