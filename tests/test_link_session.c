/* SPDX-License-Identifier: Apache-2.0 */
/* Link sessions (include/meterfw/link/link.h) over the IEC 62056-47 wrapper, on a real DLMS server
 * and a meter without flash. Time is an argument: every time-out is tested at its exact instant.
 *
 * Every expected byte is written by hand:
 *   - the wrapper header (IEC 62056-47:2006 5.3.2): version 00 01, source wPort, destination
 *     wPort, APDU length, all big-endian; a reply swaps the request's wPorts;
 *   - the APDUs the DLMS server answers with (Green Book, xDLMS and ACSE ASN.1, A-XDR/BER):
 *       ExceptionResponse [216] D8 state-error service-error: D8 01 01 (service-not-allowed,
 *       operation-not-possible) for a GET before an association; D8 02 02 (service-unknown,
 *       service-not-supported) for an APDU tag the server does not know;
 *       the AARE of the public client (application context LN, result accepted, acse-service-user
 *       null, InitiateResponse: DLMS version 6, conformance = what Gurux proposes 40 1E 1D AND what
 *       the public association allows (block-transfer-with-get bit 11, multiple-references 14, get
 *       19, selective-access 21) = 00 12 14, server max receive PDU 1024 = 04 00, VAA name 0007);
 *       the RLRE with reason normal: 63 03 80 01 00. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hexbytes.h"
#include "vectors.h"

#include "meterfw/base/error.h"
#include "meterfw/cosem/cosem.h"
#include "meterfw/dlms/dlms_server.h"
#include "meterfw/link/link.h"
#include "meterfw/meter/meter.h"

#define T0 1767225600000LL /* 2026-01-01T00:00:00Z, the meter's clock */

/* GET-Request-Normal of the clock's time (class 8, 0.0.1.0.0.255, attribute 2) from the public
 * client, wPort 16 -> 1 (w_public_clock.txt). */
#define GET_CLOCK_16_1 "00 01 00 10 00 01 00 0D C0 01 C1 00 08 00 00 01 00 00 FF 02 00"
#define EXC_NOT_ALLOWED_1_16 "00 01 00 01 00 10 00 03 D8 01 01"

struct rig {
    struct mfw_meter m;
    struct mfw_cosem cosem;
    struct mfw_dlms_server dlms;
    struct mfw_link link;
    uint8_t got[8192];
    size_t got_len;
};

static struct rig *rig; /* large: off the stack, allocated once */

static int setup_rig(void **state)
{
    (void)state;
    static struct rig r;
    rig = &r;
    struct mfw_meter_config cfg;
    mfw_meter_default_config(&cfg, MFW_METER_382M);
    struct mfw_hal none;
    memset(&none, 0, sizeof none); /* no flash: the meter runs without storage */
    assert_int_equal(mfw_meter_init(&rig->m, &cfg, &none, T0), MFW_OK);
    return 0;
}

/* The link's optional policies off (mfw_link_default_config turns them on): what the tests of
 * the framing and of each policy on its own start from. */
static void policies_off(struct mfw_link_config *lc)
{
    mfw_link_default_config(lc);
    lc->associate_timeout_ms = 0;
    lc->frame_timeout_ms = 0;
    lc->evict = false;
}

/* A fresh DLMS server (inactivity_s, max_pdu) and link (cfg, or every optional policy off). */
static void start(uint16_t inactivity_s, uint16_t max_pdu, const struct mfw_link_config *cfg)
{
    struct mfw_cosem_config cc;
    mfw_cosem_default_config(&cc);
    cc.inactivity_s = inactivity_s;
    assert_int_equal(mfw_cosem_init(&rig->cosem, &rig->m, &cc), MFW_OK);
    struct mfw_dlms_server_config dc;
    mfw_dlms_server_default_config(&dc);
    dc.max_pdu = max_pdu;
    assert_int_equal(mfw_dlms_server_init(&rig->dlms, &rig->cosem, &dc), MFW_OK);
    struct mfw_link_config lc;
    policies_off(&lc);
    assert_int_equal(mfw_link_init(&rig->link, &rig->dlms, cfg ? cfg : &lc), MFW_OK);
    rig->got_len = 0;
}

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = hex_decode(s, out, cap);
    assert_true(n != HEX_BAD);
    return n;
}

/* Feeds p[n] as a port would: after every call it sends the whole reply (appended to rig->got)
 * and feeds the rest again. Returns the bytes consumed (n unless the session closed). */
