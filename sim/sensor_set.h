/* SPDX-License-Identifier: Apache-2.0 */
/* sensor_set: the sensors of one meter unit, from shunt to code: per phase a current sensor
 * (a manganin shunt, or a CT for comparison), the voltage divider and two sigma-delta channels,
 * the V->I crosstalk; the neutral channel; the sample clock; the temperature sensor beside the
 * shunts. The simulated front end (afe.h) turns the grid's currents and voltages into codes
 * through it.
 *
 * Three sources of a set:
 *  - sensor_set_typical(): the default unit of a 230 V 5(Imax) A class 1 shunt meter, every
 *    number from a datasheet or a standard (comments in sensor_set.c; the facts are collected in
 *    docs/sensors.md);
 *  - sensor_set_draw(): one unit of a production lot for a Monte-Carlo, each parameter drawn
 *    within its datasheet tolerance around the typical unit (the spread of docs/sensors.md),
 *    some of them shared by the lot (the alloy's melt, the reference's design);
 *  - sensor_file.h: a text file of key = value lines on top of one of those.
 * The firmware of the unit knows only the design (nominal) values: sensor_set_nominal_*(). */
#ifndef METERFW_SIM_SENSOR_SET_H
#define METERFW_SIM_SENSOR_SET_H

#include <stdint.h>

#include "current_transformer.h"
#include "divider.h"
#include "meterfw/base/options.h"
#include "shunt.h"
#include "sigma_delta.h"

enum sensor_current_kind {
    SENSOR_SHUNT = 0,
    SENSOR_CT = 1,
};

struct sensor_phase {
    uint8_t current_kind; /* enum sensor_current_kind */
    struct shunt_params shunt;
    struct ct_params ct;
    struct divider_params divider;
    struct sd_params v_adc, i_adc;
    double xt_db;        /* V->I crosstalk: the I channel's output for a full-scale V input, dB */
    double xt_phase_deg; /* ... and its phase */
};

/* The sample clock: a crystal's initial error and its parabola about the turnover temperature,
 * and the rms jitter of the sampling instant. */
struct sensor_clock {
    double ppm;          /* at the turnover */
    double b_ppm_per_k2; /* < 0: slower on both sides */
    double turnover_c;
    double jitter_s;
};

/* The temperature sensor (an AFE's, beside the shunts): reads the meter's inside temperature
 * times (1 + gain_error) plus offset, quantised to the resolution. */
struct sensor_tsense {
    double offset_c;
    double gain_error;
    double resolution_c;
};

struct sensor_set {
    uint8_t phases;
    double imax_a; /* the meter's Imax (the design sizes the shunt and full scale for it) */
    struct sensor_phase ph[MFW_PHASES_MAX];
    struct sensor_phase neutral; /* its current channel (a shunt) */
    struct sensor_clock clock;
    struct sensor_tsense tsense;
    /* The design: what the firmware starts from before calibration, and the shunt's thermal
     * type constants it compensates self-heating with. */
    double design_v_per_code;    /* V per code: nominal divider ratio and full scale */
    double design_a_per_code;    /* A per code: nominal shunt and full scale */
    double design_self_heat_k;   /* K/A^2: nominal R_th * R */
    double design_self_heat_tau; /* s */
    double design_clock_tc2_ppm; /* the crystal type's parabola, ppm/K^2 */
    double design_clock_turnover_c;
};

/* The typical unit of a 230 V 5(imax) A meter of 1 or 3 phases. */
void sensor_set_typical(struct sensor_set *s, uint8_t phases, double imax_a);

/* One unit of a lot: lot and unit seeds (the same lot seed gives the lot-shared parameters). */
void sensor_set_draw(struct sensor_set *s, uint8_t phases, double imax_a, uint64_t lot,
                     uint64_t unit);

/* The same unit with a CT instead of each shunt (class 0.2 errors, a plain core that DC
 * saturates), sized to the same full scale: for comparison. */
void sensor_set_use_ct(struct sensor_set *s);

#endif /* METERFW_SIM_SENSOR_SET_H */
