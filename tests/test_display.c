/* SPDX-License-Identifier: Apache-2.0 */
/* display: hand-computed value texts, the rotation, the 1-phase list, flags, date and time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "meterfw/base/error.h"
#include "meterfw/meter/display.h"
#include "meterfw/meter/meter.h"

static const struct mfw_hal no_hal;

/* A meter without flash, its clock on UTC without summer time unless `cet` (the default: CET
 * with EU summer time), so the calendar arithmetic below is plain UTC. */
static void make_meter_tz(struct mfw_meter *m, enum mfw_meter_model model, bool cet)
{
    struct mfw_meter_config cfg;
    mfw_meter_default_config(&cfg, model);
    if (!cet) {
        cfg.settings.clock.utc_offset_min = 0;
        cfg.settings.clock.dst_enabled = false;
    }
    assert_int_equal(mfw_meter_init(m, &cfg, &no_hal, 0), MFW_OK);
}

static void make_meter(struct mfw_meter *m, enum mfw_meter_model model)
{
    make_meter_tz(m, model, false);
}

/* Shows the item with this OBIS code and renders it; fails if the list has none. */
static void show(struct mfw_display *d, const struct mfw_meter *m, mfw_ms_t now, const char *obis,
                 struct mfw_display_frame *fr)
{
    for (uint8_t k = 0; k < d->n_items; k++) {
        d->index = k;
        mfw_display_render(d, m, now, fr);
        if (strcmp(fr->obis, obis) == 0)
            return;
    }
    fail_msg("no item %s", obis);
}

static bool has_item(struct mfw_display *d, const struct mfw_meter *m, const char *obis)
{
    struct mfw_display_frame fr;
    for (uint8_t k = 0; k < d->n_items; k++) {
        d->index = k;
        mfw_display_render(d, m, 0, &fr);
        if (strcmp(fr.obis, obis) == 0)
            return true;
    }
    return false;
}

/* kWh with 3 decimals = whole Wh = uWh / 10^6, truncated (a register never shows energy it has
 * not counted yet). */
static void test_energy_text(void **state)
{
    (void)state;
    static struct mfw_meter m;
    struct mfw_display d;
    struct mfw_display_frame fr;
    make_meter(&m, MFW_METER_382M);
    assert_int_equal(mfw_display_init(&d, MFW_METER_382M), MFW_OK);
    static const struct {
        uint64_t uwh;
        const char *text;
    } cases[] = {
        {0, "00000.000"},
        {999999u, "00000.000"},            /* 0.999999 Wh: not yet 1 Wh */
        {1000000u, "00000.001"},           /* 1 Wh */
        {1234567891u, "00001.234"},        /* 1234.567891 Wh = 1.234567891 kWh */
        {1234567891000u, "01234.567"},     /* 1234.567891 kWh */
        {99999999999999u, "99999.999"},    /* 99999.999999999 kWh, not rounded to 100000 */
        {100000000000000u, "100000.00"},   /* 100000 kWh: the point moves, no digit lost */
        {1234567899999999u, "1234567.8"},  /* 1234567.899 kWh: 1 decimal */
        {12345678999999999u, "12345678"},  /* 12345678.999 kWh: 0 decimals */
        {123456789000000000u, "23456789"}, /* 123456789 kWh: rolls over like a counter */
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        m.registers.uwh[MFW_ENERGY_TOTAL][MFW_EQ_AP] = cases[k].uwh;
        show(&d, &m, 0, "1.8.0", &fr);
        assert_string_equal(fr.value, cases[k].text);
        assert_string_equal(fr.unit, "kWh");
    }
    m.registers.uwh[MFW_ENERGY_TOTAL][MFW_EQ_RP] = 5500000u;
    show(&d, &m, 0, "3.8.0", &fr);
    assert_string_equal(fr.value, "00000.005");
    assert_string_equal(fr.unit, "kvarh");
    m.registers.uwh[2][MFW_EQ_AM] = 7000000000u;
    show(&d, &m, 0, "62.8.0", &fr);
    assert_string_equal(fr.value, "00007.000");
}

static void set_values(struct mfw_meter *m, double p, double q, bool creep)
{
    memset(&m->now_values, 0, sizeof m->now_values);
    m->have_values = true;
    for (unsigned k = 0; k < MFW_PHASES_MAX; k++) {
        m->now_values.ph[k].voltage_present = true;
        m->now_values.ph[k].creep = creep;
    }
    m->now_values.p = p;
    m->now_values.q = q;
}

