/* SPDX-License-Identifier: Apache-2.0 */
/* A-XDR: encodings worked out by hand from the Blue Book 4.1.5 Data CHOICE (tag, big-endian
 * contents, BER length form), and decoding of bytes captured between the Gurux DLMS C client and
 * server (tests/vectors/w_public_clock.txt). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hexbytes.h"

#include "meterfw/base/civil.h"
#include "meterfw/base/error.h"
#include "meterfw/codec/axdr.h"

/* Hex text ("09 0C 07 EA ...") to bytes; returns the count. */
static size_t hex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = hex_decode(s, out, cap);
    assert_true(n != HEX_BAD);
    return n;
}

/* Compares what an encoder wrote with hex text. */
static void expect(const struct mfw_wcursor *wc, const char *want)
{
    uint8_t w[600];
    size_t n = hex(want, w, sizeof(w));
    assert_int_equal(wc->err, MFW_OK);
    assert_int_equal(wc->len, n);
    assert_memory_equal(wc->p, w, n);
}

static uint8_t buf[1024];
static struct mfw_wcursor wc;

static void reset(void)
{
    mfw_wcursor_init(&wc, buf, sizeof(buf));
}

/* ---- Encoder ---- */

static void encode_scalars(void **st)
{
    (void)st;
    reset();
    mfw_axdr_put_null(&wc);
    expect(&wc, "00");
    reset();
    mfw_axdr_put_dont_care(&wc);
    expect(&wc, "FF");
    reset();
    mfw_axdr_put_bool(&wc, true);
    mfw_axdr_put_bool(&wc, false);
    expect(&wc, "03 01 03 00");
    reset();
    mfw_axdr_put_i8(&wc, -1);
    mfw_axdr_put_i8(&wc, 2);
    expect(&wc, "0F FF 0F 02");
    reset();
    mfw_axdr_put_u8(&wc, 200);
    expect(&wc, "11 C8");
    reset();
    mfw_axdr_put_i16(&wc, -2);
    expect(&wc, "10 FF FE");
    reset();
    mfw_axdr_put_u16(&wc, 8);
    expect(&wc, "12 00 08");
    reset();
    mfw_axdr_put_i32(&wc, -100000);
    expect(&wc, "05 FF FE 79 60");
    reset();
    mfw_axdr_put_u32(&wc, 0x12345678u);
    expect(&wc, "06 12 34 56 78");
    reset();
    mfw_axdr_put_i64(&wc, -2);
    expect(&wc, "14 FF FF FF FF FF FF FF FE");
    reset();
    mfw_axdr_put_u64(&wc, 0x0102030405060708ull);
    expect(&wc, "15 01 02 03 04 05 06 07 08");
    reset();
    mfw_axdr_put_enum(&wc, 3);
    expect(&wc, "16 03");
    reset();
    mfw_axdr_put_bcd(&wc, 0x42);
    expect(&wc, "0D 42");
    /* 1.5 = 0x3FC00000 (binary32), 0x3FF8000000000000 (binary64); -2.0f = 0xC0000000 */
    reset();
    mfw_axdr_put_f32(&wc, 1.5f);
    mfw_axdr_put_f32(&wc, -2.0f);
    expect(&wc, "17 3F C0 00 00 17 C0 00 00 00");
    reset();
    mfw_axdr_put_f64(&wc, 1.5);
    expect(&wc, "18 3F F8 00 00 00 00 00 00");
    static const uint8_t ln[6] = {0, 0, 1, 0, 0, 255};
    reset();
    mfw_axdr_put_octets(&wc, ln, 6);
    expect(&wc, "09 06 00 00 01 00 00 FF");
    reset();
    mfw_axdr_put_octets(&wc, NULL, 0);
    expect(&wc, "09 00");
    reset();
    mfw_axdr_put_visible(&wc, "Gurux", 5);
    expect(&wc, "0A 05 47 75 72 75 78");
    reset();
    mfw_axdr_put_utf8(&wc, (const uint8_t *)"\xC3\xA9", 2);
    expect(&wc, "0C 02 C3 A9");
    /* bit-string: the count is in bits; unused trailing bits are cleared */
    static const uint8_t bits[2] = {0xA5, 0xFF};
    reset();
    mfw_axdr_put_bitstring(&wc, bits, 3);
    expect(&wc, "04 03 A0");
    reset();
    mfw_axdr_put_bitstring(&wc, bits, 16);
    expect(&wc, "04 10 A5 FF");
    reset();
    mfw_axdr_put_bitstring(&wc, bits, 9);
    expect(&wc, "04 09 A5 80");
    reset();
    mfw_axdr_put_bitstring(&wc, NULL, 0);
    expect(&wc, "04 00");
    reset();
    mfw_axdr_put_array_header(&wc, 0);
    expect(&wc, "01 00");
    reset();
    mfw_axdr_put_array_header(&wc, 300);
    expect(&wc, "01 82 01 2C");
}

static void encode_structure(void **st)
{
    (void)st;
    /* A capture object {class_id 8, logical name 0.0.1.0.0.255, attribute 2} as a profile
     * generic capture_objects element would carry it (data_index omitted). */
    static const uint8_t ln[6] = {0, 0, 1, 0, 0, 255};
    reset();
    mfw_axdr_put_structure_header(&wc, 3);
    mfw_axdr_put_u16(&wc, 8);
    mfw_axdr_put_octets(&wc, ln, 6);
    mfw_axdr_put_i8(&wc, 2);
    expect(&wc, "02 03 12 00 08 09 06 00 00 01 00 00 FF 0F 02");
}

