/* SPDX-License-Identifier: Apache-2.0 */
/* Maximum demand (IC 5 Demand register, IC 4 Extended register for the maximum): block and
 * sliding demand, hand-computed values, maximum and its capture time, reset, power failure and
 * clock change. Demand values are mW. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "meterfw/base/civil.h"
#include "meterfw/base/error.h"
#include "meterfw/meter/demand.h"

#define S 1000LL
#define MIN (60 * S)

/* 2024-03-10 00:00 UTC: a period boundary for every period that divides a day. */
static mfw_ms_t t0(void)
{
    return mfw_civil_days_from_date(2024, 3, 10) * MFW_MS_PER_DAY;
}

/* A load that draws constant powers; energy is handed over as the metrology does it: whole uWh,
 * the remainder carried (W*ms / 3.6 = uWh), so the totals are exact. */
struct load {
    mfw_ms_t t;
    uint64_t wms[2];   /* exact energy so far, W*ms, per quantity */
    uint64_t given[2]; /* uWh handed to mfw_demand_add */
};

/* Runs powers p[0] (A+) and p[1] (A-) for `ms`, in 1 s steps: add, then tick. */
static void run(struct mfw_demand *d, struct load *l, uint64_t p0_w, uint64_t p1_w, mfw_ms_t ms)
{
    for (mfw_ms_t k = 0; k < ms; k += S) {
        l->t += S;
        uint64_t p[2] = {p0_w, p1_w};
        for (unsigned q = 0; q < 2; q++) {
            l->wms[q] += p[q] * (uint64_t)S;
            uint64_t total = l->wms[q] * 10u / 36u;
            mfw_demand_add(d, q, total - l->given[q]);
            l->given[q] = total;
        }
        mfw_demand_tick(d, l->t);
    }
}

static void start(struct mfw_demand *d, struct load *l, uint32_t period_s, uint8_t n)
{
    struct mfw_demand_config cfg;
    mfw_demand_default_config(&cfg);
    cfg.period_s = period_s;
    cfg.number_of_periods = n;
    assert_int_equal(mfw_demand_init(d, &cfg), MFW_OK);
    *l = (struct load){.t = t0()};
    mfw_demand_tick(d, l->t);
}

static void block_constant(void **st)
{
    (void)st;
    struct mfw_demand d;
    struct load l;
    start(&d, &l, 900, 1);
    run(&d, &l, 2000, 0, 450 * S);
    /* half of the period at 2 kW: 250 Wh / 0.25 h = 1000 W so far */
    assert_int_equal(mfw_demand_current_mw(&d, 0), 1000000);
    assert_false(mfw_demand_maximum(&d, 0).valid);
    run(&d, &l, 2000, 0, 450 * S);
    /* 2 kW for 15 min = 500 Wh; 500 Wh / 0.25 h = 2000 W */
    assert_int_equal(mfw_demand_last_mw(&d, 0), 2000000);
    assert_int_equal(mfw_demand_current_mw(&d, 0), 0); /* new period, nothing yet */
    struct mfw_demand_max m = mfw_demand_maximum(&d, 0);
    assert_true(m.valid);
    assert_int_equal(m.value_mw, 2000000);
    assert_int_equal(m.time, t0() + 15 * MIN); /* END of the interval */
    assert_int_equal(d.capture_time, t0() + 15 * MIN);
    assert_int_equal(mfw_demand_last_mw(&d, 1), 0);
}

static void block_two_levels(void **st)
{
    (void)st;
    struct mfw_demand d;
    struct load l;
    start(&d, &l, 900, 1);
    /* 1 kW x 10 min = 166.67 Wh, 4 kW x 5 min = 333.33 Wh: 500 Wh / 0.25 h = 2000 W */
    run(&d, &l, 1000, 0, 10 * MIN);
    run(&d, &l, 4000, 0, 5 * MIN);
    assert_int_equal(mfw_demand_last_mw(&d, 0), 2000000);
    assert_int_equal(mfw_demand_maximum(&d, 0).value_mw, 2000000);
}

static void maximum_over_periods(void **st)
{
    (void)st;
    struct mfw_demand d;
    struct load l;
    start(&d, &l, 900, 1);
    run(&d, &l, 1000, 0, 15 * MIN);   /* 00:00-00:15  1 kW */
    run(&d, &l, 3000, 0, 15 * MIN);   /* 00:15-00:30  3 kW   <- max A+ */
    run(&d, &l, 2000, 500, 15 * MIN); /* 00:30-00:45  2 kW, A- 500 W <- max A- */
    run(&d, &l, 3000, 0, 15 * MIN);   /* 00:45-01:00  3 kW: equal, the first keeps its time */
    struct mfw_demand_max m = mfw_demand_maximum(&d, 0);
    assert_int_equal(m.value_mw, 3000000);
    assert_int_equal(m.time, t0() + 30 * MIN);
    m = mfw_demand_maximum(&d, 1);
    assert_int_equal(m.value_mw, 500000);
    assert_int_equal(m.time, t0() + 45 * MIN);
    assert_int_equal(mfw_demand_last_mw(&d, 0), 3000000);
    assert_int_equal(mfw_demand_last_mw(&d, 1), 0);
    assert_int_equal(d.periods_closed, 4);
}

