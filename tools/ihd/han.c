/* SPDX-License-Identifier: Apache-2.0 */
/* The Nordic HAN push for the in-home display (han.h). */
#include "han.h"

#include <string.h>

const char *ihd_han_strerror(int err)
{
    switch (err) {
    case IHD_HAN_E_FRAME: return "not an HDLC frame";
    case IHD_HAN_E_HCS: return "HCS mismatch";
    case IHD_HAN_E_FCS: return "FCS mismatch";
    case IHD_HAN_E_APDU: return "not a data-notification";
    case IHD_HAN_E_CIPHERED: return "ciphered (no consumer key)";
    case IHD_HAN_E_VALUE: return "list malformed";
    default: return ihd_p1_strerror(err);
    }
}

uint16_t ihd_han_fcs16(const uint8_t *p, size_t n)
{
    uint16_t c = 0xFFFFu;
    for (size_t k = 0; k < n; k++) {
        c = (uint16_t)(c ^ p[k]);
        for (int b = 0; b < 8; b++)
            c = (c & 1u) ? (uint16_t)((c >> 1) ^ 0x8408u) : (uint16_t)(c >> 1);
    }
    return (uint16_t)(c ^ 0xFFFFu);
}

/* A bounded reader over the APDU. */
struct rd {
    const uint8_t *p;
    size_t n, k;
    bool bad;
};

static unsigned u8(struct rd *r)
{
    if (r->k >= r->n) {
        r->bad = true;
        return 0;
    }
    return r->p[r->k++];
}

static uint64_t be(struct rd *r, unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; i++)
        v = v << 8 | u8(r);
    return v;
}

static size_t length(struct rd *r)
{
    unsigned b = u8(r);
    if (b < 0x80)
        return b;
    if (b == 0x81)
        return u8(r);
    if (b == 0x82)
        return (size_t)be(r, 2);
    r->bad = true;
    return 0;
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* COSEM date-time (12 octets): year, month, day, weekday, hour, minute, second, hundredths,
 * deviation (minutes, local to UTC; 0x8000 not specified), clock status (0x80: DST active). */
static bool date_time(const uint8_t *p, int64_t *utc, bool *dst)
{
    unsigned y = (unsigned)p[0] << 8 | p[1], mo = p[2], d = p[3], h = p[5], mi = p[6], s = p[7];
    if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59)
        return false;
    int16_t dev = (int16_t)((uint16_t)p[9] << 8 | p[10]);
    *dst = (p[11] & 0x80u) != 0;
    int64_t local = days_from_civil(y, mo, d) * 86400 + (int64_t)h * 3600 + mi * 60 + s;
    if ((uint16_t)dev != 0x8000u && dev >= -720 && dev <= 720)
        *utc = local + (int64_t)dev * 60; /* IEC 62056-62: deviation = UTC - local, minutes */
    else
        *utc = local - (*dst ? 7200 : 3600); /* Kamstrup: local time, CET/CEST */
    return true;
}

struct value {
    unsigned tag;
    uint64_t u;
    const uint8_t *s;
    size_t n;
};

static bool element(struct rd *r, struct value *v)
{
    v->tag = u8(r);
    v->u = 0;
    v->s = NULL;
    v->n = 0;
    switch (v->tag) {
    case 0x00: break; /* null-data: some meters put it between the elements */
    case 0x03:
    case 0x11:
    case 0x16:
    case 0x0F: v->u = u8(r); break;
    case 0x12:
    case 0x10: v->u = be(r, 2); break;
    case 0x06:
    case 0x05: v->u = be(r, 4); break;
    case 0x14:
    case 0x15: v->u = be(r, 8); break;
    case 0x09:
    case 0x0A:
        v->n = length(r);
        if (r->bad || v->n > r->n - r->k)
            return false;
        v->s = r->p + r->k;
        r->k += v->n;
        break;
    default: return false; /* arrays, nested structures: not in a Kamstrup list */
    }
    return !r->bad;
}

static bool unsigned_tag(unsigned tag)
{
    return tag == 0x06 || tag == 0x12 || tag == 0x11 || tag == 0x15;
}

