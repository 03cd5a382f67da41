/* SPDX-License-Identifier: Apache-2.0 */
/* Voltage quality and power failure: hand-made 200 ms windows (metrology_values), IDIS codes
 * 76..87, hysteresis, counters, power-failure records, all-phase power down / up. */
#include <complex.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "meterfw/base/error.h"
#include "meterfw/meter/quality.h"

#define T0 1800000000000LL /* 2027-01-15, any instant will do */
#define WIN 200            /* ms per window */

struct rig {
    struct mfw_quality q;
    mfw_ms_t now; /* end of the last window */
    struct mfw_quality_event ev[64];
    size_t n; /* events of the whole run so far */
};

static void rig_init(struct rig *r, uint8_t phases)
{
    struct mfw_quality_config cfg;
    mfw_quality_default_config(&cfg, phases);
    assert_int_equal(mfw_quality_init(&r->q, &cfg), MFW_OK);
    r->now = T0;
    r->n = 0;
}

/* `count` windows with these per-phase rms voltages (one-cycle min/max equal to the rms). */
static void windows(struct rig *r, double v1, double v2, double v3, unsigned count)
{
    for (unsigned k = 0; k < count; k++) {
        struct mfw_metrology_values v = {.duration_s = 0.2};
        double vv[3] = {v1, v2, v3};
        for (unsigned p = 0; p < 3 && p < MFW_PHASES_MAX; p++) {
            v.ph[p].vrms = vv[p];
            v.vrms_cycle_min[p] = v.vrms_cycle_max[p] = vv[p];
        }
        r->now += WIN;
        r->n += mfw_quality_window(&r->q, &v, r->now, r->ev + r->n,
                                   sizeof r->ev / sizeof r->ev[0] - r->n);
    }
}

static void sag_one_second(void **st)
{
    (void)st;
    struct rig r;
    rig_init(&r, 3);
    windows(&r, 230, 230, 230, 10);
    assert_int_equal(r.n, 0);
    mfw_ms_t sag_start = r.now;
    windows(&r, 190, 230, 230, 5); /* 1 s at 190 V */
    assert_int_equal(r.n, 1);
    /* undervoltage L1 logged at once (time threshold 0 s), time = start of the sag */
    assert_int_equal(r.ev[0].kind, MFW_QUALITY_EV_VOLTAGE);
    assert_int_equal(r.ev[0].code, 76);
    assert_int_equal(r.ev[0].phase, 0);
    assert_int_equal(r.ev[0].time, sag_start);
    assert_int_equal(r.ev[0].duration_ms, WIN);
    assert_true(r.ev[0].v_min == 190.0);
    windows(&r, 230, 230, 230, 3);
    assert_int_equal(r.n, 2);
    /* voltage normal L1: the sag lasted exactly 1 s with a minimum of 190 V */
    assert_int_equal(r.ev[1].code, 85);
    assert_int_equal(r.ev[1].time, sag_start + 1000);
    assert_int_equal(r.ev[1].start, sag_start);
    assert_int_equal(r.ev[1].duration_ms, 1000);
    assert_int_equal(r.ev[1].duration_s, 1);
    assert_true(r.ev[1].v_min == 190.0);
    assert_true(r.ev[1].v_max == 190.0);
    /* registers 1.0.32.32 / 33 / 34 */
    assert_int_equal(r.q.ph[0].sag.count, 1);
    assert_int_equal(r.q.ph[0].sag.last_duration_ms, 1000);
    assert_true(r.q.ph[0].sag.last_magnitude_v == 190.0);
    assert_int_equal(r.q.ph[0].missing.count, 0);
    assert_int_equal(r.q.ph[1].sag.count, 0);
}

static void sag_hysteresis(void **st)
{
    (void)st;
    struct rig r;
    rig_init(&r, 1);
    windows(&r, 230, 0, 0, 2);
    mfw_ms_t start = r.now;
    windows(&r, 190, 0, 0, 2);
    /* 208 V and 211.2 V are above the 207 V start threshold but below the end threshold
     * 207 + 2 % of 230 = 211.6 V (IEC 61000-4-30 5.4.2.1): the sag goes on. (211.2 V would
     * already end it with 2 % of the threshold, 211.14 V.) */
    windows(&r, 208, 0, 0, 5);
    windows(&r, 211.2, 0, 0, 1);
    assert_int_equal(r.n, 1);
    windows(&r, 211.7, 0, 0, 1);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.ev[1].code, 85);
    assert_int_equal(r.ev[1].duration_ms, 8 * WIN);
    assert_true(r.ev[1].v_min == 190.0);
    assert_true(r.ev[1].v_max == 211.2f); /* the window's reading, single precision */
    /* a dip that stays above 207 V never starts */
    windows(&r, 207.5, 0, 0, 5);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.q.ph[0].sag.count, 1);
    assert_int_equal(r.ev[1].start, start);
}

