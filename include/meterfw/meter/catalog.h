/* SPDX-License-Identifier: Apache-2.0 */
/* catalog: the quantities a profile can capture (the analysis log's >80 candidates, and the
 * columns of the fixed profiles LP1, daily and billing).
 *
 * Each entry gives the quantity's OBIS code (IEC 62056-61, A.B.C.D.E.F), its COSEM unit and
 * scaler (the scaler_unit of the Register it stands for: stored value = SI value / 10^scaler),
 * and its kind:
 *  - MFW_CATALOG_AVERAGE: a profile stores the time-weighted mean over the capture period (voltage,
 *    current, power, power factor, frequency, angle, temperature);
 *  - MFW_CATALOG_INSTANT: a profile stores the value at capture time (energy registers, demand,
 *    min/max registers).
 *
 * The values are read through a callback the meter provides (mfw_catalog_read_fn), in one of two
 * forms (struct mfw_catalog_value):
 *  - EXACT: registers (energy, demand), read from the meter's integers straight into the stored
 *    integer of the entry's scaler, truncated toward zero like a mechanical register (never
 *    through floating point: a register never reads more than the meter measured);
 *  - MEASURED: everything else, in SI units: V, A, W, var, VA, Hz, degrees, degrees Celsius;
 *    power factor unitless; rounded half away from zero to the scaler. Sign conventions (the "+"/"-" quantities are never negative):
 *  - P+ = max(P, 0) (import part), P- = max(-P, 0) (export part), per phase and total;
 *  - Q+ = max(Q, 0) (quadrants I+II), Q- = max(-Q, 0) (quadrants III+IV);
 *  - S  = apparent power, >= 0; PF = |P| / S in [0, 1] (0 when S = 0);
 *  - angles in degrees in [0, 360), measured from the first phasor named to the second;
 *  - energies are the cumulative registers (monotonic, >= 0); demand in W.
 * A quantity the meter cannot provide (temperature without a sensor, L2/L3 on a single-phase
 * meter) reads as NaN: the profile then stores 0 and flags the entry "data not valid".
 *
 * Ids are stable: they are stored in the meter's configuration (the analysis log's capture
 * objects), so new quantities are appended, never inserted. */
#ifndef METERFW_METER_CATALOG_H
#define METERFW_METER_CATALOG_H

#include <stdint.h>

/* COSEM unit enumeration (IEC 62056-6-2 / Blue Book table of units). */
enum mfw_cosem_unit {
    MFW_COSEM_UNIT_DEGREE = 8,
    MFW_COSEM_UNIT_CELSIUS = 9,
    MFW_COSEM_UNIT_W = 27,
    MFW_COSEM_UNIT_VA = 28,
    MFW_COSEM_UNIT_VAR = 29,
    MFW_COSEM_UNIT_WH = 30,
    MFW_COSEM_UNIT_VARH = 32,
    MFW_COSEM_UNIT_A = 33,
    MFW_COSEM_UNIT_V = 35,
    MFW_COSEM_UNIT_HZ = 44,
    MFW_COSEM_UNIT_NONE = 255,
};

enum mfw_catalog_kind {
    MFW_CATALOG_AVERAGE = 0,
    MFW_CATALOG_INSTANT = 1,
};