static int assign(const uint8_t obis[6], const struct value *v, struct ihd_p1 *r)
{
    unsigned a = obis[0], c = obis[2], d = obis[3], e = obis[4];
    if (a == 0 && c == 1 && d == 0 && e == 0) { /* 0.x.1.0.0.255 the clock */
        if (v->tag != 0x09 || v->n != 12)
            return IHD_HAN_E_VALUE;
        if (!(r->have & IHD_P1_HAVE_TIME) && date_time(v->s, &r->time, &r->dst))
            r->have |= IHD_P1_HAVE_TIME;
        return 0;
    }
    if (a == 1 && c == 0 && d == 0 && e == 5 && v->tag == 0x0A) { /* GS1 meter id */
        size_t n = v->n > IHD_P1_IDENT_MAX ? IHD_P1_IDENT_MAX : v->n;
        memcpy(r->ident, v->s, n);
        r->ident[n] = 0;
        return 0;
    }
    if (a != 1 || !unsigned_tag(v->tag)) {
        r->unknown++;
        return 0;
    }
    if (v->u > 0xFFFFFFFFFFull) /* 2^40: beyond any register or reading of a meter */
        return IHD_HAN_E_VALUE;
    int64_t x = (int64_t)v->u;
    int ph;
    if (d == 7 && e == 0 && (c == 1 || c == 2)) {
        if (c == 1)
            r->p_import_w = x, r->have |= IHD_P1_HAVE_P_IMPORT;
        else
            r->p_export_w = x, r->have |= IHD_P1_HAVE_P_EXPORT;
        return 0;
    }
    if (d == 8 && e == 0 && (c == 1 || c == 2)) { /* A14, A23 in 10 Wh (KN 2.7: scaler +1) */
        if (c == 1)
            r->import_wh[0] = x * 10, r->import_have |= 1u;
        else
            r->export_wh[0] = x * 10, r->export_have |= 1u;
        return 0;
    }
    ph = c == 31 ? 0 : c == 51 ? 1 : c == 71 ? 2 : -1;
    if (d == 7 && e == 0 && ph >= 0) { /* 0.01 A */
        r->i_ma[ph] = x * 10;
        r->i_have |= (uint8_t)(1u << ph);
        return 0;
    }
    ph = c == 32 ? 0 : c == 52 ? 1 : c == 72 ? 2 : -1;
    if (d == 7 && e == 0 && ph >= 0) { /* 1 V */
        r->u_mv[ph] = x * 1000;
        r->u_have |= (uint8_t)(1u << ph);
        r->phase_have |= (uint8_t)(1u << ph);
        return 0;
    }
    int imp = c == 21 ? 0 : c == 41 ? 1 : c == 61 ? 2 : -1;
    int exp = c == 22 ? 0 : c == 42 ? 1 : c == 62 ? 2 : -1;
    if (d == 7 && e == 0 && (imp >= 0 || exp >= 0)) { /* the Danish list's per-phase powers */
        ph = imp >= 0 ? imp : exp;
        if (imp >= 0)
            r->p_import_l_w[ph] = x;
        else
            r->p_export_l_w[ph] = x;
        r->pl_have |= (uint8_t)(1u << ph);
        r->phase_have |= (uint8_t)(1u << ph);
        return 0;
    }
    r->unknown++;
    return 0;
}

