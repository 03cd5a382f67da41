/* SPDX-License-Identifier: Apache-2.0 */
/* Neutral faults (neutral.h). The 382M's windows come from a lost neutral worked out here from
 * circuit theory: resistive loads P_k at 230 V are conductances G_k = P_k / 230^2, and with the
 * neutral gone the star point floats to V_N = sum(E_k G_k) / sum(G_k), each phase then sees
 * E_k - V_N. 1400 / 800 / 800 W gives 184 V on L1 and 256 V on L2 and L3 (the case);
 * a symmetric load gives V_N = 0. The 162M's windows are phase and neutral currents by hand. */
#include <complex.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "meterfw/base/error.h"
#include "meterfw/meter/neutral.h"

#define T0 1800000000000LL
#define PI 3.14159265358979323846

/* The window a 382M measures with loads p[3] (W) and the neutral lost (or not). */
static void lost_neutral(struct mfw_metrology_values *v, const double p[3], bool lost)
{
    double complex e[3], g[3], vn = 0, gs = 0;
    for (unsigned k = 0; k < 3; k++) {
        e[k] = 230.0 * cexp(I * (-120.0 * k) * PI / 180.0);
        g[k] = p[k] / (230.0 * 230.0);
        vn += e[k] * g[k];
        gs += g[k];
    }
    vn = lost && cabs(gs) > 0 ? vn / gs : 0;
    double ref = carg(e[0] - vn);
    *v = (struct mfw_metrology_values){.duration_s = 0.2, .freq_hz = 50.0, .freq_locked = true};
    for (unsigned k = 0; k < 3; k++) {
        double complex u = e[k] - vn;
        v->ph[k].vrms = v->ph[k].v1 = cabs(u);
        v->ph[k].v_angle_deg = (carg(u) - ref) * 180.0 / PI;
        v->ph[k].irms = cabs(u * g[k]);
        v->ph[k].voltage_present = true;
    }
}

static void run(struct mfw_neutral *n, const struct mfw_neutral_config *c, uint8_t phases,
                const struct mfw_metrology_values *v, mfw_ms_t from, mfw_ms_t to,
                struct mfw_neutral_result *any)
{
    *any = (struct mfw_neutral_result){0};
    for (mfw_ms_t t = from; t <= to; t += 200) {
        struct mfw_neutral_result r;
        mfw_neutral_window(n, c, phases, v, t, &r);
        any->fault |= r.fault;
        any->restored |= r.restored;
        any->mismatch |= r.mismatch;
        any->mismatch_gone |= r.mismatch_gone;
        if (r.fault)
            any->phase = r.phase;
    }
}

static void kamstrup_rule_on_a_lost_neutral(void **st)
{
    (void)st;
    struct mfw_neutral_config c;
    mfw_neutral_default_config(&c, 3);
    struct mfw_neutral n;
    mfw_neutral_init(&n);
    struct mfw_metrology_values v;
    const double p[3] = {1400, 800, 800};
    lost_neutral(&v, p, true);
    assert_true(fabs(v.ph[0].vrms - 184.0) < 0.5);
    assert_true(v.ph[1].vrms > 253.0 && v.ph[2].vrms > 253.0);
    struct mfw_neutral_result r;
    /* 59.8 s: not yet; the window at 60 s: the fault, with L1 the low phase */
    run(&n, &c, 3, &v, T0, T0 + 59800, &r);
    assert_false(r.fault);
    run(&n, &c, 3, &v, T0 + 60000, T0 + 60000, &r);
    assert_true(r.fault);
    assert_int_equal(r.phase, 1);
    assert_int_equal(n.faults, 1);
    /* the neutral back: over after 60 s of the rule not holding */
    lost_neutral(&v, p, false);
    run(&n, &c, 3, &v, T0 + 60200, T0 + 120000, &r);
    assert_false(r.restored);
    run(&n, &c, 3, &v, T0 + 120200, T0 + 120200, &r);
    assert_true(r.restored);
    assert_false(n.fault);
}

