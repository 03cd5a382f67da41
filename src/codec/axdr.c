/* SPDX-License-Identifier: Apache-2.0 */
/* A-XDR encoding of the COSEM Data CHOICE: see axdr.h and docs/dlms.md "A-XDR". */
#include "meterfw/codec/axdr.h"

#include <string.h>

#include "meterfw/base/civil.h"
#include "meterfw/base/error.h"

/* ------------------------------------------------------------------------------------------- */
/* Encoder                                                                                      */

void mfw_axdr_put_length(struct mfw_wcursor *wc, size_t n)
{
    /* IEC 61334-6 / BER definite length: short form below 0x80, else 0x8k and k bytes. */
    if (n < 0x80) {
        mfw_wcursor_u8(wc, (uint8_t)n);
    } else if (n <= 0xFF) {
        mfw_wcursor_u8(wc, 0x81);
        mfw_wcursor_u8(wc, (uint8_t)n);
    } else if (n <= 0xFFFF) {
        mfw_wcursor_u8(wc, 0x82);
        mfw_wcursor_u16be(wc, (uint16_t)n);
    } else if (n <= 0xFFFFFF) {
        mfw_wcursor_u8(wc, 0x83);
        mfw_wcursor_u8(wc, (uint8_t)(n >> 16));
        mfw_wcursor_u16be(wc, (uint16_t)n);
    } else {
#if SIZE_MAX > 0xFFFFFFFFu
        if (n > 0xFFFFFFFFu) {
            /* Not representable: make the error visible rather than write a wrong length. */
            (void)mfw_wcursor_reserve(wc, SIZE_MAX);
            return;
        }
#endif
        mfw_wcursor_u8(wc, 0x84);
        mfw_wcursor_u32be(wc, (uint32_t)n);
    }
}

void mfw_axdr_put_null(struct mfw_wcursor *wc)
{
    mfw_wcursor_u8(wc, MFW_AXDR_NULL);
}
void mfw_axdr_put_dont_care(struct mfw_wcursor *wc)
{
    mfw_wcursor_u8(wc, MFW_AXDR_DONT_CARE);
}

void mfw_axdr_put_bool(struct mfw_wcursor *wc, bool v)
{
    mfw_wcursor_u8(wc, MFW_AXDR_BOOLEAN);
    mfw_wcursor_u8(wc, v ? 1 : 0);
}

void mfw_axdr_put_i8(struct mfw_wcursor *wc, int8_t v)
{
    mfw_wcursor_u8(wc, MFW_AXDR_INTEGER);
    mfw_wcursor_u8(wc, (uint8_t)v);
}

void mfw_axdr_put_u8(struct mfw_wcursor *wc, uint8_t v)
{
    mfw_wcursor_u8(wc, MFW_AXDR_UNSIGNED);
    mfw_wcursor_u8(wc, v);
}

void mfw_axdr_put_i16(struct mfw_wcursor *wc, int16_t v)
{
    mfw_wcursor_u8(wc, MFW_AXDR_LONG);
    mfw_wcursor_u16be(wc, (uint16_t)v);
}

void mfw_axdr_put_u16(struct mfw_wcursor *wc, uint16_t v)
{
    mfw_wcursor_u8(wc, MFW_AXDR_LONG_UNSIGNED);
    mfw_wcursor_u16be(wc, v);
}

void mfw_axdr_put_i32(struct mfw_wcursor *wc, int32_t v)
{
    mfw_wcursor_u8(wc, MFW_AXDR_DOUBLE_LONG);
    mfw_wcursor_u32be(wc, (uint32_t)v);
}

void mfw_axdr_put_u32(struct mfw_wcursor *wc, uint32_t v)
{
    mfw_wcursor_u8(wc, MFW_AXDR_DOUBLE_LONG_UNSIGNED);
    mfw_wcursor_u32be(wc, v);
}

