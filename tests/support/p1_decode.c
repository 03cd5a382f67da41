/* SPDX-License-Identifier: Apache-2.0 */
/* Test support: DSMR P1 telegram reader (p1_decode.h). */
#include "p1_decode.h"

#include <string.h>

static uint8_t rev8(uint8_t b)
{
    uint8_t r = 0;
    for (unsigned k = 0; k < 8; k++)
        if (b & (1u << k))
            r = (uint8_t)(r | (0x80u >> k));
    return r;
}

uint16_t p1d_crc(const uint8_t *p, size_t n)
{
    /* CRC-16 0x8005 MSB first over bit-reversed input, result reversed: the same as ARC */
    uint16_t c = 0;
    for (size_t k = 0; k < n; k++) {
        c = (uint16_t)(c ^ ((uint16_t)rev8(p[k]) << 8));
        for (unsigned b = 0; b < 8; b++)
            c = (uint16_t)((c & 0x8000u) ? ((unsigned)c << 1) ^ 0x8005u : (unsigned)c << 1);
    }
    uint16_t r = 0;
    for (unsigned k = 0; k < 16; k++)
        if (c & (1u << k))
            r = (uint16_t)(r | (0x8000u >> k));
    return r;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int p1d_decode(const char *t, size_t n, struct p1d *d)
{
    memset(d, 0, sizeof *d);
    const char *start = memchr(t, '/', n);
    if (start == NULL)
        return -1;
    size_t off = (size_t)(start - t);
    const char *bang = memchr(start, '!', n - off);
    if (bang == NULL)
        return -1;
    size_t body = (size_t)(bang - start) + 1; /* "/" .. "!" */
    if (off + body + 6 > n)
        return -1;
    unsigned crc = 0;
    for (unsigned k = 0; k < 4; k++) {
        int v = hexval(bang[1 + k]);
        if (v < 0)
            return -1;
        crc = crc << 4 | (unsigned)v;
    }
    if (bang[5] != '\r' || bang[6] != '\n')
        return -1;
    d->crc_sent = crc;
    d->crc_computed = p1d_crc((const uint8_t *)start, body);
    /* the identification line, then an empty line */
    const char *p = start + 1, *end = bang;
    const char *eol = memchr(p, '\r', (size_t)(end - p));
    if (eol == NULL || (size_t)(eol - p) >= sizeof d->ident || eol[1] != '\n' || eol[2] != '\r' ||
        eol[3] != '\n')
        return -1;
    memcpy(d->ident, p, (size_t)(eol - p));
    p = eol + 4;
    while (p < end) {
        eol = memchr(p, '\r', (size_t)(end - p));
        if (eol == NULL || eol + 1 >= end + 1 || eol[1] != '\n')
            return -1;
        const char *paren = memchr(p, '(', (size_t)(eol - p));
        if (paren == NULL || d->n >= P1D_LINES || (size_t)(paren - p) >= sizeof d->line[0].obis ||
            (size_t)(eol - paren) >= sizeof d->line[0].value)
            return -1;
        struct p1d_line *l = &d->line[d->n++];
        memcpy(l->obis, p, (size_t)(paren - p));
        memcpy(l->value, paren, (size_t)(eol - paren));
        p = eol + 2;
    }
    return d->crc_sent == d->crc_computed ? 0 : -2;
}

const char *p1d_get(const struct p1d *d, const char *obis)
{
    for (size_t k = 0; k < d->n; k++)
        if (strcmp(d->line[k].obis, obis) == 0)
            return d->line[k].value;
    return NULL;
}