static void encode_overflow(void **st)
{
    (void)st;
    uint8_t small[4];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, small, sizeof(small));
    mfw_axdr_put_u32(&w, 1); /* 5 bytes into 4 */
    assert_int_equal(w.err, MFW_E_NOSPACE);
    mfw_axdr_put_null(&w); /* sticky */
    assert_int_equal(w.err, MFW_E_NOSPACE);
}

static void length_forms(void **st)
{
    (void)st;
    static const struct {
        size_t n;
        const char *hdr;
    } cases[] = {
        {0, "09 00"},      {127, "09 7F"},       {128, "09 81 80"},
        {255, "09 81 FF"}, {256, "09 82 01 00"}, {600, "09 82 02 58"},
    };
    static uint8_t payload[600];
    for (size_t i = 0; i < sizeof(payload); i++)
        payload[i] = (uint8_t)i;
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        reset();
        mfw_axdr_put_octets(&wc, payload, cases[c].n);
        uint8_t h[4];
        size_t hn = hex(cases[c].hdr, h, sizeof(h));
        assert_int_equal(wc.err, MFW_OK);
        assert_int_equal(wc.len, hn + cases[c].n);
        assert_memory_equal(buf, h, hn);
        assert_memory_equal(buf + hn, payload, cases[c].n);

        struct mfw_rcursor rc;
        mfw_rcursor_init(&rc, buf, wc.len);
        struct mfw_axdr_value v;
        assert_int_equal(mfw_axdr_get(&rc, &v), MFW_OK);
        assert_int_equal(v.tag, MFW_AXDR_OCTET_STRING);
        assert_int_equal(v.len, cases[c].n);
        assert_int_equal(v.hdr_len, hn);
        assert_true(v.minimal);
        assert_ptr_equal(v.p, buf + hn);
        assert_int_equal(mfw_rcursor_left(&rc), 0);
    }
    /* The bare length forms, up to the 4-byte one. */
    static const struct {
        size_t n;
        const char *enc;
    } lens[] = {{0x10000, "83 01 00 00"}, {0xFFFFFF, "83 FF FF FF"}, {0x1000000, "84 01 00 00 00"}};
    for (size_t c = 0; c < sizeof(lens) / sizeof(lens[0]); c++) {
        reset();
        mfw_axdr_put_length(&wc, lens[c].n);
        expect(&wc, lens[c].enc);
    }
    /* A non-minimal length is accepted (BER allows it; some clients send 0x81 for < 128) and
     * reported as such. */
    uint8_t in[8];
    size_t n = hex("09 81 02 AA BB", in, sizeof(in));
    struct mfw_rcursor rc;
    mfw_rcursor_init(&rc, in, n);
    struct mfw_axdr_value v;
    assert_int_equal(mfw_axdr_get(&rc, &v), MFW_OK);
    assert_int_equal(v.len, 2);
    assert_false(v.minimal);
    assert_int_equal(v.hdr_len, 3);
    /* mfw_axdr_get_length bounds by the input; 0x80 (indefinite) and 0x85.. are refused. */
    size_t len;
    n = hex("81 03 01 02 03", in, sizeof(in));
    mfw_rcursor_init(&rc, in, n);
    assert_int_equal(mfw_axdr_get_length(&rc, &len), MFW_OK);
    assert_int_equal(len, 3);
    mfw_rcursor_init(&rc, in, n - 1);
    assert_int_equal(mfw_axdr_get_length(&rc, &len), MFW_E_FORMAT);
    assert_int_equal(rc.err, MFW_E_FORMAT);
    static const char *bad[] = {
        "09 80 00",          "09 85 00 00 00 00 01 00", "09 84 FF FF FF FF 00",
        "09 83 01 00 00 00", "09 05 01 02 03 04",       "01 05 00 00",
        "02 81 FF 00",       "04 82 00 11 FF FF",       "0A 01"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        n = hex(bad[i], in, sizeof(in));
        mfw_rcursor_init(&rc, in, n);
        assert_int_equal(mfw_axdr_get(&rc, &v), MFW_E_FORMAT);
        assert_int_equal(rc.err, MFW_E_FORMAT);
    }
}

/* ---- Decoder ---- */