void mfw_axdr_put_i64(struct mfw_wcursor *wc, int64_t v)
{
    mfw_wcursor_u8(wc, MFW_AXDR_LONG64);
    mfw_wcursor_u64be(wc, (uint64_t)v);
}

void mfw_axdr_put_u64(struct mfw_wcursor *wc, uint64_t v)
{
    mfw_wcursor_u8(wc, MFW_AXDR_LONG64_UNSIGNED);
    mfw_wcursor_u64be(wc, v);
}

void mfw_axdr_put_enum(struct mfw_wcursor *wc, uint8_t v)
{
    mfw_wcursor_u8(wc, MFW_AXDR_ENUM);
    mfw_wcursor_u8(wc, v);
}

void mfw_axdr_put_bcd(struct mfw_wcursor *wc, uint8_t v)
{
    mfw_wcursor_u8(wc, MFW_AXDR_BCD);
    mfw_wcursor_u8(wc, v);
}

void mfw_axdr_put_f32(struct mfw_wcursor *wc, float v)
{
    uint32_t bits;
    memcpy(&bits, &v, sizeof(bits)); /* IEEE 754 binary32 on every target we build for */
    mfw_wcursor_u8(wc, MFW_AXDR_FLOAT32);
    mfw_wcursor_u32be(wc, bits);
}

void mfw_axdr_put_f64(struct mfw_wcursor *wc, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof(bits));
    mfw_wcursor_u8(wc, MFW_AXDR_FLOAT64);
    mfw_wcursor_u64be(wc, bits);
}

static void put_string(struct mfw_wcursor *wc, uint8_t tag, const void *p, size_t n)
{
    mfw_wcursor_u8(wc, tag);
    mfw_axdr_put_length(wc, n);
    mfw_wcursor_bytes(wc, p, n);
}

void mfw_axdr_put_octets(struct mfw_wcursor *wc, const uint8_t *p, size_t n)
{
    put_string(wc, MFW_AXDR_OCTET_STRING, p, n);
}

void mfw_axdr_put_visible(struct mfw_wcursor *wc, const char *p, size_t n)
{
    put_string(wc, MFW_AXDR_VISIBLE_STRING, p, n);
}

void mfw_axdr_put_utf8(struct mfw_wcursor *wc, const uint8_t *p, size_t n)
{
    put_string(wc, MFW_AXDR_UTF8_STRING, p, n);
}

void mfw_axdr_put_bitstring(struct mfw_wcursor *wc, const uint8_t *bits, size_t nbits)
{
    size_t nbytes = nbits / 8 + (nbits % 8 != 0);
    mfw_wcursor_u8(wc, MFW_AXDR_BIT_STRING);
    mfw_axdr_put_length(wc, nbits);
    uint8_t *d = mfw_wcursor_reserve(wc, nbytes);
    if (!d)
        return;
    if (nbytes)
        memcpy(d, bits, nbytes);
    if (nbits % 8) /* canonical: the unused low bits of the last byte are zero */
        d[nbytes - 1] &= (uint8_t)(0xFFu << (8 - nbits % 8));
}

void mfw_axdr_put_array_header(struct mfw_wcursor *wc, uint32_t count)
{
    mfw_wcursor_u8(wc, MFW_AXDR_ARRAY);
    mfw_axdr_put_length(wc, count);
}

void mfw_axdr_put_structure_header(struct mfw_wcursor *wc, uint32_t count)
{
    mfw_wcursor_u8(wc, MFW_AXDR_STRUCTURE);
    mfw_axdr_put_length(wc, count);
}

/* Blue Book 4.1.6.1: date = year(2) month day day_of_week; time = hour minute second
 * hundredths; date-time = date time deviation(2) mfw_clock_status. */
static void put_date_bytes(struct mfw_wcursor *wc, const struct mfw_cosem_datetime *dt)
{
    mfw_wcursor_u16be(wc, dt->year);
    mfw_wcursor_u8(wc, dt->month);
    mfw_wcursor_u8(wc, dt->day);
    mfw_wcursor_u8(wc, dt->day_of_week);
}