static void sliding_three_subperiods(void **st)
{
    (void)st;
    struct mfw_demand d;
    struct load l;
    start(&d, &l, 300, 3); /* period 5 min, number_of_periods 3: 15 min sliding window */
    /* Sub-period powers 3, 6, 0, 9, 0 kW = energies 250, 500, 0, 750, 0 Wh.
     * Window sums / 0.25 h after each close:
     *   250             -> 1000 W
     *   250+500         -> 3000 W
     *   250+500+0       -> 3000 W
     *   500+0+750       -> 5000 W  (max, 00:20)
     *   0+750+0         -> 3000 W */
    static const uint64_t kw[5] = {3, 6, 0, 9, 0};
    static const uint64_t expect_w[5] = {1000, 3000, 3000, 5000, 3000};
    for (unsigned k = 0; k < 5; k++) {
        if (k == 1) {
            run(&d, &l, 6000, 0, 150 * S);
            /* running: 250 Wh + 6 kW x 2.5 min = 500 Wh over the window: 2000 W */
            assert_int_equal(mfw_demand_current_mw(&d, 0), 2000000);
            /* the current window started two sub-periods before 00:05 */
            assert_int_equal(mfw_demand_start_time_current(&d), t0() - 5 * MIN);
            run(&d, &l, 6000, 0, 150 * S);
        } else {
            run(&d, &l, kw[k] * 1000, 0, 5 * MIN);
        }
        assert_int_equal(mfw_demand_last_mw(&d, 0), expect_w[k] * 1000);
        assert_int_equal(d.capture_time, t0() + (mfw_ms_t)(k + 1) * 5 * MIN);
    }
    struct mfw_demand_max m = mfw_demand_maximum(&d, 0);
    assert_int_equal(m.value_mw, 5000000);
    assert_int_equal(m.time, t0() + 20 * MIN);
}

static void reset_keeps_values(void **st)
{
    (void)st;
    struct mfw_demand d;
    struct load l;
    start(&d, &l, 900, 1);
    run(&d, &l, 3000, 1000, 15 * MIN);
    run(&d, &l, 1000, 0, 10 * MIN); /* a period in progress across the reset */
    struct mfw_demand_max out[2];
    mfw_demand_reset(&d, out);
    assert_true(out[0].valid);
    assert_int_equal(out[0].value_mw, 3000000);
    assert_int_equal(out[0].time, t0() + 15 * MIN);
    assert_int_equal(out[1].value_mw, 1000000);
    assert_int_equal(d.prev_max[0].value_mw, 3000000); /* previous billing period kept */
    assert_false(mfw_demand_maximum(&d, 0).valid);
    assert_int_equal(mfw_demand_maximum(&d, 0).value_mw, 0);
    /* The period in progress goes on: 1 kW x 10 min + 1 kW x 5 min -> 1000 W */
    run(&d, &l, 1000, 0, 5 * MIN);
    assert_int_equal(mfw_demand_maximum(&d, 0).value_mw, 1000000);
    assert_int_equal(mfw_demand_maximum(&d, 0).time, t0() + 30 * MIN);
    mfw_demand_reset(&d, NULL);
    assert_int_equal(d.prev_max[0].value_mw, 1000000);
}

static void power_failure_mid_period(void **st)
{
    (void)st;
    struct mfw_demand d;
    struct load l;
    start(&d, &l, 900, 1);
    /* 2 kW for 5 min, then the meter is off until 02:07:30. */
    run(&d, &l, 2000, 0, 5 * MIN);
    l.t = t0() + 2 * 60 * MIN + 450 * S;
    unsigned closed = mfw_demand_tick(&d, l.t);
    assert_int_equal(closed, 8); /* 00:15 .. 02:00: the power-down period and 7 empty ones */
    /* The power-down period: 166.67 Wh over the FULL 15 min = 666.67 W (not 2000 W over the
     * 5 min the meter was on). Capture time = its regular end. */
    struct mfw_demand_max m = mfw_demand_maximum(&d, 0);
    assert_int_equal(m.value_mw, 666666);
    assert_int_equal(m.time, t0() + 15 * MIN);
    assert_int_equal(mfw_demand_last_mw(&d, 0), 0); /* 01:45-02:00, off */
    /* Power-up period 02:00-02:15: on for 7.5 min at 2 kW = 250 Wh / 0.25 h = 1000 W */
    run(&d, &l, 2000, 0, 450 * S);
    assert_int_equal(mfw_demand_last_mw(&d, 0), 1000000);
    m = mfw_demand_maximum(&d, 0);
    assert_int_equal(m.value_mw, 1000000);
    assert_int_equal(m.time, t0() + 2 * 60 * MIN + 15 * MIN);
}

