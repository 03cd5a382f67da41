#include "meterfw/base/cursor.h"

#include <string.h>

#include "meterfw/base/error.h"

void rc_init(struct rcursor *c, const uint8_t *p, size_t len)
{
    c->p = p;
    c->len = p ? len : 0;
    c->pos = 0;
    c->err = MFW_OK;
}

size_t rc_left(const struct rcursor *c)
{
    return c->err ? 0 : c->len - c->pos;
}

const uint8_t *rc_take(struct rcursor *c, size_t n)
{
    if (c->err || n > c->len - c->pos) {
        c->err = MFW_E_FORMAT;
        return NULL;
    }
    const uint8_t *p = c->p + c->pos;
    c->pos += n;
    return p;
}

uint8_t rc_u8(struct rcursor *c)
{
    const uint8_t *p = rc_take(c, 1);
    return p ? p[0] : 0;
}

uint16_t rc_u16be(struct rcursor *c)
{
    const uint8_t *p = rc_take(c, 2);
    return p ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}

uint32_t rc_u32be(struct rcursor *c)
{
    const uint8_t *p = rc_take(c, 4);
    return p ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3] : 0;
}

uint64_t rc_u64be(struct rcursor *c)
{
    uint64_t hi = rc_u32be(c);
    return hi << 32 | rc_u32be(c);
}

void rc_bytes(struct rcursor *c, void *out, size_t n)
{
    const uint8_t *p = rc_take(c, n);
    if (p)
        memcpy(out, p, n);
    else if (n)
        memset(out, 0, n);
}

struct rcursor rc_sub(struct rcursor *c, size_t n)
{
    struct rcursor s;
    const uint8_t *p = rc_take(c, n);
    rc_init(&s, p, p ? n : 0);
    s.err = p ? MFW_OK : MFW_E_FORMAT;
    return s;
}

void wc_init(struct wcursor *c, uint8_t *p, size_t cap)
{
    c->p = p;
    c->cap = p ? cap : 0;
    c->len = 0;
    c->err = MFW_OK;
}

uint8_t *wc_reserve(struct wcursor *c, size_t n)
{
    if (c->err || n > c->cap - c->len) {
        c->err = MFW_E_NOSPACE;
        return NULL;
    }
    uint8_t *p = c->p + c->len;
    c->len += n;
    return p;
}

void wc_u8(struct wcursor *c, uint8_t v)
{
    uint8_t *p = wc_reserve(c, 1);
    if (p)
        p[0] = v;
}

void wc_u16be(struct wcursor *c, uint16_t v)
{
    wc_u8(c, (uint8_t)(v >> 8));
    wc_u8(c, (uint8_t)v);
}

void wc_u32be(struct wcursor *c, uint32_t v)
{
    wc_u16be(c, (uint16_t)(v >> 16));
    wc_u16be(c, (uint16_t)v);
}

void wc_u64be(struct wcursor *c, uint64_t v)
{
    wc_u32be(c, (uint32_t)(v >> 32));
    wc_u32be(c, (uint32_t)v);
}

void wc_bytes(struct wcursor *c, const void *p, size_t n)
{
    uint8_t *d = wc_reserve(c, n);
    if (d && n)
        memcpy(d, p, n);
}
