/* SPDX-License-Identifier: Apache-2.0 */
/* DSMR 5.0.2 P1 telegrams for the in-home display: stream splitter and parser (p1.h). */
#include "p1.h"

#include <string.h>

const char *ihd_p1_strerror(int err)
{
    switch (err) {
    case IHD_P1_OK: return "ok";
    case IHD_P1_E_FRAME: return "not a telegram ('/' .. '!')";
    case IHD_P1_E_NOCRC: return "no CRC after '!'";
    case IHD_P1_E_CRC: return "CRC mismatch";
    case IHD_P1_E_LINE: return "malformed line";
    case IHD_P1_E_VALUE: return "value out of format";
    case IHD_P1_E_SIZE: return "too long";
    default: return "unknown error";
    }
}

/* DSMR 5.0.2 6.2: CRC16 over '/' .. '!' inclusive, x^16+x^15+x^2+1, LSB first, init 0. */
uint16_t ihd_p1_crc16(const void *buf, size_t len)
{
    const uint8_t *p = buf;
    uint16_t c = 0;
    for (size_t k = 0; k < len; k++) {
        c = (uint16_t)(c ^ p[k]);
        for (int b = 0; b < 8; b++)
            c = (c & 1u) ? (uint16_t)((c >> 1) ^ 0xA001u) : (uint16_t)(c >> 1);
    }
    return c;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static bool isdig(char c)
{
    return c >= '0' && c <= '9';
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static unsigned two(const char *s)
{
    return (unsigned)(s[0] - '0') * 10u + (unsigned)(s[1] - '0');
}

bool ihd_p1_tst(const char *s, size_t n, int64_t *utc, bool *dst)
{
    static const unsigned mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (n != 13)
        return false;
    for (size_t k = 0; k < 12; k++)
        if (!isdig(s[k]))
            return false;
    if (s[12] != 'S' && s[12] != 'W')
        return false;
    unsigned y = 2000u + two(s), mo = two(s + 2), d = two(s + 4);
    unsigned h = two(s + 6), mi = two(s + 8), se = two(s + 10);
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || se > 59)
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo == 2 && d == 29 && !leap)
        return false;
    *dst = s[12] == 'S';
    int64_t local = days_from_civil(y, mo, d) * 86400 + (int64_t)h * 3600 + mi * 60 + se;
    *utc = local - (*dst ? 7200 : 3600);
    return true;
}

/* A decimal "ddd.ddd" in thousandths (more decimals are cut, as a register is read). */
static bool parse_milli(const char *s, size_t n, int64_t *milli)
{
    int64_t ip = 0, fp = 0;
    size_t k = 0, idig = 0, fdig = 0;
    while (k < n && isdig(s[k])) {
        if (++idig > 12) /* F9(3,3) registers have 6; 12 keeps sums of 8 tariffs in range */
            return false;
        ip = ip * 10 + (s[k++] - '0');
    }
    if (k < n && s[k] == '.') {
        k++;
        while (k < n && isdig(s[k])) {
            if (fdig < 3)
                fp = fp * 10 + (s[k] - '0');
            fdig++;
            k++;
        }
        if (fdig == 0)
            return false;
    }
    if (k != n || idig == 0)
        return false;
    for (size_t f = fdig; f < 3; f++)
        fp *= 10;
    *milli = ip * 1000 + fp;
    return true;
}

static bool parse_uint(const char *s, size_t n, int64_t *v)
{
    if (n == 0 || n > 15)
        return false;
    int64_t x = 0;
    for (size_t k = 0; k < n; k++) {
        if (!isdig(s[k]))
            return false;
        x = x * 10 + (s[k] - '0');
    }
    *v = x;
    return true;
}

/* One value group's text, split at '*' into number and unit. */
struct group {
    const char *v;
    size_t n;
    const char *unit;
    size_t un;
};

static bool unit_is(const struct group *g, const char *u)
{
    return g->un == strlen(u) && memcmp(g->unit, u, g->un) == 0;
}

/* A quantity in the unit `base` (Wh, W) from kbase (x1000 of milli) or base; or V/A to milli. */
static bool quantity(const struct group *g, const char *kunit, const char *unit, int64_t *out)
{
    int64_t m;
    if (!parse_milli(g->v, g->n, &m))
        return false;
    if (kunit && unit_is(g, kunit)) {
        *out = m; /* thousandths of a kWh are Wh */
        return true;
    }
    if (unit && unit_is(g, unit)) {
        *out = kunit ? m / 1000 : m; /* Wh as written, or V/A in thousandths */
        return true;
    }
    return false;
}

