/* SPDX-License-Identifier: Apache-2.0 */
/* persist: the fields of the meter's persisted records, written and read one by one (never a
 * memory image of a struct: no padding, no ABI, the same bytes on every compiler and CPU), and
 * validated as they are read. A record that passes its CRC can still be nonsense (a crafted or
 * stale record, a firmware bug); the module that owns the data checks each field against its
 * domain and its configuration, and a reader keeps the first failure: which field, and why.
 *
 *   struct mfw_persist_reader r;
 *   mfw_persist_reader_init(&r, buf, len);
 *   d->hist_pos = (uint8_t)mfw_persist_u32(&r, "demand.hist_pos", 0, n - 1);
 *   ...
 *   if (r.err != MFW_OK) ... r.field names the first bad field
 *
 * Writers are the wcursor (cursor.h) with the put helpers below; integers are big-endian,
 * a double is its IEEE 754 bit pattern. */
#ifndef METERFW_BASE_PERSIST_H
#define METERFW_BASE_PERSIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/base/cursor.h"

struct mfw_persist_reader {
    struct mfw_rcursor rc;
    int err;           /* MFW_OK, MFW_E_FORMAT (truncated) or MFW_E_RANGE (a field out of its
                        * domain): the first failure; later reads return their minimum */
    const char *field; /* the first field that failed (a string literal), or NULL */
};

void mfw_persist_reader_init(struct mfw_persist_reader *r, const uint8_t *p, size_t len);
/* Marks the record bad at field (the first call wins). */
void mfw_persist_fail(struct mfw_persist_reader *r, const char *field, int err);
/* Unsigned and signed integers in [lo, hi]. */
uint64_t mfw_persist_u64(struct mfw_persist_reader *r, const char *field, uint64_t lo, uint64_t hi);
uint32_t mfw_persist_u32(struct mfw_persist_reader *r, const char *field, uint32_t lo, uint32_t hi);
int64_t mfw_persist_i64(struct mfw_persist_reader *r, const char *field, int64_t lo, int64_t hi);
/* A boolean: exactly 0 or 1. */
bool mfw_persist_bool(struct mfw_persist_reader *r, const char *field);
/* A finite double in [lo, hi]. */
double mfw_persist_f64(struct mfw_persist_reader *r, const char *field, double lo, double hi);
/* A field that must have exactly this value (a magic number, a count the layout fixes). */
void mfw_persist_expect(struct mfw_persist_reader *r, const char *field, uint32_t want);
/* After the last field: MFW_OK if everything was in range and nothing is left over. */
int mfw_persist_end(struct mfw_persist_reader *r);

void mfw_persist_put_u64(struct mfw_wcursor *w, uint64_t v);
void mfw_persist_put_u32(struct mfw_wcursor *w, uint32_t v);
void mfw_persist_put_i64(struct mfw_wcursor *w, int64_t v);
void mfw_persist_put_bool(struct mfw_wcursor *w, bool v);
void mfw_persist_put_f64(struct mfw_wcursor *w, double v);

/* Times the meter persists: UTC ms from 1970 to 9999-12-31T23:59:59.999Z. */
#define MFW_PERSIST_TIME_MAX 253402300799999LL

#endif /* METERFW_BASE_PERSIST_H */
