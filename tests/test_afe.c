/* SPDX-License-Identifier: Apache-2.0 */
/* Simulated analog front end: generated codes against hand-derived values. Every expected number
 * below is computed from the signal definitions in afe.h, never read back from the code. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "afe.h"
#include "meterfw/base/error.h"

#define PI 3.14159265358979323846
#define FS 8000u
#define CYC 160u /* samples per cycle at 50 Hz and 8 kHz */
#define FSC 8388607.0

static double rad(double d)
{
    return d * PI / 180.0;
}

static void near_rel(double got, double want, double rel)
{
    double tol = rel * fabs(want);
    if (!(fabs(got - want) <= tol)) {
        print_error("got %.12g, want %.12g (tolerance %.3g)\n", got, want, tol);
        fail();
    }
}

static void near_abs(double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol)) {
        print_error("got %.12g, want %.12g (tolerance %.3g)\n", got, want, tol);
        fail();
    }
}

/* Generates n samples of state st with config c and returns them (caller frees). */
static struct mfw_adc_frame *run(const struct afe_config *c, const struct afe_state *st, size_t n,
                                 struct afe *a)
{
    assert_int_equal(afe_init(a, c), MFW_OK);
    afe_set(a, st);
    struct mfw_adc_frame *f = calloc(n, sizeof *f);
    assert_non_null(f);
    afe_generate(a, f, n);
    return f;
}

enum ch { CH_V, CH_I, CH_N };

static double code(const struct mfw_adc_frame *f, enum ch ch, unsigned ph)
{
    return ch == CH_V ? f->v[ph] : ch == CH_I ? f->i[ph] : f->i_n;
}

static double rms(const struct mfw_adc_frame *f, size_t n, enum ch ch, unsigned ph, double scale)
{
    double s = 0.0;
    for (size_t k = 0; k < n; k++) {
        double x = code(&f[k], ch, ph) * scale;
        s += x * x;
    }
    return sqrt(s / (double)n);
}

static double mean_vi(const struct afe *a, const struct mfw_adc_frame *f, size_t n, unsigned ph)
{
    double s = 0.0;
    for (size_t k = 0; k < n; k++)
        s += (double)f[k].v[ph] * (double)f[k].i[ph];
    return s / (double)n * afe_volts_per_code(a) * afe_amps_per_code(a);
}

static void cfg3(struct afe_config *c)
{
    afe_default_config(c, 3, FS, 100.0);
}

static void test_scale(void **state)
{
    (void)state;
    struct afe_config c;
    struct afe a;
    cfg3(&c);
    assert_int_equal(afe_init(&a, &c), MFW_OK);
    /* 600 V peak over 2^23 - 1 codes; i_full_scale = 100 A * sqrt2 * 1.2. */
    near_rel(afe_volts_per_code(&a), 600.0 / FSC, 1e-15);
    near_rel(afe_amps_per_code(&a), 100.0 * sqrt(2.0) * 1.2 / FSC, 1e-15);
}

static void test_init_rejects(void **state)
{
    (void)state;
    struct afe_config c;
    struct afe a;
    cfg3(&c);
    c.phases = 2;
    assert_int_equal(afe_init(&a, &c), MFW_E_ARG);
    cfg3(&c);
    c.fs_hz = 0;
    assert_int_equal(afe_init(&a, &c), MFW_E_ARG);
    cfg3(&c);
    c.v_full_scale = -1.0;
    assert_int_equal(afe_init(&a, &c), MFW_E_ARG);
    cfg3(&c);
    c.adc_bits = 40;
    assert_int_equal(afe_init(&a, &c), MFW_E_ARG);
    assert_int_equal(afe_init(NULL, &c), MFW_E_ARG);
}

/* 100 whole cycles: rms of codes*scale is the set rms to within the quantiser (LSB 72 uV on
 * 230 V, far below 1e-6 relative). Mean v*i is V*I*cos(phi). */
static void test_rms_and_power_sine(void **state)
{
    (void)state;
    struct afe_config c;
    struct afe a;
    struct afe_state st;
    cfg3(&c);
    afe_state_sine(&st, 3, 230.0, 10.0, 30.0, 50.0);
    size_t n = 100 * CYC;
    struct mfw_adc_frame *f = run(&c, &st, n, &a);
    for (unsigned ph = 0; ph < 3; ph++) {
        near_rel(rms(f, n, CH_V, ph, afe_volts_per_code(&a)), 230.0, 1e-6);
        near_rel(rms(f, n, CH_I, ph, afe_amps_per_code(&a)), 10.0, 1e-5);
        near_rel(mean_vi(&a, f, n, ph), 2300.0 * cos(rad(30.0)), 1e-5);
    }
    /* Balanced sines: the Kirchhoff neutral is zero up to rounding of three codes. */
    for (size_t k = 0; k < n; k++)
        assert_true(abs(f[k].i_n) <= 2);
    /* L1 starts at phase 0: the first sample is 0 and the quarter-cycle sample is the peak. */
    assert_int_equal(f[0].v[0], 0);
    near_abs(f[CYC / 4].v[0], 230.0 * sqrt(2.0) * FSC / 600.0, 0.5);
    free(f);
}

