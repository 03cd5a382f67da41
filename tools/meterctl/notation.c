/* SPDX-License-Identifier: Apache-2.0 */
/* notation: COSEM Data values as text (see notation.h). */
#include "notation.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meterfw/base/civil.h"
#include "meterfw/base/error.h"

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        va_end(ap2);
        return;
    }
    if (sb->len + (size_t)n + 1 > sb->cap) {
        size_t cap = sb->cap ? sb->cap : 256;
        while (sb->len + (size_t)n + 1 > cap)
            cap *= 2;
        char *q = realloc(sb->p, cap);
        if (!q) {
            va_end(ap2);
            abort();
        }
        sb->p = q;
        sb->cap = cap;
    }
    vsnprintf(sb->p + sb->len, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    sb->len += (size_t)n;
}

void sb_free(struct strbuf *sb)
{
    free(sb->p);
    sb->p = NULL;
    sb->len = sb->cap = 0;
}

/* ---- OBIS ---- */

/* A decimal field of an OBIS code: digits only (no sign, no blank), 0..255. NULL if not. */
static const char *obis_field(const char *s, uint8_t *out)
{
    unsigned v = 0;
    const char *p = s;
    for (; isdigit((unsigned char)*p); p++)
        v = v > 255 ? v : v * 10u + (unsigned)(*p - '0'); /* stops growing past 255 */
    if (p == s || v > 255)
        return NULL;
    *out = (uint8_t)v;
    return p;
}

int obis_parse(const char *s, uint8_t ln[6])
{
    static const char dots[5] = {'.', '.', '.', '.', '.'}, iec[5] = {'-', ':', '.', '.', '*'};
    const char *seps = NULL;
    uint8_t v[6];
    for (int i = 0; i < 6; i++) {
        if ((s = obis_field(s, &v[i])) == NULL)
            return -1;
        if (i == 5)
            break;
        if (i == 0)
            seps = *s == '.' ? dots : *s == '-' ? iec : NULL;
        if (seps == NULL || *s != seps[i])
            return -1;
        s++;
    }
    if (*s != '\0')
        return -1;
    memcpy(ln, v, 6);
    return 0;
}

void obis_format(struct strbuf *sb, const uint8_t ln[6])
{
    sb_printf(sb, "%u.%u.%u.%u.%u.%u", ln[0], ln[1], ln[2], ln[3], ln[4], ln[5]);
}

/* ---- ISO 8601 ---- */

/* A number of up to `digits` digits, or '*' (wildcard -> any). */
static int iso_field(const char **s, unsigned digits, unsigned max, unsigned any, unsigned *out)
{
    if (**s == '*') {
        (*s)++;
        *out = any;
        return 0;
    }
    unsigned v = 0, n = 0;
    while (n < digits && isdigit((unsigned char)**s)) {
        v = v * 10 + (unsigned)(**s - '0');
        (*s)++;
        n++;
    }
    if (n == 0 || v > max)
        return -1;
    *out = v;
    return 0;
}

