/* SPDX-License-Identifier: Apache-2.0 */
/* The P1 telegram (DSMR 5.0.2) and the module slot. The test's reader (tests/support/p1_decode.c)
 * is first checked against the standard's published example telegram as dsmr_parser's suite
 * carries it (test/example_telegrams.py TELEGRAM_V5, CRC 6EEE); the meter's telegrams are then
 * read with it, and their values compared with what was worked out by hand from the registers
 * the test sets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "meterfw/base/crc.h"
#include "meterfw/base/error.h"
#include "meterfw/link/module.h"
#include "meterfw/link/p1.h"
#include "meterfw/meter/meter.h"
#include "p1_decode.h"

/* dsmr_parser test/example_telegrams.py TELEGRAM_V5 (every line CR LF) */
static const char TELEGRAM_V5[] = "/ISk5\\2MT382-1000\r\n"
                                  "\r\n"
                                  "1-3:0.2.8(50)\r\n"
                                  "0-0:1.0.0(170102192002W)\r\n"
                                  "0-0:96.1.1(4B384547303034303436333935353037)\r\n"
                                  "1-0:1.8.1(000004.426*kWh)\r\n"
                                  "1-0:1.8.2(000002.399*kWh)\r\n"
                                  "1-0:2.8.1(000002.444*kWh)\r\n"
                                  "1-0:2.8.2(000000.000*kWh)\r\n"
                                  "0-0:96.14.0(0002)\r\n"
                                  "1-0:1.7.0(00.244*kW)\r\n"
                                  "1-0:2.7.0(00.000*kW)\r\n"
                                  "0-0:96.7.21(00013)\r\n"
                                  "0-0:96.7.9(00000)\r\n"
                                  "1-0:99.97.0(0)(0-0:96.7.19)\r\n"
                                  "1-0:32.32.0(00000)\r\n"
                                  "1-0:52.32.0(00000)\r\n"
                                  "1-0:72.32.0(00000)\r\n"
                                  "1-0:32.36.0(00000)\r\n"
                                  "1-0:52.36.0(00000)\r\n"
                                  "1-0:72.36.0(00000)\r\n"
                                  "0-0:96.13.0()\r\n"
                                  "1-0:32.7.0(0230.0*V)\r\n"
                                  "1-0:52.7.0(0230.0*V)\r\n"
                                  "1-0:72.7.0(0229.0*V)\r\n"
                                  "1-0:31.7.0(0.48*A)\r\n"
                                  "1-0:51.7.0(0.44*A)\r\n"
                                  "1-0:71.7.0(0.86*A)\r\n"
                                  "1-0:21.7.0(00.070*kW)\r\n"
                                  "1-0:41.7.0(00.032*kW)\r\n"
                                  "1-0:61.7.0(00.142*kW)\r\n"
                                  "1-0:22.7.0(00.000*kW)\r\n"
                                  "1-0:42.7.0(00.000*kW)\r\n"
                                  "1-0:62.7.0(00.000*kW)\r\n"
                                  "0-1:24.1.0(003)\r\n"
                                  "0-1:96.1.0(3232323241424344313233343536373839)\r\n"
                                  "0-1:24.2.1(170102161005W)(00000.107*m3)\r\n"
                                  "0-2:24.1.0(003)\r\n"
                                  "0-2:96.1.0()\r\n"
                                  "!6EEE\r\n";

static void crc_check_values(void **state)
{
    (void)state;
    /* CRC-16/ARC check value (the catalogue of parametrised CRCs): 0xBB3D */
    assert_int_equal(mfw_crc16_arc("123456789", 9), 0xBB3D);
    assert_int_equal(p1d_crc((const uint8_t *)"123456789", 9), 0xBB3D);
    assert_int_equal(mfw_crc16_arc_update(mfw_crc16_arc("1234", 4), "56789", 5), 0xBB3D);
}