/* IEC 62053-21 5th-harmonic test: V5 = 10 %, I5 = 40 % in phase: P = V1 I1 (1 + 0.1*0.4). */
static void test_power_5th_harmonic(void **state)
{
    (void)state;
    struct afe_config c;
    struct afe a;
    struct afe_state st;
    cfg3(&c);
    afe_state_sine(&st, 1, 230.0, 50.0, 0.0, 50.0);
    c.phases = 1;
    st.ph[0].v.n_harmonics = 1;
    st.ph[0].v.h[0] = (struct afe_harmonic){.order = 5, .amplitude = 0.10, .phase_deg = 0.0};
    st.ph[0].i.n_harmonics = 1;
    st.ph[0].i.h[0] = (struct afe_harmonic){.order = 5, .amplitude = 0.40, .phase_deg = 0.0};
    size_t n = 50 * CYC;
    struct mfw_adc_frame *f = run(&c, &st, n, &a);
    double p1 = 230.0 * 50.0;
    near_rel(mean_vi(&a, f, n, 0), 1.04 * p1, 1e-5);
    near_rel(rms(f, n, CH_V, 0, afe_volts_per_code(&a)), 230.0 * sqrt(1.01), 1e-6);
    near_rel(rms(f, n, CH_I, 0, afe_amps_per_code(&a)), 50.0 * sqrt(1.16), 1e-5);
    struct afe_quantities b;
    afe_state_quantities(&st, 1, 0.2, &b);
    near_rel(b.ph[0].p, 1.04 * p1, 1e-12);
    near_abs(b.ph[0].q, 0.0, 1e-9);
    near_rel(b.ph[0].vrms, 230.0 * sqrt(1.01), 1e-12);
    near_rel(b.ph[0].irms, 50.0 * sqrt(1.16), 1e-12);
    near_rel(b.i_n, 50.0 * sqrt(1.16), 1e-12); /* one phase: the return current */
    near_rel(rms(f, n, CH_N, 0, afe_amps_per_code(&a)), 50.0 * sqrt(1.16), 1e-5);
    assert_true(b.duration_s == 0.2 && b.freq_hz == 50.0);
    free(f);

    /* Rotate the 5th of the current by 180 deg: P5 is negative, P = 0.96 P1. */
    st.ph[0].i.h[0].phase_deg = 180.0;
    afe_state_quantities(&st, 1, 0.2, &b);
    near_rel(b.ph[0].p, 0.96 * p1, 1e-12);
    /* 90 deg: P5 = 0. */
    st.ph[0].i.h[0].phase_deg = 90.0;
    afe_state_quantities(&st, 1, 0.2, &b);
    near_rel(b.ph[0].p, p1, 1e-12);
    /* The 5th only in the voltage (a 7th in the current): no harmonic power. */
    st.ph[0].i.h[0] = (struct afe_harmonic){.order = 7, .amplitude = 0.40, .phase_deg = 0.0};
    afe_state_quantities(&st, 1, 0.2, &b);
    near_rel(b.ph[0].p, p1, 1e-12);
}

/* With the current lagging by phi1, harmonic h (relative phase 0 in both channels) is displaced
 * by h*phi1: P = V1 I1 cos(phi1) + V5 I5 cos(5 phi1). */
static void test_power_harmonic_displaced(void **state)
{
    (void)state;
    struct afe_config c;
    struct afe a;
    struct afe_state st;
    afe_default_config(&c, 1, FS, 100.0);
    afe_state_sine(&st, 1, 230.0, 20.0, 10.0, 50.0);
    st.ph[0].v.n_harmonics = 1;
    st.ph[0].v.h[0] = (struct afe_harmonic){.order = 5, .amplitude = 0.10, .phase_deg = 0.0};
    st.ph[0].i.n_harmonics = 1;
    st.ph[0].i.h[0] = (struct afe_harmonic){.order = 5, .amplitude = 0.40, .phase_deg = 0.0};
    double want = 230.0 * 20.0 * (cos(rad(10.0)) + 0.04 * cos(rad(50.0)));
    struct afe_quantities b;
    afe_state_quantities(&st, 1, 1.0, &b);
    near_rel(b.ph[0].p, want, 1e-12);
    near_rel(b.ph[0].q, 230.0 * 20.0 * sin(rad(10.0)), 1e-12);
    size_t n = 50 * CYC;
    struct mfw_adc_frame *f = run(&c, &st, n, &a);
    near_rel(mean_vi(&a, f, n, 0), want, 1e-5);
    free(f);
}

