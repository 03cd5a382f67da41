/* SPDX-License-Identifier: Apache-2.0 */
/* Maximum demand: DLMS/COSEM Demand register (IC 5) semantics, Blue Book (IEC 62056-6-2) 4.3.4:
 * block demand (number_of_periods = 1) and sliding demand (number_of_periods = n sub-periods of
 * `period` s). The maximum of last_average_value over the billing period is kept with the end of
 * its window as capture_time (IC 4 Extended register, 4.3.3). See demand.h for the rules on
 * power failure and clock change. */
#include "meterfw/meter/demand.h"

#include <stddef.h>

#include "meterfw/base/error.h"
#include "meterfw/base/persist.h"

#define S_PER_DAY 86400u

static mfw_ms_t period_ms(const struct mfw_demand *d)
{
    return (mfw_ms_t)d->config.period_s * MFW_MS_PER_S;
}

/* Floor to the sub-period grid counted from 1970-01-01T00:00Z; since period divides a day this
 * is also the grid counted from every 00:00 UTC. Floor (not truncation) before 1970. */
static mfw_ms_t align_down(mfw_ms_t t, mfw_ms_t p)
{
    mfw_ms_t r = t % p;
    if (r < 0)
        r += p;
    return t - r;
}

/* uWh over the window -> mW: W = (uWh / 1e6) / (window_s / 3600) so
 * mW = uWh * 3600 / (1000 * window_s) = uWh * 18 / (5 * window_s), floored. uWh * 18 overflows
 * only above 1e18 uWh (1e9 kWh in one window). */
static uint64_t uwh_to_mw(uint64_t uwh, uint64_t window_s)
{
    return uwh * 18u / (5u * window_s);
}

static uint64_t window_s(const struct mfw_demand *d)
{
    return (uint64_t)d->config.period_s * d->config.number_of_periods;
}

static uint64_t window_uwh(const struct mfw_demand *d, unsigned q)
{
    uint64_t sum = d->cur_uwh[q];
    for (unsigned k = 0; k + 1u < d->config.number_of_periods; k++)
        sum += d->hist_uwh[q][k];
    return sum;
}

/* Closes the current sub-period at `end`: the window quotient becomes last_average_value and a
 * candidate for the maximum (capture time = end of the window, Blue Book IC 4 capture_time), and
 * the sub-period's energy moves into the sliding ring. */
static void close_sub(struct mfw_demand *d, mfw_ms_t end)
{
    uint64_t ws = window_s(d);
    unsigned ring = d->config.number_of_periods - 1u;
    for (unsigned q = 0; q < d->config.quantities; q++) {
        uint64_t mw = uwh_to_mw(window_uwh(d, q), ws);
        d->last_avg_mw[q] = mw;
        /* Strictly greater: of equal maxima the first one keeps its capture time. */
        if (!d->max[q].valid || mw > d->max[q].value_mw)
            d->max[q] = (struct mfw_demand_max){.value_mw = mw, .time = end, .valid = true};
        if (ring > 0)
            d->hist_uwh[q][d->hist_pos] = d->cur_uwh[q];
        d->cur_uwh[q] = 0;
    }
    if (ring > 0)
        d->hist_pos = (uint8_t)((d->hist_pos + 1u) % ring);
    d->capture_time = end;
    d->periods_closed++;
}

void mfw_demand_default_config(struct mfw_demand_config *cfg)
{
    *cfg = (struct mfw_demand_config){
        .quantities = 2,
        .period_s = MFW_DEMAND_PERIOD_S,
        .number_of_periods = 1,
    };
}

int mfw_demand_init(struct mfw_demand *d, const struct mfw_demand_config *cfg)
{
    if (!d || !cfg || cfg->quantities == 0 || cfg->quantities > MFW_DEMAND_QTY_MAX ||
        cfg->period_s == 0 || S_PER_DAY % cfg->period_s != 0 || cfg->number_of_periods == 0 ||
        cfg->number_of_periods > MFW_DEMAND_PERIODS_MAX)
        return MFW_E_ARG;
    *d = (struct mfw_demand){.config = *cfg};
    return MFW_OK;
}

void mfw_demand_add(struct mfw_demand *d, unsigned q, uint64_t uwh)
{
    if (q < d->config.quantities)
        d->cur_uwh[q] += uwh;
}

