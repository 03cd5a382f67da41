/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for meterctl's value notation (tools/meterctl/notation.c, docs/meterctl.md
 * "Value notation"): the input as text (an exact-size NUL-terminated heap copy) through
 * notation_parse, obis_parse and iso_parse, and as bytes through notation_format. Invariants:
 *   - notation_parse returns MFW_OK or MFW_E_FORMAT with a reason (NUL-terminated, not empty);
 *     an unsigned type never takes a negative number; an accepted value is one whole A-XDR Data that the core's decoder reads back to its last
 *     byte (mfw_axdr_skip at MFW_AXDR_DEPTH_DEFAULT, what the meter's SET decoding allows), and
 *     into a small buffer it is refused ("value too large") or the same bytes, never more;
 *   - typed output writes back unchanged: notation_format(typed) of an accepted value parses
 *     again to the same bytes (what `get -T` then `set` does); the readable form formats too;
 *   - an accepted OBIS code is six decimal fields 0..255 with the separators of A.B.C.D.E.F or
 *     A-B:C.D.E*F, nothing else, and formats back to its six bytes;
 *   - an accepted ISO date-time has every field in its Blue Book range (or a wildcard), the day
 *     of the week of its date, and its text form parses again to the same date-time;
 *   - notation_format of arbitrary bytes, readable and typed, never crashes.
 * Seeds: the examples of docs/meterctl.md and tools/meterctl/test_meterctl.c, written to
 * $MFW_FUZZ_SEED_DIR when it is set (and parsed once as a check). */
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meterfw/base/civil.h"
#include "meterfw/base/error.h"
#include "meterfw/codec/axdr.h"
#include "notation.h"
#include "seed_dir.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OUT_CAP 65536 /* meterctl's encode_arg buffer */
#define SMALL_CAP 16
#define ERR_CAP 256

static uint8_t out[OUT_CAP], again[OUT_CAP];

static int parse(const char *text, uint8_t *buf, size_t cap, size_t *len)
{
    char err[ERR_CAP];
    memset(err, 0x55, sizeof err);
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, buf, cap);
    int r = notation_parse(text, &w, err, sizeof err);
    if (r == MFW_E_FORMAT) {
        const char *nul = memchr(err, '\0', sizeof err);
        if (nul == NULL || nul == err)
            abort(); /* a refusal gives its reason */
        return r;
    }
    if (r != MFW_OK || w.err != 0 || w.len > cap)
        abort();
    *len = w.len;
    return r;
}

static void check_value(const char *text)
{
    size_t n = 0;
    if (parse(text, out, sizeof out, &n) != MFW_OK)
        return;
    /* one whole Data, read back by the core's decoder to its last byte */
    struct mfw_rcursor rc;
    mfw_rcursor_init(&rc, out, n);
    if (n == 0 || mfw_axdr_skip(&rc, MFW_AXDR_DEPTH_DEFAULT) != MFW_OK ||
        mfw_rcursor_left(&rc) != 0)
        abort();
    /* an unsigned type never takes a negative number (strtoull would wrap it) */
    static const char *const unsigned_types[] = {
        "u8:", "u16:", "u32:", "u64:", "enum:", "bcd:", "bool:"};
    const char *t = text;
    while (isspace((unsigned char)*t))
        t++;
    for (size_t k = 0; k < sizeof unsigned_types / sizeof unsigned_types[0]; k++)
        if (strncmp(t, unsigned_types[k], strlen(unsigned_types[k])) == 0 && strchr(t, '-'))
            abort();
    /* a small buffer: refused, or the same bytes */
    uint8_t small[SMALL_CAP];
    size_t m = 0;
    if (parse(text, small, sizeof small, &m) == MFW_OK && (m != n || memcmp(small, out, n) != 0))
        abort();
    /* typed output writes back unchanged; the readable form formats too */
    for (int typed = 1; typed >= 0; typed--) {
        struct strbuf sb = {NULL, 0, 0};
        mfw_rcursor_init(&rc, out, n);
        if (notation_format(&sb, &rc, typed) != MFW_OK || sb.p == NULL ||
            mfw_rcursor_left(&rc) != 0)
            abort();
        if (typed) {
            size_t k = 0;
            if (parse(sb.p, again, sizeof again, &k) != MFW_OK || k != n ||
                memcmp(again, out, n) != 0)
                abort();
        }
        sb_free(&sb);
    }
}

/* An accepted OBIS code: six runs of decimal digits, 0..255, with one of the two separator
 * styles, and nothing else; it formats back to its six bytes. */
static void check_obis(const char *text)
{
    uint8_t ln[6];
    if (obis_parse(text, ln) != 0)
        return;
    static const char dots[5] = {'.', '.', '.', '.', '.'}, iec[5] = {'-', ':', '.', '.', '*'};
    const char *p = text;
    bool is_dots = true, is_iec = true;
    for (int f = 0; f < 6; f++) {
        unsigned v = 0, digits = 0;
        while (isdigit((unsigned char)*p)) {
            v = v > 255u ? v : v * 10u + (unsigned)(*p - '0');
            p++;
            digits++;
        }
        if (digits == 0 || v != ln[f])
            abort();
        if (f < 5) {
            is_dots = is_dots && *p == dots[f];
            is_iec = is_iec && *p == iec[f];
            if (!is_dots && !is_iec)
                abort();
            p++;
        }
    }
    if (*p != '\0')
        abort();
    struct strbuf sb = {NULL, 0, 0};
    obis_format(&sb, ln);
    uint8_t back[6];
    if (obis_parse(sb.p, back) != 0 || memcmp(back, ln, 6) != 0)
        abort();
    sb_free(&sb);
}