/* Signs: a lagging current gives Q > 0, a leading one Q < 0, an inverted current P < 0. */
static void test_quantity_signs(void **state)
{
    (void)state;
    struct afe_state st;
    struct afe_quantities b;
    afe_state_sine(&st, 3, 230.0, 5.0, 60.0, 50.0);
    afe_state_quantities(&st, 3, 1.0, &b);
    for (unsigned ph = 0; ph < 3; ph++) {
        near_rel(b.ph[ph].p, 1150.0 * 0.5, 1e-12);
        near_rel(b.ph[ph].q, 1150.0 * sin(rad(60.0)), 1e-12);
    }
    near_abs(b.ph[1].v_angle_deg, -120.0, 1e-12);
    near_abs(b.ph[2].v_angle_deg, 120.0, 1e-12);
    near_abs(b.i_n, 0.0, 1e-9);
    afe_state_sine(&st, 1, 230.0, 5.0, -36.87, 50.0);
    afe_state_quantities(&st, 1, 1.0, &b);
    assert_true(b.ph[0].q < 0.0 && b.ph[0].p > 0.0);
    afe_state_sine(&st, 1, 230.0, 5.0, 180.0, 50.0);
    afe_state_quantities(&st, 1, 1.0, &b);
    near_rel(b.ph[0].p, -1150.0, 1e-12);
}

/* Balanced 3rd harmonics are zero-sequence: they add up in the neutral, I_N = 3 * I3. */
static void test_neutral_triplen(void **state)
{
    (void)state;
    struct afe_config c;
    struct afe a;
    struct afe_state st;
    cfg3(&c);
    afe_state_sine(&st, 3, 230.0, 10.0, 0.0, 50.0);
    for (unsigned ph = 0; ph < 3; ph++) {
        st.ph[ph].i.n_harmonics = 1;
        st.ph[ph].i.h[0] = (struct afe_harmonic){.order = 3, .amplitude = 0.2, .phase_deg = 0.0};
    }
    struct afe_quantities b;
    afe_state_quantities(&st, 3, 1.0, &b);
    near_rel(b.i_n, 3.0 * 2.0, 1e-12);
    size_t n = 50 * CYC;
    struct mfw_adc_frame *f = run(&c, &st, n, &a);
    near_rel(rms(f, n, CH_N, 0, afe_amps_per_code(&a)), 6.0, 1e-5);
    free(f);
}

/* One loaded phase of three: the neutral carries that current. */
static void test_neutral_one_phase_loaded(void **state)
{
    (void)state;
    struct afe_config c;
    struct afe a;
    struct afe_state st;
    cfg3(&c);
    afe_state_sine(&st, 3, 230.0, 0.0, 0.0, 50.0);
    st.ph[1].i.rms = 16.0;
    st.ph[1].i.phase_deg = -150.0;
    size_t n = 50 * CYC;
    struct mfw_adc_frame *f = run(&c, &st, n, &a);
    near_rel(rms(f, n, CH_N, 0, afe_amps_per_code(&a)), 16.0, 1e-5);
    /* Kirchhoff sample by sample: i_n = -i_L2 (up to rounding of each code). */
    for (size_t k = 0; k < n; k++)
        assert_true(abs(f[k].i_n + f[k].i[1]) <= 1);
    struct afe_quantities b;
    afe_state_quantities(&st, 3, 1.0, &b);
    near_rel(b.i_n, 16.0, 1e-12);
    /* An explicit neutral overrides Kirchhoff. */
    st.neutral_explicit = true;
    st.n.rms = 3.0;
    afe_state_quantities(&st, 3, 1.0, &b);
    near_rel(b.i_n, 3.0, 1e-12);
    free(f);
}

