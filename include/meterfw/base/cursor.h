/* cursor: bounded reading and writing of byte buffers, for every parser and encoder of meterfw.
 * A read past the end or a write past the capacity never touches memory: it sets the cursor's
 * error (sticky) and returns zeros, so a parser can read a whole structure and check once. */
#ifndef METERFW_BASE_CURSOR_H
#define METERFW_BASE_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rcursor {
    const uint8_t *p;
    size_t len, pos;
    int err; /* 0 or MFW_E_FORMAT (read past the end) */
};

struct wcursor {
    uint8_t *p;
    size_t cap, len;
    int err; /* 0 or MFW_E_NOSPACE */
};

void rc_init(struct rcursor *c, const uint8_t *p, size_t len);
size_t rc_left(const struct rcursor *c);
uint8_t rc_u8(struct rcursor *c);
uint16_t rc_u16be(struct rcursor *c);
uint32_t rc_u32be(struct rcursor *c);
uint64_t rc_u64be(struct rcursor *c);
/* Copies n bytes out (or zeros and an error). */
void rc_bytes(struct rcursor *c, void *out, size_t n);
/* A pointer to the next n bytes, advancing past them; NULL and an error if they are not there. */
const uint8_t *rc_take(struct rcursor *c, size_t n);
/* A sub-cursor over the next n bytes (the parent advances past them). */
struct rcursor rc_sub(struct rcursor *c, size_t n);

void wc_init(struct wcursor *c, uint8_t *p, size_t cap);
void wc_u8(struct wcursor *c, uint8_t v);
void wc_u16be(struct wcursor *c, uint16_t v);
void wc_u32be(struct wcursor *c, uint32_t v);
void wc_u64be(struct wcursor *c, uint64_t v);
void wc_bytes(struct wcursor *c, const void *p, size_t n);
/* Reserves n bytes to fill in later (e.g. a length); returns where, or NULL on overflow. */
uint8_t *wc_reserve(struct wcursor *c, size_t n);

#endif /* METERFW_BASE_CURSOR_H */
