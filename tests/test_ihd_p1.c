/* SPDX-License-Identifier: Apache-2.0 */
/* The in-home display's P1 reader (tools/ihd/p1.c) against published telegrams whose CRC was
 * checked independently (tests/vectors/ihd/README.md): dsmr_parser's TELEGRAM_V5 (6EEE) and
 * TELEGRAM_V4_2 (6796), a Kamstrup HAN-P1 capture (1D66). The expected values are the ones the
 * sources assert (dsmr_parser test_parse_v5) or read off the telegram text by hand; instants are
 * the local times of the TST with CET +1 h / CEST +2 h taken off (computed with Python's
 * datetime, not with the code under test). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tools/ihd/p1.h"

#ifndef IHD_VECTORS_DIR
#error "IHD_VECTORS_DIR: the folder of the P1 vectors"
#endif

static char *load(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", IHD_VECTORS_DIR, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[16384];
    *len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    char *copy = malloc(*len + 1);
    assert_non_null(copy);
    memcpy(copy, buf, *len);
    copy[*len] = 0;
    return copy;
}

/* CRC-16/ARC again, table-driven from the polynomial (not the code under test's loop). */
static uint16_t arc_table[256];
static uint16_t ref_crc(const char *p, size_t n)
{
    if (!arc_table[1])
        for (unsigned i = 0; i < 256; i++) {
            uint16_t r = (uint16_t)i;
            for (int b = 0; b < 8; b++)
                r = (uint16_t)((r >> 1) ^ ((r & 1u) ? 0xA001u : 0u));
            arc_table[i] = r;
        }
    uint16_t c = 0;
    for (size_t k = 0; k < n; k++)
        c = (uint16_t)((c >> 8) ^ arc_table[(c ^ (uint8_t)p[k]) & 0xFFu]);
    return c;
}

/* A telegram from body lines (each without CR LF), its CRC from ref_crc. */
static size_t build(char *out, size_t cap, const char *const *lines, size_t n)
{
    size_t len = 0;
    len += (size_t)snprintf(out + len, cap - len, "/MFW5\\2ihdtest\r\n\r\n");
    for (size_t k = 0; k < n; k++)
        len += (size_t)snprintf(out + len, cap - len, "%s\r\n", lines[k]);
    out[len++] = '!';
    len += (size_t)snprintf(out + len, cap - len, "%04X\r\n", ref_crc(out, len));
    return len;
}

static void test_crc_check_value(void **state)
{
    (void)state;
    assert_int_equal(ihd_p1_crc16("123456789", 9), 0xBB3D); /* CRC RevEng: CRC-16/ARC check */
    assert_int_equal(ihd_p1_crc16("", 0), 0);
    assert_int_equal(ref_crc("123456789", 9), 0xBB3D);
}

static void test_dsmr_v5(void **state)
{
    (void)state;
    size_t n;
    char *t = load("dsmr_v5.txt", &n);
    assert_int_equal(n, 884 + 6); /* '/'..'!' is 884 bytes, then 6EEE CR LF */
    struct ihd_p1 r;
    assert_int_equal(ihd_p1_parse(t, n, &r), IHD_P1_OK);
    assert_string_equal(r.ident, "ISk5\\2MT382-1000");
    assert_int_equal(r.version, 50);
    assert_true(r.have & IHD_P1_HAVE_TIME);
    assert_int_equal(r.time, 1483381202); /* 2017-01-02T18:20:02Z */
    assert_false(r.dst);
    assert_int_equal(r.import_have, (1u << 1) | (1u << 2));
    assert_int_equal(r.import_wh[1], 4426);
    assert_int_equal(r.import_wh[2], 2399);
    assert_int_equal(r.export_wh[1], 2444);
    assert_int_equal(r.export_wh[2], 0);
    assert_int_equal(r.tariff, 2);
    assert_int_equal(r.p_import_w, 244);
    assert_int_equal(r.p_export_w, 0);
    assert_int_equal(r.fail_short, 13);
    assert_int_equal(r.fail_long, 0);
    assert_true(r.have & IHD_P1_HAVE_FAIL_LOG);
    assert_int_equal(r.n_failures, 0);
    assert_int_equal(r.sag_have, 7);
    assert_int_equal(r.swell_have, 7);
    assert_int_equal(r.u_mv[0], 230000);
    assert_int_equal(r.u_mv[1], 230000);
    assert_int_equal(r.u_mv[2], 229000);
    assert_int_equal(r.i_ma[0], 480);
    assert_int_equal(r.i_ma[1], 440);
    assert_int_equal(r.i_ma[2], 860);
    assert_int_equal(r.p_import_l_w[0], 70);
    assert_int_equal(r.p_import_l_w[1], 32);
    assert_int_equal(r.p_import_l_w[2], 142);
    assert_int_equal(r.phase_have, 7);
    /* 37 data lines; the display does not use 96.1.1, 96.13.0 and the five M-Bus lines */
    assert_int_equal(r.lines, 37);
    assert_int_equal(r.unknown, 7);
    free(t);
}

