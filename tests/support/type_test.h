/* SPDX-License-Identifier: Apache-2.0 */
/* type_test: the meter as a type test sees it. A unit is a sensor set (sim/sensor_set.h: the
 * typical unit, a Monte-Carlo draw, a CT variant) behind the simulated front end, calibrated by
 * the production procedure (sim/production.h) from its own ADC samples, measured by its own
 * metrology with the temperature input its HAL would give. On it: measurement points at any
 * voltage, current, angle, frequency, ambient temperature and waveform; the IEC 62053-21 Table 8
 * influence tests as variations against the reference conditions; self-heating; starting and
 * no load; repeatability over noise seeds; the Monte-Carlo of units over the temperature range.
 * Shared by bench/bench_accuracy.c (prints them) and tests/test_type_test.c (asserts them). */
#ifndef METERFW_TESTS_TYPE_TEST_H
#define METERFW_TESTS_TYPE_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "afe.h"
#include "meterfw/metrology/metrology.h"
#include "production.h"
#include "sensor_set.h"

#define TT_IB 5.0 /* Iref of a 5(100) A meter */
#define TT_IMAX 100.0
#define TT_UN 230.0

struct tt_unit {
    struct afe afe;
    struct mfw_metrology_config cfg;
    struct mfw_metrology mt;
    struct production_report production;
    uint8_t phases;
    double imax_a;
};

enum tt_wave {
    TT_SINE = 0,
    TT_FIFTH,       /* 10 % 5th in the voltage, 40 % in the current, in phase (IEC harmonics) */
    TT_HALF_WAVE,   /* half-wave rectified current: DC and even harmonics; i_a = its fundamental */
    TT_PHASE_FIRED, /* phase-fired at 90 deg: odd harmonics; i_a = its fundamental */
    TT_BURST,       /* burst firing, 2 cycles on, 2 off: sub-harmonics; i_a = the on current */
};

enum tt_quantity { TT_ACTIVE = 0, TT_REACTIVE };

struct tt_point {
    double u_v, i_a, phi_deg, freq_hz, ambient_c;
    enum tt_wave wave;
    uint8_t loaded_mask;  /* phases with current (0 = all) */
    uint8_t voltage_mask; /* phases with voltage (0 = all) */
    bool reversed;        /* phase sequence L1 L3 L2 */
    double seconds;       /* measured */
    double soak_s;        /* under the point's current before (the shunt element settles) */
    enum tt_quantity quantity;
};

struct tt_result {
    double reference, measured; /* Wh or varh */
    double error_pct;
    double temperature; /* the unit's temperature input at the end, deg C */
};

/* A reference point: Un, i_a, phi at 50 Hz, 23 C, sine, every phase, soaked 60 s; measured 10 s
 * up to 0.1 Ib, 4 s below Ib, else 2 s. */
struct tt_point tt_point_at(double i_a, double phi_deg, enum tt_quantity q);

/* Builds the unit (its sensors, noise seed) and calibrates it on the production line with the
 * bench's errors (NULL: a perfect bench). MFW_OK or the calibration's error. */
int tt_unit_init(struct tt_unit *u, uint8_t phases, uint32_t fs_hz, uint8_t f_nominal_hz,
                 const struct sensor_set *sensors, uint64_t noise_seed,
                 const struct production_bench *bench);

/* Measures one point (after settling the meter at the point's ambient without load, then the
 * point's soak). The truth is the terminals' analytic energy over the real time the unit's
 * samples spanned (its crystal is off as it is). */
int tt_measure(struct tt_unit *u, const struct tt_point *pt, struct tt_result *r);

/* ---- the type test --------------------------------------------------------------------------- */

/* One row of the type-test table: a variation of the error against the reference conditions
 * (percentage points; for the temperature coefficient %/K), with its class 1 limit. */
struct tt_row {
    char name[64];
    double value; /* the worst variation found */
    double limit; /* IEC 62053-21 class 1 */
    char unit[8]; /* "%" or "%/K" */
};

/* The IEC 62053-21 Table 8 influences on one unit: temperature coefficient (PF 1 and 0.5 ind,
 * 20 K windows over -40..+70 C), voltage +-10 %, frequency +-2 %, harmonics, DC and even
 * harmonics, odd harmonics, sub-harmonics, reversed phase sequence and voltage unbalance (3
 * phases), self-heating at Imax for an hour (PF 1 and 0.5). Returns the rows written (<= cap). */
size_t tt_influences(struct tt_unit *u, struct tt_row *rows, size_t cap, bool quick);

/* Starting current (0.004 Ib per loaded phase at Un) for `seconds`: A+ registered against the
 * truth (error %); no load at 1.15 Un for `seconds`: every uWh in any register. */
int tt_starting(struct tt_unit *u, double seconds, double *error_pct);
int tt_no_load(struct tt_unit *u, double seconds, uint64_t *uwh);

/* Repeatability: one point measured with n noise seeds (the unit's sensors and calibration
 * fixed): mean and standard deviation of the error, %. */
int tt_repeatability(const struct sensor_set *s, uint8_t phases, const struct tt_point *pt,
                     unsigned n, double *mean, double *sd);

/* ---- the Monte-Carlo of units ---------------------------------------------------------------- */

enum tt_band { TT_BAND_HIGH = 0, TT_BAND_LOW, TT_BAND_REACTIVE, TT_BANDS };

struct tt_mc_point {
    double i_a, phi_deg, seconds;
    enum tt_quantity quantity;
    enum tt_band band;
};

/* Each unit's worst |error| per band over the temperatures and points, and its worst
 * temperature coefficient (%/K, 20 K windows at PF 1 and 0.5 on the points at Ib and Imax). */
struct tt_mc_unit {
    double worst[TT_BANDS];
    double worst_tc;
    double worst_at_c[TT_BANDS]; /* the temperature of the worst */
};

/* A sample row (unit, temperature, point) for the CSV. */
typedef void (*tt_mc_row_fn)(void *ctx, unsigned unit, double ambient_c, const struct tt_point *pt,
                             const struct tt_result *r, enum tt_band band);

/* Runs `units` units of lot `lot` (sensor_set_draw, a bench drawn per unit), each calibrated
 * by the procedure and measured at every temperature and point. quick: 3 temperatures and
 * 5 points. out[units]. MFW_OK or an error. */
int tt_monte_carlo(uint8_t phases, unsigned units, uint64_t lot, bool quick, struct tt_mc_unit *out,
                   tt_mc_row_fn row, void *ctx);

/* The p-quantile (0..1) of x[n] (sorted copy, nearest rank). */
double tt_quantile(const double *x, size_t n, double p);

#endif /* METERFW_TESTS_TYPE_TEST_H */
