/* SPDX-License-Identifier: Apache-2.0 */
/* HDLC (include/meterfw/link/hdlc.h): the frame receiver and encoder, the address forms, the
 * SNRM/UA parameters and the secondary station, against frames built and checked here with a
 * CRC-16/X.25 computed bit by bit from its definition (not the project's table-driven one):
 *
 *   IEC 62056-46 6.4 [M] frame format type 3: 7E, format A/S/11-bit length (the bytes between the
 *   flags), destination, source, control, HCS (over format..control, only with an information
 *   field), information, FCS (over format..information), 7E; CRC-16/X.25 = reflected 0x8408,
 *   init FFFF, xorout FFFF, low byte first; extended addressing (b0 = 1 on an address's last
 *   byte); control codes of ISO/IEC 13239: I = N(R)<<5 | P | N(S)<<1, RR = N(R)<<5 | P | 1,
 *   SNRM 93, DISC 53, UA 73, DM 1F, FRMR 97 (with P/F);
 *   the captured Gurux exchange tests/vectors/h_public_clock.txt (every frame must decode, four of
 *   them carry a raw 7E inside), and the vectors of the HDLC design brief: an SNRM to the 4-byte
 *   server address 00 02 00 23 (upper 1, lower 17) from an open HDLC implementation, and the
 *   UA, DM and FRMR frames computed for the meter from the standard's layout. */
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
#include "meterfw/link/hdlc.h"

#define CAP "h_public_clock.txt"

/* ---- the test's own CRC and frames (tests/support/hdlc_frames.h) --------------------------- */

#define crc_bits tf_crc
#define tframe tf_build

/* A frame the meter sent, checked field by field (hdlc_frames.h), to fail the test if wrong. */
#define tf tf_frame
static void tparse(const uint8_t *p, size_t len, size_t srclen, struct tf *f)
{
    const char *why = tf_parse(p, len, srclen, f);
    if (why != NULL)
        fail_msg("frame of %zu bytes: %s", len, why);
}

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = hex_decode(s, out, cap);
    assert_true(n != HEX_BAD);
    return n;
}

static const uint8_t SRV1[1] = {0x03}; /* upper 1 alone */
#define PUBLIC 0x21                    /* client SAP 16 */

/* ---- codec ----------------------------------------------------------------------------------- */

static void test_crc_definition(void **state)
{
    (void)state;
    /* the catalogue check value of CRC-16/X.25 (= CRC-16/IBM-SDLC) */
    assert_int_equal(crc_bits((const uint8_t *)"123456789", 9), 0x906E);
}

/* Every frame of the capture, fed whole and byte by byte, decodes as one valid frame whose fields
 * are the bytes: 82 frames, four with a raw 7E inside (no octet stuffing in IEC 62056-46). */
static void test_capture_decodes(void **state)
{
    (void)state;
    static uint8_t raw[2048], info[2048];
    unsigned raw7e = 0;
    for (int kind = VEC_TX; kind <= VEC_RX; kind++) {
        for (int k = 1; k <= 41; k++) {
            size_t n;
            assert_int_equal(vec_line(CAP, (enum vec_kind)kind, k, raw, sizeof raw, &n), VEC_OK);
            for (size_t j = 1; j + 1 < n; j++)
                raw7e += raw[j] == 0x7E;
            for (int bytewise = 0; bytewise < 2; bytewise++) {
                struct mfw_hdlc_rx rx;
                mfw_hdlc_rx_init(&rx, info, sizeof info);
                struct mfw_hdlc_frame f;
                int got = 0;
                size_t off = 0;
                while (off < n) {
                    size_t used, chunk = bytewise ? 1 : n - off;
                    int r = mfw_hdlc_rx_feed(&rx, raw + off, chunk, 0, &used, &f);
                    off += used;
                    if (r == 1) {
                        got++;
                        assert_int_equal(off, n); /* the frame ends at its closing flag */
                    }
                }
                assert_int_equal(got, 1);
                size_t srv = kind == VEC_TX ? 1 : 0; /* TX: dst is the server, 1 byte (03) */
                assert_int_equal(f.dst_len, 1);
                assert_int_equal(f.src_len, 1);
                assert_int_equal(f.dst[0], srv ? 0x03 : 0x21);
                assert_int_equal(f.src[0], srv ? 0x21 : 0x03);
                assert_int_equal(f.control, raw[5]);
                assert_int_equal(f.segmented, (raw[1] & 0x08) != 0);
                size_t L = (size_t)((raw[1] & 7) << 8 | raw[2]);
                assert_int_equal(L, n - 2);
                if (L == 7) {
                    assert_int_equal(f.info_len, 0);
                } else {
                    assert_int_equal(f.info_len, L - 9);
                    assert_memory_equal(f.info, raw + 8, f.info_len);
                }
                assert_int_equal(rx.stats.frames, 1);
                assert_int_equal(rx.stats.bad_fcs + rx.stats.bad_hcs + rx.stats.bad_format, 0);
            }
        }
    }
    assert_true(raw7e >= 4);
}

/* The whole server side of the capture as one stream: 41 frames, nothing dropped. */
static void test_capture_stream(void **state)
{
    (void)state;
    static uint8_t stream[64 * 1024], info[2048];
    size_t total = 0;
    for (int k = 1; k <= 41; k++) {
        size_t n;
        assert_int_equal(vec_line(CAP, VEC_RX, k, stream + total, sizeof stream - total, &n),
                         VEC_OK);
        total += n;
    }
    struct mfw_hdlc_rx rx;
    mfw_hdlc_rx_init(&rx, info, sizeof info);
    unsigned frames = 0;
    for (size_t off = 0; off < total;) {
        struct mfw_hdlc_frame f;
        size_t used;
        if (mfw_hdlc_rx_feed(&rx, stream + off, total - off, 0, &used, &f) == 1)
            frames++;
        off += used;
    }
    assert_int_equal(frames, 41);
    assert_int_equal(rx.stats.skipped, 0);
}

