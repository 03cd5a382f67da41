/* SPDX-License-Identifier: Apache-2.0 */
/* IEC 62056-21 mode E entry (include/meterfw/link/iec62056_21.h), against the messages of
 * IEC 62056-21:2002 6.3 [M] as the brief and references/consumer-formats.md section 5 give them:
 * request "/?!" CR LF (or "/?" address "!" CR LF), identification "/" XXX Z ["\" W] ident CR LF,
 * option select ACK V Z Y CR LF with V '2' Y '2' for mode E (the Gurux client sends 06 32 Z 32 0D
 * 0A), baud rate characters '0'..'6' = 300 << Z. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "meterfw/base/error.h"
#include "meterfw/link/iec62056_21.h"

static struct mfw_iec62056_21 E;

static void init(const char *address)
{
    struct mfw_iec62056_21_config c;
    mfw_iec62056_21_default_config(&c);
    memcpy(c.ident, "382M00000001", 13);
    strcpy(c.address, address);
    assert_int_equal(mfw_iec62056_21_init(&E, &c), MFW_OK);
}

/* Feeds a string at now: the event (NONE when all was used without one) and the bytes used. */
static uint8_t feed(const char *s, size_t n, mfw_ms_t now, size_t *used,
                    struct mfw_iec62056_21_event *ev)
{
    int r = mfw_iec62056_21_feed(&E, (const uint8_t *)s, n, now, used, ev);
    assert_true(r == 0 || r == 1);
    return r == 1 ? ev->kind : MFW_IEC62056_21_EV_NONE;
}

static void test_baud_characters(void **state)
{
    (void)state;
    static const uint32_t want[7] = {300, 600, 1200, 2400, 4800, 9600, 19200};
    for (uint8_t z = 0; z < 7; z++)
        assert_int_equal(mfw_iec62056_21_baud(z), want[z]);
    assert_int_equal(mfw_iec62056_21_baud(7), 0);
}

/* The whole mode E opening, in one piece and byte by byte. */
static void test_mode_e(void **state)
{
    (void)state;
    static const char req[] = "/?!\r\n", ack[] = "\x06"
                                                 "252\r\n";
    static const char ident[] = "/MFW5\\2382M00000001\r\n";
    for (int bytewise = 0; bytewise < 2; bytewise++) {
        init("");
        struct mfw_iec62056_21_event ev;
        size_t used = 0, off = 0;
        uint8_t kind = MFW_IEC62056_21_EV_NONE;
        while (off < 5 && kind == MFW_IEC62056_21_EV_NONE) {
            kind = feed(req + off, bytewise ? 1 : 5 - off, 1000, &used, &ev);
            off += used;
        }
        assert_int_equal(kind, MFW_IEC62056_21_EV_SEND);
        assert_int_equal(off, 5);
        assert_int_equal(ev.len, sizeof ident - 1);
        assert_memory_equal(ev.msg, ident, ev.len);
        assert_int_equal(ev.at, 1200); /* 200 ms reaction time */
        assert_int_equal(E.state, MFW_IEC62056_21_OPTION);
        off = 0;
        kind = MFW_IEC62056_21_EV_NONE;
        /* the option select, with the first HDLC byte behind it: the switch stops before it */
        static const char tail[] = "\x06"
                                   "252\r\n\x7E";
        while (off < 7 && kind == MFW_IEC62056_21_EV_NONE) {
            kind = feed(tail + off, bytewise ? 1 : 7 - off, 2500, &used, &ev);
            off += used;
        }
        assert_int_equal(kind, MFW_IEC62056_21_EV_SWITCH);
        assert_int_equal(off, 6);
        assert_int_equal(ev.baud, 9600);
        assert_int_equal(E.state, MFW_IEC62056_21_HDLC);
        /* then it takes nothing */
        assert_int_equal(feed(ack, 6, 2600, &used, &ev), MFW_IEC62056_21_EV_NONE);
        assert_int_equal(used, 0);
    }
}

/* A lower rate than proposed is taken; a higher one, a wrong V or a broken message is refused
 * silently; a readout request (V 0, Y 0) is reported; parity bits are ignored (7 data bits). */
static void test_option_select(void **state)
{
    (void)state;
    struct mfw_iec62056_21_event ev;
    size_t used;
    init("");
    assert_int_equal(feed("/?!\r\n", 5, 0, &used, &ev), MFW_IEC62056_21_EV_SEND);
    assert_int_equal(feed("\x06"
                          "232\r\n",
                          6, 100, &used, &ev),
                     MFW_IEC62056_21_EV_SWITCH);
    assert_int_equal(ev.baud, 2400);
    init("");
    assert_int_equal(feed("/?!\r\n", 5, 0, &used, &ev), MFW_IEC62056_21_EV_SEND);
    assert_int_equal(feed("\x06"
                          "262\r\n",
                          6, 100, &used, &ev),
                     MFW_IEC62056_21_EV_NONE);
    assert_int_equal(E.state, MFW_IEC62056_21_IDLE);
    init("");
    assert_int_equal(feed("/?!\r\n", 5, 0, &used, &ev), MFW_IEC62056_21_EV_SEND);
    assert_int_equal(feed("\x06"
                          "050\r\n",
                          6, 100, &used, &ev),
                     MFW_IEC62056_21_EV_READOUT);
    assert_int_equal(E.state, MFW_IEC62056_21_IDLE);
    init("");
    assert_int_equal(feed("/?!\r\n", 5, 0, &used, &ev), MFW_IEC62056_21_EV_SEND);
    assert_int_equal(feed("\x06"
                          "051\r\n",
                          6, 100, &used, &ev),
                     MFW_IEC62056_21_EV_PROGRAM);
    init("");
    assert_int_equal(feed("/?!\r\n", 5, 0, &used, &ev), MFW_IEC62056_21_EV_SEND);
    assert_int_equal(feed("\x06"
                          "25\r\n",
                          5, 100, &used, &ev),
                     MFW_IEC62056_21_EV_NONE);
    assert_int_equal(E.state, MFW_IEC62056_21_IDLE);
    /* with even parity in bit 7, as an 8-bit line would carry 7E1 characters: '/' = 0x2F has
     * five ones -> 0xAF, '?' 0x3F six -> 0x3F, '!' 0x21 two -> 0x21, CR three -> 0x8D, LF 0x0A
     * two -> 0x0A */
    init("");
    assert_int_equal(feed("\xAF\x3F\x21\x8D\x0A", 5, 0, &used, &ev), MFW_IEC62056_21_EV_SEND);
}

