/* SPDX-License-Identifier: Apache-2.0 */
/* axdr: the A-XDR encoding of the COSEM "Data" CHOICE (IEC 62056-5-3 / DLMS UA 1000-2 "Green
 * Book" 9.5 and DLMS UA 1000-1 "Blue Book" 4.1.5 "Common data types"; A-XDR itself is IEC 61334-6).
 *
 * Every value is a one-byte tag followed by its contents. Fixed-size types carry their contents
 * big-endian; strings and containers carry a length / element count in the BER definite form
 * (< 0x80: one byte; 0x81 nn; 0x82 nn nn; 0x83 nn nn nn; 0x84 nn nn nn nn).
 *
 * Writing goes through a struct mfw_wcursor, reading through a struct mfw_rcursor (cursor.h); both are
 * bounded, never touch memory outside their buffer and keep their error sticky:
 *   - an encoder that runs out of room sets the wcursor's err to MFW_E_NOSPACE;
 *   - a decoder that meets anything malformed, truncated or of the wrong tag returns
 *     MFW_E_FORMAT and sets the rcursor's err to MFW_E_FORMAT, so a caller can read a whole
 *     structure and check once. After a failure the cursor position is unspecified.
 *
 * The decoder is a pull parser: mfw_axdr_get() reads one element. For an array or structure it reads
 * only the header (the element count); the caller then reads the children in turn, or skips a
 * whole value of any nesting with mfw_axdr_skip(). No heap, no recursion, no globals. */
#ifndef METERFW_CODEC_AXDR_H
#define METERFW_CODEC_AXDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/base/bytes.h"
#include "meterfw/base/cursor.h"
#include "meterfw/base/time.h"

/* Data CHOICE tags (Blue Book 4.1.5, "Data ::= CHOICE"). 7 (floating-point), 8, 11, 14 and
 * 28..254 are not defined in the current Blue Book: the decoder refuses them. */
enum mfw_axdr_tag {
    MFW_AXDR_NULL = 0,                 /* null-data */
    MFW_AXDR_ARRAY = 1,                /* array: count, then count Data */
    MFW_AXDR_STRUCTURE = 2,            /* structure: count, then count Data */
    MFW_AXDR_BOOLEAN = 3,              /* one byte: 0x00 FALSE, anything else TRUE */
    MFW_AXDR_BIT_STRING = 4,           /* length in bits, then ceil(bits/8) bytes, MSB first */
    MFW_AXDR_DOUBLE_LONG = 5,          /* int32 */
    MFW_AXDR_DOUBLE_LONG_UNSIGNED = 6, /* uint32 */
    MFW_AXDR_OCTET_STRING = 9,         /* length, bytes */
    MFW_AXDR_VISIBLE_STRING = 10,      /* length, ASCII bytes */
    MFW_AXDR_UTF8_STRING = 12,         /* length, UTF-8 bytes */
    MFW_AXDR_BCD = 13,                 /* one byte (Integer8) */
    MFW_AXDR_INTEGER = 15,             /* int8 */
    MFW_AXDR_LONG = 16,                /* int16 */
    MFW_AXDR_UNSIGNED = 17,            /* uint8 */
    MFW_AXDR_LONG_UNSIGNED = 18,       /* uint16 */
    MFW_AXDR_COMPACT_ARRAY = 19,       /* type description, then length-prefixed contents */
    MFW_AXDR_LONG64 = 20,              /* int64 */
    MFW_AXDR_LONG64_UNSIGNED = 21,     /* uint64 */
    MFW_AXDR_ENUM = 22,                /* uint8 */
    MFW_AXDR_FLOAT32 = 23,             /* IEEE 754 binary32, big-endian */
    MFW_AXDR_FLOAT64 = 24,             /* IEEE 754 binary64, big-endian */
    MFW_AXDR_DATE_TIME = 25,           /* 12 bytes, see struct mfw_cosem_datetime */
    MFW_AXDR_DATE = 26,                /* 5 bytes */
    MFW_AXDR_TIME = 27,                /* 4 bytes */
    MFW_AXDR_DONT_CARE = 255,          /* no contents */
};

