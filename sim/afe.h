/* SPDX-License-Identifier: Apache-2.0 */
/* afe: a simulated analog front end for the host. Parametric voltage and current waveforms per
 * phase, sensor errors, noise and a 24-bit ADC quantiser, producing the struct mfw_adc_frame the
 * metrology eats. Deterministic for a given seed. Host only (uses libm); never linked into src/. */
#ifndef METERFW_SIM_AFE_H
#define METERFW_SIM_AFE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/metrology/metrology.h"
#include "sensor_set.h"

#define AFE_HARMONICS_MAX 40

struct afe_harmonic {
    uint8_t order;    /* 0 = unused, 2..AFE_HARMONICS_MAX+1 */
    double amplitude; /* rms of the harmonic as a fraction of the fundamental rms */
    double phase_deg; /* phase of the harmonic relative to the fundamental of this channel,
                         * in the harmonic's own degrees: x_h(t) = A_h*sqrt2*sin(h*wt + h*ph1 + phase_h) */
};

/* One channel (a voltage or a current) of one phase. */
struct afe_wave {
    double rms;       /* fundamental rms, V or A */
    double phase_deg; /* phase of the fundamental (voltage: e.g. 0/-120/+120; current: voltage
                         * angle minus phi, phi > 0 inductive) */
    double dc;        /* real DC component, V or A */
    uint8_t n_harmonics;
    struct afe_harmonic h[AFE_HARMONICS_MAX];
    /* Burst firing (IEC 62053-21 sub-harmonics test: 2 cycles on, 2 off): on for burst_on line
     * cycles, off for burst_off, switching at the fundamental's phase 0; 0 = always on. Used on
     * a current with the sensor chain (afe_config.sensors_on). */
    uint8_t burst_on, burst_off;
};

struct afe_phase {
    struct afe_wave v, i;
};

/* What the grid and the load look like right now. */
struct afe_state {
    double freq_hz;        /* fundamental frequency, 45..65 */
    double drift_hz_per_s; /* slow linear drift applied continuously from afe_set() on */
    struct afe_phase ph[MFW_PHASES_MAX];
    bool neutral_explicit; /* false: i_n = -(sum of phase currents) as Kirchhoff says
                              * (1 phase: i_n = -i_L, i.e. the return current) */
    struct afe_wave n;     /* used when neutral_explicit */
    /* The meter's ambient temperature minus 23 C (the IEC 62052-11 reference): 0 = reference.
     * Only the sensor chain has a temperature (afe_config.sensors_on). */
    double ambient_offset_c;
};

/* Errors of one sensor + ADC channel. */
struct afe_sensor {
    double gain_error;      /* relative: +0.02 reads 2 % high */
    double phase_error_deg; /* phase lag at the nominal frequency, realised as a time delay
                              * (so it scales with frequency and harmonic order) */
    double offset;          /* ADC offset in codes */
};

struct afe_config {
    uint8_t phases;      /* 1 or 3 */
    uint32_t fs_hz;      /* sample rate, e.g. 4000 or 8000 */
    double f_nominal_hz; /* for the phase-error-to-delay conversion */
    double v_full_scale; /* peak volts at ADC full scale */
    double i_full_scale; /* peak amps at ADC full scale (phases and neutral) */
    uint8_t adc_bits;    /* 24 */
    double snr_db;       /* white noise relative to a full-scale sine; 0 = no noise */
    uint64_t seed;
    struct afe_sensor v_sensor[MFW_PHASES_MAX];
    struct afe_sensor i_sensor[MFW_PHASES_MAX];
    struct afe_sensor n_sensor;
    /* The realistic chain instead of the simple errors above (and instead of v_full_scale,
     * i_full_scale, snr_db): shunt or CT, divider, sigma-delta channels with their drift, INL,
     * noise and filters, crosstalk, clock, self-heating (sensor_set.h). */
    bool sensors_on;
    struct sensor_set sensors;
};

/* Precomputed form of one channel, rebuilt by afe_set() (added to the original API: private to
 * afe.c, but it has to live in struct afe because the caller owns the storage). A channel is a
 * sum over distinct orders h of a[k]*sin(h*theta) + b[k]*cos(h*theta) plus dc, where theta is the
 * delayed fundamental phase; a and b are in ADC codes (full-scale, gain error included). */
struct afe_chan {
    double dc;      /* codes */
    double delay_s; /* sensor phase error as a time delay */
    uint8_t n;      /* number of distinct orders present (fundamental included) */
    uint8_t max_order;
    uint8_t order[AFE_HARMONICS_MAX + 1];
    double a[AFE_HARMONICS_MAX + 1], b[AFE_HARMONICS_MAX + 1];
};

#define AFE_CHANNELS (2 * MFW_PHASES_MAX + 1) /* V and I of each phase, then the neutral */

/* The sensor chain's state (afe_config.sensors_on): the physical phasors of the state, the
 * thermal state of each shunt, the temperatures and frequency the channels were computed at, the
 * codes that do not pass through the burst gate, and the noise generators. */
