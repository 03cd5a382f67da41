/* SPDX-License-Identifier: Apache-2.0 */
/* metrology: ADC sample sets in, per-phase quantities and energy increments out.
 *
 * Knows nothing of tariffs or DLMS. Per sample it only adds integer products into 64-bit
 * accumulators (fixed point, as a metering IC does); once per measurement window (10 line cycles,
 * IEC 61000-4-30 class S) it turns the sums into physical values in floating point.
 *
 * Definitions (stated once, used everywhere):
 *  - Active power P is the total (all-harmonic) mean of v*i, as IEC 62053-21 meters register it.
 *  - Reactive power Q is the FUNDAMENTAL reactive power Q1 = V1*I1*sin(phi1), the definition of
 *    IEC 62053-24 (62053-23 defines Q for sinusoidal signals only, where both agree). V1 and I1
 *    come from a synchronous demodulator locked to the measured line frequency, so Q stays right
 *    at 45..65 Hz (a fixed quarter-period delay would not).
 *  - Apparent power S = Vrms*Irms (arithmetic), PF = P/S, angle = atan2(Q1, P1).
 *  - Quadrants (IEC 62053-23 / ADE9000 UG-1098 fig.): Q1: P>=0,Q>=0; Q2: P<0,Q>=0; Q3: P<0,Q<0;
 *    Q4: P>=0,Q<0. R+ = QI+QII, R- = QIII+QIV.
 *  - DC on a channel (ADC offset or real DC) is removed per window; Irms is the rms of the AC part.
 */
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

/* Per-phase calibration: raw ADC units to physical units. */
struct mfw_metrology_cal_phase {
    double v_gain;       /* volts per ADC code */
    double i_gain;       /* amps per ADC code */
    double i_delay_s;    /* current-channel delay relative to voltage (s); positive = lags.
                           * A delay gives a phase error that grows with frequency, as the
                           * anti-alias filter and shunt inductance do. */
    double i_rms_offset; /* A^2 subtracted from Irms^2 (noise floor), ADE xIRMSOS */
    double p_offset;     /* W subtracted from P (crosstalk), ADE xWATTOS */
    double q_offset;     /* var subtracted from Q */
};

struct mfw_metrology_config {
    uint8_t phases;       /* 1 (162M) or 3 (382M) */
    uint32_t fs_hz;       /* sample rate of the sample sets, e.g. 4000 or 8000 */
    uint8_t f_nominal_hz; /* 50 or 60 */
    enum mfw_summation summation;
    double creep_current_a;   /* below this Irms a phase registers nothing */
    double voltage_present_v; /* a phase below this voltage counts as absent (no ZC reference) */
    struct mfw_metrology_cal_phase cal[MFW_PHASES_MAX];
    double i_n_gain; /* amps per code of the neutral channel */
};

/* One window's readings of a phase. */
struct mfw_phase_values {
    double vrms, irms;  /* V, A */
    double p, q, s;     /* W (total), var (fundamental), VA */
    double p1;          /* fundamental active power, W */
    double v1, i1;      /* fundamental rms, V and A */
    double pf;          /* P/S, signed like P; 0 when S is 0 */
    double angle_deg;   /* phi1 = angle of V1 minus angle of I1, -180..180 */
    double v_angle_deg; /* angle of V1 relative to V1 of the reference phase */
    bool voltage_present;
    bool creep; /* below the creep threshold: no energy this window */
};

/* Everything one measurement window produced. */
struct mfw_metrology_values {
    uint32_t seq;      /* window counter, increments per window */
    double duration_s; /* length of the window */
    double freq_hz;    /* line frequency, from interpolated zero crossings */
    bool freq_locked;  /* false when no phase has voltage: nominal frequency is assumed */
    struct mfw_phase_values ph[MFW_PHASES_MAX];
    double i_n;                            /* neutral current rms, A */
    double p, q, s;                        /* totals (vector sum of P and Q, arithmetic sum of S) */
    double vrms_cycle_min[MFW_PHASES_MAX]; /* lowest one-cycle rms voltage within the window */
    double vrms_cycle_max[MFW_PHASES_MAX]; /* highest one-cycle rms voltage within the window */
};

/* Integer energy handed to the meter: microwatt-hours (or microvar-hours). A uint64 in uWh
 * holds 1.8e10 kWh, 1500 times the 20-year energy of a 3x100 A meter at 115 % Un. */