/* Broken frames are dropped and counted; the next good frame still comes through. */
static void test_bad_frames(void **state)
{
    (void)state;
    uint8_t info[256], a[64], b[64];
    uint8_t x[3] = {0xE6, 0xE6, 0x00};
    size_t na = tframe(a, SRV1, 1, PUBLIC, 0x10, false, x, 3);
    size_t nb = tframe(b, SRV1, 1, PUBLIC, 0x93, false, NULL, 0);
    struct {
        size_t at; /* byte flipped (0: none) */
        uint32_t hcs, fcs, fmt, close;
    } cases[] = {
        {7, 1, 0, 0, 0},      /* the HCS */
        {10, 0, 1, 0, 0},     /* information: the FCS catches it */
        {11, 0, 1, 0, 0},     /* the FCS itself */
        {1, 0, 0, 1, 0},      /* format type 0x2A instead of 0xA: not type 3 */
        {2, 0, 0, 0, 0},      /* the length: HCS wrong, or no flag where it says */
        {na - 1, 0, 0, 0, 1}, /* the closing flag */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        uint8_t s[128];
        memcpy(s, a, na);
        s[cases[c].at] ^= cases[c].at == 1 ? 0x80 : 0x01;
        memcpy(s + na, b, nb);
        struct mfw_hdlc_rx rx;
        mfw_hdlc_rx_init(&rx, info, sizeof info);
        struct mfw_hdlc_frame f;
        unsigned frames = 0;
        uint8_t last = 0;
        for (size_t off = 0; off < na + nb;) {
            size_t used;
            if (mfw_hdlc_rx_feed(&rx, s + off, na + nb - off, 0, &used, &f) == 1) {
                frames++;
                last = f.control;
            }
            off += used;
        }
        assert_int_equal(frames, 1); /* the SNRM behind it */
        assert_int_equal(last, 0x93);
        if (cases[c].at != 2) {
            assert_int_equal(rx.stats.bad_hcs, cases[c].hcs);
            assert_int_equal(rx.stats.bad_fcs, cases[c].fcs);
            assert_int_equal(rx.stats.bad_format, cases[c].fmt);
            assert_int_equal(rx.stats.bad_close, cases[c].close);
        }
    }
}

/* Back to back frames sharing one flag (ISO/IEC 13239), idle flags, garbage before a frame. */
static void test_shared_flags_and_noise(void **state)
{
    (void)state;
    uint8_t info[64], s[128], f1[32];
    size_t n1 = tframe(f1, SRV1, 1, PUBLIC, 0x51, false, NULL, 0);
    size_t k = 0;
    s[k++] = 0x00;
    s[k++] = 0x55;
    s[k++] = 0x7E;
    s[k++] = 0x7E; /* idle flags */
    memcpy(s + k, f1, n1);
    k += n1;
    memcpy(s + k, f1 + 1, n1 - 1); /* the closing flag of the first opens the second */
    k += n1 - 1;
    struct mfw_hdlc_rx rx;
    mfw_hdlc_rx_init(&rx, info, sizeof info);
    unsigned frames = 0;
    for (size_t off = 0; off < k;) {
        struct mfw_hdlc_frame f;
        size_t used;
        if (mfw_hdlc_rx_feed(&rx, s + off, k - off, 0, &used, &f) == 1) {
            frames++;
            assert_int_equal(f.control, 0x51);
        }
        off += used;
    }
    assert_int_equal(frames, 2);
    assert_int_equal(rx.stats.skipped, 2);
}

/* An information field longer than the target: the frame arrives marked truncated, not stored. */
static void test_truncated(void **state)
{
    (void)state;
    uint8_t info[16], s[128], big[40];
    memset(big, 0x5A, sizeof big);
    memset(info, 0, sizeof info);
    size_t n = tframe(s, SRV1, 1, PUBLIC, 0x10, false, big, sizeof big);
    struct mfw_hdlc_rx rx;
    mfw_hdlc_rx_init(&rx, info, sizeof info);
    struct mfw_hdlc_frame f;
    size_t used;
    assert_int_equal(mfw_hdlc_rx_feed(&rx, s, n, 0, &used, &f), 1);
    assert_true(f.truncated);
    assert_null(f.info);
    assert_int_equal(f.info_len, sizeof big);
    for (size_t k = 0; k < sizeof info; k++)
        assert_int_equal(info[k], 0); /* nothing written past the room, nothing at all */
}

/* A gap longer than the inter-octet time-out inside a frame drops it. */
static void test_inter_octet(void **state)
{
    (void)state;
    uint8_t info[16], s[32];
    size_t n = tframe(s, SRV1, 1, PUBLIC, 0x93, false, NULL, 0);
    struct mfw_hdlc_rx rx;
    mfw_hdlc_rx_init(&rx, info, sizeof info);
    rx.inter_octet_ms = 25;
    struct mfw_hdlc_frame f;
    size_t used;
    assert_int_equal(mfw_hdlc_rx_feed(&rx, s, 4, 1000, &used, &f), 0);
    assert_int_equal(mfw_hdlc_rx_feed(&rx, s + 4, n - 4, 1025, &used, &f), 1); /* 25 ms: fine */
    assert_int_equal(mfw_hdlc_rx_feed(&rx, s, 4, 2000, &used, &f), 0);
    assert_int_equal(mfw_hdlc_rx_feed(&rx, s + 4, n - 4, 2026, &used, &f), 0); /* 26 ms: gone */
    assert_int_equal(rx.stats.inter_octet, 1);
    assert_int_equal(mfw_hdlc_rx_feed(&rx, s, n, 3000, &used, &f), 1); /* the next one is fine */
}