/* Quantity ids. Append only (see above). */
enum mfw_catalog_id {
    /* Per phase, averaged: voltage, current, P+, P-, Q+, Q-, S, PF for L1, L2, L3. */
    MFW_CAT_U_L1 = 0,
    MFW_CAT_U_L2,
    MFW_CAT_U_L3,
    MFW_CAT_I_L1,
    MFW_CAT_I_L2,
    MFW_CAT_I_L3,
    MFW_CAT_PP_L1,
    MFW_CAT_PP_L2,
    MFW_CAT_PP_L3, /* P+ */
    MFW_CAT_PM_L1,
    MFW_CAT_PM_L2,
    MFW_CAT_PM_L3, /* P- */
    MFW_CAT_QP_L1,
    MFW_CAT_QP_L2,
    MFW_CAT_QP_L3, /* Q+ */
    MFW_CAT_QM_L1,
    MFW_CAT_QM_L2,
    MFW_CAT_QM_L3, /* Q- */
    MFW_CAT_S_L1,
    MFW_CAT_S_L2,
    MFW_CAT_S_L3,
    MFW_CAT_PF_L1,
    MFW_CAT_PF_L2,
    MFW_CAT_PF_L3,
    /* Angles, averaged. */
    MFW_CAT_ANGLE_U2_U1,
    MFW_CAT_ANGLE_U3_U1, /* voltage L2, L3 relative to voltage L1 */
    MFW_CAT_ANGLE_I1_U1,
    MFW_CAT_ANGLE_I2_U2,
    MFW_CAT_ANGLE_I3_U3, /* current relative to its voltage */
    /* Totals, averaged. */
    MFW_CAT_PP_TOTAL,
    MFW_CAT_PM_TOTAL,
    MFW_CAT_QP_TOTAL,
    MFW_CAT_QM_TOTAL,
    MFW_CAT_S_TOTAL,
    MFW_CAT_PF_TOTAL,
    MFW_CAT_FREQUENCY,
    MFW_CAT_I_NEUTRAL,
    /* Energy registers, value at capture: totals, per tariff T1..T8, per quadrant, per phase. */
    MFW_CAT_AP_TOTAL,
    MFW_CAT_AM_TOTAL,
    MFW_CAT_RP_TOTAL,
    MFW_CAT_RM_TOTAL, /* A+, A-, R+, R- */
    MFW_CAT_AP_T1,
    MFW_CAT_AP_T2,
    MFW_CAT_AP_T3,
    MFW_CAT_AP_T4,
    MFW_CAT_AP_T5,
    MFW_CAT_AP_T6,
    MFW_CAT_AP_T7,
    MFW_CAT_AP_T8,
    MFW_CAT_AM_T1,
    MFW_CAT_AM_T2,
    MFW_CAT_AM_T3,
    MFW_CAT_AM_T4,
    MFW_CAT_AM_T5,
    MFW_CAT_AM_T6,
    MFW_CAT_AM_T7,
    MFW_CAT_AM_T8,
    MFW_CAT_RP_T1,
    MFW_CAT_RP_T2,
    MFW_CAT_RP_T3,
    MFW_CAT_RP_T4,
    MFW_CAT_RP_T5,
    MFW_CAT_RP_T6,
    MFW_CAT_RP_T7,
    MFW_CAT_RP_T8,
    MFW_CAT_RM_T1,
    MFW_CAT_RM_T2,
    MFW_CAT_RM_T3,
    MFW_CAT_RM_T4,
    MFW_CAT_RM_T5,
    MFW_CAT_RM_T6,
    MFW_CAT_RM_T7,
    MFW_CAT_RM_T8,
    MFW_CAT_RQ1,
    MFW_CAT_RQ2,
    MFW_CAT_RQ3,
    MFW_CAT_RQ4, /* reactive energy per quadrant RI..RIV */
    MFW_CAT_AP_L1,
    MFW_CAT_AP_L2,
    MFW_CAT_AP_L3,
    MFW_CAT_AM_L1,
    MFW_CAT_AM_L2,
    MFW_CAT_AM_L3,
    MFW_CAT_RP_L1,
    MFW_CAT_RP_L2,
    MFW_CAT_RP_L3,
    MFW_CAT_RM_L1,
    MFW_CAT_RM_L2,
    MFW_CAT_RM_L3,
    /* Demand (W), value at capture. */
    MFW_CAT_DEMAND_AP,
    MFW_CAT_DEMAND_AM, /* current average demand A+ / A- */
    MFW_CAT_MAXDEM_AP,
    MFW_CAT_MAXDEM_AM, /* maximum demand A+ / A- */
    /* Min / max voltage per phase (the meter's min/max registers), value at capture. */
    MFW_CAT_UMIN_L1,
    MFW_CAT_UMIN_L2,
    MFW_CAT_UMIN_L3,
    MFW_CAT_UMAX_L1,
    MFW_CAT_UMAX_L2,
    MFW_CAT_UMAX_L3,
    /* Temperature, averaged; NaN when the HAL has no sensor. */
    MFW_CAT_TEMPERATURE,
    /* The load-control relays' status word (0.0.96.3.2.255: bit k-1 = relay k closed) and the S0
     * output's pulses, value at capture. */
    MFW_CAT_RELAY_STATUS,
    MFW_CAT_S0_PULSES,
    /* Voltage quality per phase (Blue Book D groups 32..42 [V: references/idis-objects.md
     * section 10]): number of events, duration of the last (s), its magnitude (V) for sags
     * (D 32, 33, 34), swells (36, 37, 38) and missing voltage (40, 41, 42), L1 then L2, L3
     * (C 32, 52, 72), value at capture. */
    MFW_CAT_PQ_FIRST,
    MFW_CAT_PQ_LAST = MFW_CAT_PQ_FIRST + 26,
    MFW_CAT_COUNT
};