int ihd_han_parse(const uint8_t *f, size_t n, struct ihd_p1 *out, char list_id[32])
{
    memset(out, 0, sizeof *out);
    list_id[0] = 0;
    if (n < 9 || (f[0] & 0xF0u) != 0xA0u || (((size_t)(f[0] & 0x07u) << 8) | f[1]) != n)
        return IHD_HAN_E_FRAME;
    /* IEC 62056-46 6.4: addresses end with the bit 0 set, 1..4 bytes each */
    size_t k = 2;
    for (int a = 0; a < 2; a++) {
        size_t start = k;
        while (k < n && !(f[k] & 1u))
            k++;
        if (k >= n || k - start >= 4)
            return IHD_HAN_E_FRAME;
        k++;
    }
    k++; /* control */
    if (k + 2 > n - 2)
        return IHD_HAN_E_FRAME;
    if (ihd_han_fcs16(f, k) != ((uint16_t)f[k] | (uint16_t)f[k + 1] << 8))
        return IHD_HAN_E_HCS;
    if (ihd_han_fcs16(f, n - 2) != ((uint16_t)f[n - 2] | (uint16_t)f[n - 1] << 8))
        return IHD_HAN_E_FCS;
    struct rd r = {f + k + 2, n - 2 - (k + 2), 0, false};
    if (u8(&r) != 0xE6 || u8(&r) != 0xE7 || u8(&r) != 0x00)
        return IHD_HAN_E_APDU;
    unsigned tag = u8(&r);
    if (tag == 0xDB || tag == 0xDF)
        return IHD_HAN_E_CIPHERED;
    if (tag != 0x0F || r.bad)
        return IHD_HAN_E_APDU;
    be(&r, 4); /* long-invoke-id-and-priority */
    struct ihd_p1 v;
    memset(&v, 0, sizeof v);
    /* the date-time: 0x0C and 12 octets (Kamstrup), or as octet-string 09 0C, or null */
    unsigned dt = u8(&r);
    if (dt == 0x09)
        dt = u8(&r);
    if (dt == 0x0C) {
        if (r.n - r.k < 12)
            return IHD_HAN_E_APDU;
        if (date_time(r.p + r.k, &v.time, &v.dst))
            v.have |= IHD_P1_HAVE_TIME;
        r.k += 12;
    } else if (dt != 0x00) {
        return IHD_HAN_E_APDU;
    }
    if (u8(&r) != 0x02)
        return IHD_HAN_E_VALUE;
    size_t count = length(&r);
    if (r.bad || count > 64)
        return IHD_HAN_E_VALUE;
    bool pending = false;
    uint8_t obis[6] = {0};
    for (size_t i = 0; i < count; i++) {
        struct value x;
        if (!element(&r, &x))
            return IHD_HAN_E_VALUE;
        if (x.tag == 0x00)
            continue;
        if (i == 0 && x.tag == 0x0A) { /* the list version, with no OBIS before it */
            size_t m = x.n > 31 ? 31 : x.n;
            memcpy(list_id, x.s, m);
            list_id[m] = 0;
            continue;
        }
        if (!pending) {
            if (x.tag != 0x09 || x.n != 6)
                return IHD_HAN_E_VALUE;
            memcpy(obis, x.s, 6);
            pending = true;
            continue;
        }
        pending = false;
        v.lines++;
        int e = assign(obis, &x, &v);
        if (e)
            return e;
    }
    if (pending || r.k != r.n)
        return IHD_HAN_E_VALUE;
    *out = v;
    return IHD_P1_OK;
}

enum { HRX_HUNT, HRX_FORMAT, HRX_LEN, HRX_BODY, HRX_CLOSE };

void ihd_han_rx_init(struct ihd_han_rx *rx)
{
    memset(rx, 0, sizeof *rx);
}

size_t ihd_han_rx_feed(struct ihd_han_rx *rx, const uint8_t *in, size_t n, int *event)
{
    *event = IHD_HAN_RX_NONE;
    for (size_t k = 0; k < n; k++) {
        uint8_t b = in[k];
        switch (rx->state) {
        case HRX_HUNT:
            if (b == 0x7E)
                rx->state = HRX_FORMAT;
            else
                rx->garbage++;
            break;
        case HRX_FORMAT:
            if (b == 0x7E)
                break; /* flags between frames */
            if ((b & 0xF0u) != 0xA0u) {
                rx->garbage++;
                rx->state = HRX_HUNT;
                break;
            }
            rx->buf[0] = b;
            rx->len = 1;
            rx->state = HRX_LEN;
            break;
        case HRX_LEN:
            rx->buf[rx->len++] = b;
            rx->want = ((size_t)(rx->buf[0] & 0x07u) << 8) | b;
            if (rx->want < 9 || rx->want > IHD_HAN_MAX) {
                rx->state = HRX_HUNT;
                *event = IHD_HAN_RX_BAD;
                return k + 1;
            }
            rx->state = HRX_BODY;
            break;
        case HRX_BODY:
            rx->buf[rx->len++] = b;
            if (rx->len == rx->want)
                rx->state = HRX_CLOSE;
            break;
        case HRX_CLOSE:
            /* the closing flag may open the next frame as well */
            rx->state = b == 0x7E ? HRX_FORMAT : HRX_HUNT;
            *event = b == 0x7E ? IHD_HAN_RX_FRAME : IHD_HAN_RX_BAD;
            return k + 1;
        }
    }
    return n;
}