static void sag_from_one_cycle(void **st)
{
    (void)st;
    struct rig r;
    rig_init(&r, 1);
    /* the 200 ms rms is fine but one cycle dipped to 200 V: a sag (Urms(1/2)-style detection) */
    struct mfw_metrology_values v = {.duration_s = 0.2};
    v.ph[0].vrms = 228;
    v.vrms_cycle_min[0] = 200;
    v.vrms_cycle_max[0] = 231;
    r.now += WIN;
    struct mfw_quality_event ev[MFW_QUALITY_EVENTS_MAX];
    assert_int_equal(mfw_quality_window(&r.q, &v, r.now, ev, MFW_QUALITY_EVENTS_MAX), 1);
    assert_int_equal(ev[0].code, 76);
    assert_true(ev[0].v_min == 200.0);
    /* no cycle data (both extremes 0): the window rms is used */
    struct mfw_metrology_values w = {.duration_s = 0.2};
    w.ph[0].vrms = 230;
    r.now += WIN;
    assert_int_equal(mfw_quality_window(&r.q, &w, r.now, ev, MFW_QUALITY_EVENTS_MAX), 1);
    assert_int_equal(ev[0].code, 85);
}

static void swell_l2(void **st)
{
    (void)st;
    struct rig r;
    rig_init(&r, 3);
    windows(&r, 230, 230, 230, 1);
    mfw_ms_t start = r.now;
    windows(&r, 230, 262, 230, 3);
    windows(&r, 230, 249, 230, 2); /* 249 V > 253 - 4.6 = 248.4 V: still a swell */
    assert_int_equal(r.n, 1);
    assert_int_equal(r.ev[0].code, 80); /* overvoltage L2 */
    assert_int_equal(r.ev[0].phase, 1);
    windows(&r, 230, 248, 230, 1);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.ev[1].code, 86); /* voltage L2 normal */
    assert_int_equal(r.ev[1].start, start);
    assert_int_equal(r.ev[1].duration_ms, 5 * WIN);
    assert_true(r.ev[1].v_max == 262.0);
    assert_int_equal(r.q.ph[1].swell.count, 1);
    assert_true(r.q.ph[1].swell.last_magnitude_v == 262.0);
    assert_int_equal(r.q.ph[1].swell.last_duration_ms, 1000);
    assert_int_equal(r.q.ph[1].sag.count, 0);
}

static void missing_voltage(void **st)
{
    (void)st;
    struct rig r;
    rig_init(&r, 3);
    windows(&r, 230, 230, 230, 5);
    /* 800 ms without voltage on L3: shorter than 1 s, no missing voltage, no power failure;
     * it is a sag (below 207 V, time threshold 0) */
    windows(&r, 230, 230, 0, 4);
    windows(&r, 230, 230, 230, 2);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.ev[0].code, 78);
    assert_int_equal(r.ev[1].code, 87);
    assert_int_equal(r.q.ph[2].missing.count, 0);
    assert_int_equal(r.q.ph[2].failures, 0);
    assert_int_equal(r.q.failures_any, 0);

    /* 2.4 s without voltage: missing voltage after 1 s, then a power-failure record of 2.4 s */
    r.n = 0;
    mfw_ms_t start = r.now;
    windows(&r, 230, 230, 0, 4);
    assert_int_equal(r.n, 1);    /* 78 only */
    windows(&r, 230, 230, 0, 1); /* 1 s reached */
    assert_int_equal(r.n, 2);
    assert_int_equal(r.ev[1].code, 84);
    assert_int_equal(r.ev[1].time, start);
    assert_int_equal(r.ev[1].duration_ms, 1000);
    windows(&r, 230, 230, 0, 7);
    windows(&r, 230, 230, 230, 1);
    assert_int_equal(r.n, 4);
    assert_int_equal(r.ev[2].kind, MFW_QUALITY_EV_POWER_FAILURE);
    assert_int_equal(r.ev[2].phase, 2);
    assert_int_equal(r.ev[2].start, start);
    assert_int_equal(r.ev[2].duration_ms, 2400);
    assert_int_equal(r.ev[2].duration_s, 2);
    assert_true(r.ev[2].duration_valid);
    assert_false(r.ev[2].long_failure);
    assert_int_equal(r.ev[3].code, 87);
    assert_int_equal(r.ev[3].duration_ms, 2400);
    assert_int_equal(r.q.ph[2].missing.count, 1);
    assert_int_equal(r.q.ph[2].missing.last_duration_ms, 2400);
    assert_int_equal(r.q.ph[2].sag.count, 2); /* each limit counts on its own */
    assert_int_equal(r.q.ph[2].failures, 1);
    assert_int_equal(r.q.ph[2].long_failures, 0);
    assert_int_equal(r.q.failures_any, 1);

    /* exactly 180 s is short, 180.2 s is long (EN 50160: long > 3 min) */
    r.n = 0;
    windows(&r, 230, 0, 230, 900);
    windows(&r, 230, 230, 230, 1);
    assert_int_equal(r.ev[2].kind, MFW_QUALITY_EV_POWER_FAILURE);
    assert_int_equal(r.ev[2].duration_s, 180);
    assert_false(r.ev[2].long_failure);
    r.n = 0;
    windows(&r, 230, 0, 230, 901);
    windows(&r, 230, 230, 230, 1);
    assert_int_equal(r.ev[2].duration_ms, 180200);
    assert_true(r.ev[2].long_failure);
    assert_int_equal(r.q.ph[1].failures, 2);
    assert_int_equal(r.q.ph[1].long_failures, 1);
    assert_int_equal(r.q.ph[1].last_long_s, 180);
    assert_int_equal(r.q.long_any, 1);
    assert_int_equal(r.q.last_long_any_s, 180);
    assert_int_equal(r.q.failures_any, 3);
}

