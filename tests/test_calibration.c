/* SPDX-License-Identifier: Apache-2.0 */
/* Calibration recovers the sensor errors the simulated front end was built with: the gains are
 * the nominal scale divided by (1 + gain error), the current delay is the difference of the two
 * channels' phase errors turned into time, the noise floor is the noise power set by the SNR. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "afe.h"
#include "meterfw/base/error.h"
#include "meterfw/metrology/calibration.h"
#include "meterfw/metrology/metrology.h"

#define CHUNK 40

static struct afe afe;
static struct mfw_metrology mt;

static void window(struct mfw_metrology_values *v)
{
    struct mfw_adc_frame f[CHUNK];
    do {
        afe_generate(&afe, f, CHUNK);
        mfw_metrology_samples(&mt, f, CHUNK);
    } while (!mfw_metrology_read(&mt, v));
}

static void accumulate(struct mfw_calibration_acc *a, unsigned windows)
{
    struct mfw_metrology_values v;
    for (int k = 0; k < 5; k++)
        window(&v);
    mfw_calibration_reset(a);
    for (unsigned k = 0; k < windows; k++) {
        window(&v);
        mfw_calibration_add(a, mfw_metrology_raw(&mt, 0), v.freq_hz);
    }
}

static void recovers_sensor_errors(void **st)
{
    (void)st;
    struct afe_config ac;
    afe_default_config(&ac, 1, 4000, 100.0);
    ac.v_sensor[0] = (struct afe_sensor){+0.015, 0.05, 1500.0};
    ac.i_sensor[0] = (struct afe_sensor){-0.020, 0.30, -800.0};
    ac.snr_db = 90.0;
    assert_int_equal(afe_init(&afe, &ac), MFW_OK);
    struct mfw_metrology_config cfg;
    mfw_metrology_default_config(&cfg, 1, 4000, 50);
    assert_int_equal(mfw_metrology_init(&mt, &cfg), MFW_OK);

    struct afe_state s;
    afe_state_sine(&s, 1, 230.0, 5.0, 60.0, 50.0);
    afe_set(&afe, &s);
    struct mfw_calibration_acc a;
    accumulate(&a, 25);
    struct mfw_metrology_cal_phase cal = cfg.cal[0];
    const struct mfw_calibration_reference ref = {230.0, 5.0, 60.0};
    assert_int_equal(mfw_calibration_gain_phase(&cal, &a, &ref), MFW_OK);
    double vpc = afe_volts_per_code(&afe), apc = afe_amps_per_code(&afe);
    assert_true(fabs(cal.v_gain / (vpc / 1.015) - 1.0) < 2e-5);
    assert_true(fabs(cal.i_gain / (apc / 0.980) - 1.0) < 2e-5);
    double tau = (0.30 - 0.05) / 360.0 / 50.0; /* both channels are delays at 50 Hz */
    assert_true(fabs(cal.i_delay_s - tau) < 0.002 * tau);

    /* no load: the current noise floor is the noise power, (FS/sqrt2 * 10^-4.5)^2 codes^2 */
    afe_state_sine(&s, 1, 230.0, 0.0, 0.0, 50.0);
    afe_set(&afe, &s);
    accumulate(&a, 25);
    assert_int_equal(mfw_calibration_no_load(&cal, &a), MFW_OK);
    double noise_codes = 8388607.0 / sqrt(2.0) * pow(10.0, -90.0 / 20.0);
    double floor_a2 = noise_codes * noise_codes * cal.i_gain * cal.i_gain;
    assert_true(fabs(cal.i_rms_offset / floor_a2 - 1.0) < 0.05);
    assert_true(fabs(cal.p_offset) < 0.05); /* W: noise only, no crosstalk simulated */

    /* calibrated: 10 A at PF 0.8 capacitive, 51 Hz, read within 0.01 % */
    cfg.cal[0] = cal;
    assert_int_equal(mfw_metrology_init(&mt, &cfg), MFW_OK);
    afe_state_sine(&s, 1, 230.0, 10.0, -36.87, 51.0);
    afe_set(&afe, &s);
    struct mfw_metrology_values v;
    double p = 0.0, q = 0.0;
    for (int k = 0; k < 5; k++)
        window(&v);
    for (int k = 0; k < 20; k++) {
        window(&v);
        p += v.ph[0].p / 20.0;
        q += v.ph[0].q / 20.0;
    }
    assert_true(fabs(p / (2300.0 * cos(-36.87 * 3.14159265358979323846 / 180.0)) - 1.0) < 1e-4);
    assert_true(fabs(q / (2300.0 * sin(-36.87 * 3.14159265358979323846 / 180.0)) - 1.0) < 1e-4);
}

static void refuses_what_it_cannot_use(void **st)
{
    (void)st;
    struct mfw_calibration_acc a;
    mfw_calibration_reset(&a);
    struct mfw_metrology_cal_phase cal = {0};
    const struct mfw_calibration_reference ref = {230.0, 5.0, 60.0};
    assert_int_equal(mfw_calibration_gain_phase(&cal, &a, &ref), MFW_E_STATE);
    assert_int_equal(mfw_calibration_no_load(&cal, &a), MFW_E_STATE);
    struct mfw_metrology_raw_phase tiny = {.v1_re = 1.0, .i1_re = 1.0};
    mfw_calibration_add(&a, &tiny, 50.0);
    assert_int_equal(mfw_calibration_gain_phase(&cal, &a, &ref), MFW_E_RANGE);
}

/* A window's raw sums of a source at u (V), i (A) and angle phi (V to I, rad) seen through
 * channels of sv codes/V and si codes/A, the current lagging `lag` more. */
