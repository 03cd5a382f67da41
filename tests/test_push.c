/* SPDX-License-Identifier: Apache-2.0 */
/* The IDIS pushes of the WAN module (link/push.c) and the Push setup objects (cosem_push.c):
 * frames decoded here byte by byte from IEC 62056-47 (wrapper: version 1, source wPort,
 * destination wPort, length) and the data-notification layout (0F, invoke id, 0C + 12 date-time,
 * a structure whose first element is the push object list), values against the meter's state;
 * the schedule (randomisation bounds, window, retries, give-up) against times worked out here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto_posix.h"
#include "meterfw/base/error.h"
#include "meterfw/cosem/cosem.h"
#include "meterfw/dlms/security.h"
#include "meterfw/link/module.h"
#include "meterfw/link/push.h"
#include "meterfw/meter/meter.h"

#define T0 1780473600000LL /* 2026-06-03T08:00:00Z, 10:00 CEST */

struct rig {
    struct mfw_meter m;
    struct mfw_cosem cosem;
    struct mfw_hal hal;
    struct mfw_modules ms;
    struct mfw_push push;
};

static struct rig *rig_new(bool cipher)
{
    static struct rig r;
    memset(&r, 0, sizeof r);
    struct mfw_meter_config cfg;
    mfw_meter_default_config(&cfg, MFW_METER_382M);
    memcpy(cfg.serial, "12345678", 9);
    for (unsigned k = 0; k < 16; k++) {
        cfg.security.key[MFW_KEYS_UNICAST][k] = (uint8_t)k;
        cfg.security.key[MFW_KEYS_AUTHENTICATION][k] = (uint8_t)(0xD0 + k);
    }
    cfg.security.have = 1u << MFW_KEYS_UNICAST | 1u << MFW_KEYS_AUTHENTICATION;
    r.hal.crypto = crypto_posix_port();
    assert_int_equal(mfw_meter_init(&r.m, &cfg, &r.hal, T0), MFW_OK);
    r.m.now = T0;
    r.m.registers.uwh[MFW_ENERGY_TOTAL][MFW_EQ_AP] = 34500999999ull; /* 34500 Wh truncated */
    struct mfw_cosem_config cc;
    mfw_cosem_default_config(&cc);
    assert_int_equal(mfw_cosem_init(&r.cosem, &r.m, &cc), MFW_OK);
    for (unsigned id = 0; id < MFW_PUSH_COUNT; id++) {
        struct mfw_push_setup s;
        memset(&s, 0, sizeof s);
        strcpy(s.destination, "127.0.0.1:4059");
        s.retries = 2;
        s.repetition_delay_s = 10;
        s.interval_s = id == MFW_PUSH_INTERVAL ? 900 : 0;
        assert_int_equal(mfw_meter_push_configure(&r.m, id, &s), MFW_OK);
    }
    struct mfw_push_config pc;
    mfw_push_default_config(&pc);
    pc.cosem = &r.cosem;
    pc.cipher = cipher;
    assert_int_equal(mfw_push_init(&r.push, &pc), MFW_OK);
    assert_int_equal(mfw_modules_init(&r.ms, &r.m), MFW_OK);
    return &r;
}

static void settings_rules(void **state)
{
    (void)state;
    struct rig *r = rig_new(false);
    struct mfw_push_setup s = r->m.push[0];
    s.retries = 11;
    assert_int_equal(mfw_meter_push_configure(&r->m, 0, &s), MFW_E_RANGE);
    s.retries = 1;
    s.window_end_min = 1440;
    assert_int_equal(mfw_meter_push_configure(&r->m, 0, &s), MFW_E_RANGE);
    s.window_end_min = 0;
    s.destination[3] = ' ';
    assert_int_equal(mfw_meter_push_configure(&r->m, 0, &s), MFW_E_RANGE);
    assert_int_equal(mfw_meter_push_configure(&r->m, MFW_PUSH_COUNT, &s), MFW_E_ARG);
    memset(s.destination, 0, sizeof s.destination);
    assert_int_equal(mfw_meter_push_configure(&r->m, 0, &s), MFW_OK);
    assert_int_equal(mfw_meter_push_trigger(&r->m, 0), MFW_E_STATE); /* nowhere to send */
}