static void decode_scalars(void **st)
{
    (void)st;
    uint8_t in[64];
    size_t n = hex("0F FE 10 FF FE 05 80 00 00 00 14 80 00 00 00 00 00 00 00 "
                   "11 FF 12 FF FF 06 FF FF FF FF 15 FF FF FF FF FF FF FF FF 16 07 0D 99 "
                   "03 02 17 3F C0 00 00 18 BF F8 00 00 00 00 00 00 FF",
                   in, sizeof(in));
    struct mfw_rcursor rc;
    mfw_rcursor_init(&rc, in, n);
    struct mfw_axdr_value v;
    static const int64_t ivals[] = {-2, -2, INT32_MIN, INT64_MIN};
    static const uint8_t itags[] = {MFW_AXDR_INTEGER, MFW_AXDR_LONG, MFW_AXDR_DOUBLE_LONG,
                                    MFW_AXDR_LONG64};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(mfw_axdr_get(&rc, &v), MFW_OK);
        assert_int_equal(v.tag, itags[i]);
        assert_true(v.i64 == ivals[i]);
    }
    static const uint64_t uvals[] = {0xFF, 0xFFFF, 0xFFFFFFFFu, UINT64_MAX, 7, 0x99};
    static const uint8_t utags[] = {
        MFW_AXDR_UNSIGNED,        MFW_AXDR_LONG_UNSIGNED, MFW_AXDR_DOUBLE_LONG_UNSIGNED,
        MFW_AXDR_LONG64_UNSIGNED, MFW_AXDR_ENUM,          MFW_AXDR_BCD};
    for (int i = 0; i < 6; i++) {
        assert_int_equal(mfw_axdr_get(&rc, &v), MFW_OK);
        assert_int_equal(v.tag, utags[i]);
        assert_true(v.u64 == uvals[i]);
    }
    assert_int_equal(mfw_axdr_get(&rc, &v), MFW_OK); /* boolean 0x02: TRUE, raw kept */
    assert_int_equal(v.tag, MFW_AXDR_BOOLEAN);
    assert_int_equal(v.u64, 1);
    assert_int_equal(v.raw, 2);
    assert_int_equal(mfw_axdr_get(&rc, &v), MFW_OK);
    assert_true(v.tag == MFW_AXDR_FLOAT32 && v.f64 == 1.5 && v.u64 == 0x3FC00000u);
    assert_int_equal(mfw_axdr_get(&rc, &v), MFW_OK);
    assert_true(v.tag == MFW_AXDR_FLOAT64 && v.f64 == -1.5);
    assert_int_equal(mfw_axdr_get(&rc, &v), MFW_OK);
    assert_int_equal(v.tag, MFW_AXDR_DONT_CARE);
    assert_int_equal(mfw_rcursor_left(&rc), 0);
    assert_int_equal(mfw_axdr_get(&rc, &v), MFW_E_FORMAT); /* nothing left */
    assert_int_equal(mfw_axdr_peek_tag(&rc), MFW_E_FORMAT);

    /* Typed reads, one of each, all from a fresh buffer. */
    n = hex("0F FE 11 C8 10 FF FE 12 00 08 05 FF FE 79 60 06 12 34 56 78 "
            "14 FF FF FF FF FF FF FF FE 15 00 00 00 00 00 00 00 2A 16 03 03 01 00 "
            "17 3F C0 00 00 18 3F F8 00 00 00 00 00 00 0A 02 41 42",
            in, sizeof(in));
    mfw_rcursor_init(&rc, in, n);
    int8_t i8;
    uint8_t u8;
    int16_t i16;
    uint16_t u16;
    int32_t i32;
    uint32_t u32;
    int64_t i64;
    uint64_t u64;
    uint8_t e;
    bool b;
    float f;
    double d;
    char s[4];
    size_t sl;
    assert_int_equal(mfw_axdr_peek_tag(&rc), MFW_AXDR_INTEGER);
    assert_int_equal(mfw_axdr_get_i8(&rc, &i8), MFW_OK);
    assert_int_equal(i8, -2);
    assert_int_equal(mfw_axdr_get_u8(&rc, &u8), MFW_OK);
    assert_int_equal(u8, 200);
    assert_int_equal(mfw_axdr_get_i16(&rc, &i16), MFW_OK);
    assert_int_equal(i16, -2);
    assert_int_equal(mfw_axdr_get_u16(&rc, &u16), MFW_OK);
    assert_int_equal(u16, 8);
    assert_int_equal(mfw_axdr_get_i32(&rc, &i32), MFW_OK);
    assert_int_equal(i32, -100000);
    assert_int_equal(mfw_axdr_get_u32(&rc, &u32), MFW_OK);
    assert_int_equal(u32, 0x12345678u);
    assert_int_equal(mfw_axdr_get_i64(&rc, &i64), MFW_OK);
    assert_true(i64 == -2);
    assert_int_equal(mfw_axdr_get_u64(&rc, &u64), MFW_OK);
    assert_true(u64 == 42);
    assert_int_equal(mfw_axdr_get_enum(&rc, &e), MFW_OK);
    assert_int_equal(e, 3);
    assert_int_equal(mfw_axdr_get_bool(&rc, &b), MFW_OK);
    assert_true(b);
    assert_int_equal(mfw_axdr_get_null(&rc), MFW_OK);
    assert_int_equal(mfw_axdr_get_f32(&rc, &f), MFW_OK);
    assert_true(f == 1.5f);
    assert_int_equal(mfw_axdr_get_f64(&rc, &d), MFW_OK);
    assert_true(d == 1.5);
    assert_int_equal(mfw_axdr_get_visible(&rc, sizeof(s), s, &sl), MFW_OK);
    assert_int_equal(sl, 2);
    assert_memory_equal(s, "AB", 2);
    assert_int_equal(mfw_rcursor_left(&rc), 0);
    assert_int_equal(rc.err, MFW_OK);
}