static void reader_reads_the_published_telegram(void **state)
{
    (void)state;
    struct p1d d;
    /* 884 bytes from "/" to "!" (references: the example's size) */
    const char *bang = strchr(TELEGRAM_V5, '!');
    assert_int_equal((int)(bang - TELEGRAM_V5) + 1, 884);
    assert_int_equal(p1d_decode(TELEGRAM_V5, sizeof TELEGRAM_V5 - 1, &d), 0);
    assert_int_equal(d.crc_sent, 0x6EEE);
    assert_int_equal(mfw_crc16_arc(TELEGRAM_V5, 884), 0x6EEE);
    assert_string_equal(d.ident, "ISk5\\2MT382-1000");
    assert_string_equal(p1d_get(&d, "1-0:1.8.1"), "(000004.426*kWh)");
    assert_string_equal(p1d_get(&d, "0-0:96.14.0"), "(0002)");
    assert_string_equal(p1d_get(&d, "0-0:96.7.21"), "(00013)");
    assert_string_equal(p1d_get(&d, "0-1:24.2.1"), "(170102161005W)(00000.107*m3)");
    /* one byte changed: the CRC says so */
    char bad[sizeof TELEGRAM_V5];
    memcpy(bad, TELEGRAM_V5, sizeof bad);
    bad[100] ^= 1;
    assert_int_equal(p1d_decode(bad, sizeof bad - 1, &d), -2);
}

/* 2017-01-02T18:20:02Z: the published example's time, 19:20:02 CET (dsmr_parser reads
 * 170102192002W as 18:20:02Z) */
#define T_WINTER 1483381202000LL
/* 2026-06-03T08:00:00Z = 10:00:00 CEST */
#define T_SUMMER 1780473600000LL

static void meter_at(struct mfw_meter *m, enum mfw_meter_model model, int64_t t)
{
    static const struct mfw_hal none;
    struct mfw_meter_config cfg;
    mfw_meter_default_config(&cfg, model);
    memcpy(cfg.serial, "12345678", 9);
    assert_int_equal(mfw_meter_init(m, &cfg, &none, t), MFW_OK);
    m->now = t;
}