static void put_time_bytes(struct mfw_wcursor *wc, const struct mfw_cosem_datetime *dt)
{
    mfw_wcursor_u8(wc, dt->hour);
    mfw_wcursor_u8(wc, dt->minute);
    mfw_wcursor_u8(wc, dt->second);
    mfw_wcursor_u8(wc, dt->hundredths);
}

void mfw_cosem_datetime_encode(struct mfw_wcursor *wc, const struct mfw_cosem_datetime *dt)
{
    put_date_bytes(wc, dt);
    put_time_bytes(wc, dt);
    mfw_wcursor_u16be(wc, (uint16_t)dt->deviation);
    mfw_wcursor_u8(wc, dt->mfw_clock_status);
}

void mfw_axdr_put_datetime(struct mfw_wcursor *wc, const struct mfw_cosem_datetime *dt)
{
    mfw_wcursor_u8(wc, MFW_AXDR_DATE_TIME);
    mfw_cosem_datetime_encode(wc, dt);
}

void mfw_axdr_put_datetime_octets(struct mfw_wcursor *wc, const struct mfw_cosem_datetime *dt)
{
    mfw_wcursor_u8(wc, MFW_AXDR_OCTET_STRING);
    mfw_wcursor_u8(wc, MFW_AXDR_DATE_TIME_LEN);
    mfw_cosem_datetime_encode(wc, dt);
}

void mfw_axdr_put_date(struct mfw_wcursor *wc, const struct mfw_cosem_datetime *dt)
{
    mfw_wcursor_u8(wc, MFW_AXDR_DATE);
    put_date_bytes(wc, dt);
}

void mfw_axdr_put_time(struct mfw_wcursor *wc, const struct mfw_cosem_datetime *dt)
{
    mfw_wcursor_u8(wc, MFW_AXDR_TIME);
    put_time_bytes(wc, dt);
}

/* ------------------------------------------------------------------------------------------- */
/* Decoder                                                                                      */

static int fail(struct mfw_rcursor *rc)
{
    rc->err = MFW_E_FORMAT;
    return MFW_E_FORMAT;
}

/* The length form without a bound against the input (a bit-string counts bits). */
static int read_length(struct mfw_rcursor *rc, size_t *n, bool *minimal)
{
    uint8_t b = mfw_rcursor_u8(rc);
    if (rc->err)
        return fail(rc);
    if (b < 0x80) {
        *n = b;
        *minimal = true;
        return MFW_OK;
    }
    unsigned k = b & 0x7Fu;
    if (k == 0 || k > 4) /* 0x80 is BER's indefinite form, not allowed in A-XDR */
        return fail(rc);
    uint32_t v = 0;
    for (unsigned i = 0; i < k; i++)
        v = v << 8 | mfw_rcursor_u8(rc);
    if (rc->err)
        return fail(rc);
    *n = v;
    *minimal = k == 1 ? v >= 0x80 : v >= (uint32_t)1 << (8 * (k - 1));
    return MFW_OK;
}

int mfw_axdr_get_length(struct mfw_rcursor *rc, size_t *n)
{
    bool minimal;
    if (read_length(rc, n, &minimal) != MFW_OK)
        return MFW_E_FORMAT;
    if (*n > mfw_rcursor_left(rc))
        return fail(rc);
    return MFW_OK;
}

int mfw_axdr_peek_tag(const struct mfw_rcursor *rc)
{
    if (mfw_rcursor_left(rc) == 0)
        return MFW_E_FORMAT;
    return rc->p[rc->pos];
}

/* Tags allowed as a simple type in a compact-array type description (Blue Book 4.1.5,
 * TypeDescription): every Data tag except array, structure and compact-array themselves. */