static void all_phase_power_down_up(void **st)
{
    (void)st;
    struct rig r;
    rig_init(&r, 3);
    windows(&r, 230, 230, 230, 5);
    mfw_ms_t down = r.now;
    mfw_quality_power_down(&r.q, down);
    struct mfw_quality_event ev[2 * MFW_PHASES_MAX];
    size_t n = mfw_quality_power_up(&r.q, down + 7200000, true, ev, 2 * MFW_PHASES_MAX);
    assert_int_equal(n, 3);
    for (unsigned p = 0; p < 3; p++) {
        assert_int_equal(ev[p].kind, MFW_QUALITY_EV_POWER_FAILURE);
        assert_int_equal(ev[p].phase, p);
        assert_int_equal(ev[p].start, down);
        assert_int_equal(ev[p].time, down + 7200000);
        assert_int_equal(ev[p].duration_s, 7200);
        assert_true(ev[p].long_failure);
        assert_int_equal(r.q.ph[p].failures, 1);
        assert_int_equal(r.q.ph[p].long_failures, 1);
        assert_int_equal(r.q.ph[p].missing.count, 1);
        assert_int_equal(r.q.ph[p].last_long_s, 7200);
    }
    assert_int_equal(r.q.failures_all, 1);
    assert_int_equal(r.q.long_all, 1);
    assert_int_equal(r.q.failures_any, 1);
    assert_int_equal(r.q.last_long_all_s, 7200);
    /* a second power_up without power_down reports nothing */
    assert_int_equal(mfw_quality_power_up(&r.q, down + 7300000, true, ev, 6), 0);

    /* L1 was already missing (and logged) 10 s before the meter lost power: its failure starts
     * then; its open episode gets its voltage-normal event first, ending at power down. */
    r.now = down + 8000000;
    r.n = 0;
    windows(&r, 230, 230, 230, 1);
    mfw_ms_t l1_start = r.now;
    windows(&r, 0, 230, 230, 50);
    assert_int_equal(r.n, 2); /* 76, 82 */
    mfw_quality_power_down(&r.q, r.now);
    n = mfw_quality_power_up(&r.q, r.now + 3600000, true, ev, 2 * MFW_PHASES_MAX);
    assert_int_equal(n, 4);
    assert_int_equal(ev[0].code, 85);
    assert_int_equal(ev[0].duration_ms, 10000);
    assert_int_equal(ev[1].kind, MFW_QUALITY_EV_POWER_FAILURE);
    assert_int_equal(ev[1].start, l1_start);
    assert_int_equal(ev[1].duration_s, 3610);
    assert_int_equal(ev[2].duration_s, 3600);
    assert_int_equal(r.q.ph[0].missing.count, 2); /* counted once for this outage */
    assert_int_equal(r.q.ph[1].missing.count, 2);

    /* RTC lost: the duration is unknown and not counted as long */
    mfw_quality_power_down(&r.q, r.now + 3700000);
    n = mfw_quality_power_up(&r.q, 0, false, ev, 2 * MFW_PHASES_MAX);
    assert_int_equal(n, 3);
    assert_false(ev[0].duration_valid);
    assert_false(ev[0].long_failure);
    assert_int_equal(ev[0].duration_ms, 0);
    assert_int_equal(r.q.failures_all, 3);
    assert_int_equal(r.q.long_all, 2);
}

