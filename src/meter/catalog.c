/* SPDX-License-Identifier: Apache-2.0 */
/* The catalogue of capturable quantities: see catalog.h.
 *
 * OBIS codes follow IEC 62056-61 / the Blue Book value groups: C selects the quantity and phase
 * (L1/L2/L3 = C + 20/40/60 of the per-phase block starting at 21), D the processing
 * (4 current average demand, 6 maximum, 3 minimum, 7 instantaneous, 8 time integral = energy
 * register), E the tariff (0 total, 1..8 T1..T8). Rows marked [U] are conventions not checked
 * against the Blue Book text (see docs/profiles.md). */
#include "meterfw/meter/catalog.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#define ROW(id_, a, b, c, d, e, unit_, scaler_, kind_, name_)                                      \
    [id_] = {(uint16_t)(id_), {a, b, c, d, e, 255}, unit_, scaler_, kind_, name_}

/* Averaged instantaneous values, D = 7. */
#define AVG(id_, c, e, unit_, scaler_, name_)                                                      \
    ROW(id_, 1, 0, c, 7, e, unit_, scaler_, MFW_CATALOG_AVERAGE, name_)
/* Energy registers, D = 8, E = tariff. */
#define NRG(id_, c, e, unit_, name_) ROW(id_, 1, 0, c, 8, e, unit_, 0, MFW_CATALOG_INSTANT, name_)