#define GROUPS_MAX (2 + 2 * IHD_P1_FAILURES_MAX)

struct line {
    unsigned a, b, c, d, e;
    unsigned ng;
    struct group g[GROUPS_MAX];
    bool more; /* more groups than GROUPS_MAX */
};

static bool obis_field(const char **p, const char *e, unsigned *v)
{
    unsigned x = 0, nd = 0;
    while (*p < e && isdig(**p)) {
        x = x * 10u + (unsigned)(**p - '0');
        if (++nd > 3)
            return false;
        (*p)++;
    }
    if (nd == 0 || x > 255)
        return false;
    *v = x;
    return true;
}

/* "A-B:C.D.E[*F](v[*u])..." with no CR/LF inside. */
static bool split_line(const char *p, const char *e, struct line *l)
{
    unsigned f;
    if (!obis_field(&p, e, &l->a) || p >= e || *p++ != '-' || !obis_field(&p, e, &l->b) || p >= e ||
        *p++ != ':' || !obis_field(&p, e, &l->c) || p >= e || *p++ != '.' ||
        !obis_field(&p, e, &l->d) || p >= e || *p++ != '.' || !obis_field(&p, e, &l->e))
        return false;
    if (p < e && *p == '*') {
        p++;
        if (!obis_field(&p, e, &f))
            return false;
    }
    l->ng = 0;
    l->more = false;
    if (p >= e)
        return false; /* an OBIS line has at least one group */
    while (p < e) {
        if (*p != '(')
            return false;
        const char *s = ++p;
        while (p < e && *p != ')' && *p != '(')
            p++;
        if (p >= e || *p != ')')
            return false;
        if (l->ng < GROUPS_MAX) {
            struct group *g = &l->g[l->ng++];
            const char *star = memchr(s, '*', (size_t)(p - s));
            g->v = s;
            g->n = star ? (size_t)(star - s) : (size_t)(p - s);
            g->unit = star ? star + 1 : p;
            g->un = star ? (size_t)(p - star - 1) : 0;
        } else {
            l->more = true;
        }
        p++;
    }
    return true;
}

static bool is(const struct line *l, unsigned a, unsigned b, unsigned c, unsigned d, unsigned e)
{
    return l->a == a && l->b == b && l->c == c && l->d == d && l->e == e;
}

/* Phase index of C = 32/52/72 style codes (base 32 -> L1, base+20 -> L2, base+40 -> L3). */
static int phase_of(unsigned c, unsigned base)
{
    if (c == base)
        return 0;
    if (c == base + 20)
        return 1;
    if (c == base + 40)
        return 2;
    return -1;
}

static int one_group(const struct line *l)
{
    return l->ng == 1 && !l->more;
}

