/* SPDX-License-Identifier: Apache-2.0 */
/* Scenario parser and model: hand-computed expectations. Epoch values of dates were taken from
 * `date -u -d <date> +%s`, independently of the parser's days_from_civil. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "afe.h"
#include "meterfw/base/error.h"
#include "scenario.h"

#define PI 3.14159265358979323846
#define MS(sec) ((mfw_ms_t)(sec)*1000)
#define T_2026_01_01 MS(1767225600LL) /* Thursday */
#define T_2026_06_01 MS(1780272000LL) /* Monday */
#define T_2026_06_21 MS(1782000000LL) /* Sunday */
#define T_2026_12_01 MS(1796083200LL) /* Tuesday */
#define H(x) ((mfw_ms_t)(x)*3600000)
#define MIN(x) ((mfw_ms_t)(x)*60000)

static void near_abs(double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol)) {
        print_error("got %.12g, want %.12g (tolerance %.3g)\n", got, want, tol);
        fail();
    }
}

static void parse_ok(struct scenario *s, const char *text, uint8_t phases)
{
    struct scenario_error e;
    int r = scenario_parse(s, text, strlen(text), phases, &e);
    if (r != MFW_OK) {
        print_error("line %u: %s (%d)\n", e.line, e.msg, r);
        fail();
    }
}

/* Same angle, modulo 360. */
static void angle_eq(double got, double want)
{
    near_abs(cos((got - want) * PI / 180.0), 1.0, 1e-12);
    near_abs(sin((got - want) * PI / 180.0), 0.0, 1e-9);
}

static double total_p(const struct afe_state *st, uint8_t phases)
{
    struct afe_quantities b;
    afe_state_quantities(st, phases, 1.0, &b);
    double p = 0.0;
    for (unsigned k = 0; k < phases; k++)
        p += b.ph[k].p;
    return p;
}

static void test_constant_load(void **state)
{
    (void)state;
    struct scenario s;
    struct afe_state st;
    parse_ok(&s, "voltage 230 V\nload heater 3000 W pf 0.8 L2\n", 3);
    scenario_at(&s, T_2026_06_01 + H(3), &st);
    near_abs(st.freq_hz, 50.0, 0);
    for (unsigned k = 0; k < 3; k++)
        near_abs(st.ph[k].v.rms, 230.0, 1e-12);
    angle_eq(st.ph[0].v.phase_deg, 0.0);
    angle_eq(st.ph[1].v.phase_deg, -120.0);
    angle_eq(st.ph[2].v.phase_deg, 120.0);
    /* I = P/(U PF) = 3000/(230*0.8) = 16.3043 A, lagging by acos(0.8) = 36.8699 deg. */
    near_abs(st.ph[1].i.rms, 3000.0 / 184.0, 1e-9);
    angle_eq(st.ph[1].i.phase_deg, -120.0 - 36.86989764584402);
    near_abs(st.ph[0].i.rms, 0.0, 0);
    near_abs(st.ph[2].i.rms, 0.0, 0);
    struct afe_quantities b;
    afe_state_quantities(&st, 3, 1.0, &b);
    near_abs(b.ph[1].p, 3000.0, 1e-9);
    near_abs(b.ph[1].q, 2250.0, 1e-9); /* S = 3750 VA, Q = S sin(phi) = 3750*0.6 */

    /* Spread over all phases, capacitive, and an export (current inverted). */
    parse_ok(&s, "voltage L3 240\nload a 3000 W pf 0.5 cap all\nload g -920 W L1\n", 3);
    scenario_at(&s, 0, &st);
    near_abs(st.ph[2].v.rms, 240.0, 0);
    near_abs(st.ph[1].i.rms, 1000.0 / (230.0 * 0.5), 1e-9);
    angle_eq(st.ph[1].i.phase_deg, -120.0 + 60.0);
    near_abs(st.ph[2].i.rms, 1000.0 / (240.0 * 0.5), 1e-9);
    afe_state_quantities(&st, 3, 1.0, &b);
    near_abs(b.ph[0].p, 1000.0 - 920.0, 1e-9);
    near_abs(b.ph[2].p, 1000.0, 1e-9);
    near_abs(b.ph[2].q, -1000.0 * tan(PI / 3.0), 1e-9);
    /* The export alone: 4 A at 180 deg. */
    parse_ok(&s, "load g -920 W L1\n", 3);
    scenario_at(&s, 0, &st);
    near_abs(st.ph[0].i.rms, 4.0, 1e-12);
    angle_eq(st.ph[0].i.phase_deg, 180.0);
}

/* Harmonics of a load keep their size relative to its fundamental. */
static void test_load_harmonics(void **state)
{
    (void)state;
    struct scenario s;
    struct afe_state st;
    parse_ok(&s, "load smps 230 W L1\nharmonics 3:50% 5:20%@90\n", 1);
    scenario_at(&s, 0, &st);
    near_abs(st.ph[0].i.rms, 1.0, 1e-12);
    assert_int_equal(st.ph[0].i.n_harmonics, 2);
    assert_int_equal(st.ph[0].i.h[0].order, 3);
    near_abs(st.ph[0].i.h[0].amplitude, 0.5, 1e-12);
    near_abs(st.ph[0].i.h[0].phase_deg, 0.0, 1e-9);
    assert_int_equal(st.ph[0].i.h[1].order, 5);
    near_abs(st.ph[0].i.h[1].amplitude, 0.2, 1e-12);
    near_abs(st.ph[0].i.h[1].phase_deg, 90.0, 1e-9);
    struct afe_quantities b;
    afe_state_quantities(&st, 1, 1.0, &b);
    near_abs(b.ph[0].irms, sqrt(1.0 + 0.25 + 0.04), 1e-12);
}