int iso_parse(const char *s, struct mfw_cosem_datetime *dt)
{
    unsigned y, mo, d, h = 0, mi = 0, se = 0, hs = 0;
    if (iso_field(&s, 4, 0xFFFE, MFW_COSEM_YEAR_NS, &y) || *s++ != '-' ||
        iso_field(&s, 3, 0xFE, MFW_COSEM_NS, &mo) || *s++ != '-' ||
        iso_field(&s, 3, 0xFE, MFW_COSEM_NS, &d))
        return -1;
    if (*s == 'T' || *s == ' ') {
        s++;
        if (iso_field(&s, 2, 23, MFW_COSEM_NS, &h) || *s++ != ':' ||
            iso_field(&s, 2, 59, MFW_COSEM_NS, &mi))
            return -1;
        if (*s == ':') {
            s++;
            if (iso_field(&s, 2, 59, MFW_COSEM_NS, &se))
                return -1;
            if (*s == '.') {
                s++;
                if (iso_field(&s, 2, 99, MFW_COSEM_NS, &hs))
                    return -1;
            }
        }
    }
    int dev = MFW_COSEM_DEVIATION_NS;
    if (*s == 'Z') {
        dev = 0;
        s++;
    } else if (*s == '+' || *s == '-') {
        int sign = *s == '+' ? 1 : -1;
        s++;
        unsigned oh, om;
        if (iso_field(&s, 2, 14, 0xFFFF, &oh) || oh == 0xFFFF || *s++ != ':' ||
            iso_field(&s, 2, 59, 0xFFFF, &om) || om == 0xFFFF)
            return -1;
        dev = -sign * (int)(oh * 60 + om);
    }
    if (*s != '\0')
        return -1;
    /* Blue Book 4.1.6.1: month 1..12, day 1..31, or FD/FE (DST end/begin; second last/last day)
     * or FF (wildcard) */
    if ((mo == 0 || (mo > 12 && mo < 0xFD)) || (d == 0 || (d > 31 && d < 0xFD)))
        return -1;
    memset(dt, 0, sizeof(*dt));
    dt->year = (uint16_t)y;
    dt->month = (uint8_t)mo;
    dt->day = (uint8_t)d;
    dt->hour = (uint8_t)h;
    dt->minute = (uint8_t)mi;
    dt->second = (uint8_t)se;
    dt->hundredths = (uint8_t)hs;
    dt->deviation = (int16_t)dev;
    /* Blue Book 4.1.6.1: mfw_clock_status 0xFF = not specified, as the deviation is then */
    dt->mfw_clock_status = dev == MFW_COSEM_DEVIATION_NS ? MFW_COSEM_NS : 0;
    dt->day_of_week = MFW_COSEM_NS;
    if (y != MFW_COSEM_YEAR_NS && mo >= 1 && mo <= 12 && d >= 1 &&
        d <= mfw_civil_days_in_month((int64_t)y, mo))
        dt->day_of_week = (uint8_t)mfw_civil_weekday(mfw_civil_days_from_date((int64_t)y, mo, d));
    else if (y != MFW_COSEM_YEAR_NS && mo >= 1 && mo <= 12 && d >= 1 && d <= 31)
        return -1; /* a day the month does not have */
    return 0;
}

static void field(struct strbuf *sb, unsigned v, unsigned any, const char *fmt)
{
    if (v == any)
        sb_printf(sb, "*");
    else
        sb_printf(sb, fmt, v);
}

/* ".hh" when not zero, ".*" for the wildcard: iso_parse reads either back */
static void hundredths(struct strbuf *sb, unsigned v)
{
    if (v == MFW_COSEM_NS)
        sb_printf(sb, ".*");
    else if (v != 0)
        sb_printf(sb, ".%02u", v);
}

void iso_format(struct strbuf *sb, const struct mfw_cosem_datetime *dt)
{
    field(sb, dt->year, MFW_COSEM_YEAR_NS, "%04u");
    sb_printf(sb, "-");
    field(sb, dt->month, MFW_COSEM_NS, "%02u");
    sb_printf(sb, "-");
    field(sb, dt->day, MFW_COSEM_NS, "%02u");
    sb_printf(sb, "T");
    field(sb, dt->hour, MFW_COSEM_NS, "%02u");
    sb_printf(sb, ":");
    field(sb, dt->minute, MFW_COSEM_NS, "%02u");
    sb_printf(sb, ":");
    field(sb, dt->second, MFW_COSEM_NS, "%02u");
    hundredths(sb, dt->hundredths);
    if (dt->deviation == MFW_COSEM_DEVIATION_NS)
        return;
    if (dt->deviation == 0) {
        sb_printf(sb, "Z");
        return;
    }
    int off = -dt->deviation; /* UTC = local + deviation */
    sb_printf(sb, "%c%02d:%02d", off < 0 ? '-' : '+', abs(off) / 60, abs(off) % 60);
}