static void synthetic(struct mfw_calibration_acc *a, double u, double i, double phi, double sv,
                      double si, double lag)
{
    struct mfw_metrology_raw_phase raw = {
        .v1_re = (float)(u * sv),
        .i1_re = (float)(i * si * cos(-(phi + lag))),
        .i1_im = (float)(i * si * sin(-(phi + lag))),
    };
    mfw_calibration_reset(a);
    mfw_calibration_add(a, &raw, 50.0f);
}

/* Step 2: a point's gain and phase against the base. Base 5 A at 1000 codes/A with a lag of
 * 2 mrad (a delay of 2e-3 / (2 pi 50) s); at 0.25 A the channel gives 1.002 times the codes and
 * lags 1 mrad more: the point is gain 1.002, phase 1 mrad; a second point at the same current
 * replaces it; the points stay in ascending order. */
static void point_against_base(void **st)
{
    (void)st;
    const double phi = 60.0 * 3.14159265358979323846 / 180.0;
    struct mfw_metrology_cal_phase cal = {0};
    struct mfw_calibration_acc a;
    synthetic(&a, 230.0, 5.0, phi, 2000.0, 1000.0, 2e-3);
    const struct mfw_calibration_reference base = {230.0f, 5.0f, 60.0f};
    assert_int_equal(mfw_calibration_gain_phase(&cal, &a, &base), MFW_OK);
    assert_true(fabs(cal.i_gain - 1e-3) < 1e-9);
    assert_true(fabs(cal.i_delay_s - 2e-3 / (2.0 * 3.14159265358979323846 * 50.0)) < 1e-10);
    synthetic(&a, 230.0, 0.25, phi, 2000.0, 1000.0 * 1.002, 3e-3);
    const struct mfw_calibration_reference low = {230.0f, 0.25f, 60.0f};
    assert_int_equal(mfw_calibration_point(&cal, &a, &low, 50.0f), MFW_OK);
    synthetic(&a, 230.0, 100.0, phi, 2000.0, 1000.0 * 0.999, 2e-3);
    const struct mfw_calibration_reference high = {230.0f, 100.0f, 60.0f};
    assert_int_equal(mfw_calibration_point(&cal, &a, &high, 50.0f), MFW_OK);
    assert_int_equal(cal.n_points, 3);
    assert_true(cal.point[0].i_a == 0.25f && cal.point[1].i_a == 5.0f &&
                cal.point[2].i_a == 100.0f);
    assert_true(fabs(cal.point[0].gain - 1.002) < 2e-6);
    assert_true(fabs(cal.point[0].phase_rad - 1e-3) < 2e-6);
    assert_true(fabs(cal.point[2].gain - 0.999) < 2e-6);
    assert_true(fabs(cal.point[2].phase_rad) < 2e-6);
    synthetic(&a, 230.0, 0.25, phi, 2000.0, 1000.0 * 1.001, 2e-3);
    assert_int_equal(mfw_calibration_point(&cal, &a, &low, 50.0f), MFW_OK);
    assert_int_equal(cal.n_points, 3);
    assert_true(fabs(cal.point[0].gain - 1.001) < 2e-6);
}

/* Step 4: the channels' sensitivity at -40, 23 and 70 C follows 1 + a dT + b dT^2 exactly (the
 * voltage a = 20 ppm/K, b = 0; the current a = 25 ppm/K, b = -0.6 ppm/K^2, as a shunt's alloy
 * and taps), the lag drifts 1e-9 s/K: the fit returns them (referred to a reading of 23.5 C,
 * the reference: dT from there). Two temperatures give the linear term only. */
static void temperature_fit(void **st)
{
    (void)st;
    const double phi = 60.0 * 3.14159265358979323846 / 180.0,
                 w = 2.0 * 3.14159265358979323846 * 50.0;
    const double t_ref = 23.5, temps[3] = {23.5, -40.0, 70.0};
    struct mfw_calibration_temp t;
    mfw_calibration_temp_reset(&t);
    const struct mfw_calibration_reference ref = {230.0f, 5.0f, 60.0f};
    for (unsigned k = 0; k < 3; k++) {
        double d = temps[k] - t_ref;
        struct mfw_calibration_acc a;
        synthetic(&a, 230.0, 5.0, phi, 2000.0 * (1.0 + 20e-6 * d),
                  1000.0 * (1.0 + 25e-6 * d - 0.6e-6 * d * d), w * 1e-9 * d);
        assert_int_equal(mfw_calibration_temp_add(&t, &a, &ref, (float)temps[k]), MFW_OK);
    }
    struct mfw_metrology_cal_phase cal = {0};
    assert_int_equal(mfw_calibration_temp_solve(&cal, &t, (float)t_ref), MFW_OK);
    assert_true(fabs(cal.v_tc1 - 20e-6) < 0.2e-6);
    assert_true(fabs(cal.v_tc2) < 0.005e-6);
    assert_true(fabs(cal.i_tc1 - 25e-6) < 0.2e-6);
    assert_true(fabs(cal.i_tc2 + 0.6e-6) < 0.005e-6);
    assert_true(fabs(cal.i_delay_tc - 1e-9) < 0.02e-9);
    t.n = 2;
    assert_int_equal(mfw_calibration_temp_solve(&cal, &t, (float)t_ref), MFW_OK);
    assert_true(cal.i_tc2 == 0.0f);
    t.n = 1;
    assert_int_equal(mfw_calibration_temp_solve(&cal, &t, (float)t_ref), MFW_E_STATE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(recovers_sensor_errors),
        cmocka_unit_test(refuses_what_it_cannot_use),
        cmocka_unit_test(point_against_base),
        cmocka_unit_test(temperature_fit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
