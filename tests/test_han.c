/* SPDX-License-Identifier: Apache-2.0 */
/* The HAN push (link/han.c). The test's reader (tests/support/han_decode.c) is first checked
 * against the Kamstrup frame of amshan's suite; the GCM path against a frame ciphered outside
 * this project (Python's cryptography); then the meter's frames are read and compared with values
 * worked out by hand from the state the test sets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "crypto_posix.h"
#include "han_decode.h"
#include "hexbytes.h"
#include "meterfw/base/error.h"
#include "meterfw/dlms/security.h"
#include "meterfw/link/han.h"
#include "meterfw/link/module.h"
#include "meterfw/meter/meter.h"

static size_t load(const char *name, uint8_t *out, size_t cap)
{
    char path[512], text[4096];
    snprintf(path, sizeof path, "%s/%s", MFW_TEST_VECTORS_DIR, name);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    size_t len = hex_decode(text, out, cap);
    assert_true(len != HEX_BAD);
    return len;
}

static void reader_reads_the_kamstrup_frame(void **state)
{
    (void)state;
    assert_int_equal(hand_crc((const uint8_t *)"123456789", 9), 0x906E); /* CRC-16/X-25 check */
    uint8_t f[512];
    size_t n = load("han_kamstrup_list1.txt", f, sizeof f);
    assert_int_equal(n, 228);
    struct hand h;
    assert_int_equal(hand_frame(f, n, &h, true), 0);
    assert_int_equal(h.frame_len, 228);
    assert_int_equal(h.dst, 0x2B); /* client 21 */
    assert_int_equal(h.src, 0x21); /* server 16 */
    assert_int_equal(h.control, 0x13);
    assert_string_equal(h.version, "Kamstrup_V0001");
    assert_int_equal(h.n, 12);
    assert_int_equal(hand_get(&h, 1, 1, 1, 7, 0)->u, 826);
    assert_int_equal(hand_get(&h, 1, 1, 31, 7, 0)->u, 237);
    assert_int_equal(hand_get(&h, 1, 1, 32, 7, 0)->u, 232);
    assert_int_equal(hand_get(&h, 1, 1, 72, 7, 0)->u, 236);
    assert_string_equal(hand_get(&h, 1, 1, 0, 0, 5)->text, "5706567326590407");
    f[100] ^= 0x01;
    assert_int_equal(hand_frame(f, n, &h, true), -2);
}

/* The GCM vector (made outside: Python's cryptography) deciphers with the core's suite 0 into
 * Kamstrup's example 1: the path the meter's ciphered push takes, the other way round. */