/* A 12-byte octet-string that is a date-time by its fields (Blue Book 4.1.6.1 ranges). */
static bool plausible_datetime(const uint8_t *p, struct mfw_cosem_datetime *dt)
{
    struct mfw_rcursor rc;
    mfw_rcursor_init(&rc, p, 12);
    if (mfw_cosem_datetime_decode(&rc, dt) != MFW_OK)
        return false;
    bool y = dt->year == MFW_COSEM_YEAR_NS || (dt->year >= 1970 && dt->year <= 2200);
    bool mo = dt->month == MFW_COSEM_NS || (dt->month >= 1 && dt->month <= 12) ||
              dt->month == 0xFD || dt->month == 0xFE;
    bool d = dt->day == MFW_COSEM_NS || (dt->day >= 1 && dt->day <= 31) || dt->day == 0xFD ||
             dt->day == 0xFE;
    bool wd = dt->day_of_week == MFW_COSEM_NS || (dt->day_of_week >= 1 && dt->day_of_week <= 7);
    bool h = dt->hour == MFW_COSEM_NS || dt->hour <= 23;
    bool mi = dt->minute == MFW_COSEM_NS || dt->minute <= 59;
    bool s = dt->second == MFW_COSEM_NS || dt->second <= 59;
    bool hs = dt->hundredths == MFW_COSEM_NS || dt->hundredths <= 99;
    bool dev =
        dt->deviation == MFW_COSEM_DEVIATION_NS || (dt->deviation >= -840 && dt->deviation <= 840);
    return y && mo && d && wd && h && mi && s && hs && dev;
}

/* Whether the ISO text of dt parses back to exactly the 12 bytes p. */
static bool iso_exact(const struct mfw_cosem_datetime *dt, const uint8_t *p)
{
    struct strbuf sb = {NULL, 0, 0};
    iso_format(&sb, dt);
    struct mfw_cosem_datetime back;
    bool same = false;
    if (iso_parse(sb.p, &back) == 0) {
        uint8_t b[12];
        struct mfw_wcursor w;
        mfw_wcursor_init(&w, b, sizeof(b));
        mfw_cosem_datetime_encode(&w, &back);
        same = w.err == 0 && memcmp(b, p, 12) == 0;
    }
    sb_free(&sb);
    return same;
}

static void format_string(struct strbuf *sb, const uint8_t *p, size_t n)
{
    sb_printf(sb, "\"");
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"' || p[i] == '\\')
            sb_printf(sb, "\\%c", p[i]);
        else if (p[i] < 0x20 || p[i] == 0x7F)
            sb_printf(sb, "\\x%02X", p[i]);
        else
            sb_printf(sb, "%c", p[i]);
    }
    sb_printf(sb, "\"");
}

static void format_hex(struct strbuf *sb, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sb_printf(sb, "%02X", p[i]);
}

/* Typed floats write back unchanged: the fewest digits that parse back (as notation_parse
 * does, strtod then float for f32) to the same value; 9 do for any float32, 17 for any float64.
 * NaN and the infinities as printf writes them ("nan", "-inf"). */
static void format_float_exact(struct strbuf *sb, bool f32, double v)
{
    char buf[40];
    int prec = f32 ? 6 : 15;
    for (; isfinite(v) && prec < (f32 ? 9 : 17); prec++) {
        int n = snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (n < 0 || (size_t)n >= sizeof buf)
            break;
        double back = strtod(buf, NULL);
        if (f32 ? (float)back == (float)v : memcmp(&back, &v, sizeof v) == 0)
            break;
    }
    sb_printf(sb, "%s%.*g", f32 ? "f32:" : "f64:", prec, v);
}