/* Measured values are rounded to the last digit shown, space padded. */
static void test_instantaneous_text(void **state)
{
    (void)state;
    static struct mfw_meter m;
    struct mfw_display d;
    struct mfw_display_frame fr;
    make_meter(&m, MFW_METER_382M);
    mfw_display_init(&d, MFW_METER_382M);

    show(&d, &m, 0, "32.7.0", &fr); /* no measurement window yet */
    assert_string_equal(fr.value, "--------");
    assert_int_equal(fr.arrow, MFW_DISPLAY_ARROW_NONE);

    set_values(&m, 0, 0, false);
    m.now_values.ph[0].vrms = 230.06;
    m.now_values.ph[1].vrms = 229.94;
    m.now_values.ph[0].irms = 10.004;
    m.now_values.ph[2].irms = 0.05;
    m.now_values.ph[0].p = 2300.4;
    m.now_values.ph[1].p = -1500.0;
    show(&d, &m, 0, "32.7.0", &fr);
    assert_string_equal(fr.value, "    230.1");
    assert_string_equal(fr.unit, "V");
    show(&d, &m, 0, "52.7.0", &fr);
    assert_string_equal(fr.value, "    229.9");
    show(&d, &m, 0, "31.7.0", &fr);
    assert_string_equal(fr.value, "    10.00");
    assert_string_equal(fr.unit, "A");
    show(&d, &m, 0, "71.7.0", &fr);
    assert_string_equal(fr.value, "     0.05");
    show(&d, &m, 0, "21.7.0", &fr);
    assert_string_equal(fr.value, "    2.300");
    assert_string_equal(fr.unit, "kW");
    show(&d, &m, 0, "22.7.0", &fr);
    assert_string_equal(fr.value, "    0.000");
    show(&d, &m, 0, "41.7.0", &fr);
    assert_string_equal(fr.value, "    0.000");
    show(&d, &m, 0, "42.7.0", &fr);
    assert_string_equal(fr.value, "    1.500");
}

/* 2026-01-05T12:34:56Z by hand: 1970..2025 = 56 years with 14 leap days (1972..2024) =
 * 20454 days, + 4 days into January = 20458 days = 1767571200 s, + 45296 s. */
static void test_time_and_date(void **state)
{
    (void)state;
    static struct mfw_meter m;
    struct mfw_display d;
    struct mfw_display_frame fr;
    make_meter(&m, MFW_METER_382M);
    mfw_display_init(&d, MFW_METER_382M);
    const mfw_ms_t t = (20458LL * 86400 + 12 * 3600 + 34 * 60 + 56) * 1000 + 999;
    show(&d, &m, t, "0.9.1", &fr);
    assert_string_equal(fr.value, "12:34:56");
    assert_string_equal(fr.unit, "");
    show(&d, &m, t, "0.9.2", &fr);
    assert_string_equal(fr.value, "26-01-05");
    /* 2024-02-29T23:59:59Z: 54 years with 13 leap days = 19723 days, + 31 + 28 = 19782 */
    const mfw_ms_t leap = (19782LL * 86400 + 86399) * 1000;
    show(&d, &m, leap, "0.9.2", &fr);
    assert_string_equal(fr.value, "24-02-29");
    show(&d, &m, leap + 1000, "0.9.2", &fr);
    assert_string_equal(fr.value, "24-03-01");
    /* one second before the epoch: floor, not truncation */
    show(&d, &m, -1000, "0.9.1", &fr);
    assert_string_equal(fr.value, "23:59:59");
    show(&d, &m, -1000, "0.9.2", &fr);
    assert_string_equal(fr.value, "69-12-31");
    /* 2000-03-01: the 400-year leap rule (2000 is a leap year): 10957 + 31 + 29 = 11017 */
    show(&d, &m, 11017LL * 86400000, "0.9.2", &fr);
    assert_string_equal(fr.value, "00-03-01");
    /* the default clock shows local time: 2026-07-01T10:00:00Z is 12:00:00 CEST (+2 h: EU summer
     * time runs from 2026-03-29 to 2026-10-25); 2026-01-05T12:34:56Z is 13:34:56 CET */
    make_meter_tz(&m, MFW_METER_382M, true);
    const mfw_ms_t july = t + (31 + 28 + 31 + 30 + 31 + 30 - 4) * 86400000LL -
                          (2 * 3600 + 34 * 60 + 56) * 1000LL - 999;
    show(&d, &m, july, "0.9.1", &fr);
    assert_string_equal(fr.value, "12:00:00");
    assert_string_equal(fr.unit, "DST");
    show(&d, &m, t, "0.9.1", &fr);
    assert_string_equal(fr.value, "13:34:56");
}

static void test_rotation(void **state)
{
    (void)state;
    struct mfw_display d;
    mfw_display_init(&d, MFW_METER_382M);
    assert_int_equal(d.ms_per_item, 5000);
    assert_false(mfw_display_step(&d, 1000)); /* starts the clock */
    assert_int_equal(d.index, 0);
    assert_false(mfw_display_step(&d, 5999));
    assert_int_equal(d.index, 0);
    assert_true(mfw_display_step(&d, 6000));
    assert_int_equal(d.index, 1);
    assert_true(mfw_display_step(&d, 17000)); /* 11 s later: two more items, cadence kept */
    assert_int_equal(d.index, 3);
    assert_true(d.last_switch == 16000);
    /* a whole turn and one more item wraps around */
    assert_true(mfw_display_step(&d, 16000 + (mfw_ms_t)(d.n_items + 1) * 5000));
    assert_int_equal(d.index, 4);
    /* time going back restarts the item's time, it does not rotate */
    assert_false(mfw_display_step(&d, 0));
    assert_int_equal(d.index, 4);
    /* the list wraps from the last item to the first */
    d.index = (uint8_t)(d.n_items - 1);
    assert_true(mfw_display_step(&d, 5000));
    assert_int_equal(d.index, 0);
}