static void counters_minmax_and_overflow(void **st)
{
    (void)st;
    struct rig r;
    rig_init(&r, 3);
    windows(&r, 231, 232, 233, 3);
    windows(&r, 200, 232, 233, 2);
    windows(&r, 231, 232, 233, 1);
    windows(&r, 195, 240, 233, 2);
    windows(&r, 231, 232, 233, 1);
    windows(&r, 231, 255, 233, 1);
    windows(&r, 231, 232, 0, 6); /* missing on L3 (excluded from min/max) */
    windows(&r, 231, 232, 233, 1);
    assert_int_equal(r.q.ph[0].sag.count, 2);
    assert_true(r.q.ph[0].sag.last_magnitude_v == 195.0);
    assert_int_equal(r.q.ph[0].sag.last_duration_ms, 400);
    assert_int_equal(r.q.ph[1].swell.count, 1);
    assert_int_equal(r.q.ph[2].missing.count, 1);
    assert_int_equal(r.q.ph[2].sag.count, 1);
    assert_true(r.q.ph[0].v_min == 195.0 && r.q.ph[0].v_max == 231.0);
    assert_true(r.q.ph[1].v_min == 232.0 && r.q.ph[1].v_max == 255.0);
    assert_true(r.q.ph[2].v_min == 233.0 && r.q.ph[2].v_max == 233.0);
    mfw_quality_reset_minmax(&r.q);
    assert_false(r.q.ph[0].minmax_valid);
    windows(&r, 229, 232, 233, 1);
    assert_true(r.q.ph[0].v_min == 229.0 && r.q.ph[0].v_max == 229.0);
    /* events beyond cap are counted as dropped, never written past the buffer */
    struct mfw_metrology_values v = {.duration_s = 0.2};
    struct mfw_quality_event one[1];
    r.now += WIN; /* all three phases sag at once: 3 events, room for 1 */
    for (unsigned p = 0; p < 3; p++)
        v.ph[p].vrms = v.vrms_cycle_min[p] = v.vrms_cycle_max[p] = 190;
    assert_int_equal(mfw_quality_window(&r.q, &v, r.now, one, 1), 1);
    assert_int_equal(r.q.dropped, 2);
}

/* Min / max with the window that gave them. */
static void minmax_time_stamps(void **st)
{
    (void)st;
    struct rig r;
    rig_init(&r, 3);
    windows(&r, 230, 230, 230, 5);
    windows(&r, 225, 230, 230, 1);
    mfw_ms_t t_min = r.now;
    windows(&r, 240, 230, 230, 1);
    mfw_ms_t t_max = r.now;
    windows(&r, 230, 230, 230, 5);
    assert_true(r.q.ph[0].v_min == 225.0 && r.q.ph[0].v_max == 240.0);
    assert_int_equal(r.q.ph[0].v_min_time, t_min);
    assert_int_equal(r.q.ph[0].v_max_time, t_max);
}

/* A window of three fundamental phasors u[k] (V) at f Hz, angles relative to L1. */
static void phasor_window(struct rig *r, const double complex u[3], double f)
{
    struct mfw_metrology_values v = {.duration_s = 0.2, .freq_hz = f, .freq_locked = true};
    double ref = carg(u[0]);
    for (unsigned p = 0; p < 3; p++) {
        v.ph[p].vrms = v.ph[p].v1 = cabs(u[p]);
        v.vrms_cycle_min[p] = v.vrms_cycle_max[p] = cabs(u[p]);
        v.ph[p].v_angle_deg = (carg(u[p]) - ref) * 180.0 / 3.14159265358979323846;
        v.ph[p].voltage_present = true;
    }
    r->now += WIN;
    r->n +=
        mfw_quality_window(&r->q, &v, r->now, r->ev + r->n, sizeof r->ev / sizeof r->ev[0] - r->n);
}