/* utc-offset +1 h: 11:30 local is 10:30 UTC. */
static void test_window(void **state)
{
    (void)state;
    struct scenario s;
    struct afe_state st;
    parse_ok(&s, "utc-offset +1h\nload cooker 2000 W pf 1 L1 from 11:30 to 12:30\n", 3);
    mfw_ms_t on = T_2026_06_01 + H(10) + MIN(30), off = T_2026_06_01 + H(11) + MIN(30);
    scenario_at(&s, on - 1, &st);
    near_abs(st.ph[0].i.rms, 0.0, 0);
    scenario_at(&s, on, &st);
    near_abs(st.ph[0].i.rms, 2000.0 / 230.0, 1e-9);
    scenario_at(&s, off - 1, &st);
    near_abs(st.ph[0].i.rms, 2000.0 / 230.0, 1e-9);
    scenario_at(&s, off, &st);
    near_abs(st.ph[0].i.rms, 0.0, 0);
    assert_true(scenario_next_change(&s, on - 1) == on);
    assert_true(scenario_next_change(&s, on - 30000) == on);

    /* A window over midnight, with seconds: 22:00:30 .. 06:00 local (UTC here). */
    parse_ok(&s, "load heat 1000 W L3 from 22:00:30 to 06:00\n", 3);
    scenario_at(&s, T_2026_06_01 + H(22), &st);
    near_abs(st.ph[2].i.rms, 0.0, 0);
    assert_true(scenario_next_change(&s, T_2026_06_01 + H(22)) == T_2026_06_01 + H(22) + 30000);
    scenario_at(&s, T_2026_06_01 + H(22) + 30000, &st);
    near_abs(st.ph[2].i.rms, 1000.0 / 230.0, 1e-9);
    scenario_at(&s, T_2026_06_01 + H(3), &st);
    near_abs(st.ph[2].i.rms, 1000.0 / 230.0, 1e-9);
    scenario_at(&s, T_2026_06_01 + H(6), &st);
    near_abs(st.ph[2].i.rms, 0.0, 0);
}

/* Every 45 min with 33 % duty: on for 891 s of each 2700 s; a day has 32 periods. */
static void test_periodic_duty(void **state)
{
    (void)state;
    struct scenario s;
    struct afe_state st;
    parse_ok(&s, "seed 7\nload fridge 120 W pf 0.85 L2 every 45 min duty 33 %\n", 3);
    mfw_ms_t t = T_2026_06_01, end = t + MFW_MS_PER_DAY, on_ms = 0;
    unsigned edges = 0;
    scenario_at(&s, t, &st);
    bool was_on = st.ph[1].i.rms > 0.0;
    while (t < end) {
        mfw_ms_t n = scenario_next_change(&s, t);
        assert_true(n > t && n <= t + 60000);
        scenario_at(&s, t, &st);
        bool is_on = st.ph[1].i.rms > 0.0;
        if (is_on) {
            near_abs(st.ph[1].i.rms, 120.0 / (230.0 * 0.85), 1e-12);
            on_ms += (n < end ? n : end) - t;
        }
        edges += is_on != was_on;
        was_on = is_on;
        t = n;
    }
    assert_true(on_ms == 32 * 891000);
    assert_true(edges == 64);
}

static void test_outage(void **state)
{
    (void)state;
    struct scenario s;
    struct afe_state st;
    parse_ok(&s,
             "load all3 690 W\n"
             "at 2026-12-01T10:00:00Z outage 2 h\n"
             "at 2026-12-01T14:00Z outage L3 30 s\n",
             3);
    mfw_ms_t a = T_2026_12_01 + H(10), b = a + H(2);
    scenario_at(&s, a - 1, &st);
    near_abs(st.ph[0].v.rms, 230.0, 0);
    near_abs(st.ph[0].i.rms, 1.0, 1e-12);
    for (mfw_ms_t t = a; t < b; t += 599999) {
        scenario_at(&s, t, &st);
        for (unsigned k = 0; k < 3; k++) {
            near_abs(st.ph[k].v.rms, 0.0, 0);
            near_abs(st.ph[k].i.rms, 0.0, 0);
        }
    }
    scenario_at(&s, b - 1, &st);
    near_abs(st.ph[2].v.rms, 0.0, 0);
    scenario_at(&s, b, &st);
    near_abs(st.ph[2].v.rms, 230.0, 0);
    near_abs(st.ph[2].i.rms, 1.0, 1e-12);
    assert_true(scenario_next_change(&s, a - 5000) == a);
    assert_true(scenario_next_change(&s, b - 5000) == b);
    /* One phase only. */
    mfw_ms_t c = T_2026_12_01 + H(14);
    scenario_at(&s, c + 29999, &st);
    near_abs(st.ph[2].v.rms, 0.0, 0);
    near_abs(st.ph[2].i.rms, 0.0, 0);
    near_abs(st.ph[0].v.rms, 230.0, 0);
    near_abs(st.ph[1].i.rms, 1.0, 1e-12);
    scenario_at(&s, c + 30000, &st);
    near_abs(st.ph[2].v.rms, 230.0, 0);
}

