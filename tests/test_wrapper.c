/* SPDX-License-Identifier: Apache-2.0 */
/* IEC 62056-47 wrapper framing against frames captured between the Gurux DLMS C client and
 * server (tests/vectors/w_public_clock.txt): whole, byte by byte, split at every position,
 * coalesced; protocol errors; replies encoded byte for byte as captured. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hexbytes.h"

#include "meterfw/base/cursor.h"
#include "meterfw/base/error.h"
#include "meterfw/link/wrapper.h"

/* w_public_clock.txt, client (TX) and server (RX) frames */
static const char AARQ[] = "00 01 00 10 00 01 00 1F 60 1D A1 09 06 07 60 85 74 05 08 01 01 BE 10 "
                           "04 0E 01 00 00 00 06 5F 1F 04 00 40 1E 1D FF FF";
static const char AARE[] = "00 01 00 01 00 10 00 2B 61 29 A1 09 06 07 60 85 74 05 08 01 01 A2 03 "
                           "02 01 00 A3 05 A1 03 02 01 00 BE 10 04 0E 08 00 06 5F 1F 04 00 00 00 "
                           "18 02 00 00 07";
static const char GET_LN[] = "00 01 00 10 00 01 00 0D C0 01 C1 00 0F 00 00 28 00 00 FF 02 00";
static const char GET_NEXT[] = "00 01 00 10 00 01 00 07 C0 02 C1 00 00 00 01";
static const char GET_CLOCK[] = "00 01 00 10 00 01 00 0D C0 01 C1 00 08 00 00 01 00 00 FF 02 00";
static const char CLOCK_RSP[] = "00 01 00 01 00 10 00 24 C4 01 C1 00 09 0C 07 EA 0B 19 03 10 1A "
                                "1E 00 00 00 00 09 0F 09 0C 07 EA 0B 19 03 10 1A 1E 00 00 00 00 "
                                "09 0F";
static const char RLRQ[] = "00 01 00 10 00 01 00 05 62 03 80 01 00";
static const char RLRE[] = "00 01 00 01 00 10 00 05 63 03 80 01 00";

static const char *const CLIENT_FRAMES[] = {AARQ, GET_LN, GET_NEXT, GET_CLOCK, RLRQ};
#define N_CLIENT (sizeof(CLIENT_FRAMES) / sizeof(CLIENT_FRAMES[0]))

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = hex_decode(s, out, cap);
    assert_true(n != HEX_BAD);
    return n;
}

/* Checks a decoded frame against its raw bytes (header fields and APDU). */
static void check_frame(const struct mfw_wrapper_frame *f, const uint8_t *raw, size_t rawlen)
{
    assert_true(rawlen > MFW_WRAPPER_HEADER_LEN);
    assert_int_equal(f->src_wport, raw[2] << 8 | raw[3]);
    assert_int_equal(f->dst_wport, raw[4] << 8 | raw[5]);
    assert_int_equal(f->len, rawlen - MFW_WRAPPER_HEADER_LEN);
    assert_int_equal(f->len, (size_t)(raw[6] << 8 | raw[7]));
    assert_memory_equal(f->apdu, raw + MFW_WRAPPER_HEADER_LEN, f->len);
}

static void test_init_args(void **state)
{
    (void)state;
    struct mfw_wrapper w;
    uint8_t buf[4];
    assert_int_equal(mfw_wrapper_init(NULL, buf, sizeof buf), MFW_E_ARG);
    assert_int_equal(mfw_wrapper_init(&w, NULL, sizeof buf), MFW_E_ARG);
    assert_int_equal(mfw_wrapper_init(&w, buf, 0), MFW_E_ARG);
    assert_int_equal(mfw_wrapper_init(&w, buf, sizeof buf), MFW_OK);
    size_t used = 99;
    struct mfw_wrapper_frame f;
    assert_int_equal(mfw_wrapper_feed(&w, NULL, 0, &used, &f), 0);
    assert_int_equal(used, 0);
    assert_int_equal(mfw_wrapper_feed(&w, NULL, 1, &used, &f), MFW_E_ARG);
    assert_int_equal(mfw_wrapper_feed(&w, buf, 1, NULL, &f), MFW_E_ARG);
}