static bool simple_tag(uint8_t t)
{
    switch (t) {
    case MFW_AXDR_NULL:
    case MFW_AXDR_BOOLEAN:
    case MFW_AXDR_BIT_STRING:
    case MFW_AXDR_DOUBLE_LONG:
    case MFW_AXDR_DOUBLE_LONG_UNSIGNED:
    case MFW_AXDR_OCTET_STRING:
    case MFW_AXDR_VISIBLE_STRING:
    case MFW_AXDR_UTF8_STRING:
    case MFW_AXDR_BCD:
    case MFW_AXDR_INTEGER:
    case MFW_AXDR_LONG:
    case MFW_AXDR_UNSIGNED:
    case MFW_AXDR_LONG_UNSIGNED:
    case MFW_AXDR_LONG64:
    case MFW_AXDR_LONG64_UNSIGNED:
    case MFW_AXDR_ENUM:
    case MFW_AXDR_FLOAT32:
    case MFW_AXDR_FLOAT64:
    case MFW_AXDR_DATE_TIME:
    case MFW_AXDR_DATE:
    case MFW_AXDR_TIME:
    case MFW_AXDR_DONT_CARE: return true;
    default: return false;
    }
}

/* Validates one TypeDescription, iteratively with an explicit stack of remaining counts:
 * array = 01 count(u16) TD; structure = 02 count(length form) TD... */
static int skip_type_description(struct mfw_rcursor *rc)
{
    uint32_t left[MFW_AXDR_DEPTH_MAX];
    unsigned depth = 0;
    do {
        uint8_t t = mfw_rcursor_u8(rc);
        if (rc->err)
            return fail(rc);
        uint32_t children = 0;
        if (t == MFW_AXDR_ARRAY) {
            (void)mfw_rcursor_u16be(rc); /* number of elements: the contents' business */
            children = 1;
        } else if (t == MFW_AXDR_STRUCTURE) {
            size_t n;
            bool minimal;
            if (read_length(rc, &n, &minimal) != MFW_OK || n > mfw_rcursor_left(rc))
                return fail(rc);
            children = (uint32_t)n;
        } else if (!simple_tag(t)) {
            return fail(rc);
        }
        if (rc->err)
            return fail(rc);
        if (t == MFW_AXDR_ARRAY || t == MFW_AXDR_STRUCTURE) {
            if (depth >= MFW_AXDR_DEPTH_DEFAULT)
                return fail(rc);
            if (children > 0) {
                left[depth++] = children;
                continue;
            }
        }
        while (depth > 0 && --left[depth - 1] == 0)
            depth--;
    } while (depth > 0);
    return MFW_OK;
}

static int get_fixed(struct mfw_rcursor *rc, struct mfw_axdr_value *v, size_t n)
{
    v->p = mfw_rcursor_take(rc, n);
    if (!v->p)
        return fail(rc);
    v->len = n;
    return MFW_OK;
}

