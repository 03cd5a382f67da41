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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(recovers_sensor_errors),
        cmocka_unit_test(refuses_what_it_cannot_use),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
