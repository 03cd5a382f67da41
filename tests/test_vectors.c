/* SPDX-License-Identifier: Apache-2.0 */
/* The loader of the captured vectors (tests/support/vectors.h) on the captures of tests/vectors
 * and on small captures written here: the right line of each kind, from the start and from the
 * end, the wrapper header checked and stripped, and an error (never a write past the buffer) for
 * every kind of bad input. The expected bytes are read off the capture text by eye: the first and
 * last TX lines of w_public_clock.txt are the AARQ and the RLRQ. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vectors.h"

static uint8_t buf[VEC_LINE_MAX];

static void test_lines_from_both_ends(void **state)
{
    (void)state;
    size_t n = 0;
    /* TX 1: 00 01 00 10 00 01 00 1F 60 1D A1 09 ... 1D FF FF */
    assert_int_equal(vec_line("w_public_clock.txt", VEC_TX, 1, buf, sizeof buf, &n), VEC_OK);
    assert_int_equal(n, 8 + 0x1F);
    static const uint8_t head[] = {0x00, 0x01, 0x00, 0x10, 0x00, 0x01, 0x00, 0x1F, 0x60, 0x1D};
    assert_memory_equal(buf, head, sizeof head);
    assert_int_equal(buf[n - 1], 0xFF);
    /* TX -1, the last: the RLRQ 62 03 80 01 00 */
    static const uint8_t rlrq[] = {0x00, 0x01, 0x00, 0x10, 0x00, 0x01, 0x00,
                                   0x05, 0x62, 0x03, 0x80, 0x01, 0x00};
    assert_int_equal(vec_line("w_public_clock.txt", VEC_TX, -1, buf, sizeof buf, &n), VEC_OK);
    assert_int_equal(n, sizeof rlrq);
    assert_memory_equal(buf, rlrq, sizeof rlrq);
    /* 12 TX and 12 RX lines: TX 12 is TX -1, TX 13 does not exist */
    uint8_t other[VEC_LINE_MAX];
    size_t m = 0;
    assert_int_equal(vec_line("w_public_clock.txt", VEC_TX, 12, other, sizeof other, &m), VEC_OK);
    assert_int_equal(m, n);
    assert_memory_equal(other, buf, n);
    assert_int_equal(vec_line("w_public_clock.txt", VEC_TX, 13, buf, sizeof buf, &n), VEC_E_NOLINE);
    assert_int_equal(vec_line("w_public_clock.txt", VEC_RX, -13, buf, sizeof buf, &n),
                     VEC_E_NOLINE);
    assert_int_equal(vec_line("w_public_clock.txt", VEC_RX, -12, buf, sizeof buf, &n), VEC_OK);
    assert_int_equal(buf[8], 0x61); /* RX 1 is the AARE */
}

static void test_pdu_lines_and_hdlc(void **state)
{
    (void)state;
    size_t n = 0;
    /* w_gmac_clock.txt: the first TX PDU is the InitiateRequest C3 01 C1 00 0F ... 32 bytes */
    assert_int_equal(vec_line("w_gmac_clock.txt", VEC_TX_PDU, 1, buf, sizeof buf, &n), VEC_OK);
    assert_int_equal(n, 32);
    assert_int_equal(buf[0], 0xC3);
    /* the last RX PDU: the clock, C4 01 C1 00 09 0C 07 EA ... */
    assert_int_equal(vec_line("w_gmac_clock.txt", VEC_RX_PDU, -1, buf, sizeof buf, &n), VEC_OK);
    assert_int_equal(n, 36);
    static const uint8_t clock[] = {0xC4, 0x01, 0xC1, 0x00, 0x09, 0x0C, 0x07, 0xEA};
    assert_memory_equal(buf, clock, sizeof clock);
    /* the longest line of any capture fits VEC_LINE_MAX */
    assert_int_equal(vec_line("w_gmac_clock.txt", VEC_RX_PDU, -2, buf, sizeof buf, &n), VEC_OK);
    assert_true(n > 3900);
    /* the captures without ciphering have no PDU lines */
    assert_int_equal(vec_line("w_public_clock.txt", VEC_TX_PDU, 1, buf, sizeof buf, &n),
                     VEC_E_NOLINE);
    /* HDLC: SNRM 7E A0 07 03 21 93 0F 01 7E, which is no wrapper frame */
    static const uint8_t snrm[] = {0x7E, 0xA0, 0x07, 0x03, 0x21, 0x93, 0x0F, 0x01, 0x7E};
    assert_int_equal(vec_line("h_public_clock.txt", VEC_TX, 1, buf, sizeof buf, &n), VEC_OK);
    assert_int_equal(n, sizeof snrm);
    assert_memory_equal(buf, snrm, sizeof snrm);
    assert_int_equal(vec_apdu("h_public_clock.txt", VEC_TX, 1, buf, sizeof buf, &n), VEC_E_FORMAT);
}

