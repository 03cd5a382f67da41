/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for the A-XDR decoder (src/codec/axdr.c). Checks the contract:
 *   - mfw_axdr_skip (default and maximum depth) returns MFW_OK or MFW_E_FORMAT, sets the cursor's
 *     err with the latter, and never moves past the end;
 *   - a loop of mfw_axdr_get over the input: each element decoded is re-encoded with the encoder and
 *     compared with the bytes it came from. The encoding is canonical except for a non-minimal
 *     length form, a boolean byte other than 0/1 and non-zero unused bits of a bit-string: then
 *     the re-encoding must decode to the same value;
 *   - the typed reader of the element's tag accepts it and consumes the same bytes; the typed
 *     reader of another tag refuses it with MFW_E_FORMAT;
 *   - a date-time that converts to UTC ms converts back to the same fields.
 * The input is copied into an exact-size heap block, so ASan sees any read past the end.
 *
 * Seeds: LLVMFuzzerInitialize writes a few valid encodings (from the Gurux captures and the
 * encoder) into $MFW_FUZZ_SEED_DIR when set, and checks once that each one skips cleanly. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meterfw/base/error.h"
#include "meterfw/codec/axdr.h"
#include "seed_dir.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "fuzz_axdr: %s:%d: %s\n", __FILE__, __LINE__, #c);                     \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static bool is_container(uint8_t tag)
{
    return tag == MFW_AXDR_ARRAY || tag == MFW_AXDR_STRUCTURE;
}

/* Re-encodes one decoded element. */
static void reencode(struct mfw_wcursor *wc, const struct mfw_axdr_value *v,
                     const struct mfw_rcursor *at)
{
    struct mfw_rcursor c = *at;
    struct mfw_cosem_datetime dt;
    switch (v->tag) {
    case MFW_AXDR_NULL: mfw_axdr_put_null(wc); break;
    case MFW_AXDR_DONT_CARE: mfw_axdr_put_dont_care(wc); break;
    case MFW_AXDR_ARRAY: mfw_axdr_put_array_header(wc, v->count); break;
    case MFW_AXDR_STRUCTURE: mfw_axdr_put_structure_header(wc, v->count); break;
    case MFW_AXDR_BOOLEAN: mfw_axdr_put_bool(wc, v->u64 != 0); break;
    case MFW_AXDR_BIT_STRING: mfw_axdr_put_bitstring(wc, v->p, v->len); break;
    case MFW_AXDR_DOUBLE_LONG: mfw_axdr_put_i32(wc, (int32_t)v->i64); break;
    case MFW_AXDR_DOUBLE_LONG_UNSIGNED: mfw_axdr_put_u32(wc, (uint32_t)v->u64); break;
    case MFW_AXDR_OCTET_STRING: mfw_axdr_put_octets(wc, v->p, v->len); break;
    case MFW_AXDR_VISIBLE_STRING: mfw_axdr_put_visible(wc, (const char *)v->p, v->len); break;
    case MFW_AXDR_UTF8_STRING: mfw_axdr_put_utf8(wc, v->p, v->len); break;
    case MFW_AXDR_BCD: mfw_axdr_put_bcd(wc, (uint8_t)v->u64); break;
    case MFW_AXDR_INTEGER: mfw_axdr_put_i8(wc, (int8_t)v->i64); break;
    case MFW_AXDR_LONG: mfw_axdr_put_i16(wc, (int16_t)v->i64); break;
    case MFW_AXDR_UNSIGNED: mfw_axdr_put_u8(wc, (uint8_t)v->u64); break;
    case MFW_AXDR_LONG_UNSIGNED: mfw_axdr_put_u16(wc, (uint16_t)v->u64); break;
    case MFW_AXDR_LONG64: mfw_axdr_put_i64(wc, v->i64); break;
    case MFW_AXDR_LONG64_UNSIGNED: mfw_axdr_put_u64(wc, v->u64); break;
    case MFW_AXDR_ENUM: mfw_axdr_put_enum(wc, (uint8_t)v->u64); break;
    case MFW_AXDR_FLOAT32: {
        float f;
        CHECK(mfw_axdr_get_f32(&c, &f) == MFW_OK);
        mfw_axdr_put_f32(wc, f);
        break;
    }
    case MFW_AXDR_FLOAT64: {
        double d;
        CHECK(mfw_axdr_get_f64(&c, &d) == MFW_OK);
        mfw_axdr_put_f64(wc, d);
        break;
    }
    case MFW_AXDR_DATE_TIME:
        CHECK(mfw_axdr_get_datetime(&c, &dt) == MFW_OK);
        mfw_axdr_put_datetime(wc, &dt);
        break;
    case MFW_AXDR_DATE:
        CHECK(mfw_axdr_get_date(&c, &dt) == MFW_OK);
        mfw_axdr_put_date(wc, &dt);
        break;
    case MFW_AXDR_TIME:
        CHECK(mfw_axdr_get_time(&c, &dt) == MFW_OK);
        mfw_axdr_put_time(wc, &dt);
        break;
    case MFW_AXDR_COMPACT_ARRAY:
        mfw_wcursor_u8(wc, MFW_AXDR_COMPACT_ARRAY);
        mfw_wcursor_bytes(wc, v->desc, v->desc_len);
        mfw_axdr_put_length(wc, v->len);
        mfw_wcursor_bytes(wc, v->p, v->len);
        break;
    default: CHECK(!"axdr_get accepted an undefined tag");
    }
}