static void wrong_tags(void **st)
{
    (void)st;
    /* Each typed read accepts exactly its tag: a SET of attribute "long-unsigned" with an
     * unsigned or a double-long-unsigned must fail (type-unmatched), not widen. */
    static const struct {
        const char *in;
        int which;
    } cases[] = {
        {"11 08", 0},          /* unsigned given, long-unsigned wanted */
        {"06 00 00 00 08", 0}, /* double-long-unsigned given, long-unsigned wanted */
        {"05 00 00 00 08", 1}, /* double-long given, double-long-unsigned wanted */
        {"0F 02", 2},          /* integer given, unsigned wanted */
        {"0A 01 41", 3},       /* visible-string given, octet-string wanted */
        {"16 01", 4},          /* enum given, boolean wanted */
        {"00", 5},             /* null given, structure wanted */
        {"02 00", 6},          /* structure given, array wanted */
        {"09 0B 00 00 00 00 00 00 00 00 00 00 00", 7}, /* octet-string(11): not a date-time */
        {"1A 07 EA 0B 19 03", 7},                      /* date given, date-time wanted */
        {"11 01", 8},                                  /* unsigned given, enum wanted */
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        uint8_t in[16], out[8];
        size_t n = hex(cases[c].in, in, sizeof(in)), len;
        struct mfw_rcursor rc;
        mfw_rcursor_init(&rc, in, n);
        uint16_t u16;
        uint32_t u32;
        uint8_t u8;
        bool b;
        struct mfw_cosem_datetime dt;
        int r;
        switch (cases[c].which) {
        case 0: r = mfw_axdr_get_u16(&rc, &u16); break;
        case 1: r = mfw_axdr_get_u32(&rc, &u32); break;
        case 2: r = mfw_axdr_get_u8(&rc, &u8); break;
        case 3: r = mfw_axdr_get_octets(&rc, sizeof(out), out, &len); break;
        case 4: r = mfw_axdr_get_bool(&rc, &b); break;
        case 5: r = mfw_axdr_get_structure(&rc, &u32); break;
        case 6: r = mfw_axdr_get_array(&rc, &u32); break;
        case 7: r = mfw_axdr_get_datetime(&rc, &dt); break;
        default: r = mfw_axdr_get_enum(&rc, &u8); break;
        }
        assert_int_equal(r, MFW_E_FORMAT);
        assert_int_equal(rc.err, MFW_E_FORMAT);
    }
    /* An octet-string longer than the caller's buffer: NOSPACE, not FORMAT. */
    uint8_t in[8], out[2];
    size_t n = hex("09 03 01 02 03", in, sizeof(in)), len;
    struct mfw_rcursor rc;
    mfw_rcursor_init(&rc, in, n);
    assert_int_equal(mfw_axdr_get_octets(&rc, sizeof(out), out, &len), MFW_E_NOSPACE);
    assert_int_equal(rc.err, MFW_OK);
    /* Tags the Data CHOICE does not define. */
    static const uint8_t undefined[] = {7, 8, 11, 14, 28, 100, 254};
    for (size_t i = 0; i < sizeof(undefined); i++) {
        uint8_t t[2] = {undefined[i], 0};
        struct mfw_axdr_value v;
        mfw_rcursor_init(&rc, t, 2);
        assert_int_equal(mfw_axdr_get(&rc, &v), MFW_E_FORMAT);
        mfw_rcursor_init(&rc, t, 2);
        assert_int_equal(mfw_axdr_skip(&rc, MFW_AXDR_DEPTH_DEFAULT), MFW_E_FORMAT);
    }
}

/* From w_public_clock.txt, the first GET-response-with-datablock of the association's object
 * list (0.0.40.0.0.255 attribute 2): the raw data of block 1 (0x1DA bytes after "82 01 DA"). */
static const char object_list_block1[] =
    "01 34 02 04 12 00 0F 11 02 09 06 00 00 28 00 00 FF 02 02 01 0B 02 03 0F 01 16 01 00 02 03 0F "
    "02 16 01 00 02 03 0F 03 16 01 00 02 03 0F 04 16 01 00 02 03 0F 05 16 01 00 02 03 0F 06 16 01 "
    "00 02 03 0F 07 16 01 00 02 03 0F 08 16 01 00 02 03 0F 09 16 01 00 02 03 0F 0A 16 01 00 02 03 "
    "0F 0B 16 01 00 01 06 02 02 0F 01 16 00 02 02 0F 02 16 00 02 02 0F 03 16 00 02 02 0F 04 16 00 "
    "02 02 0F 05 16 00 02 02 0F 06 16 00 02 04 12 00 0F 11 02 09 06 00 00 28 00 01 FF 02 02 01 0B "
    "02 03 0F 01 16 01 00 02 03 0F 02 16 01 00 02 03 0F 03 16 01 00 02 03 0F 04 16 01 00 02 03 0F "
    "05 16 01 00 02 03 0F 06 16 01 00 02 03 0F 07 16 01 00 02 03 0F 08 16 01 00 02 03 0F 09 16 01 "
    "00 02 03 0F 0A 16 01 00 02 03 0F 0B 16 01 00 01 06 02 02 0F 01 16 00 02 02 0F 02 16 00 02 02 "
    "0F 03 16 00 02 02 0F 04 16 00 02 02 0F 05 16 00 02 02 0F 06 16 00 02 04 12 00 40 11 00 09 06 "
    "00 00 2B 00 01 FF 02 02 01 05 02 03 0F 01 16 01 00 02 03 0F 02 16 01 00 02 03 0F 03 16 01 00 "
    "02 03 0F 04 16 01 00 02 03 0F 05 16 01 00 01 02 02 02 0F 01 16 00 02 02 0F 02 16 00 02 04 12 "
    "00 40 11 00 09 06 00 00 2B 00 02 FF 02 02 01 05 02 03 0F 01 16 01 00 02 03 0F 02 16 01 00 02 "
    "03 0F 03 16 01 00 02 03 0F 04 16 01 00 02 03 0F 05 16 01 00 01 02 02 02 0F 01 16 00 02 02 0F "
    "02 16 00 02 04 12 00 40 11 00 09 06 00 00 2B 00 03 FF 02 02 01 05 02 03 0F 01 16 01 00 02 03 "
    "0F 02 16 01 00 02 03 0F 03 16 01 00 02 03 0F 04 16 01 00 02 03 0F 05 16 01 00 01 02 02 02 0F "
    "01 16 00 02 02 0F 02 16 00";

/* The first element of it: object_list_element of the Association LN itself. */
static size_t first_element(uint8_t *out, size_t cap)
{
    static uint8_t all[600];
    size_t n = hex(object_list_block1, all, sizeof(all));
    assert_int_equal(n, 0x1DA);
    /* skip "01 34"; the element runs up to the next "02 04 12 00 0F" (the second object) */
    size_t len = 0;
    struct mfw_rcursor rc;
    mfw_rcursor_init(&rc, all + 2, n - 2);
    assert_int_equal(mfw_axdr_skip(&rc, MFW_AXDR_DEPTH_DEFAULT), MFW_OK);
    len = rc.pos;
    assert_true(len <= cap);
    memcpy(out, all + 2, len);
    return len;
}