/* A 70 % sag on L2 for 500 ms: 161 V, and the (constant impedance) current 0.7 of nominal. */
static void test_sag_swell(void **state)
{
    (void)state;
    struct scenario s;
    struct afe_state st;
    parse_ok(&s,
             "load r 690 W pf 1\n"
             "at 2026-12-01T08:00:00Z sag L2 70 % 500 ms\n"
             "at 2026-12-01T09:00:00Z swell L1 112% 2s\n",
             3);
    mfw_ms_t a = T_2026_12_01 + H(8);
    scenario_at(&s, a + 499, &st);
    near_abs(st.ph[1].v.rms, 161.0, 1e-9);
    near_abs(st.ph[1].i.rms, 0.7, 1e-12);
    near_abs(st.ph[0].v.rms, 230.0, 0);
    assert_true(scenario_next_change(&s, a) == a + 500);
    scenario_at(&s, a + 500, &st);
    near_abs(st.ph[1].v.rms, 230.0, 0);
    mfw_ms_t b = T_2026_12_01 + H(9);
    scenario_at(&s, b + 1999, &st);
    near_abs(st.ph[0].v.rms, 257.6, 1e-9);
    near_abs(st.ph[2].v.rms, 230.0, 0);
    scenario_at(&s, b + 2000, &st);
    near_abs(st.ph[0].v.rms, 230.0, 0);
}

static void test_frequency_steps(void **state)
{
    (void)state;
    struct scenario s;
    struct afe_state st;
    parse_ok(&s,
             "frequency 50 Hz\n"
             "at 2026-12-01T12:00:00Z frequency 51 Hz for 10 s\n"
             "at 2026-12-01T10:00:00Z frequency 49.8 Hz\n",
             1);
    mfw_ms_t a = T_2026_12_01 + H(10), b = T_2026_12_01 + H(12);
    scenario_at(&s, a - 1, &st);
    near_abs(st.freq_hz, 50.0, 0);
    scenario_at(&s, a, &st);
    near_abs(st.freq_hz, 49.8, 1e-12);
    scenario_at(&s, b + 9999, &st);
    near_abs(st.freq_hz, 51.0, 0);
    scenario_at(&s, b + 10000, &st);
    near_abs(st.freq_hz, 49.8, 1e-12);
    assert_true(scenario_next_change(&s, b + 1) == b + 10000);
}

/* Integrate a year by stepping from change to change; returns kWh. */
static double year_kwh(const struct scenario *s, mfw_ms_t t0, uint8_t phases)
{
    struct afe_state st;
    double wh = 0.0;
    mfw_ms_t end = t0 + 365 * MFW_MS_PER_DAY;
    for (mfw_ms_t t = t0; t < end;) {
        mfw_ms_t n = scenario_next_change(s, t);
        assert_true(n > t);
        scenario_at(s, t, &st);
        wh += total_p(&st, phases) * (double)((n < end ? n : end) - t) / 3600000.0;
        t = n;
    }
    return wh / 1000.0;
}

static void test_household_year(void **state)
{
    (void)state;
    struct scenario s;
    parse_ok(&s, "utc-offset +1 h\nhousehold 3500 kWh\n", 3);
    near_abs(s.annual_kwh, 3500.0, 0);
    near_abs(year_kwh(&s, T_2026_01_01, 3), 3500.0, 35.0);
    /* A different start (and a 1-phase meter) too. */
    parse_ok(&s, "household 1000 kWh pf 0.9\n", 1);
    near_abs(year_kwh(&s, T_2026_06_01 + H(7), 1), 1000.0, 10.0);
}

/* The H0-like shape: mean P = 3500 kWh / 8760 h = 399.5 W. Night base about 0.3 of the mean,
 * evening peak largest, winter above summer. */
static void test_household_shape(void **state)
{
    (void)state;
    struct scenario s;
    struct afe_state st;
    parse_ok(&s, "household 3500 kWh\n", 3);
    double mean = 3500000.0 / 8760.0;
    mfw_ms_t d = T_2026_12_01; /* a Tuesday, UTC = local */
    scenario_at(&s, d + H(3) + MIN(30), &st);
    double night = total_p(&st, 3);
    scenario_at(&s, d + H(7) + MIN(30), &st);
    double morning = total_p(&st, 3);
    scenario_at(&s, d + H(12), &st);
    double noon = total_p(&st, 3);
    scenario_at(&s, d + H(19) + MIN(30), &st);
    double evening = total_p(&st, 3);
    assert_true(night > 0.2 * mean && night < 0.45 * mean);
    assert_true(morning > 2.0 * night && noon > morning && evening > noon);
    /* The same hour in summer (2026-06-02 is a Tuesday too) is lower. */
    scenario_at(&s, T_2026_06_01 + MFW_MS_PER_DAY + H(19) + MIN(30), &st);
    assert_true(total_p(&st, 3) < 0.75 * evening);
    /* Spread equally over the phases, at PF 0.95 by default. */
    struct afe_quantities b;
    scenario_at(&s, d + H(19) + MIN(30), &st);
    afe_state_quantities(&st, 3, 1.0, &b);
    near_abs(b.ph[0].p, b.ph[2].p, 1e-9);
    near_abs(b.ph[0].p / (b.ph[0].vrms * b.ph[0].irms), 0.95, 1e-12);
    /* Constant within a minute; the next change is the next minute. */
    struct afe_state st2;
    scenario_at(&s, d + H(19) + MIN(30) + 59999, &st2);
    near_abs(st2.ph[0].i.rms, st.ph[0].i.rms, 0);
    assert_true(scenario_next_change(&s, d + H(19) + MIN(30) + 1) == d + H(19) + MIN(31));
}

