/* SPDX-License-Identifier: Apache-2.0 */
/* metrology: ADC sample sets in, per-phase quantities and energy increments out.
 *
 * Knows nothing of tariffs or DLMS. Per sample it only adds integer products into 64-bit
 * accumulators (fixed point, as a metering IC does); once per measurement window (10 line cycles
 * at 50 Hz, 12 at 60 Hz: IEC 61000-4-30 class S) it turns the sums into physical values in single
 * precision (the Cortex-M4F FPU has no double), and the energy of the window into integers.
 *
 * Definitions (stated once, used everywhere):
 *  - Active power P is the total (all-harmonic) mean of v*i, as IEC 62053-21 meters register it.
 *  - Reactive power Q is the FUNDAMENTAL reactive power Q1 = V1*I1*sin(phi1), the definition of
 *    IEC 62053-24 (62053-23 defines Q for sinusoidal signals only, where both agree). V1 and I1
 *    come from a synchronous demodulator; its model is solved at the frequency measured in the
 *    window, so Q stays right at 40..70 Hz and in the first window after start-up too.
 *  - Apparent power S = Vrms*Irms (arithmetic), PF = P/S, angle = atan2(Q1, P1).
 *  - Quadrants (IEC 62053-23 / ADE9000 UG-1098 fig.): Q1: P>=0,Q>=0; Q2: P<0,Q>=0; Q3: P<0,Q<0;
 *    Q4: P>=0,Q<0. R+ = QI+QII, R- = QIII+QIV.
 *  - DC on a channel (ADC offset or real DC) is removed per window; Irms is the rms of the AC part.
 *
 * Compensation, per window (the sensor chain a metering IC corrects, ADE9000 UG-1098 p.12,
 * ATM90E32AS, Teridian 71M654x GAIN_ADJ):
 *  - per phase a voltage gain and a current gain (units per code at the reference temperature),
 *    and a current-channel delay (a phase error that grows with frequency, as a shunt's L/R and
 *    the anti-alias filters give);
 *  - a gain and a phase correction as a piecewise-linear function of the current
 *    (struct mfw_metrology_cal_point: non-linear sensors, a CT's magnetising current);
 *  - temperature: each channel's sensitivity drifts as 1 + tc1 dT + tc2 dT^2 (a shunt's parabola,
 *    the reference, the divider), dT from the temperature input of the HAL that the meter passes
 *    in (mfw_metrology_set_temperature); the current channel's shunt runs hotter than that input
 *    by its own I^2 R self-heating, which a first-order thermal model of the shunt estimates;
 *  - offsets: the Irms noise floor and the P and Q of crosstalk at no load.
 *  The production procedure that finds all of these from the ADC samples is calibration.h. */
#ifndef METERFW_METROLOGY_METROLOGY_H
#define METERFW_METROLOGY_METROLOGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/base/options.h"

/* One sample set from the analog front end: signed 24-bit ADC codes in int32. */
struct mfw_adc_frame {
    int32_t v[MFW_PHASES_MAX];
    int32_t i[MFW_PHASES_MAX];
    int32_t i_n; /* neutral current channel */
};

/* Energy quantities kept per phase and in total. */
enum mfw_energy_qty {
    MFW_EQ_AP = 0, /* A+  active import  (OBIS C=1)  */
    MFW_EQ_AM,     /* A-  active export  (C=2)       */
    MFW_EQ_RP,     /* R+  reactive QI+QII (C=3)      */
    MFW_EQ_RM,     /* R-  reactive QIII+QIV (C=4)    */
    MFW_EQ_RQ1,    /* reactive in quadrant I (C=5)   */
    MFW_EQ_RQ2,    /* quadrant II (C=6)              */
    MFW_EQ_RQ3,    /* quadrant III (C=7)             */
    MFW_EQ_RQ4,    /* quadrant IV (C=8)              */
    MFW_EQ_COUNT
};