static void test_whole_frames(void **state)
{
    (void)state;
    static const char *const all[] = {AARQ,      AARE,      GET_LN, GET_NEXT,
                                      GET_CLOCK, CLOCK_RSP, RLRQ,   RLRE};
    uint8_t raw[256], buf[256];
    struct mfw_wrapper w;
    assert_int_equal(mfw_wrapper_init(&w, buf, sizeof buf), MFW_OK);
    for (size_t k = 0; k < sizeof(all) / sizeof(all[0]); k++) {
        size_t n = unhex(all[k], raw, sizeof raw), used = 0;
        struct mfw_wrapper_frame f;
        assert_int_equal(mfw_wrapper_feed(&w, raw, n, &used, &f), 1);
        assert_int_equal(used, n);
        check_frame(&f, raw, n);
        assert_ptr_equal(f.apdu, buf);
    }
    assert_int_equal(w.frames, 8);
    assert_int_equal(w.errors, 0);

    /* The AARQ: public client (SAP 16) to the management logical device. */
    size_t n = unhex(AARQ, raw, sizeof raw), used;
    struct mfw_wrapper_frame f;
    assert_int_equal(mfw_wrapper_feed(&w, raw, n, &used, &f), 1);
    assert_int_equal(f.src_wport, MFW_WRAPPER_WPORT_CLIENT_PUBLIC);
    assert_int_equal(f.dst_wport, MFW_WRAPPER_WPORT_MANAGEMENT_LD);
    assert_int_equal(f.len, 0x1F);
    assert_int_equal(f.apdu[0], 0x60); /* AARQ tag */
}

static void test_byte_by_byte(void **state)
{
    (void)state;
    uint8_t raw[256], buf[64];
    struct mfw_wrapper w;
    assert_int_equal(mfw_wrapper_init(&w, buf, sizeof buf), MFW_OK);
    for (size_t k = 0; k < N_CLIENT; k++) {
        size_t n = unhex(CLIENT_FRAMES[k], raw, sizeof raw);
        struct mfw_wrapper_frame f;
        for (size_t i = 0; i < n; i++) {
            size_t used = 0;
            int r = mfw_wrapper_feed(&w, raw + i, 1, &used, &f);
            assert_int_equal(used, 1);
            assert_int_equal(r, i + 1 == n ? 1 : 0);
        }
        check_frame(&f, raw, n);
    }
    assert_int_equal(w.frames, N_CLIENT);
}

/* Every split of every client frame into two pieces, and into three pieces at every pair. */
static void test_every_split(void **state)
{
    (void)state;
    uint8_t raw[256], buf[64];
    struct mfw_wrapper w;
    for (size_t k = 0; k < N_CLIENT; k++) {
        size_t n = unhex(CLIENT_FRAMES[k], raw, sizeof raw);
        for (size_t a = 0; a <= n; a++) {
            for (size_t b = a; b <= n; b++) {
                assert_int_equal(mfw_wrapper_init(&w, buf, sizeof buf), MFW_OK);
                const size_t cut[4] = {0, a, b, n};
                int got = 0;
                struct mfw_wrapper_frame f;
                for (int p = 0; p < 3; p++) {
                    size_t used = 0, len = cut[p + 1] - cut[p];
                    int r = mfw_wrapper_feed(&w, raw + cut[p], len, &used, &f);
                    assert_int_equal(used, len);
                    assert_int_equal(r, cut[p + 1] == n && len > 0 ? 1 : 0);
                    if (r == 1) {
                        got++;
                        break;
                    }
                }
                assert_int_equal(got, 1);
                check_frame(&f, raw, n);
            }
        }
    }
}

