/* SPDX-License-Identifier: Apache-2.0 */
/* cursor: bounded reading and writing of byte buffers, for every parser and encoder of meterfw.
 * A read past the end or a write past the capacity never touches memory: it sets the cursor's
 * error (sticky) and returns zeros, so a parser can read a whole structure and check once. */
#ifndef METERFW_BASE_CURSOR_H
#define METERFW_BASE_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mfw_rcursor {
    const uint8_t *p;
    size_t len, pos;
    int err; /* 0 or MFW_E_FORMAT (read past the end) */
};

struct mfw_wcursor {
    uint8_t *p;
    size_t cap, len;
    int err; /* 0 or MFW_E_NOSPACE */
};

void mfw_rcursor_init(struct mfw_rcursor *c, const uint8_t *p, size_t len);
size_t mfw_rcursor_left(const struct mfw_rcursor *c);
uint8_t mfw_rcursor_u8(struct mfw_rcursor *c);
uint16_t mfw_rcursor_u16be(struct mfw_rcursor *c);
uint32_t mfw_rcursor_u32be(struct mfw_rcursor *c);
uint64_t mfw_rcursor_u64be(struct mfw_rcursor *c);
/* Copies n bytes out (or zeros and an error). */
void mfw_rcursor_bytes(struct mfw_rcursor *c, void *out, size_t n);
/* A pointer to the next n bytes, advancing past them; NULL and an error if they are not there. */
const uint8_t *mfw_rcursor_take(struct mfw_rcursor *c, size_t n);
/* A sub-cursor over the next n bytes (the parent advances past them). */
struct mfw_rcursor mfw_rcursor_sub(struct mfw_rcursor *c, size_t n);

void mfw_wcursor_init(struct mfw_wcursor *c, uint8_t *p, size_t cap);
void mfw_wcursor_u8(struct mfw_wcursor *c, uint8_t v);
void mfw_wcursor_u16be(struct mfw_wcursor *c, uint16_t v);
void mfw_wcursor_u32be(struct mfw_wcursor *c, uint32_t v);
void mfw_wcursor_u64be(struct mfw_wcursor *c, uint64_t v);
void mfw_wcursor_bytes(struct mfw_wcursor *c, const void *p, size_t n);
/* Reserves n bytes to fill in later (e.g. a length); returns where, or NULL on overflow. */
uint8_t *mfw_wcursor_reserve(struct mfw_wcursor *c, size_t n);

#endif /* METERFW_BASE_CURSOR_H */