static void decode_object_list_element(void **st)
{
    (void)st;
    uint8_t el[200];
    size_t n = first_element(el, sizeof(el));
    /* 4 + 2*6 + ... worked out: header 19 bytes, 11 attribute items of 7, array 2, 6 method
     * items of 6: 19 + 77 + 2 + 36 = 134 */
    assert_int_equal(n, 134);

    /* object_list_element ::= structure { class_id long-unsigned, version unsigned,
     * logical_name octet-string, access_rights structure { attribute_access array of
     * structure { attribute_id integer, access_mode enum, access_selectors (null) },
     * method_access array of structure { method_id integer, access_mode enum } } }
     * (Blue Book 4.4.4, IC 15 attribute 2). */
    struct mfw_rcursor rc;
    mfw_rcursor_init(&rc, el, n);
    uint32_t count;
    uint16_t class_id;
    uint8_t version, ln[6];
    size_t ln_len;
    assert_int_equal(mfw_axdr_get_structure(&rc, &count), MFW_OK);
    assert_int_equal(count, 4);
    assert_int_equal(mfw_axdr_get_u16(&rc, &class_id), MFW_OK);
    assert_int_equal(class_id, 15);
    assert_int_equal(mfw_axdr_get_u8(&rc, &version), MFW_OK);
    assert_int_equal(version, 2);
    assert_int_equal(mfw_axdr_get_octets(&rc, sizeof(ln), ln, &ln_len), MFW_OK);
    assert_int_equal(ln_len, 6);
    static const uint8_t want_ln[6] = {0, 0, 40, 0, 0, 255};
    assert_memory_equal(ln, want_ln, 6);
    assert_int_equal(mfw_axdr_get_structure(&rc, &count), MFW_OK);
    assert_int_equal(count, 2);
    uint32_t n_attr, n_meth;
    assert_int_equal(mfw_axdr_get_array(&rc, &n_attr), MFW_OK);
    assert_int_equal(n_attr, 11);
    for (uint32_t i = 1; i <= n_attr; i++) {
        int8_t id;
        uint8_t mode;
        assert_int_equal(mfw_axdr_get_structure(&rc, &count), MFW_OK);
        assert_int_equal(count, 3);
        assert_int_equal(mfw_axdr_get_i8(&rc, &id), MFW_OK);
        assert_int_equal(id, (int8_t)i);
        assert_int_equal(mfw_axdr_get_enum(&rc, &mode), MFW_OK);
        assert_int_equal(mode, 1); /* read-only */
        assert_int_equal(mfw_axdr_get_null(&rc), MFW_OK);
    }
    assert_int_equal(mfw_axdr_get_array(&rc, &n_meth), MFW_OK);
    assert_int_equal(n_meth, 6);
    for (uint32_t i = 1; i <= n_meth; i++) {
        int8_t id;
        uint8_t mode;
        assert_int_equal(mfw_axdr_get_structure(&rc, &count), MFW_OK);
        assert_int_equal(count, 2);
        assert_int_equal(mfw_axdr_get_i8(&rc, &id), MFW_OK);
        assert_int_equal(id, (int8_t)i);
        assert_int_equal(mfw_axdr_get_enum(&rc, &mode), MFW_OK);
        assert_int_equal(mode, 0); /* no access */
    }
    assert_int_equal(mfw_rcursor_left(&rc), 0);
    assert_int_equal(rc.err, MFW_OK);

    /* The same with the generic reader: 1 + 4 + 1 + 11 * 4 + 1 + 6 * 3 = 69 elements. */
    mfw_rcursor_init(&rc, el, n);
    unsigned elements = 0;
    struct mfw_axdr_value v;
    while (mfw_rcursor_left(&rc) > 0) {
        assert_int_equal(mfw_axdr_get(&rc, &v), MFW_OK);
        elements++;
    }
    assert_int_equal(elements, 69);
    assert_int_equal(rc.err, MFW_OK);

    /* The nesting is 4 deep (element / access rights / attribute list / item). */
    mfw_rcursor_init(&rc, el, n);
    assert_int_equal(mfw_axdr_skip(&rc, 4), MFW_OK);
    mfw_rcursor_init(&rc, el, n);
    assert_int_equal(mfw_axdr_skip(&rc, 3), MFW_E_FORMAT);
}

static void decode_object_list_block(void **st)
{
    (void)st;
    static uint8_t all[600];
    size_t n = hex(object_list_block1, all, sizeof(all));
    /* The whole object list is an array of 0x34 = 52 elements over 9 blocks: block 1 holds the
     * array header and the first 5 elements, ending on an element boundary. */
    struct mfw_rcursor rc;
    mfw_rcursor_init(&rc, all, n);
    uint32_t count;
    assert_int_equal(mfw_axdr_get_array(&rc, &count), MFW_OK);
    assert_int_equal(count, 52);
    static const uint8_t lns[5][6] = {{0, 0, 40, 0, 0, 255},
                                      {0, 0, 40, 0, 1, 255},
                                      {0, 0, 43, 0, 1, 255},
                                      {0, 0, 43, 0, 2, 255},
                                      {0, 0, 43, 0, 3, 255}};
    static const uint16_t classes[5] = {15, 15, 64, 64, 64};
    for (int i = 0; i < 5; i++) {
        struct mfw_rcursor el = rc;
        uint32_t sc;
        uint16_t class_id;
        uint8_t ver, ln[6];
        size_t ln_len;
        assert_int_equal(mfw_axdr_get_structure(&el, &sc), MFW_OK);
        assert_int_equal(mfw_axdr_get_u16(&el, &class_id), MFW_OK);
        assert_int_equal(class_id, classes[i]);
        assert_int_equal(mfw_axdr_get_u8(&el, &ver), MFW_OK);
        assert_int_equal(mfw_axdr_get_octets(&el, 6, ln, &ln_len), MFW_OK);
        assert_memory_equal(ln, lns[i], 6);
        assert_int_equal(mfw_axdr_skip(&rc, MFW_AXDR_DEPTH_DEFAULT), MFW_OK);
    }
    assert_int_equal(mfw_rcursor_left(&rc), 0);
    /* The array as a whole is incomplete in this block: skipping it must fail cleanly. */
    mfw_rcursor_init(&rc, all, n);
    assert_int_equal(mfw_axdr_skip(&rc, MFW_AXDR_DEPTH_DEFAULT), MFW_E_FORMAT);
    assert_int_equal(rc.err, MFW_E_FORMAT);
}