int mfw_axdr_get(struct mfw_rcursor *rc, struct mfw_axdr_value *v)
{
    memset(v, 0, sizeof(*v));
    v->minimal = true;
    size_t start = rc->pos;
    uint8_t tag = mfw_rcursor_u8(rc);
    if (rc->err)
        return fail(rc);
    v->tag = tag;
    size_t n;
    int r = MFW_OK;
    switch (tag) {
    case MFW_AXDR_NULL:
    case MFW_AXDR_DONT_CARE: break;
    case MFW_AXDR_ARRAY:
    case MFW_AXDR_STRUCTURE:
        if (read_length(rc, &n, &v->minimal) != MFW_OK)
            return MFW_E_FORMAT;
        /* Every element takes at least its tag byte: a count above the bytes left is a lie. */
        if (n > mfw_rcursor_left(rc))
            return fail(rc);
        v->count = (uint32_t)n;
        break;
    case MFW_AXDR_BOOLEAN:
        v->raw = mfw_rcursor_u8(rc);
        v->u64 = v->raw != 0;
        break;
    case MFW_AXDR_BIT_STRING:
        if (read_length(rc, &n, &v->minimal) != MFW_OK)
            return MFW_E_FORMAT;
        v->hdr_len = rc->pos - start;
        r = get_fixed(rc, v, n / 8 + (n % 8 != 0));
        v->len = n;
        return r;
    case MFW_AXDR_OCTET_STRING:
    case MFW_AXDR_VISIBLE_STRING:
    case MFW_AXDR_UTF8_STRING:
        if (read_length(rc, &n, &v->minimal) != MFW_OK)
            return MFW_E_FORMAT;
        v->hdr_len = rc->pos - start;
        return get_fixed(rc, v, n);
    case MFW_AXDR_INTEGER: v->i64 = (int8_t)mfw_rcursor_u8(rc); break;
    case MFW_AXDR_LONG: v->i64 = (int16_t)mfw_rcursor_u16be(rc); break;
    case MFW_AXDR_DOUBLE_LONG: v->i64 = (int32_t)mfw_rcursor_u32be(rc); break;
    case MFW_AXDR_LONG64: v->i64 = (int64_t)mfw_rcursor_u64be(rc); break;
    case MFW_AXDR_UNSIGNED:
    case MFW_AXDR_ENUM:
    case MFW_AXDR_BCD: v->u64 = mfw_rcursor_u8(rc); break;
    case MFW_AXDR_LONG_UNSIGNED: v->u64 = mfw_rcursor_u16be(rc); break;
    case MFW_AXDR_DOUBLE_LONG_UNSIGNED: v->u64 = mfw_rcursor_u32be(rc); break;
    case MFW_AXDR_LONG64_UNSIGNED: v->u64 = mfw_rcursor_u64be(rc); break;
    case MFW_AXDR_FLOAT32: {
        uint32_t bits = mfw_rcursor_u32be(rc);
        float f;
        memcpy(&f, &bits, sizeof(f));
        v->u64 = bits;
        v->f64 = f;
        break;
    }
    case MFW_AXDR_FLOAT64: {
        uint64_t bits = mfw_rcursor_u64be(rc);
        memcpy(&v->f64, &bits, sizeof(v->f64));
        v->u64 = bits;
        break;
    }
    case MFW_AXDR_DATE_TIME: v->hdr_len = 1; return get_fixed(rc, v, MFW_AXDR_DATE_TIME_LEN);
    case MFW_AXDR_DATE: v->hdr_len = 1; return get_fixed(rc, v, MFW_AXDR_DATE_LEN);
    case MFW_AXDR_TIME: v->hdr_len = 1; return get_fixed(rc, v, MFW_AXDR_TIME_LEN);
    case MFW_AXDR_COMPACT_ARRAY: {
        size_t d0 = rc->pos;
        if (skip_type_description(rc) != MFW_OK)
            return MFW_E_FORMAT;
        v->desc = rc->p + d0;
        v->desc_len = rc->pos - d0;
        if (read_length(rc, &n, &v->minimal) != MFW_OK)
            return MFW_E_FORMAT;
        v->hdr_len = rc->pos - start;
        return get_fixed(rc, v, n);
    }
    default: /* 7, 8, 11, 14, 28..254: not a Data tag */ return fail(rc);
    }
    if (rc->err)
        return fail(rc);
    v->hdr_len = tag == MFW_AXDR_ARRAY || tag == MFW_AXDR_STRUCTURE ? rc->pos - start : 1;
    return r;
}

int mfw_axdr_skip(struct mfw_rcursor *rc, unsigned max_depth)
{
    /* Iterative: the stack holds, per open container, the elements still to read. */
    uint32_t left[MFW_AXDR_DEPTH_MAX];
    unsigned depth = 0;
    if (max_depth > MFW_AXDR_DEPTH_MAX)
        max_depth = MFW_AXDR_DEPTH_MAX;
    do {
        struct mfw_axdr_value v;
        if (mfw_axdr_get(rc, &v) != MFW_OK)
            return MFW_E_FORMAT;
        if (v.tag == MFW_AXDR_ARRAY || v.tag == MFW_AXDR_STRUCTURE) {
            if (depth >= max_depth)
                return fail(rc);
            if (v.count > 0) {
                left[depth++] = v.count;
                continue;
            }
        }
        while (depth > 0 && --left[depth - 1] == 0)
            depth--;
    } while (depth > 0);
    return MFW_OK;
}