/* All client frames in one buffer: each call returns one frame and how far it got. */
static void test_coalesced(void **state)
{
    (void)state;
    uint8_t stream[512], buf[64];
    size_t off[N_CLIENT + 1], total = 0;
    for (size_t k = 0; k < N_CLIENT; k++) {
        off[k] = total;
        total += unhex(CLIENT_FRAMES[k], stream + total, sizeof stream - total);
    }
    off[N_CLIENT] = total;
    struct mfw_wrapper w;
    assert_int_equal(mfw_wrapper_init(&w, buf, sizeof buf), MFW_OK);
    size_t pos = 0;
    for (size_t k = 0; k < N_CLIENT; k++) {
        size_t used = 0;
        struct mfw_wrapper_frame f;
        assert_int_equal(mfw_wrapper_feed(&w, stream + pos, total - pos, &used, &f), 1);
        pos += used;
        assert_int_equal(pos, off[k + 1]);
        check_frame(&f, stream + off[k], off[k + 1] - off[k]);
    }
    size_t used = 1;
    struct mfw_wrapper_frame f;
    assert_int_equal(mfw_wrapper_feed(&w, stream + pos, 0, &used, &f), 0);
    assert_int_equal(used, 0);

    /* The same stream in chunks of every size from 1 to 41: coalesced and split at once. */
    for (size_t chunk = 1; chunk <= 41; chunk++) {
        assert_int_equal(mfw_wrapper_init(&w, buf, sizeof buf), MFW_OK);
        size_t k = 0;
        for (size_t start = 0; start < total; start += chunk) {
            size_t end = start + chunk < total ? start + chunk : total, p = start;
            while (p < end) {
                int r = mfw_wrapper_feed(&w, stream + p, end - p, &used, &f);
                assert_true(r == 0 || r == 1);
                p += used;
                if (r == 1) {
                    assert_true(k < N_CLIENT);
                    assert_int_equal(p, off[k + 1]);
                    check_frame(&f, stream + off[k], off[k + 1] - off[k]);
                    k++;
                } else {
                    assert_int_equal(p, end);
                }
            }
        }
        assert_int_equal(k, N_CLIENT);
    }
}

static void test_bad_version(void **state)
{
    (void)state;
    uint8_t raw[64], buf[64];
    struct mfw_wrapper w;
    struct mfw_wrapper_frame f;
    size_t n = unhex(GET_CLOCK, raw, sizeof raw), used;

    /* second byte wrong: refused at that byte */
    raw[1] = 0x02;
    assert_int_equal(mfw_wrapper_init(&w, buf, sizeof buf), MFW_OK);
    assert_int_equal(mfw_wrapper_feed(&w, raw, n, &used, &f), MFW_E_FORMAT);
    assert_int_equal(used, 2);
    assert_int_equal(w.state, MFW_WRAPPER_FAILED);
    assert_int_equal(w.errors, 1);
    /* sticky, even for a good frame, until reset */
    raw[1] = 0x01;
    assert_int_equal(mfw_wrapper_feed(&w, raw, n, &used, &f), MFW_E_FORMAT);
    assert_int_equal(used, 0);
    mfw_wrapper_reset(&w);
    assert_int_equal(mfw_wrapper_feed(&w, raw, n, &used, &f), 1);
    check_frame(&f, raw, n);

    /* first byte wrong (an HDLC flag): refused at once */
    raw[0] = 0x7E;
    assert_int_equal(mfw_wrapper_init(&w, buf, sizeof buf), MFW_OK);
    assert_int_equal(mfw_wrapper_feed(&w, raw, n, &used, &f), MFW_E_FORMAT);
    assert_int_equal(used, 1);

    /* version 0x0000 fed byte by byte */
    raw[0] = 0x00;
    raw[1] = 0x00;
    assert_int_equal(mfw_wrapper_init(&w, buf, sizeof buf), MFW_OK);
    assert_int_equal(mfw_wrapper_feed(&w, raw, 1, &used, &f), 0);
    assert_int_equal(mfw_wrapper_feed(&w, raw + 1, 1, &used, &f), MFW_E_FORMAT);
    assert_int_equal(used, 1);

    /* a bad version after a good frame in the same buffer: the good frame first */
    uint8_t two[128];
    size_t m = unhex(RLRQ, two, sizeof two);
    memcpy(two + m, raw, n);
    assert_int_equal(mfw_wrapper_init(&w, buf, sizeof buf), MFW_OK);
    assert_int_equal(mfw_wrapper_feed(&w, two, m + n, &used, &f), 1);
    assert_int_equal(used, m);
    assert_int_equal(mfw_wrapper_feed(&w, two + used, m + n - used, &used, &f), MFW_E_FORMAT);
}