static const struct mfw_catalog_entry catalog_table[MFW_CAT_COUNT] = {
    AVG(MFW_CAT_U_L1, 32, 0, MFW_COSEM_UNIT_V, -1, "Voltage L1"),
    AVG(MFW_CAT_U_L2, 52, 0, MFW_COSEM_UNIT_V, -1, "Voltage L2"),
    AVG(MFW_CAT_U_L3, 72, 0, MFW_COSEM_UNIT_V, -1, "Voltage L3"),
    AVG(MFW_CAT_I_L1, 31, 0, MFW_COSEM_UNIT_A, -3, "Current L1"),
    AVG(MFW_CAT_I_L2, 51, 0, MFW_COSEM_UNIT_A, -3, "Current L2"),
    AVG(MFW_CAT_I_L3, 71, 0, MFW_COSEM_UNIT_A, -3, "Current L3"),
    AVG(MFW_CAT_PP_L1, 21, 0, MFW_COSEM_UNIT_W, 0, "Active power import P+ L1"),
    AVG(MFW_CAT_PP_L2, 41, 0, MFW_COSEM_UNIT_W, 0, "Active power import P+ L2"),
    AVG(MFW_CAT_PP_L3, 61, 0, MFW_COSEM_UNIT_W, 0, "Active power import P+ L3"),
    AVG(MFW_CAT_PM_L1, 22, 0, MFW_COSEM_UNIT_W, 0, "Active power export P- L1"),
    AVG(MFW_CAT_PM_L2, 42, 0, MFW_COSEM_UNIT_W, 0, "Active power export P- L2"),
    AVG(MFW_CAT_PM_L3, 62, 0, MFW_COSEM_UNIT_W, 0, "Active power export P- L3"),
    AVG(MFW_CAT_QP_L1, 23, 0, MFW_COSEM_UNIT_VAR, 0, "Reactive power Q+ L1"),
    AVG(MFW_CAT_QP_L2, 43, 0, MFW_COSEM_UNIT_VAR, 0, "Reactive power Q+ L2"),
    AVG(MFW_CAT_QP_L3, 63, 0, MFW_COSEM_UNIT_VAR, 0, "Reactive power Q+ L3"),
    AVG(MFW_CAT_QM_L1, 24, 0, MFW_COSEM_UNIT_VAR, 0, "Reactive power Q- L1"),
    AVG(MFW_CAT_QM_L2, 44, 0, MFW_COSEM_UNIT_VAR, 0, "Reactive power Q- L2"),
    AVG(MFW_CAT_QM_L3, 64, 0, MFW_COSEM_UNIT_VAR, 0, "Reactive power Q- L3"),
    AVG(MFW_CAT_S_L1, 29, 0, MFW_COSEM_UNIT_VA, 0, "Apparent power S L1"),
    AVG(MFW_CAT_S_L2, 49, 0, MFW_COSEM_UNIT_VA, 0, "Apparent power S L2"),
    AVG(MFW_CAT_S_L3, 69, 0, MFW_COSEM_UNIT_VA, 0, "Apparent power S L3"),
    AVG(MFW_CAT_PF_L1, 33, 0, MFW_COSEM_UNIT_NONE, -3, "Power factor L1"),
    AVG(MFW_CAT_PF_L2, 53, 0, MFW_COSEM_UNIT_NONE, -3, "Power factor L2"),
    AVG(MFW_CAT_PF_L3, 73, 0, MFW_COSEM_UNIT_NONE, -3, "Power factor L3"),
    /* [U] C = 81 angles, E = 10 * from + to with 0..2 = U(L1..L3), 4..6 = I(L1..L3). */
    AVG(MFW_CAT_ANGLE_U2_U1, 81, 10, MFW_COSEM_UNIT_DEGREE, -1, "Angle U L2 - U L1"),
    AVG(MFW_CAT_ANGLE_U3_U1, 81, 20, MFW_COSEM_UNIT_DEGREE, -1, "Angle U L3 - U L1"),
    AVG(MFW_CAT_ANGLE_I1_U1, 81, 40, MFW_COSEM_UNIT_DEGREE, -1, "Angle I L1 - U L1"),
    AVG(MFW_CAT_ANGLE_I2_U2, 81, 51, MFW_COSEM_UNIT_DEGREE, -1, "Angle I L2 - U L2"),
    AVG(MFW_CAT_ANGLE_I3_U3, 81, 62, MFW_COSEM_UNIT_DEGREE, -1, "Angle I L3 - U L3"),
    AVG(MFW_CAT_PP_TOTAL, 1, 0, MFW_COSEM_UNIT_W, 0, "Active power import P+"),
    AVG(MFW_CAT_PM_TOTAL, 2, 0, MFW_COSEM_UNIT_W, 0, "Active power export P-"),
    AVG(MFW_CAT_QP_TOTAL, 3, 0, MFW_COSEM_UNIT_VAR, 0, "Reactive power Q+"),
    AVG(MFW_CAT_QM_TOTAL, 4, 0, MFW_COSEM_UNIT_VAR, 0, "Reactive power Q-"),
    AVG(MFW_CAT_S_TOTAL, 9, 0, MFW_COSEM_UNIT_VA, 0, "Apparent power S"),
    AVG(MFW_CAT_PF_TOTAL, 13, 0, MFW_COSEM_UNIT_NONE, -3, "Power factor"),
    AVG(MFW_CAT_FREQUENCY, 14, 0, MFW_COSEM_UNIT_HZ, -2, "Supply frequency"),
    AVG(MFW_CAT_I_NEUTRAL, 91, 0, MFW_COSEM_UNIT_A, -3, "Neutral current"),

    NRG(MFW_CAT_AP_TOTAL, 1, 0, MFW_COSEM_UNIT_WH, "A+ total"),
    NRG(MFW_CAT_AM_TOTAL, 2, 0, MFW_COSEM_UNIT_WH, "A- total"),
    NRG(MFW_CAT_RP_TOTAL, 3, 0, MFW_COSEM_UNIT_VARH, "R+ total"),
    NRG(MFW_CAT_RM_TOTAL, 4, 0, MFW_COSEM_UNIT_VARH, "R- total"),
    NRG(MFW_CAT_AP_T1, 1, 1, MFW_COSEM_UNIT_WH, "A+ T1"),
    NRG(MFW_CAT_AP_T2, 1, 2, MFW_COSEM_UNIT_WH, "A+ T2"),
    NRG(MFW_CAT_AP_T3, 1, 3, MFW_COSEM_UNIT_WH, "A+ T3"),
    NRG(MFW_CAT_AP_T4, 1, 4, MFW_COSEM_UNIT_WH, "A+ T4"),
    NRG(MFW_CAT_AP_T5, 1, 5, MFW_COSEM_UNIT_WH, "A+ T5"),
    NRG(MFW_CAT_AP_T6, 1, 6, MFW_COSEM_UNIT_WH, "A+ T6"),
    NRG(MFW_CAT_AP_T7, 1, 7, MFW_COSEM_UNIT_WH, "A+ T7"),
    NRG(MFW_CAT_AP_T8, 1, 8, MFW_COSEM_UNIT_WH, "A+ T8"),
    NRG(MFW_CAT_AM_T1, 2, 1, MFW_COSEM_UNIT_WH, "A- T1"),
    NRG(MFW_CAT_AM_T2, 2, 2, MFW_COSEM_UNIT_WH, "A- T2"),
    NRG(MFW_CAT_AM_T3, 2, 3, MFW_COSEM_UNIT_WH, "A- T3"),
    NRG(MFW_CAT_AM_T4, 2, 4, MFW_COSEM_UNIT_WH, "A- T4"),
    NRG(MFW_CAT_AM_T5, 2, 5, MFW_COSEM_UNIT_WH, "A- T5"),
    NRG(MFW_CAT_AM_T6, 2, 6, MFW_COSEM_UNIT_WH, "A- T6"),
    NRG(MFW_CAT_AM_T7, 2, 7, MFW_COSEM_UNIT_WH, "A- T7"),
    NRG(MFW_CAT_AM_T8, 2, 8, MFW_COSEM_UNIT_WH, "A- T8"),
    NRG(MFW_CAT_RP_T1, 3, 1, MFW_COSEM_UNIT_VARH, "R+ T1"),
    NRG(MFW_CAT_RP_T2, 3, 2, MFW_COSEM_UNIT_VARH, "R+ T2"),
    NRG(MFW_CAT_RP_T3, 3, 3, MFW_COSEM_UNIT_VARH, "R+ T3"),
    NRG(MFW_CAT_RP_T4, 3, 4, MFW_COSEM_UNIT_VARH, "R+ T4"),
    NRG(MFW_CAT_RP_T5, 3, 5, MFW_COSEM_UNIT_VARH, "R+ T5"),
    NRG(MFW_CAT_RP_T6, 3, 6, MFW_COSEM_UNIT_VARH, "R+ T6"),
    NRG(MFW_CAT_RP_T7, 3, 7, MFW_COSEM_UNIT_VARH, "R+ T7"),
    NRG(MFW_CAT_RP_T8, 3, 8, MFW_COSEM_UNIT_VARH, "R+ T8"),
    NRG(MFW_CAT_RM_T1, 4, 1, MFW_COSEM_UNIT_VARH, "R- T1"),
    NRG(MFW_CAT_RM_T2, 4, 2, MFW_COSEM_UNIT_VARH, "R- T2"),
    NRG(MFW_CAT_RM_T3, 4, 3, MFW_COSEM_UNIT_VARH, "R- T3"),
    NRG(MFW_CAT_RM_T4, 4, 4, MFW_COSEM_UNIT_VARH, "R- T4"),
    NRG(MFW_CAT_RM_T5, 4, 5, MFW_COSEM_UNIT_VARH, "R- T5"),
    NRG(MFW_CAT_RM_T6, 4, 6, MFW_COSEM_UNIT_VARH, "R- T6"),
    NRG(MFW_CAT_RM_T7, 4, 7, MFW_COSEM_UNIT_VARH, "R- T7"),
    NRG(MFW_CAT_RM_T8, 4, 8, MFW_COSEM_UNIT_VARH, "R- T8"),
    NRG(MFW_CAT_RQ1, 5, 0, MFW_COSEM_UNIT_VARH, "Reactive energy QI"),
    NRG(MFW_CAT_RQ2, 6, 0, MFW_COSEM_UNIT_VARH, "Reactive energy QII"),
    NRG(MFW_CAT_RQ3, 7, 0, MFW_COSEM_UNIT_VARH, "Reactive energy QIII"),
    NRG(MFW_CAT_RQ4, 8, 0, MFW_COSEM_UNIT_VARH, "Reactive energy QIV"),
    NRG(MFW_CAT_AP_L1, 21, 0, MFW_COSEM_UNIT_WH, "A+ L1"),
    NRG(MFW_CAT_AP_L2, 41, 0, MFW_COSEM_UNIT_WH, "A+ L2"),
    NRG(MFW_CAT_AP_L3, 61, 0, MFW_COSEM_UNIT_WH, "A+ L3"),
    NRG(MFW_CAT_AM_L1, 22, 0, MFW_COSEM_UNIT_WH, "A- L1"),
    NRG(MFW_CAT_AM_L2, 42, 0, MFW_COSEM_UNIT_WH, "A- L2"),
    NRG(MFW_CAT_AM_L3, 62, 0, MFW_COSEM_UNIT_WH, "A- L3"),
    NRG(MFW_CAT_RP_L1, 23, 0, MFW_COSEM_UNIT_VARH, "R+ L1"),
    NRG(MFW_CAT_RP_L2, 43, 0, MFW_COSEM_UNIT_VARH, "R+ L2"),
    NRG(MFW_CAT_RP_L3, 63, 0, MFW_COSEM_UNIT_VARH, "R+ L3"),
    NRG(MFW_CAT_RM_L1, 24, 0, MFW_COSEM_UNIT_VARH, "R- L1"),
    NRG(MFW_CAT_RM_L2, 44, 0, MFW_COSEM_UNIT_VARH, "R- L2"),
    NRG(MFW_CAT_RM_L3, 64, 0, MFW_COSEM_UNIT_VARH, "R- L3"),

    /* Demand: D = 4 current average (of the running demand period), D = 6 maximum. */
    ROW(MFW_CAT_DEMAND_AP, 1, 0, 1, 4, 0, MFW_COSEM_UNIT_W, 0, MFW_CATALOG_INSTANT,
        "Demand A+ (current average)"),
    ROW(MFW_CAT_DEMAND_AM, 1, 0, 2, 4, 0, MFW_COSEM_UNIT_W, 0, MFW_CATALOG_INSTANT,
        "Demand A- (current average)"),
    ROW(MFW_CAT_MAXDEM_AP, 1, 0, 1, 6, 0, MFW_COSEM_UNIT_W, 0, MFW_CATALOG_INSTANT,
        "Maximum demand A+"),
    ROW(MFW_CAT_MAXDEM_AM, 1, 0, 2, 6, 0, MFW_COSEM_UNIT_W, 0, MFW_CATALOG_INSTANT,
        "Maximum demand A-"),
    /* [U] Min / max voltage: D = 3 "minimum 1", D = 6 "maximum 1" of IEC 62056-61; the meter's
     * registers since their last reset, read at capture. */
    ROW(MFW_CAT_UMIN_L1, 1, 0, 32, 3, 0, MFW_COSEM_UNIT_V, -1, MFW_CATALOG_INSTANT,
        "Minimum voltage L1"),
    ROW(MFW_CAT_UMIN_L2, 1, 0, 52, 3, 0, MFW_COSEM_UNIT_V, -1, MFW_CATALOG_INSTANT,
        "Minimum voltage L2"),
    ROW(MFW_CAT_UMIN_L3, 1, 0, 72, 3, 0, MFW_COSEM_UNIT_V, -1, MFW_CATALOG_INSTANT,
        "Minimum voltage L3"),
    ROW(MFW_CAT_UMAX_L1, 1, 0, 32, 6, 0, MFW_COSEM_UNIT_V, -1, MFW_CATALOG_INSTANT,
        "Maximum voltage L1"),
    ROW(MFW_CAT_UMAX_L2, 1, 0, 52, 6, 0, MFW_COSEM_UNIT_V, -1, MFW_CATALOG_INSTANT,
        "Maximum voltage L2"),
    ROW(MFW_CAT_UMAX_L3, 1, 0, 72, 6, 0, MFW_COSEM_UNIT_V, -1, MFW_CATALOG_INSTANT,
        "Maximum voltage L3"),
    /* [U] 0.0.96.9.0.255: Blue Book "ambient temperature" (abstract object, C = 96 D = 9). */
    ROW(MFW_CAT_TEMPERATURE, 0, 0, 96, 9, 0, MFW_COSEM_UNIT_CELSIUS, -1, MFW_CATALOG_AVERAGE,
        "Temperature"),
    ROW(MFW_CAT_RELAY_STATUS, 0, 0, 96, 3, 2, MFW_COSEM_UNIT_NONE, 0, MFW_CATALOG_INSTANT,
        "Load relays (bit per relay)"),
    /* [U] manufacturer-specific (D 50..99): the S0 output's pulses */
    ROW(MFW_CAT_S0_PULSES, 1, 0, 96, 50, 0, MFW_COSEM_UNIT_NONE, 0, MFW_CATALOG_INSTANT,
        "S0 output pulses"),
    /* Voltage quality per phase: number, duration of the last (s), magnitude of the last */
    ROW(MFW_CAT_PQ_FIRST + 0, 1, 0, 32, 32, 0, MFW_COSEM_UNIT_NONE, 0, MFW_CATALOG_INSTANT,
        "Sags L1: number"),
    ROW(MFW_CAT_PQ_FIRST + 1, 1, 0, 32, 33, 0, 7, 0, MFW_CATALOG_INSTANT,
        "Sags L1: duration of the last (s)"),
    ROW(MFW_CAT_PQ_FIRST + 2, 1, 0, 32, 34, 0, MFW_COSEM_UNIT_V, -1, MFW_CATALOG_INSTANT,
        "Sags L1: magnitude of the last"),
    ROW(MFW_CAT_PQ_FIRST + 3, 1, 0, 52, 32, 0, MFW_COSEM_UNIT_NONE, 0, MFW_CATALOG_INSTANT,
        "Sags L2: number"),
    ROW(MFW_CAT_PQ_FIRST + 4, 1, 0, 52, 33, 0, 7, 0, MFW_CATALOG_INSTANT,
        "Sags L2: duration of the last (s)"),
    ROW(MFW_CAT_PQ_FIRST + 5, 1, 0, 52, 34, 0, MFW_COSEM_UNIT_V, -1, MFW_CATALOG_INSTANT,
        "Sags L2: magnitude of the last"),
    ROW(MFW_CAT_PQ_FIRST + 6, 1, 0, 72, 32, 0, MFW_COSEM_UNIT_NONE, 0, MFW_CATALOG_INSTANT,
        "Sags L3: number"),
    ROW(MFW_CAT_PQ_FIRST + 7, 1, 0, 72, 33, 0, 7, 0, MFW_CATALOG_INSTANT,
        "Sags L3: duration of the last (s)"),
    ROW(MFW_CAT_PQ_FIRST + 8, 1, 0, 72, 34, 0, MFW_COSEM_UNIT_V, -1, MFW_CATALOG_INSTANT,
        "Sags L3: magnitude of the last"),
    ROW(MFW_CAT_PQ_FIRST + 9, 1, 0, 32, 36, 0, MFW_COSEM_UNIT_NONE, 0, MFW_CATALOG_INSTANT,
        "Swells L1: number"),
    ROW(MFW_CAT_PQ_FIRST + 10, 1, 0, 32, 37, 0, 7, 0, MFW_CATALOG_INSTANT,
        "Swells L1: duration of the last (s)"),
    ROW(MFW_CAT_PQ_FIRST + 11, 1, 0, 32, 38, 0, MFW_COSEM_UNIT_V, -1, MFW_CATALOG_INSTANT,
        "Swells L1: magnitude of the last"),
    ROW(MFW_CAT_PQ_FIRST + 12, 1, 0, 52, 36, 0, MFW_COSEM_UNIT_NONE, 0, MFW_CATALOG_INSTANT,
        "Swells L2: number"),
    ROW(MFW_CAT_PQ_FIRST + 13, 1, 0, 52, 37, 0, 7, 0, MFW_CATALOG_INSTANT,
        "Swells L2: duration of the last (s)"),
    ROW(MFW_CAT_PQ_FIRST + 14, 1, 0, 52, 38, 0, MFW_COSEM_UNIT_V, -1, MFW_CATALOG_INSTANT,
        "Swells L2: magnitude of the last"),
    ROW(MFW_CAT_PQ_FIRST + 15, 1, 0, 72, 36, 0, MFW_COSEM_UNIT_NONE, 0, MFW_CATALOG_INSTANT,
        "Swells L3: number"),
    ROW(MFW_CAT_PQ_FIRST + 16, 1, 0, 72, 37, 0, 7, 0, MFW_CATALOG_INSTANT,
        "Swells L3: duration of the last (s)"),
    ROW(MFW_CAT_PQ_FIRST + 17, 1, 0, 72, 38, 0, MFW_COSEM_UNIT_V, -1, MFW_CATALOG_INSTANT,
        "Swells L3: magnitude of the last"),
    ROW(MFW_CAT_PQ_FIRST + 18, 1, 0, 32, 40, 0, MFW_COSEM_UNIT_NONE, 0, MFW_CATALOG_INSTANT,
        "Missing voltages L1: number"),
    ROW(MFW_CAT_PQ_FIRST + 19, 1, 0, 32, 41, 0, 7, 0, MFW_CATALOG_INSTANT,
        "Missing voltages L1: duration of the last (s)"),
    ROW(MFW_CAT_PQ_FIRST + 20, 1, 0, 32, 42, 0, MFW_COSEM_UNIT_V, -1, MFW_CATALOG_INSTANT,
        "Missing voltages L1: magnitude of the last"),
    ROW(MFW_CAT_PQ_FIRST + 21, 1, 0, 52, 40, 0, MFW_COSEM_UNIT_NONE, 0, MFW_CATALOG_INSTANT,
        "Missing voltages L2: number"),
    ROW(MFW_CAT_PQ_FIRST + 22, 1, 0, 52, 41, 0, 7, 0, MFW_CATALOG_INSTANT,
        "Missing voltages L2: duration of the last (s)"),
    ROW(MFW_CAT_PQ_FIRST + 23, 1, 0, 52, 42, 0, MFW_COSEM_UNIT_V, -1, MFW_CATALOG_INSTANT,
        "Missing voltages L2: magnitude of the last"),
    ROW(MFW_CAT_PQ_FIRST + 24, 1, 0, 72, 40, 0, MFW_COSEM_UNIT_NONE, 0, MFW_CATALOG_INSTANT,
        "Missing voltages L3: number"),
    ROW(MFW_CAT_PQ_FIRST + 25, 1, 0, 72, 41, 0, 7, 0, MFW_CATALOG_INSTANT,
        "Missing voltages L3: duration of the last (s)"),
    ROW(MFW_CAT_PQ_FIRST + 26, 1, 0, 72, 42, 0, MFW_COSEM_UNIT_V, -1, MFW_CATALOG_INSTANT,
        "Missing voltages L3: magnitude of the last"),
};