static int read_line(const struct line *l, struct ihd_p1 *r)
{
    const struct group *g = &l->g[0];
    int ph;
    int64_t v;
    if (is(l, 1, 3, 0, 2, 8)) {
        if (!one_group(l) || !parse_uint(g->v, g->n, &v) || g->un || v > 99)
            return IHD_P1_E_VALUE;
        r->version = (unsigned)v;
        r->have |= IHD_P1_HAVE_VERSION;
        return 0;
    }
    if (is(l, 0, 0, 1, 0, 0)) {
        if (!one_group(l) || g->un || !ihd_p1_tst(g->v, g->n, &r->time, &r->dst))
            return IHD_P1_E_VALUE;
        r->have |= IHD_P1_HAVE_TIME;
        return 0;
    }
    if (l->a == 1 && l->b == 0 && (l->c == 1 || l->c == 2) && l->d == 8 && l->e <= 8) {
        if (!one_group(l) || !quantity(g, "kWh", "Wh", &v))
            return IHD_P1_E_VALUE;
        if (l->c == 1) {
            r->import_wh[l->e] = v;
            r->import_have |= (uint16_t)(1u << l->e);
        } else {
            r->export_wh[l->e] = v;
            r->export_have |= (uint16_t)(1u << l->e);
        }
        return 0;
    }
    if (is(l, 0, 0, 96, 14, 0)) {
        if (!one_group(l) || g->un || g->n > 4 || !parse_uint(g->v, g->n, &v))
            return IHD_P1_E_VALUE;
        r->tariff = (unsigned)v;
        r->have |= IHD_P1_HAVE_TARIFF;
        return 0;
    }
    if (l->a == 1 && l->b == 0 && (l->c == 1 || l->c == 2) && l->d == 7 && l->e == 0) {
        if (!one_group(l) || !quantity(g, "kW", "W", &v))
            return IHD_P1_E_VALUE;
        if (l->c == 1) {
            r->p_import_w = v;
            r->have |= IHD_P1_HAVE_P_IMPORT;
        } else {
            r->p_export_w = v;
            r->have |= IHD_P1_HAVE_P_EXPORT;
        }
        return 0;
    }
    if (l->a == 0 && l->b == 0 && l->c == 96 && l->d == 7 && (l->e == 21 || l->e == 9)) {
        if (!one_group(l) || g->un || !parse_uint(g->v, g->n, &v))
            return IHD_P1_E_VALUE;
        if (l->e == 21) {
            r->fail_short = v;
            r->have |= IHD_P1_HAVE_FAIL_SHORT;
        } else {
            r->fail_long = v;
            r->have |= IHD_P1_HAVE_FAIL_LONG;
        }
        return 0;
    }
    if (is(l, 1, 0, 99, 97, 0)) {
        /* (z)(0-0:96.7.19)(TST)(dur*s)... z <= 10 (DSMR 5.0.2 table 6-3) */
        if (l->more || l->ng < 2 || g->un || !parse_uint(g->v, g->n, &v) ||
            v > IHD_P1_FAILURES_MAX || l->ng != 2 + 2 * (unsigned)v)
            return IHD_P1_E_VALUE;
        const struct group *id = &l->g[1];
        if (id->n != 11 || memcmp(id->v, "0-0:96.7.19", 11) != 0 || id->un)
            return IHD_P1_E_VALUE;
        for (unsigned k = 0; k < (unsigned)v; k++) {
            const struct group *t = &l->g[2 + 2 * k], *d = &l->g[3 + 2 * k];
            bool s;
            if (t->un || !ihd_p1_tst(t->v, t->n, &r->failures[k].end, &s) || !unit_is(d, "s") ||
                !parse_uint(d->v, d->n, &r->failures[k].duration))
                return IHD_P1_E_VALUE;
        }
        r->n_failures = (unsigned)v;
        r->have |= IHD_P1_HAVE_FAIL_LOG;
        return 0;
    }
    /* 32.32.0 sags, 32.36.0 swells (and 52/72 for L2, L3) */
    if (l->a == 1 && l->b == 0 && (l->d == 32 || l->d == 36) && l->e == 0 &&
        (ph = phase_of(l->c, 32)) >= 0) {
        if (!one_group(l) || g->un || !parse_uint(g->v, g->n, &v))
            return IHD_P1_E_VALUE;
        if (l->d == 32) {
            r->sags[ph] = v;
            r->sag_have |= (uint8_t)(1u << ph);
        } else {
            r->swells[ph] = v;
            r->swell_have |= (uint8_t)(1u << ph);
        }
        return 0;
    }
    if (l->a == 1 && l->b == 0 && l->d == 7 && l->e == 0) {
        if ((ph = phase_of(l->c, 32)) >= 0) {
            if (!one_group(l) || !quantity(g, NULL, "V", &v))
                return IHD_P1_E_VALUE;
            r->u_mv[ph] = v;
            r->u_have |= (uint8_t)(1u << ph);
            r->phase_have |= (uint8_t)(1u << ph);
            return 0;
        }
        if ((ph = phase_of(l->c, 31)) >= 0) {
            if (!one_group(l) || !quantity(g, NULL, "A", &v))
                return IHD_P1_E_VALUE;
            r->i_ma[ph] = v;
            r->i_have |= (uint8_t)(1u << ph);
            return 0;
        }
        int imp = phase_of(l->c, 21), exp = phase_of(l->c, 22);
        if (imp >= 0 || exp >= 0) {
            if (!one_group(l) || !quantity(g, "kW", "W", &v))
                return IHD_P1_E_VALUE;
            ph = imp >= 0 ? imp : exp;
            if (imp >= 0)
                r->p_import_l_w[ph] = v;
            else
                r->p_export_l_w[ph] = v;
            r->pl_have |= (uint8_t)(1u << ph);
            r->phase_have |= (uint8_t)(1u << ph);
            return 0;
        }
    }
    r->unknown++;
    return 0;
}