static void test_gain_error(void **state)
{
    (void)state;
    struct afe_config c;
    struct afe a;
    struct afe_state st;
    cfg3(&c);
    c.v_sensor[0].gain_error = 0.02;
    c.i_sensor[2].gain_error = -0.01;
    afe_state_sine(&st, 3, 230.0, 10.0, 0.0, 50.0);
    size_t n = 50 * CYC;
    struct mfw_adc_frame *f = run(&c, &st, n, &a);
    near_rel(rms(f, n, CH_V, 0, afe_volts_per_code(&a)), 230.0 * 1.02, 1e-6);
    near_rel(rms(f, n, CH_V, 1, afe_volts_per_code(&a)), 230.0, 1e-6);
    near_rel(rms(f, n, CH_I, 2, afe_amps_per_code(&a)), 10.0 * 0.99, 1e-5);
    free(f);
}

/* A 1 deg current phase error at the nominal frequency is a delay of 1/360/50 s: the current
 * lags one more degree, so mean v*i = V I cos(phi + 1 deg). At 55 Hz the same delay is 1.1 deg,
 * and the 5th harmonic of the channel sees 5 deg. */
static void test_phase_error(void **state)
{
    (void)state;
    struct afe_config c;
    struct afe a;
    struct afe_state st;
    afe_default_config(&c, 1, FS, 100.0);
    c.i_sensor[0].phase_error_deg = 1.0;
    afe_state_sine(&st, 1, 230.0, 10.0, 60.0, 50.0);
    size_t n = 50 * CYC;
    struct mfw_adc_frame *f = run(&c, &st, n, &a);
    near_rel(mean_vi(&a, f, n, 0), 2300.0 * cos(rad(61.0)), 1e-5);
    free(f);

    afe_state_sine(&st, 1, 230.0, 10.0, 60.0, 55.0);
    n = 8000; /* one second: 55 whole cycles */
    f = run(&c, &st, n, &a);
    near_rel(mean_vi(&a, f, n, 0), 2300.0 * cos(rad(61.1)), 1e-5);
    free(f);

    afe_state_sine(&st, 1, 230.0, 0.0, 0.0, 50.0);
    st.ph[0].v.h[0] = (struct afe_harmonic){.order = 5, .amplitude = 0.1, .phase_deg = 0.0};
    st.ph[0].v.n_harmonics = 1;
    st.ph[0].i.h[0] = (struct afe_harmonic){.order = 5, .amplitude = 1.0, .phase_deg = 0.0};
    st.ph[0].i.n_harmonics = 1;
    st.ph[0].i.rms = 1e-9; /* fundamental (almost) absent: a pure 5th of 10 A */
    st.ph[0].i.h[0].amplitude = 10.0 / 1e-9;
    n = 50 * CYC;
    f = run(&c, &st, n, &a);
    near_rel(mean_vi(&a, f, n, 0), 23.0 * 10.0 * cos(rad(5.0)), 1e-4);
    free(f);
}

/* ADC offsets shift the mean code; real DC is in the physical unit. */
static void test_offset_and_dc(void **state)
{
    (void)state;
    struct afe_config c;
    struct afe a;
    struct afe_state st;
    afe_default_config(&c, 1, FS, 100.0);
    c.v_sensor[0].offset = 1000.0;
    afe_state_sine(&st, 1, 230.0, 10.0, 0.0, 50.0);
    st.ph[0].i.dc = 1.0;
    size_t n = 10 * CYC;
    struct mfw_adc_frame *f = run(&c, &st, n, &a);
    double sv = 0, si = 0;
    for (size_t k = 0; k < n; k++) {
        sv += f[k].v[0];
        si += f[k].i[0];
    }
    near_abs(sv / (double)n, 1000.0, 0.5);
    near_rel(si / (double)n * afe_amps_per_code(&a), 1.0, 1e-4);
    free(f);
}

static void test_seed_determinism(void **state)
{
    (void)state;
    struct afe_config c;
    struct afe a;
    struct afe_state st;
    cfg3(&c);
    c.snr_db = 80.0;
    c.seed = 42;
    afe_state_sine(&st, 3, 230.0, 10.0, 0.0, 50.0);
    size_t n = 4 * CYC;
    struct mfw_adc_frame *f1 = run(&c, &st, n, &a);
    struct mfw_adc_frame *f2 = run(&c, &st, n, &a);
    assert_memory_equal(f1, f2, n * sizeof *f1);
    c.seed = 43;
    struct mfw_adc_frame *f3 = run(&c, &st, n, &a);
    assert_memory_not_equal(f1, f3, n * sizeof *f1);
    free(f1);
    free(f2);
    free(f3);
}