static void frequency_deviation(void **st)
{
    (void)st;
    struct rig r;
    rig_init(&r, 3);
    const double pi = 3.14159265358979323846;
    double complex u[3] = {230, 230 * cexp(-I * 2 * pi / 3), 230 * cexp(I * 2 * pi / 3)};
    /* 50.4 Hz is within 50 +/- 0.5 Hz: never */
    for (unsigned k = 0; k < 100; k++)
        phasor_window(&r, u, 50.4);
    assert_int_equal(r.n, 0);
    /* 50.6 Hz: 96 after 10 s (50 windows), then 97 after 10 s back */
    for (unsigned k = 0; k < 49; k++)
        phasor_window(&r, u, 50.6);
    assert_int_equal(r.n, 0);
    phasor_window(&r, u, 50.6);
    phasor_window(&r, u, 50.6);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.ev[0].kind, MFW_QUALITY_EV_GRID);
    assert_int_equal(r.ev[0].code, 96);
    assert_true(fabs(r.ev[0].v_min - (double)50.6f) < 1e-9); /* the values are single precision */
    for (unsigned k = 0; k < 52; k++)
        phasor_window(&r, u, 50.0);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.ev[1].code, 97);
    assert_int_equal(r.q.freq.count, 1);
}

static void voltage_unbalance(void **st)
{
    (void)st;
    struct rig r;
    rig_init(&r, 3);
    const double pi = 3.14159265358979323846;
    double complex a = cexp(I * 2 * pi / 3);
    /* L3 at 200 V: by Fortescue V+ = (U1 + a U2 + a^2 U3) / 3, V- = (U1 + a^2 U2 + a U3) / 3,
     * computed here with complex arithmetic: (230 - 200) / (2 x 230 + 200) = 4.545 % */
    double complex u[3] = {230, 230 / a, 200 * a};
    double complex vp = (u[0] + a * u[1] + a * a * u[2]) / 3.0;
    double complex vm = (u[0] + a * a * u[1] + a * u[2]) / 3.0;
    double want = 100.0 * cabs(vm) / cabs(vp);
    assert_true(fabs(want - 100.0 * 30.0 / 660.0) < 1e-9);
    phasor_window(&r, u, 50.0);
    assert_true(fabs(r.q.unbalance.last - want) < 1e-6);
    /* 10 minutes above 2 %: event 90; a balanced supply, 10 minutes: 95 */
    r.q.config.unbalance_time_ms = 600000;
    for (unsigned k = 0; k < 3000; k++)
        phasor_window(&r, u, 50.0);
    unsigned found = 0;
    for (size_t k = 0; k < r.n; k++)
        if (r.ev[k].code == 90)
            found++;
    assert_int_equal(found, 1);
    double complex b[3] = {230, 230 / a, 230 * a};
    for (unsigned k = 0; k < 3001; k++)
        phasor_window(&r, b, 50.0);
    assert_int_equal(r.ev[r.n - 1].code, 95);
}

static void config_checked(void **st)
{
    (void)st;
    struct mfw_quality q;
    struct mfw_quality_config cfg;
    mfw_quality_default_config(&cfg, 3);
    assert_true(cfg.sag_v == 207.0 && cfg.swell_v == 253.0 && cfg.missing_v == 160.0);
    assert_int_equal(cfg.missing_time_ms, 1000);
    assert_int_equal(cfg.long_failure_s, 180);
    assert_int_equal(mfw_quality_init(NULL, &cfg), MFW_E_ARG);
    cfg.phases = MFW_PHASES_MAX + 1;
    assert_int_equal(mfw_quality_init(&q, &cfg), MFW_E_ARG);
    mfw_quality_default_config(&cfg, 3);
    cfg.sag_v = 150; /* below missing */
    assert_int_equal(mfw_quality_init(&q, &cfg), MFW_E_RANGE);
    mfw_quality_default_config(&cfg, 3);
    cfg.hysteresis_v = 30; /* a sag could not end below Un */
    assert_int_equal(mfw_quality_init(&q, &cfg), MFW_E_RANGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sag_one_second),
        cmocka_unit_test(sag_hysteresis),
        cmocka_unit_test(sag_from_one_cycle),
        cmocka_unit_test(swell_l2),
        cmocka_unit_test(missing_voltage),
        cmocka_unit_test(all_phase_power_down_up),
        cmocka_unit_test(counters_minmax_and_overflow),
        cmocka_unit_test(config_checked),
        cmocka_unit_test(minmax_time_stamps),
        cmocka_unit_test(frequency_deviation),
        cmocka_unit_test(voltage_unbalance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