/* The encoder against the test's frames and against the capture. */
static void test_encode(void **state)
{
    (void)state;
    uint8_t out[256], want[256], cap[256];
    struct mfw_wcursor w;
    /* the capture's first client frame, SNRM without parameters, and the first AARQ I-frame */
    size_t n;
    assert_int_equal(vec_line(CAP, VEC_TX, 1, cap, sizeof cap, &n), VEC_OK);
    mfw_wcursor_init(&w, out, sizeof out);
    assert_int_equal(mfw_hdlc_encode(&w, SRV1, 1, (const uint8_t[]){0x21}, 1, 0x93, false, NULL, 0),
                     MFW_OK);
    assert_int_equal(w.len, n);
    assert_memory_equal(out, cap, n);
    assert_int_equal(vec_line(CAP, VEC_TX, 2, cap, sizeof cap, &n), VEC_OK);
    mfw_wcursor_init(&w, out, sizeof out);
    assert_int_equal(
        mfw_hdlc_encode(&w, SRV1, 1, (const uint8_t[]){0x21}, 1, 0x10, false, cap + 8, n - 11),
        MFW_OK);
    assert_int_equal(w.len, n);
    assert_memory_equal(out, cap, n);
    /* a segmented frame with a 4-byte destination */
    const uint8_t d4[4] = {0x00, 0x02, 0x00, 0x23};
    uint8_t x[100];
    for (size_t k = 0; k < sizeof x; k++)
        x[k] = (uint8_t)k;
    size_t m = tframe(want, d4, 4, 0x21, 0x54, true, x, sizeof x);
    mfw_wcursor_init(&w, out, sizeof out);
    assert_int_equal(mfw_hdlc_encode(&w, d4, 4, (const uint8_t[]){0x21}, 1, 0x54, true, x, 100),
                     MFW_OK);
    assert_int_equal(w.len, m);
    assert_memory_equal(out, want, m);
    /* refusals: a 3-byte address, info NULL with a length, no room (cursor unchanged) */
    mfw_wcursor_init(&w, out, sizeof out);
    assert_int_equal(mfw_hdlc_encode(&w, d4, 3, SRV1, 1, 0x93, false, NULL, 0), MFW_E_ARG);
    assert_int_equal(mfw_hdlc_encode(&w, d4, 4, SRV1, 1, 0x10, false, NULL, 5), MFW_E_ARG);
    mfw_wcursor_init(&w, out, 20);
    assert_int_equal(mfw_hdlc_encode(&w, d4, 4, SRV1, 1, 0x10, false, x, 10), MFW_E_NOSPACE);
    assert_int_equal(w.len, 0);
    /* the longest frame: 2047 bytes between the flags (12 of them header, HCS and FCS here) */
    static uint8_t big[2100], bout[2100];
    mfw_wcursor_init(&w, bout, sizeof bout);
    assert_int_equal(mfw_hdlc_encode(&w, d4, 4, SRV1, 1, 0x10, false, big, 2035), MFW_OK);
    assert_int_equal(w.len, 2049);
    mfw_wcursor_init(&w, bout, sizeof bout);
    assert_int_equal(mfw_hdlc_encode(&w, d4, 4, SRV1, 1, 0x10, false, big, 2036), MFW_E_ARG);
}

/* IEC 62056-46 6.4.2.2 [M]: 1 byte upper << 1 | 1; 2 bytes upper << 1, lower << 1 | 1; 4 bytes
 * 7-bit halves of upper and lower. The extra vector: 00 02 00 23 = upper 1, lower 17. */
static void test_addresses(void **state)
{
    (void)state;
    uint8_t b[4];
    struct mfw_hdlc_address a = {1, 0, 0};
    assert_int_equal(mfw_hdlc_address_encode(&a, b), 1);
    assert_int_equal(b[0], 0x03);
    a = (struct mfw_hdlc_address){1, 17, 0};
    assert_int_equal(mfw_hdlc_address_encode(&a, b), 2);
    assert_memory_equal(b, ((const uint8_t[]){0x02, 0x23}), 2);
    a.size = 4;
    assert_int_equal(mfw_hdlc_address_encode(&a, b), 4);
    assert_memory_equal(b, ((const uint8_t[]){0x00, 0x02, 0x00, 0x23}), 4);
    a = (struct mfw_hdlc_address){1, 1001, 0}; /* the meter's physical address of serial 1 */
    assert_int_equal(mfw_hdlc_address_encode(&a, b), 4);
    assert_memory_equal(b, ((const uint8_t[]){0x00, 0x02, 0x0E, 0xD3}), 4); /* 1001 = 7<<7|105 */
    a = (struct mfw_hdlc_address){0x3FFF, 0x3FFF, 4};
    assert_int_equal(mfw_hdlc_address_encode(&a, b), 4);
    assert_memory_equal(b, ((const uint8_t[]){0xFE, 0xFE, 0xFE, 0xFF}), 4);
    a = (struct mfw_hdlc_address){1, 200, 2};
    assert_int_equal(mfw_hdlc_address_encode(&a, b), 0); /* 200 does not fit 7 bits */
    a = (struct mfw_hdlc_address){0x4000, 1, 4};
    assert_int_equal(mfw_hdlc_address_encode(&a, b), 0);
    a = (struct mfw_hdlc_address){1, 1, 3};
    assert_int_equal(mfw_hdlc_address_encode(&a, b), 0);
    struct mfw_hdlc_address d;
    assert_true(mfw_hdlc_address_decode((const uint8_t[]){0x00, 0x02, 0x00, 0x23}, 4, &d));
    assert_int_equal(d.upper, 1);
    assert_int_equal(d.lower, 17);
    assert_true(mfw_hdlc_address_decode((const uint8_t[]){0x02, 0x23}, 2, &d));
    assert_int_equal(d.upper, 1);
    assert_int_equal(d.lower, 17);
    assert_true(mfw_hdlc_address_decode(SRV1, 1, &d));
    assert_int_equal(d.upper, 1);
    assert_int_equal(d.size, 1);
    assert_false(mfw_hdlc_address_decode(b, 3, &d));
    /* and the receiver refuses a 3-byte address: 7E A0 0B 00 02 23 21 93 FCS 7E */
    uint8_t s[16] = {0x7E, 0xA0, 0x09, 0x00, 0x02, 0x23, 0x21, 0x93};
    uint16_t c = crc_bits(s + 1, 7);
    s[8] = (uint8_t)c;
    s[9] = (uint8_t)(c >> 8);
    s[10] = 0x7E;
    uint8_t info[8];
    struct mfw_hdlc_rx rx;
    mfw_hdlc_rx_init(&rx, info, sizeof info);
    struct mfw_hdlc_frame f;
    size_t used;
    assert_int_equal(mfw_hdlc_rx_feed(&rx, s, 11, 0, &used, &f), 0);
    assert_int_equal(rx.stats.bad_format, 1);
}

/* The capture's UA (128, 128, 1, 1: 05 and 06 on one byte, 07 and 08 on four), the extra SNRM
 * with window_rx 7, 2-byte lengths, an empty field, errors. */
