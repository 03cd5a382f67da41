/* SPDX-License-Identifier: Apache-2.0 */
/* Wireless M-Bus telegrams (link/wmbus.c). Checked against: the CRC-16/EN-13757 of a format A
 * block of a published frame (references: W5, block 1 CRC 26AA, verified with wmbusmeters), the
 * crypto port's AES-CBC against wmbusmeters' Apator mode 5 telegram (deciphered here with Mbed TLS
 * directly, then ciphered again by the port); the meter's telegram read back here byte by byte
 * from EN 13757-3/-4 (CRCs, header, CFG, IV, records) against the registers set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <mbedtls/aes.h>

#include "crypto_posix.h"
#include "hexbytes.h"
#include "meterfw/base/crc.h"
#include "meterfw/base/error.h"
#include "meterfw/link/module.h"
#include "meterfw/link/wmbus.h"
#include "meterfw/meter/meter.h"

static void crc_check_values(void **state)
{
    (void)state;
    assert_int_equal(mfw_crc16_en13757("123456789", 9), 0xC2B7);
    uint8_t b[16];
    assert_int_equal(hex_decode("2D442D2C576866323002", b, sizeof b), 10);
    assert_int_equal(mfw_crc16_en13757(b, 10), 0x26AA); /* W5: "... 3002 26AA 8D20 ..." */
}

static void cbc_against_the_apator_telegram(void **state)
{
    (void)state;
    char path[512], text[1024];
    snprintf(path, sizeof path, "%s/wmbus_apator_mode5.txt", MFW_TEST_VECTORS_DIR);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    size_t tn = fread(text, 1, sizeof text - 1, fp);
    fclose(fp);
    text[tn] = '\0';
    uint8_t f[256];
    size_t n = hex_decode(text, f, sizeof f);
    assert_int_equal(n, (size_t)f[0] + 1); /* L, no CRCs */
    assert_int_equal(f[10], 0x7A);
    uint16_t cfg = (uint16_t)(f[13] | f[14] << 8);
    assert_int_equal((cfg >> 8) & 0x1F, 5);
    size_t blocks = (cfg >> 4) & 0xF;
    assert_int_equal(blocks, 6);
    uint8_t iv[16], key[16] = {0};
    memcpy(iv, f + 2, 8);
    memset(iv + 8, f[11], 8);
    uint8_t plain[96], again[96], v[16];
    mbedtls_aes_context a;
    mbedtls_aes_init(&a);
    assert_int_equal(mbedtls_aes_setkey_dec(&a, key, 128), 0);
    memcpy(v, iv, 16);
    assert_int_equal(mbedtls_aes_crypt_cbc(&a, MBEDTLS_AES_DECRYPT, 96, v, f + 15, plain), 0);
    mbedtls_aes_free(&a);
    assert_int_equal(plain[0], 0x2F);
    assert_int_equal(plain[1], 0x2F);
    assert_int_equal(plain[2], 0x80); /* references: 2F2F80C84AFD93... */
    const struct mfw_crypto_port *cp = crypto_posix_port();
    assert_int_equal(cp->aes_cbc_encrypt(cp->ctx, key, iv, plain, 96, again), MFW_OK);
    assert_memory_equal(again, f + 15, 96);
    assert_int_equal(cp->aes_cbc_encrypt(cp->ctx, key, iv, plain, 95, again), MFW_E_ARG);
}