static int format_value(struct strbuf *sb, struct mfw_rcursor *rc, bool typed, unsigned depth)
{
    if (depth > MFW_AXDR_DEPTH_MAX)
        return MFW_E_FORMAT;
    struct mfw_axdr_value v;
    if (mfw_axdr_get(rc, &v) != MFW_OK)
        return MFW_E_FORMAT;
    const char *t = NULL;
    struct mfw_cosem_datetime dt;
    switch (v.tag) {
    case MFW_AXDR_NULL: sb_printf(sb, "null"); return MFW_OK;
    case MFW_AXDR_DONT_CARE: sb_printf(sb, "dont-care"); return MFW_OK;
    case MFW_AXDR_BOOLEAN: sb_printf(sb, "%s", v.u64 ? "true" : "false"); return MFW_OK;
    case MFW_AXDR_INTEGER: t = "i8"; goto sint;
    case MFW_AXDR_LONG: t = "i16"; goto sint;
    case MFW_AXDR_DOUBLE_LONG: t = "i32"; goto sint;
    case MFW_AXDR_LONG64:
        t = "i64";
    sint:
        sb_printf(sb, "%s%s%" PRId64, typed ? t : "", typed ? ":" : "", v.i64);
        return MFW_OK;
    case MFW_AXDR_UNSIGNED: t = "u8"; goto uint;
    case MFW_AXDR_LONG_UNSIGNED: t = "u16"; goto uint;
    case MFW_AXDR_DOUBLE_LONG_UNSIGNED: t = "u32"; goto uint;
    case MFW_AXDR_LONG64_UNSIGNED: t = "u64"; goto uint;
    case MFW_AXDR_ENUM: t = "enum"; goto uint;
    case MFW_AXDR_BCD:
        t = "bcd";
    uint:
        sb_printf(sb, "%s%s%" PRIu64, typed ? t : "", typed ? ":" : "", v.u64);
        return MFW_OK;
    case MFW_AXDR_FLOAT32:
    case MFW_AXDR_FLOAT64:
        if (typed)
            format_float_exact(sb, v.tag == MFW_AXDR_FLOAT32, v.f64);
        else
            sb_printf(sb, "%.9g", v.f64);
        return MFW_OK;
    case MFW_AXDR_OCTET_STRING:
        /* typed output must write back unchanged: ISO only when it parses back to the same 12
         * bytes (a day of week with a wildcard year, e.g. "last Sunday of March" for the DST
         * begin, or a clock status ISO cannot carry, stay in hex) */
        if (v.len == 12 && plausible_datetime(v.p, &dt) && (!typed || iso_exact(&dt, v.p))) {
            if (typed)
                sb_printf(sb, "datetime:");
            iso_format(sb, &dt);
            return MFW_OK;
        }
        if (typed || v.len == 0)
            sb_printf(sb, "octets:");
        format_hex(sb, v.p, v.len);
        return MFW_OK;
    case MFW_AXDR_VISIBLE_STRING: format_string(sb, v.p, v.len); return MFW_OK;
    case MFW_AXDR_UTF8_STRING:
        sb_printf(sb, "utf8:");
        format_string(sb, v.p, v.len);
        return MFW_OK;
    case MFW_AXDR_BIT_STRING:
        sb_printf(sb, "bits:");
        for (size_t i = 0; i < v.len; i++)
            sb_printf(sb, "%c", (v.p[i / 8] >> (7 - i % 8)) & 1 ? '1' : '0');
        return MFW_OK;
    case MFW_AXDR_DATE_TIME: {
        struct mfw_rcursor d;
        mfw_rcursor_init(&d, v.p, v.len);
        mfw_cosem_datetime_decode(&d, &dt);
        sb_printf(sb, "%s", typed ? "tagged-datetime:" : "");
        iso_format(sb, &dt);
        return MFW_OK;
    }
    case MFW_AXDR_DATE:
        sb_printf(sb, "%s", typed ? "tagged-date:" : "");
        if (v.p[0] == 0xFF && v.p[1] == 0xFF)
            sb_printf(sb, "*");
        else
            sb_printf(sb, "%04u", (unsigned)(v.p[0] << 8 | v.p[1]));
        sb_printf(sb, "-");
        field(sb, v.p[2], MFW_COSEM_NS, "%02u");
        sb_printf(sb, "-");
        field(sb, v.p[3], MFW_COSEM_NS, "%02u");
        return MFW_OK;
    case MFW_AXDR_TIME:
        sb_printf(sb, "%s", typed ? "tagged-time:" : "");
        field(sb, v.p[0], MFW_COSEM_NS, "%02u");
        sb_printf(sb, ":");
        field(sb, v.p[1], MFW_COSEM_NS, "%02u");
        sb_printf(sb, ":");
        field(sb, v.p[2], MFW_COSEM_NS, "%02u");
        hundredths(sb, v.p[3]);
        return MFW_OK;
    case MFW_AXDR_COMPACT_ARRAY:
        sb_printf(sb, "compact-array(");
        format_hex(sb, v.desc, v.desc_len);
        sb_printf(sb, ", ");
        format_hex(sb, v.p, v.len);
        sb_printf(sb, ")");
        return MFW_OK;
    case MFW_AXDR_ARRAY:
    case MFW_AXDR_STRUCTURE: {
        bool arr = v.tag == MFW_AXDR_ARRAY;
        sb_printf(sb, "%s", typed ? (arr ? "array(" : "struct(") : (arr ? "[" : "{"));
        for (uint32_t i = 0; i < v.count; i++) {
            if (i)
                sb_printf(sb, ", ");
            if (format_value(sb, rc, typed, depth + 1) != MFW_OK)
                return MFW_E_FORMAT;
        }
        sb_printf(sb, "%s", typed ? ")" : (arr ? "]" : "}"));
        return MFW_OK;
    }
    default: return MFW_E_FORMAT;
    }
}