static bool same_value(const struct mfw_axdr_value *a, const struct mfw_axdr_value *b)
{
    if (a->tag != b->tag || a->count != b->count || a->len != b->len || a->i64 != b->i64 ||
        a->u64 != b->u64 || a->desc_len != b->desc_len)
        return false;
    if (a->tag == MFW_AXDR_BIT_STRING) {
        size_t full = a->len / 8, rest = a->len % 8;
        if (full && memcmp(a->p, b->p, full) != 0)
            return false;
        return !rest || ((a->p[full] ^ b->p[full]) & (uint8_t)(0xFFu << (8 - rest))) == 0;
    }
    return !a->len || !a->p || memcmp(a->p, b->p, a->len) == 0;
}

/* The typed reader of the element's tag must accept it (and a wrong one refuse it). */
static void typed(const struct mfw_rcursor *at, const struct mfw_axdr_value *v, size_t end)
{
    struct mfw_rcursor c = *at;
    union {
        bool b;
        int8_t i8;
        uint8_t u8;
        int16_t i16;
        uint16_t u16;
        int32_t i32;
        uint32_t u32;
        int64_t i64;
        uint64_t u64;
        float f;
        double d;
    } o;
    static uint8_t out[1 << 16];
    char *cout = (char *)out;
    size_t len;
    struct mfw_cosem_datetime dt;
    int r;
    switch (v->tag) {
    case MFW_AXDR_NULL: r = mfw_axdr_get_null(&c); break;
    case MFW_AXDR_BOOLEAN:
        r = mfw_axdr_get_bool(&c, &o.b);
        CHECK(r || o.b == (v->u64 != 0));
        break;
    case MFW_AXDR_INTEGER:
        r = mfw_axdr_get_i8(&c, &o.i8);
        CHECK(r || o.i8 == v->i64);
        break;
    case MFW_AXDR_UNSIGNED:
        r = mfw_axdr_get_u8(&c, &o.u8);
        CHECK(r || o.u8 == v->u64);
        break;
    case MFW_AXDR_LONG:
        r = mfw_axdr_get_i16(&c, &o.i16);
        CHECK(r || o.i16 == v->i64);
        break;
    case MFW_AXDR_LONG_UNSIGNED:
        r = mfw_axdr_get_u16(&c, &o.u16);
        CHECK(r || o.u16 == v->u64);
        break;
    case MFW_AXDR_DOUBLE_LONG:
        r = mfw_axdr_get_i32(&c, &o.i32);
        CHECK(r || o.i32 == v->i64);
        break;
    case MFW_AXDR_DOUBLE_LONG_UNSIGNED:
        r = mfw_axdr_get_u32(&c, &o.u32);
        CHECK(r || o.u32 == v->u64);
        break;
    case MFW_AXDR_LONG64:
        r = mfw_axdr_get_i64(&c, &o.i64);
        CHECK(r || o.i64 == v->i64);
        break;
    case MFW_AXDR_LONG64_UNSIGNED:
        r = mfw_axdr_get_u64(&c, &o.u64);
        CHECK(r || o.u64 == v->u64);
        break;
    case MFW_AXDR_ENUM:
        r = mfw_axdr_get_enum(&c, &o.u8);
        CHECK(r || o.u8 == v->u64);
        break;
    case MFW_AXDR_FLOAT32: r = mfw_axdr_get_f32(&c, &o.f); break;
    case MFW_AXDR_FLOAT64: r = mfw_axdr_get_f64(&c, &o.d); break;
    case MFW_AXDR_ARRAY:
        r = mfw_axdr_get_array(&c, &o.u32);
        CHECK(r || o.u32 == v->count);
        break;
    case MFW_AXDR_STRUCTURE:
        r = mfw_axdr_get_structure(&c, &o.u32);
        CHECK(r || o.u32 == v->count);
        break;
    case MFW_AXDR_OCTET_STRING:
        r = mfw_axdr_get_octets(&c, sizeof(out), out, &len);
        if (v->len > sizeof(out)) {
            CHECK(r == MFW_E_NOSPACE && c.err == MFW_OK);
            r = MFW_OK;
        } else {
            CHECK(r || (len == v->len && (!len || memcmp(out, v->p, len) == 0)));
        }
        break;
    case MFW_AXDR_VISIBLE_STRING:
        r = mfw_axdr_get_visible(&c, sizeof(out), cout, &len);
        if (v->len > sizeof(out)) {
            CHECK(r == MFW_E_NOSPACE && c.err == MFW_OK);
            r = MFW_OK;
        }
        break;
    case MFW_AXDR_DATE_TIME: r = mfw_axdr_get_datetime(&c, &dt); break;
    case MFW_AXDR_DATE: r = mfw_axdr_get_date(&c, &dt); break;
    case MFW_AXDR_TIME: r = mfw_axdr_get_time(&c, &dt); break;
    default: return;
    }
    CHECK(r == MFW_OK && c.err == MFW_OK && c.pos == end);

    /* A typed read of some other tag refuses. */
    c = *at;
    if (v->tag == MFW_AXDR_DOUBLE_LONG_UNSIGNED)
        r = mfw_axdr_get_u16(&c, &o.u16);
    else
        r = mfw_axdr_get_u32(&c, &o.u32);
    CHECK(r == MFW_E_FORMAT && c.err == MFW_E_FORMAT);
}