struct mfw_energy_delta {
    uint64_t uwh[MFW_PHASES_MAX + 1][MFW_EQ_COUNT]; /* [phase] and [MFW_PHASES_MAX] = total */
};
#define MFW_ENERGY_TOTAL MFW_PHASES_MAX

/* Fast fidelity: quantities of a block of line cycles, computed elsewhere (e.g. analytically
 * from a scenario), fed to the same energy and reading logic instead of samples. */
struct mfw_metrology_block {
    double duration_s;
    double freq_hz;
    struct {
        double vrms, irms, p, q; /* q is fundamental reactive power */
        double v_angle_deg;
    } ph[MFW_PHASES_MAX];
    double i_n;
};

/* Raw sums of one window, kept for calibration (before gains are applied). */
struct mfw_metrology_raw_phase {
    double v2, i2;                     /* mean square of the AC part, codes^2 */
    double p;                          /* mean v*i, codes^2 */
    double v1_re, v1_im, i1_re, i1_im; /* fundamental phasors, rms codes */
};

struct mfw_metrology_acc {      /* per-phase accumulators of the per-sample path */
    int64_t sv, si;             /* sum v, sum i */
    int64_t svv, sii, svi;      /* sum v^2, i^2, v*i */
    int64_t svc, svs, sic, sis; /* sum v*cos, v*sin, i*cos, i*sin (reference in Q15) */
    int64_t svd;                /* sum v(n-1)*(i(n)-i(n-2)): harmonic phase correction */
};

struct mfw_metrology {
    struct mfw_metrology_config config;
    /* per-sample state */
    uint32_t theta;       /* phase of the reference oscillator, 2^32 = one cycle */
    uint32_t theta_inc;   /* per-sample increment, locked to the measured frequency */
    int32_t zc_prev;      /* previous sample of the zero-crossing reference channel */
    bool zc_armed;        /* reference went below -threshold since the last crossing */
    uint8_t zc_phase;     /* which phase's voltage gives the zero crossings */
    int32_t zc_threshold; /* arming threshold, codes */
    int32_t hist_v[MFW_PHASES_MAX], hist_i1[MFW_PHASES_MAX], hist_i2[MFW_PHASES_MAX];
    uint32_t cycle_max; /* a cycle with no crossing ends after this many samples */
    uint32_t cyc_n;     /* samples in the current cycle */
    struct mfw_metrology_acc cyc[MFW_PHASES_MAX]; /* current line cycle */
    int64_t cyc_snn, cyc_sn;
    /* window state */
    struct mfw_metrology_acc win[MFW_PHASES_MAX];
    int64_t win_snn, win_sn;
    uint32_t win_n;     /* samples in the window */
    uint8_t win_cycles; /* completed cycles in the window */
    uint8_t win_forced; /* cycles that ended without a crossing */
    uint8_t cycles_per_window;
    bool zc_open_valid;       /* the window opened on a real crossing */
    bool last_boundary_real;  /* the last cycle ended on a real crossing */
    uint32_t win_theta0;      /* reference phase at the first sample of the window */
    double zc_open, zc_close; /* interpolated crossing times, samples since window start */
    double cyc_vmin[MFW_PHASES_MAX], cyc_vmax[MFW_PHASES_MAX]; /* one-cycle rms extremes */
    double freq_hz;                                            /* last measured frequency */
    /* energy not yet handed out */
    double carry_nwh[MFW_PHASES_MAX + 1][MFW_EQ_COUNT]; /* sub-uWh remainder in nWh, carried */
    struct mfw_energy_delta pending;
    /* outputs */
    struct mfw_metrology_values values;
    struct mfw_metrology_raw_phase raw[MFW_PHASES_MAX];
    bool fresh; /* a new window completed since mfw_metrology_read() */
};

/* Fill cfg with defaults for a meter of `phases` phases at fs_hz and f_nominal_hz (unity gains:
 * one code = 1 V / 1 A until calibrated). */
void mfw_metrology_default_config(struct mfw_metrology_config *cfg, uint8_t phases, uint32_t fs_hz,
                                  uint8_t f_nominal_hz);

/* Returns MFW_OK or MFW_E_ARG for an impossible configuration. */
int mfw_metrology_init(struct mfw_metrology *mt, const struct mfw_metrology_config *cfg);

/* Per-sample path: bounded time, integer arithmetic, no allocation. Completes windows as the
 * data passes their ends. */
void mfw_metrology_samples(struct mfw_metrology *mt, const struct mfw_adc_frame *f, size_t n);

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

#endif /* METERFW_METROLOGY_METROLOGY_H */