static size_t pump(unsigned id, const uint8_t *p, size_t n, mfw_ms_t now)
{
    size_t off = 0;
    for (int guard = 0;; guard++) {
        assert_true(guard < 10000);
        struct mfw_link_out out;
        off += mfw_link_feed(&rig->link, id, p + off, n - off, now, &out);
        assert_true(off <= n);
        if (out.tx_len > 0) {
            assert_non_null(out.tx);
            assert_true(rig->got_len + out.tx_len <= sizeof rig->got);
            memcpy(rig->got + rig->got_len, out.tx, out.tx_len);
            rig->got_len += out.tx_len;
            assert_int_equal(mfw_link_sent(&rig->link, id, out.tx_len), MFW_OK);
            continue;
        }
        if (off == n || out.close)
            return off;
        fail_msg("no progress at %zu of %zu", off, n);
    }
}

static void expect_got(const char *hex)
{
    uint8_t want[4096];
    size_t n = unhex(hex, want, sizeof want);
    assert_int_equal(rig->got_len, n);
    assert_memory_equal(rig->got, want, n);
}

static unsigned open_one(mfw_ms_t now)
{
    int evicted = 99;
    int id = mfw_link_open(&rig->link, MFW_LINK_WRAPPER, now, &evicted);
    assert_true(id >= 0 && id < (int)MFW_ASSOCIATIONS_MAX);
    assert_int_equal(evicted, -1);
    return (unsigned)id;
}

static void expect_close(unsigned id, enum mfw_link_close_reason why)
{
    struct mfw_link_out out;
    mfw_link_output(&rig->link, id, &out);
    assert_true(out.close);
    assert_int_equal(out.reason, why);
    assert_int_equal(out.tx_len, 0);
}

static void expect_open(unsigned id)
{
    struct mfw_link_out out;
    mfw_link_output(&rig->link, id, &out);
    assert_false(out.close);
    assert_int_equal(rig->link.sessions[id].state, MFW_LINK_OPEN);
}

/* ---- framing and replies --------------------------------------------------------------------- */

static void test_init_args(void **state)
{
    (void)state;
    start(120, 1024, NULL);
    struct mfw_link_config lc;
    mfw_link_default_config(&lc); /* options.h: the policies on (docs/link.md) */
    assert_int_equal(lc.associate_timeout_ms, 10000);
    assert_int_equal(lc.frame_timeout_ms, 5000);
    assert_true(lc.evict);
    struct mfw_link l;
    assert_int_equal(mfw_link_init(NULL, &rig->dlms, &lc), MFW_E_ARG);
    assert_int_equal(mfw_link_init(&l, NULL, &lc), MFW_E_ARG);
    assert_int_equal(mfw_link_init(&l, &rig->dlms, NULL), MFW_E_ARG);
    assert_int_equal(mfw_link_open(NULL, MFW_LINK_WRAPPER, 0, NULL), MFW_E_ARG);
    assert_int_equal(mfw_link_open(&rig->link, (enum mfw_link_kind)0, 0, NULL), MFW_E_ARG);
    assert_int_equal(mfw_link_count(&rig->link), 0);
}

/* The reply goes from the request's destination wPort to its source wPort. */
static void test_reply_swaps_wports(void **state)
{
    (void)state;
    start(120, 1024, NULL);
    unsigned id = open_one(0);
    uint8_t f[64];
    /* public client 16 -> logical device 1: reply 1 -> 16 */
    size_t n = unhex(GET_CLOCK_16_1, f, sizeof f);
    assert_int_equal(pump(id, f, n, 10), n);
    expect_got(EXC_NOT_ALLOWED_1_16);
    /* 16 -> 0x0102: reply 0x0102 -> 16 (the link does not judge the logical device) */
    rig->got_len = 0;
    n = unhex("00 01 00 10 01 02 00 0D C0 01 C1 00 08 00 00 01 00 00 FF 02 00", f, sizeof f);
    assert_int_equal(pump(id, f, n, 20), n);
    expect_got("00 01 01 02 00 10 00 03 D8 01 01");
    /* 0x0030 -> 0x0001, an APDU tag nobody knows: reply 1 -> 0x30, service-unknown */
    rig->got_len = 0;
    n = unhex("00 01 00 30 00 01 00 02 01 02", f, sizeof f);
    assert_int_equal(pump(id, f, n, 30), n);
    expect_got("00 01 00 01 00 30 00 03 D8 02 02");
    /* a source wPort above 0xFF is no client SAP: no answer, the session stays open */
    rig->got_len = 0;
    n = unhex("00 01 01 00 00 01 00 02 01 02", f, sizeof f);
    assert_int_equal(pump(id, f, n, 40), n);
    assert_int_equal(rig->got_len, 0);
    expect_open(id);
    assert_int_equal(rig->link.stats.apdus_in, 4);
    assert_int_equal(rig->link.stats.apdus_out, 3);
}