static void start_at(struct mfw_demand *d, mfw_ms_t now)
{
    d->started = true;
    d->sub_start = align_down(now, period_ms(d));
    d->last_now = now;
}

unsigned mfw_demand_tick(struct mfw_demand *d, mfw_ms_t now)
{
    if (!d->started) {
        start_at(d, now);
        return 0;
    }
    if (now < d->last_now) {
        /* Time went backwards without notice: only a clock change can do that. */
        uint32_t before = d->periods_closed;
        mfw_demand_clock_change(d, now);
        return d->periods_closed - before;
    }
    mfw_ms_t p = period_ms(d);
    unsigned closed = 0;
    if (now >= d->sub_start + p) {
        /* The sub-period in progress (at power down, if the meter was off) closes at its
         * regular end with the energy it got: divided by the full window, never overstated. */
        d->sub_start += p;
        close_sub(d, d->sub_start);
        closed++;
        /* Sub-periods missed while off (or between sparse ticks) are zero-energy periods. Once
         * number_of_periods of them have passed the window is all zero, so the state after any
         * longer gap is known: set it in O(1) to keep the call bounded after a long outage. None
         * of them can set a new maximum: each window sum is <= the one before it, already seen. */
        mfw_ms_t missed = (now - d->sub_start) / p;
        if (missed >= (mfw_ms_t)d->config.number_of_periods) {
            for (unsigned q = 0; q < d->config.quantities; q++) {
                for (unsigned k = 0; k < MFW_DEMAND_PERIODS_MAX; k++)
                    d->hist_uwh[q][k] = 0;
                d->last_avg_mw[q] = 0;
            }
            d->sub_start += missed * p;
            d->capture_time = d->sub_start;
            d->periods_closed += (uint32_t)missed;
            closed += (unsigned)missed;
        }
        while (now >= d->sub_start + p) {
            d->sub_start += p;
            close_sub(d, d->sub_start);
            closed++;
        }
    }
    d->last_now = now;
    return closed;
}

void mfw_demand_clock_change(struct mfw_demand *d, mfw_ms_t now)
{
    if (!d->started) {
        start_at(d, now);
        return;
    }
    /* Close the sub-period in progress early at the old time (the last tick), unless no time of
     * it has elapsed. Its energy is divided by the full window: not overstated. */
    if (d->last_now > d->sub_start)
        close_sub(d, d->last_now);
    /* Restart the period at the new time, on the aligned grid (a partial first sub-period). */
    start_at(d, now);
}

uint64_t mfw_demand_current_mw(const struct mfw_demand *d, unsigned q)
{
    if (q >= d->config.quantities)
        return 0;
    return uwh_to_mw(window_uwh(d, q), window_s(d));
}

uint64_t mfw_demand_last_mw(const struct mfw_demand *d, unsigned q)
{
    return q < d->config.quantities ? d->last_avg_mw[q] : 0;
}

mfw_ms_t mfw_demand_start_time_current(const struct mfw_demand *d)
{
    return d->sub_start - (mfw_ms_t)(d->config.number_of_periods - 1u) * period_ms(d);
}

struct mfw_demand_max mfw_demand_maximum(const struct mfw_demand *d, unsigned q)
{
    if (q >= d->config.quantities)
        return (struct mfw_demand_max){0};
    return d->max[q];
}

void mfw_demand_reset(struct mfw_demand *d, struct mfw_demand_max *out)
{
    for (unsigned q = 0; q < d->config.quantities; q++) {
        d->prev_max[q] = d->max[q];
        if (out)
            out[q] = d->max[q];
        d->max[q] = (struct mfw_demand_max){0};
    }
}

void mfw_demand_restart(struct mfw_demand *d, mfw_ms_t now)
{
    for (unsigned q = 0; q < MFW_DEMAND_QTY_MAX; q++) {
        d->cur_uwh[q] = 0;
        d->last_avg_mw[q] = 0;
        for (unsigned k = 0; k < MFW_DEMAND_PERIODS_MAX; k++)
            d->hist_uwh[q][k] = 0;
    }
    d->hist_pos = 0;
    /* the current sub-period on the aligned grid, as start_at does */
    mfw_ms_t p = (mfw_ms_t)d->config.period_s * MFW_MS_PER_S;
    mfw_ms_t r = p > 0 ? now % p : 0;
    if (r < 0)
        r += p;
    d->started = true;
    d->sub_start = now - r;
    d->last_now = now;
    d->capture_time = now;
}