/* How phase energies add up to the total registers of a polyphase meter. */
enum mfw_summation {
    /* Vector (net) summation: the phase powers are added first and the sum is routed by its
     * sign, as a 3-element Ferraris meter or EN 50470-3 type test sees it. DEFAULT. */
    MFW_SUM_VECTOR = 0,
    /* Per-phase ("individual import/export", Kamstrup TD §3.2.2): each phase is routed by its own
     * sign and the totals are the sums of the per-phase registers. */
    MFW_SUM_PER_PHASE = 1,
};

/* One point of the current-dependent correction of a phase: at current i_a (A, through the base
 * current gain) the current channel reads `gain` times too high and lags by `phase_rad` more
 * (at the nominal frequency) than at the base calibration; both are divided / advanced out.
 * Between points the correction is linear in the current, outside them it is the end point's. */
struct mfw_metrology_cal_point {
    float i_a;
    float gain;
    float phase_rad;
};

/* Per-phase calibration: raw ADC units to physical units. */
struct mfw_metrology_cal_phase {
    float v_gain;       /* volts per ADC code, at the reference temperature */
    float i_gain;       /* amps per ADC code, at the reference temperature */
    float i_delay_s;    /* current-channel delay relative to voltage (s); positive = lags */
    float i_rms_offset; /* A^2 subtracted from Irms^2 (noise floor), ADE xIRMSOS */
    float p_offset;     /* W subtracted from P (crosstalk), ADE xWATTOS */
    float q_offset;     /* var subtracted from Q */
    uint8_t n_points;   /* used entries of point[], ascending in i_a */
    struct mfw_metrology_cal_point point[MFW_CAL_POINTS];
    /* Temperature: a channel's sensitivity is 1 + tc1 dT + tc2 dT^2 times the one at the
     * reference temperature (dT = T - t_ref_c); the gains are divided by it. */
    float v_tc1, v_tc2; /* 1/K, 1/K^2 */
    float i_tc1, i_tc2;
    float i_delay_tc; /* s/K: the current delay's drift */
    /* Self-heating of the shunt above the temperature input: rise = k I^2 in steady state,
     * reached with the time constant tau (a type constant of the shunt: Rth * R). 0 = none. */
    float self_heat_k_per_a2;
    float self_heat_tau_s;
};

struct mfw_metrology_config {
    uint8_t phases;       /* 1 (162M) or 3 (382M) */
    uint32_t fs_hz;       /* sample rate of the sample sets, e.g. 4000 or 8000 */
    uint8_t f_nominal_hz; /* 50 or 60: the window length (10 or 12 cycles) and the fallback */
    enum mfw_summation summation;
    float creep_current_a;   /* below this Irms a phase registers nothing */
    float voltage_present_v; /* a phase below this voltage counts as absent (no ZC reference) */
    float t_ref_c;           /* the temperature input's reading when the gains were taken */
    int32_t clip_code;       /* |code| at or above this is ADC saturation (over-range) */
    /* The sample clock's crystal: its frequency is off by tc2 (T - turnover)^2 ppm (an AT or
     * tuning-fork cut's parabola, a type constant of the crystal's data sheet); the window's
     * duration, its energy and the frequency reading are corrected for it. 0 = none. */
    float clock_tc2_ppm; /* ppm/K^2, < 0 */
    float clock_turnover_c;
    struct mfw_metrology_cal_phase cal[MFW_PHASES_MAX];
    float i_n_gain; /* amps per code of the neutral channel */
};

/* One window's readings of a phase. */
struct mfw_phase_values {
    float vrms, irms;  /* V, A */
    float p, q, s;     /* W (total), var (fundamental), VA */
    float p1;          /* fundamental active power, W */
    float v1, i1;      /* fundamental rms, V and A */
    float pf;          /* P/S, signed like P; 0 when S is 0 */
    float angle_deg;   /* phi1 = angle of V1 minus angle of I1, -180..180 */
    float v_angle_deg; /* angle of V1 relative to V1 of the reference phase */
    bool voltage_present;
    bool creep;     /* below the creep threshold: no energy this window */
    bool clipped_v; /* a voltage sample reached the ADC's range this window */
    bool clipped_i; /* a current sample did: the readings and energy are too low */
};

