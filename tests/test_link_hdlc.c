/* SPDX-License-Identifier: Apache-2.0 */
/* Link sessions of the HDLC kinds (include/meterfw/link/link.h): HDLC tunnelled in TCP, HDLC on a
 * line, the optical port's IEC 62056-21 mode E entry; on a real DLMS server and a meter without
 * flash. Frames are built and checked with tests/support/hdlc_frames.h (bit-by-bit CRC).
 *
 * The replay of tests/vectors/h_public_clock.txt: the Gurux client's frames go to our meter as
 * they were captured while their sequence numbers fit (SNRM, the AARQ, the GET of the object list
 * and the RRs that poll its segments, the final DISC), the rest re-framed with our numbers. Our
 * meter's answers are checked field by field, not against the Gurux server's (which has quirks,
 * tests/vectors/README.md): the UA to the parameterless SNRM is the capture's byte for byte (both
 * answer 128/128/1/1); the AARE is the one of test_link_session.c (worked out by hand there); the
 * object list arrives in I-frames of 128 bytes (LLC E6 E7 00 + 125, then 128), S on all but the
 * last, N(S) counting up, N(R) constant, F on each (window 1), and reassembles to exactly what the
 * DLMS server answers the same GET directly; the RLRE is 63 03 80 01 00; DISC gets a UA without
 * information field and the session closes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hdlc_frames.h"
#include "hexbytes.h"
#include "vectors.h"

#include "meterfw/base/error.h"
#include "meterfw/cosem/cosem.h"
#include "meterfw/dlms/dlms_server.h"
#include "meterfw/link/link.h"
#include "meterfw/meter/meter.h"

#define CAP "h_public_clock.txt"
#define T0 1767225600000LL /* 2026-01-01T00:00:00Z, the meter's clock */

/* The AARE of the public client (test_link_session.c works it out by hand). */
#define AARE_PUBLIC                                                                                \
    "61 29 A1 09 06 07 60 85 74 05 08 01 01 A2 03 02 01 00 A3 05 A1 03 02 01 00 BE 10 04 0E 08 "   \
    "00 "                                                                                          \
    "06 5F 1F 04 00 00 12 14 04 00 00 07"
#define AARQ_PUBLIC                                                                                \
    "60 1D A1 09 06 07 60 85 74 05 08 01 01 BE 10 04 0E 01 00 00 00 06 5F 1F 04 00 40 1E 1D FF FF"
/* LLS with the password "00000001", client max PDU 256 (test_cosem.c). */
#define AARQ_LLS                                                                                   \
    "60 36 A1 09 06 07 60 85 74 05 08 01 01 8A 02 07 80 8B 07 60 85 74 05 08 02 01"                \
    " AC 0A 80 08 30 30 30 30 30 30 30 31 BE 10 04 0E 01 00 00 00 06 5F 1F 04 00 40 1E 1D 01 00"
static const char UA_BARE[] = "7E A0 07 21 03 73 01 40 7E";

struct rig {
    struct mfw_meter m;
    struct mfw_cosem cosem;
    struct mfw_dlms_server dlms, direct; /* direct: the same requests without a link */
    struct mfw_link link;
    uint8_t got[64 * 1024];
    size_t got_len;
    /* every byte fed, for the replay in other splits */
    uint8_t in[16 * 1024];
    size_t in_len;
    bool record;
};
static struct rig *rig;

static int setup_rig(void **state)
{
    (void)state;
    static struct rig r;
    rig = &r;
    struct mfw_meter_config cfg;
    mfw_meter_default_config(&cfg, MFW_METER_382M);
    /* the management client associates with LLS (password 00000001), which a meter
     * takes only when its security configuration enables it (docs/security.md) */
    cfg.security.lls_enabled = true;
    memcpy(cfg.security.lls, "00000001", 8);
    cfg.security.lls_len = 8;
    struct mfw_hal none;
    memset(&none, 0, sizeof none);
    assert_int_equal(mfw_meter_init(&rig->m, &cfg, &none, T0), MFW_OK);
    return 0;
}

/* A fresh object model, DLMS server and link with every optional policy off. */
static void start(void)
{
    struct mfw_cosem_config cc;
    mfw_cosem_default_config(&cc);
    assert_int_equal(mfw_cosem_init(&rig->cosem, &rig->m, &cc), MFW_OK);
    struct mfw_dlms_server_config dc;
    mfw_dlms_server_default_config(&dc);
    assert_int_equal(mfw_dlms_server_init(&rig->dlms, &rig->cosem, &dc), MFW_OK);
    assert_int_equal(mfw_dlms_server_init(&rig->direct, &rig->cosem, &dc), MFW_OK);
    struct mfw_link_config lc;
    memset(&lc, 0, sizeof lc);
    assert_int_equal(mfw_link_init(&rig->link, &rig->dlms, &lc), MFW_OK);
    rig->got_len = 0;
    rig->in_len = 0;
    rig->record = true;
}

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = hex_decode(s, out, cap);
    assert_true(n != HEX_BAD);
    return n;
}