static void test_params(void **state)
{
    (void)state;
    uint8_t raw[64], out[64];
    size_t n;
    struct mfw_hdlc_params p;
    assert_int_equal(vec_line(CAP, VEC_RX, 1, raw, sizeof raw, &n), VEC_OK);
    assert_int_equal(mfw_hdlc_params_decode(raw + 8, n - 11, &p), MFW_OK);
    assert_int_equal(p.info_tx, 128);
    assert_int_equal(p.info_rx, 128);
    assert_int_equal(p.window_tx, 1);
    assert_int_equal(p.window_rx, 1);
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, out, sizeof out);
    mfw_hdlc_params_encode(&p, &w);
    assert_int_equal(w.len, n - 11);
    assert_memory_equal(out, raw + 8, w.len);
    size_t k =
        unhex("81 80 12 05 01 80 06 01 80 07 04 00 00 00 01 08 04 00 00 00 07", raw, sizeof raw);
    assert_int_equal(mfw_hdlc_params_decode(raw, k, &p), MFW_OK);
    assert_int_equal(p.window_rx, 7);
    assert_int_equal(p.window_tx, 1);
    k = unhex("81 80 08 05 02 04 00 06 02 07 EE", raw, sizeof raw);
    assert_int_equal(mfw_hdlc_params_decode(raw, k, &p), MFW_OK);
    assert_int_equal(p.info_tx, 1024);
    assert_int_equal(p.info_rx, 2030);
    assert_int_equal(p.window_tx, 1); /* absent: the default */
    mfw_wcursor_init(&w, out, sizeof out);
    mfw_hdlc_params_encode(&p, &w);
    assert_int_equal(w.len, 3 + 4 + 4 + 6 + 6);
    assert_memory_equal(out, ((const uint8_t[]){0x81, 0x80, 0x14, 0x05, 0x02, 0x04, 0x00}), 7);
    assert_int_equal(mfw_hdlc_params_decode(NULL, 0, &p), MFW_OK);
    assert_int_equal(p.info_tx, 128);
    /* unknown parameters are skipped */
    k = unhex("81 80 06 0A 01 99 08 01 03", raw, sizeof raw);
    assert_int_equal(mfw_hdlc_params_decode(raw, k, &p), MFW_OK);
    assert_int_equal(p.window_rx, 3);
    static const char *const bad[] = {
        "80 80 00",                      /* not format 81 */
        "81 81 00",                      /* not group 80 */
        "81 80 05 05 01 80",             /* group longer than the field */
        "81 80 03 05 02 80",             /* value past the group */
        "81 80 07 05 05 00 00 00 00 80", /* 5-byte value */
        "81 80 03 07 01 08",             /* window 8 */
        "81 80 03 08 01 00",             /* window 0 */
        "81 80 03 05 01 00",             /* length 0 */
        "81 80 01 05",                   /* a lone id */
        "81",                            /* too short */
    };
    for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
        k = unhex(bad[b], raw, sizeof raw);
        p.info_tx = 77;
        assert_int_equal(mfw_hdlc_params_decode(raw, k, &p), MFW_E_FORMAT);
        assert_int_equal(p.info_tx, 77); /* unchanged */
    }
}

/* ---- the station ----------------------------------------------------------------------------- */

struct st {
    struct mfw_hdlc h;
    uint8_t buf[1100];
    uint8_t out[8][1200]; /* frames sent */
    size_t out_len[8];
    unsigned nout;
    struct mfw_hdlc_event ev;
    unsigned events;
};
static struct st S;

static void st_init(uint16_t info, uint8_t win, uint16_t physical)
{
    memset(&S, 0, sizeof S);
    struct mfw_hdlc_config c;
    mfw_hdlc_default_config(&c);
    c.physical = physical;
    c.max_info_tx = c.max_info_rx = info;
    c.window_tx = c.window_rx = win;
    assert_int_equal(mfw_hdlc_init(&S.h, &c, S.buf, sizeof S.buf), MFW_OK);
}

/* Collects every frame the station has to send (at most 8). */
static void drain(void)
{
    const uint8_t *p;
    size_t n;
    while ((n = mfw_hdlc_output(&S.h, &p)) > 0) {
        assert_true(S.nout < 8);
        assert_true(n <= sizeof S.out[0]);
        memcpy(S.out[S.nout], p, n);
        S.out_len[S.nout++] = n;
    }
}

/* Feeds one frame; returns the event of the station (NONE if it had none) and drains. */
static uint8_t put(const uint8_t *f, size_t n)
{
    S.nout = 0;
    size_t used;
    int r = mfw_hdlc_feed(&S.h, f, n, 0, &used, &S.ev);
    assert_int_equal(used, n);
    if (r != 1)
        return MFW_HDLC_EV_NONE;
    S.events++;
    if (S.ev.kind != MFW_HDLC_EV_APDU)
        drain();
    return S.ev.kind;
}

/* A command from the public client to server address 03 (or d). */
static uint8_t cmd(uint8_t control, bool seg, const uint8_t *info, size_t n)
{
    uint8_t f[1200];
    size_t k = tframe(f, SRV1, 1, PUBLIC, control, seg, info, n);
    return put(f, k);
}

static void expect_one(uint8_t control, struct tf *f)
{
    assert_int_equal(S.nout, 1);
    tparse(S.out[0], S.out_len[0], 1, f);
    assert_int_equal(f->dst, PUBLIC);
    assert_int_equal(f->src[0], 0x03);
    assert_int_equal(f->control, control);
}

/* The frames computed in the brief for this meter: UA to DISC without an information field, DM. */
static const char UA_BARE[] = "7E A0 07 21 03 73 01 40 7E";
static const char DM[] = "7E A0 07 21 03 1F 6B E9 7E";

static void expect_bytes(const char *hex)
{
    uint8_t want[64];
    size_t n = unhex(hex, want, sizeof want);
    assert_int_equal(S.nout, 1);
    assert_int_equal(S.out_len[0], n);
    assert_memory_equal(S.out[0], want, n);
}

static void connect_default(void)
{
    assert_int_equal(cmd(0x93, false, NULL, 0), MFW_HDLC_EV_CONNECT);
    assert_int_equal(S.nout, 1);
    assert_int_equal(S.h.mode, MFW_HDLC_NRM);
}

/* NDM: I, RR and DISC get DM (when polled); an unpolled RR nothing; SNRM connects with the UA of
 * the capture (128/128/1/1, whatever the meter allows, when the SNRM proposes nothing). */