static void a_symmetric_load_never_alarms(void **st)
{
    (void)st;
    struct mfw_neutral_config c;
    mfw_neutral_default_config(&c, 3);
    c.zero_seq_v = 20.0; /* the earlier rule too */
    struct mfw_neutral n;
    mfw_neutral_init(&n);
    struct mfw_metrology_values v;
    const double p[3] = {1000, 1000, 1000};
    lost_neutral(&v, p, true); /* lost, but V_N = 0: nothing to see */
    assert_true(fabs(v.ph[0].vrms - 230.0) < 1e-6);
    assert_true(mfw_neutral_zero_sequence(&v, 3) < 1e-6);
    struct mfw_neutral_result r;
    run(&n, &c, 3, &v, T0, T0 + 3600000, &r);
    assert_false(r.fault);
}

static void zero_sequence_is_earlier(void **st)
{
    (void)st;
    struct mfw_neutral_config c;
    mfw_neutral_default_config(&c, 3);
    c.zero_seq_v = 20.0;
    c.zero_seq_time_ms = 5000;
    struct mfw_neutral n;
    mfw_neutral_init(&n);
    struct mfw_metrology_values v;
    const double p[3] = {1400, 800, 800};
    lost_neutral(&v, p, true);
    /* |U1 + U2 + U3| / 3 = |V_N| (the source sums to 0): 46.0 V for these loads */
    assert_true(fabs(mfw_neutral_zero_sequence(&v, 3) - 46.0) < 0.1);
    struct mfw_neutral_result r;
    run(&n, &c, 3, &v, T0, T0 + 4800, &r);
    assert_false(r.fault);
    run(&n, &c, 3, &v, T0 + 5000, T0 + 5000, &r);
    assert_true(r.fault);
    assert_int_equal(r.phase, 0); /* by the zero-sequence rule */
}

static void single_phase_current_mismatch(void **st)
{
    (void)st;
    struct mfw_neutral_config c;
    mfw_neutral_default_config(&c, 1);
    struct mfw_neutral n;
    mfw_neutral_init(&n);
    struct mfw_metrology_values v = {.duration_s = 0.2};
    v.ph[0].vrms = 230.0;
    v.ph[0].irms = 10.0;
    v.i_n = 9.6; /* 0.4 A apart: below 0.5 A */
    struct mfw_neutral_result r;
    run(&n, &c, 1, &v, T0, T0 + 60000, &r);
    assert_false(r.mismatch);
    v.i_n = 9.0; /* 1 A: above 0.5 A and above 6.25 % of 10 A */
    run(&n, &c, 1, &v, T0 + 60200, T0 + 70000, &r);
    assert_false(r.mismatch); /* 9.8 s */
    run(&n, &c, 1, &v, T0 + 70200, T0 + 70200, &r);
    assert_true(r.mismatch);
    /* 40 A against 38 A: 2 A apart, but 6.25 % of 40 A is 2.5 A: within the shunts' tolerance */
    v.ph[0].irms = 40.0;
    v.i_n = 38.0;
    run(&n, &c, 1, &v, T0 + 70400, T0 + 80400, &r);
    assert_true(r.mismatch_gone);
    assert_false(n.mismatch);
    /* the voltage gone with current flowing */
    v.ph[0].vrms = 0.0;
    v.ph[0].irms = 5.0;
    assert_true(mfw_neutral_voltage_loss(&c, &v));
    v.ph[0].irms = 0.2;
    assert_false(mfw_neutral_voltage_loss(&c, &v));
}

static void configuration_rules(void **st)
{
    (void)st;
    struct mfw_neutral_config c;
    mfw_neutral_default_config(&c, 3);
    assert_int_equal(mfw_neutral_validate(&c), MFW_OK);
    c.low_v = 260.0; /* above high_v */
    assert_int_equal(mfw_neutral_validate(&c), MFW_E_RANGE);
    mfw_neutral_default_config(&c, 3);
    c.mismatch_ratio = NAN;
    assert_int_equal(mfw_neutral_validate(&c), MFW_E_RANGE);
    mfw_neutral_default_config(&c, 3);
    c.enabled = false;
    struct mfw_neutral n;
    mfw_neutral_init(&n);
    struct mfw_metrology_values v;
    const double p[3] = {1400, 800, 800};
    lost_neutral(&v, p, true);
    struct mfw_neutral_result r;
    run(&n, &c, 3, &v, T0, T0 + 120000, &r);
    assert_false(r.fault);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kamstrup_rule_on_a_lost_neutral),
        cmocka_unit_test(a_symmetric_load_never_alarms),
        cmocka_unit_test(zero_sequence_is_earlier),
        cmocka_unit_test(single_phase_current_mismatch),
        cmocka_unit_test(configuration_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