/* A date-time that converts to UTC converts back to the same local fields. */
static void datetime_round_trip(const struct mfw_rcursor *at)
{
    struct mfw_rcursor c = *at;
    struct mfw_cosem_datetime dt, back;
    mfw_ms_t ms;
    if (mfw_axdr_get_datetime(&c, &dt) != MFW_OK)
        return;
    CHECK(c.err == MFW_OK);
    int offset = dt.deviation == MFW_COSEM_DEVIATION_NS ? 60 : -dt.deviation;
    if (mfw_cosem_datetime_to_ms(&dt, 60, &ms) != MFW_OK)
        return;
    CHECK(mfw_cosem_datetime_from_ms(&back, ms, offset, dt.mfw_clock_status) == MFW_OK);
    CHECK(back.year == dt.year && back.month == dt.month && back.day == dt.day &&
          back.hour == dt.hour && back.minute == dt.minute && back.second == dt.second &&
          back.hundredths == (dt.hundredths == MFW_COSEM_NS ? 0 : dt.hundredths) &&
          back.mfw_clock_status == dt.mfw_clock_status);
    CHECK(back.day_of_week >= 1 && back.day_of_week <= 7);
}

static void check(const uint8_t *data, size_t size)
{
    struct mfw_rcursor rc;
    static const unsigned depths[] = {0, MFW_AXDR_DEPTH_DEFAULT, MFW_AXDR_DEPTH_MAX};
    for (size_t i = 0; i < sizeof(depths) / sizeof(depths[0]); i++) {
        mfw_rcursor_init(&rc, data, size);
        int r = mfw_axdr_skip(&rc, depths[i]);
        CHECK(r == MFW_OK || r == MFW_E_FORMAT);
        CHECK(r == MFW_OK ? rc.err == MFW_OK && rc.pos >= 1 : rc.err == MFW_E_FORMAT);
        CHECK(rc.pos <= size);
    }

    static uint8_t enc[1 << 17];
    mfw_rcursor_init(&rc, data, size);
    while (mfw_rcursor_left(&rc) > 0) {
        struct mfw_rcursor at = rc;
        int tag = mfw_axdr_peek_tag(&rc);
        CHECK(tag >= 0 && tag <= 255);
        struct mfw_axdr_value v;
        int r = mfw_axdr_get(&rc, &v);
        if (r != MFW_OK) {
            CHECK(r == MFW_E_FORMAT && rc.err == MFW_E_FORMAT);
            break;
        }
        CHECK(rc.err == MFW_OK && rc.pos > at.pos && rc.pos <= size && v.tag == tag);
        CHECK(v.hdr_len >= 1 && v.hdr_len <= rc.pos - at.pos);
        size_t n = rc.pos - at.pos;
        if (is_container(v.tag))
            CHECK(v.count <= mfw_rcursor_left(&rc));

        struct mfw_wcursor wc;
        mfw_wcursor_init(&wc, enc, sizeof(enc));
        reencode(&wc, &v, &at);
        CHECK(wc.err == MFW_OK);
        bool canonical = v.minimal && !(v.tag == MFW_AXDR_BOOLEAN && v.raw > 1) &&
                         !(v.tag == MFW_AXDR_BIT_STRING && v.len % 8 &&
                           (v.p[v.len / 8] & (uint8_t)(0xFFu >> (v.len % 8))) != 0);
        if (canonical) {
            CHECK(wc.len == n && memcmp(enc, data + at.pos, n) == 0);
        } else {
            /* Decode the re-encoding; a container header is followed by the rest of the input
             * so that its count passes the same bound as before. */
            struct mfw_rcursor rr;
            struct mfw_axdr_value w;
            size_t own = wc.len, rest = is_container(v.tag) ? mfw_rcursor_left(&rc) : 0;
            CHECK(own <= n);
            mfw_wcursor_bytes(&wc, data + rc.pos, rest);
            CHECK(wc.err == MFW_OK);
            mfw_rcursor_init(&rr, enc, wc.len);
            CHECK(mfw_axdr_get(&rr, &w) == MFW_OK && mfw_rcursor_left(&rr) == rest && w.minimal);
            w.raw = v.raw;
            CHECK(same_value(&v, &w));
        }
        typed(&at, &v, rc.pos);
        datetime_round_trip(&at);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1); /* exact size: ASan catches a read past the end */
    if (!copy)
        return 0;
    if (size)
        memcpy(copy, data, size);
    check(copy, size);
    free(copy);
    return 0;
}

