/* catalog: the quantities a profile can capture (the analysis log's >80 candidates, and the
 * columns of the fixed profiles LP1, daily and billing).
 *
 * Each entry gives the quantity's OBIS code (IEC 62056-61, A.B.C.D.E.F), its COSEM unit and
 * scaler (the scaler_unit of the Register it stands for: stored value = SI value / 10^scaler),
 * and its kind:
 *  - CATALOG_AVERAGE: a profile stores the time-weighted mean over the capture period (voltage,
 *    current, power, power factor, frequency, angle, temperature);
 *  - CATALOG_INSTANT: a profile stores the value at capture time (energy registers, demand,
 *    min/max registers).
 *
 * The values are read through a callback the meter provides (catalog_read_fn). It returns the
 * quantity in SI units: V, A, W, var, VA, Wh, varh, Hz, degrees, degrees Celsius; power factor
 * unitless. Sign conventions (the "+"/"-" quantities are never negative):
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
enum cosem_unit {
    COSEM_UNIT_DEGREE = 8,
    COSEM_UNIT_CELSIUS = 9,
    COSEM_UNIT_W = 27,
    COSEM_UNIT_VA = 28,
    COSEM_UNIT_VAR = 29,
    COSEM_UNIT_WH = 30,
    COSEM_UNIT_VARH = 32,
    COSEM_UNIT_A = 33,
    COSEM_UNIT_V = 35,
    COSEM_UNIT_HZ = 44,
    COSEM_UNIT_NONE = 255,
};

enum catalog_kind {
    CATALOG_AVERAGE = 0,
    CATALOG_INSTANT = 1,
};

/* Quantity ids. Append only (see above). */
enum catalog_id {
    /* Per phase, averaged: voltage, current, P+, P-, Q+, Q-, S, PF for L1, L2, L3. */
    CAT_U_L1 = 0, CAT_U_L2, CAT_U_L3,
    CAT_I_L1, CAT_I_L2, CAT_I_L3,
    CAT_PP_L1, CAT_PP_L2, CAT_PP_L3,     /* P+ */
    CAT_PM_L1, CAT_PM_L2, CAT_PM_L3,     /* P- */
    CAT_QP_L1, CAT_QP_L2, CAT_QP_L3,     /* Q+ */
    CAT_QM_L1, CAT_QM_L2, CAT_QM_L3,     /* Q- */
    CAT_S_L1, CAT_S_L2, CAT_S_L3,
    CAT_PF_L1, CAT_PF_L2, CAT_PF_L3,
    /* Angles, averaged. */
    CAT_ANGLE_U2_U1, CAT_ANGLE_U3_U1,   /* voltage L2, L3 relative to voltage L1 */
    CAT_ANGLE_I1_U1, CAT_ANGLE_I2_U2, CAT_ANGLE_I3_U3, /* current relative to its voltage */
    /* Totals, averaged. */
    CAT_PP_TOTAL, CAT_PM_TOTAL, CAT_QP_TOTAL, CAT_QM_TOTAL, CAT_S_TOTAL, CAT_PF_TOTAL,
    CAT_FREQUENCY,
    CAT_I_NEUTRAL,
    /* Energy registers, value at capture: totals, per tariff T1..T8, per quadrant, per phase. */
    CAT_AP_TOTAL, CAT_AM_TOTAL, CAT_RP_TOTAL, CAT_RM_TOTAL, /* A+, A-, R+, R- */
    CAT_AP_T1, CAT_AP_T2, CAT_AP_T3, CAT_AP_T4, CAT_AP_T5, CAT_AP_T6, CAT_AP_T7, CAT_AP_T8,
    CAT_AM_T1, CAT_AM_T2, CAT_AM_T3, CAT_AM_T4, CAT_AM_T5, CAT_AM_T6, CAT_AM_T7, CAT_AM_T8,
    CAT_RP_T1, CAT_RP_T2, CAT_RP_T3, CAT_RP_T4, CAT_RP_T5, CAT_RP_T6, CAT_RP_T7, CAT_RP_T8,
    CAT_RM_T1, CAT_RM_T2, CAT_RM_T3, CAT_RM_T4, CAT_RM_T5, CAT_RM_T6, CAT_RM_T7, CAT_RM_T8,
    CAT_RQ1, CAT_RQ2, CAT_RQ3, CAT_RQ4,  /* reactive energy per quadrant RI..RIV */
    CAT_AP_L1, CAT_AP_L2, CAT_AP_L3,
    CAT_AM_L1, CAT_AM_L2, CAT_AM_L3,
    CAT_RP_L1, CAT_RP_L2, CAT_RP_L3,
    CAT_RM_L1, CAT_RM_L2, CAT_RM_L3,
    /* Demand (W), value at capture. */
    CAT_DEMAND_AP, CAT_DEMAND_AM,        /* current average demand A+ / A- */
    CAT_MAXDEM_AP, CAT_MAXDEM_AM,        /* maximum demand A+ / A- */
    /* Min / max voltage per phase (the meter's min/max registers), value at capture. */
    CAT_UMIN_L1, CAT_UMIN_L2, CAT_UMIN_L3,
    CAT_UMAX_L1, CAT_UMAX_L2, CAT_UMAX_L3,
    /* Temperature, averaged; NaN when the HAL has no sensor. */
    CAT_TEMPERATURE,
    CAT_COUNT
};

struct catalog_entry {
    uint16_t id;        /* enum catalog_id; the table is indexed by it */
    uint8_t obis[6];    /* A, B, C, D, E, F */
    uint8_t unit;       /* enum cosem_unit */
    int8_t scaler;      /* stored = SI / 10^scaler */
    uint8_t kind;       /* enum catalog_kind */
    const char *name;   /* short English name, for documents and tools */
};

/* The meter's reader: quantity id -> SI value (NaN when not available). */
typedef double (*catalog_read_fn)(void *ctx, uint16_t id);

/* NULL for an unknown id. O(1). */
const struct catalog_entry *catalog_find(uint16_t id);
/* NULL when no quantity has that OBIS code. */
const struct catalog_entry *catalog_find_obis(const uint8_t obis[6]);
/* Number of quantities (CAT_COUNT). */
unsigned catalog_count(void);

/* SI value -> stored integer: value / 10^scaler, rounded half away from zero, saturated to the
 * int64 range; NaN gives 0 and *valid = 0 (valid may be NULL). */
int64_t catalog_scale(const struct catalog_entry *e, double value, int *valid);

#endif /* METERFW_METER_CATALOG_H */