static void test_ndm_and_snrm(void **state)
{
    (void)state;
    st_init(1027, 7, 0x10);
    uint8_t x[4] = {0xE6, 0xE6, 0x00, 0x01};
    assert_int_equal(cmd(0x10, false, x, 4), MFW_HDLC_EV_FRAME);
    expect_bytes(DM);
    assert_int_equal(cmd(0x11, false, NULL, 0), MFW_HDLC_EV_FRAME);
    expect_bytes(DM);
    assert_int_equal(cmd(0x01, false, NULL, 0), MFW_HDLC_EV_FRAME);
    assert_int_equal(S.nout, 0);
    assert_int_equal(cmd(0x53, false, NULL, 0), MFW_HDLC_EV_FRAME);
    expect_bytes(DM);
    /* SNRM: the capture's first exchange byte for byte */
    uint8_t snrm[16], ua[64];
    size_t n, m;
    assert_int_equal(vec_line(CAP, VEC_TX, 1, snrm, sizeof snrm, &n), VEC_OK);
    assert_int_equal(vec_line(CAP, VEC_RX, 1, ua, sizeof ua, &m), VEC_OK);
    assert_int_equal(put(snrm, n), MFW_HDLC_EV_CONNECT);
    assert_int_equal(S.ev.client_sap, 16);
    assert_int_equal(S.nout, 1);
    assert_int_equal(S.out_len[0], m);
    assert_memory_equal(S.out[0], ua, m);
    /* a second SNRM in NRM: the same UA again (a reset) */
    assert_int_equal(put(snrm, n), MFW_HDLC_EV_CONNECT);
    assert_int_equal(S.out_len[0], m);
    /* an SNRM whose field cannot be read: DM */
    assert_int_equal(cmd(0x93, false, (const uint8_t[]){0x81, 0x80, 0x03, 0x07, 0x01, 0x09}, 6),
                     MFW_HDLC_EV_FRAME);
    expect_bytes(DM);
}

/* Addresses: 1-, 2- and 4-byte forms of the meter's address are answered with the same form,
 * the all-station lower address too; another upper or lower address, a 2-byte client address:
 * silence. The brief's vector: SNRM to 00 02 00 23 proposing window_rx 7 gets the UA computed
 * there (window 7/1, 128/128). */
static void test_addressing(void **state)
{
    (void)state;
    uint8_t s[64], want[64];
    st_init(1027, 7, 17);
    size_t n = unhex("7E A0 21 00 02 00 23 21 93 19 64 81 80 12 05 01 80 06 01 80 07 04 00 00 00 "
                     "01 08 04 00 00 00 07 65 5E 7E",
                     s, sizeof s);
    assert_int_equal(put(s, n), MFW_HDLC_EV_CONNECT);
    size_t m = unhex("7E A0 21 21 00 02 00 23 73 4D F2 81 80 12 05 01 80 06 01 80 07 04 00 00 00 "
                     "07 08 04 00 00 00 01 9E 63 7E",
                     want, sizeof want);
    assert_int_equal(S.nout, 1);
    assert_int_equal(S.out_len[0], m);
    assert_memory_equal(S.out[0], want, m);
    assert_int_equal(S.h.link.window_tx, 7);
    /* the open implementation's SNRM from client 0xF1 without parameters: UA 128/128/1/1 to F1 */
    n = unhex("7E A0 0A 00 02 00 23 F1 93 23 2E 7E", s, sizeof s);
    assert_int_equal(put(s, n), MFW_HDLC_EV_CONNECT);
    assert_int_equal(S.ev.client_sap, 120);
    struct tf f;
    tparse(S.out[0], S.out_len[0], 4, &f);
    assert_int_equal(f.dst, 0xF1);
    assert_memory_equal(f.src, ((const uint8_t[]){0x00, 0x02, 0x00, 0x23}), 4);
    assert_int_equal(f.control, 0x73);
    /* 2 bytes: 02 23 */
    n = tframe(s, (const uint8_t[]){0x02, 0x23}, 2, PUBLIC, 0x93, false, NULL, 0);
    assert_int_equal(put(s, n), MFW_HDLC_EV_CONNECT);
    tparse(S.out[0], S.out_len[0], 2, &f);
    assert_memory_equal(f.src, ((const uint8_t[]){0x02, 0x23}), 2);
    /* all-station lower address, 2 and 4 bytes */
    n = tframe(s, (const uint8_t[]){0x02, 0xFF}, 2, PUBLIC, 0x93, false, NULL, 0);
    assert_int_equal(put(s, n), MFW_HDLC_EV_CONNECT);
    n = tframe(s, (const uint8_t[]){0x00, 0x02, 0xFE, 0xFF}, 4, PUBLIC, 0x93, false, NULL, 0);
    assert_int_equal(put(s, n), MFW_HDLC_EV_CONNECT);
    /* not ours: lower 18, upper 2, a 2-byte client address */
    unsigned events = S.events;
    n = tframe(s, (const uint8_t[]){0x02, 0x25}, 2, PUBLIC, 0x93, false, NULL, 0);
    assert_int_equal(put(s, n), MFW_HDLC_EV_NONE);
    n = tframe(s, (const uint8_t[]){0x05}, 1, PUBLIC, 0x93, false, NULL, 0);
    assert_int_equal(put(s, n), MFW_HDLC_EV_NONE);
    n = tframe(s, (const uint8_t[]){0x00, 0x04, 0x00, 0x23}, 4, PUBLIC, 0x93, false, NULL, 0);
    assert_int_equal(put(s, n), MFW_HDLC_EV_NONE);
    uint8_t two[32] = {0x7E, 0xA0, 0x08, 0x03, 0x20, 0x21, 0x93};
    uint16_t c = crc_bits(two + 1, 6);
    two[7] = (uint8_t)c;
    two[8] = (uint8_t)(c >> 8);
    two[9] = 0x7E;
    assert_int_equal(put(two, 10), MFW_HDLC_EV_NONE);
    assert_int_equal(S.events, events);
    assert_int_equal(S.h.stats.not_ours, 4);
}

/* The negotiation: each side's transmit length is the other's receive length, never more than
 * the meter's nor than proposed; the windows likewise. */
static void test_negotiation(void **state)
{
    (void)state;
    uint8_t p[32];
    struct mfw_wcursor w;
    struct mfw_hdlc_params prop = {2030, 512, 7, 3}; /* the client: tx 2030, rx 512, win 7 / 3 */
    mfw_wcursor_init(&w, p, sizeof p);
    mfw_hdlc_params_encode(&prop, &w);
    st_init(1027, 7, 0x10);
    assert_int_equal(cmd(0x93, false, p, w.len), MFW_HDLC_EV_CONNECT);
    struct tf f;
    expect_one(0x73, &f);
    struct mfw_hdlc_params ua;
    assert_int_equal(mfw_hdlc_params_decode(f.info, f.n, &ua), MFW_OK);
    assert_int_equal(ua.info_tx, 512);  /* what the meter sends <= what the client receives */
    assert_int_equal(ua.info_rx, 1027); /* <= the meter's 1027 */
    assert_int_equal(ua.window_tx, 3);
    assert_int_equal(ua.window_rx, 7);
    /* a meter of 128 / window 1 never answers more */
    st_init(128, 1, 0x10);
    assert_int_equal(cmd(0x93, false, p, w.len), MFW_HDLC_EV_CONNECT);
    expect_one(0x73, &f);
    assert_int_equal(mfw_hdlc_params_decode(f.info, f.n, &ua), MFW_OK);
    assert_int_equal(ua.info_tx, 128);
    assert_int_equal(ua.info_rx, 128);
    assert_int_equal(ua.window_tx, 1);
    assert_int_equal(ua.window_rx, 1);
}