static void the_outside_gcm_frame_deciphers(void **state)
{
    (void)state;
    uint8_t c[512];
    size_t n = load("han_gcm_kn1.txt", c, sizeof c);
    assert_int_equal(n, 243);
    struct mfw_security_apdu a;
    assert_int_equal(mfw_security_parse(c, n, &a), MFW_OK);
    assert_int_equal(a.sc, 0x30);
    assert_int_equal(a.ic, 1);
    static const uint8_t ek[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    static const uint8_t ak[16] = {0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7,
                                   0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF};
    struct mfw_security_keys k = {ek, ak};
    uint8_t plain[512];
    size_t pl = 0;
    assert_int_equal(
        mfw_security_decipher(crypto_posix_port(), &k, a.title, &a, plain, sizeof plain, &pl),
        MFW_OK);
    assert_int_equal(pl, 214);
    struct hand h;
    assert_int_equal(hand_apdu(plain, pl, &h), 0);
    assert_string_equal(h.version, "Kamstrup_V0001");
    assert_int_equal(h.n, 12);
}

#define T_WINTER 1483381202000LL /* 2017-01-02T18:20:02Z, 19:20:02 CET */

static void meter_at(struct mfw_meter *m, const struct mfw_hal *hal, enum mfw_meter_model model,
                     int64_t t)
{
    struct mfw_meter_config cfg;
    mfw_meter_default_config(&cfg, model);
    memcpy(cfg.serial, "12345678", 9);
    assert_int_equal(mfw_meter_init(m, &cfg, hal, t), MFW_OK);
    m->now = t;
    m->registers.uwh[MFW_ENERGY_TOTAL][MFW_EQ_AP] = 6825999999ull;   /* 682 x 10 Wh (truncated) */
    m->registers.uwh[MFW_ENERGY_TOTAL][MFW_EQ_AM] = 9999999ull;      /* 0 x 10 Wh */
    m->registers.uwh[MFW_ENERGY_TOTAL][MFW_EQ_RP] = 123456789012ull; /* 12345 x 10 varh */
    m->have_values = true;
    m->now_values.p = 1172.4;         /* P+ 1172 W */
    m->now_values.q = -35.6;          /* Q- 36 var */
    m->now_values.ph[0].irms = 5.4;   /* 540 x 0.01 A */
    m->now_values.ph[0].vrms = 230.6; /* 231 V */
    m->now_values.ph[1].irms = 0.004; /* 0 */
    m->now_values.ph[2].vrms = 229.4; /* 229 V */
}

static struct mfw_han *han_on(struct mfw_meter *m, bool cipher)
{
    static struct mfw_han h;
    struct mfw_han_config c;
    mfw_han_default_config(&c);
    c.cipher = cipher;
    for (unsigned k = 0; k < 16; k++) {
        m->keys.config.consumer_ek[k] = (uint8_t)k;
        m->keys.config.consumer_ak[k] = (uint8_t)(0xD0 + k);
    }
    m->keys.config.consumer_have = 3;
    assert_int_equal(mfw_han_init(&h, &c), MFW_OK);
    h.meter = m;
    return &h;
}

static void lists_of_a_three_phase_meter(void **state)
{
    (void)state;
    static const struct mfw_hal none;
    static struct mfw_meter m;
    meter_at(&m, &none, MFW_METER_382M, T_WINTER);
    struct mfw_han *hp = han_on(&m, false);
    uint8_t f[MFW_HAN_FRAME_MAX];
    size_t n = 0;
    struct hand h;

    assert_int_equal(mfw_han_frame(hp, MFW_HAN_LIST1, f, sizeof f, &n), MFW_OK);
    assert_int_equal(hand_frame(f, n, &h, true), 0);
    assert_int_equal(n, h.frame_len);
    assert_int_equal(h.dst, 0x2B);
    assert_int_equal(h.src, 0x21);
    assert_int_equal(h.control, 0x13);
    assert_string_equal(h.version, "meterfw_V0001");
    assert_int_equal(h.n, 2);
    assert_string_equal(hand_get(&h, 1, 1, 0, 0, 5)->text, "12345678");
    assert_int_equal(hand_get(&h, 1, 1, 1, 7, 0)->type, 0x06);
    assert_int_equal(hand_get(&h, 1, 1, 1, 7, 0)->u, 1172);
    /* 19:20:02 local, deviation -60 (CET), no DST: 07E1 01 02 Mon(1) 13 14 02 */
    static const uint8_t dt[9] = {0x07, 0xE1, 0x01, 0x02, 0x01, 0x13, 0x14, 0x02, 0x00};
    assert_memory_equal(h.datetime, dt, sizeof dt);
    assert_int_equal(h.datetime[9], 0xFF);
    assert_int_equal(h.datetime[10], 0xC4); /* -60 = 0xFFC4 */
    assert_int_equal(h.invoke, 0);

    assert_int_equal(mfw_han_frame(hp, MFW_HAN_LIST2, f, sizeof f, &n), MFW_OK);
    assert_int_equal(hand_frame(f, n, &h, true), 0);
    assert_int_equal(h.invoke, 1);
    assert_int_equal(h.n, 12); /* 25 elements, as Kamstrup's 10 s list */
    assert_string_equal(hand_get(&h, 1, 1, 96, 1, 1)->text, "meterfw-382M");
    assert_int_equal(hand_get(&h, 1, 1, 2, 7, 0)->u, 0);
    assert_int_equal(hand_get(&h, 1, 1, 3, 7, 0)->u, 0);
    assert_int_equal(hand_get(&h, 1, 1, 4, 7, 0)->u, 36);
    assert_int_equal(hand_get(&h, 1, 1, 31, 7, 0)->u, 540);
    assert_int_equal(hand_get(&h, 1, 1, 51, 7, 0)->u, 0);
    assert_int_equal(hand_get(&h, 1, 1, 32, 7, 0)->type, 0x12);
    assert_int_equal(hand_get(&h, 1, 1, 32, 7, 0)->u, 231);
    assert_int_equal(hand_get(&h, 1, 1, 72, 7, 0)->u, 229);
    assert_null(hand_get(&h, 1, 1, 1, 8, 0));

    assert_int_equal(mfw_han_frame(hp, MFW_HAN_LIST3, f, sizeof f, &n), MFW_OK);
    assert_int_equal(hand_frame(f, n, &h, true), 0);
    assert_int_equal(h.n, 17); /* 35 elements, as Kamstrup's hourly list */
    assert_int_equal(hand_get(&h, 1, 1, 1, 8, 0)->u, 682);
    assert_int_equal(hand_get(&h, 1, 1, 2, 8, 0)->u, 0);
    assert_int_equal(hand_get(&h, 1, 1, 3, 8, 0)->u, 12345);
    assert_int_equal(hand_get(&h, 1, 1, 4, 8, 0)->u, 0);
    const struct hand_item *clk = hand_get(&h, 0, 1, 1, 0, 0);
    assert_non_null(clk);
    assert_int_equal(clk->type, 0x09);
    assert_int_equal(clk->len, 12);
    assert_memory_equal(clk->octets, dt, sizeof dt);
    /* a small buffer: refused, not cut */
    assert_int_equal(mfw_han_frame(hp, MFW_HAN_LIST3, f, 60, &n), MFW_E_NOSPACE);
}

static void single_phase_lists(void **state)
{
    (void)state;
    static const struct mfw_hal none;
    static struct mfw_meter m;
    meter_at(&m, &none, MFW_METER_162M, T_WINTER);
    struct mfw_han *hp = han_on(&m, false);
    uint8_t f[MFW_HAN_FRAME_MAX];
    size_t n = 0;
    struct hand h;
    assert_int_equal(mfw_han_frame(hp, MFW_HAN_LIST3, f, sizeof f, &n), MFW_OK);
    assert_int_equal(hand_frame(f, n, &h, true), 0);
    assert_int_equal(h.n, 13); /* 6 + IL1 + UL1 + clock + 4 energies */
    assert_null(hand_get(&h, 1, 1, 51, 7, 0));
    assert_null(hand_get(&h, 1, 1, 52, 7, 0));
    assert_string_equal(hand_get(&h, 1, 1, 96, 1, 1)->text, "meterfw-162M");
}

/* Ciphered with the consumer key: general-glo-ciphering, the meter's title, SC 30, the meter's
 * invocation counter going up; deciphered it is the plain list. */
static void ciphered_with_the_consumer_key(void **state)
{
    (void)state;
    static struct mfw_hal hal; /* no flash: counters in RAM only */
    hal.crypto = crypto_posix_port();
    static struct mfw_meter m;
    meter_at(&m, &hal, MFW_METER_382M, T_WINTER);
    struct mfw_han *hp = han_on(&m, true);
    uint8_t f[MFW_HAN_FRAME_MAX];
    size_t n = 0;
    struct hand h;
    uint32_t ic_before = m.keys.counters.next;
    assert_int_equal(mfw_han_frame(hp, MFW_HAN_LIST2, f, sizeof f, &n), MFW_OK);
    assert_int_equal(hand_frame(f, n, &h, false), 0);
    const uint8_t *apdu = h.info + 3;
    size_t alen = h.info_len - 3;
    assert_int_equal(apdu[0], 0xDB);
    assert_int_equal(apdu[1], 8);
    assert_memory_equal(apdu + 2, m.keys.config.server_title, 8);
    struct mfw_security_apdu a;
    assert_int_equal(mfw_security_parse(apdu, alen, &a), MFW_OK);
    assert_int_equal(a.sc, 0x30);
    assert_int_equal(a.ic, ic_before);
    uint8_t plain[MFW_HAN_FRAME_MAX];
    size_t pl = 0;
    struct mfw_security_keys k = {m.keys.config.consumer_ek, m.keys.config.consumer_ak};
    assert_int_equal(mfw_security_decipher(hal.crypto, &k, a.title, &a, plain, sizeof plain, &pl),
                     MFW_OK);
    struct hand d;
    assert_int_equal(hand_apdu(plain, pl, &d), 0);
    assert_int_equal(hand_get(&d, 1, 1, 1, 7, 0)->u, 1172);
    assert_int_equal(d.n, 12);
    /* the next frame has the next counter */
    assert_int_equal(mfw_han_frame(hp, MFW_HAN_LIST1, f, sizeof f, &n), MFW_OK);
    assert_int_equal(hand_frame(f, n, &h, false), 0);
    assert_int_equal(mfw_security_parse(h.info + 3, h.info_len - 3, &a), MFW_OK);
    assert_int_equal(a.ic, ic_before + 1);
    /* a wrong key does not verify */
    uint8_t wrong[16] = {0};
    struct mfw_security_keys kw = {wrong, m.keys.config.consumer_ak};
    assert_int_equal(mfw_security_decipher(hal.crypto, &kw, a.title, &a, plain, sizeof plain, &pl),
                     MFW_E_AUTH);
    /* without consumer keys: nothing, rather than the list in clear */
    m.keys.config.consumer_have = 1;
    assert_int_equal(mfw_han_frame(hp, MFW_HAN_LIST1, f, sizeof f, &n), MFW_E_STATE);
    /* the consumer policy 3 ciphers without the configuration asking */
    m.keys.config.consumer_have = 3;
    m.keys.config.consumer_policy = 3;
    hp->config.cipher = false;
    assert_int_equal(mfw_han_frame(hp, MFW_HAN_LIST1, f, sizeof f, &n), MFW_OK);
    assert_int_equal(hand_frame(f, n, &h, false), 0);
    assert_int_equal(h.info[3], 0xDB);
}

/* The module: list 1 every list1_s, list 2 every 10 s, list 3 at hh:00:05; disabled: silent. */
static void the_schedule(void **state)
{
    (void)state;
    static const struct mfw_hal none;
    static struct mfw_meter m;
    const int64_t t0 = 1483380000000LL; /* 2017-01-02T18:00:00Z */
    meter_at(&m, &none, MFW_METER_382M, t0 - 1000);
    struct mfw_modules ms;
    assert_int_equal(mfw_modules_init(&ms, &m), MFW_OK);
    static struct mfw_han h;
    struct mfw_han_config c;
    mfw_han_default_config(&c);
    c.list1_s = 1;
    assert_int_equal(mfw_han_init(&h, &c), MFW_E_ARG);
    c.list1_s = 11;
    assert_int_equal(mfw_han_init(&h, &c), MFW_E_ARG);
    c.list1_s = 2;
    assert_int_equal(mfw_han_init(&h, &c), MFW_OK);
    assert_int_equal(mfw_module_fit(&ms, 2, &mfw_han_module, &h, "HAN", m.now), MFW_OK);
    assert_int_equal(m.modules[2].kind, MFW_MODULE_HAN);
    /* count the lists over 20 s from 17:59:59Z */
    unsigned seen[4] = {0};
    uint8_t f[MFW_HAN_FRAME_MAX];
    for (int64_t t = t0 - 1000; t < t0 + 20000; t += 100) {
        size_t n;
        while ((n = mfw_module_output(&ms, 2, t, f, sizeof f)) > 0) {
            struct hand d;
            assert_int_equal(hand_frame(f, n, &d, true), 0);
            unsigned list = d.n == 2 ? 1 : d.n == 12 ? 2 : d.n == 17 ? 3 : 0;
            assert_true(list != 0);
            if (list == 3)
                assert_true(t >= t0 + 5000 && t < t0 + 5100); /* 18:00:05Z */
            seen[list]++;
        }
    }
    /* list 1 at 0, 2, .. 18 (10); list 2 at 0 and 10 s; list 3 at 5 s */
    assert_int_equal(seen[1], 10);
    assert_int_equal(seen[2], 2);
    assert_int_equal(seen[3], 1);
    assert_int_equal(mfw_module_next_due(&ms, 2), t0 + 20000);
    struct mfw_module_status st;
    assert_int_equal(mfw_module_status(&ms, 2, &st), MFW_OK);
    assert_int_equal(st.frames_out, 13);
    /* nothing it receives changes the meter */
    struct mfw_meter_registers before = m.registers;
    assert_int_equal(mfw_module_input(&ms, 2, f, 40, t0), 40);
    assert_memory_equal(&before, &m.registers, sizeof before);
    h.config.enabled = false;
    assert_int_equal(mfw_module_output(&ms, 2, t0 + 30000, f, sizeof f), 0);
    assert_int_equal(mfw_module_remove(&ms, 2), MFW_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reader_reads_the_kamstrup_frame),
        cmocka_unit_test(the_outside_gcm_frame_deciphers),
        cmocka_unit_test(lists_of_a_three_phase_meter),
        cmocka_unit_test(single_phase_lists),
        cmocka_unit_test(ciphered_with_the_consumer_key),
        cmocka_unit_test(the_schedule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