/* Field by field (the struct has padding). */
static bool dt_equal(const struct mfw_cosem_datetime *a, const struct mfw_cosem_datetime *b)
{
    return a->year == b->year && a->month == b->month && a->day == b->day &&
           a->day_of_week == b->day_of_week && a->hour == b->hour && a->minute == b->minute &&
           a->second == b->second && a->hundredths == b->hundredths &&
           a->deviation == b->deviation && a->mfw_clock_status == b->mfw_clock_status;
}

/* 2026-11-25T16:26:30Z: days from 1970 = 10957 (to 2000) + 9497 (to 2026) + 304 + 24. */
#define CLOCK_VECTOR_MS                                                                            \
    ((10957LL + 9497 + 304 + 24) * 86400000LL + (16 * 3600 + 26 * 60 + 30) * 1000LL)

static void decode_clock(void **st)
{
    (void)st;
    /* GET-response-normal for Clock attribute 2 (w_public_clock.txt line 26), from the Data:
     * octet-string(12) date-time; the trailing "09 0F" is the server quirk the README notes. */
    uint8_t in[32];
    size_t n = hex("09 0C 07 EA 0B 19 03 10 1A 1E 00 00 00 00 09 0F", in, sizeof(in));
    struct mfw_rcursor rc;
    mfw_rcursor_init(&rc, in, n);
    struct mfw_cosem_datetime dt;
    assert_int_equal(mfw_axdr_get_datetime(&rc, &dt), MFW_OK);
    assert_int_equal(rc.pos, 14);
    assert_int_equal(dt.year, 2026);
    assert_int_equal(dt.month, 11);
    assert_int_equal(dt.day, 25);
    assert_int_equal(dt.day_of_week, 3); /* Wednesday */
    assert_int_equal(dt.hour, 16);
    assert_int_equal(dt.minute, 26);
    assert_int_equal(dt.second, 30);
    assert_int_equal(dt.hundredths, 0);
    assert_int_equal(dt.deviation, 0);
    assert_int_equal(dt.mfw_clock_status, 0);
    mfw_ms_t ms;
    assert_int_equal(mfw_cosem_datetime_to_ms(&dt, 60, &ms),
                     MFW_OK); /* deviation given: 60 unused */
    assert_true(ms == CLOCK_VECTOR_MS);
    assert_int_equal(mfw_civil_weekday(mfw_civil_days_of_ms(ms, &(int64_t){0})), dt.day_of_week);

    /* And back: the same 14 bytes. */
    struct mfw_cosem_datetime back;
    assert_int_equal(mfw_cosem_datetime_from_ms(&back, CLOCK_VECTOR_MS, 0, 0), MFW_OK);
    reset();
    mfw_axdr_put_datetime_octets(&wc, &back);
    expect(&wc, "09 0C 07 EA 0B 19 03 10 1A 1E 00 00 00 00");
    /* Tagged form [25]: same contents, accepted by the same reader. */
    reset();
    mfw_axdr_put_datetime(&wc, &back);
    expect(&wc, "19 07 EA 0B 19 03 10 1A 1E 00 00 00 00");
    mfw_rcursor_init(&rc, buf, wc.len);
    assert_int_equal(mfw_axdr_get_datetime(&rc, &dt), MFW_OK);
    assert_true(dt_equal(&dt, &back));
    reset();
    mfw_axdr_put_date(&wc, &back);
    mfw_axdr_put_time(&wc, &back);
    expect(&wc, "1A 07 EA 0B 19 03 1B 10 1A 1E 00");
    mfw_rcursor_init(&rc, buf, wc.len);
    assert_int_equal(mfw_axdr_get_date(&rc, &dt), MFW_OK);
    assert_true(dt.year == 2026 && dt.month == 11 && dt.day == 25 && dt.day_of_week == 3);
    assert_int_equal(dt.hour, MFW_COSEM_NS);
    assert_int_equal(dt.deviation, MFW_COSEM_DEVIATION_NS);
    assert_int_equal(mfw_axdr_get_time(&rc, &dt), MFW_OK);
    assert_true(dt.hour == 16 && dt.minute == 26 && dt.second == 30 && dt.hundredths == 0);
    assert_int_equal(dt.year, MFW_COSEM_YEAR_NS);
}

