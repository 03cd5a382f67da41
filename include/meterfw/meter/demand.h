/* SPDX-License-Identifier: Apache-2.0 */
/* demand: maximum demand, as the DLMS/COSEM Demand register (IC 5, Blue Book / IEC 62056-6-2
 * 4.3.4) and Extended register (IC 4) for the maximum with its capture_time.
 *
 * One struct mfw_demand holds up to MFW_DEMAND_QTY_MAX quantities (A+ total 1.0.1.x, A- total
 * 1.0.2.x, ...), all sharing one period. Energy comes in as integer uWh increments
 * (mfw_demand_add), time as an argument (mfw_demand_tick).
 *
 * IC 5 terms, used as the Blue Book uses them:
 *  - period (attr 8): the interval between two updates of last_average_value, in s.
 *  - number_of_periods (attr 9): the averaging window is number_of_periods * period.
 *    1 = block demand; n > 1 = sliding demand over n sub-periods.
 *  - current_average_value (attr 2): energy accumulated in the current window (the current
 *    sub-period so far plus the n-1 completed sub-periods before it) divided by the FULL window
 *    length n * period. It therefore rises during a sub-period and equals last_average_value at
 *    the instant the sub-period closes.
 *  - last_average_value (attr 3): the same quotient at the close of the last sub-period.
 *  - capture_time (attr 6): end of the last completed sub-period;
 *    start_time_current (attr 7): start of the current window (Blue Book IC 5 numbering).
 *
 * Periods are aligned to the clock: sub-period boundaries fall on multiples of `period` counted
 * from 00:00 UTC (period must divide 86400 s so that every day starts on a boundary).
 *
 * Demand values are integer milliwatts (floor): mW = uWh * 3.6 / window_s, exact to 1 mW.
 * A DLMS register shows them as W with scaler -3 (or rounds to W with scaler 0).
 *
 * Power failure: energy is not counted while the meter is off (there is nothing to count), and
 * an interval the meter was off for part of is still divided by the FULL window length, so its
 * demand is never overstated by a shortened denominator. The sub-period in progress at power
 * down closes at its regular end (capture time = that end) on the first mfw_demand_tick after power
 * up; the sub-periods missed while off close with zero energy. A sliding window therefore
 * drains to zero over an outage exactly as it would at zero load.
 *
 * Clock change: mfw_demand_clock_change() closes the sub-period in progress early at the old time
 * (its energy over the full window length, so again not overstated; capture time = the old time
 * of the change), then restarts the period at the new time on the aligned grid. The completed
 * sub-periods of a sliding window are kept: they are the energy of the real preceding
 * sub-periods, whatever the clock said.
 */
#ifndef METERFW_METER_DEMAND_H
#define METERFW_METER_DEMAND_H

#include <stdbool.h>
#include <stdint.h>

#include "meterfw/base/options.h"
#include "meterfw/base/persist.h"

#include "meterfw/base/time.h"

struct mfw_demand_config {
    uint8_t quantities; /* 1..MFW_DEMAND_QTY_MAX; index q of mfw_demand_add is 0..quantities-1 */
    uint32_t period_s;  /* IC 5 attr 8; must divide 86400 */
    uint8_t number_of_periods; /* IC 5 attr 9; 1..MFW_DEMAND_PERIODS_MAX */
};

/* A maximum demand with its capture time (IC 4 Extended register value + capture_time). */
struct mfw_demand_max {
    uint64_t value_mw; /* 0 if no period closed since the last reset */
    mfw_ms_t time;     /* END of the window that gave the maximum; 0 if none */
    bool valid;        /* a period closed since the last reset */
};

