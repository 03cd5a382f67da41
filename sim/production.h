/* SPDX-License-Identifier: Apache-2.0 */
/* production: the calibration of one unit on the production line, as docs/calibration.md
 * describes it: a polyphase reference source (with its own errors) and a climate chamber drive
 * the unit's sensors (a struct afe with the sensor chain), and the unit's own metrology derives
 * its constants from its ADC samples only (meterfw/metrology/calibration.h), with the temperature
 * input the unit's HAL would give it. Used by meterd (each virtual meter is "produced" at its
 * first start), the type-test bench and the tests. Host only (sim/). */
#ifndef METERFW_SIM_PRODUCTION_H
#define METERFW_SIM_PRODUCTION_H

#include <stdint.h>

#include "afe.h"
#include "meterfw/metrology/metrology.h"

/* What the line does. Durations are in measurement windows (200 ms). */
struct production_plan {
    double un_v, iref_a;          /* the base point (PF 0.5 inductive) */
    double points_a[4];           /* further currents, PF 0.5 inductive; 0 = unused */
    double temps_c[2];            /* chamber temperatures besides 23 C; an entry of 23 = unused */
    unsigned settle_windows;      /* after each change of the source: lock to the line */
    unsigned windows;             /* accumulated per step */
    unsigned low_current_windows; /* ... at no load (the noise floor) */
    unsigned low_point_windows;   /* ... at points up to 0.1 Iref (their noise) */
    double soak_s;                /* chamber: until the meter's inside follows (per temperature) */
};

/* The reference source's errors for this unit's calibration (what it outputs against its
 * setpoints): a calibration bench of NMi type-test grade, sigma 0.02 % on energy and 0.005 deg
 * (docs/sensors.md). */
struct production_bench {
    double u_err, i_err; /* relative */
    double phi_err_deg;  /* the source's angle minus its setpoint */
};

struct production_report {
    double seconds_electrical; /* under load at the reference source */
    double seconds_chamber;    /* soaking in the chamber */
    int failed_step;           /* 0, or the step that failed (1 base, 2 no load, 3 T, 4 points) */
};

/* The plan for a 230 V 5(imax) A meter: base at Iref 5 A; no load; the chamber at -40 C and
 * +70 C (the ends of the brochure's range) with a minute at Imax in each; points at Imin 0.25 A,
 * Itr 0.5 A, 10 Iref and Imax; 2 windows to settle, 10 to accumulate (50 at no load, 100 at
 * points up to 0.1 Iref); 30 min soak. */
void production_default_plan(struct production_plan *p, double imax_a);

/* A bench drawn for one unit (seed): normal errors of the sigma above. */
void production_draw_bench(struct production_bench *b, uint64_t seed);

/* Calibrates the unit: cfg (phases, fs, nominal frequency of the meter) gets every constant of
 * cal[] and t_ref_c; the unit's thermal state and time go on as on the line. The design's
 * self-heating constants come from the unit's sensor set (a type constant). MFW_OK or the
 * error of the step that failed (report->failed_step). */
int production_calibrate(struct afe *unit, struct mfw_metrology_config *cfg,
                         const struct production_plan *plan, const struct production_bench *bench,
                         struct production_report *report);

#endif /* METERFW_SIM_PRODUCTION_H */