static void datetime_conversions(void **st)
{
    (void)st;
    /* CET summer time (UTC+2), 0.57 s: local 18:26:30.57, deviation -120 = 0xFF88, DST bit. */
    struct mfw_cosem_datetime dt;
    assert_int_equal(mfw_cosem_datetime_from_ms(&dt, CLOCK_VECTOR_MS + 579, 120, 0x80), MFW_OK);
    reset();
    mfw_axdr_put_datetime(&wc, &dt);
    expect(&wc, "19 07 EA 0B 19 03 12 1A 1E 39 FF 88 80");
    mfw_ms_t ms;
    assert_int_equal(mfw_cosem_datetime_to_ms(&dt, 0, &ms), MFW_OK);
    assert_true(ms == CLOCK_VECTOR_MS + 570); /* hundredths: the 9 ms are dropped */
    /* Deviation not specified: the caller's offset decides. */
    dt.deviation = MFW_COSEM_DEVIATION_NS;
    assert_int_equal(mfw_cosem_datetime_to_ms(&dt, 60, &ms), MFW_OK);
    assert_true(ms == CLOCK_VECTOR_MS + 570 + 3600000);
    /* Crossing midnight and the year westwards: 2027-01-01T02:00Z at UTC-5 is 2026-12-31 21:00
     * (a Thursday). */
    mfw_ms_t ny = mfw_civil_days_from_date(2027, 1, 1) * 86400000LL + 2 * 3600000LL;
    assert_int_equal(mfw_cosem_datetime_from_ms(&dt, ny, -300, 0), MFW_OK);
    assert_true(dt.year == 2026 && dt.month == 12 && dt.day == 31 && dt.day_of_week == 4);
    assert_true(dt.hour == 21 && dt.deviation == 300);
    assert_int_equal(mfw_cosem_datetime_to_ms(&dt, 0, &ms), MFW_OK);
    assert_true(ms == ny);
    /* Before 1970. */
    assert_int_equal(mfw_cosem_datetime_from_ms(&dt, -1, 0, 0), MFW_OK);
    assert_true(dt.year == 1969 && dt.month == 12 && dt.day == 31 && dt.hour == 23 &&
                dt.second == 59 && dt.hundredths == 99);
    /* Refusals. */
    assert_int_equal(mfw_cosem_datetime_from_ms(&dt, 0, 900, 0), MFW_E_RANGE);
    assert_int_equal(mfw_cosem_datetime_from_ms(&dt, INT64_MAX, 0, 0), MFW_E_RANGE);
    assert_int_equal(mfw_cosem_datetime_from_ms(&dt, CLOCK_VECTOR_MS, 0, 0), MFW_OK);
    struct mfw_cosem_datetime bad = dt;
    bad.year = MFW_COSEM_YEAR_NS;
    assert_int_equal(mfw_cosem_datetime_to_ms(&bad, 0, &ms), MFW_E_RANGE);
    bad = dt;
    bad.month = 13;
    assert_int_equal(mfw_cosem_datetime_to_ms(&bad, 0, &ms), MFW_E_RANGE);
    bad = dt;
    bad.month = 2;
    bad.day = 29; /* 2026 is not a leap year */
    assert_int_equal(mfw_cosem_datetime_to_ms(&bad, 0, &ms), MFW_E_RANGE);
    bad = dt;
    bad.hour = MFW_COSEM_NS;
    assert_int_equal(mfw_cosem_datetime_to_ms(&bad, 0, &ms), MFW_E_RANGE);
    bad = dt;
    bad.hundredths = 100;
    assert_int_equal(mfw_cosem_datetime_to_ms(&bad, 0, &ms), MFW_E_RANGE);
    bad = dt;
    bad.deviation = 900;
    assert_int_equal(mfw_cosem_datetime_to_ms(&bad, 0, &ms), MFW_E_RANGE);
    bad = dt;
    bad.hundredths = MFW_COSEM_NS; /* not specified: counts as 0 */
    assert_int_equal(mfw_cosem_datetime_to_ms(&bad, 0, &ms), MFW_OK);
    assert_true(ms == CLOCK_VECTOR_MS);
}

static void compact_array(void **st)
{
    (void)st;
    /* compact-array of structure {unsigned, long-unsigned}, two elements (Blue Book 4.1.5:
     * contents-description TypeDescription, array-contents octet string). */
    uint8_t in[64];
    size_t n = hex("13 02 02 11 12 06 01 00 02 03 00 04", in, sizeof(in));
    struct mfw_rcursor rc;
    mfw_rcursor_init(&rc, in, n);
    struct mfw_axdr_value v;
    assert_int_equal(mfw_axdr_get(&rc, &v), MFW_OK);
    assert_int_equal(v.tag, MFW_AXDR_COMPACT_ARRAY);
    assert_int_equal(v.desc_len, 4);
    assert_ptr_equal(v.desc, in + 1);
    assert_int_equal(v.len, 6);
    assert_ptr_equal(v.p, in + 6);
    assert_int_equal(mfw_rcursor_left(&rc), 0);
    /* array of 3 unsigned */
    n = hex("13 01 00 03 11 03 0A 0B 0C", in, sizeof(in));
    mfw_rcursor_init(&rc, in, n);
    assert_int_equal(mfw_axdr_skip(&rc, MFW_AXDR_DEPTH_DEFAULT), MFW_OK);
    assert_int_equal(mfw_rcursor_left(&rc), 0);
    /* a compact-array inside a description, an undefined tag, a description count beyond the
     * input, a description nested too deep, contents beyond the input */
    static const char *bad[] = {"13 13 00", "13 07 00", "13 02 05 11 00",
                                ("13 01 00 01 01 00 01 01 00 01 01 00 01 01 00 01 01 00 01 01 00 "
                                 "01 01 00 01 01 00 01 01 00 01 11 00"),
                                "13 11 05 01 02"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        n = hex(bad[i], in, sizeof(in));
        mfw_rcursor_init(&rc, in, n);
        assert_int_equal(mfw_axdr_get(&rc, &v), MFW_E_FORMAT);
    }
}