static void test_builtins(void **state)
{
    (void)state;
    struct scenario s;
    assert_null(scenario_builtin("nope"));
    assert_null(scenario_builtin(NULL));
    const char *h = scenario_builtin("household");
    const char *pv = scenario_builtin("household-pv");
    assert_non_null(h);
    assert_non_null(pv);
    parse_ok(&s, pv, 1);
    parse_ok(&s, h, 1);
    parse_ok(&s, h, 3);
    assert_string_equal(s.name, "household");
    /* The whole household (shape plus explicit loads) is 3500 kWh a year. */
    near_abs(year_kwh(&s, T_2026_01_01, 3), 3500.0, 35.0);
    /* PV: net export at midsummer noon (11:30 UTC = 12:30 local, after the hob). */
    parse_ok(&s, pv, 3);
    struct afe_state st;
    scenario_at(&s, T_2026_06_21 + H(11) + MIN(30), &st);
    assert_true(total_p(&st, 3) < -1000.0);
    scenario_at(&s, T_2026_06_21 + H(1), &st);
    assert_true(total_p(&st, 3) > 0.0);
    /* next_change never returns <= t, and at most a minute on. */
    for (mfw_ms_t t = T_2026_06_21 - 777; t < T_2026_06_21 + 2 * MFW_MS_PER_DAY; t += 12345) {
        mfw_ms_t n = scenario_next_change(&s, t);
        assert_true(n > t && n <= t + 60000);
    }
}

/* scenario_at is pure: same t, same state; nothing in s changes. */
static void test_pure(void **state)
{
    (void)state;
    struct scenario s, copy;
    parse_ok(&s, scenario_builtin("household-pv"), 3);
    memcpy(&copy, &s, sizeof s);
    struct afe_state a, b;
    mfw_ms_t t = T_2026_06_01 + H(13) + 4321;
    scenario_at(&s, t, &a);
    scenario_at(&s, t + H(5), &b);
    scenario_at(&s, t, &b);
    assert_memory_equal(&a, &b, sizeof a);
    assert_memory_equal(&s, &copy, sizeof s);
}

/* 1-phase meter: all loads of the household are on L1; grid events on L2/L3 do not reach it. */
static void test_single_phase_fold(void **state)
{
    (void)state;
    struct scenario s;
    struct afe_state st;
    parse_ok(&s, "load f 230 W L2\nload g 230 W L3\nat 2026-12-01T10:00Z outage L3 1 h\n", 1);
    scenario_at(&s, T_2026_12_01 + H(10) + 1, &st);
    near_abs(st.ph[0].v.rms, 230.0, 0);
    near_abs(st.ph[0].i.rms, 2.0, 1e-12);
    near_abs(st.ph[1].i.rms, 0.0, 0);
}

struct bad {
    const char *text;
    unsigned line;
    int code;
};

static void expect_bad(const char *text, size_t len, uint8_t phases, unsigned line, int code)
{
    struct scenario s;
    struct scenario_error e;
    int r = scenario_parse(&s, text, len, phases, &e);
    if (r != code || e.line != line || e.msg[0] == '\0') {
        print_error("input '%.60s': got %d line %u '%s', want %d line %u\n", text, r, e.line, e.msg,
                    code, line);
        fail();
    }
}