struct mfw_catalog_entry {
    uint16_t id;      /* enum mfw_catalog_id; the table is indexed by it */
    uint8_t obis[6];  /* A, B, C, D, E, F */
    uint8_t unit;     /* enum mfw_cosem_unit */
    int8_t scaler;    /* stored = SI / 10^scaler */
    uint8_t kind;     /* enum mfw_catalog_kind */
    const char *name; /* short English name, for documents and tools */
};

/* One quantity as the meter's reader gives it. */
enum mfw_catalog_value_state {
    MFW_CATALOG_NONE = 0, /* not available (no sensor, a phase the meter does not have, ...) */
    MFW_CATALOG_EXACT,    /* exact: the stored integer, already scaled */
    MFW_CATALOG_MEASURED, /* si: a measured value in SI units */
};
struct mfw_catalog_value {
    uint8_t state; /* enum mfw_catalog_value_state */
    int64_t exact;
    double si;
};

/* The meter's reader: quantity id -> its value. */
typedef void (*mfw_catalog_read_fn)(void *ctx, uint16_t id, struct mfw_catalog_value *out);

/* NULL for an unknown id. O(1). */
const struct mfw_catalog_entry *mfw_catalog_find(uint16_t id);
/* The phase a quantity belongs to, from its OBIS C field (IEC 62056-6-1 7.5.1: 21..40 L1,
 * 41..60 L2, 61..80 L3): 1..3, or 0 for a total, the neutral or anything not of one phase. */
unsigned mfw_catalog_phase(const struct mfw_catalog_entry *e);
/* NULL when no quantity has that OBIS code. */
const struct mfw_catalog_entry *mfw_catalog_find_obis(const uint8_t obis[6]);
/* Number of quantities (MFW_CAT_COUNT). */
unsigned mfw_catalog_count(void);

/* SI value -> stored integer: value / 10^scaler, rounded half away from zero, saturated to the
 * int64 range; NaN gives 0 and *valid = 0 (valid may be NULL). */
int64_t mfw_catalog_scale(const struct mfw_catalog_entry *e, double value, int *valid);

/* An integer register -> stored integer: the register holds v x 10^v_exp SI units (v_exp -6 for
 * uWh, -3 for mW); the result is v x 10^(v_exp - scaler), truncated toward zero when that is a
 * division, saturated to the int64 range when a multiplication overflows. No floating point. */
int64_t mfw_catalog_scale_int(const struct mfw_catalog_entry *e, int64_t v, int v_exp);

/* The stored integer of a value: EXACT as it is, MEASURED through mfw_catalog_scale; NONE gives 0
 * and *valid = 0 (valid may be NULL). */
int64_t mfw_catalog_scale_value(const struct mfw_catalog_entry *e,
                                const struct mfw_catalog_value *v, int *valid);

#endif /* METERFW_METER_CATALOG_H */