const struct mfw_catalog_entry *mfw_catalog_find(uint16_t id)
{
    if (id >= MFW_CAT_COUNT)
        return NULL;
    return &catalog_table[id];
}

unsigned mfw_catalog_phase(const struct mfw_catalog_entry *e)
{
    if (e == NULL || e->obis[0] != 1 || e->obis[2] < 21 || e->obis[2] > 80)
        return 0;
    return (unsigned)(e->obis[2] - 21u) / 20u + 1u;
}

const struct mfw_catalog_entry *mfw_catalog_find_obis(const uint8_t obis[6])
{
    if (obis == NULL)
        return NULL;
    for (unsigned k = 0; k < MFW_CAT_COUNT; k++) {
        const uint8_t *o = catalog_table[k].obis;
        if (o[0] == obis[0] && o[1] == obis[1] && o[2] == obis[2] && o[3] == obis[3] &&
            o[4] == obis[4] && o[5] == obis[5])
            return &catalog_table[k];
    }
    return NULL;
}

unsigned mfw_catalog_count(void)
{
    return MFW_CAT_COUNT;
}

/* 10^-scaler for scalers -6 .. 6 (the table uses -3 .. 0). */
static double catalog_unscale(int8_t scaler)
{
    static const double pow10[] = {1e6,  1e5,  1e4,  1e3,  1e2,  1e1, 1.0,
                                   1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6};
    if (scaler < -6 || scaler > 6)
        return 1.0;
    return pow10[scaler + 6];
}