/* A reply of len bytes given to the station (the APDU in a buffer with room for the LLC). */
static uint8_t reply_buf[4096];
static void reply(size_t len, uint8_t seed)
{
    for (size_t k = 0; k < len; k++)
        reply_buf[8 + k] = (uint8_t)(seed + k * 7);
    S.nout = 0;
    mfw_hdlc_reply(&S.h, reply_buf + 8, len);
    drain();
}

/* I-frame from the client with the APDU apdu[n] behind the LLC E6 E6 00 (one frame). */
static uint8_t request(uint8_t ns, uint8_t nr, const uint8_t *apdu, size_t n)
{
    uint8_t info[1100] = {0xE6, 0xE6, 0x00};
    memcpy(info + 3, apdu, n);
    return cmd((uint8_t)(nr << 5 | 0x10 | ns << 1), false, info, n + 3);
}

/* Segmentation of a reply, window 1 (the capture's pattern): LLC + 125 bytes, then 128 each, S on
 * all but the last, every frame F=1, RR N(R) polls the next; N(R) of the meter constant. */
static void test_segmented_reply_window1(void **state)
{
    (void)state;
    st_init(1027, 7, 0x10);
    connect_default(); /* 128 / 128 / 1 / 1 */
    const uint8_t get[] = {0xC0, 0x01, 0xC1, 0x00, 0x08};
    assert_int_equal(request(0, 0, get, sizeof get), MFW_HDLC_EV_APDU);
    assert_int_equal(S.ev.len, sizeof get);
    assert_memory_equal(S.ev.apdu, get, sizeof get);
    reply(400, 3); /* 403 with the LLC: 128, 128, 128, 19 */
    struct tf f;
    uint8_t got[512];
    size_t have = 0;
    for (unsigned k = 0; k < 4; k++) {
        expect_one((uint8_t)(1 << 5 | 0x10 | k << 1), &f);
        assert_int_equal(f.segmented, k < 3);
        assert_int_equal(f.n, k < 3 ? 128 : 19);
        memcpy(got + have, f.info, f.n);
        have += f.n;
        if (k < 3)
            assert_int_equal(cmd((uint8_t)((k + 1) << 5 | 0x11), false, NULL, 0),
                             MFW_HDLC_EV_FRAME);
    }
    assert_int_equal(have, 403);
    assert_memory_equal(got, ((const uint8_t[]){0xE6, 0xE7, 0x00}), 3);
    assert_memory_equal(got + 3, reply_buf + 8, 400);
    /* the next request acknowledges the last segment */
    assert_int_equal(request(1, 4, get, sizeof get), MFW_HDLC_EV_APDU);
    reply(10, 1);
    expect_one((uint8_t)(2 << 5 | 0x10 | 4 << 1), &f);
    assert_int_equal(f.n, 13);
}

/* Window 7: seven frames in a burst, F only on the seventh; an RR that acknowledges them gets the
 * next burst; an RR that does not (frames lost) gets them again; wrapping of N(S) 7 -> 0. */
static void test_window7(void **state)
{
    (void)state;
    st_init(1027, 7, 0x10);
    uint8_t p[32];
    struct mfw_wcursor w;
    struct mfw_hdlc_params prop = {128, 128, 7, 7};
    mfw_wcursor_init(&w, p, sizeof p);
    mfw_hdlc_params_encode(&prop, &w);
    assert_int_equal(cmd(0x93, false, p, w.len), MFW_HDLC_EV_CONNECT);
    assert_int_equal(S.h.link.window_tx, 7);
    const uint8_t get[] = {0xC0, 0x01};
    assert_int_equal(request(0, 0, get, 2), MFW_HDLC_EV_APDU);
    reply(1200, 9); /* 1203: 9 full segments and 51 */
    assert_int_equal(S.nout, 7);
    struct tf f;
    uint8_t got[1300];
    size_t have = 0;
    for (unsigned k = 0; k < 7; k++) {
        tparse(S.out[k], S.out_len[k], 1, &f);
        assert_int_equal(f.control, (uint8_t)(1 << 5 | (k == 6 ? 0x10 : 0) | k << 1));
        assert_true(f.segmented);
        memcpy(got + have, f.info, f.n);
        have += f.n;
    }
    /* the client got only the first 5: RR N(R)=5 -> frames 5, 6 again, then 7, 8 (N(S) 5 6 7 0),
     * the fourth one F (the window is 7 but only 5 segments are left) */
    assert_int_equal(cmd((uint8_t)(5 << 5 | 0x11), false, NULL, 0), MFW_HDLC_EV_FRAME);
    assert_int_equal(S.nout, 5);
    have = 5 * 128;
    static const uint8_t ns[5] = {5, 6, 7, 0, 1};
    for (unsigned k = 0; k < 5; k++) {
        tparse(S.out[k], S.out_len[k], 1, &f);
        assert_int_equal(f.control, (uint8_t)(1 << 5 | (k == 4 ? 0x10 : 0) | ns[k] << 1));
        assert_int_equal(f.segmented, k < 4);
        memcpy(got + have, f.info, f.n);
        have += f.n;
    }
    assert_int_equal(have, 1203);
    assert_memory_equal(got + 3, reply_buf + 8, 1200);
    assert_int_equal(S.h.stats.retransmits, 1);
    /* an RR acknowledging everything: nothing left, an RR answers the poll */
    assert_int_equal(cmd((uint8_t)(2 << 5 | 0x11), false, NULL, 0), MFW_HDLC_EV_FRAME);
    expect_one((uint8_t)(1 << 5 | 0x11), &f);
}

/* The client segments a long request: each polled segment gets an RR F=1, the last one the
 * whole APDU; with window_rx > 1, unpolled segments get nothing until the poll. */