static void telegram_of_a_meter(void **state)
{
    (void)state;
    static struct mfw_meter m;
    meter_at(&m, MFW_METER_382M, T_WINTER);
    /* registers in uWh: truncated to Wh like a mechanical register (4426.999999 Wh -> 4.426) */
    m.registers.tariff[0][0] = 4426999999ull;
    m.registers.tariff[1][0] = 2399000000ull;
    m.registers.tariff[0][1] = 2444000001ull;
    m.registers.uwh[MFW_ENERGY_TOTAL][MFW_EQ_AP] = 6825999999ull;
    m.registers.uwh[MFW_ENERGY_TOTAL][MFW_EQ_AM] = 2444000001ull;
    m.tariff = 2;
    m.have_values = true;
    m.now_values.ph[0].vrms = 230.04; /* F4(1,1): 0230.0 */
    m.now_values.ph[1].vrms = 229.96; /* 0230.0 (rounded) */
    m.now_values.ph[2].vrms = 0.0;
    m.now_values.ph[0].irms = 5.4; /* F3(0,0): 005 */
    m.now_values.ph[0].p = 1242.4; /* P+ L1 01.242 kW */
    m.now_values.ph[1].p = -70.0;  /* P- L2 00.070 kW */
    m.now_values.p = 1172.4;       /* P+ total 01.172 */
    m.events.counters.power_failures[MFW_EVENTLOG_PF_ANY] = 13;
    m.quality.ph[1].sag.count = 2;
    assert_int_equal(mfw_meter_consumer_text(&m, (const uint8_t *)"Hi", 2), MFW_OK);

    char t[MFW_P1_TELEGRAM_MAX];
    size_t n = 0;
    assert_int_equal(mfw_p1_telegram(&m, t, sizeof t, &n), MFW_OK);
    struct p1d d;
    assert_int_equal(p1d_decode(t, n, &d), 0);
    assert_string_equal(d.ident, "MFW5\\2meterfw-382M");
    assert_string_equal(p1d_get(&d, "1-3:0.2.8"), "(50)");
    assert_string_equal(p1d_get(&d, "0-0:1.0.0"), "(170102192002W)");
    assert_string_equal(p1d_get(&d, "0-0:96.1.1"), "(3132333435363738)"); /* "12345678" hex */
    assert_string_equal(p1d_get(&d, "1-0:1.8.1"), "(000004.426*kWh)");
    assert_string_equal(p1d_get(&d, "1-0:1.8.2"), "(000002.399*kWh)");
    assert_string_equal(p1d_get(&d, "1-0:2.8.1"), "(000002.444*kWh)");
    assert_string_equal(p1d_get(&d, "1-0:2.8.2"), "(000000.000*kWh)");
    assert_null(p1d_get(&d, "1-0:1.8.3")); /* T3 holds nothing and is not active */
    assert_string_equal(p1d_get(&d, "1-0:1.8.0"), "(000006.825*kWh)");
    assert_string_equal(p1d_get(&d, "0-0:96.14.0"), "(0002)");
    assert_string_equal(p1d_get(&d, "1-0:1.7.0"), "(01.172*kW)");
    assert_string_equal(p1d_get(&d, "1-0:2.7.0"), "(00.000*kW)");
    assert_string_equal(p1d_get(&d, "0-0:96.7.21"), "(00013)");
    assert_string_equal(p1d_get(&d, "0-0:96.7.9"), "(00000)");
    assert_string_equal(p1d_get(&d, "1-0:99.97.0"), "(0)(0-0:96.7.19)");
    assert_string_equal(p1d_get(&d, "1-0:52.32.0"), "(00002)");
    assert_string_equal(p1d_get(&d, "0-0:96.13.0"), "(4869)");
    assert_string_equal(p1d_get(&d, "1-0:32.7.0"), "(0230.0*V)");
    assert_string_equal(p1d_get(&d, "1-0:52.7.0"), "(0230.0*V)");
    assert_string_equal(p1d_get(&d, "1-0:72.7.0"), "(0000.0*V)");
    assert_string_equal(p1d_get(&d, "1-0:31.7.0"), "(005*A)");
    assert_string_equal(p1d_get(&d, "1-0:21.7.0"), "(01.242*kW)");
    assert_string_equal(p1d_get(&d, "1-0:42.7.0"), "(00.070*kW)");
    assert_string_equal(p1d_get(&d, "1-0:22.7.0"), "(00.000*kW)");
    /* too small a buffer: refused, not cut */
    assert_int_equal(mfw_p1_telegram(&m, t, 100, &n), MFW_E_NOSPACE);
}

static void single_phase_and_summer_time(void **state)
{
    (void)state;
    static struct mfw_meter m;
    meter_at(&m, MFW_METER_162M, T_SUMMER);
    m.tariff = 3; /* T3 active: its lines appear although they hold nothing */
    char t[MFW_P1_TELEGRAM_MAX];
    size_t n = 0;
    assert_int_equal(mfw_p1_telegram(&m, t, sizeof t, &n), MFW_OK);
    struct p1d d;
    assert_int_equal(p1d_decode(t, n, &d), 0);
    assert_string_equal(d.ident, "MFW5\\2meterfw-162M");
    assert_string_equal(p1d_get(&d, "0-0:1.0.0"), "(260603100000S)");
    assert_string_equal(p1d_get(&d, "1-0:1.8.3"), "(000000.000*kWh)");
    assert_null(p1d_get(&d, "1-0:52.7.0")); /* L1 only on a 162M (table 6-3) */
    assert_null(p1d_get(&d, "1-0:41.7.0"));
    assert_non_null(p1d_get(&d, "1-0:32.7.0"));
}