/* Feeds p[n] as a port would, sending every reply at once (appended to rig->got). */
static size_t pump(unsigned id, const uint8_t *p, size_t n, mfw_ms_t now)
{
    if (rig->record) {
        assert_true(rig->in_len + n <= sizeof rig->in);
        memcpy(rig->in + rig->in_len, p, n);
        rig->in_len += n;
    }
    size_t off = 0;
    for (int guard = 0;; guard++) {
        assert_true(guard < 100000);
        struct mfw_link_out out;
        off += mfw_link_feed(&rig->link, id, p + off, n - off, now, &out);
        assert_true(off <= n);
        if (out.tx_len > 0) {
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

/* The frames in rig->got from byte *at on, one at a time (server address of srclen bytes). */
static bool next_frame(size_t *at, size_t srclen, struct tf_frame *f)
{
    if (*at >= rig->got_len)
        return false;
    size_t n = tf_span(rig->got + *at, rig->got_len - *at);
    assert_true(n > 0);
    const char *why = tf_parse(rig->got + *at, n, srclen, f);
    if (why != NULL)
        fail_msg("frame at %zu: %s", *at, why);
    *at += n;
    return true;
}

static unsigned open_kind(enum mfw_link_kind kind, mfw_ms_t now)
{
    int ev = 9;
    int id = mfw_link_open(&rig->link, kind, now, &ev);
    assert_true(id >= 0);
    return (unsigned)id;
}

/* The capture's n-th client frame. */
static size_t cap_tx(int n, uint8_t *out, size_t cap)
{
    size_t len;
    assert_int_equal(vec_line(CAP, VEC_TX, n, out, cap, &len), VEC_OK);
    return len;
}

/* The DLMS server's own answer to apdu on association 1 of the direct server. */
static size_t direct(const char *hex_or_null, const uint8_t *apdu, size_t n, uint8_t sap,
                     uint8_t *out, size_t cap)
{
    uint8_t buf[512];
    if (hex_or_null != NULL) {
        n = unhex(hex_or_null, buf, sizeof buf);
        apdu = buf;
    }
    return mfw_dlms_server_apdu(&rig->direct, 1, sap, apdu, n, out, cap);
}

/* The replay (see the top of the file). Returns the session id. */
static void replay(void)
{
    start();
    unsigned id = open_kind(MFW_LINK_HDLC, 0);
    uint8_t f[2048], want[2048], exp_apdu[2048];
    size_t n, at = 0;
    struct tf_frame r;
    mfw_ms_t t = 10;

    /* 1. SNRM without parameters -> the capture's UA, byte for byte */
    n = cap_tx(1, f, sizeof f);
    pump(id, f, n, t++);
    size_t m;
    assert_int_equal(vec_line(CAP, VEC_RX, 1, want, sizeof want, &m), VEC_OK);
    assert_int_equal(rig->got_len, m);
    assert_memory_equal(rig->got, want, m);
    at = m;

    /* 2. the AARQ (I N(S)=0 N(R)=0) -> I N(S)=0 N(R)=1 F, LLC E6 E7 00 and the AARE */
    n = cap_tx(2, f, sizeof f);
    pump(id, f, n, t++);
    assert_true(next_frame(&at, 1, &r));
    assert_int_equal(r.dst, 0x21);
    assert_int_equal(r.src[0], 0x03);
    assert_int_equal(r.control, 0x30);
    assert_false(r.segmented);
    n = unhex("E6 E7 00 " AARE_PUBLIC, want, sizeof want);
    assert_int_equal(r.n, n);
    assert_memory_equal(r.info, want, n);
    assert_true(rig->link.sessions[id].associated);
    (void)direct(AARQ_PUBLIC, NULL, 0, 16, exp_apdu, sizeof exp_apdu);

    /* 3. GET object list (I N(S)=1 N(R)=1), then the capture's RRs N(R)=2, 3, ... poll each
     * segment (TX 4, 5, ...: 7E A0 07 03 21 51/71/91/B1 ... 7E) */
    n = cap_tx(3, f, sizeof f);
    assert_int_equal(n, 27);
    size_t nexp = direct(NULL, f + 11, n - 14, 16, exp_apdu, sizeof exp_apdu);
    assert_true(nexp > 2 * 128); /* at least three segments */
    pump(id, f, n, t++);
    uint8_t whole[2048];
    size_t have = 0;
    unsigned seg = 0;
    for (;;) {
        assert_true(next_frame(&at, 1, &r));
        /* I N(S)=1+seg N(R)=2 F */
        assert_int_equal(r.control, (uint8_t)(2 << 5 | 0x10 | ((1 + seg) & 7) << 1));
        assert_int_equal(r.n, r.segmented ? 128 : nexp + 3 - have);
        memcpy(whole + have, r.info, r.n);
        have += r.n;
        seg++;
        if (!r.segmented)
            break;
        n = cap_tx((int)(3 + seg), f, sizeof f);
        assert_int_equal(n, 9);
        assert_int_equal(f[5], (uint8_t)(((1 + seg) & 7) << 5 | 0x11)); /* the capture's RR */
        pump(id, f, n, t++);
    }
    assert_true(seg >= 3);
    assert_memory_equal(whole, ((const uint8_t[]){0xE6, 0xE7, 0x00}), 3);
    assert_int_equal(have, nexp + 3);
    assert_memory_equal(whole + 3, exp_apdu, nexp);
    assert_int_equal(at, rig->got_len);
    uint8_t vr = (uint8_t)((1 + seg) & 7); /* what the client expects next */

    /* 4. GET clock: the capture's APDU (TX -3) in I N(S)=2 N(R)=vr */
    uint8_t g[64];
    size_t gn = cap_tx(-3, g, sizeof g);
    const uint8_t srv[1] = {0x03};
    n = tf_build(f, srv, 1, 0x21, (uint8_t)(vr << 5 | 0x10 | 2 << 1), false, g + 8, gn - 11);
    pump(id, f, n, t++);
    assert_true(next_frame(&at, 1, &r));
    assert_int_equal(r.control, (uint8_t)(3 << 5 | 0x10 | vr << 1));
    nexp = direct(NULL, g + 11, gn - 14, 16, exp_apdu, sizeof exp_apdu);
    /* GET-Response-Normal, invoke C1, data: octet-string(12) */
    assert_memory_equal(exp_apdu, ((const uint8_t[]){0xC4, 0x01, 0xC1, 0x00, 0x09, 0x0C}), 6);
    assert_int_equal(nexp, 18);
    assert_int_equal(r.n, 3 + nexp);
    assert_memory_equal(r.info + 3, exp_apdu, nexp);

    /* 5. RLRQ (TX -2) in I N(S)=3 -> RLRE 63 03 80 01 00 */
    gn = cap_tx(-2, g, sizeof g);
    n = tf_build(f, srv, 1, 0x21, (uint8_t)(((vr + 1) & 7) << 5 | 0x10 | 3 << 1), false, g + 8,
                 gn - 11);
    pump(id, f, n, t++);
    assert_true(next_frame(&at, 1, &r));
    assert_int_equal(r.control, (uint8_t)(4 << 5 | 0x10 | ((vr + 1) & 7) << 1));
    n = unhex("E6 E7 00 63 03 80 01 00", want, sizeof want);
    assert_int_equal(r.n, n);
    assert_memory_equal(r.info, want, n);
    assert_false(rig->link.sessions[id].associated);

    /* 6. DISC (TX -1, as captured) -> UA without information field, then close */
    n = cap_tx(-1, f, sizeof f);
    pump(id, f, n, t++);
    n = unhex(UA_BARE, want, sizeof want);
    assert_int_equal(rig->got_len - at, n);
    assert_memory_equal(rig->got + at, want, n);
    struct mfw_link_out out;
    mfw_link_output(&rig->link, id, &out);
    assert_true(out.close);
    assert_int_equal(out.reason, MFW_LINK_CLOSE_DISCONNECT);
    assert_int_equal(out.tx_len, 0);
    assert_int_equal(out.baud, 0);
    mfw_link_close(&rig->link, id);
    assert_int_equal(rig->link.stats.closed[MFW_LINK_CLOSE_DISCONNECT], 1);
}

static void test_capture_replay(void **state)
{
    (void)state;
    replay();
}

/* The same bytes in every split into two pieces, and byte by byte: the same answers. */
static void test_replay_splits(void **state)
{
    (void)state;
    replay();
    static uint8_t in[16 * 1024], got[64 * 1024];
    size_t in_len = rig->in_len, got_len = rig->got_len;
    memcpy(in, rig->in, in_len);
    memcpy(got, rig->got, got_len);
    for (size_t cut = 0; cut <= in_len; cut += 1) {
        start();
        rig->record = false;
        unsigned id = open_kind(MFW_LINK_HDLC, 0);
        assert_int_equal(pump(id, in, cut, 1), cut);
        pump(id, in + cut, in_len - cut, 2);
        assert_int_equal(rig->got_len, got_len);
        assert_memory_equal(rig->got, got, got_len);
    }
    start();
    rig->record = false;
    unsigned id = open_kind(MFW_LINK_HDLC, 0);
    for (size_t k = 0; k < in_len; k++)
        pump(id, in + k, 1, (mfw_ms_t)k);
    assert_int_equal(rig->got_len, got_len);
    assert_memory_equal(rig->got, got, got_len);
}

/* A test client: sends apdu in one I-frame (N(S) vs, N(R) vr), collects the I-frames of the
 * answer polling each burst with RR, and returns the reassembled APDU (LLC checked). */
struct client {
    uint8_t vs, vr, addr;
    uint8_t srv[4];
    size_t srv_len;
};
static size_t exchange(struct client *c, unsigned id, const uint8_t *apdu, size_t n, uint8_t *out,
                       size_t cap, mfw_ms_t now)
{
    uint8_t info[2048] = {0xE6, 0xE6, 0x00}, f[2100];
    memcpy(info + 3, apdu, n);
    size_t k = tf_build(f, c->srv, c->srv_len, c->addr, (uint8_t)(c->vr << 5 | 0x10 | c->vs << 1),
                        false, info, n + 3);
    c->vs = (c->vs + 1) & 7;
    size_t at = rig->got_len, have = 0;
    pump(id, f, k, now);
    for (;;) {
        struct tf_frame r;
        bool last = false;
        while (next_frame(&at, c->srv_len, &r)) {
            assert_int_equal(r.dst, c->addr);
            assert_int_equal(r.control & 1, 0);
            assert_int_equal((r.control >> 1) & 7, c->vr);
            c->vr = (c->vr + 1) & 7;
            assert_true(have + r.n <= cap);
            memcpy(out + have, r.info, r.n);
            have += r.n;
            if (r.control & 0x10) {
                last = !r.segmented;
                break;
            }
        }
        if (last)
            break;
        /* the end of a burst, more to come: RR N(R)=V(R) P */
        k = tf_build(f, c->srv, c->srv_len, c->addr, (uint8_t)(c->vr << 5 | 0x11), false, NULL, 0);
        at = rig->got_len;
        pump(id, f, k, now);
    }
    assert_true(have >= 3);
    assert_memory_equal(out, ((const uint8_t[]){0xE6, 0xE7, 0x00}), 3);
    memmove(out, out + 3, have - 3);
    return have - 3;
}

static void snrm(struct client *c, unsigned id, const struct mfw_hdlc_params *p, mfw_ms_t now)
{
    uint8_t info[32], f[64];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, info, sizeof info);
    if (p != NULL)
        mfw_hdlc_params_encode(p, &w);
    size_t k = tf_build(f, c->srv, c->srv_len, c->addr, 0x93, false, info, w.len);
    size_t at = rig->got_len;
    pump(id, f, k, now);
    struct tf_frame r;
    assert_true(next_frame(&at, c->srv_len, &r));
    assert_int_equal(r.control, 0x73);
    c->vs = c->vr = 0;
}

/* The management client (address 0x03, SAP 1, LLS) to a 4-byte server address (upper 1, lower
 * the meter's physical address 1001 from serial 00000001) with window 7 and 1027-byte fields
 * reads the whole object list with GET-next blocks of 256 bytes (its AARQ says 256): the same
 * bytes as the DLMS server answers directly. */
static void test_management_window7(void **state)
{
    (void)state;
    start();
    assert_int_equal(rig->cosem.env.ports.hdlc.device_address, 1001);
    unsigned id = open_kind(MFW_LINK_HDLC, 0);
    struct client c = {0, 0, 0x03, {0x00, 0x02, 0x0E, 0xD3}, 4};
    struct mfw_hdlc_params p = {2030, 2030, 7, 7};
    snrm(&c, id, &p, 1);
    assert_int_equal(rig->link.sessions[id].framing.hdlc.u.station.link.info_tx, 1027);
    uint8_t aarq[128], a[4096], b[4096];
    size_t n = unhex(AARQ_LLS, aarq, sizeof aarq);
    size_t got = exchange(&c, id, aarq, n, a, sizeof a, 2);
    size_t want = direct(AARQ_LLS, NULL, 0, 1, b, sizeof b);
    assert_int_equal(got, want);
    assert_memory_equal(a, b, want);
    assert_true(rig->link.sessions[id].associated);
    uint8_t get[] = {0xC0, 0x01, 0xC1, 0x00, 0x0F, 0x00, 0x00, 0x28, 0x00, 0x00, 0xFF, 0x02, 0x00};
    got = exchange(&c, id, get, sizeof get, a, sizeof a, 3);
    want = direct(NULL, get, sizeof get, 1, b, sizeof b);
    unsigned blocks = 1;
    for (;;) {
        assert_int_equal(got, want);
        assert_memory_equal(a, b, want);
        if (a[0] != 0xC4 || a[1] != 0x02 || a[3] != 0x00)
            break; /* the last block (last-block byte 1) or a normal response */
        uint8_t next[7] = {0xC0, 0x02, 0xC1, a[4], a[5], a[6], a[7]};
        got = exchange(&c, id, next, sizeof next, a, sizeof a, 4);
        want = direct(NULL, next, sizeof next, 1, b, sizeof b);
        blocks++;
    }
    assert_true(blocks > 20);
}

/* A bigger field: the 1024-byte block of a client with a 1024 max PDU and 1027-byte fields goes
 * in one I-frame. And a window of 7 at 128 bytes: bursts of 7, F on the last. */
static void test_burst_sizes(void **state)
{
    (void)state;
    start();
    unsigned id = open_kind(MFW_LINK_HDLC, 0);
    struct client c = {0, 0, 0x03, {0x03}, 1};
    struct mfw_hdlc_params p = {128, 128, 7, 7};
    snrm(&c, id, &p, 1);
    uint8_t aarq[128], a[4096];
    size_t n = unhex(AARQ_LLS, aarq, sizeof aarq);
    aarq[n - 2] = 0x04; /* client max receive PDU 0x0400 = 1024 */
    aarq[n - 1] = 0x00;
    (void)exchange(&c, id, aarq, n, a, sizeof a, 2);
    uint8_t get[] = {0xC0, 0x01, 0xC1, 0x00, 0x0F, 0x00, 0x00, 0x28, 0x00, 0x00, 0xFF, 0x02, 0x00};
    size_t at = rig->got_len;
    size_t got = exchange(&c, id, get, sizeof get, a, sizeof a, 3);
    assert_int_equal(got, 1024);
    /* 1027 bytes: 9 frames; the first burst 7 (F on the 7th), then 2 */
    unsigned frames = 0, f_bits = 0;
    struct tf_frame r;
    while (next_frame(&at, 1, &r)) {
        if ((r.control & 1) == 0) {
            frames++;
            f_bits += (r.control & 0x10) != 0;
            if (frames == 7 || frames == 9)
                assert_true(r.control & 0x10);
            else
                assert_false(r.control & 0x10);
        }
    }
    assert_int_equal(frames, 9);
    assert_int_equal(f_bits, 2);
    /* the same with 1027-byte fields: one frame */
    start();
    id = open_kind(MFW_LINK_HDLC, 0);
    c = (struct client){0, 0, 0x03, {0x03}, 1};
    p = (struct mfw_hdlc_params){2030, 2030, 1, 1};
    snrm(&c, id, &p, 1);
    (void)exchange(&c, id, aarq, n, a, sizeof a, 2);
    at = rig->got_len;
    got = exchange(&c, id, get, sizeof get, a, sizeof a, 3);
    assert_int_equal(got, 1024);
    assert_true(next_frame(&at, 1, &r));
    assert_int_equal(r.n, 1027);
    assert_false(r.segmented);
    assert_false(next_frame(&at, 1, &r));
}

/* The inactivity time-out of IEC HDLC setup (120 s): a poll counts as activity, a partial frame
 * does not; the session closes at the exact instant. */
static void test_inactivity(void **state)
{
    (void)state;
    start();
    unsigned id = open_kind(MFW_LINK_HDLC, 0);
    struct client c = {0, 0, 0x21, {0x03}, 1};
    snrm(&c, id, NULL, 1000);
    uint8_t f[32];
    size_t n = tf_build(f, c.srv, 1, 0x21, 0x11, false, NULL, 0);
    pump(id, f, n, 60000);  /* RR: activity */
    pump(id, f, 4, 100000); /* a partial frame: not activity */
    mfw_ms_t at;
    assert_true(mfw_link_next_deadline(&rig->link, &at));
    assert_int_equal(at, 60000 + 120000);
    assert_int_equal(mfw_link_poll(&rig->link, 179999), 0);
    assert_int_equal(mfw_link_poll(&rig->link, 180000), 1);
    struct mfw_link_out out;
    mfw_link_output(&rig->link, id, &out);
    assert_true(out.close);
    assert_int_equal(out.reason, MFW_LINK_CLOSE_INACTIVITY);
}

/* The frame time-out applies to HDLC over TCP (a partial frame does not hold the slot), not to a
 * line, whose inter-octet time-out drops the partial frame instead; the association time-out to
 * both. */
static void test_frame_and_associate_timeouts(void **state)
{
    (void)state;
    start();
    rig->link.config.frame_timeout_ms = 5000;
    rig->link.config.associate_timeout_ms = 30000;
    unsigned tcp = open_kind(MFW_LINK_HDLC, 0), line = open_kind(MFW_LINK_HDLC_LINE, 0);
    uint8_t f[32];
    const uint8_t srv[1] = {0x03};
    size_t n = tf_build(f, srv, 1, 0x21, 0x93, false, NULL, 0);
    pump(tcp, f, 3, 1000);
    pump(line, f, 3, 1000);
    assert_int_equal(mfw_link_poll(&rig->link, 5999), 0);
    assert_int_equal(mfw_link_poll(&rig->link, 6000), 1);
    struct mfw_link_out out;
    mfw_link_output(&rig->link, tcp, &out);
    assert_int_equal(out.reason, MFW_LINK_CLOSE_FRAME_TIMEOUT);
    mfw_link_output(&rig->link, line, &out);
    assert_false(out.close);
    assert_int_equal(out.baud, 9600); /* IC 23 comm_speed 5 */
    /* the rest of that frame 40 ms later: dropped (inter-octet 25 ms), a fresh SNRM works */
    size_t before = rig->got_len;
    pump(line, f + 3, n - 3, 1040);
    assert_int_equal(rig->got_len, before);
    pump(line, f, n, 2000);
    assert_true(rig->got_len > before);
    assert_int_equal(mfw_link_poll(&rig->link, 29999), 0);
    assert_int_equal(mfw_link_poll(&rig->link, 30000), 1);
    mfw_link_output(&rig->link, line, &out);
    assert_int_equal(out.reason, MFW_LINK_CLOSE_NOT_ASSOCIATED);
}

/* An APDU longer than the server's max PDU closes the session as over the wrapper; a second SNRM
 * ends the association of the first link. */
static void test_oversize_and_reset(void **state)
{
    (void)state;
    start();
    unsigned id = open_kind(MFW_LINK_HDLC, 0);
    struct client c = {0, 0, 0x21, {0x03}, 1};
    snrm(&c, id, &(struct mfw_hdlc_params){2030, 2030, 1, 1}, 1);
    uint8_t aarq[64], a[256];
    size_t n = unhex(AARQ_PUBLIC, aarq, sizeof aarq);
    (void)exchange(&c, id, aarq, n, a, sizeof a, 2);
    assert_true(rig->link.sessions[id].associated);
    snrm(&c, id, NULL, 3);
    assert_false(rig->link.sessions[id].associated);
    snrm(&c, id, &(struct mfw_hdlc_params){2030, 2030, 1, 1}, 4);
    /* LLC + 1025 bytes in two segments (1000 + 28): each within the 1027-byte field */
    static uint8_t big[1100], f[1200];
    memset(big, 0, sizeof big);
    big[0] = 0xE6;
    big[1] = 0xE6;
    const uint8_t srv[1] = {0x03};
    size_t k = tf_build(f, srv, 1, 0x21, 0x10, true, big, 1000);
    pump(id, f, k, 5);
    struct tf_frame r;
    size_t at = rig->got_len - 9;
    assert_true(next_frame(&at, 1, &r));
    assert_int_equal(r.control, 0x31); /* RR N(R)=1 */
    k = tf_build(f, srv, 1, 0x21, 0x12, false, big + 1000, 28);
    pump(id, f, k, 6);
    struct mfw_link_out out;
    mfw_link_output(&rig->link, id, &out);
    assert_true(out.close);
    assert_int_equal(out.reason, MFW_LINK_CLOSE_OVERSIZE);
}

/* The optical port: mode E at 300 Bd, the identification after the 200 ms reaction time (held
 * until then; the deadline says when), ACK 2 5 2 switches to 9600 Bd and HDLC, then the capture's
 * SNRM gets its UA, and DISC the bare UA and the close. */
static void test_optical(void **state)
{
    (void)state;
    start();
    assert_int_equal(mfw_link_line_baud(&rig->link, MFW_LINK_OPTICAL), 300);
    assert_int_equal(mfw_link_line_baud(&rig->link, MFW_LINK_HDLC_LINE), 9600);
    assert_int_equal(mfw_link_line_baud(&rig->link, MFW_LINK_WRAPPER), 0);
    unsigned id = open_kind(MFW_LINK_OPTICAL, 0);
    struct mfw_link_out out;
    mfw_link_output(&rig->link, id, &out);
    assert_int_equal(out.baud, 300);
    const uint8_t signon[] = {'/', '?', '!', '\r', '\n'};
    assert_int_equal(mfw_link_feed(&rig->link, id, signon, 5, 1000, &out), 5);
    assert_int_equal(out.tx_len, 0); /* held for the reaction time */
    mfw_ms_t at;
    assert_true(mfw_link_next_deadline(&rig->link, &at));
    assert_int_equal(at, 1200);
    assert_int_equal(mfw_link_sent(&rig->link, id, 1), MFW_E_ARG);
    mfw_link_poll(&rig->link, 1199);
    mfw_link_output(&rig->link, id, &out);
    assert_int_equal(out.tx_len, 0);
    mfw_link_poll(&rig->link, 1200);
    mfw_link_output(&rig->link, id, &out);
    /* / MFW 5 \ 2 382M00000001 CR LF (IEC 62056-21 6.3.2 [M]) */
    static const char ident[] = "/MFW5\\2382M00000001\r\n";
    assert_int_equal(out.tx_len, sizeof ident - 1);
    assert_memory_equal(out.tx, ident, sizeof ident - 1);
    assert_int_equal(mfw_link_sent(&rig->link, id, out.tx_len), MFW_OK);
    const uint8_t ack[] = {0x06, '2', '5', '2', '\r', '\n'};
    assert_int_equal(mfw_link_feed(&rig->link, id, ack, 6, 2500, &out), 6);
    assert_int_equal(out.tx_len, 0);
    assert_int_equal(out.baud, 9600);
    uint8_t f[64], want[64];
    size_t n = cap_tx(1, f, sizeof f), m;
    rig->got_len = 0;
    pump(id, f, n, 3000);
    assert_int_equal(vec_line(CAP, VEC_RX, 1, want, sizeof want, &m), VEC_OK);
    assert_int_equal(rig->got_len, m);
    assert_memory_equal(rig->got, want, m);
    n = cap_tx(-1, f, sizeof f);
    rig->got_len = 0;
    pump(id, f, n, 3100);
    n = unhex(UA_BARE, want, sizeof want);
    assert_int_equal(rig->got_len, n);
    assert_memory_equal(rig->got, want, n);
    mfw_link_output(&rig->link, id, &out);
    assert_true(out.close);
    assert_int_equal(out.reason, MFW_LINK_CLOSE_DISCONNECT);
}

/* A request for another device address goes unanswered, one for the meter's (its serial number,
 * IC 19 attribute 6) is answered; before the switch an SNRM is noise. */
static void test_optical_address(void **state)
{
    (void)state;
    start();
    unsigned id = open_kind(MFW_LINK_OPTICAL, 0);
    struct mfw_link_out out;
    uint8_t f[64];
    size_t n = cap_tx(1, f, sizeof f);
    assert_int_equal(mfw_link_feed(&rig->link, id, f, n, 10, &out), n);
    assert_int_equal(out.tx_len, 0);
    static const char other[] = "/?12345678!\r\n", ours[] = "/?00000001!\r\n";
    assert_int_equal(
        mfw_link_feed(&rig->link, id, (const uint8_t *)other, sizeof other - 1, 20, &out),
        sizeof other - 1);
    mfw_link_poll(&rig->link, 1000);
    mfw_link_output(&rig->link, id, &out);
    assert_int_equal(out.tx_len, 0);
    assert_int_equal(
        mfw_link_feed(&rig->link, id, (const uint8_t *)ours, sizeof ours - 1, 2000, &out),
        sizeof ours - 1);
    mfw_link_poll(&rig->link, 2200);
    mfw_link_output(&rig->link, id, &out);
    assert_int_equal(out.tx_len, 21);
}

/* BCC of IEC 62056-21 6.3.7 [M]: XOR of the characters after STX (or SOH) through ETX, written
 * here from the standard's rule and checked on pwitab/iec62056-21's tests/test_bcc.py vectors. */
static uint8_t bcc_of(const uint8_t *p, size_t n)
{
    size_t k = 0;
    while (k < n && p[k] != 0x01 && p[k] != 0x02)
        k++;
    uint8_t b = 0;
    for (k++; k < n; k++) {
        b ^= p[k];
        if (p[k] == 0x03)
            break;
    }
    return (uint8_t)(b & 0x7F);
}

static void test_bcc_vectors(void **state)
{
    (void)state;
    uint8_t v[64];
    size_t n = unhex("01 50 30 02 28 31 32 33 34 35 36 37 29 03", v, sizeof v);
    assert_int_equal(bcc_of(v, n), 0x50);
    n = unhex("01 57 32 02 43 30 30 33 28 39 31 30 33 32 34 30 39 32 32 33 39 29 03", v, sizeof v);
    assert_int_equal(bcc_of(v, n), 0x1B);
    /* references/consumer-formats.md 5.2, the constructed readout: BCC 7C */
    static const char r[] = "\x02"
                            "0.0.0(12345678)\r\n1.8.0(0012345.678*kWh)\r\n!\r\n\x03";
    assert_int_equal(bcc_of((const uint8_t *)r, sizeof r - 1), 0x7C);
}

/* Mode C: ACK 0 5 0 asks for the data readout; after the reaction time it comes at 9600 Bd as
 * STX, the display list's data sets, "!" CR LF ETX and the BCC, then the line goes back to 300 Bd
 * and the machine listens again (a second sign-on is answered). */
static void test_optical_mode_c(void **state)
{
    (void)state;
    start();
    rig->m.registers.uwh[MFW_ENERGY_TOTAL][MFW_EQ_AP] = 4426999999ull; /* 4.426 kWh (truncated) */
    rig->m.tariff = 2;
    unsigned id = open_kind(MFW_LINK_OPTICAL, 0);
    struct mfw_link_out out;
    const uint8_t signon[] = {'/', '?', '!', '\r', '\n'};
    assert_int_equal(mfw_link_feed(&rig->link, id, signon, 5, 1000, &out), 5);
    mfw_link_poll(&rig->link, 1200);
    mfw_link_output(&rig->link, id, &out);
    assert_int_equal(out.tx_len, 21);
    assert_int_equal(mfw_link_sent(&rig->link, id, out.tx_len), MFW_OK);
    const uint8_t ack[] = {0x06, '0', '5', '0', '\r', '\n'};
    assert_int_equal(mfw_link_feed(&rig->link, id, ack, 6, 2500, &out), 6);
    assert_int_equal(out.tx_len, 0); /* held for the reaction time */
    assert_int_equal(out.baud, 9600);
    mfw_link_poll(&rig->link, 2700);
    static uint8_t got[4096];
    size_t n = 0;
    for (int guard = 0; guard < 1000; guard++) {
        mfw_link_output(&rig->link, id, &out);
        if (out.tx_len == 0)
            break;
        assert_true(out.baud == 9600);
        assert_true(n + out.tx_len <= sizeof got);
        /* a port that takes 7 bytes at a time: the pieces do not depend on it */
        size_t take = out.tx_len < 7 ? out.tx_len : 7;
        memcpy(got + n, out.tx, take);
        n += take;
        assert_int_equal(mfw_link_sent(&rig->link, id, take), MFW_OK);
    }
    mfw_link_output(&rig->link, id, &out);
    assert_int_equal(out.baud, 300); /* back to the initial rate */
    assert_true(n > 200);
    assert_int_equal(got[0], 0x02);
    assert_int_equal(got[n - 2], 0x03);
    assert_memory_equal(got + n - 5, "!\r\n\x03", 4);
    assert_int_equal(got[n - 1], bcc_of(got, n));
    got[n - 1] = 0;
    /* the display list's energy as the LCD shows it, with OBIS and unit; the tariff */
    assert_non_null(strstr((const char *)got, "\x02"
                                              "1.8.0(00004.426*kWh)\r\n"));
    assert_non_null(strstr((const char *)got, "\r\n0-0:96.14.0(T2)\r\n"));
    assert_non_null(strstr((const char *)got, "\r\n32.7.0("));
    /* listening again */
    assert_int_equal(mfw_link_feed(&rig->link, id, signon, 5, 9000, &out), 5);
    mfw_link_poll(&rig->link, 9200);
    mfw_link_output(&rig->link, id, &out);
    assert_int_equal(out.tx_len, 21);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_capture_replay),
        cmocka_unit_test(test_replay_splits),
        cmocka_unit_test(test_management_window7),
        cmocka_unit_test(test_burst_sizes),
        cmocka_unit_test(test_inactivity),
        cmocka_unit_test(test_frame_and_associate_timeouts),
        cmocka_unit_test(test_oversize_and_reset),
        cmocka_unit_test(test_optical),
        cmocka_unit_test(test_optical_address),
        cmocka_unit_test(test_bcc_vectors),
        cmocka_unit_test(test_optical_mode_c),
    };
    return cmocka_run_group_tests(tests, setup_rig, NULL);
}