int notation_format(struct strbuf *sb, struct mfw_rcursor *rc, bool typed)
{
    return format_value(sb, rc, typed, 0);
}

/* ---- parsing ---- */

struct parser {
    const char *s;
    char *err;
    size_t errcap;
};

static int perr(struct parser *p, const char *fmt, const char *what)
{
    snprintf(p->err, p->errcap, fmt, what);
    return MFW_E_FORMAT;
}

static void skip_ws(struct parser *p)
{
    while (isspace((unsigned char)*p->s))
        p->s++;
}

/* The scalar text up to , ) ] } or the end, trimmed, into buf. */
static int scalar_text(struct parser *p, char *buf, size_t cap)
{
    size_t n = 0;
    while (*p->s && *p->s != ',' && *p->s != ')' && *p->s != ']' && *p->s != '}') {
        if (n + 1 >= cap)
            return perr(p, "value too long: %.40s", p->s);
        buf[n++] = *p->s++;
    }
    while (n > 0 && isspace((unsigned char)buf[n - 1]))
        n--;
    buf[n] = '\0';
    return MFW_OK;
}

/* A quoted string with \" \\ \xNN escapes into out (at most cap bytes). */
static int quoted(struct parser *p, uint8_t *out, size_t cap, size_t *len)
{
    if (*p->s != '"')
        return perr(p, "expected a quoted string at: %.40s", p->s);
    p->s++;
    size_t n = 0;
    while (*p->s && *p->s != '"') {
        unsigned c = (unsigned char)*p->s++;
        if (c == '\\') {
            if (*p->s == 'x' && isxdigit((unsigned char)p->s[1]) &&
                isxdigit((unsigned char)p->s[2])) {
                char h[3] = {p->s[1], p->s[2], 0};
                c = (unsigned)strtoul(h, NULL, 16);
                p->s += 3;
            } else if (*p->s) {
                c = (unsigned char)*p->s++;
            }
        }
        if (n >= cap)
            return perr(p, "string too long%s", "");
        out[n++] = (uint8_t)c;
    }
    if (*p->s != '"')
        return perr(p, "unterminated string%s", "");
    p->s++;
    *len = n;
    return MFW_OK;
}

static int parse_value(struct parser *p, struct mfw_wcursor *w, unsigned depth);