static bool in(unsigned v, unsigned lo, unsigned hi)
{
    return (v >= lo && v <= hi) || v == MFW_COSEM_NS;
}

static void check_iso(const char *text)
{
    struct mfw_cosem_datetime dt, back;
    if (iso_parse(text, &dt) != 0)
        return;
    if (!(in(dt.month, 1, 12) || dt.month == 0xFD || dt.month == 0xFE) ||
        !(in(dt.day, 1, 31) || dt.day == 0xFD || dt.day == 0xFE) || !in(dt.hour, 0, 23) ||
        !in(dt.minute, 0, 59) || !in(dt.second, 0, 59) || !in(dt.hundredths, 0, 99) ||
        !(dt.year <= 9999 || dt.year == MFW_COSEM_YEAR_NS) ||
        !(dt.deviation == MFW_COSEM_DEVIATION_NS || (dt.deviation >= -899 && dt.deviation <= 899)))
        abort();
    bool full = dt.year != MFW_COSEM_YEAR_NS && dt.month >= 1 && dt.month <= 12 && dt.day >= 1 &&
                dt.day <= 31;
    if (full &&
        (dt.day > mfw_civil_days_in_month(dt.year, dt.month) ||
         dt.day_of_week != mfw_civil_weekday(mfw_civil_days_from_date(dt.year, dt.month, dt.day))))
        abort();
    if (!full && dt.day_of_week != MFW_COSEM_NS)
        abort();
    struct strbuf sb = {NULL, 0, 0};
    iso_format(&sb, &dt);
    if (iso_parse(sb.p, &back) != 0 || memcmp(&back, &dt, sizeof dt) != 0)
        abort();
    sb_free(&sb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1); /* exact size: ASan sees a read past the NUL */
    if (text == NULL)
        return 0;
    if (size > 0)
        memcpy(text, data, size);
    text[size] = '\0';
    check_value(text);
    check_obis(text);
    check_iso(text);
    free(text);
    /* the bytes as A-XDR, as a meter might answer */
    uint8_t *bytes = malloc(size ? size : 1);
    if (bytes == NULL)
        return 0;
    if (size > 0)
        memcpy(bytes, data, size);
    for (int typed = 0; typed < 2; typed++) {
        struct mfw_rcursor rc;
        mfw_rcursor_init(&rc, bytes, size);
        struct strbuf sb = {NULL, 0, 0};
        (void)notation_format(&sb, &rc, typed);
        sb_free(&sb);
    }
    free(bytes);
    return 0;
}

/* ---- seeds */

static const char *const seeds[] = {
    "u32:123",
    "i8:-5",
    "i16:-32768",
    "u16:0x1234",
    "u64:18446744073709551615",
    "i64:-9223372036854775808",
    "enum:30",
    "bcd:9",
    "bool:1",
    "dont-care",
    "null",
    "f32:1.5",
    "f64:-2.25e-3",
    "octets:0102ab",
    "obis:1-0:1.8.0*255",
    "\"a\\\"b\\x00\\\\\"",
    "string:plain text",
    "utf8:\"x\\x7F\"",
    "bits:1011000101",
    "datetime:2026-07-01T12:30:15.25+01:00",
    "datetime:*-03-254T02:00:00",
    "datetime:2026-01-01T00:00:00Z",
    "tagged-datetime:2026-01-01T00:00:00-05:30",
    "date:2026-01-*",
    "time:06:00",
    "tagged-date:2026-01-02",
    "tagged-time:23:59:59",
    "struct(u8:1, \"x\", array(u16:1, u16:2))",
    "{u8:1, [true, false], {}}",
    "array(struct(octets:0000010000FF, i8:2, u16:0), struct(obis:1.0.1.8.0.255, i8:2, u16:0))",
    "1.0.1.8.0.255",
    "0-0:96.1.0*255",
    "2026-03-29T01:00:00Z",
    "*-*-*T*:*:*.*",
    "2024-02-29T23:59:59.99+14:00",
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    for (size_t k = 0; k < sizeof seeds / sizeof seeds[0]; k++) {
        /* once: the value seeds are accepted (the last five are OBIS codes and times) */
        size_t n;
        if (k + 5 < sizeof seeds / sizeof seeds[0] &&
            parse(seeds[k], out, sizeof out, &n) != MFW_OK)
            abort();
        char name[32];
        snprintf(name, sizeof name, "notation-%02zu.txt", k);
        fuzz_seed_write("fuzz_meterctl_notation", name, seeds[k], strlen(seeds[k]));
    }
    return 0;
}