/* Every proper prefix of a valid encoding fails with MFW_E_FORMAT; each prefix sits in an
 * exact-size heap block so ASan catches any read past it. */
static void check_truncations(const uint8_t *enc, size_t n)
{
    struct mfw_rcursor rc;
    mfw_rcursor_init(&rc, enc, n);
    assert_int_equal(mfw_axdr_skip(&rc, MFW_AXDR_DEPTH_DEFAULT), MFW_OK);
    assert_int_equal(rc.pos, n);
    for (size_t k = 0; k < n; k++) {
        uint8_t *p = malloc(k ? k : 1);
        assert_non_null(p);
        memcpy(p, enc, k);
        mfw_rcursor_init(&rc, p, k);
        assert_int_equal(mfw_axdr_skip(&rc, MFW_AXDR_DEPTH_DEFAULT), MFW_E_FORMAT);
        assert_int_equal(rc.err, MFW_E_FORMAT);
        /* and element by element */
        mfw_rcursor_init(&rc, p, k);
        struct mfw_axdr_value v;
        int r = MFW_OK;
        while (r == MFW_OK && mfw_rcursor_left(&rc) > 0)
            r = mfw_axdr_get(&rc, &v);
        assert_true(r == MFW_E_FORMAT || mfw_rcursor_left(&rc) == 0);
        free(p);
    }
}

static void truncations(void **st)
{
    (void)st;
    uint8_t el[200];
    size_t n = first_element(el, sizeof(el));
    check_truncations(el, n);

    static const char *valid[] = {
        "09 0C 07 EA 0B 19 03 10 1A 1E 00 00 00 00",
        "02 03 12 00 08 09 06 00 00 01 00 00 FF 0F 02",
        "14 FF FF FF FF FF FF FF FE",
        "18 3F F8 00 00 00 00 00 00",
        "06 12 34 56 78",
        "04 09 A5 80",
        "19 07 EA 0B 19 03 12 1A 1E 39 FF 88 80",
        "1A 07 EA 0B 19 03",
        "1B 10 1A 1E 00",
        "13 02 02 11 12 06 01 00 02 03 00 04",
        "10 FF FE",
        "03 01",
        "01 02 02 02 0F 01 16 00 00",
    };
    for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
        uint8_t in[64];
        n = hex(valid[i], in, sizeof(in));
        check_truncations(in, n);
    }
    /* Long-form lengths: an octet-string of 256 and an array of 128 nulls. */
    static uint8_t big[300];
    reset();
    mfw_axdr_put_octets(&wc, big, 256);
    check_truncations(buf, wc.len);
    reset();
    mfw_axdr_put_array_header(&wc, 128);
    for (int i = 0; i < 128; i++)
        mfw_axdr_put_null(&wc);
    check_truncations(buf, wc.len);
}

static void nesting(void **st)
{
    (void)st;
    /* arrays of one array ... of one null: depth d = d containers */
    for (unsigned d = 0; d <= MFW_AXDR_DEPTH_MAX + 2; d++) {
        reset();
        for (unsigned i = 0; i < d; i++)
            mfw_axdr_put_array_header(&wc, 1);
        mfw_axdr_put_null(&wc);
        struct mfw_rcursor rc;
        mfw_rcursor_init(&rc, buf, wc.len);
        int r = mfw_axdr_skip(&rc, MFW_AXDR_DEPTH_DEFAULT);
        assert_int_equal(r, d <= MFW_AXDR_DEPTH_DEFAULT ? MFW_OK : MFW_E_FORMAT);
        mfw_rcursor_init(&rc, buf, wc.len);
        r = mfw_axdr_skip(&rc, 1000); /* clamped to MFW_AXDR_DEPTH_MAX */
        assert_int_equal(r, d <= MFW_AXDR_DEPTH_MAX ? MFW_OK : MFW_E_FORMAT);
    }
    /* An empty container counts as a level too (depth limit is about structure, not bytes). */
    uint8_t in[16];
    size_t n = hex("02 01 01 00", in, sizeof(in));
    struct mfw_rcursor rc;
    mfw_rcursor_init(&rc, in, n);
    assert_int_equal(mfw_axdr_skip(&rc, 1), MFW_E_FORMAT);
    mfw_rcursor_init(&rc, in, n);
    assert_int_equal(mfw_axdr_skip(&rc, 2), MFW_OK);
    /* A scalar needs no depth. */
    n = hex("11 05", in, sizeof(in));
    mfw_rcursor_init(&rc, in, n);
    assert_int_equal(mfw_axdr_skip(&rc, 0), MFW_OK);
    /* Siblings after a nested child: {{1,2},{3}}, then a trailing byte stays unread. */
    n = hex("01 02 02 02 11 01 11 02 02 01 11 03 AA", in, sizeof(in));
    assert_int_equal(n, 13);
    mfw_rcursor_init(&rc, in, n);
    assert_int_equal(mfw_axdr_skip(&rc, 2), MFW_OK);
    assert_int_equal(mfw_rcursor_left(&rc), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(encode_scalars),
        cmocka_unit_test(encode_structure),
        cmocka_unit_test(encode_overflow),
        cmocka_unit_test(length_forms),
        cmocka_unit_test(decode_scalars),
        cmocka_unit_test(wrong_tags),
        cmocka_unit_test(decode_object_list_element),
        cmocka_unit_test(decode_object_list_block),
        cmocka_unit_test(decode_clock),
        cmocka_unit_test(datetime_conversions),
        cmocka_unit_test(compact_array),
        cmocka_unit_test(truncations),
        cmocka_unit_test(nesting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