/* One element that must carry the given tag. */
static int get_tag(struct mfw_rcursor *rc, struct mfw_axdr_value *v, uint8_t tag)
{
    if (mfw_axdr_get(rc, v) != MFW_OK)
        return MFW_E_FORMAT;
    if (v->tag != tag)
        return fail(rc);
    return MFW_OK;
}

int mfw_axdr_get_null(struct mfw_rcursor *rc)
{
    struct mfw_axdr_value v;
    return get_tag(rc, &v, MFW_AXDR_NULL);
}

int mfw_axdr_get_bool(struct mfw_rcursor *rc, bool *out)
{
    struct mfw_axdr_value v;
    int r = get_tag(rc, &v, MFW_AXDR_BOOLEAN);
    if (r == MFW_OK)
        *out = v.u64 != 0;
    return r;
}

/* The typed integer reads: one tag each, no widening (a long is not an unsigned). */
#define AXDR_GET_INT(name, type, tag, field)                                                       \
    int name(struct mfw_rcursor *rc, type *out)                                                    \
    {                                                                                              \
        struct mfw_axdr_value v;                                                                   \
        int r = get_tag(rc, &v, tag);                                                              \
        if (r == MFW_OK)                                                                           \
            *out = (type)v.field;                                                                  \
        return r;                                                                                  \
    }

AXDR_GET_INT(mfw_axdr_get_i8, int8_t, MFW_AXDR_INTEGER, i64)
AXDR_GET_INT(mfw_axdr_get_u8, uint8_t, MFW_AXDR_UNSIGNED, u64)
AXDR_GET_INT(mfw_axdr_get_i16, int16_t, MFW_AXDR_LONG, i64)
AXDR_GET_INT(mfw_axdr_get_u16, uint16_t, MFW_AXDR_LONG_UNSIGNED, u64)
AXDR_GET_INT(mfw_axdr_get_i32, int32_t, MFW_AXDR_DOUBLE_LONG, i64)
AXDR_GET_INT(mfw_axdr_get_u32, uint32_t, MFW_AXDR_DOUBLE_LONG_UNSIGNED, u64)
AXDR_GET_INT(mfw_axdr_get_i64, int64_t, MFW_AXDR_LONG64, i64)
AXDR_GET_INT(mfw_axdr_get_u64, uint64_t, MFW_AXDR_LONG64_UNSIGNED, u64)
AXDR_GET_INT(mfw_axdr_get_enum, uint8_t, MFW_AXDR_ENUM, u64)

int mfw_axdr_get_f32(struct mfw_rcursor *rc, float *out)
{
    struct mfw_axdr_value v;
    int r = get_tag(rc, &v, MFW_AXDR_FLOAT32);
    if (r == MFW_OK) {
        uint32_t bits = (uint32_t)v.u64;
        memcpy(out, &bits, sizeof(*out)); /* exact, NaN payloads included */
    }
    return r;
}

int mfw_axdr_get_f64(struct mfw_rcursor *rc, double *out)
{
    struct mfw_axdr_value v;
    int r = get_tag(rc, &v, MFW_AXDR_FLOAT64);
    if (r == MFW_OK)
        memcpy(out, &v.u64, sizeof(*out));
    return r;
}

static int get_string(struct mfw_rcursor *rc, uint8_t tag, size_t max, void *out, size_t *len)
{
    struct mfw_axdr_value v;
    int r = get_tag(rc, &v, tag);
    if (r != MFW_OK)
        return r;
    if (v.len > max)
        return MFW_E_NOSPACE;
    if (v.len)
        memcpy(out, v.p, v.len);
    *len = v.len;
    return MFW_OK;
}

