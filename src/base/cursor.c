/* SPDX-License-Identifier: Apache-2.0 */
#include "meterfw/base/cursor.h"

#include <string.h>

#include "meterfw/base/error.h"

void mfw_rcursor_init(struct mfw_rcursor *c, const uint8_t *p, size_t len)
{
    c->p = p;
    c->len = p ? len : 0;
    c->pos = 0;
    c->err = MFW_OK;
}

size_t mfw_rcursor_left(const struct mfw_rcursor *c)
{
    return c->err ? 0 : c->len - c->pos;
}

const uint8_t *mfw_rcursor_take(struct mfw_rcursor *c, size_t n)
{
    if (c->err || n > c->len - c->pos) {
        c->err = MFW_E_FORMAT;
        return NULL;
    }
    const uint8_t *p = c->p + c->pos;
    c->pos += n;
    return p;
}

uint8_t mfw_rcursor_u8(struct mfw_rcursor *c)
{
    const uint8_t *p = mfw_rcursor_take(c, 1);
    return p ? p[0] : 0;
}

uint16_t mfw_rcursor_u16be(struct mfw_rcursor *c)
{
    const uint8_t *p = mfw_rcursor_take(c, 2);
    return p ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}

uint32_t mfw_rcursor_u32be(struct mfw_rcursor *c)
{
    const uint8_t *p = mfw_rcursor_take(c, 4);
    return p ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3] : 0;
}

uint64_t mfw_rcursor_u64be(struct mfw_rcursor *c)
{
    uint64_t hi = mfw_rcursor_u32be(c);
    return hi << 32 | mfw_rcursor_u32be(c);
}

void mfw_rcursor_bytes(struct mfw_rcursor *c, void *out, size_t n)
{
    const uint8_t *p = mfw_rcursor_take(c, n);
    if (p)
        memcpy(out, p, n);
    else if (n)
        memset(out, 0, n);
}

struct mfw_rcursor mfw_rcursor_sub(struct mfw_rcursor *c, size_t n)
{
    struct mfw_rcursor s;
    const uint8_t *p = mfw_rcursor_take(c, n);
    mfw_rcursor_init(&s, p, p ? n : 0);
    s.err = p ? MFW_OK : MFW_E_FORMAT;
    return s;
}

void mfw_wcursor_init(struct mfw_wcursor *c, uint8_t *p, size_t cap)
{
    c->p = p;
    c->cap = p ? cap : 0;
    c->len = 0;
    c->err = MFW_OK;
}

uint8_t *mfw_wcursor_reserve(struct mfw_wcursor *c, size_t n)
{
    if (c->err || n > c->cap - c->len) {
        c->err = MFW_E_NOSPACE;
        return NULL;
    }
    uint8_t *p = c->p + c->len;
    c->len += n;
    return p;
}

void mfw_wcursor_u8(struct mfw_wcursor *c, uint8_t v)
{
    uint8_t *p = mfw_wcursor_reserve(c, 1);
    if (p)
        p[0] = v;
}

void mfw_wcursor_u16be(struct mfw_wcursor *c, uint16_t v)
{
    mfw_wcursor_u8(c, (uint8_t)(v >> 8));
    mfw_wcursor_u8(c, (uint8_t)v);
}

void mfw_wcursor_u32be(struct mfw_wcursor *c, uint32_t v)
{
    mfw_wcursor_u16be(c, (uint16_t)(v >> 16));
    mfw_wcursor_u16be(c, (uint16_t)v);
}

void mfw_wcursor_u64be(struct mfw_wcursor *c, uint64_t v)
{
    mfw_wcursor_u32be(c, (uint32_t)(v >> 32));
    mfw_wcursor_u32be(c, (uint32_t)v);
}

void mfw_wcursor_bytes(struct mfw_wcursor *c, const void *p, size_t n)
{
    uint8_t *d = mfw_wcursor_reserve(c, n);
    if (d && n)
        memcpy(d, p, n);
}