static void test_segmented_request(void **state)
{
    (void)state;
    st_init(1027, 7, 0x10);
    uint8_t p[32];
    struct mfw_wcursor w;
    struct mfw_hdlc_params prop = {64, 128, 3, 1}; /* the client sends 64-byte fields, window 3 */
    mfw_wcursor_init(&w, p, sizeof p);
    mfw_hdlc_params_encode(&prop, &w);
    assert_int_equal(cmd(0x93, false, p, w.len), MFW_HDLC_EV_CONNECT);
    assert_int_equal(S.h.link.info_rx, 64);
    assert_int_equal(S.h.link.window_rx, 3);
    uint8_t apdu[300], info[400] = {0xE6, 0xE6, 0x00};
    for (size_t k = 0; k < sizeof apdu; k++)
        apdu[k] = (uint8_t)(k ^ 0x5A);
    memcpy(info + 3, apdu, sizeof apdu); /* 303 bytes: 4 x 64 + 47 */
    struct tf f;
    for (unsigned k = 0; k < 5; k++) {
        bool last = k == 4, poll = k == 2 || last;
        uint8_t ev = cmd((uint8_t)(0 << 5 | (poll ? 0x10 : 0) | k << 1), !last, info + 64 * k,
                         last ? 47 : 64);
        if (!last) {
            assert_int_equal(ev, MFW_HDLC_EV_FRAME);
            if (poll)
                expect_one((uint8_t)((k + 1) << 5 | 0x11), &f); /* RR N(R)=3 */
            else
                assert_int_equal(S.nout, 0);
        } else {
            assert_int_equal(ev, MFW_HDLC_EV_APDU);
            assert_int_equal(S.ev.len, 300);
            assert_memory_equal(S.ev.apdu, apdu, 300);
        }
    }
    /* the answer acknowledges all five: N(R)=5 */
    reply(20, 0);
    expect_one((uint8_t)(5 << 5 | 0x10 | 0 << 1), &f);
    /* an information field longer than negotiated (65 > 64): FRMR with Y; then FRMR to a poll
     * until SNRM or DISC, and DISC gets UA */
    assert_int_equal(cmd((uint8_t)(1 << 5 | 0x10 | 5 << 1), false, info, 65), MFW_HDLC_EV_FRAME);
    expect_one(0x97, &f);
    assert_int_equal(f.n, 3);
    assert_int_equal(f.info[2], MFW_HDLC_FRMR_Y);
    assert_int_equal(S.h.mode, MFW_HDLC_FRMR_CONDITION);
    assert_int_equal(cmd(0x11, false, NULL, 0), MFW_HDLC_EV_FRAME);
    expect_one(0x97, &f);
    assert_int_equal(cmd(0x53, false, NULL, 0), MFW_HDLC_EV_DISCONNECT);
    expect_bytes(UA_BARE);
    assert_int_equal(S.h.mode, MFW_HDLC_NDM);
}

/* A wrong N(S): the information is dropped and a poll gets RR with the N(R) expected; the repeat
 * of the last request (its answer lost) gets the answer again, not a second execution. */
static void test_wrong_ns(void **state)
{
    (void)state;
    st_init(1027, 7, 0x10);
    connect_default();
    const uint8_t get[] = {0xC0, 0x01, 0xC1};
    assert_int_equal(request(1, 0, get, 3), MFW_HDLC_EV_FRAME); /* N(S)=1, expected 0 */
    struct tf f;
    expect_one(0x11, &f); /* RR N(R)=0 */
    assert_int_equal(S.h.stats.out_of_sequence, 1);
    assert_int_equal(request(0, 0, get, 3), MFW_HDLC_EV_APDU);
    reply(30, 5);
    expect_one(0x30, &f); /* I N(S)=0 N(R)=1 */
    uint8_t first[64];
    memcpy(first, S.out[0], S.out_len[0]);
    size_t first_len = S.out_len[0];
    /* the client did not get it and repeats its request (N(S)=0 again, N(R)=0) */
    assert_int_equal(request(0, 0, get, 3), MFW_HDLC_EV_FRAME);
    assert_int_equal(S.nout, 1);
    assert_int_equal(S.out_len[0], first_len);
    assert_memory_equal(S.out[0], first, first_len);
}

/* FRMR with Z for an N(R) the meter never sent: the brief's vector for rejected 0x10 with V(S)=2,
 * V(R)=1 (a 2-segment AARE-sized reply at 32-byte fields, then I N(S)=0 N(R)=0). W for an
 * undefined control field, W+X for an RR with information. */
static void test_frmr(void **state)
{
    (void)state;
    st_init(128, 1, 0x10);
    uint8_t p[32];
    struct mfw_wcursor w;
    struct mfw_hdlc_params prop = {128, 32, 1, 1};
    mfw_wcursor_init(&w, p, sizeof p);
    mfw_hdlc_params_encode(&prop, &w);
    assert_int_equal(cmd(0x93, false, p, w.len), MFW_HDLC_EV_CONNECT);
    assert_int_equal(S.h.link.info_tx, 32);
    const uint8_t aarq[] = {0x60, 0x00};
    assert_int_equal(request(0, 0, aarq, 2), MFW_HDLC_EV_APDU);
    reply(43, 0); /* 46 with the LLC: 32 + 14 */
    struct tf f;
    expect_one(0x30, &f);
    assert_int_equal(cmd(0x31, false, NULL, 0), MFW_HDLC_EV_FRAME);
    expect_one(0x32, &f);
    assert_int_equal(cmd(0x51, false, NULL, 0), MFW_HDLC_EV_FRAME); /* acknowledges both */
    expect_one(0x31, &f);
    assert_int_equal(request(0, 0, aarq, 2), MFW_HDLC_EV_FRAME); /* control 0x10: N(R)=0 */
    expect_bytes("7E A0 0C 21 03 97 3E 21 10 24 08 F9 82 7E");
    /* an SNRM clears the condition */
    connect_default();
    assert_int_equal(cmd(0x1B, false, NULL, 0), MFW_HDLC_EV_FRAME); /* undefined U command */
    expect_one(0x97, &f);
    assert_int_equal(f.info[0], 0x1B);
    assert_int_equal(f.info[2], MFW_HDLC_FRMR_W);
    connect_default();
    assert_int_equal(cmd(0x11, false, (const uint8_t[]){1}, 1), MFW_HDLC_EV_FRAME);
    expect_one(0x97, &f);
    assert_int_equal(f.info[2], MFW_HDLC_FRMR_W | MFW_HDLC_FRMR_X);
}

/* RNR: no I-frames until an RR; the LLC of a request must be E6 E6 00; an APDU that overflows
 * the buffer is reported, not stored. */