int mfw_axdr_get_octets(struct mfw_rcursor *rc, size_t max, uint8_t *out, size_t *len)
{
    return get_string(rc, MFW_AXDR_OCTET_STRING, max, out, len);
}

int mfw_axdr_get_visible(struct mfw_rcursor *rc, size_t max, char *out, size_t *len)
{
    return get_string(rc, MFW_AXDR_VISIBLE_STRING, max, out, len);
}

int mfw_axdr_get_array(struct mfw_rcursor *rc, uint32_t *count)
{
    struct mfw_axdr_value v;
    int r = get_tag(rc, &v, MFW_AXDR_ARRAY);
    if (r == MFW_OK)
        *count = v.count;
    return r;
}

int mfw_axdr_get_structure(struct mfw_rcursor *rc, uint32_t *count)
{
    struct mfw_axdr_value v;
    int r = get_tag(rc, &v, MFW_AXDR_STRUCTURE);
    if (r == MFW_OK)
        *count = v.count;
    return r;
}

static void date_from_bytes(struct mfw_cosem_datetime *dt, const uint8_t *b)
{
    dt->year = (uint16_t)(b[0] << 8 | b[1]);
    dt->month = b[2];
    dt->day = b[3];
    dt->day_of_week = b[4];
}

static void time_from_bytes(struct mfw_cosem_datetime *dt, const uint8_t *b)
{
    dt->hour = b[0];
    dt->minute = b[1];
    dt->second = b[2];
    dt->hundredths = b[3];
}

static void datetime_not_specified(struct mfw_cosem_datetime *dt)
{
    dt->year = MFW_COSEM_YEAR_NS;
    dt->month = dt->day = dt->day_of_week = MFW_COSEM_NS;
    dt->hour = dt->minute = dt->second = dt->hundredths = MFW_COSEM_NS;
    dt->deviation = MFW_COSEM_DEVIATION_NS;
    dt->mfw_clock_status = MFW_COSEM_NS;
}

static void datetime_from_bytes(struct mfw_cosem_datetime *dt, const uint8_t *b)
{
    date_from_bytes(dt, b);
    time_from_bytes(dt, b + MFW_AXDR_DATE_LEN);
    dt->deviation = (int16_t)(uint16_t)(b[9] << 8 | b[10]);
    dt->mfw_clock_status = b[11];
}

int mfw_cosem_datetime_decode(struct mfw_rcursor *rc, struct mfw_cosem_datetime *dt)
{
    const uint8_t *b = mfw_rcursor_take(rc, MFW_AXDR_DATE_TIME_LEN);
    if (!b)
        return fail(rc);
    datetime_from_bytes(dt, b);
    return MFW_OK;
}

int mfw_axdr_get_datetime(struct mfw_rcursor *rc, struct mfw_cosem_datetime *dt)
{
    struct mfw_axdr_value v;
    if (mfw_axdr_get(rc, &v) != MFW_OK)
        return MFW_E_FORMAT;
    /* Clock attribute 2 and most Blue Book date-time attributes are octet-string(12); the
     * Data CHOICE also has the tagged date-time [25]. Accept both. */
    if (!(v.tag == MFW_AXDR_DATE_TIME ||
          (v.tag == MFW_AXDR_OCTET_STRING && v.len == MFW_AXDR_DATE_TIME_LEN)))
        return fail(rc);
    datetime_from_bytes(dt, v.p);
    return MFW_OK;
}

int mfw_axdr_get_date(struct mfw_rcursor *rc, struct mfw_cosem_datetime *dt)
{
    struct mfw_axdr_value v;
    int r = get_tag(rc, &v, MFW_AXDR_DATE);
    if (r == MFW_OK) {
        datetime_not_specified(dt);
        date_from_bytes(dt, v.p);
    }
    return r;
}

int mfw_axdr_get_time(struct mfw_rcursor *rc, struct mfw_cosem_datetime *dt)
{
    struct mfw_axdr_value v;
    int r = get_tag(rc, &v, MFW_AXDR_TIME);
    if (r == MFW_OK) {
        datetime_not_specified(dt);
        time_from_bytes(dt, v.p);
    }
    return r;
}

