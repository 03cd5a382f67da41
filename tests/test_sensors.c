/* SPDX-License-Identifier: Apache-2.0 */
/* The sensor library (sim/shunt, current_transformer, divider, sigma_delta, sensor_set) and the
 * front end's sensor chain against figures computed by hand from the datasheet numbers (the
 * worked examples of docs/sensors.md) and closed-form filter responses. */
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
#include "meterfw/metrology/metrology.h"
#include "sensor_file.h"
#include "sensor_set.h"

#define PI 3.14159265358979323846

static void near(double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol)) {
        print_error("got %.10g, want %.10g (tolerance %.3g)\n", got, want, tol);
        fail();
    }
}

/* Manganin a = +5 ppm/K, b = -0.6 ppm/K^2: dR/R = -2696 ppm at -40 C, -1090 ppm at +70 C
 * (5 * -63 - 0.6 * 3969; 5 * 47 - 0.6 * 2209), 0 at 23 C. */
static void shunt_parabola(void **st)
{
    (void)st;
    struct shunt_params p = {.r23_ohm = 150e-6, .alpha_ppm = 5.0, .beta_ppm = -0.6};
    near(shunt_resistance(&p, -40.0) / 150e-6 - 1.0, -2696.4e-6, 1e-9);
    near(shunt_resistance(&p, 70.0) / 150e-6 - 1.0, -1090.4e-6, 1e-9);
    near(shunt_resistance(&p, 23.0), 150e-6, 1e-15);
    /* the copper inside the taps adds its TCR linearly */
    p.cu_tcr_ppm = 20.0;
    near(shunt_resistance(&p, 33.0) / 150e-6 - 1.0, 250e-6 - 60e-6, 1e-9);
}

/* 2 nH on 150 uOhm: the voltage leads by atan(2 pi 50 2e-9 / 150e-6) = 0.240 deg at 50 Hz, five
 * times that (1.2 deg) at 250 Hz. */
static void shunt_inductance_phase(void **st)
{
    (void)st;
    struct shunt_params p = {.r23_ohm = 150e-6, .l_h = 2e-9};
    double re, im;
    shunt_response(&p, 23.0, 50.0, &re, &im);
    near(atan2(im, re) * 180.0 / PI, 0.2400, 1e-4);
    shunt_response(&p, 23.0, 250.0, &re, &im);
    near(atan2(im, re) * 180.0 / PI, 1.1999, 1e-3);
}

/* Self-heating at 100 A on 150 uOhm with R_th = 8 K/W: 1.5 W, 12 K above the terminals in steady
 * state (R at that temperature: dR/R = 5 * 12 = +60 ppm with a = 5, b = 0), 63 % of it after one
 * time constant of 20 s. */
static void shunt_self_heating(void **st)
{
    (void)st;
    struct shunt_params p = {
        .r23_ohm = 150e-6, .alpha_ppm = 5.0, .rth_k_per_w = 8.0, .tau_element_s = 20.0};
    struct shunt_thermal th = {0};
    shunt_thermal_step(&p, &th, 100.0, 23.0, 20.0);
    near(th.element_k, 12.0 * (1.0 - exp(-1.0)), 0.01);
    for (int k = 0; k < 100; k++)
        shunt_thermal_step(&p, &th, 100.0, 23.0, 20.0);
    near(th.element_k, 12.0 * (1.0 + 60e-6 * 1.0008), 1e-5);
}

/* A CT: the ratio and lead of its points, interpolated in log current; DC collapses it. */
static void ct_errors(void **st)
{
    (void)st;
    struct ct_params c = {.turns = 2500.0,
                          .burden_ohm = 0.375,
                          .i_rated_a = 100.0,
                          .at_frac = {0.01, 0.05, 0.2, 1.0, 1.2},
                          .ratio_err = {-0.002, -0.001, -0.0006, -0.0005, -0.0005},
                          .phase_lead_rad = {0.004, 0.002, 0.001, 0.001, 0.001},
                          .dc_sat_a = 1.0};
    double re, im;
    ct_response(&c, 5.0, 0.0, 23.0, &re, &im); /* 5 % In: the point itself */
    near(hypot(re, im), 0.375 / 2500.0 * (1.0 - 0.001), 1e-12);
    near(atan2(im, re), 0.002, 1e-9);
    /* sqrt(1 * 5) % In: half way in log between 1 % and 5 % */
    ct_response(&c, sqrt(5.0), 0.0, 23.0, &re, &im);
    near(hypot(re, im), 0.375 / 2500.0 * (1.0 - 0.0015), 1e-12);
    /* DC at I_sat: 1/sqrt2 of the transfer */
    ct_response(&c, 5.0, 1.0, 23.0, &re, &im);
    near(hypot(re, im), 0.375 / 2500.0 * (1.0 - 0.001) / sqrt(2.0), 1e-12);
}