/* Everything one measurement window produced. */
struct mfw_metrology_values {
    uint32_t seq;      /* window counter, increments per window */
    uint32_t samples;  /* sample sets in the window (0 for a fast-fidelity block) */
    float duration_s;  /* length of the window in real time (the crystal's drift corrected) */
    float freq_hz;     /* line frequency, from interpolated zero crossings */
    bool freq_locked;  /* false when no phase has voltage: nominal frequency is assumed */
    float temperature; /* the temperature input used for compensation, deg C */
    struct mfw_phase_values ph[MFW_PHASES_MAX];
    float i_n;                            /* neutral current rms, A */
    float p, q, s;                        /* totals (vector sum of P and Q, arithmetic sum of S) */
    float vrms_cycle_min[MFW_PHASES_MAX]; /* lowest one-cycle rms voltage within the window */
    float vrms_cycle_max[MFW_PHASES_MAX]; /* highest one-cycle rms voltage within the window */
};

/* Integer energy handed to the meter: microwatt-hours (or microvar-hours). A uint64 in uWh
 * holds 1.8e10 kWh, 1500 times the 20-year energy of a 3x100 A meter at 115 % Un. */
struct mfw_energy_delta {
    uint64_t uwh[MFW_PHASES_MAX + 1][MFW_EQ_COUNT]; /* [phase] and [MFW_PHASES_MAX] = total */
};
#define MFW_ENERGY_TOTAL MFW_PHASES_MAX

/* Fast fidelity: quantities of a block of line cycles, computed elsewhere (e.g. analytically
 * from a scenario), fed to the same energy and reading logic instead of samples. The energy of a
 * block is P and Q rounded to whole uW / uvar times the duration rounded to whole ms, in integers. */
struct mfw_metrology_block {
    float duration_s;
    float freq_hz;
    struct {
        float vrms, irms, p, q; /* q is fundamental reactive power */
        float v_angle_deg;
    } ph[MFW_PHASES_MAX];
    float i_n;
};

/* Raw sums of one window, kept for calibration (before gains are applied). */
struct mfw_metrology_raw_phase {
    float v2, i2;                     /* mean square of the AC part, codes^2 */
    float p;                          /* mean v*i, codes^2 */
    float v1_re, v1_im, i1_re, i1_im; /* fundamental phasors, rms codes */
};

struct mfw_metrology_acc {      /* per-phase accumulators of the per-sample path */
    int64_t sv, si;             /* sum v, sum i */
    int64_t svv, sii, svi;      /* sum v^2, i^2, v*i */
    int64_t svc, svs, sic, sis; /* sum v*cos, v*sin, i*cos, i*sin (reference in Q20) */
    int64_t svd;                /* sum v(n-1)*(i(n)-i(n-2)): harmonic phase correction */
};