static void test_bad_inputs(void **state)
{
    (void)state;
    static const struct bad bad[] = {
        {"voltage 230\nfrequency 50\nvoltage -230\n", 3, MFW_E_RANGE},
        {"voltage 501 V\n", 1, MFW_E_RANGE},
        {"voltage 230 kV\n", 1, MFW_E_FORMAT},
        {"voltage 230 V extra\n", 1, MFW_E_FORMAT},
        {"voltage\n", 1, MFW_E_FORMAT},
        {"voltage 2e2\n", 1, MFW_E_FORMAT},
        {"voltage nan\n", 1, MFW_E_FORMAT},
        {"# ok\n\nfrequency 70 Hz\n", 3, MFW_E_RANGE},
        {"frequency 44.9\n", 1, MFW_E_RANGE},
        {"frobnicate 1\n", 1, MFW_E_FORMAT},
        {"Voltage 230\n", 1, MFW_E_FORMAT},
        {"load fridge 120 W pf 1.2\n", 1, MFW_E_RANGE},
        {"load fridge 120 W pf 0\n", 1, MFW_E_RANGE},
        {"load fridge 120 W pf -0.5\n", 1, MFW_E_RANGE},
        {"load fridge 120\n", 1, MFW_E_FORMAT},
        {"load 120 W\n", 1, MFW_E_FORMAT},
        {"load x 100 W L4\n", 1, MFW_E_RANGE},
        {"load x 200 kW\n", 1, MFW_E_RANGE},
        {"load x 100 W every 10 min duty 0 %\n", 1, MFW_E_RANGE},
        {"load x 100 W every 10 min\n", 1, MFW_E_FORMAT},
        {"load x 100 W from 25:00 to 06:00\n", 1, MFW_E_RANGE},
        {"load x 100 W from 7:00 to 08:00\n", 1, MFW_E_FORMAT},
        {"harmonics 3:10%\n", 1, MFW_E_FORMAT},
        {"load x 1 W\nharmonics 3:10\n", 2, MFW_E_FORMAT},
        {"load x 1 W\nharmonics 1:10%\n", 2, MFW_E_RANGE},
        {"load x 1 W\nharmonics 3:110%\n", 2, MFW_E_RANGE},
        {"load x 1 W\nharmonics 2:1% 3:1% 4:1% 5:1% 6:1% 7:1% 8:1% 9:1% 10:1%\n", 2, MFW_E_RANGE},
        {"household 0 kWh\n", 1, MFW_E_RANGE},
        {"household 3500\n", 1, MFW_E_FORMAT},
        {"household 3500 kWh\nhousehold 1 kWh\n", 2, MFW_E_FORMAT},
        {"pv 4000 W peak from 20:00 to 06:00\n", 1, MFW_E_RANGE},
        {"pv -4000 W\n", 1, MFW_E_RANGE},
        {"utc-offset +1\n", 1, MFW_E_FORMAT},
        {"utc-offset +15 h\n", 1, MFW_E_RANGE},
        {"utc-offset +30 s\n", 1, MFW_E_RANGE},
        {"seed -1\n", 1, MFW_E_RANGE},
        {"seed 1.5\n", 1, MFW_E_RANGE},
        {"phases 2\n", 1, MFW_E_RANGE},
        {"at 2026-13-01T10:00:00Z outage 2 h\n", 1, MFW_E_RANGE},
        {"at 2026-02-29T10:00Z outage 1 h\n", 1, MFW_E_RANGE},
        {"at 2026-12-01 10:00 outage 2 h\n", 1, MFW_E_FORMAT},
        {"at 2026-12-01T10:00:00 outage 2 h\n", 1, MFW_E_FORMAT},
        {"at 2026-12-01T10:00:00Z outage 2\n", 1, MFW_E_FORMAT},
        {"at 2026-12-01T10:00:00Z outage 0 s\n", 1, MFW_E_RANGE},
        {"at 2026-12-01T10:00:00Z blackout 2 h\n", 1, MFW_E_FORMAT},
        {"at 2026-12-01T10:00:00Z\n", 1, MFW_E_FORMAT},
        {"at 2026-12-01T10:00:00Z sag L2 120 % 1 s\n", 1, MFW_E_RANGE},
        {"at 2026-12-01T10:00:00Z swell L2 90 % 1 s\n", 1, MFW_E_RANGE},
        {"at 2026-12-01T10:00:00Z frequency 80 Hz\n", 1, MFW_E_RANGE},
        {"at 2026-12-01T10:00:00Z frequency 51 Hz 10 s\n", 1, MFW_E_FORMAT},
        {"voltage 230\x01\n", 1, MFW_E_FORMAT},
        {"voltage 230 \xc2\xb0\n", 1, MFW_E_FORMAT},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
        expect_bad(bad[k].text, strlen(bad[k].text), 3, bad[k].line, bad[k].code);
    expect_bad("phases 3\n", 9, 1, 1, MFW_E_RANGE);
    /* A NUL byte inside the text. */
    expect_bad("voltage 230\n\0x\n", 15, 3, 2, MFW_E_FORMAT);

    /* Table limits: the 33rd load and the 65th event. */
    static char buf[8192];
    size_t n = 0;
    for (unsigned k = 0; k < 33; k++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "load l%u 10 W\n", k);
    expect_bad(buf, n, 3, 33, MFW_E_RANGE);
    n = 0;
    for (unsigned k = 0; k < 65; k++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "at 2026-12-01T10:%02u:00Z outage 1 s\n",
                              k % 60);
    expect_bad(buf, n, 3, 65, MFW_E_RANGE);

    /* 201 characters on line 2 (a comment: the length limit holds for any line). */
    n = (size_t)snprintf(buf, sizeof buf, "voltage 230\n");
    buf[n++] = '#';
    for (unsigned k = 0; k < 200; k++)
        buf[n++] = 'x';
    buf[n++] = '\n';
    expect_bad(buf, n, 3, 2, MFW_E_FORMAT);
    /* 200 is fine. */
    struct scenario s;
    struct scenario_error e;
    assert_int_equal(scenario_parse(&s, buf, n - 2, 3, &e), MFW_OK);
    assert_int_equal(scenario_parse(NULL, buf, n, 3, &e), MFW_E_ARG);
    assert_int_equal(scenario_parse(&s, buf, n, 2, &e), MFW_E_ARG);
}

/* No trailing newline, no NUL terminator, CRLF line ends, empty input. */
/* A lost neutral behind an unbalanced resistive load (Millman): 6000 W on L1, 600 W on L2 and
 * L3 at 230 V are admittances 10 g, g, g; the star point goes to U_N = (10 U1 + U2 + U3) / 12
 * = (10 - 1) / 12 U1 = 0.75 U1 (U2 + U3 = -U1), so L1 sees 0.25 x 230 = 57.5 V and L2, L3 see
 * |U2 - 0.75 U1| = 230 x sqrt(1.25^2 + 0.75) = 349.76 V; the currents follow (constant
 * impedance) and sum to nothing. A symmetric load does not move the star point. */
static void test_lost_neutral(void **state)
{
    (void)state;
    struct scenario s;
    struct afe_state st;
    parse_ok(&s,
             "load heater 6000 W L1\nload lamp 600 W L2\nload tv 600 W L3\n"
             "at 2026-12-01T10:00:00Z lost-neutral 5 min\n",
             3);
    mfw_ms_t a = T_2026_12_01 + H(10);
    scenario_at(&s, a, &st);
    double u23 = 230.0 * sqrt(1.25 * 1.25 + 0.75);
    near_abs(st.ph[0].v.rms, 57.5, 1e-9);
    near_abs(st.ph[1].v.rms, u23, 1e-9);
    near_abs(st.ph[2].v.rms, u23, 1e-9);
    near_abs(st.ph[0].i.rms, 6000.0 / 230.0 * 0.25, 1e-9);
    near_abs(st.ph[1].i.rms, 600.0 / 230.0 * u23 / 230.0, 1e-9);
    angle_eq(st.ph[0].i.phase_deg, st.ph[0].v.phase_deg); /* resistive */
    near_abs(total_p(&st, 3), 6000.0 * 0.0625 + 2.0 * 600.0 * (u23 / 230.0) * (u23 / 230.0), 1e-6);
    scenario_at(&s, a + MIN(5), &st);
    near_abs(st.ph[0].v.rms, 230.0, 1e-12);
    /* symmetric: nothing moves */
    parse_ok(&s, "load all3 6900 W\nat 2026-12-01T10:00:00Z lost-neutral 5 min\n", 3);
    scenario_at(&s, a, &st);
    for (unsigned k = 0; k < 3; k++) {
        near_abs(st.ph[k].v.rms, 230.0, 1e-9);
        near_abs(st.ph[k].i.rms, 10.0, 1e-9);
    }
    /* one phase: the neutral cut at the meter, the load fed through earth: no voltage at the
     * meter, the current goes on, none in the meter's neutral */
    parse_ok(&s, "load k 2300 W\nat 2026-12-01T10:00:00Z lost-neutral 5 min\n", 1);
    scenario_at(&s, a, &st);
    near_abs(st.ph[0].v.rms, 0.0, 0);
    near_abs(st.ph[0].i.rms, 10.0, 1e-9);
    assert_true(st.neutral_explicit);
    near_abs(st.n.rms, 0.0, 0);
}

/* A neutral bypass: 30 % of the return current goes round the meter, its neutral carries 70 %. */
static void test_neutral_bypass(void **state)
{
    (void)state;
    struct scenario s;
    struct afe_state st;
    parse_ok(&s, "load k 2300 W\nat 2026-12-01T10:00:00Z neutral-bypass 30 % 1 min\n", 1);
    scenario_at(&s, T_2026_12_01 + H(10), &st);
    near_abs(st.ph[0].i.rms, 10.0, 1e-9);
    assert_true(st.neutral_explicit);
    near_abs(st.n.rms, 7.0, 1e-9);
    angle_eq(st.n.phase_deg, 180.0); /* the return current */
    scenario_at(&s, T_2026_12_01 + H(10) + MIN(1), &st);
    assert_false(st.neutral_explicit);
}

/* The board's events: covers, field, button (1 s unless given), weld; no effect on the grid. */
static void test_board_events(void **state)
{
    (void)state;
    struct scenario s;
    struct afe_state st;
    parse_ok(&s,
             "load k 2300 W\n"
             "at 2026-12-01T10:00:00Z cover meter 1 min\n"
             "at 2026-12-01T10:00:30Z cover terminal 1 min\n"
             "at 2026-12-01T11:00:00Z magnetic-field 2 min\n"
             "at 2026-12-01T12:00:00Z button\n"
             "at 2026-12-01T13:00:00Z welded-relay 1 d\n",
             1);
    mfw_ms_t d = T_2026_12_01;
    assert_int_equal(scenario_inputs_at(&s, d + H(10) - 1), 0);
    assert_int_equal(scenario_inputs_at(&s, d + H(10)), SCENARIO_IN_METER_COVER);
    assert_int_equal(scenario_inputs_at(&s, d + H(10) + MS(30)),
                     SCENARIO_IN_METER_COVER | SCENARIO_IN_TERMINAL_COVER);
    assert_int_equal(scenario_inputs_at(&s, d + H(10) + MS(60)), SCENARIO_IN_TERMINAL_COVER);
    assert_int_equal(scenario_inputs_at(&s, d + H(11) + MS(119)), SCENARIO_IN_MAGNETIC_FIELD);
    assert_int_equal(scenario_inputs_at(&s, d + H(11) + MS(120)), 0);
    assert_int_equal(scenario_inputs_at(&s, d + H(12) + 999), SCENARIO_IN_BUTTON);
    assert_int_equal(scenario_inputs_at(&s, d + H(12) + 1000), 0);
    assert_int_equal(scenario_inputs_at(&s, d + H(14)), SCENARIO_IN_WELDED);
    /* magnetic immunity of the model: the field changes nothing the front end sees */
    scenario_at(&s, d + H(11) + MS(1), &st);
    near_abs(st.ph[0].v.rms, 230.0, 0);
    near_abs(st.ph[0].i.rms, 10.0, 1e-9);
    /* the edges are changes */
    assert_int_equal(scenario_next_change(&s, d + H(12)), d + H(12) + 1000);
    struct scenario_error e;
    static const char lid[] = "at 2026-12-01T10:00:00Z cover lid 1 min\n";
    assert_int_equal(scenario_parse(&s, lid, sizeof lid - 1, 1, &e), MFW_E_FORMAT);
    static const char much[] = "at 2026-12-01T10:00:00Z neutral-bypass 130 % 1 min\n";
    assert_int_equal(scenario_parse(&s, much, sizeof much - 1, 1, &e), MFW_E_RANGE);
}

/* An event injected at "now" (meterd --control): appended; a refused line changes nothing. */
static void test_inject(void **state)
{
    (void)state;
    struct scenario s;
    struct afe_state st;
    struct scenario_error e;
    parse_ok(&s, "load k 2300 W\n", 1);
    mfw_ms_t now = T_2026_12_01 + H(9);
    static const char l1[] = "outage 5 s";
    assert_int_equal(scenario_inject(&s, now, l1, sizeof l1 - 1, &e), MFW_OK);
    assert_int_equal(s.n_events, 1);
    scenario_at(&s, now + MS(4), &st);
    near_abs(st.ph[0].v.rms, 0.0, 0);
    scenario_at(&s, now + MS(5), &st);
    near_abs(st.ph[0].v.rms, 230.0, 0);
    static const char l2[] = "magnetic-field 1 min";
    assert_int_equal(scenario_inject(&s, now, l2, sizeof l2 - 1, &e), MFW_OK);
    assert_int_equal(scenario_inputs_at(&s, now + MS(59)), SCENARIO_IN_MAGNETIC_FIELD);
    static const char bad[] = "magnetic-field";
    assert_int_equal(scenario_inject(&s, now, bad, sizeof bad - 1, &e), MFW_E_FORMAT);
    static const char other[] = "load x 1 W";
    assert_int_equal(scenario_inject(&s, now, other, sizeof other - 1, &e), MFW_E_FORMAT);
    assert_int_equal(s.n_events, 2);
    assert_int_equal(s.n_loads, 1);
    static const char at[] = "at 2026-12-01T09:30:00Z swell 110 % 1 s";
    assert_int_equal(scenario_inject(&s, now, at, sizeof at - 1, &e), MFW_OK);
    assert_int_equal(s.n_events, 3);
}

static void test_unterminated(void **state)
{
    (void)state;
    struct scenario s;
    struct scenario_error e;
    const char text[] = "voltage 228 V9999";
    assert_int_equal(scenario_parse(&s, text, 13, 3, &e), MFW_OK);
    near_abs(s.u_nominal[0], 228.0, 0);
    near_abs(s.u_nominal[2], 228.0, 0);
    char exact[13];
    memcpy(exact, "voltage 228 V", 13); /* not NUL-terminated at all */
    assert_int_equal(scenario_parse(&s, exact, sizeof exact, 3, &e), MFW_OK);
    near_abs(s.u_nominal[1], 228.0, 0);
    const char crlf[] = "frequency 60 Hz\r\nvoltage L2 120\r\n";
    assert_int_equal(scenario_parse(&s, crlf, strlen(crlf), 3, &e), MFW_OK);
    near_abs(s.freq_hz, 60.0, 0);
    near_abs(s.u_nominal[1], 120.0, 0);
    near_abs(s.u_nominal[0], 230.0, 0);
    assert_int_equal(scenario_parse(&s, "", 0, 1, &e), MFW_OK);
    assert_int_equal(s.phases, 1);
    /* 2024 is a leap year: 29 Feb exists. */
    const char leap[] = "at 2024-02-29T23:59:59Z outage 1 s";
    assert_int_equal(scenario_parse(&s, leap, strlen(leap), 3, &e), MFW_OK);
    assert_true(s.events[0].at_ms == MS(1709251199LL));
}

/* Issue 10 grammar: temperature (base, permanent and temporary events), a frequency ramp, a load
 * in amps (a constant current under a sag), DC on a load, sensor and noise settings. */
static void test_temperature_ramp_amps_dc(void **state)
{
    (void)state;
    struct scenario s;
    struct afe_state st;
    parse_ok(&s,
             "temperature -10 C\n"
             "load bench 10 A pf 0.5 L1 dc 0.25 A\n"
             "load heater 2300 W L2\n"
             "at 2026-06-01T00:00:00Z temperature 40 C\n"
             "at 2026-06-01T01:00:00Z temperature 60 C for 10 min\n"
             "at 2026-06-01T02:00:00Z frequency ramp 51 Hz over 100 s\n"
             "at 2026-06-01T03:00:00Z sag 50 % 1 s\n"
             "sensors unit lot 7 12\n"
             "noise 80 dB\n",
             3);
    scenario_at(&s, T_2026_06_01 - 1, &st);
    near_abs(st.ambient_offset_c, -10.0 - 23.0, 1e-12);
    scenario_at(&s, T_2026_06_01 + MIN(30), &st);
    near_abs(st.ambient_offset_c, 40.0 - 23.0, 1e-12);
    scenario_at(&s, T_2026_06_01 + H(1) + MIN(5), &st);
    near_abs(st.ambient_offset_c, 60.0 - 23.0, 1e-12);
    scenario_at(&s, T_2026_06_01 + H(1) + MIN(10), &st);
    near_abs(st.ambient_offset_c, 40.0 - 23.0, 1e-12);
    /* the ramp: 50 -> 51 Hz over 100 s: 50.25 Hz after 25 s, 0.01 Hz/s; 51 after */
    scenario_at(&s, T_2026_06_01 + H(2) + MS(25), &st);
    near_abs(st.freq_hz, 50.25, 1e-12);
    near_abs(st.drift_hz_per_s, 0.01, 1e-12);
    scenario_at(&s, T_2026_06_01 + H(2) + MS(100), &st);
    near_abs(st.freq_hz, 51.0, 1e-12);
    near_abs(st.drift_hz_per_s, 0.0, 0);
    assert_true(scenario_next_change(&s, T_2026_06_01 + H(2) + MS(99)) <=
                T_2026_06_01 + H(2) + MS(100));
    /* 10 A at PF 0.5 lagging on L1 with 0.25 A DC; the heater on L2 is 10 A at 230 V */
    scenario_at(&s, T_2026_06_01 + H(3) - MS(10), &st);
    near_abs(st.ph[0].i.rms, 10.0, 1e-12);
    angle_eq(st.ph[0].i.phase_deg, -60.0);
    near_abs(st.ph[0].i.dc, 0.25, 1e-12);
    near_abs(st.ph[1].i.rms, 10.0, 1e-12);
    /* the sag to 50 %: the heater's current halves (constant impedance), the bench's stays */
    scenario_at(&s, T_2026_06_01 + H(3) + 500, &st);
    near_abs(st.ph[0].i.rms, 10.0, 1e-12);
    near_abs(st.ph[1].i.rms, 5.0, 1e-12);
    assert_int_equal(s.sensors, SCENARIO_SENSORS_UNIT);
    assert_int_equal(s.sensor_lot, 7);
    assert_int_equal(s.sensor_unit, 12);
    assert_true(s.noise_set && s.noise_db == 80.0);
    parse_ok(&s, "noise off\nsensors ideal\n", 1);
    assert_true(s.noise_set && s.noise_db == 0.0 && s.sensors == SCENARIO_SENSORS_IDEAL);
    /* defaults: 23 C, no sensor choice */
    parse_ok(&s, "voltage 230\n", 1);
    scenario_at(&s, T_2026_06_01, &st);
    near_abs(st.ambient_offset_c, 0.0, 0);
    assert_int_equal(s.sensors, SCENARIO_SENSORS_UNSET);
    /* refused */
    struct scenario_error e;
    const char *bad[][2] = {{"temperature 120 C\n", "R"},
                            {"sensors foo\n", "F"},
                            {"noise 10 dB\n", "R"},
                            {"load x 2000 A\n", "R"},
                            {"load x 2 A dc 5\n", "F"},
                            {"at 2026-06-01T00:00Z frequency ramp 52 Hz\n", "F"},
                            {"at 2026-06-01T00:00Z temperature 20 C for\n", "F"}};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        int r = scenario_parse(&s, bad[k][0], strlen(bad[k][0]), 3, &e);
        assert_int_equal(r, bad[k][1][0] == 'R' ? MFW_E_RANGE : MFW_E_FORMAT);
        assert_int_equal(e.line, 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_constant_load),
        cmocka_unit_test(test_load_harmonics),
        cmocka_unit_test(test_window),
        cmocka_unit_test(test_periodic_duty),
        cmocka_unit_test(test_outage),
        cmocka_unit_test(test_sag_swell),
        cmocka_unit_test(test_frequency_steps),
        cmocka_unit_test(test_household_year),
        cmocka_unit_test(test_household_shape),
        cmocka_unit_test(test_builtins),
        cmocka_unit_test(test_pure),
        cmocka_unit_test(test_single_phase_fold),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_unterminated),
        cmocka_unit_test(test_temperature_ramp_amps_dc),
        cmocka_unit_test(test_lost_neutral),
        cmocka_unit_test(test_neutral_bypass),
        cmocka_unit_test(test_board_events),
        cmocka_unit_test(test_inject),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