/* The divider's voltage coefficient on a sine of peak A: x (1 - k |x|) has the fundamental
 * A (1 - k A 8 / (3 pi)) (Fourier coefficient of |sin| sin); k = vcr / n * (ratio - 1) / ratio. */
static void divider_vcr(void **st)
{
    (void)st;
    struct divider_params d = {.ratio = 1001.0, .tc_ppm = 20.0, .vcr_ppm_per_v = -5.0, .n_top = 5};
    near(divider_gain(&d, 23.0), 1.0 / 1001.0, 1e-15);
    near(divider_gain(&d, 73.0) * 1001.0, 1.0 / (1.0 + 1000e-6), 1e-12);
    const double amp = 230.0 * sqrt(2.0), k = -5e-6 / 5.0 * 1000.0 / 1001.0;
    double fund = 0.0;
    const int n = 100000;
    for (int j = 0; j < n; j++) {
        double th = 2.0 * PI * (j + 0.5) / n, x = amp * sin(th);
        fund += x * divider_vcr_factor(&d, x) * sin(th) * 2.0 / n;
    }
    near(fund / amp, 1.0 - k * amp * 8.0 / (3.0 * PI), 1e-9);
}

/* Filters: the anti-alias RC 1 kOhm / 33 nF lags 0.594 deg at 50 Hz on both channels; sinc4 at
 * 32 ksps droops 16 ppm at 50 Hz ((sin x / x)^4, x = pi 50 / 32000); the 6th order low-pass at
 * 0.417 of 4 kHz is -3 dB at 1668 Hz; the timing mismatch is a delay. */
static void converter_response(void **st)
{
    (void)st;
    struct sd_params a = {.fs_volts = 0.5,
                          .aaf_r_ohm = 1000.0,
                          .aaf_c_f = 33e-9,
                          .sinc_order = 4,
                          .sinc_rate_hz = 32000.0,
                          .lpf_order = 6,
                          .lpf_bw_frac = 0.417};
    double re, im;
    sd_response(&a, 50.0, 23.0, 4000.0, &re, &im);
    double x = PI * 50.0 / 32000.0, rc = 2.0 * PI * 50.0 * 33e-6;
    double lp = 1.0 / sqrt(1.0 + pow(50.0 / 1668.0, 12.0));
    /* phase: the RC's -atan, sinc4's delay 4 / (2 * 32000) s, the Butterworth's sum over its
     * poles p_k = exp(j pi (2k + 5) / 12), k = 1..6, of -arg(j u - p_k) at u = 50 / 1668 */
    double bw = 0.0, u = 50.0 / 1668.0;
    for (int k = 1; k <= 6; k++) {
        double ang = PI * (2 * k + 5) / 12.0;
        bw -= atan2(u - sin(ang), -cos(ang));
    }
    double want_ph = -atan(rc) - 2.0 * PI * 50.0 * 4.0 / 64000.0 + bw;
    near(atan2(im, re), want_ph, 1e-9);
    /* the Butterworth's phase at its -3 dB frequency is -n pi / 4 (n = 6: -270 deg) */
    struct sd_params b6 = {.fs_volts = 0.5, .lpf_order = 6, .lpf_bw_frac = 0.417};
    double r6, i6;
    sd_response(&b6, 1668.0, 23.0, 4000.0, &r6, &i6);
    near(cos(atan2(i6, r6) + 6.0 * PI / 4.0), 1.0, 1e-6);
    near(hypot(re, im), pow(sin(x) / x, 4.0) / sqrt(1.0 + rc * rc) * lp, 1e-12);
    near(pow(sin(x) / x, 4.0) - 1.0, -15.9e-6, 0.2e-6);
    a.aaf_r_ohm = 0.0;
    a.sinc_order = 0;
    sd_response(&a, 1668.0, 23.0, 4000.0, &re, &im);
    near(hypot(re, im), 1.0 / sqrt(2.0), 1e-3);
    /* drift: 1 + tc1 dT + tc2 dT^2 with the gain error on top */
    struct sd_params b = {.fs_volts = 0.5, .gain_error = 0.01, .tc1_ppm = 10.0, .tc2_ppm = -0.03};
    near(sd_dc_gain(&b, -40.0), 1.01 * (1.0 - 630e-6 - 0.03e-6 * 3969.0), 1e-12);
    /* INL: zero at both ends, the odd bow's peak at 1/sqrt3 of full scale */
    struct sd_params c = {.inl3_ppm = 10.0};
    near(sd_inl(&c, 8388607.0, 8388607.0), 0.0, 1e-9);
    near(sd_inl(&c, -8388607.0 / sqrt(3.0), 8388607.0), 10e-6 * 8388607.0, 1e-6);
}