/* A stream of six frames and the replies to them, all by hand. */
static const char STREAM[] =
    /* GET before any association, 16 -> 1 */
    GET_CLOCK_16_1
    /* an unknown APDU from client 0x20 */
    "00 01 00 20 00 01 00 03 01 02 03"
    /* a zero-length frame: no APDU, no answer */
    "00 01 00 10 00 01 00 00"
    /* the public client's AARQ (Gurux, w_public_clock.txt) */
    "00 01 00 10 00 01 00 1F 60 1D A1 09 06 07 60 85 74 05 08 01 01 BE 10 04 0E 01 00 00 00 06 "
    "5F 1F 04 00 40 1E 1D FF FF"
    /* RLRQ, reason normal */
    "00 01 00 10 00 01 00 05 62 03 80 01 00"
    /* GET again: released, so not allowed again */
    GET_CLOCK_16_1;
static const char STREAM_REPLIES[] =
    EXC_NOT_ALLOWED_1_16 "00 01 00 01 00 20 00 03 D8 02 02"
                         /* AARE, 43 bytes */
                         "00 01 00 01 00 10 00 2B 61 29 A1 09 06 07 60 85 74 05 08 01 01 A2 03 02 "
                         "01 00 A3 05 A1 03 02 01 00 BE 10 04 0E 08 00 06 5F 1F 04 00 00 12 14 04 "
                         "00 00 07"
                         /* RLRE */
                         "00 01 00 01 00 10 00 05 63 03 80 01 00" EXC_NOT_ALLOWED_1_16;

/* Whole, in every split into two and into three pieces, byte by byte: the same replies. */
static void test_splits(void **state)
{
    (void)state;
    uint8_t s[256];
    size_t n = unhex(STREAM, s, sizeof s);
    assert_int_equal(n, 21 + 11 + 8 + 39 + 13 + 21);
    /* coalesced: one piece */
    start(120, 1024, NULL);
    unsigned id = open_one(0);
    assert_int_equal(pump(id, s, n, 1), n);
    expect_got(STREAM_REPLIES);
    assert_false(rig->link.sessions[id].associated);
    /* two and three pieces, every boundary */
    for (size_t i = 0; i <= n; i++) {
        for (size_t j = i; j <= n; j++) {
            start(120, 1024, NULL);
            id = open_one(0);
            assert_int_equal(pump(id, s, i, 1), i);
            assert_int_equal(pump(id, s + i, j - i, 2), j - i);
            assert_int_equal(pump(id, s + j, n - j, 3), n - j);
            expect_got(STREAM_REPLIES);
        }
    }
    /* byte by byte */
    start(120, 1024, NULL);
    id = open_one(0);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(pump(id, s + i, 1, (mfw_ms_t)i), 1);
    expect_got(STREAM_REPLIES);
    expect_open(id);
}

/* Between AARQ and RLRQ the session is associated, as the DLMS server says. */
static void test_association_followed(void **state)
{
    (void)state;
    start(120, 1024, NULL);
    unsigned id = open_one(0);
    uint8_t s[256];
    size_t n = unhex(STREAM, s, sizeof s);
    size_t aarq_end = 21 + 11 + 8 + 39;
    assert_int_equal(pump(id, s, aarq_end, 5), aarq_end);
    assert_true(rig->link.sessions[id].associated);
    assert_true(rig->dlms.a[id].associated);
    assert_int_equal(pump(id, s + aarq_end, n - aarq_end, 9), n - aarq_end);
    assert_false(rig->link.sessions[id].associated);
    assert_int_equal(rig->link.sessions[id].unassociated_at, 9); /* released at 9 */
}

/* One reply at a time: the next frame waits in the port until the reply is sent. */
static void test_one_reply_at_a_time(void **state)
{
    (void)state;
    start(120, 1024, NULL);
    unsigned id = open_one(0);
    uint8_t two[64];
    size_t n = unhex(GET_CLOCK_16_1 GET_CLOCK_16_1, two, sizeof two);
    struct mfw_link_out out;
    assert_int_equal(mfw_link_feed(&rig->link, id, two, n, 1, &out), 21);
    uint8_t want[16];
    size_t wn = unhex(EXC_NOT_ALLOWED_1_16, want, sizeof want);
    assert_int_equal(out.tx_len, wn);
    assert_memory_equal(out.tx, want, wn);
    assert_false(out.close);
    /* not sent yet: nothing more is taken */
    assert_int_equal(mfw_link_feed(&rig->link, id, two + 21, n - 21, 2, &out), 0);
    assert_int_equal(out.tx_len, wn);
    /* a partial send leaves the rest; more than what waits is refused */
    assert_int_equal(mfw_link_sent(&rig->link, id, 5), MFW_OK);
    mfw_link_output(&rig->link, id, &out);
    assert_int_equal(out.tx_len, wn - 5);
    assert_memory_equal(out.tx, want + 5, wn - 5);
    assert_int_equal(mfw_link_sent(&rig->link, id, wn - 5 + 1), MFW_E_ARG);
    assert_int_equal(mfw_link_feed(&rig->link, id, two + 21, n - 21, 3, &out), 0);
    assert_int_equal(mfw_link_sent(&rig->link, id, wn - 5), MFW_OK);
    mfw_link_output(&rig->link, id, &out);
    assert_int_equal(out.tx_len, 0);
    assert_null(out.tx);
    /* sent: the second frame goes through */
    assert_int_equal(mfw_link_feed(&rig->link, id, two + 21, n - 21, 4, &out), 21);
    assert_int_equal(out.tx_len, wn);
    assert_memory_equal(out.tx, want, wn);
}