static void test_apdu(void **state)
{
    (void)state;
    size_t n = 0;
    assert_int_equal(vec_apdu("w_lls_clock.txt", VEC_TX, 1, buf, sizeof buf, &n), VEC_OK);
    assert_int_equal(n, 0x35);
    assert_int_equal(buf[0], 0x60); /* AARQ */
    assert_int_equal(buf[1], 0x33);
    uint8_t exact[0x35];
    assert_int_equal(vec_apdu_exact("w_lls_clock.txt", VEC_TX, 1, exact, sizeof exact), VEC_OK);
    assert_memory_equal(exact, buf, sizeof exact);
    assert_int_equal(vec_apdu_exact("w_lls_clock.txt", VEC_TX, 1, exact, sizeof exact - 1),
                     VEC_E_LENGTH);
    uint8_t big[0x36];
    assert_int_equal(vec_apdu_exact("w_lls_clock.txt", VEC_TX, 1, big, sizeof big), VEC_E_LENGTH);
    assert_int_equal(vec_apdu("w_lls_clock.txt", VEC_TX_PDU, 1, buf, sizeof buf, &n), VEC_E_ARG);
}

static void test_bounded(void **state)
{
    (void)state;
    /* A buffer one byte short gets an error and not a byte past its end. */
    uint8_t small[8 + 0x1F];
    memset(small, 0xA5, sizeof small);
    size_t n = 1234;
    assert_int_equal(vec_line("w_public_clock.txt", VEC_TX, 1, small, sizeof small - 1, &n),
                     VEC_E_NOSPACE);
    assert_int_equal(small[sizeof small - 1], 0xA5);
    assert_int_equal(vec_apdu("w_public_clock.txt", VEC_TX, 1, small, 0x1F - 1, &n), VEC_E_NOSPACE);
    assert_int_equal(vec_line("w_public_clock.txt", VEC_TX, 1, small, 0, &n), VEC_E_NOSPACE);
}

static void test_bad_arguments_and_files(void **state)
{
    (void)state;
    size_t n = 0;
    assert_int_equal(vec_line("w_public_clock.txt", VEC_TX, 0, buf, sizeof buf, &n), VEC_E_ARG);
    assert_int_equal(vec_line(NULL, VEC_TX, 1, buf, sizeof buf, &n), VEC_E_ARG);
    assert_int_equal(vec_line("w_public_clock.txt", VEC_TX, 1, NULL, sizeof buf, &n), VEC_E_ARG);
    assert_int_equal(vec_line("w_public_clock.txt", VEC_TX, 1, buf, sizeof buf, NULL), VEC_E_ARG);
    assert_int_equal(vec_line("w_public_clock.txt", (enum vec_kind)7, 1, buf, sizeof buf, &n),
                     VEC_E_ARG);
    assert_int_equal(vec_line("no_such_capture.txt", VEC_TX, 1, buf, sizeof buf, &n), VEC_E_OPEN);
    assert_string_equal(vec_error_name(VEC_E_OPEN), "VEC_E_OPEN");
    assert_string_equal(vec_error_name(VEC_E_LENGTH), "VEC_E_LENGTH");
    assert_string_equal(vec_error_name(42), "?");
}