/* The typical unit of a 5(100) A meter: a 150 uOhm shunt (the largest standard value that keeps
 * 1.2 Imax inside +-26.04 mV: 26.04 mV / (1.2 sqrt2 100 A) = 153 uOhm), the design scale
 * 26.04 mV / 150 uOhm / (2^23 - 1) A per code; 5(65) A gets 200 uOhm (limit 236 uOhm). */
static void typical_unit(void **st)
{
    (void)st;
    struct sensor_set s;
    sensor_set_typical(&s, 3, 100.0);
    near(s.ph[0].shunt.r23_ohm, 150e-6, 1e-12);
    near(s.design_a_per_code, 26.04e-3 / 150e-6 / 8388607.0, 1e-15);
    near(s.design_v_per_code, 1001.0 * 0.5 / 8388607.0, 1e-15);
    near(s.design_self_heat_k, 8.0 * 150e-6, 1e-15);
    sensor_set_typical(&s, 1, 65.0);
    near(s.ph[0].shunt.r23_ohm, 200e-6, 1e-12);
}

/* A lot of 2000 units: every parameter inside its datasheet tolerance, the alloy's b shared by
 * the lot, units different, and the same seeds give the same unit. */
static void monte_carlo_draws(void **st)
{
    (void)st;
    struct sensor_set a, b;
    double beta0 = 0.0, r_lo = 1.0, r_hi = 0.0, sum_g = 0.0, sum_g2 = 0.0;
    for (uint64_t u = 0; u < 2000; u++) {
        sensor_set_draw(&a, 3, 100.0, 7, u);
        for (unsigned p = 0; p < 3; p++) {
            const struct sensor_phase *ph = &a.ph[p];
            double r = ph->shunt.r23_ohm / 150e-6;
            r_lo = r < r_lo ? r : r_lo;
            r_hi = r > r_hi ? r : r_hi;
            assert_true(ph->shunt.alpha_ppm >= -10.0 && ph->shunt.alpha_ppm <= 20.0);
            assert_true(ph->shunt.beta_ppm >= -1.0 && ph->shunt.beta_ppm <= -0.3);
            assert_true(ph->shunt.l_h >= 1e-9 && ph->shunt.l_h <= 4.5e-9);
            assert_true(ph->i_adc.snr_db >= 86.0 && ph->i_adc.snr_db <= 90.0);
            assert_true(ph->xt_db >= -125.0 && ph->xt_db <= -110.0);
            sum_g += ph->i_adc.gain_error;
            sum_g2 += ph->i_adc.gain_error * ph->i_adc.gain_error;
            if (u == 0 && p == 0)
                beta0 = ph->shunt.beta_ppm;
            else
                assert_true(ph->shunt.beta_ppm == beta0); /* the lot's */
        }
        assert_true(fabs(a.tsense.offset_c) <= 3.0);
    }
    assert_true(r_lo >= 0.95 && r_lo < 0.952 && r_hi <= 1.05 && r_hi > 1.048);
    double sd = sqrt(sum_g2 / 6000.0 - (sum_g / 6000.0) * (sum_g / 6000.0));
    near(sd, 0.003, 0.0003); /* sigma 0.3 % */
    sensor_set_draw(&a, 3, 100.0, 7, 11);
    sensor_set_draw(&b, 3, 100.0, 7, 11);
    assert_memory_equal(&a, &b, sizeof a);
    sensor_set_draw(&b, 3, 100.0, 7, 12);
    assert_true(a.ph[0].shunt.r23_ohm != b.ph[0].shunt.r23_ohm);
}