struct afe_chain {
    double pa[AFE_CHANNELS][AFE_HARMONICS_MAX + 2], pb[AFE_CHANNELS][AFE_HARMONICS_MAX + 2];
    double phys_dc[AFE_CHANNELS];
    double heat_a[MFW_PHASES_MAX + 1]; /* rms current that heats each shunt (DC and gate in) */
    double ac_a[MFW_PHASES_MAX + 1];   /* rms AC current (a CT's operating point) */
    struct shunt_thermal th[MFW_PHASES_MAX + 1];
    double at_f, at_t_int, at_el[MFW_PHASES_MAX + 1]; /* what pre_* were computed at */
    double offset_codes[AFE_CHANNELS];                /* ADC offset and thermo-EMF */
    double white[AFE_CHANNELS];                       /* white noise rms, codes */
    struct sd_flicker flicker[AFE_CHANNELS];
    double vcr_per_code[MFW_PHASES_MAX]; /* the divider's VCR: volts at the input per code */
    uint64_t whole_cycles;               /* fundamental cycles since start (burst gate) */
    double sample_carry;                 /* afe_samples_for's remainder, s */
};

struct afe {
    struct afe_config config;
    struct afe_state st;
    double t;      /* seconds since afe_init */
    double cycles; /* integral of frequency (fundamental phase in cycles), kept in [0,1) */
    uint64_t rng;  /* PRNG state */
    double v_code_per_unit, i_code_per_unit;
    /* Added: precomputed channels and drift bookkeeping (see struct afe_chan). */
    uint64_t n_samples; /* samples generated since afe_init (t = n_samples / fs) */
    double t_set;       /* time of the last afe_set(), origin of the drift */
    double noise_codes; /* noise rms in codes, 0 = none */
    struct afe_chan pre_v[MFW_PHASES_MAX], pre_i[MFW_PHASES_MAX], pre_n;
    struct afe_chain chain; /* sensors_on only */
};

/* Defaults: 1 or 3 phases, fs, 50 Hz, full scales for 230 V (600 V peak) and imax_a
 * (i_full_scale = imax * sqrt2 * 1.2), 24 bits, no noise, no sensor errors, seed 1. */
void afe_default_config(struct afe_config *c, uint8_t phases, uint32_t fs_hz, double imax_a);
int afe_init(struct afe *a, const struct afe_config *c); /* MFW_OK or MFW_E_ARG */
/* Takes effect from the next sample; the fundamental phase stays continuous across changes. */
void afe_set(struct afe *a, const struct afe_state *s);
void afe_generate(struct afe *a, struct mfw_adc_frame *out, size_t n);
/* Nominal scale (no sensor error): volts and amps per code. A calibration starts from these
 * (with the sensor chain: the design's, sensor_set.h). */
double afe_volts_per_code(const struct afe *a);
double afe_amps_per_code(const struct afe *a);

/* Sensor chain: the samples that cover `seconds` of real time at the unit's own sample clock
 * (its crystal error and drift; the remainder is carried to the next call). Without the chain:
 * seconds * fs, rounded, also carried. */
size_t afe_samples_for(struct afe *a, double seconds);
/* The sample rate in real time (the crystal's error at the inside temperature), Hz. */
double afe_sample_rate(const struct afe *a);
/* Sensor chain: what the unit's temperature sensor reads now (deg C): the meter's inside (the
 * ambient plus the terminals' and case's self-heating), with the sensor's offset, slope and
 * resolution. Without the chain: 23 C plus the state's ambient offset. */
double afe_temperature_reading(const struct afe *a);
/* Sensor chain: the temperature of phase p's shunt element (deg C), and the inside of the meter. */
double afe_shunt_temperature(const struct afe *a, unsigned p);
double afe_inside_temperature(const struct afe *a);
/* Sensor chain: advances the thermal state by `seconds` at the present state without making
 * samples (a long soak between measurements); phase and time go on too. */
void afe_skip(struct afe *a, double seconds);

/* An angle in degrees brought into (-180, 180]. */
double afe_wrap180(double deg);

/* Fill a state: balanced voltages u_rms at freq (0/-120/+120 deg), currents i_rms at power
 * factor angle phi_deg (positive = inductive: current lags) on every phase, no harmonics. */
void afe_state_sine(struct afe_state *s, uint8_t phases, double u_rms, double i_rms, double phi_deg,
                    double freq_hz);

/* The analytic quantities of a state, in double (the truth the metrology is judged against; the
 * same fields as struct mfw_metrology_block, which afe_quantities_block() fills from it for the
 * fast fidelity). */
struct afe_quantities {
    double duration_s;
    double freq_hz;
    struct {
        double vrms, irms, p, q; /* q is fundamental reactive power */
        double v_angle_deg;
    } ph[MFW_PHASES_MAX];
    double i_n;
};

/* P = sum over harmonics of V_h*I_h*cos(angle), Q = fundamental V1*I1*sin(phi1), Vrms/Irms over
 * all harmonics (DC excluded, see metrology.h), per phase and i_n, over the given duration. */
void afe_state_quantities(const struct afe_state *s, uint8_t phases, double duration_s,
                          struct afe_quantities *out);
/* The block the fast fidelity feeds to the meter (single precision, as the metrology's). */
void afe_quantities_block(const struct afe_quantities *q, struct mfw_metrology_block *b);

#endif /* METERFW_SIM_AFE_H */