/* ---- the close policy ------------------------------------------------------------------------ */

/* Green Book, TCP-UDP profile: a wrong wrapper version closes the connection. */
static void test_bad_version_closes(void **state)
{
    (void)state;
    start(120, 1024, NULL);
    /* HDLC's opening flag 7E: refused at the first byte */
    unsigned a = open_one(0);
    static const uint8_t hdlc[] = {0x7E, 0xA0, 0x07, 0x03, 0x21, 0x93, 0x0F, 0x01, 0x7E};
    struct mfw_link_out out;
    assert_int_equal(mfw_link_feed(&rig->link, a, hdlc, sizeof hdlc, 1, &out), 1);
    assert_true(out.close);
    assert_int_equal(out.reason, MFW_LINK_CLOSE_VERSION);
    /* version 0x0002: refused at its second byte */
    unsigned b = open_one(0);
    static const uint8_t v2[] = {0x00, 0x02, 0x00, 0x10, 0x00, 0x01, 0x00, 0x01, 0xC0};
    assert_int_equal(mfw_link_feed(&rig->link, b, v2, sizeof v2, 1, &out), 2);
    expect_close(b, MFW_LINK_CLOSE_VERSION);
    /* associated, then a good frame and a bad one in one piece: the good one is answered, then
     * the session closes and its association is released at once */
    unsigned c = open_one(0);
    uint8_t s[256];
    unhex(STREAM, s, sizeof s);
    size_t aarq_at = 21 + 11 + 8, aarq_len = 39;
    assert_int_equal(pump(c, s + aarq_at, aarq_len, 2), aarq_len);
    assert_true(rig->dlms.a[c].associated);
    rig->got_len = 0;
    uint8_t mix[64];
    size_t m = unhex("00 01 00 10 00 01 00 03 01 02 03 00 01 00 10 00 01 00 FF", mix, sizeof mix);
    mix[12] = 0x03; /* version 0x0003 in the second frame */
    assert_int_equal(pump(c, mix, m, 3), 13);
    expect_got("00 01 00 01 00 10 00 03 D8 02 02");
    expect_close(c, MFW_LINK_CLOSE_VERSION);
    assert_false(rig->dlms.a[c].associated);
    assert_false(rig->link.sessions[c].associated);
    /* closed stays closed: nothing taken, no reply, time changes nothing */
    assert_int_equal(mfw_link_feed(&rig->link, c, s, 21, 4, &out), 0);
    assert_true(out.close);
    assert_int_equal(out.tx_len, 0);
    assert_int_equal(mfw_link_poll(&rig->link, 10 * 60 * 1000), 0);
    expect_close(c, MFW_LINK_CLOSE_VERSION);
    assert_int_equal(rig->link.stats.closed[MFW_LINK_CLOSE_VERSION], 3);
    /* until the port closes it: then the slot is free */
    assert_int_equal(mfw_link_count(&rig->link), 3);
    mfw_link_close(&rig->link, c);
    expect_close(c, MFW_LINK_CLOSE_NOT_OPEN);
    assert_int_equal(mfw_link_count(&rig->link), 2);
    assert_int_equal(rig->link.stats.closed[MFW_LINK_CLOSE_TRANSPORT], 0); /* it was closing */
}

static void oversize_case(uint16_t max_pdu)
{
    start(120, max_pdu, NULL);
    /* exactly max_pdu: taken (an unknown tag, so the answer is service-unknown) */
    static uint8_t f[8 + 4096];
    memset(f, 0x01, sizeof f);
    f[0] = 0x00, f[1] = 0x01, f[2] = 0x00, f[3] = 0x10, f[4] = 0x00, f[5] = 0x01;
    f[6] = (uint8_t)(max_pdu >> 8), f[7] = (uint8_t)max_pdu;
    unsigned a = open_one(0);
    assert_int_equal(pump(a, f, 8u + max_pdu, 1), 8u + max_pdu);
    expect_got("00 01 00 01 00 10 00 03 D8 02 02");
    expect_open(a);
    /* one more: refused at the header, nothing of the APDU read */
    uint16_t over = (uint16_t)(max_pdu + 1);
    f[6] = (uint8_t)(over >> 8), f[7] = (uint8_t)over;
    struct mfw_link_out out;
    assert_int_equal(mfw_link_feed(&rig->link, a, f, 8u + over, 2, &out), 8);
    assert_true(out.close);
    assert_int_equal(out.reason, MFW_LINK_CLOSE_OVERSIZE);
    assert_int_equal(rig->link.stats.closed[MFW_LINK_CLOSE_OVERSIZE], 1);
}