/* Sizes of the date and time contents (Blue Book 4.1.6.1). */
#define MFW_AXDR_DATE_TIME_LEN 12u
#define MFW_AXDR_DATE_LEN 5u
#define MFW_AXDR_TIME_LEN 4u

/* The deepest container nesting mfw_axdr_skip() can follow (its explicit stack), and a sensible
 * limit for callers: the association object list nests 5 deep (list / object / access rights /
 * attribute list / attribute item), a profile buffer 3. */
#define MFW_AXDR_DEPTH_MAX 16u
#define MFW_AXDR_DEPTH_DEFAULT 8u

/* One decoded element (scalar, or the header of a container). Which fields are meaningful
 * depends on tag:
 *   null-data, don't-care         : nothing
 *   boolean                       : u64 = 0 or 1, raw = the byte as sent
 *   integer, long, double-long, long64           : i64 (sign-extended)
 *   unsigned, long-unsigned, double-long-unsigned, long64-unsigned, enum, bcd : u64
 *   float32, float64              : f64 (the value), u64 (the raw IEEE bits, for an exact copy)
 *   octet-, visible-, utf8-string : p/len into the input (not copied, not NUL-terminated)
 *   bit-string                    : p into the input, len = number of BITS (ceil(len/8) bytes)
 *   date-time, date, time         : p/len = the 12 / 5 / 4 content bytes
 *   array, structure              : count = number of elements that follow
 *   compact-array                 : desc/desc_len = the type description, p/len = the contents
 *                                   (not interpreted further)
 * hdr_len is the number of bytes of tag plus length / count form (for exact re-encoding checks). */
struct mfw_axdr_value {
    uint8_t tag;
    uint8_t raw;
    bool minimal; /* the length / count used its shortest form (always true for fixed sizes) */
    size_t hdr_len;
    int64_t i64;
    uint64_t u64;
    double f64;
    const uint8_t *p;
    size_t len;
    uint32_t count;
    const uint8_t *desc;
    size_t desc_len;
};

/* A COSEM date-time (Blue Book 4.1.6.1, "date-time" = date(5) time(4) deviation(2) status(1)).
 * Wildcards: year 0xFFFF, other fields 0xFF = not specified; month 0xFD/0xFE = DST end / begin,
 * day_of_month 0xFD/0xFE = second last / last day; day_of_week 1 = Monday .. 7 = Sunday. */
struct mfw_cosem_datetime {
    uint16_t year;       /* 0xFFFF: not specified */
    uint8_t month;       /* 1..12 */
    uint8_t day;         /* 1..31 */
    uint8_t day_of_week; /* 1..7 */
    uint8_t hour;        /* 0..23 */
    uint8_t minute;      /* 0..59 */
    uint8_t second;      /* 0..59 */
    uint8_t hundredths;  /* 0..99 */
    int16_t deviation;   /* minutes, UTC = local + deviation (see below); MFW_COSEM_DEVIATION_NS */
    uint8_t mfw_clock_status; /* CLOCK_STATUS_* bits of clock.h */
};

#define MFW_COSEM_YEAR_NS 0xFFFFu
#define MFW_COSEM_NS 0xFFu
#define MFW_COSEM_DEVIATION_NS ((int16_t)-32768) /* 0x8000 */

/* ---- Encoder: each writes the tag and contents; errors are sticky in the wcursor. ---- */