/* ---- Seeds ---- */

static size_t seed_object_list_element(uint8_t *b, size_t cap)
{
    /* w_public_clock.txt: the object list element of 0.0.40.0.0.255 (Association LN). */
    static const uint8_t ln[6] = {0, 0, 40, 0, 0, 255};
    struct mfw_wcursor wc;
    mfw_wcursor_init(&wc, b, cap);
    mfw_axdr_put_structure_header(&wc, 4);
    mfw_axdr_put_u16(&wc, 15);
    mfw_axdr_put_u8(&wc, 2);
    mfw_axdr_put_octets(&wc, ln, sizeof(ln));
    mfw_axdr_put_structure_header(&wc, 2);
    mfw_axdr_put_array_header(&wc, 11);
    for (int i = 1; i <= 11; i++) {
        mfw_axdr_put_structure_header(&wc, 3);
        mfw_axdr_put_i8(&wc, (int8_t)i);
        mfw_axdr_put_enum(&wc, 1);
        mfw_axdr_put_null(&wc);
    }
    mfw_axdr_put_array_header(&wc, 6);
    for (int i = 1; i <= 6; i++) {
        mfw_axdr_put_structure_header(&wc, 2);
        mfw_axdr_put_i8(&wc, (int8_t)i);
        mfw_axdr_put_enum(&wc, 0);
    }
    return wc.err ? 0 : wc.len;
}