static void sliding_long_outage_is_bounded(void **st)
{
    (void)st;
    struct mfw_demand d;
    struct load l;
    start(&d, &l, 60, 15);
    run(&d, &l, 6000, 0, 20 * MIN);
    assert_int_equal(mfw_demand_last_mw(&d, 0), 6000000);
    /* ten years off: the window drains to zero in O(1) */
    l.t += 3650LL * MFW_MS_PER_DAY;
    mfw_demand_tick(&d, l.t);
    assert_int_equal(mfw_demand_last_mw(&d, 0), 0);
    assert_int_equal(mfw_demand_current_mw(&d, 0), 0);
    assert_int_equal(mfw_demand_maximum(&d, 0).value_mw, 6000000);
    assert_int_equal(d.sub_start % (60 * S), 0);
    assert_true(d.sub_start <= l.t && l.t < d.sub_start + 60 * S);
}

static void clock_change_restarts(void **st)
{
    (void)st;
    struct mfw_demand d;
    struct load l;
    start(&d, &l, 900, 1);
    run(&d, &l, 2000, 0, 10 * MIN); /* 00:00-00:10 at 2 kW */
    /* Clock set forward to 01:05. The running period closes at the old time 00:10 over the full
     * 15 min: 333.33 Wh / 0.25 h = 1333.33 W; the period restarts at 01:00 on the grid. */
    l.t = t0() + 65 * MIN;
    mfw_demand_clock_change(&d, l.t);
    assert_int_equal(mfw_demand_last_mw(&d, 0), 1333333);
    assert_int_equal(mfw_demand_maximum(&d, 0).time, t0() + 10 * MIN);
    assert_int_equal(d.sub_start, t0() + 60 * MIN);
    /* 01:05-01:15 at 3 kW: 500 Wh over 15 min = 2000 W at 01:15 */
    run(&d, &l, 3000, 0, 10 * MIN);
    assert_int_equal(mfw_demand_last_mw(&d, 0), 2000000);
    assert_int_equal(mfw_demand_maximum(&d, 0).time, t0() + 75 * MIN);
    /* Clock going back without notice is a clock change too. */
    run(&d, &l, 1000, 0, 3 * MIN); /* 01:18 */
    l.t = t0() + 30 * MIN;
    assert_int_equal(mfw_demand_tick(&d, l.t), 1); /* 01:15-01:18 closes early */
    assert_int_equal(d.capture_time, t0() + 78 * MIN);
    assert_int_equal(d.sub_start, t0() + 30 * MIN);
}

static void config_checked(void **st)
{
    (void)st;
    struct mfw_demand d;
    struct mfw_demand_config cfg;
    mfw_demand_default_config(&cfg);
    assert_int_equal(cfg.period_s, 900);
    assert_int_equal(mfw_demand_init(&d, &cfg), MFW_OK);
    cfg.period_s = 7 * 60; /* 420 s does not divide a day */
    assert_int_equal(mfw_demand_init(&d, &cfg), MFW_E_ARG);
    mfw_demand_default_config(&cfg);
    cfg.number_of_periods = MFW_DEMAND_PERIODS_MAX + 1;
    assert_int_equal(mfw_demand_init(&d, &cfg), MFW_E_ARG);
    mfw_demand_default_config(&cfg);
    cfg.quantities = MFW_DEMAND_QTY_MAX + 1;
    assert_int_equal(mfw_demand_init(&d, &cfg), MFW_E_ARG);
    assert_int_equal(mfw_demand_init(NULL, &cfg), MFW_E_ARG);
    /* out-of-range quantity: ignored / zero */
    mfw_demand_default_config(&cfg);
    assert_int_equal(mfw_demand_init(&d, &cfg), MFW_OK);
    mfw_demand_add(&d, 3, 1000);
    assert_int_equal(mfw_demand_current_mw(&d, 3), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(block_constant),
        cmocka_unit_test(block_two_levels),
        cmocka_unit_test(maximum_over_periods),
        cmocka_unit_test(sliding_three_subperiods),
        cmocka_unit_test(reset_keeps_values),
        cmocka_unit_test(power_failure_mid_period),
        cmocka_unit_test(sliding_long_outage_is_bounded),
        cmocka_unit_test(clock_change_restarts),
        cmocka_unit_test(config_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