void mfw_axdr_put_null(struct mfw_wcursor *wc);
void mfw_axdr_put_dont_care(struct mfw_wcursor *wc);
void mfw_axdr_put_bool(struct mfw_wcursor *wc, bool v);
void mfw_axdr_put_i8(struct mfw_wcursor *wc, int8_t v);
void mfw_axdr_put_u8(struct mfw_wcursor *wc, uint8_t v);
void mfw_axdr_put_i16(struct mfw_wcursor *wc, int16_t v);
void mfw_axdr_put_u16(struct mfw_wcursor *wc, uint16_t v);
void mfw_axdr_put_i32(struct mfw_wcursor *wc, int32_t v);
void mfw_axdr_put_u32(struct mfw_wcursor *wc, uint32_t v);
void mfw_axdr_put_i64(struct mfw_wcursor *wc, int64_t v);
void mfw_axdr_put_u64(struct mfw_wcursor *wc, uint64_t v);
void mfw_axdr_put_enum(struct mfw_wcursor *wc, uint8_t v);
void mfw_axdr_put_bcd(struct mfw_wcursor *wc, uint8_t v);
void mfw_axdr_put_f32(struct mfw_wcursor *wc, float v);
void mfw_axdr_put_f64(struct mfw_wcursor *wc, double v);
void mfw_axdr_put_octets(struct mfw_wcursor *wc, const uint8_t *p, size_t n);
void mfw_axdr_put_visible(struct mfw_wcursor *wc, const char *p, size_t n);
void mfw_axdr_put_utf8(struct mfw_wcursor *wc, const uint8_t *p, size_t n);
/* nbits bits from bits[], MSB of bits[0] first; unused trailing bits are written as zero. */
void mfw_axdr_put_bitstring(struct mfw_wcursor *wc, const uint8_t *bits, size_t nbits);
void mfw_axdr_put_array_header(struct mfw_wcursor *wc, uint32_t count);
void mfw_axdr_put_structure_header(struct mfw_wcursor *wc, uint32_t count);
/* The length form alone (for octet-string contents built in place, or APDU fields). */
void mfw_axdr_put_length(struct mfw_wcursor *wc, size_t n);
/* Tagged date-time (25), date (26: the date fields of dt), time (27: the time fields of dt). */
void mfw_axdr_put_datetime(struct mfw_wcursor *wc, const struct mfw_cosem_datetime *dt);
void mfw_axdr_put_date(struct mfw_wcursor *wc, const struct mfw_cosem_datetime *dt);
void mfw_axdr_put_time(struct mfw_wcursor *wc, const struct mfw_cosem_datetime *dt);
/* The date-time as octet-string(12) (09 0C ...): the type of Clock attribute 2 and of most
 * date-time attributes of the Blue Book. */
void mfw_axdr_put_datetime_octets(struct mfw_wcursor *wc, const struct mfw_cosem_datetime *dt);

/* ---- Decoder ---- */

/* The tag of the next element without consuming it; MFW_E_FORMAT (cursor untouched) at the end. */
int mfw_axdr_peek_tag(const struct mfw_rcursor *rc);
/* The length form alone; refuses 0x80 (indefinite), 0x85.., and a length above mfw_rcursor_left(). */
int mfw_axdr_get_length(struct mfw_rcursor *rc, size_t *n);
/* One element (see struct mfw_axdr_value). MFW_OK or MFW_E_FORMAT. */
int mfw_axdr_get(struct mfw_rcursor *rc, struct mfw_axdr_value *v);
/* Validates and skips one whole value, with at most max_depth nested containers (clamped to
 * MFW_AXDR_DEPTH_MAX; a scalar is depth 0, a structure of scalars depth 1). */
int mfw_axdr_skip(struct mfw_rcursor *rc, unsigned max_depth);
/* The bytes of the next whole Data (any nesting up to MFW_AXDR_DEPTH_DEFAULT) as a view into the
 * cursor's buffer, which then stands after it. MFW_OK, or MFW_E_FORMAT (v empty, the cursor's
 * error set). */
int mfw_axdr_get_raw(struct mfw_rcursor *rc, struct mfw_bytes *v);