/* The chain end to end, noise off: the rms and angle the metrology reads through the design scale
 * are the product of the parts computed by hand. Current: shunt |R + j w L| / R_design, the
 * converter's |H| (anti-alias RC, sinc4, low-pass), the I channel leads by the shunt's
 * atan(w L / R) and lags by the 0.02 deg timing mismatch; the RC is the same on both channels. */
static void chain_end_to_end(void **st)
{
    (void)st;
    struct afe_config ac;
    afe_default_config(&ac, 1, 4000, 100.0);
    ac.sensors_on = true;
    sensor_set_typical(&ac.sensors, 1, 100.0);
    struct sensor_phase *p = &ac.sensors.ph[0];
    p->i_adc.snr_db = p->v_adc.snr_db = 0.0;
    p->i_adc.flicker_hz = p->v_adc.flicker_hz = 0.0;
    p->i_adc.inl3_ppm = p->i_adc.inl2_ppm = p->v_adc.inl3_ppm = p->v_adc.inl2_ppm = 0.0;
    p->divider.vcr_ppm_per_v = 0.0;
    p->xt_db = 0.0;
    p->shunt.rth_k_per_w = 0.0; /* no self-heating: the shunt stays at 23 C */
    p->shunt.case_k_per_a2 = 0.0;
    ac.sensors.neutral.shunt.case_k_per_a2 = 0.0;
    ac.sensors.clock.jitter_s = 0.0;
    static struct afe afe;
    assert_int_equal(afe_init(&afe, &ac), MFW_OK);
    struct afe_state s;
    afe_state_sine(&s, 1, 230.0, 5.0, 0.0, 50.0);
    afe_set(&afe, &s);
    struct mfw_metrology_config mc;
    mfw_metrology_default_config(&mc, 1, 4000, 50);
    mc.cal[0].v_gain = (float)afe_volts_per_code(&afe);
    mc.cal[0].i_gain = (float)afe_amps_per_code(&afe);
    static struct mfw_metrology mt;
    assert_int_equal(mfw_metrology_init(&mt, &mc), MFW_OK);
    struct mfw_adc_frame f[40];
    struct mfw_metrology_values v, last;
    memset(&last, 0, sizeof last);
    for (int k = 0; k < 400; k++) {
        afe_generate(&afe, f, 40);
        mfw_metrology_samples(&mt, f, 40);
        if (mfw_metrology_read(&mt, &v))
            last = v;
    }
    const double w = 2.0 * PI * 50.0, rc = w * 33e-6, x = PI * 50.0 / 32000.0;
    const double adc =
        pow(sin(x) / x, 4.0) / sqrt(1.0 + rc * rc) / sqrt(1.0 + pow(50.0 / 1668.0, 12.0));
    const double lr = w * 2.5e-9 / 150e-6;
    /* the ADC's drift: 10 ppm/K and -0.03 ppm/K^2 at 23 C: none */
    near(last.ph[0].irms, 5.0 * sqrt(1.0 + lr * lr) * adc, 5.0 * 2e-5);
    near(last.ph[0].vrms, 230.0 * adc, 230.0 * 2e-5);
    near(last.ph[0].angle_deg, -(atan(lr) * 180.0 / PI - 0.02), 0.002);
}

/* The sample clock: +100 ppm gives 40004 samples in 10 s of real time at 4 kHz; the temperature
 * sensor reads the inside with its offset and slope, to 0.25 C. */
static void clock_and_thermometer(void **st)
{
    (void)st;
    struct afe_config ac;
    afe_default_config(&ac, 1, 4000, 100.0);
    ac.sensors_on = true;
    sensor_set_typical(&ac.sensors, 1, 100.0);
    ac.sensors.clock = (struct sensor_clock){100.0, 0.0, 25.0, 0.0};
    ac.sensors.tsense = (struct sensor_tsense){1.3, 0.01, 0.25};
    static struct afe afe;
    assert_int_equal(afe_init(&afe, &ac), MFW_OK);
    struct afe_state s;
    afe_state_sine(&s, 1, 230.0, 0.0, 0.0, 50.0);
    s.ambient_offset_c = 17.0; /* 40 C */
    afe_set(&afe, &s);
    size_t n = 0;
    for (int k = 0; k < 1000; k++)
        n += afe_samples_for(&afe, 0.01);
    assert_int_equal(n, 40004);
    near(afe_temperature_reading(&afe), 41.75, 1e-9); /* 40 * 1.01 + 1.3 = 41.7 -> 41.75 */
}