static int parse_list(struct parser *p, struct mfw_wcursor *w, bool array, char close,
                      unsigned depth)
{
    /* count the elements by encoding them after a placeholder header, then fix the count: the
     * header size depends on the count, so encode the children into a scratch cursor first */
    uint8_t *tmp = malloc(65536);
    if (!tmp)
        return perr(p, "out of memory%s", "");
    struct mfw_wcursor sub;
    mfw_wcursor_init(&sub, tmp, 65536);
    uint32_t count = 0;
    skip_ws(p);
    if (*p->s == close) {
        p->s++;
    } else {
        for (;;) {
            if (parse_value(p, &sub, depth + 1) != MFW_OK) {
                free(tmp);
                return MFW_E_FORMAT;
            }
            count++;
            skip_ws(p);
            if (*p->s == ',') {
                p->s++;
                continue;
            }
            if (*p->s == close) {
                p->s++;
                break;
            }
            free(tmp);
            return perr(p, "expected ',' or the closing bracket at: %.40s", *p->s ? p->s : "end");
        }
    }
    if (array)
        mfw_axdr_put_array_header(w, count);
    else
        mfw_axdr_put_structure_header(w, count);
    mfw_wcursor_bytes(w, tmp, sub.len);
    int e = sub.err;
    free(tmp);
    return e ? perr(p, "value too large%s", "") : MFW_OK;
}

static int parse_int(struct parser *p, const char *txt, bool sign, int64_t lo, uint64_t hi,
                     int64_t *si, uint64_t *ui)
{
    char *end;
    errno = 0;
    if (sign) {
        long long v = strtoll(txt, &end, 0);
        if (errno || *end || end == txt || v < lo || v > (long long)hi)
            return perr(p, "integer out of range or malformed: %s", txt);
        *si = v;
    } else {
        const char *t = txt;
        while (isspace((unsigned char)*t)) /* strtoull skips them, then takes "-1" as 2^64-1 */
            t++;
        if (*t == '-')
            return perr(p, "negative value for an unsigned type: %s", txt);
        unsigned long long v = strtoull(txt, &end, 0);
        if (errno || *end || end == txt || v > hi)
            return perr(p, "integer out of range or malformed: %s", txt);
        *ui = v;
    }
    return MFW_OK;
}

static int hexbytes(struct parser *p, const char *txt, struct mfw_wcursor *w)
{
    size_t n = strlen(txt);
    if (n % 2)
        return perr(p, "odd number of hex digits: %s", txt);
    uint8_t *b = malloc(n / 2 + 1);
    if (!b)
        return perr(p, "out of memory%s", "");
    for (size_t i = 0; i < n / 2; i++) {
        if (!isxdigit((unsigned char)txt[2 * i]) || !isxdigit((unsigned char)txt[2 * i + 1])) {
            free(b);
            return perr(p, "not hex: %s", txt);
        }
        char h[3] = {txt[2 * i], txt[2 * i + 1], 0};
        b[i] = (uint8_t)strtoul(h, NULL, 16);
    }
    mfw_axdr_put_octets(w, b, n / 2);
    free(b);
    return MFW_OK;
}