/* White noise at 60 dB below a full-scale sine: rms = FSc/sqrt2 * 1e-3 codes on every channel. */
static void test_noise_rms(void **state)
{
    (void)state;
    struct afe_config c;
    struct afe a;
    struct afe_state st;
    cfg3(&c);
    c.snr_db = 60.0;
    memset(&st, 0, sizeof st);
    st.freq_hz = 50.0;
    size_t n = 100000;
    struct mfw_adc_frame *f = run(&c, &st, n, &a);
    double want = FSC / sqrt(2.0) * 1e-3;
    for (unsigned ph = 0; ph < 3; ph++) {
        near_rel(rms(f, n, CH_V, ph, 1.0), want, 0.05);
        near_rel(rms(f, n, CH_I, ph, 1.0), want, 0.05);
    }
    near_rel(rms(f, n, CH_N, 0, 1.0), want, 0.05);
    free(f);
}

/* 600 V rms is 849 V peak on a 600 V full scale: clipped at +-(2^23 - 1). */
static void test_clamp(void **state)
{
    (void)state;
    struct afe_config c;
    struct afe a;
    struct afe_state st;
    afe_default_config(&c, 1, FS, 100.0);
    afe_state_sine(&st, 1, 600.0, 0.0, 0.0, 50.0);
    size_t n = 2 * CYC;
    struct mfw_adc_frame *f = run(&c, &st, n, &a);
    int32_t mx = INT32_MIN, mn = INT32_MAX;
    for (size_t k = 0; k < n; k++) {
        mx = f[k].v[0] > mx ? f[k].v[0] : mx;
        mn = f[k].v[0] < mn ? f[k].v[0] : mn;
    }
    assert_int_equal(mx, 8388607);
    assert_int_equal(mn, -8388607);
    free(f);
}

/* Change 50 -> 55 Hz at sample N: sample N is still at phase N*50/fs cycles, N+1 at
 * N*50/fs + 55/fs; no step larger than the slope allows. */
static void test_phase_continuity(void **state)
{
    (void)state;
    struct afe_config c;
    struct afe a;
    struct afe_state st;
    afe_default_config(&c, 1, FS, 100.0);
    afe_state_sine(&st, 1, 230.0, 0.0, 0.0, 50.0);
    assert_int_equal(afe_init(&a, &c), MFW_OK);
    afe_set(&a, &st);
    enum { N = 1234, M = 400 };
    struct mfw_adc_frame f[N + M];
    afe_generate(&a, f, N);
    st.freq_hz = 55.0;
    afe_set(&a, &st);
    afe_generate(&a, f + N, M);
    double pk = 230.0 * sqrt(2.0) * FSC / 600.0;
    double c0 = (double)N * 50.0 / FS;
    near_abs(f[N].v[0], pk * sin(2 * PI * c0), 1.0);
    near_abs(f[N + 1].v[0], pk * sin(2 * PI * (c0 + 55.0 / FS)), 1.0);
    near_abs(f[N + M - 1].v[0], pk * sin(2 * PI * (c0 + (M - 1) * 55.0 / FS)), 1.0);
    double maxstep = pk * 2 * PI * 55.0 / FS + 1.0;
    for (unsigned k = 1; k < N + M; k++)
        assert_true(fabs((double)f[k].v[0] - f[k - 1].v[0]) <= maxstep);
}

/* Linear drift: f(t) = 50 + 1 Hz/s * t, so one second advances 50.5 cycles. */
static void test_drift(void **state)
{
    (void)state;
    struct afe_config c;
    struct afe a;
    struct afe_state st;
    afe_default_config(&c, 1, FS, 100.0);
    afe_state_sine(&st, 1, 230.0, 1.0, 0.0, 50.0);
    st.drift_hz_per_s = 1.0;
    assert_int_equal(afe_init(&a, &c), MFW_OK);
    afe_set(&a, &st);
    struct mfw_adc_frame f[FS / 4];
    for (unsigned k = 0; k < 4; k++)
        afe_generate(&a, f, FS / 4);
    near_abs(a.cycles, 0.5, 1e-9);
    near_abs(a.t, 1.0, 1e-12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scale),
        cmocka_unit_test(test_init_rejects),
        cmocka_unit_test(test_rms_and_power_sine),
        cmocka_unit_test(test_power_5th_harmonic),
        cmocka_unit_test(test_power_harmonic_displaced),
        cmocka_unit_test(test_quantity_signs),
        cmocka_unit_test(test_neutral_triplen),
        cmocka_unit_test(test_neutral_one_phase_loaded),
        cmocka_unit_test(test_gain_error),
        cmocka_unit_test(test_phase_error),
        cmocka_unit_test(test_offset_and_dc),
        cmocka_unit_test(test_seed_determinism),
        cmocka_unit_test(test_noise_rms),
        cmocka_unit_test(test_clamp),
        cmocka_unit_test(test_phase_continuity),
        cmocka_unit_test(test_drift),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