static void text_rules(void **state)
{
    (void)state;
    static struct mfw_meter m;
    meter_at(&m, MFW_METER_382M, T_WINTER);
    assert_int_equal(mfw_meter_consumer_text(&m, (const uint8_t *)"a\nb", 3), MFW_E_RANGE);
    uint8_t big[MFW_CONSUMER_TEXT_MAX + 1];
    memset(big, 'x', sizeof big);
    assert_int_equal(mfw_meter_consumer_text(&m, big, sizeof big), MFW_E_RANGE);
    assert_int_equal(mfw_meter_consumer_text(&m, big, MFW_CONSUMER_TEXT_MAX), MFW_OK);
    char t[MFW_P1_TELEGRAM_MAX];
    size_t n = 0;
    m.tariff = 8; /* the longest telegram: 8 tariffs, the longest text */
    assert_int_equal(mfw_p1_telegram(&m, t, sizeof t, &n), MFW_OK);
    struct p1d d;
    assert_int_equal(p1d_decode(t, n, &d), 0);
    assert_int_equal(strlen(p1d_get(&d, "0-0:96.13.0")), 2 + 2 * MFW_CONSUMER_TEXT_MAX);
}

/* The module: a telegram at each whole period of the meter's time, nothing while disabled, input
 * refused, and the slot's view in the meter. */
static void p1_module_in_a_slot(void **state)
{
    (void)state;
    static struct mfw_meter m;
    meter_at(&m, MFW_METER_382M, T_WINTER + 300); /* 300 ms past a second */
    struct mfw_modules ms;
    assert_int_equal(mfw_modules_init(&ms, &m), MFW_OK);
    struct mfw_p1 p1;
    struct mfw_p1_config pc;
    mfw_p1_default_config(&pc);
    assert_int_equal(pc.period_ms, 1000);
    pc.period_ms = 999;
    assert_int_equal(mfw_p1_init(&p1, &pc), MFW_E_ARG);
    pc.period_ms = 1000;
    assert_int_equal(mfw_p1_init(&p1, &pc), MFW_OK);
    assert_int_equal(mfw_module_fit(&ms, MFW_MODULE_SLOTS, &mfw_p1_module, &p1, "x", m.now),
                     MFW_E_ARG);
    assert_int_equal(mfw_module_fit(&ms, 1, &mfw_p1_module, &p1, "P1\tDSMR", m.now), MFW_OK);
    assert_int_equal(mfw_module_fit(&ms, 1, &mfw_p1_module, &p1, "again", m.now), MFW_E_STATE);
    assert_int_equal(m.modules[1].kind, MFW_MODULE_P1);
    assert_string_equal(m.modules[1].ident, "P1?DSMR"); /* printable only */
    assert_int_equal(mfw_module_kind(&ms, 1), MFW_MODULE_P1);
    assert_int_equal(mfw_module_kind(&ms, 0), MFW_MODULE_NONE);
    assert_int_equal(mfw_module_next_due(&ms, 1), T_WINTER + 1000);

    static uint8_t out[MFW_P1_TELEGRAM_MAX];
    assert_int_equal(mfw_module_output(&ms, 1, T_WINTER + 999, out, sizeof out), 0);
    size_t n = mfw_module_output(&ms, 1, T_WINTER + 1000, out, sizeof out);
    assert_true(n > 800);
    assert_int_equal(out[0], '/');
    assert_int_equal(mfw_module_output(&ms, 1, T_WINTER + 1500, out, sizeof out), 0);
    /* late by 3.5 periods: one telegram, not the missed ones */
    assert_true(mfw_module_output(&ms, 1, T_WINTER + 4500, out, sizeof out) > 0);
    assert_int_equal(mfw_module_output(&ms, 1, T_WINTER + 4900, out, sizeof out), 0);
    assert_int_equal(mfw_module_next_due(&ms, 1), T_WINTER + 5000);
    /* too small: nothing, the error counted */
    assert_int_equal(mfw_module_output(&ms, 1, T_WINTER + 5000, out, 64), 0);
    struct mfw_module_status st;
    assert_int_equal(mfw_module_status(&ms, 1, &st), MFW_OK);
    assert_int_equal(st.frames_out, 2);
    assert_int_equal(st.last_error, MFW_E_NOSPACE);
    /* input: taken, refused, the meter unchanged */
    struct mfw_meter_registers before = m.registers;
    assert_int_equal(mfw_module_input(&ms, 1, (const uint8_t *)"/?!\r\n", 5, T_WINTER), 5);
    assert_int_equal(mfw_module_status(&ms, 1, &st), MFW_OK);
    assert_int_equal(st.refused_in, 5);
    assert_memory_equal(&before, &m.registers, sizeof before);
    /* the consumer channel switched off in the meter (0.0.96.128.10.255): nothing, then again */
    assert_int_equal(mfw_meter_consumer_enable(&m, false), MFW_OK);
    assert_int_equal(mfw_module_output(&ms, 1, T_WINTER + 6000, out, sizeof out), 0);
    assert_int_equal(mfw_meter_consumer_enable(&m, true), MFW_OK);
    assert_true(mfw_module_output(&ms, 1, T_WINTER + 7000, out, sizeof out) > 0);
    /* disabled: nothing is sent */
    p1.config.enabled = false;
    assert_int_equal(mfw_module_output(&ms, 1, T_WINTER + 9000, out, sizeof out), 0);
    assert_int_equal(mfw_module_status(&ms, 1, &st), MFW_OK);
    assert_false(st.enabled);
    /* removed: the slot is empty, the meter's view too */
    assert_int_equal(mfw_module_remove(&ms, 1), MFW_OK);
    assert_int_equal(mfw_module_remove(&ms, 1), MFW_E_STATE);
    assert_int_equal(m.modules[1].kind, MFW_MODULE_NONE);
    assert_string_equal(m.modules[1].ident, "");
    assert_int_equal(mfw_module_output(&ms, 1, T_WINTER + 20000, out, sizeof out), 0);
    assert_int_equal(mfw_module_status(&ms, 1, &st), MFW_E_STATE);
}