static void save_max(const struct mfw_demand_max *m, struct mfw_wcursor *w)
{
    mfw_persist_put_u64(w, m->value_mw);
    mfw_persist_put_i64(w, m->time);
    mfw_persist_put_bool(w, m->valid);
}

/* A demand above 1e15 mW (1e9 kW) is no measurement of a meter. */
#define DEMAND_MW_MAX 1000000000000000ull

static void restore_max(struct mfw_demand_max *m, struct mfw_persist_reader *r)
{
    m->value_mw = mfw_persist_u64(r, "demand.max.value", 0, DEMAND_MW_MAX);
    m->time = mfw_persist_i64(r, "demand.max.time", 0, MFW_PERSIST_TIME_MAX);
    m->valid = mfw_persist_bool(r, "demand.max.valid");
    if (!m->valid && (m->value_mw != 0 || m->time != 0))
        mfw_persist_fail(r, "demand.max: a value without a period", MFW_E_RANGE);
}

void mfw_demand_save(const struct mfw_demand *d, struct mfw_wcursor *w)
{
    const unsigned ring = d->config.number_of_periods - 1u;
    mfw_persist_put_bool(w, d->started);
    mfw_persist_put_i64(w, d->sub_start);
    mfw_persist_put_i64(w, d->last_now);
    mfw_persist_put_i64(w, d->capture_time);
    mfw_persist_put_u32(w, d->hist_pos);
    mfw_persist_put_u32(w, d->periods_closed);
    for (unsigned q = 0; q < d->config.quantities; q++) {
        mfw_persist_put_u64(w, d->cur_uwh[q]);
        for (unsigned k = 0; k < ring; k++)
            mfw_persist_put_u64(w, d->hist_uwh[q][k]);
        mfw_persist_put_u64(w, d->last_avg_mw[q]);
        save_max(&d->max[q], w);
        save_max(&d->prev_max[q], w);
    }
}

void mfw_demand_restore(struct mfw_demand *d, struct mfw_persist_reader *r)
{
    const unsigned ring = d->config.number_of_periods - 1u;
    /* uWh of one sub-period: 3 x 100 A x 276 V for a day is 2e12 uWh; allow far more */
    const uint64_t uwh_max = 1000000000000000000ull;
    d->started = mfw_persist_bool(r, "demand.started");
    d->sub_start = mfw_persist_i64(r, "demand.sub_start", 0, MFW_PERSIST_TIME_MAX);
    d->last_now = mfw_persist_i64(r, "demand.last_now", 0, MFW_PERSIST_TIME_MAX);
    d->capture_time = mfw_persist_i64(r, "demand.capture_time", 0, MFW_PERSIST_TIME_MAX);
    d->hist_pos = (uint8_t)mfw_persist_u32(r, "demand.hist_pos", 0, ring > 0 ? ring - 1u : 0u);
    d->periods_closed = mfw_persist_u32(r, "demand.periods_closed", 0, UINT32_MAX);
    if (d->started && d->sub_start % period_ms(d) != 0)
        mfw_persist_fail(r, "demand.sub_start: off the period grid", MFW_E_RANGE);
    /* the sub-period in progress started at or before the last tick (a clock change may leave
     * capture_time anywhere: it closes the sub-period early at the old time) */
    if (d->started && d->last_now < d->sub_start)
        mfw_persist_fail(r, "demand: sub-period after the last tick", MFW_E_RANGE);
    for (unsigned q = 0; q < d->config.quantities; q++) {
        d->cur_uwh[q] = mfw_persist_u64(r, "demand.cur_uwh", 0, uwh_max);
        for (unsigned k = 0; k < ring; k++)
            d->hist_uwh[q][k] = mfw_persist_u64(r, "demand.hist_uwh", 0, uwh_max);
        d->last_avg_mw[q] = mfw_persist_u64(r, "demand.last_avg", 0, DEMAND_MW_MAX);
        restore_max(&d->max[q], r);
        restore_max(&d->prev_max[q], r);
    }
}