static void test_oversize(void **state)
{
    (void)state;
    uint8_t raw[64], buf[0x1F];
    struct mfw_wrapper w;
    struct mfw_wrapper_frame f;
    size_t n = unhex(AARQ, raw, sizeof raw), used;
    /* exactly cap: accepted */
    assert_int_equal(mfw_wrapper_init(&w, buf, 0x1F), MFW_OK);
    assert_int_equal(mfw_wrapper_feed(&w, raw, n, &used, &f), 1);
    /* one more than cap: refused at the last header byte, no APDU byte taken */
    assert_int_equal(mfw_wrapper_init(&w, buf, 0x1E), MFW_OK);
    assert_int_equal(mfw_wrapper_feed(&w, raw, n, &used, &f), MFW_E_NOSPACE);
    assert_int_equal(used, MFW_WRAPPER_HEADER_LEN);
    assert_int_equal(w.have, 0);
    assert_int_equal(mfw_wrapper_feed(&w, raw + used, n - used, &used, &f), MFW_E_NOSPACE);
    /* 0xFFFF announced to a small buffer */
    static const uint8_t huge[] = {0x00, 0x01, 0x00, 0x10, 0x00, 0x01, 0xFF, 0xFF, 0x60};
    assert_int_equal(mfw_wrapper_init(&w, buf, sizeof buf), MFW_OK);
    assert_int_equal(mfw_wrapper_feed(&w, huge, sizeof huge, &used, &f), MFW_E_NOSPACE);
    assert_int_equal(used, MFW_WRAPPER_HEADER_LEN);
}

/* A zero-length frame carries no APDU: skipped, counted, and the stream stays in step. */
static void test_zero_length(void **state)
{
    (void)state;
    uint8_t stream[128], buf[64];
    static const uint8_t empty[] = {0x00, 0x01, 0x00, 0x10, 0x00, 0x01, 0x00, 0x00};
    memcpy(stream, empty, sizeof empty);
    memcpy(stream + 8, empty, sizeof empty);
    size_t n = 16 + unhex(RLRQ, stream + 16, sizeof stream - 16), used;
    struct mfw_wrapper w;
    struct mfw_wrapper_frame f;
    assert_int_equal(mfw_wrapper_init(&w, buf, sizeof buf), MFW_OK);
    assert_int_equal(mfw_wrapper_feed(&w, stream, 8, &used, &f), 0);
    assert_int_equal(used, 8);
    assert_int_equal(w.empty, 1);
    assert_int_equal(mfw_wrapper_feed(&w, stream + 8, n - 8, &used, &f), 1);
    assert_int_equal(used, n - 8);
    check_frame(&f, stream + 16, n - 16);
    assert_int_equal(w.empty, 2);
    assert_int_equal(w.frames, 1);
    assert_int_equal(w.errors, 0);
}

/* The server's replies, encoded from their APDU and the request's wPorts swapped, are the
 * captured bytes exactly. */
static void test_encode_reply(void **state)
{
    (void)state;
    static const char *const pairs[][2] = {{AARQ, AARE}, {GET_CLOCK, CLOCK_RSP}, {RLRQ, RLRE}};
    uint8_t req[128], rsp[128], out[128], rxbuf[128];
    for (size_t k = 0; k < 3; k++) {
        size_t qn = unhex(pairs[k][0], req, sizeof req);
        size_t pn = unhex(pairs[k][1], rsp, sizeof rsp), used;
        struct mfw_wrapper w;
        struct mfw_wrapper_frame f;
        assert_int_equal(mfw_wrapper_init(&w, rxbuf, sizeof rxbuf), MFW_OK);
        assert_int_equal(mfw_wrapper_feed(&w, req, qn, &used, &f), 1);
        struct mfw_wcursor c;
        mfw_wcursor_init(&c, out, sizeof out);
        assert_int_equal(mfw_wrapper_encode(f.dst_wport, f.src_wport, rsp + MFW_WRAPPER_HEADER_LEN,
                                            pn - MFW_WRAPPER_HEADER_LEN, &c),
                         MFW_OK);
        assert_int_equal(c.len, pn);
        assert_memory_equal(out, rsp, pn);
    }
    /* two replies back to back in one cursor */
    struct mfw_wcursor c;
    mfw_wcursor_init(&c, out, sizeof out);
    size_t pn = unhex(RLRE, rsp, sizeof rsp);
    assert_int_equal(mfw_wrapper_encode(1, 16, rsp + 8, pn - 8, &c), MFW_OK);
    assert_int_equal(mfw_wrapper_encode(1, 16, rsp + 8, pn - 8, &c), MFW_OK);
    assert_int_equal(c.len, 2 * pn);
    assert_memory_equal(out + pn, rsp, pn);
}