/* The device address: an empty one in the request is for every meter, the meter's own is
 * answered, another one not. */
static void test_address(void **state)
{
    (void)state;
    struct mfw_iec62056_21_event ev;
    size_t used;
    init("00000001");
    assert_int_equal(feed("/?!\r\n", 5, 0, &used, &ev), MFW_IEC62056_21_EV_SEND);
    init("00000001");
    assert_int_equal(feed("/?00000001!\r\n", 13, 0, &used, &ev), MFW_IEC62056_21_EV_SEND);
    init("00000001");
    assert_int_equal(feed("/?00000002!\r\n", 13, 0, &used, &ev), MFW_IEC62056_21_EV_NONE);
    assert_int_equal(E.refused, 1);
    init("");
    assert_int_equal(feed("/?00000002!\r\n", 13, 0, &used, &ev), MFW_IEC62056_21_EV_NONE);
    /* 32 characters is the longest address; more is refused */
    init("");
    static const char a33[] = "/?123456789012345678901234567890123!\r\n";
    assert_int_equal(feed(a33, sizeof a33 - 1, 0, &used, &ev), MFW_IEC62056_21_EV_NONE);
}

/* Time-outs: a request with a gap above 1500 ms is dropped; an option select that does not come
 * within the wait is not taken; a new '/' always starts again; noise while listening is ignored. */
static void test_timeouts_and_restart(void **state)
{
    (void)state;
    struct mfw_iec62056_21_event ev;
    size_t used;
    init("");
    assert_int_equal(feed("/?", 2, 0, &used, &ev), MFW_IEC62056_21_EV_NONE);
    assert_int_equal(feed("!\r\n", 3, 1501, &used, &ev), MFW_IEC62056_21_EV_NONE);
    assert_int_equal(E.state, MFW_IEC62056_21_IDLE);
    assert_int_equal(feed("/?", 2, 2000, &used, &ev), MFW_IEC62056_21_EV_NONE);
    assert_int_equal(feed("!\r\n", 3, 3500, &used, &ev), MFW_IEC62056_21_EV_SEND); /* 1500: ok */
    /* the option select must begin within reaction + the identification's line time at 300 Bd
     * + 5 s: 200 + 21 x 33.3 + 5000 = 5900 ms after the request */
    assert_int_equal(feed("\x06"
                          "252\r\n",
                          6, 3500 + 5901, &used, &ev),
                     MFW_IEC62056_21_EV_NONE);
    init("");
    assert_int_equal(feed("/?!\r\n", 5, 0, &used, &ev), MFW_IEC62056_21_EV_SEND);
    assert_int_equal(feed("\x06"
                          "252\r\n",
                          6, 5900, &used, &ev),
                     MFW_IEC62056_21_EV_SWITCH);
    /* restart in the middle, garbage before */
    init("");
    assert_int_equal(feed("xx/?12/?!\r\n", 11, 0, &used, &ev), MFW_IEC62056_21_EV_SEND);
    assert_int_equal(used, 11);
    assert_int_equal(feed("/?!\r\n", 5, 100, &used, &ev), MFW_IEC62056_21_EV_SEND);
    assert_int_equal(E.answered, 2);
}

static void test_init_args(void **state)
{
    (void)state;
    struct mfw_iec62056_21_config c;
    mfw_iec62056_21_default_config(&c);
    assert_int_equal(mfw_iec62056_21_init(NULL, &c), MFW_E_ARG);
    c.prop_baud = 7;
    assert_int_equal(mfw_iec62056_21_init(&E, &c), MFW_E_ARG);
    mfw_iec62056_21_default_config(&c);
    memcpy(c.flag, "M1W", 4);
    assert_int_equal(mfw_iec62056_21_init(&E, &c), MFW_E_ARG);
    mfw_iec62056_21_default_config(&c);
    memcpy(c.ident, "a(b", 4);
    assert_int_equal(mfw_iec62056_21_init(&E, &c), MFW_E_ARG);
    c.ident[0] = '\0';
    assert_int_equal(mfw_iec62056_21_init(&E, &c), MFW_E_ARG);
    mfw_iec62056_21_default_config(&c);
    size_t used;
    struct mfw_iec62056_21_event ev;
    assert_int_equal(mfw_iec62056_21_init(&E, &c), MFW_OK);
    assert_int_equal(mfw_iec62056_21_feed(&E, NULL, 1, 0, &used, &ev), MFW_E_ARG);
    assert_int_equal(mfw_iec62056_21_feed(&E, NULL, 0, 0, &used, &ev), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_baud_characters),      cmocka_unit_test(test_mode_e),
        cmocka_unit_test(test_option_select),        cmocka_unit_test(test_address),
        cmocka_unit_test(test_timeouts_and_restart), cmocka_unit_test(test_init_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