/* A frame: the wrapper header, then the APDU (its length checked); returns the APDU. */
static const uint8_t *wrapper(const uint8_t *f, size_t n, size_t *apdu_len)
{
    assert_true(n > 8);
    static const uint8_t hdr[6] = {0x00, 0x01, 0x00, 0x01, 0x00, 0x01}; /* version 1, wPorts 1, 1 */
    assert_memory_equal(f, hdr, 6);
    *apdu_len = (size_t)f[6] << 8 | f[7];
    assert_int_equal(*apdu_len + 8, n);
    return f + 8;
}

static void installation_and_connectivity_when_fitted(void **state)
{
    (void)state;
    struct rig *r = rig_new(false);
    assert_int_equal(mfw_module_fit(&r->ms, 0, &mfw_push_module, &r->push, "WAN", T0), MFW_OK);
    assert_int_equal(r->m.modules[0].kind, MFW_MODULE_WAN);
    assert_int_equal(r->m.push_pending, 1u << MFW_PUSH_CONNECTIVITY | 1u << MFW_PUSH_INSTALLATION);
    static uint8_t f[MFW_PUSH_FRAME_MAX];
    size_t n = mfw_module_output(&r->ms, 0, T0, f, sizeof f);
    assert_true(n > 0);
    assert_string_equal(mfw_push_destination(&r->push), "127.0.0.1:4059");
    assert_int_equal(r->push.current, MFW_PUSH_CONNECTIVITY);
    /* one at a time */
    assert_int_equal(mfw_module_output(&r->ms, 0, T0, f, sizeof f), 0);
    size_t al = 0;
    const uint8_t *a = wrapper(f, n, &al);
    assert_int_equal(a[0], 0x0F);
    assert_memory_equal(a + 1, "\x00\x00\x00\x00", 4); /* invoke id 0 */
    /* 10:00:00 CEST, Wednesday, deviation -120 (FF88), DST (0x80) */
    static const uint8_t dt[13] = {0x0C, 0x07, 0xEA, 0x06, 0x03, 0x03, 0x0A,
                                   0x00, 0x00, 0x00, 0xFF, 0x88, 0x80};
    assert_memory_equal(a + 5, dt, sizeof dt);
    /* structure of 4: the push object list (array of 4 {class, LN, attribute, data index}) */
    assert_int_equal(a[18], 0x02);
    assert_int_equal(a[19], 4);
    assert_int_equal(a[20], 0x01);
    assert_int_equal(a[21], 4);
    static const uint8_t first[] = {0x02, 0x04, 0x12, 0x00, 0x28, 0x09, 0x06, 0,    0,
                                    25,   9,    0,    255,  0x0F, 0x02, 0x12, 0x00, 0x00};
    assert_memory_equal(a + 22, first, sizeof first);
    mfw_push_done(&r->push, true, T0);
    n = mfw_module_output(&r->ms, 0, T0, f, sizeof f);
    assert_true(n > 0);
    assert_int_equal(r->push.current, MFW_PUSH_INSTALLATION);
    a = wrapper(f, n, &al);
    assert_memory_equal(a + 1, "\x00\x00\x00\x01", 4); /* the next invoke id */
    /* ends with the device id, octet-string "12345678" */
    assert_memory_equal(a + al - 10,
                        "\x09\x08"
                        "12345678",
                        10);
    mfw_push_done(&r->push, true, T0);
    assert_int_equal(r->m.push_pending, 0);
    assert_int_equal(r->push.sent, 2);
}

/* Interval: due at every 900 s of the meter's time; A+ in the body as the register reads. Not
 * delivered: retried 10 s apart twice (number_of_retries 2), then given up. */