/* An APDU over the server-max-receive-pdu-size (what the AARE announces) closes. */
static void test_oversize_closes(void **state)
{
    (void)state;
    oversize_case(1024); /* MFW_DLMS_SERVER_MAX_PDU */
    oversize_case(256);  /* a server configured smaller */
    struct mfw_dlms_server_config dc;
    mfw_dlms_server_default_config(&dc);
    assert_int_equal(dc.max_pdu, MFW_LINK_RX_APDU_MAX); /* the buffer is the PDU, no more */
}

/* IC 41 inactivity_time_out: no complete frame for that long closes, at that very ms. */
static void test_inactivity_exact(void **state)
{
    (void)state;
    start(2, 1024, NULL); /* 2 s */
    unsigned id = open_one(1000);
    mfw_ms_t at = 0;
    assert_true(mfw_link_next_deadline(&rig->link, &at));
    assert_int_equal(at, 3000);
    assert_int_equal(mfw_link_poll(&rig->link, 2999), 0);
    expect_open(id);
    /* a complete frame at 2500 restarts it: 4500 */
    uint8_t f[64];
    size_t n = unhex(GET_CLOCK_16_1, f, sizeof f);
    assert_int_equal(pump(id, f, n, 2500), n);
    assert_true(mfw_link_next_deadline(&rig->link, &at));
    assert_int_equal(at, 4500);
    /* neither part of a frame nor a zero-length frame is activity */
    assert_int_equal(pump(id, f, 10, 4000), 10);
    assert_true(mfw_link_next_deadline(&rig->link, &at));
    assert_int_equal(at, 4500);
    assert_int_equal(pump(id, f + 10, n - 10, 4100), n - 10); /* completes: restarts, 6100 */
    static const uint8_t empty[] = {0x00, 0x01, 0x00, 0x10, 0x00, 0x01, 0x00, 0x00};
    assert_int_equal(pump(id, empty, sizeof empty, 6000), sizeof empty);
    assert_int_equal(pump(id, f, 5, 6050), 5);
    assert_int_equal(mfw_link_poll(&rig->link, 6099), 0);
    expect_open(id);
    assert_int_equal(mfw_link_poll(&rig->link, 6100), 1);
    expect_close(id, MFW_LINK_CLOSE_INACTIVITY);
    assert_false(mfw_link_next_deadline(&rig->link, &at)); /* closing: no deadline of its own */
    assert_int_equal(mfw_link_poll(&rig->link, 6101), 0);  /* closed once */
    assert_int_equal(rig->link.stats.closed[MFW_LINK_CLOSE_INACTIVITY], 1);
    mfw_link_close(&rig->link, id);

    /* a feed at the deadline closes before it takes a byte, and a reply not sent is dropped */
    id = open_one(10000);
    struct mfw_link_out out;
    assert_int_equal(mfw_link_feed(&rig->link, id, f, n, 11999, &out), n);
    assert_true(out.tx_len > 0);
    assert_int_equal(mfw_link_feed(&rig->link, id, f, n, 13998, &out), 0); /* reply waits */
    assert_false(out.close);
    assert_int_equal(mfw_link_feed(&rig->link, id, f, n, 13999, &out), 0);
    assert_true(out.close);
    assert_int_equal(out.reason, MFW_LINK_CLOSE_INACTIVITY);
    assert_int_equal(out.tx_len, 0);
    mfw_link_close(&rig->link, id);

    /* inactivity_time_out 0: not operational */
    start(0, 1024, NULL);
    id = open_one(0);
    assert_false(mfw_link_next_deadline(&rig->link, &at));
    assert_int_equal(mfw_link_poll(&rig->link, 400LL * 86400 * 1000), 0);
    expect_open(id);
}

