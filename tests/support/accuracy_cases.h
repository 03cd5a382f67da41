/* SPDX-License-Identifier: Apache-2.0 */
/* The IEC 62053-21 / EN 50470-3 / IEC 62053-23 accuracy matrix, run on the simulated front end
 * with deliberate sensor errors calibrated out. Shared by bench_accuracy (prints the table) and
 * tests/test_accuracy.c (asserts every point at a tenth of its class limit). */
#ifndef METERFW_BENCH_ACCURACY_CASES_H
#define METERFW_BENCH_ACCURACY_CASES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "afe.h"

enum acc_quantity { ACC_ACTIVE, ACC_REACTIVE };

/* Where a point stands in the class table, for the summary line. */
enum acc_band {
    ACC_BAND_START, /* at the starting current: must register, no accuracy limit */
    ACC_BAND_LOW,   /* Imin <= I < Itr (0.05..0.1 Ib) */
    ACC_BAND_HIGH,  /* Itr <= I <= Imax */
};

struct acc_case {
    char name[32];  /* group, e.g. "B1 current x PF" */
    uint8_t phases; /* 1 (162M) or 3 (382M) */
    uint32_t fs_hz;
    double f_nominal_hz;
    double u_v;     /* rms per phase */
    double i_a;     /* rms per loaded phase */
    double phi_deg; /* V to I angle, > 0 inductive; 180 added = export */
    double freq_hz;
    uint8_t loaded_mask; /* phases carrying current */
    bool reversed;       /* phase sequence L1, L3, L2 */
    double snr_db;       /* ADC noise; 0 = none */
    uint8_t n_vh, n_ih;  /* harmonics in voltage / current */
    struct afe_harmonic vh[8];
    struct afe_harmonic ih[AFE_HARMONICS_MAX];
    double i_dc_frac; /* DC in the current, as a fraction of its fundamental rms */
    double seconds;   /* measurement time */
    enum acc_quantity quantity;
    enum acc_band band;
    double limit_pct; /* class limit (IEC 62053-21 cl. 1 / 62053-23 cl. 2); < 0: none */
};

struct acc_result {
    double reference; /* Wh or varh, analytic */
    double measured;  /* Wh or varh, from the meter's registers */
    double error_pct;
    double pf;
};

/* The whole matrix. Returns the number of cases written (at most cap). */
size_t acc_cases(struct acc_case *out, size_t cap);

/* Runs one case: builds the front end with sensor errors, calibrates (cached per
 * phases/fs/f_nominal in *cal_cache), measures. MFW_OK or a negative error. */
struct acc_calibration;
struct acc_cal_cache {
    unsigned n;
    struct acc_cal_entry {
        uint8_t phases;
        uint32_t fs_hz;
        double f_nominal_hz;
        struct mfw_metrology_config cfg;
    } e[8];
};
int acc_run(const struct acc_case *c, struct acc_cal_cache *cache, struct acc_result *r);

/* The front end's deliberate sensor errors (gain, phase, offset per channel), for the README. */
void acc_sensor_errors(struct afe_config *c);

/* No-load / starting: runs `seconds` at u_v per phase and i_a (PF 1, balanced) with noise;
 * returns every uWh registered in any total register (A+, A-, R+, R-, RQ1..4), and A+ alone. */
int acc_creep(uint8_t phases, double seconds, double snr_db, double u_v, double i_a,
              struct acc_cal_cache *cache, uint64_t *uwh_registered, uint64_t *uwh_aplus);
#endif /* METERFW_BENCH_ACCURACY_CASES_H */