/* Writes text to a file of its own and returns its path (with a '/': read as it is). */
static const char *capture_file(const char *name, const char *text)
{
    static char path[256];
    snprintf(path, sizeof path, "./test_vectors_%s.txt", name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
    return path;
}

static void test_malformed_captures(void **state)
{
    (void)state;
    size_t n = 0;
    /* CRLF and LF lines, other lines skipped, and no final newline */
    const char *p =
        capture_file("ok", "Connecting\r\nTX: 00 01\r\nnoise TX: 99\nRX: 0A 0b\nTX: FF");
    assert_int_equal(vec_line(p, VEC_TX, 1, buf, sizeof buf, &n), VEC_OK);
    assert_int_equal(n, 2);
    assert_int_equal(vec_line(p, VEC_TX, 2, buf, sizeof buf, &n), VEC_OK);
    assert_int_equal(n, 1);
    assert_int_equal(buf[0], 0xFF);
    assert_int_equal(vec_line(p, VEC_RX, 1, buf, sizeof buf, &n), VEC_OK);
    assert_int_equal(buf[1], 0x0B);
    assert_int_equal(vec_line(p, VEC_TX, -3, buf, sizeof buf, &n), VEC_E_NOLINE);
    remove(p);
    static const char *const bad[] = {
        "TX: 0G\n",     /* not a hex digit */
        "TX: 001\n",    /* three digits */
        "TX: 00  01\n", /* two spaces */
        "TX: 00 01 \n", /* a trailing space */
        "TX: 0\n",      /* half a byte */
        "TX:  00\n",    /* a space too many after the colon */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        p = capture_file("bad", bad[i]);
        assert_int_equal(vec_line(p, VEC_TX, 1, buf, sizeof buf, &n), VEC_E_FORMAT);
        remove(p);
    }
    /* "TX: " with nothing after it is no byte line; "TX:" alone is no TX line at all */
    p = capture_file("empty", "TX: \nTX:\n");
    assert_int_equal(vec_line(p, VEC_TX, 1, buf, sizeof buf, &n), VEC_E_FORMAT);
    assert_int_equal(vec_line(p, VEC_TX, 2, buf, sizeof buf, &n), VEC_E_NOLINE);
    remove(p);
    /* a line of VEC_LINE_MAX + 1 bytes does not fit; one of 5000 is too long to read */
    static const struct {
        size_t bytes;
        int rc;
    } longer[] = {{VEC_LINE_MAX + 1, VEC_E_NOSPACE}, {5000, VEC_E_FORMAT}};
    for (size_t i = 0; i < 2; i++) {
        size_t len = 4 + 3 * longer[i].bytes;
        char *text = malloc(len + 1);
        assert_non_null(text);
        memcpy(text, "TX: ", 4);
        for (size_t k = 0; k < longer[i].bytes; k++)
            memcpy(text + 4 + 3 * k, "AB ", 3);
        text[len - 1] = '\n';
        text[len] = '\0';
        p = capture_file("long", text);
        free(text);
        assert_int_equal(vec_line(p, VEC_TX, 1, buf, sizeof buf, &n), longer[i].rc);
        remove(p);
    }
    /* wrapper frames: a length field that does not count the rest, a version 2 */
    p = capture_file("wrap", "TX: 00 01 00 10 00 01 00 03 AA BB\nTX: 00 02 00 10 00 01 00 01 AA\n");
    assert_int_equal(vec_apdu(p, VEC_TX, 1, buf, sizeof buf, &n), VEC_E_FORMAT);
    assert_int_equal(vec_apdu(p, VEC_TX, 2, buf, sizeof buf, &n), VEC_E_FORMAT);
    remove(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines_from_both_ends),
        cmocka_unit_test(test_pdu_lines_and_hdlc),
        cmocka_unit_test(test_apdu),
        cmocka_unit_test(test_bounded),
        cmocka_unit_test(test_bad_arguments_and_files),
        cmocka_unit_test(test_malformed_captures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