/* Whatever closes a session, its association goes with it. */
static void test_association_released(void **state)
{
    (void)state;
    uint8_t s[256];
    unhex(STREAM, s, sizeof s);
    const uint8_t *aarq = s + 21 + 11 + 8;
    uint8_t get[32];
    size_t gn = unhex(GET_CLOCK_16_1, get, sizeof get);
    /* the peer goes: mfw_link_close */
    start(60, 1024, NULL);
    unsigned id = open_one(0);
    assert_int_equal(pump(id, aarq, 39, 1), 39);
    assert_true(rig->dlms.a[id].associated);
    mfw_link_close(&rig->link, id);
    assert_false(rig->dlms.a[id].associated);
    assert_int_equal(rig->link.stats.closed[MFW_LINK_CLOSE_TRANSPORT], 1);
    /* the next session in that slot starts without it */
    assert_int_equal(open_one(2), id);
    rig->got_len = 0;
    assert_int_equal(pump(id, get, gn, 3), gn);
    expect_got(EXC_NOT_ALLOWED_1_16);
    /* the inactivity time-out: released at the decision, before the port closes */
    rig->got_len = 0;
    assert_int_equal(pump(id, aarq, 39, 4), 39);
    assert_true(rig->dlms.a[id].associated);
    assert_int_equal(mfw_link_poll(&rig->link, 4 + 60000), 1);
    assert_false(rig->dlms.a[id].associated);
    mfw_link_close(&rig->link, id);
    assert_false(rig->dlms.a[id].associated);
}

/* MFW_ASSOCIATIONS_MAX sessions, one per association; the next open is refused. */
static void test_full(void **state)
{
    (void)state;
    start(120, 1024, NULL);
    bool seen[MFW_ASSOCIATIONS_MAX] = {false};
    for (unsigned i = 0; i < MFW_ASSOCIATIONS_MAX; i++) {
        unsigned id = open_one((mfw_ms_t)i);
        assert_false(seen[id]); /* each id once, so all of them */
        seen[id] = true;
    }
    int evicted = 99;
    assert_int_equal(mfw_link_open(&rig->link, MFW_LINK_WRAPPER, 100, &evicted), MFW_E_NOSPACE);
    assert_int_equal(evicted, -1); /* eviction is off by default */
    assert_int_equal(rig->link.stats.refused, 1);
    assert_int_equal(mfw_link_count(&rig->link), MFW_ASSOCIATIONS_MAX);
    /* a freed slot takes the next one */
    mfw_link_close(&rig->link, 3 % MFW_ASSOCIATIONS_MAX);
    assert_int_equal(open_one(101), 3 % MFW_ASSOCIATIONS_MAX);
}

/* ---- the policies for the next issue: time-outs before association, partial frames, eviction */

static void test_evict_longest_idle(void **state)
{
    (void)state;
    struct mfw_link_config lc;
    policies_off(&lc);
    lc.evict = true;
    start(120, 1024, &lc);
    uint8_t s[256];
    unhex(STREAM, s, sizeof s);
    const uint8_t *aarq = s + 21 + 11 + 8;
    uint8_t get[32];
    size_t gn = unhex(GET_CLOCK_16_1, get, sizeof get);
    for (unsigned i = 0; i < MFW_ASSOCIATIONS_MAX; i++)
        assert_int_equal(open_one(0), i);
    /* session 0 associated long ago (never evicted), the others active at 100 + i, but the last
     * one's activity is the oldest */
    assert_int_equal(pump(0, aarq, 39, 1), 39);
    for (unsigned i = 1; i < MFW_ASSOCIATIONS_MAX; i++)
        assert_int_equal(pump(i, get, gn, i + 1 == MFW_ASSOCIATIONS_MAX ? 50 : 100 + i), gn);
    int evicted = 99;
    int id = mfw_link_open(&rig->link, MFW_LINK_WRAPPER, 1000, &evicted);
    unsigned last = MFW_ASSOCIATIONS_MAX - 1;
    if (MFW_ASSOCIATIONS_MAX == 1) {
        assert_int_equal(id, MFW_E_NOSPACE); /* the only one is associated */
        return;
    }
    assert_int_equal(id, (int)last);
    assert_int_equal(evicted, (int)last);
    assert_int_equal(rig->link.sessions[last].opened_at, 1000);
    assert_int_equal(rig->link.stats.closed[MFW_LINK_CLOSE_EVICTED], 1);
    /* without a place to report it, no eviction */
    assert_int_equal(mfw_link_open(&rig->link, MFW_LINK_WRAPPER, 1001, NULL), MFW_E_NOSPACE);
    /* every session associated: refused */
    for (unsigned i = 1; i < MFW_ASSOCIATIONS_MAX; i++)
        assert_int_equal(pump(i, aarq, 39, 1100), 39);
    assert_int_equal(mfw_link_open(&rig->link, MFW_LINK_WRAPPER, 1200, &evicted), MFW_E_NOSPACE);
    assert_int_equal(evicted, -1);
    assert_true(rig->dlms.a[0].associated);
}