static void test_lists(void **state)
{
    (void)state;
    static struct mfw_meter m1, m3;
    struct mfw_display d1, d3;
    make_meter(&m1, MFW_METER_162M);
    make_meter(&m3, MFW_METER_382M);
    mfw_display_init(&d1, MFW_METER_162M);
    mfw_display_init(&d3, MFW_METER_382M);
    assert_int_equal(d3.n_items, 25);
    assert_int_equal(d1.n_items, 13);
    static const char *const l23[] = {"41.8.0", "61.8.0", "42.8.0", "62.8.0", "52.7.0", "72.7.0",
                                      "51.7.0", "71.7.0", "41.7.0", "61.7.0", "42.7.0", "62.7.0"};
    for (size_t k = 0; k < sizeof l23 / sizeof l23[0]; k++) {
        assert_false(has_item(&d1, &m1, l23[k]));
        assert_true(has_item(&d3, &m3, l23[k]));
    }
    static const char *const common[] = {"1.8.0",  "2.8.0",  "3.8.0",      "4.8.0",  "21.8.0",
                                         "22.8.0", "32.7.0", "31.7.0",     "21.7.0", "22.7.0",
                                         "0.9.1",  "0.9.2",  "0.0.96.14.0"};
    for (size_t k = 0; k < sizeof common / sizeof common[0]; k++) {
        assert_true(has_item(&d1, &m1, common[k]));
        assert_true(has_item(&d3, &m3, common[k]));
    }
    struct mfw_display_frame fr;
    d1.index = 0;
    mfw_display_render(&d1, &m1, 0, &fr);
    assert_string_equal(fr.obis, "1.8.0"); /* the list starts with A+ */
    assert_int_equal(fr.phases, 1);
    assert_int_equal(mfw_display_init(&d1, (enum mfw_meter_model)2), MFW_E_ARG);
}

static void test_flags_and_tariff(void **state)
{
    (void)state;
    static struct mfw_meter m;
    struct mfw_display d;
    struct mfw_display_frame fr;
    make_meter(&m, MFW_METER_382M);
    mfw_display_init(&d, MFW_METER_382M);

    /* the meter started at 1970-01-01T00:00Z: a holiday (01-01) in the default calendar, T2 */
    show(&d, &m, 0, "0.0.96.14.0", &fr);
    assert_string_equal(fr.value, "T2");
    assert_int_equal(fr.tariff, 2);
    m.tariff = 7;
    show(&d, &m, 0, "0.0.96.14.0", &fr);
    assert_string_equal(fr.value, "T7");

    set_values(&m, 1000, 200, false);
    m.now_values.ph[2].voltage_present = false;
    mfw_display_render(&d, &m, 0, &fr);
    assert_true(fr.phase_present[0] && fr.phase_present[1] && !fr.phase_present[2]);
    assert_int_equal(fr.arrow, MFW_DISPLAY_ARROW_IMPORT);
    assert_int_equal(fr.quadrant, 1);
    set_values(&m, -1000, 200, false);
    mfw_display_render(&d, &m, 0, &fr);
    assert_int_equal(fr.arrow, MFW_DISPLAY_ARROW_EXPORT);
    assert_int_equal(fr.quadrant, 2);
    set_values(&m, -1000, -200, false);
    mfw_display_render(&d, &m, 0, &fr);
    assert_int_equal(fr.quadrant, 3);
    set_values(&m, 1000, -200, false);
    mfw_display_render(&d, &m, 0, &fr);
    assert_int_equal(fr.quadrant, 4);
    set_values(&m, 2300, -0.01, false); /* resistive load, reactive noise: Q1, not Q4 */
    mfw_display_render(&d, &m, 0, &fr);
    assert_int_equal(fr.quadrant, 1);
    set_values(&m, -2300, -0.01, false);
    mfw_display_render(&d, &m, 0, &fr);
    assert_int_equal(fr.quadrant, 2);
    set_values(&m, 0.001, 0, true); /* every phase below the creep threshold: no arrow */
    mfw_display_render(&d, &m, 0, &fr);
    assert_int_equal(fr.arrow, MFW_DISPLAY_ARROW_NONE);
    assert_int_equal(fr.quadrant, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_energy_text),   cmocka_unit_test(test_instantaneous_text),
        cmocka_unit_test(test_time_and_date), cmocka_unit_test(test_rotation),
        cmocka_unit_test(test_lists),         cmocka_unit_test(test_flags_and_tariff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