struct mfw_metrology {
    struct mfw_metrology_config config;
    /* per-sample state */
    uint32_t theta;       /* phase of the reference oscillator, 2^32 = one cycle */
    uint32_t theta_inc;   /* per-sample increment, locked to the measured frequency */
    int32_t osc_c, osc_s; /* the oscillator, cos and sin of theta in Q30 (rotation recurrence) */
    int32_t rot_c, rot_s; /* its per-sample rotation: cos and sin of theta_inc in Q30 */
    uint32_t osc_left;    /* samples until the oscillator is resynchronised to theta */
    bool zc_armed;        /* reference went below -threshold since the last crossing */
    uint8_t zc_phase;     /* which phase's voltage gives the zero crossings */
    int32_t zc_threshold; /* arming threshold, codes */
    int32_t hist_v[MFW_PHASES_MAX], hist_i1[MFW_PHASES_MAX], hist_i2[MFW_PHASES_MAX];
    uint32_t cycle_max; /* a cycle with no crossing ends after this many samples */
    uint32_t cyc_n;     /* samples in the current cycle */
    struct mfw_metrology_acc cyc[MFW_PHASES_MAX]; /* current line cycle */
    int64_t cyc_snn, cyc_sn;
    uint32_t clip_v, clip_i; /* bit p: phase p reached the ADC's range in this window */
    /* window state */
    struct mfw_metrology_acc win[MFW_PHASES_MAX];
    int64_t win_snn, win_sn;
    uint32_t win_n;     /* samples in the window */
    uint8_t win_cycles; /* completed cycles in the window */
    uint8_t win_forced; /* cycles that ended without a crossing */
    uint8_t cycles_per_window;
    bool zc_open_valid;      /* the window opened on a real crossing */
    bool last_boundary_real; /* the last cycle ended on a real crossing */
    uint32_t win_theta0;     /* reference phase at the first sample of the window */
    float zc_open, zc_close; /* interpolated crossing times, samples since window start */
    float cyc_vmin[MFW_PHASES_MAX], cyc_vmax[MFW_PHASES_MAX]; /* one-cycle rms extremes */
    float freq_hz;                                            /* last measured frequency */
    float temperature;                                        /* the temperature input, deg C */
    float self_heat_k[MFW_PHASES_MAX];                        /* estimated shunt rise above it, K */
    /* energy not yet handed out: sub-uWh remainders in units of 1/(1000 fs) uJ, exact */
    uint64_t carry[MFW_PHASES_MAX + 1][MFW_EQ_COUNT];
    struct mfw_energy_delta pending;
    /* outputs */
    struct mfw_metrology_values values;
    struct mfw_metrology_raw_phase raw[MFW_PHASES_MAX];
    bool fresh;    /* a new window completed since mfw_metrology_read() */
    bool flushing; /* mfw_metrology_flush is closing a partial window */
};

/* Fill cfg with defaults for a meter of `phases` phases at fs_hz and f_nominal_hz (unity gains:
 * one code = 1 V / 1 A until calibrated; 24-bit ADC range; reference temperature 23 C). */
void mfw_metrology_default_config(struct mfw_metrology_config *cfg, uint8_t phases, uint32_t fs_hz,
                                  uint8_t f_nominal_hz);

/* Returns MFW_OK or MFW_E_ARG for an impossible configuration. */
int mfw_metrology_init(struct mfw_metrology *mt, const struct mfw_metrology_config *cfg);

/* Per-sample path: bounded time, integer arithmetic, no allocation. Completes windows as the
 * data passes their ends. */
void mfw_metrology_samples(struct mfw_metrology *mt, const struct mfw_adc_frame *f, size_t n);

/* The temperature input (deg C, e.g. the AFE's sensor through the HAL), used from the next
 * window on. Until it is set the reference temperature is assumed (no compensation). */
void mfw_metrology_set_temperature(struct mfw_metrology *mt, float t_c);

/* Fast fidelity: account a block of cycles with known quantities (same energy routing, creep and
 * readings as the sample path). */
void mfw_metrology_block(struct mfw_metrology *mt, const struct mfw_metrology_block *b);

/* Closes the open window now, with what it holds (a partial window, frequency not updated), so
 * that its energy reaches the registers: before a planned shutdown or a power-fail save. */
void mfw_metrology_flush(struct mfw_metrology *mt);

/* True (and copies the values) if a window completed since the last call. */
bool mfw_metrology_read(struct mfw_metrology *mt, struct mfw_metrology_values *out);

/* Moves the whole uWh accumulated since the last call into d (d is overwritten). The sub-uWh
 * remainder stays inside: nothing is ever dropped. */
void mfw_metrology_drain(struct mfw_metrology *mt, struct mfw_energy_delta *d);

/* Raw sums of the last window (for calibration). */
const struct mfw_metrology_raw_phase *mfw_metrology_raw(const struct mfw_metrology *mt,
                                                        unsigned phase);

/* The current correction of phase `phase` at current i_a (A): gain factor and extra lag (rad at
 * the nominal frequency), interpolated in cal->point[] as the window does. */
void mfw_metrology_point_correction(const struct mfw_metrology_cal_phase *cal, float i_a,
                                    float *gain, float *phase_rad);

#endif /* METERFW_METROLOGY_METROLOGY_H */