static void test_dsmr_v4_2_failure_log(void **state)
{
    (void)state;
    size_t n;
    char *t = load("dsmr_v4_2.txt", &n);
    struct ihd_p1 r;
    assert_int_equal(ihd_p1_parse(t, n, &r), IHD_P1_OK);
    assert_int_equal(r.time, 1479067077); /* 2016-11-13T19:57:57Z */
    assert_int_equal(r.import_wh[1], 1581123);
    assert_int_equal(r.import_wh[2], 1435706);
    assert_int_equal(r.p_import_w, 2027);
    assert_int_equal(r.fail_short, 15);
    assert_int_equal(r.fail_long, 7);
    assert_int_equal(r.n_failures, 3);
    assert_int_equal(r.failures[0].end, 947005400); /* 000104180320W */
    assert_int_equal(r.failures[0].duration, 237126);
    assert_int_equal(r.failures[1].end, 946681201); /* 000101000001W */
    assert_int_equal(r.failures[1].duration, 2147583646);
    assert_int_equal(r.failures[2].end, 946767603); /* 000102000003W */
    assert_int_equal(r.failures[2].duration, 2317482647);
    assert_int_equal(r.i_ma[1], 6000);
    assert_int_equal(r.p_import_l_w[1], 1247);
    assert_int_equal(r.u_have, 0); /* this meter says no voltage */
    free(t);
}

static void test_kamstrup_han_p1(void **state)
{
    (void)state;
    size_t n;
    char *t = load("kamstrup_gh578.txt", &n);
    struct ihd_p1 r;
    assert_int_equal(ihd_p1_parse(t, n, &r), IHD_P1_OK);
    assert_string_equal(r.ident, "KAM5");
    assert_int_equal(r.time, 1712485734); /* 240407122854S: 10:28:54Z */
    assert_true(r.dst);
    assert_int_equal(r.import_have, 1u);
    assert_int_equal(r.import_wh[0], 9621983);
    assert_int_equal(r.export_wh[0], 0);
    assert_int_equal(r.p_import_w, 1453);
    assert_int_equal(r.p_import_l_w[0], 1218);
    assert_int_equal(r.p_import_l_w[1], 213);
    assert_int_equal(r.p_import_l_w[2], 22);
    assert_int_equal(r.u_mv[0], 237400);
    assert_int_equal(r.u_mv[1], 241400);
    assert_int_equal(r.i_ma[0], 5100);
    assert_int_equal(r.i_ma[2], 400);
    assert_false(r.have & IHD_P1_HAVE_TARIFF);
    free(t);
}

/* Every single-bit error inside '/'..'!' is caught (a CRC-16 detects them all). */
static void test_every_bit_flip_is_dropped(void **state)
{
    (void)state;
    size_t n;
    char *t = load("dsmr_v5.txt", &n);
    size_t bang = (size_t)(strchr(t, '!') - t);
    struct ihd_p1 r;
    for (size_t k = 0; k <= bang; k++)
        for (int b = 0; b < 8; b++) {
            t[k] = (char)(t[k] ^ (1 << b));
            int e = ihd_p1_parse(t, n, &r);
            assert_int_not_equal(e, IHD_P1_OK);
            /* a flip of '/' or '!', or one that makes an earlier '!', may be a framing error */
            if (k != 0 && k != bang && t[k] != '!')
                assert_int_equal(e, IHD_P1_E_CRC);
            t[k] = (char)(t[k] ^ (1 << b));
        }
    assert_int_equal(ihd_p1_parse(t, n, &r), IHD_P1_OK);
    free(t);
}