/* Strips the format A CRCs (checking each) from t[n] into out: its length, 0 on a bad CRC. */
static size_t strip(const uint8_t *t, size_t n, uint8_t *out)
{
    size_t i = 0, o = 0;
    while (i < n) {
        size_t b = i == 0 ? 10 : (n - i - 2 < 16 ? n - i - 2 : 16);
        uint16_t want = (uint16_t)(t[i + b] << 8 | t[i + b + 1]);
        if (mfw_crc16_en13757(t + i, b) != want)
            return 0;
        memcpy(out + o, t + i, b);
        o += b;
        i += b + 2;
    }
    return o;
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void telegram_of_a_meter(void **state)
{
    (void)state;
    static struct mfw_meter m;
    static struct mfw_hal hal;
    hal.crypto = crypto_posix_port();
    struct mfw_meter_config cfg;
    mfw_meter_default_config(&cfg, MFW_METER_382M);
    memcpy(cfg.serial, "32666857", 9);
    assert_int_equal(mfw_meter_init(&m, &cfg, &hal, 0), MFW_OK);
    m.registers.uwh[MFW_ENERGY_TOTAL][MFW_EQ_AP] = 7949999999ull; /* 794 x 10 Wh (7.94 kWh) */
    m.registers.uwh[MFW_ENERGY_TOTAL][MFW_EQ_AM] = 0;
    m.have_values = true;
    m.now_values.p = 3.2; /* P+ 3 W */
    struct mfw_wmbus w;
    struct mfw_wmbus_config c;
    mfw_wmbus_default_config(&c);
    for (unsigned k = 0; k < 16; k++)
        c.key[k] = (uint8_t)k;
    c.encrypt = true;
    assert_int_equal(mfw_wmbus_init(&w, &c), MFW_OK);
    struct mfw_modules ms;
    assert_int_equal(mfw_modules_init(&ms, &m), MFW_OK);
    assert_int_equal(mfw_module_fit(&ms, 2, &mfw_wmbus_module, &w, "wM-Bus T1", 0), MFW_OK);
    uint8_t t[MFW_WMBUS_FRAME_MAX], f[MFW_WMBUS_FRAME_MAX];
    size_t n = 0;
    w.access = 0x85;
    assert_int_equal(mfw_wmbus_frame(&w, t, sizeof t, &n), MFW_OK);
    size_t fl = strip(t, n, f);
    assert_true(fl > 0);
    assert_int_equal(f[0], fl - 1);
    assert_int_equal(f[1], 0x44);
    assert_int_equal(f[2] | f[3] << 8, (13 << 10) | (6 << 5) | 23); /* "MFW" */
    static const uint8_t id[4] = {0x57, 0x68, 0x66, 0x32};          /* 32666857, BCD LE */
    assert_memory_equal(f + 4, id, 4);
    assert_int_equal(f[9], 0x02);
    assert_int_equal(f[10], 0x7A);
    assert_int_equal(f[11], 0x85);
    assert_int_equal(f[13], 0x20); /* 2 blocks */
    assert_int_equal(f[14], 0x05); /* mode 5 */
    assert_int_equal(fl, 15 + 32);
    /* deciphered here with Mbed TLS: IV = M A ACC x 8 */
    uint8_t iv[16], p[32];
    memcpy(iv, f + 2, 8);
    memset(iv + 8, 0x85, 8);
    mbedtls_aes_context a;
    mbedtls_aes_init(&a);
    assert_int_equal(mbedtls_aes_setkey_dec(&a, c.key, 128), 0);
    assert_int_equal(mbedtls_aes_crypt_cbc(&a, MBEDTLS_AES_DECRYPT, 32, iv, f + 15, p), 0);
    mbedtls_aes_free(&a);
    static const uint8_t head[4] = {0x2F, 0x2F, 0x04, 0x04};
    assert_memory_equal(p, head, 4);
    assert_int_equal(rd32(p + 4), 794);
    assert_memory_equal(p + 8, "\x04\x84\x3C", 3);
    assert_int_equal(rd32(p + 11), 0);
    assert_memory_equal(p + 15, "\x04\x2B", 2);
    assert_int_equal(rd32(p + 17), 3);
    assert_memory_equal(p + 21, "\x04\xAB\x3C", 3);
    assert_int_equal(rd32(p + 24), 0);
    assert_memory_equal(p + 28, "\x2F\x2F\x2F\x2F", 4);
    /* the next telegram has the next access number; unencrypted: mode 0, records in clear */
    w.config.encrypt = false;
    assert_int_equal(mfw_wmbus_frame(&w, t, sizeof t, &n), MFW_OK);
    fl = strip(t, n, f);
    assert_int_equal(f[11], 0x86);
    assert_int_equal(f[13] | f[14] << 8, 0);
    assert_int_equal(rd32(f + 19), 794);
    /* the module: a hex line per period (60 s) */
    uint8_t line[256];
    assert_int_equal(mfw_module_output(&ms, 2, 59999, line, sizeof line), 0);
    size_t ln = mfw_module_output(&ms, 2, 60000, line, sizeof line);
    assert_true(ln > 0);
    assert_int_equal(line[ln - 1], '\n');
    assert_int_equal(ln, 2 * n + 1);
    assert_int_equal(mfw_module_output(&ms, 2, 60001, line, sizeof line), 0);
    /* no crypto port: nothing rather than clear text */
    w.config.encrypt = true;
    hal.crypto = NULL;
    assert_int_equal(mfw_wmbus_frame(&w, t, sizeof t, &n), MFW_E_STATE);
    hal.crypto = crypto_posix_port();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crc_check_values),
        cmocka_unit_test(cbc_against_the_apator_telegram),
        cmocka_unit_test(telegram_of_a_meter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