static size_t seed_every_type(uint8_t *b, size_t cap)
{
    static const uint8_t bits[2] = {0xA5, 0x80};
    static const uint8_t td[4] = {MFW_AXDR_STRUCTURE, 2, MFW_AXDR_UNSIGNED, MFW_AXDR_LONG_UNSIGNED};
    static const uint8_t contents[6] = {1, 0, 2, 3, 0, 4};
    struct mfw_cosem_datetime dt;
    struct mfw_wcursor wc;
    mfw_wcursor_init(&wc, b, cap);
    if (mfw_cosem_datetime_from_ms(&dt, 1795631190570LL, 60, 0) != MFW_OK)
        return 0;
    mfw_axdr_put_structure_header(&wc, 26);
    mfw_axdr_put_null(&wc);
    mfw_axdr_put_bool(&wc, true);
    mfw_axdr_put_bitstring(&wc, bits, 9);
    mfw_axdr_put_i32(&wc, -100000);
    mfw_axdr_put_u32(&wc, 0x12345678u);
    mfw_axdr_put_octets(&wc, bits, 2);
    mfw_axdr_put_visible(&wc, "Gurux", 5);
    mfw_axdr_put_utf8(&wc, (const uint8_t *)"\xC3\xA9", 2);
    mfw_axdr_put_bcd(&wc, 0x42);
    mfw_axdr_put_i8(&wc, -2);
    mfw_axdr_put_i16(&wc, -2);
    mfw_axdr_put_u8(&wc, 200);
    mfw_axdr_put_u16(&wc, 8);
    mfw_wcursor_u8(&wc, MFW_AXDR_COMPACT_ARRAY);
    mfw_wcursor_bytes(&wc, td, sizeof(td));
    mfw_axdr_put_length(&wc, sizeof(contents));
    mfw_wcursor_bytes(&wc, contents, sizeof(contents));
    mfw_axdr_put_i64(&wc, -2);
    mfw_axdr_put_u64(&wc, 42);
    mfw_axdr_put_enum(&wc, 3);
    mfw_axdr_put_f32(&wc, 1.5f);
    mfw_axdr_put_f64(&wc, -1.5);
    mfw_axdr_put_datetime(&wc, &dt);
    mfw_axdr_put_date(&wc, &dt);
    mfw_axdr_put_time(&wc, &dt);
    mfw_axdr_put_dont_care(&wc);
    mfw_axdr_put_datetime_octets(&wc, &dt);
    mfw_axdr_put_array_header(&wc, 0);
    mfw_axdr_put_structure_header(&wc, 1);
    mfw_axdr_put_array_header(&wc, 1);
    mfw_axdr_put_null(&wc);
    return wc.err ? 0 : wc.len;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    static uint8_t seeds[4][400];
    size_t lens[4];
    /* GET clock response data (w_public_clock.txt), Clock attribute 2. */
    static const uint8_t clock[] = {0x09, 0x0C, 0x07, 0xEA, 0x0B, 0x19, 0x03,
                                    0x10, 0x1A, 0x1E, 0x00, 0x00, 0x00, 0x00};
    memcpy(seeds[0], clock, sizeof(clock));
    lens[0] = sizeof(clock);
    lens[1] = seed_object_list_element(seeds[1], sizeof(seeds[1]));
    lens[2] = seed_every_type(seeds[2], sizeof(seeds[2]));
    /* Long-form lengths: an octet-string of 200 bytes (0x81 C8). */
    struct mfw_wcursor wc;
    mfw_wcursor_init(&wc, seeds[3], sizeof(seeds[3]));
    static const uint8_t zeros[200];
    mfw_axdr_put_octets(&wc, zeros, sizeof(zeros));
    lens[3] = wc.err ? 0 : wc.len;

    for (int i = 0; i < 4; i++) {
        struct mfw_rcursor rc;
        mfw_rcursor_init(&rc, seeds[i], lens[i]);
        if (lens[i] == 0 || mfw_axdr_skip(&rc, MFW_AXDR_DEPTH_DEFAULT) != MFW_OK ||
            rc.pos != lens[i]) {
            fprintf(stderr, "fuzz_axdr: seed %d does not decode\n", i);
            abort();
        }
        check(seeds[i], lens[i]);
    }
    for (int i = 0; i < 4; i++) {
        char name[32];
        snprintf(name, sizeof name, "axdr-%d.bin", i);
        fuzz_seed_write("fuzz_axdr", name, seeds[i], lens[i]);
    }
    return 0;
}