struct mfw_demand {
    struct mfw_demand_config config;
    bool started;                         /* the first tick has placed the period on the clock */
    mfw_ms_t sub_start;                   /* start of the current sub-period (aligned) */
    mfw_ms_t last_now;                    /* time of the last tick */
    mfw_ms_t capture_time;                /* IC 5 attr 6: end of the last completed sub-period */
    uint64_t cur_uwh[MFW_DEMAND_QTY_MAX]; /* energy of the current sub-period so far */
    /* completed sub-periods, ring of number_of_periods - 1 entries (newest at hist_pos - 1) */
    uint64_t hist_uwh[MFW_DEMAND_QTY_MAX][MFW_DEMAND_PERIODS_MAX];
    uint8_t hist_pos;
    uint64_t last_avg_mw[MFW_DEMAND_QTY_MAX];      /* IC 5 attr 3 */
    struct mfw_demand_max max[MFW_DEMAND_QTY_MAX]; /* of the running billing period */
    struct mfw_demand_max
        prev_max[MFW_DEMAND_QTY_MAX]; /* previous billing period (kept at reset) */
    uint32_t periods_closed;          /* sub-periods closed since init (diagnostic) */
};

/* Fills cfg with the defaults: 2 quantities (0 = A+ total, 1 = A- total), 900 s, block. */
void mfw_demand_default_config(struct mfw_demand_config *cfg);

/* MFW_OK, or MFW_E_ARG for a NULL pointer or an impossible configuration (period 0 or not a
 * divisor of 86400 s, quantities or number_of_periods out of range). */
int mfw_demand_init(struct mfw_demand *d, const struct mfw_demand_config *cfg);

/* Adds an energy increment (uWh) of quantity q to the current sub-period. Ignored if q is out
 * of range. Energy added before the first tick belongs to the first sub-period. */
void mfw_demand_add(struct mfw_demand *d, unsigned q, uint64_t uwh);

/* Closes every sub-period that ended at or before `now` (last_average_value, maximum), and
 * returns the number closed (0 most calls). The first call places the period on the clock.
 * A `now` earlier than the last tick is treated as a clock change (mfw_demand_clock_change). */
unsigned mfw_demand_tick(struct mfw_demand *d, mfw_ms_t now);

/* The clock was set: `now` is the new time. See the file comment. */
void mfw_demand_clock_change(struct mfw_demand *d, mfw_ms_t now);

/* IC 5 attr 2 as of the last mfw_demand_add/tick: (completed sub-periods in the window + current
 * sub-period so far) / (number_of_periods * period), in mW. */
uint64_t mfw_demand_current_mw(const struct mfw_demand *d, unsigned q);
/* IC 5 attr 3, mW. */
uint64_t mfw_demand_last_mw(const struct mfw_demand *d, unsigned q);
/* IC 5 attr 6: start of the current window (ms UTC). */
mfw_ms_t mfw_demand_start_time_current(const struct mfw_demand *d);
/* IC 5 method reset, and after a change of period or number_of_periods (a window of the old
 * length means nothing in the new one): the current and completed sub-periods and the last
 * average cleared, capture_time = now, the current sub-period on the aligned grid. The maxima
 * of the billing period are kept. */
void mfw_demand_restart(struct mfw_demand *d, mfw_ms_t now);
/* Maximum demand of the running billing period (IC 4: value + capture_time). */
struct mfw_demand_max mfw_demand_maximum(const struct mfw_demand *d, unsigned q);

/* End of billing period: copies the maxima into prev_max (and into out[0..quantities-1] when
 * out is not NULL) so that the billing snapshot can capture them, then clears the maxima. The
 * period in progress and the sliding window are not touched (demand keeps running). */
void mfw_demand_reset(struct mfw_demand *d, struct mfw_demand_max *out);

/* The running state (not the configuration) in the STATE record, field by field. restore: d is
 * initialised with its configuration (mfw_demand_init); every field is checked against it (the
 * ring position below number_of_periods - 1, the sub-period start on the period grid, times in
 * range, maxima that exist). A failure is left in r (the first bad field), d is then partly
 * written: restore into a copy. */
void mfw_demand_save(const struct mfw_demand *d, struct mfw_wcursor *w);
void mfw_demand_restore(struct mfw_demand *d, struct mfw_persist_reader *r);

#endif /* METERFW_METER_DEMAND_H */