static void test_associate_timeout(void **state)
{
    (void)state;
    struct mfw_link_config lc;
    policies_off(&lc);
    lc.associate_timeout_ms = 5000;
    start(120, 1024, &lc);
    uint8_t s[256];
    size_t n = unhex(STREAM, s, sizeof s);
    size_t aarq_end = 21 + 11 + 8 + 39;
    unsigned quiet = open_one(0), client = open_one(0);
    /* frames without an association do not count */
    assert_int_equal(pump(client, s, 21, 4000), 21);
    mfw_ms_t at = 0;
    assert_true(mfw_link_next_deadline(&rig->link, &at));
    assert_int_equal(at, 5000);
    assert_int_equal(pump(client, s + 21, aarq_end - 21, 4999), aarq_end - 21);
    assert_true(rig->link.sessions[client].associated);
    assert_int_equal(mfw_link_poll(&rig->link, 5000), 1);
    expect_close(quiet, MFW_LINK_CLOSE_NOT_ASSOCIATED);
    expect_open(client);
    /* released at 7000: another 5 s to associate again */
    assert_int_equal(pump(client, s + aarq_end, n - aarq_end, 7000), n - aarq_end);
    assert_int_equal(mfw_link_poll(&rig->link, 11999), 0);
    assert_int_equal(mfw_link_poll(&rig->link, 12000), 1);
    expect_close(client, MFW_LINK_CLOSE_NOT_ASSOCIATED);
}

static void test_frame_timeout(void **state)
{
    (void)state;
    struct mfw_link_config lc;
    policies_off(&lc);
    lc.frame_timeout_ms = 300;
    start(120, 1024, &lc);
    uint8_t f[64];
    size_t n = unhex(GET_CLOCK_16_1 GET_CLOCK_16_1, f, sizeof f);
    unsigned id = open_one(0);
    mfw_ms_t at = 0;
    assert_true(mfw_link_next_deadline(&rig->link, &at));
    assert_int_equal(at, 120000); /* no frame begun: only the inactivity time-out */
    /* a whole frame and the first 3 bytes of the next one at 1000: that frame began at 1000 */
    assert_int_equal(pump(id, f, 24, 1000), 24);
    assert_true(mfw_link_next_deadline(&rig->link, &at));
    assert_int_equal(at, 1300);
    assert_int_equal(pump(id, f + 24, 10, 1200), 10);
    assert_int_equal(mfw_link_poll(&rig->link, 1299), 0);
    assert_int_equal(mfw_link_poll(&rig->link, 1300), 1);
    expect_close(id, MFW_LINK_CLOSE_FRAME_TIMEOUT);
    mfw_link_close(&rig->link, id);
    /* completed in time: no time-out */
    id = open_one(2000);
    assert_int_equal(pump(id, f, 5, 2000), 5);
    assert_int_equal(pump(id, f + 5, n / 2 - 5, 2299), n / 2 - 5);
    assert_int_equal(mfw_link_poll(&rig->link, 5000), 0);
    expect_open(id);
}

/* Calls on a bad id or a free slot are harmless and say "not open". */
/* The default policies together (options.h): connections that never associate, and ones that
 * trickle a frame a byte a second, cannot keep an honest client out. Every slot taken by 8 of
 * them, 8 more evict those one by one (the one idle longest, ties to the lowest id; at most one
 * eviction per 50 ms, and only of a session open 50 ms), the honest client evicts one too,
 * associates and reads at once, and is never evicted itself; those that completed a frame go
 * after those that never did; the silent ones close at the association time-out (10 s after
 * their open). */