/* ------------------------------------------------------------------------------------------- */
/* Date-time <-> UTC milliseconds                                                                */

#define MS_PER_MIN 60000LL
/* About 82 000 years either way: beyond year 65534, and local = utc + offset cannot overflow. */
#define MS_LIMIT (30000000LL * MFW_MS_PER_DAY)

int mfw_cosem_datetime_from_ms(struct mfw_cosem_datetime *dt, mfw_ms_t utc_ms, int utc_offset_min,
                               uint8_t mfw_clock_status)
{
    if (utc_offset_min < -840 || utc_offset_min > 840 || utc_ms < -MS_LIMIT || utc_ms > MS_LIMIT)
        return MFW_E_RANGE;
    int64_t ms_of_day;
    int64_t days = mfw_civil_days_of_ms(utc_ms + utc_offset_min * MS_PER_MIN, &ms_of_day);
    struct mfw_civil_date d = mfw_civil_date_from_days(days);
    if (d.year < 0 || d.year >= MFW_COSEM_YEAR_NS)
        return MFW_E_RANGE;
    dt->year = (uint16_t)d.year;
    dt->month = (uint8_t)d.month;
    dt->day = (uint8_t)d.day;
    dt->day_of_week = (uint8_t)mfw_civil_weekday(days);
    dt->hour = (uint8_t)(ms_of_day / 3600000);
    dt->minute = (uint8_t)(ms_of_day / 60000 % 60);
    dt->second = (uint8_t)(ms_of_day / 1000 % 60);
    dt->hundredths = (uint8_t)(ms_of_day % 1000 / 10);
    /* [M] sign as IDIS / Gurux and mfw_clock_cosem_time_zone(): UTC = local + deviation. */
    dt->deviation = (int16_t)-utc_offset_min;
    dt->mfw_clock_status = mfw_clock_status;
    return MFW_OK;
}

int mfw_cosem_datetime_to_ms(const struct mfw_cosem_datetime *dt, int utc_offset_min,
                             mfw_ms_t *utc_ms)
{
    if (dt->year == MFW_COSEM_YEAR_NS || dt->month < 1 || dt->month > 12 || dt->day < 1 ||
        dt->day > mfw_civil_days_in_month(dt->year, dt->month) || dt->hour > 23 ||
        dt->minute > 59 || dt->second > 59 ||
        (dt->hundredths > 99 && dt->hundredths != MFW_COSEM_NS))
        return MFW_E_RANGE;
    int64_t local = mfw_civil_days_from_date(dt->year, dt->month, dt->day) * MFW_MS_PER_DAY +
                    dt->hour * 3600000LL + dt->minute * MS_PER_MIN + dt->second * 1000LL +
                    (dt->hundredths == MFW_COSEM_NS ? 0 : dt->hundredths * 10LL);
    if (dt->deviation != MFW_COSEM_DEVIATION_NS) {
        if (dt->deviation < -840 || dt->deviation > 840)
            return MFW_E_RANGE;
        *utc_ms = local + dt->deviation * MS_PER_MIN;
    } else {
        if (utc_offset_min < -840 || utc_offset_min > 840)
            return MFW_E_RANGE;
        *utc_ms = local - utc_offset_min * MS_PER_MIN;
    }
    return MFW_OK;
}

int mfw_axdr_get_raw(struct mfw_rcursor *rc, struct mfw_bytes *v)
{
    size_t start = rc->pos;
    if (rc->err == 0 && mfw_axdr_skip(rc, MFW_AXDR_DEPTH_DEFAULT) != MFW_OK)
        rc->err = MFW_E_FORMAT;
    v->p = rc->err == 0 ? rc->p + start : NULL;
    v->len = rc->err == 0 ? rc->pos - start : 0;
    return rc->err == 0 ? MFW_OK : MFW_E_FORMAT;
}