static void test_rnr_llc_oversize(void **state)
{
    (void)state;
    st_init(1027, 7, 0x10);
    connect_default();
    const uint8_t get[] = {0xC0, 0x01};
    assert_int_equal(request(0, 0, get, 2), MFW_HDLC_EV_APDU);
    reply(300, 0);
    struct tf f;
    expect_one(0x30 | 0x00, &f); /* first segment, F */
    assert_true(f.segmented);
    assert_int_equal(cmd((uint8_t)(1 << 5 | 0x15), false, NULL, 0), MFW_HDLC_EV_FRAME); /* RNR */
    expect_one((uint8_t)(1 << 5 | 0x11), &f);                                           /* RR */
    assert_int_equal(cmd((uint8_t)(1 << 5 | 0x11), false, NULL, 0), MFW_HDLC_EV_FRAME);
    expect_one((uint8_t)(1 << 5 | 0x10 | 1 << 1), &f); /* the second segment */
    /* a request with a wrong LLC: dropped, the poll gets an RR */
    st_init(1027, 7, 0x10);
    connect_default();
    assert_int_equal(cmd(0x10, false, (const uint8_t[]){0xE6, 0xE7, 0x00, 0xC0}, 4),
                     MFW_HDLC_EV_FRAME);
    expect_one(0x31, &f);
    /* segments that overflow the 1100-byte buffer (the client sends 128-byte fields) */
    uint8_t big[128];
    memset(big, 0xE6, sizeof big);
    uint8_t ev = MFW_HDLC_EV_NONE;
    for (unsigned k = 1; k <= 9 && ev != MFW_HDLC_EV_OVERSIZE; k++) {
        ev = cmd((uint8_t)(0 << 5 | 0x10 | (k & 7) << 1), true, big, sizeof big);
        if (ev != MFW_HDLC_EV_OVERSIZE)
            expect_one((uint8_t)(((k + 1) & 7) << 5 | 0x11), &f);
    }
    assert_int_equal(ev, MFW_HDLC_EV_OVERSIZE);
}

/* Every split of a conversation gives the same frames: SNRM, a 2-segment request, DISC. */
static void test_splits(void **state)
{
    (void)state;
    uint8_t s[1024];
    size_t n = 0;
    n += tframe(s + n, SRV1, 1, PUBLIC, 0x93, false, NULL, 0);
    uint8_t info[200] = {0xE6, 0xE6, 0x00, 0xC0, 0x01};
    n += tframe(s + n, SRV1, 1, PUBLIC, 0x10 | 0 << 1, true, info, 128);
    n += tframe(s + n, SRV1, 1, PUBLIC, 0x10 | 1 << 1, false, info + 128, 30);
    n += tframe(s + n, SRV1, 1, PUBLIC, 0x53, false, NULL, 0);
    for (size_t cut = 0; cut <= n; cut++) {
        st_init(1027, 7, 0x10);
        unsigned kinds[8], nk = 0;
        size_t pieces[2] = {cut, n - cut}, off = 0;
        for (unsigned p = 0; p < 2; p++) {
            size_t end = off + pieces[p];
            while (off < end) {
                size_t used;
                struct mfw_hdlc_event ev;
                int r = mfw_hdlc_feed(&S.h, s + off, end - off, 0, &used, &ev);
                off += used;
                if (r == 1) {
                    assert_true(nk < 8);
                    kinds[nk++] = ev.kind;
                    const uint8_t *fr;
                    while (mfw_hdlc_output(&S.h, &fr) > 0) {
                    }
                    if (ev.kind == MFW_HDLC_EV_APDU)
                        assert_int_equal(ev.len, 155);
                }
            }
        }
        assert_int_equal(nk, 4);
        assert_int_equal(kinds[0], MFW_HDLC_EV_CONNECT);
        assert_int_equal(kinds[1], MFW_HDLC_EV_FRAME);
        assert_int_equal(kinds[2], MFW_HDLC_EV_APDU);
        assert_int_equal(kinds[3], MFW_HDLC_EV_DISCONNECT);
    }
}

static void test_init_args(void **state)
{
    (void)state;
    struct mfw_hdlc_config c;
    mfw_hdlc_default_config(&c);
    static struct mfw_hdlc h;
    static uint8_t b[256];
    assert_int_equal(mfw_hdlc_init(&h, &c, b, sizeof b), MFW_OK);
    assert_int_equal(mfw_hdlc_init(NULL, &c, b, sizeof b), MFW_E_ARG);
    assert_int_equal(mfw_hdlc_init(&h, &c, b, 40), MFW_E_ARG);
    c.window_tx = 8;
    assert_int_equal(mfw_hdlc_init(&h, &c, b, sizeof b), MFW_E_ARG);
    c.window_tx = 1;
    c.max_info_rx = 2031;
    assert_int_equal(mfw_hdlc_init(&h, &c, b, sizeof b), MFW_E_ARG);
    /* a buffer smaller than the information length: the UA offers what fits */
    c.max_info_rx = 128;
    c.max_info_tx = 2030;
    assert_int_equal(mfw_hdlc_init(&h, &c, b, sizeof b), MFW_OK);
    size_t used;
    struct mfw_hdlc_event ev;
    assert_int_equal(mfw_hdlc_feed(&h, NULL, 1, 0, &used, &ev), MFW_E_ARG);
    uint8_t p[32], f[64];
    struct mfw_wcursor w;
    struct mfw_hdlc_params prop = {2030, 2030, 1, 1};
    mfw_wcursor_init(&w, p, sizeof p);
    mfw_hdlc_params_encode(&prop, &w);
    size_t n = tframe(f, SRV1, 1, PUBLIC, 0x93, false, p, w.len);
    assert_int_equal(mfw_hdlc_feed(&h, f, n, 0, &used, &ev), 1);
    assert_int_equal(h.link.info_tx, 256 - MFW_HDLC_OVERHEAD_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc_definition),
        cmocka_unit_test(test_capture_decodes),
        cmocka_unit_test(test_capture_stream),
        cmocka_unit_test(test_bad_frames),
        cmocka_unit_test(test_shared_flags_and_noise),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_inter_octet),
        cmocka_unit_test(test_encode),
        cmocka_unit_test(test_addresses),
        cmocka_unit_test(test_params),
        cmocka_unit_test(test_ndm_and_snrm),
        cmocka_unit_test(test_addressing),
        cmocka_unit_test(test_negotiation),
        cmocka_unit_test(test_segmented_reply_window1),
        cmocka_unit_test(test_window7),
        cmocka_unit_test(test_segmented_request),
        cmocka_unit_test(test_wrong_ns),
        cmocka_unit_test(test_frmr),
        cmocka_unit_test(test_rnr_llc_oversize),
        cmocka_unit_test(test_splits),
        cmocka_unit_test(test_init_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