static void test_default_policies(void **state)
{
    (void)state;
    struct mfw_link_config lc;
    mfw_link_default_config(&lc);
    start(120, 1024, &lc);
    if (MFW_ASSOCIATIONS_MAX < 2)
        return;
    uint8_t s[256], get[32];
    unhex(STREAM, s, sizeof s);
    const uint8_t *aarq = s + 21 + 11 + 8;
    size_t gn = unhex(GET_CLOCK_16_1, get, sizeof get);
    const unsigned n = MFW_ASSOCIATIONS_MAX;
    int evicted;
    mfw_ms_t when = 0;
    for (unsigned i = 0; i < n; i++)
        assert_int_equal(mfw_link_open(&rig->link, MFW_LINK_WRAPPER, 0, &evicted), (int)i);
    /* 8 more, 50 ms apart: each takes the slot idle longest */
    for (unsigned i = 0; i < n; i++) {
        assert_int_equal(mfw_link_open(&rig->link, MFW_LINK_WRAPPER, 1000 + 50 * i, &evicted),
                         (int)i);
        assert_int_equal(evicted, (int)i);
        if (i == 0) { /* and none more within 50 ms of an eviction */
            assert_int_equal(mfw_link_open(&rig->link, MFW_LINK_WRAPPER, 1049, &evicted),
                             MFW_E_NOSPACE);
            assert_false(mfw_link_can_open(&rig->link, 1049, &when));
            assert_int_equal(when, 1050);
        }
    }
    assert_int_equal(rig->link.stats.closed[MFW_LINK_CLOSE_EVICTED], n);
    /* half of them trickle: one byte of a frame a second */
    for (unsigned t = 0; t < 3; t++)
        for (unsigned i = n / 2; i < n; i++)
            assert_int_equal(pump(i, s + t, 1, 1400 + 1000 * t), 1);
    /* the honest client at 3500: a slot, the AARE and the clock at once */
    int id = mfw_link_open(&rig->link, MFW_LINK_WRAPPER, 3500, &evicted);
    assert_int_equal(id, 0);
    assert_int_equal(evicted, 0);
    rig->got_len = 0;
    assert_int_equal(pump((unsigned)id, aarq, 39, 3500), 39);
    assert_true(rig->link.sessions[id].associated);
    rig->got_len = 0;
    assert_int_equal(pump((unsigned)id, get, gn, 3501), gn);
    assert_int_equal(rig->got_len, 8 + 18); /* GET-Response-Normal with the date-time */
    assert_int_equal(rig->got[8], 0xC4);
    /* later newcomers evict the others in turn, never the associated session */
    for (unsigned k = 0; k + 1 < n; k++) {
        int j = mfw_link_open(&rig->link, MFW_LINK_WRAPPER, 3600 + 50 * k, &evicted);
        assert_int_equal(j, (int)k + 1);
        assert_int_equal(evicted, j);
    }
    mfw_ms_t last = 3600 + 50 * (n - 2);
    assert_int_equal(mfw_link_open(&rig->link, MFW_LINK_WRAPPER, last + 10, &evicted),
                     MFW_E_NOSPACE);
    assert_false(mfw_link_can_open(&rig->link, last + 10, &when));
    assert_int_equal(when, last + 50);
    assert_int_equal(mfw_link_open(&rig->link, MFW_LINK_WRAPPER, last + 50, &evicted), 1);
    expect_open((unsigned)id);
    /* a session that completed a frame goes after those that never did, whatever its age */
    uint8_t exc[32];
    size_t en = unhex(GET_CLOCK_16_1, exc, sizeof exc);
    assert_int_equal(pump(2, exc, en, last + 60), en); /* answered, not associated */
    assert_true(rig->link.sessions[2].framed);
    int v = mfw_link_open(&rig->link, MFW_LINK_WRAPPER, last + 100, &evicted);
    assert_int_equal(v, 3);
    /* the time-outs: all gone but the honest client 10 s after their opens */
    mfw_link_poll(&rig->link, last + 100 + 10000);
    for (unsigned i = 1; i < n; i++)
        expect_close(i, MFW_LINK_CLOSE_NOT_ASSOCIATED);
    expect_open((unsigned)id);
}

static void test_bad_ids(void **state)
{
    (void)state;
    start(120, 1024, NULL);
    static const uint8_t b[] = {0x00, 0x01};
    struct mfw_link_out out;
    assert_int_equal(mfw_link_feed(&rig->link, MFW_ASSOCIATIONS_MAX, b, 2, 0, &out), 0);
    assert_true(out.close);
    assert_int_equal(out.reason, MFW_LINK_CLOSE_NOT_OPEN);
    assert_int_equal(mfw_link_feed(&rig->link, 0, b, 2, 0, &out), 0); /* free */
    assert_int_equal(out.reason, MFW_LINK_CLOSE_NOT_OPEN);
    assert_int_equal(mfw_link_sent(&rig->link, 0, 0), MFW_E_ARG);
    assert_int_equal(mfw_link_sent(&rig->link, MFW_ASSOCIATIONS_MAX, 0), MFW_E_ARG);
    mfw_link_close(&rig->link, MFW_ASSOCIATIONS_MAX);
    mfw_link_close(&rig->link, 0);
    unsigned id = open_one(0);
    assert_int_equal(mfw_link_feed(&rig->link, id, NULL, 2, 0, &out), 0);
    assert_int_equal(mfw_link_feed(&rig->link, id, NULL, 0, 0, NULL), 0);
    expect_open(id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_args),
        cmocka_unit_test(test_reply_swaps_wports),
        cmocka_unit_test(test_splits),
        cmocka_unit_test(test_association_followed),
        cmocka_unit_test(test_one_reply_at_a_time),
        cmocka_unit_test(test_bad_version_closes),
        cmocka_unit_test(test_oversize_closes),
        cmocka_unit_test(test_inactivity_exact),
        cmocka_unit_test(test_association_released),
        cmocka_unit_test(test_full),
        cmocka_unit_test(test_evict_longest_idle),
        cmocka_unit_test(test_associate_timeout),
        cmocka_unit_test(test_frame_timeout),
        cmocka_unit_test(test_default_policies),
        cmocka_unit_test(test_bad_ids),
    };
    return cmocka_run_group_tests(tests, setup_rig, NULL);
}