static int refuse(void *ctx, struct mfw_meter *m, mfw_ms_t now)
{
    (void)ctx;
    (void)m;
    (void)now;
    return MFW_E_IO;
}

static void a_module_that_fails_to_attach(void **state)
{
    (void)state;
    static struct mfw_meter m;
    meter_at(&m, MFW_METER_382M, T_WINTER);
    struct mfw_modules ms;
    assert_int_equal(mfw_modules_init(&ms, &m), MFW_OK);
    static const struct mfw_module_ops broken = {.kind = MFW_MODULE_RADIO, .attach = refuse};
    static const struct mfw_module_ops unknown = {.kind = MFW_MODULE_KIND_MAX + 1};
    assert_int_equal(mfw_module_fit(&ms, 2, &broken, NULL, "radio", m.now), MFW_E_IO);
    assert_int_equal(mfw_module_fit(&ms, 2, &unknown, NULL, "?", m.now), MFW_E_ARG);
    assert_int_equal(m.modules[2].kind, MFW_MODULE_NONE);
    assert_int_equal(mfw_module_kind(&ms, 2), MFW_MODULE_NONE);
    /* a module without callbacks: fitted, and silent */
    static const struct mfw_module_ops bare = {.kind = MFW_MODULE_MBUS};
    assert_int_equal(mfw_module_fit(&ms, 2, &bare, NULL, "M-Bus", m.now), MFW_OK);
    uint8_t out[8];
    assert_int_equal(mfw_module_output(&ms, 2, m.now, out, sizeof out), 0);
    assert_int_equal(mfw_module_input(&ms, 2, out, sizeof out, m.now), 0);
    assert_true(mfw_module_next_due(&ms, 2) == INT64_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crc_check_values),
        cmocka_unit_test(reader_reads_the_published_telegram),
        cmocka_unit_test(telegram_of_a_meter),
        cmocka_unit_test(single_phase_and_summer_time),
        cmocka_unit_test(text_rules),
        cmocka_unit_test(p1_module_in_a_slot),
        cmocka_unit_test(a_module_that_fails_to_attach),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