static void test_trailer(void **state)
{
    (void)state;
    size_t n;
    char *t = load("dsmr_v5.txt", &n);
    struct ihd_p1 r;
    assert_int_equal(ihd_p1_parse(t, n - 2, &r), IHD_P1_OK); /* without the final CR LF */
    char *c = strchr(t, '!') + 1;
    memcpy(c, "6eee", 4); /* lower case hex is read as well */
    assert_int_equal(ihd_p1_parse(t, n, &r), IHD_P1_OK);
    memcpy(c, "6EEF", 4);
    assert_int_equal(ihd_p1_parse(t, n, &r), IHD_P1_E_CRC);
    memcpy(c, "6EE\r", 4);
    assert_int_equal(ihd_p1_parse(t, n, &r), IHD_P1_E_NOCRC);
    assert_int_equal(ihd_p1_parse(t, (size_t)(c - t), &r), IHD_P1_E_NOCRC);
    assert_int_equal(ihd_p1_parse(t + 1, n - 1, &r), IHD_P1_E_FRAME);
    assert_int_equal(ihd_p1_parse(t, 1, &r), IHD_P1_E_FRAME);
    free(t);
}

static void test_bad_values_with_good_crc(void **state)
{
    (void)state;
    char buf[1024];
    struct ihd_p1 r;
    const char *good[] = {"1-0:1.8.1(000001.500*kWh)", "1-0:1.7.0(01.234*kW)",
                          "1-0:32.7.0(231.5*V)"};
    size_t n = build(buf, sizeof buf, good, 3);
    assert_int_equal(ihd_p1_parse(buf, n, &r), IHD_P1_OK);
    assert_int_equal(r.import_wh[1], 1500);
    assert_int_equal(r.p_import_w, 1234);
    assert_int_equal(r.u_mv[0], 231500);
    const char *cases[][2] = {
        {"1-0:1.7.0(01.2x4*kW)", "v"},
        {"1-0:1.7.0(01.234*kWh)", "v"},
        {"1-0:1.7.0(01.234)", "v"},
        {"1-0:1.8.1(1.5*kWh)(2)", "v"},
        {"0-0:1.0.0(170230120000W)", "v"},
        {"0-0:1.0.0(170102192002X)", "v"},
        {"1-0:99.97.0(2)(0-0:96.7.19)(000104180320W)(1*s)", "v"},
        {"hello", "l"},
        {"1-0:1.7.0", "l"},
        {"1-0:1.7.0(01.234*kW", "l"},
        {"1-0:1.7.256(1)", "l"},
        {"1-0:1.7.0(1)x", "l"},
        {"1-0:1.8.1(1234567890123.000*kWh)", "v"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const char *lines[] = {cases[k][0]};
        n = build(buf, sizeof buf, lines, 1);
        int want = cases[k][1][0] == 'v' ? IHD_P1_E_VALUE : IHD_P1_E_LINE;
        if (ihd_p1_parse(buf, n, &r) != want)
            fail_msg("'%s' gave %d, want %d", cases[k][0], ihd_p1_parse(buf, n, &r), want);
    }
}

static void test_tst(void **state)
{
    (void)state;
    int64_t u;
    bool dst;
    assert_true(ihd_p1_tst("240229000000W", 13, &u, &dst));
    assert_int_equal(u, 1709161200); /* 2024-02-29 00:00 CET */
    assert_false(ihd_p1_tst("230229000000W", 13, &u, &dst));
    assert_false(ihd_p1_tst("231301000000W", 13, &u, &dst));
    assert_false(ihd_p1_tst("230101240000W", 13, &u, &dst));
    assert_false(ihd_p1_tst("23010100000W", 12, &u, &dst));
}

struct events {
    int kinds[16];
    size_t lens[16];
    unsigned n;
};

static void feed_all(struct ihd_p1_rx *rx, const char *s, size_t n, size_t chunk, struct events *ev)
{
    size_t off = 0;
    unsigned step = 0;
    while (off < n) {
        size_t c = chunk ? 1 + (step++ * 7919u) % chunk : n - off;
        if (c > n - off)
            c = n - off;
        size_t used = 0;
        while (used < c) {
            int e;
            used += ihd_p1_rx_feed(rx, (const uint8_t *)s + off + used, c - used, &e);
            if (e != IHD_P1_RX_NONE && ev->n < 16) {
                ev->kinds[ev->n] = e;
                ev->lens[ev->n++] = e == IHD_P1_RX_TELEGRAM ? rx->len : 0;
                if (e == IHD_P1_RX_TELEGRAM) {
                    struct ihd_p1 r;
                    assert_int_equal(ihd_p1_parse(rx->buf, rx->len, &r), IHD_P1_OK);
                }
            }
        }
        off += c;
    }
}

static void test_stream_splitter(void **state)
{
    (void)state;
    size_t n5, n4, nk;
    char *v5 = load("dsmr_v5.txt", &n5);
    char *v4 = load("dsmr_v4_2.txt", &n4);
    char *kam = load("kamstrup_gh578.txt", &nk);
    /* garbage, V5, V4.2 with no line end after its CRC, half a V5, a Kamstrup one */
    size_t cap = 3 + n5 + n4 + n5 / 2 + nk + 8, n = 0;
    char *s = malloc(cap);
    assert_non_null(s);
    memcpy(s + n, "x?z", 3), n += 3;
    memcpy(s + n, v5, n5), n += n5;
    memcpy(s + n, v4, n4 - 2), n += n4 - 2;
    memcpy(s + n, v5, n5 / 2), n += n5 / 2;
    memcpy(s + n, kam, nk), n += nk;
    for (size_t chunk = 0; chunk <= 9; chunk++) {
        struct ihd_p1_rx rx;
        ihd_p1_rx_init(&rx);
        struct events ev = {0};
        feed_all(&rx, s, n, chunk, &ev);
        assert_int_equal(ev.n, 4);
        assert_int_equal(ev.kinds[0], IHD_P1_RX_TELEGRAM);
        assert_int_equal(ev.lens[0], n5 - 2); /* '/'..CRC digits */
        assert_int_equal(ev.kinds[1], IHD_P1_RX_TELEGRAM);
        assert_int_equal(ev.lens[1], n4 - 2);
        assert_int_equal(ev.kinds[2], IHD_P1_RX_TRUNCATED);
        assert_int_equal(ev.kinds[3], IHD_P1_RX_TELEGRAM);
        assert_int_equal(ev.lens[3], nk - 2);
        assert_int_equal(rx.garbage, 3);
    }
    free(s);
    free(v5);
    free(v4);
    free(kam);
}

static void test_stream_overflow(void **state)
{
    (void)state;
    size_t n5;
    char *v5 = load("dsmr_v5.txt", &n5);
    size_t n = 1 + IHD_P1_MAX + 100 + n5;
    char *s = malloc(n);
    assert_non_null(s);
    s[0] = '/';
    memset(s + 1, 'A', IHD_P1_MAX + 100);
    memcpy(s + 1 + IHD_P1_MAX + 100, v5, n5);
    struct ihd_p1_rx rx;
    ihd_p1_rx_init(&rx);
    struct events ev = {0};
    feed_all(&rx, s, n, 0, &ev);
    assert_int_equal(ev.n, 2);
    assert_int_equal(ev.kinds[0], IHD_P1_RX_OVERFLOW);
    assert_int_equal(ev.kinds[1], IHD_P1_RX_TELEGRAM);
    assert_int_equal(rx.garbage, 0); /* the rest of an overlong telegram is not garbage */
    free(s);
    free(v5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc_check_value),           cmocka_unit_test(test_dsmr_v5),
        cmocka_unit_test(test_dsmr_v4_2_failure_log),     cmocka_unit_test(test_kamstrup_han_p1),
        cmocka_unit_test(test_every_bit_flip_is_dropped), cmocka_unit_test(test_trailer),
        cmocka_unit_test(test_bad_values_with_good_crc),  cmocka_unit_test(test_tst),
        cmocka_unit_test(test_stream_splitter),           cmocka_unit_test(test_stream_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