/* The sensor file: keys on every phase or one, the meter's keys, a CT on one phase, a Monte-Carlo
 * base; errors by line with their kind. */
static void sensor_file_keys(void **st)
{
    (void)st;
    const char *text = "# comment\n"
                       "base typical\n"
                       "shunt.alpha_ppm = 12\n"
                       "L2.i_adc.snr_db = 82   # one phase\n"
                       "L3.current = ct\n"
                       "N.shunt.r23_uohm = 300\n"
                       "clock.ppm = 15\r\n"
                       "shunt.l_nh = 2";
    struct sensor_set s;
    struct sensor_file_error e;
    assert_int_equal(sensor_file_parse(&s, 3, 100.0, text, strlen(text), &e), MFW_OK);
    for (unsigned p = 0; p < 3; p++) {
        near(s.ph[p].shunt.alpha_ppm, 12.0, 0.0);
        near(s.ph[p].shunt.l_h, 2e-9, 1e-21);
    }
    near(s.neutral.shunt.alpha_ppm, 5.0, 0.0); /* "every phase" is not the neutral */
    near(s.neutral.shunt.r23_ohm, 300e-6, 1e-15);
    near(s.ph[1].i_adc.snr_db, 82.0, 0.0);
    near(s.ph[0].i_adc.snr_db, 88.0, 0.0);
    assert_int_equal(s.ph[2].current_kind, SENSOR_CT);
    assert_int_equal(s.ph[0].current_kind, SENSOR_SHUNT);
    near(s.clock.ppm, 15.0, 0.0);
    /* a Monte-Carlo base is sensor_set_draw's unit */
    struct sensor_set d;
    const char *mc = "base unit lot 7 12\n";
    assert_int_equal(sensor_file_parse(&s, 3, 100.0, mc, strlen(mc), &e), MFW_OK);
    sensor_set_draw(&d, 3, 100.0, 7, 12);
    assert_memory_equal(&s, &d, sizeof s);
    static const struct {
        const char *text;
        int rc;
        unsigned line;
    } bad[] = {
        {"shunt.alpha_ppm = 500\n", MFW_E_RANGE, 1},
        {"\nshunt.alpha = 5\n", MFW_E_FORMAT, 2},
        {"shunt.alpha_ppm = 5e3\n", MFW_E_FORMAT, 1},
        {"shunt.alpha_ppm 5 6\n", MFW_E_FORMAT, 1},
        {"L4.shunt.alpha_ppm = 5\n", MFW_E_FORMAT, 1},
        {"shunt.alpha_ppm = 5\nbase typical\n", MFW_E_FORMAT, 2},
        {"L1.clock.ppm = 5\n", MFW_E_FORMAT, 1},
        {"N.current = ct\n", MFW_E_RANGE, 1},
        {"base unit lot -1 2\n", MFW_E_RANGE, 1},
        {"shunt.alpha_ppm = \x01\n", MFW_E_FORMAT, 1},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        int rc = sensor_file_parse(&s, 3, 100.0, bad[k].text, strlen(bad[k].text), &e);
        if (rc != bad[k].rc || e.line != bad[k].line)
            print_error("'%s': %d at line %u (%s)\n", bad[k].text, rc, e.line, e.msg);
        assert_int_equal(rc, bad[k].rc);
        assert_int_equal(e.line, bad[k].line);
    }
    /* a phase the meter does not have */
    const char *l2 = "L2.shunt.alpha_ppm = 5\n";
    assert_int_equal(sensor_file_parse(&s, 1, 100.0, l2, strlen(l2), &e), MFW_E_RANGE);
    /* never past the length: the same text cut before its value's last digit */
    const char *cut = "shunt.alpha_ppm = 123";
    assert_int_equal(sensor_file_parse(&s, 3, 100.0, cut, strlen(cut) - 1, &e), MFW_OK);
    near(s.ph[0].shunt.alpha_ppm, 12.0, 0.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shunt_parabola),     cmocka_unit_test(shunt_inductance_phase),
        cmocka_unit_test(shunt_self_heating), cmocka_unit_test(ct_errors),
        cmocka_unit_test(divider_vcr),        cmocka_unit_test(converter_response),
        cmocka_unit_test(typical_unit),       cmocka_unit_test(monte_carlo_draws),
        cmocka_unit_test(chain_end_to_end),   cmocka_unit_test(clock_and_thermometer),
        cmocka_unit_test(sensor_file_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