/* Typed reads: accept exactly one tag, MFW_E_FORMAT otherwise ("type-unmatched" for a SET). */
int mfw_axdr_get_null(struct mfw_rcursor *rc);
int mfw_axdr_get_bool(struct mfw_rcursor *rc, bool *v);
int mfw_axdr_get_i8(struct mfw_rcursor *rc, int8_t *v);
int mfw_axdr_get_u8(struct mfw_rcursor *rc, uint8_t *v);
int mfw_axdr_get_i16(struct mfw_rcursor *rc, int16_t *v);
int mfw_axdr_get_u16(struct mfw_rcursor *rc, uint16_t *v);
int mfw_axdr_get_i32(struct mfw_rcursor *rc, int32_t *v);
int mfw_axdr_get_u32(struct mfw_rcursor *rc, uint32_t *v);
int mfw_axdr_get_i64(struct mfw_rcursor *rc, int64_t *v);
int mfw_axdr_get_u64(struct mfw_rcursor *rc, uint64_t *v);
int mfw_axdr_get_enum(struct mfw_rcursor *rc, uint8_t *v);
int mfw_axdr_get_f32(struct mfw_rcursor *rc, float *v);
int mfw_axdr_get_f64(struct mfw_rcursor *rc, double *v);
/* octet-string copied into out[max]; MFW_E_NOSPACE (cursor err untouched, element consumed)
 * when it is longer than max. */
int mfw_axdr_get_octets(struct mfw_rcursor *rc, size_t max, uint8_t *out, size_t *len);
/* visible-string, same rules. */
int mfw_axdr_get_visible(struct mfw_rcursor *rc, size_t max, char *out, size_t *len);
/* An array / structure header: the element count. */
int mfw_axdr_get_array(struct mfw_rcursor *rc, uint32_t *count);
int mfw_axdr_get_structure(struct mfw_rcursor *rc, uint32_t *count);
/* A date-time either tagged (25) or as octet-string of exactly 12 bytes (Clock attribute 2). */
int mfw_axdr_get_datetime(struct mfw_rcursor *rc, struct mfw_cosem_datetime *dt);
/* date (26) / time (27): fill the date / time fields, the others set to not specified. */
int mfw_axdr_get_date(struct mfw_rcursor *rc, struct mfw_cosem_datetime *dt);
int mfw_axdr_get_time(struct mfw_rcursor *rc, struct mfw_cosem_datetime *dt);

/* ---- COSEM date-time contents (no tag) ---- */

void mfw_cosem_datetime_encode(struct mfw_wcursor *wc, const struct mfw_cosem_datetime *dt);
/* Reads 12 bytes; no field checks (wildcards pass). MFW_E_FORMAT only if truncated. */
int mfw_cosem_datetime_decode(struct mfw_rcursor *rc, struct mfw_cosem_datetime *dt);

/* UTC ms -> date-time in local time = UTC + utc_offset_min (east positive, DST included), with
 * deviation = -utc_offset_min (the sign IDIS meters and Gurux use, as mfw_clock_cosem_time_zone()
 * does for IC 8 time_zone: UTC = local + deviation) and the given clock status.
 * MFW_E_RANGE if utc_offset_min is outside -840..840 or the year outside 0..0xFFFE. */
int mfw_cosem_datetime_from_ms(struct mfw_cosem_datetime *dt, mfw_ms_t utc_ms, int utc_offset_min,
                               uint8_t mfw_clock_status);
/* A fully specified date-time -> UTC ms. The deviation is used when specified; when it is
 * MFW_COSEM_DEVIATION_NS, utc_offset_min (east positive) is used instead. day_of_week is not checked
 * (0xFF or the right day), hundredths 0xFF count as 0. MFW_E_RANGE for wildcards or fields out
 * of range (month 1..12, day within the month, 23:59:59.99, deviation -840..840 as sent). */
int mfw_cosem_datetime_to_ms(const struct mfw_cosem_datetime *dt, int utc_offset_min,
                             mfw_ms_t *utc_ms);

#endif /* METERFW_CODEC_AXDR_H */