int ihd_p1_parse(const char *t, size_t len, struct ihd_p1 *out)
{
    memset(out, 0, sizeof *out);
    if (len > IHD_P1_MAX + 8)
        return IHD_P1_E_SIZE;
    if (len < 2 || t[0] != '/')
        return IHD_P1_E_FRAME;
    const char *end = t + len;
    const char *bang = memchr(t, '!', len);
    if (!bang)
        return IHD_P1_E_FRAME;
    /* the trailer: four hex digits, then at most CR LF */
    const char *c = bang + 1;
    size_t rest = (size_t)(end - c);
    if (rest < 4)
        return IHD_P1_E_NOCRC;
    unsigned want = 0;
    for (int k = 0; k < 4; k++) {
        int h = hexval(c[k]);
        if (h < 0)
            return IHD_P1_E_NOCRC;
        want = want << 4 | (unsigned)h;
    }
    rest -= 4;
    if (!(rest == 0 || (rest == 2 && c[4] == '\r' && c[5] == '\n') || (rest == 1 && c[4] == '\n')))
        return IHD_P1_E_NOCRC;
    if (ihd_p1_crc16(t, (size_t)(bang + 1 - t)) != want)
        return IHD_P1_E_CRC;

    struct ihd_p1 r;
    memset(&r, 0, sizeof r);
    /* the identification line */
    const char *p = t + 1;
    const char *eol = memchr(p, '\n', (size_t)(bang - p));
    if (!eol)
        return IHD_P1_E_LINE;
    size_t in = (size_t)(eol - p);
    if (in && p[in - 1] == '\r')
        in--;
    if (in == 0 || memchr(p, '\r', in))
        return IHD_P1_E_LINE;
    memcpy(r.ident, p, in > IHD_P1_IDENT_MAX ? IHD_P1_IDENT_MAX : in);
    p = eol + 1;
    /* data lines up to '!'; each ends CR LF (LF alone taken) */
    while (p < bang) {
        eol = memchr(p, '\n', (size_t)(bang - p));
        if (!eol)
            return IHD_P1_E_LINE; /* '!' must start a line */
        size_t ln = (size_t)(eol - p);
        if (ln && p[ln - 1] == '\r')
            ln--;
        if (memchr(p, '\r', ln))
            return IHD_P1_E_LINE;
        if (ln) {
            struct line l;
            if (!split_line(p, p + ln, &l))
                return IHD_P1_E_LINE;
            r.lines++;
            int e = read_line(&l, &r);
            if (e)
                return e;
        }
        p = eol + 1;
    }
    *out = r;
    return IHD_P1_OK;
}

enum { RX_HUNT, RX_BODY, RX_TRAILER, RX_SKIP };

void ihd_p1_rx_init(struct ihd_p1_rx *rx)
{
    memset(rx, 0, sizeof *rx);
    rx->state = RX_HUNT;
}

size_t ihd_p1_rx_feed(struct ihd_p1_rx *rx, const uint8_t *in, size_t n, int *event)
{
    *event = IHD_P1_RX_NONE;
    for (size_t k = 0; k < n; k++) {
        uint8_t ch = in[k];
        switch (rx->state) {
        case RX_HUNT:
        case RX_SKIP:
            if (ch == '/') {
                rx->len = 0;
                rx->buf[rx->len++] = '/';
                rx->state = RX_BODY;
            } else if (rx->state == RX_HUNT && ch != '\r' && ch != '\n' && ch != ' ' && ch != 0) {
                rx->garbage++;
            }
            break;
        case RX_BODY:
            if (ch == '/') {
                /* DSMR 5.0.2 6.2: '/' only starts a telegram; the one before was cut */
                rx->len = 0;
                rx->buf[rx->len++] = '/';
                *event = IHD_P1_RX_TRUNCATED;
                return k + 1;
            }
            if (rx->len >= IHD_P1_MAX) {
                rx->state = RX_SKIP;
                rx->len = 0;
                *event = IHD_P1_RX_OVERFLOW;
                return k + 1;
            }
            rx->buf[rx->len++] = (char)ch;
            if (ch == '!')
                rx->state = RX_TRAILER;
            break;
        case RX_TRAILER:
            if (ch == '\r' || ch == '\n' || rx->len >= IHD_P1_MAX + 6 || ch == '/') {
                rx->state = RX_HUNT;
                *event = IHD_P1_RX_TELEGRAM;
                if (ch == '/') {
                    /* the next telegram began at once: it is fed again by the caller */
                    return k;
                }
                return k + 1;
            }
            rx->buf[rx->len++] = (char)ch;
            break;
        }
    }
    return n;
}