static void test_encode_errors(void **state)
{
    (void)state;
    uint8_t out[16], apdu[9] = {0};
    struct mfw_wcursor c;
    mfw_wcursor_init(&c, out, sizeof out);
    assert_int_equal(mfw_wrapper_encode(1, 16, apdu, 0, &c), MFW_E_ARG);
    assert_int_equal(mfw_wrapper_encode(1, 16, NULL, 1, &c), MFW_E_ARG);
    assert_int_equal(mfw_wrapper_encode(1, 16, apdu, 0x10000, &c), MFW_E_ARG);
    assert_int_equal(c.len, 0);
    assert_int_equal(c.err, 0);
    assert_int_equal(mfw_wrapper_encode(1, 16, apdu, 9, &c), MFW_E_NOSPACE); /* 17 > 16 */
    assert_int_equal(c.len, 0);
    assert_int_equal(c.err, MFW_E_NOSPACE);
    mfw_wcursor_init(&c, out, sizeof out);
    assert_int_equal(mfw_wrapper_encode(1, 16, apdu, 8, &c), MFW_OK); /* exactly 16 */
    assert_int_equal(c.len, 16);
}

/* The header alone, in front of an APDU already in place: the captured AARE's header. */
static void test_encode_header(void **state)
{
    (void)state;
    uint8_t raw[128], out[16];
    size_t n = unhex(AARE, raw, sizeof raw);
    struct mfw_wcursor c;
    mfw_wcursor_init(&c, out, sizeof out);
    assert_int_equal(mfw_wrapper_encode_header(1, 16, n - MFW_WRAPPER_HEADER_LEN, &c), MFW_OK);
    assert_int_equal(c.len, MFW_WRAPPER_HEADER_LEN);
    assert_memory_equal(out, raw, MFW_WRAPPER_HEADER_LEN);
    mfw_wcursor_init(&c, out, sizeof out);
    assert_int_equal(mfw_wrapper_encode_header(1, 16, 0, &c), MFW_E_ARG);
    assert_int_equal(mfw_wrapper_encode_header(1, 16, 0x10000, &c), MFW_E_ARG);
    assert_int_equal(c.len, 0);
    mfw_wcursor_init(&c, out, MFW_WRAPPER_HEADER_LEN - 1);
    assert_int_equal(mfw_wrapper_encode_header(1, 16, 5, &c), MFW_E_NOSPACE);
    assert_int_equal(c.len, 0);
}

/* in_frame: from the first header byte to the last APDU byte, and not after an error. */
static void test_in_frame(void **state)
{
    (void)state;
    uint8_t raw[128], buf[64];
    size_t n = unhex(GET_CLOCK, raw, sizeof raw);
    struct mfw_wrapper w;
    assert_int_equal(mfw_wrapper_init(&w, buf, sizeof buf), MFW_OK);
    assert_false(mfw_wrapper_in_frame(&w));
    struct mfw_wrapper_frame f;
    size_t used;
    for (size_t i = 0; i + 1 < n; i++) {
        assert_int_equal(mfw_wrapper_feed(&w, raw + i, 1, &used, &f), 0);
        assert_true(mfw_wrapper_in_frame(&w));
    }
    assert_int_equal(mfw_wrapper_feed(&w, raw + n - 1, 1, &used, &f), 1);
    assert_false(mfw_wrapper_in_frame(&w));
    static const uint8_t empty[] = {0x00, 0x01, 0x00, 0x10, 0x00, 0x01, 0x00, 0x00};
    assert_int_equal(mfw_wrapper_feed(&w, empty, sizeof empty, &used, &f), 0);
    assert_false(mfw_wrapper_in_frame(&w)); /* a zero-length frame is whole at its header */
    static const uint8_t bad[] = {0x00, 0x02};
    assert_int_equal(mfw_wrapper_feed(&w, bad, sizeof bad, &used, &f), MFW_E_FORMAT);
    assert_false(mfw_wrapper_in_frame(&w));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_args),     cmocka_unit_test(test_whole_frames),
        cmocka_unit_test(test_byte_by_byte),  cmocka_unit_test(test_every_split),
        cmocka_unit_test(test_coalesced),     cmocka_unit_test(test_bad_version),
        cmocka_unit_test(test_oversize),      cmocka_unit_test(test_zero_length),
        cmocka_unit_test(test_encode_reply),  cmocka_unit_test(test_encode_errors),
        cmocka_unit_test(test_encode_header), cmocka_unit_test(test_in_frame),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