static void interval_retries_and_window(void **state)
{
    (void)state;
    struct rig *r = rig_new(false);
    for (unsigned id = 0; id < MFW_PUSH_COUNT; id++)
        if (id != MFW_PUSH_INTERVAL)
            memset(r->m.push[id].destination, 0, sizeof r->m.push[id].destination);
    assert_int_equal(mfw_module_fit(&r->ms, 0, &mfw_push_module, &r->push, "WAN", T0 + 1), MFW_OK);
    assert_int_equal(r->m.push_pending, 0); /* no destination: installation not due */
    static uint8_t f[MFW_PUSH_FRAME_MAX];
    assert_int_equal(mfw_module_output(&r->ms, 0, T0 + 899999, f, sizeof f), 0);
    size_t n = mfw_module_output(&r->ms, 0, T0 + 900000, f, sizeof f);
    assert_true(n > 0);
    size_t al = 0;
    const uint8_t *a = wrapper(f, n, &al);
    assert_int_equal(a[19], 5);
    /* ..., A+ long64-unsigned 34500 (0x86C4), A- 0 (Register value attributes, scaler 0 Wh) */
    static const uint8_t tail[18] = {0x15, 0, 0, 0, 0, 0, 0, 0x86, 0xC4,
                                     0x15, 0, 0, 0, 0, 0, 0, 0,    0};
    assert_memory_equal(a + al - 18, tail, 18);
    mfw_push_done(&r->push, false, T0 + 900000);
    assert_int_equal(mfw_module_output(&r->ms, 0, T0 + 909999, f, sizeof f), 0);
    assert_true(mfw_module_output(&r->ms, 0, T0 + 910000, f, sizeof f) > 0);
    mfw_push_done(&r->push, false, T0 + 910000);
    assert_true(mfw_module_output(&r->ms, 0, T0 + 920000, f, sizeof f) > 0);
    mfw_push_done(&r->push, false, T0 + 920000);
    assert_int_equal(r->push.given_up, 1);
    assert_int_equal(r->push.failed, 3);
    assert_int_equal(r->m.push_pending, 0);
    assert_int_equal(mfw_module_output(&r->ms, 0, T0 + 1000000, f, sizeof f), 0);
    /* a window 12:00-13:00 local: the next interval push (10:30 CEST) waits for it */
    r->m.push[MFW_PUSH_INTERVAL].window_start_min = 12 * 60;
    r->m.push[MFW_PUSH_INTERVAL].window_end_min = 13 * 60;
    assert_int_equal(mfw_module_output(&r->ms, 0, T0 + 1800000, f, sizeof f), 0);
    assert_int_equal(r->m.push_pending, 1u << MFW_PUSH_INTERVAL);
    assert_int_equal(mfw_module_output(&r->ms, 0, T0 + 7199999, f, sizeof f), 0); /* 11:59:59 */
    assert_true(mfw_module_output(&r->ms, 0, T0 + 7200000, f, sizeof f) > 0);     /* 12:00 */
}

/* Randomisation: the first attempt within [0, 30] s of the push being due. */
static void randomisation_bounds(void **state)
{
    (void)state;
    for (int run = 0; run < 20; run++) {
        struct rig *r = rig_new(false);
        r->m.push[MFW_PUSH_CONNECTIVITY].randomisation_s = 30;
        memset(r->m.push[MFW_PUSH_INSTALLATION].destination, 0, MFW_PUSH_DEST_MAX);
        assert_int_equal(mfw_module_fit(&r->ms, 0, &mfw_push_module, &r->push, "WAN", T0), MFW_OK);
        static uint8_t f[MFW_PUSH_FRAME_MAX];
        mfw_ms_t t = T0;
        while (mfw_module_output(&r->ms, 0, t, f, sizeof f) == 0)
            t += 100;
        assert_true(t - T0 <= 30000);
    }
}

/* Ciphered with the management keys: general-glo-ciphering, the meter's title, SC 30; it
 * deciphers to the plain data-notification. */
static void ciphered_with_the_management_keys(void **state)
{
    (void)state;
    struct rig *r = rig_new(true);
    assert_int_equal(mfw_module_fit(&r->ms, 0, &mfw_push_module, &r->push, "WAN", T0), MFW_OK);
    static uint8_t f[MFW_PUSH_FRAME_MAX];
    size_t n = mfw_module_output(&r->ms, 0, T0, f, sizeof f);
    assert_true(n > 0);
    size_t al = 0;
    const uint8_t *a = wrapper(f, n, &al);
    assert_int_equal(a[0], 0xDB);
    struct mfw_security_apdu sa;
    assert_int_equal(mfw_security_parse(a, al, &sa), MFW_OK);
    assert_int_equal(sa.sc, 0x30);
    assert_memory_equal(sa.title, r->m.keys.config.server_title, 8);
    uint8_t plain[MFW_PUSH_FRAME_MAX];
    size_t pl = 0;
    struct mfw_security_keys k = {r->m.keys.config.key[MFW_KEYS_UNICAST],
                                  r->m.keys.config.key[MFW_KEYS_AUTHENTICATION]};
    assert_int_equal(
        mfw_security_decipher(r->hal.crypto, &k, sa.title, &sa, plain, sizeof plain, &pl), MFW_OK);
    assert_int_equal(plain[0], 0x0F);
    assert_int_equal(plain[18], 0x02);
    assert_int_equal(plain[19], 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(settings_rules),
        cmocka_unit_test(installation_and_connectivity_when_fitted),
        cmocka_unit_test(interval_retries_and_window),
        cmocka_unit_test(randomisation_bounds),
        cmocka_unit_test(ciphered_with_the_management_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