static int parse_value(struct parser *p, struct mfw_wcursor *w, unsigned depth)
{
    if (depth > MFW_AXDR_DEPTH_DEFAULT)
        return perr(p, "nested too deep%s", "");
    skip_ws(p);
    /* a container at depth MFW_AXDR_DEPTH_DEFAULT would be one level more than the meter's
     * decoder (mfw_axdr_skip) reads, even an empty one */
    if (depth == MFW_AXDR_DEPTH_DEFAULT &&
        (*p->s == '{' || *p->s == '[' || strncmp(p->s, "struct(", 7) == 0 ||
         strncmp(p->s, "array(", 6) == 0))
        return perr(p, "nested too deep%s", "");
    if (*p->s == '{' || *p->s == '[') {
        char open = *p->s++;
        return parse_list(p, w, open == '[', open == '[' ? ']' : '}', depth);
    }
    if (strncmp(p->s, "struct(", 7) == 0) {
        p->s += 7;
        return parse_list(p, w, false, ')', depth);
    }
    if (strncmp(p->s, "array(", 6) == 0) {
        p->s += 6;
        return parse_list(p, w, true, ')', depth);
    }
    uint8_t sbuf[1024];
    size_t slen;
    if (*p->s == '"') {
        if (quoted(p, sbuf, sizeof(sbuf), &slen) != MFW_OK)
            return MFW_E_FORMAT;
        mfw_axdr_put_visible(w, (const char *)sbuf, slen);
        return MFW_OK;
    }
    if (strncmp(p->s, "utf8:", 5) == 0) {
        p->s += 5;
        if (quoted(p, sbuf, sizeof(sbuf), &slen) != MFW_OK)
            return MFW_E_FORMAT;
        mfw_axdr_put_utf8(w, sbuf, slen);
        return MFW_OK;
    }
    char txt[8192]; /* an image block of 4 KiB as octets: hex */
    if (scalar_text(p, txt, sizeof(txt)) != MFW_OK)
        return MFW_E_FORMAT;
    if (strcmp(txt, "null") == 0) {
        mfw_axdr_put_null(w);
        return MFW_OK;
    }
    if (strcmp(txt, "true") == 0 || strcmp(txt, "false") == 0) {
        mfw_axdr_put_bool(w, txt[0] == 't');
        return MFW_OK;
    }
    if (strcmp(txt, "dont-care") == 0) {
        mfw_axdr_put_dont_care(w);
        return MFW_OK;
    }
    char *colon = strchr(txt, ':');
    if (!colon)
        return perr(p, "untyped value '%s': write it as TYPE:VALUE, e.g. u32:123", txt);
    *colon = '\0';
    const char *type = txt, *val = colon + 1;
    int64_t si = 0;
    uint64_t ui = 0;
    struct mfw_cosem_datetime dt;
    if (strcmp(type, "i8") == 0) {
        if (parse_int(p, val, true, INT8_MIN, INT8_MAX, &si, &ui))
            return MFW_E_FORMAT;
        mfw_axdr_put_i8(w, (int8_t)si);
    } else if (strcmp(type, "i16") == 0) {
        if (parse_int(p, val, true, INT16_MIN, INT16_MAX, &si, &ui))
            return MFW_E_FORMAT;
        mfw_axdr_put_i16(w, (int16_t)si);
    } else if (strcmp(type, "i32") == 0) {
        if (parse_int(p, val, true, INT32_MIN, INT32_MAX, &si, &ui))
            return MFW_E_FORMAT;
        mfw_axdr_put_i32(w, (int32_t)si);
    } else if (strcmp(type, "i64") == 0) {
        if (parse_int(p, val, true, INT64_MIN, INT64_MAX, &si, &ui))
            return MFW_E_FORMAT;
        mfw_axdr_put_i64(w, si);
    } else if (strcmp(type, "u8") == 0 || strcmp(type, "enum") == 0 || strcmp(type, "bcd") == 0) {
        if (parse_int(p, val, false, 0, UINT8_MAX, &si, &ui))
            return MFW_E_FORMAT;
        if (type[0] == 'u')
            mfw_axdr_put_u8(w, (uint8_t)ui);
        else if (type[0] == 'e')
            mfw_axdr_put_enum(w, (uint8_t)ui);
        else
            mfw_axdr_put_bcd(w, (uint8_t)ui);
    } else if (strcmp(type, "u16") == 0) {
        if (parse_int(p, val, false, 0, UINT16_MAX, &si, &ui))
            return MFW_E_FORMAT;
        mfw_axdr_put_u16(w, (uint16_t)ui);
    } else if (strcmp(type, "u32") == 0) {
        if (parse_int(p, val, false, 0, UINT32_MAX, &si, &ui))
            return MFW_E_FORMAT;
        mfw_axdr_put_u32(w, (uint32_t)ui);
    } else if (strcmp(type, "u64") == 0) {
        if (parse_int(p, val, false, 0, UINT64_MAX, &si, &ui))
            return MFW_E_FORMAT;
        mfw_axdr_put_u64(w, ui);
    } else if (strcmp(type, "f32") == 0 || strcmp(type, "f64") == 0) {
        char *end;
        double d = strtod(val, &end);
        if (*end || end == val)
            return perr(p, "not a number: %s", val);
        if (type[1] == '3')
            mfw_axdr_put_f32(w, (float)d);
        else
            mfw_axdr_put_f64(w, d);
    } else if (strcmp(type, "bool") == 0) {
        if (parse_int(p, val, false, 0, 1, &si, &ui))
            return MFW_E_FORMAT;
        mfw_axdr_put_bool(w, ui != 0);
    } else if (strcmp(type, "octets") == 0) {
        return hexbytes(p, val, w);
    } else if (strcmp(type, "string") == 0 || strcmp(type, "visible") == 0) {
        mfw_axdr_put_visible(w, val, strlen(val));
    } else if (strcmp(type, "obis") == 0) {
        uint8_t ln[6];
        if (obis_parse(val, ln))
            return perr(p, "not an OBIS code: %s", val);
        mfw_axdr_put_octets(w, ln, 6);
    } else if (strcmp(type, "bits") == 0) {
        size_t n = strlen(val);
        uint8_t *b = calloc(n / 8 + 1, 1);
        if (!b)
            return perr(p, "out of memory%s", "");
        for (size_t i = 0; i < n; i++) {
            if (val[i] != '0' && val[i] != '1') {
                free(b);
                return perr(p, "bits: only 0 and 1: %s", val);
            }
            if (val[i] == '1')
                b[i / 8] |= (uint8_t)(0x80 >> (i % 8));
        }
        mfw_axdr_put_bitstring(w, b, n);
        free(b);
    } else if (strcmp(type, "datetime") == 0 || strcmp(type, "tagged-datetime") == 0) {
        if (iso_parse(val, &dt))
            return perr(p, "not an ISO date-time (YYYY-MM-DDTHH:MM:SS[Z|+HH:MM]): %s", val);
        if (strncmp(type, "tagged-", 7) != 0)
            mfw_axdr_put_datetime_octets(w, &dt);
        else
            mfw_axdr_put_datetime(w, &dt);
    } else if (strcmp(type, "date") == 0 || strcmp(type, "tagged-date") == 0) {
        if (iso_parse(val, &dt))
            return perr(p, "not a date (YYYY-MM-DD, * for any field): %s", val);
        if (strncmp(type, "tagged-", 7) == 0) {
            mfw_axdr_put_date(w, &dt);
        } else {
            uint8_t b[5] = {(uint8_t)(dt.year >> 8), (uint8_t)dt.year, dt.month, dt.day,
                            dt.day_of_week};
            mfw_axdr_put_octets(w, b, 5);
        }
    } else if (strcmp(type, "time") == 0 || strcmp(type, "tagged-time") == 0) {
        char full[64];
        snprintf(full, sizeof(full), "*-*-*T%s", val);
        if (iso_parse(full, &dt))
            return perr(p, "not a time (HH:MM[:SS[.hh]]): %s", val);
        if (strncmp(type, "tagged-", 7) == 0) {
            mfw_axdr_put_time(w, &dt);
        } else {
            uint8_t b[4] = {dt.hour, dt.minute, dt.second, dt.hundredths};
            mfw_axdr_put_octets(w, b, 4);
        }
    } else {
        return perr(p, "unknown type '%s' (see docs/meterctl.md)", type);
    }
    return MFW_OK;
}

int notation_parse(const char *text, struct mfw_wcursor *w, char *err, size_t errcap)
{
    struct parser p = {text, err, errcap};
    if (parse_value(&p, w, 0) != MFW_OK)
        return MFW_E_FORMAT;
    skip_ws(&p);
    if (*p.s)
        return perr(&p, "unexpected text after the value: %.40s", p.s);
    if (w->err)
        return perr(&p, "value too large%s", "");
    return MFW_OK;
}