int64_t mfw_catalog_scale(const struct mfw_catalog_entry *e, double value, int *valid)
{
    if (valid != NULL)
        *valid = 1;
    if (e == NULL || isnan(value)) {
        if (valid != NULL)
            *valid = 0;
        return 0;
    }
    double x = round(value * catalog_unscale(e->scaler)); /* round(): half away from zero */
    /* 2^63 is exactly representable; anything at or beyond it saturates. */
    if (x >= 9223372036854775808.0)
        return INT64_MAX;
    if (x <= -9223372036854775808.0)
        return INT64_MIN;
    return (int64_t)x;
}

int64_t mfw_catalog_scale_int(const struct mfw_catalog_entry *e, int64_t v, int v_exp)
{
    int shift = v_exp - (e != NULL ? e->scaler : 0);
    for (; shift < 0; shift++)
        v /= 10; /* C division truncates toward zero */
    for (; shift > 0; shift--) {
        if (v > INT64_MAX / 10)
            return INT64_MAX;
        if (v < INT64_MIN / 10)
            return INT64_MIN;
        v *= 10;
    }
    return v;
}

int64_t mfw_catalog_scale_value(const struct mfw_catalog_entry *e,
                                const struct mfw_catalog_value *v, int *valid)
{
    if (v != NULL && v->state == MFW_CATALOG_EXACT) {
        if (valid != NULL)
            *valid = 1;
        return v->exact;
    }
    if (v == NULL || v->state != MFW_CATALOG_MEASURED) {
        if (valid != NULL)
            *valid = 0;
        return 0;
    }
    return mfw_catalog_scale(e, v->si, valid);
}
