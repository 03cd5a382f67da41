/* SPDX-License-Identifier: Apache-2.0 */
/* persist: validated fields of persisted records (persist.h). */
#include "meterfw/base/persist.h"

#include <math.h>
#include <string.h>

#include "meterfw/base/error.h"

void mfw_persist_reader_init(struct mfw_persist_reader *r, const uint8_t *p, size_t len)
{
    mfw_rcursor_init(&r->rc, p, len);
    r->err = MFW_OK;
    r->field = NULL;
}

void mfw_persist_fail(struct mfw_persist_reader *r, const char *field, int err)
{
    if (r->err == MFW_OK) {
        r->err = err;
        r->field = field;
    }
}

static bool truncated(struct mfw_persist_reader *r, const char *field)
{
    if (r->rc.err == 0)
        return false;
    mfw_persist_fail(r, field, MFW_E_FORMAT);
    return true;
}

uint64_t mfw_persist_u64(struct mfw_persist_reader *r, const char *field, uint64_t lo, uint64_t hi)
{
    uint64_t v = mfw_rcursor_u64be(&r->rc);
    if (truncated(r, field))
        return lo;
    if (v < lo || v > hi) {
        mfw_persist_fail(r, field, MFW_E_RANGE);
        return lo;
    }
    return v;
}

uint32_t mfw_persist_u32(struct mfw_persist_reader *r, const char *field, uint32_t lo, uint32_t hi)
{
    uint32_t v = mfw_rcursor_u32be(&r->rc);
    if (truncated(r, field))
        return lo;
    if (v < lo || v > hi) {
        mfw_persist_fail(r, field, MFW_E_RANGE);
        return lo;
    }
    return v;
}

int64_t mfw_persist_i64(struct mfw_persist_reader *r, const char *field, int64_t lo, int64_t hi)
{
    uint64_t u = mfw_rcursor_u64be(&r->rc);
    int64_t v;
    memcpy(&v, &u, sizeof v); /* two's complement, C11 7.20.1.1 */
    if (truncated(r, field))
        return lo;
    if (v < lo || v > hi) {
        mfw_persist_fail(r, field, MFW_E_RANGE);
        return lo;
    }
    return v;
}

bool mfw_persist_bool(struct mfw_persist_reader *r, const char *field)
{
    uint8_t v = mfw_rcursor_u8(&r->rc);
    if (truncated(r, field))
        return false;
    if (v > 1) {
        mfw_persist_fail(r, field, MFW_E_RANGE);
        return false;
    }
    return v == 1;
}

double mfw_persist_f64(struct mfw_persist_reader *r, const char *field, double lo, double hi)
{
    uint64_t u = mfw_rcursor_u64be(&r->rc);
    double v;
    memcpy(&v, &u, sizeof v);
    if (truncated(r, field))
        return lo;
    if (!isfinite(v) || v < lo || v > hi) {
        mfw_persist_fail(r, field, MFW_E_RANGE);
        return lo;
    }
    return v;
}

void mfw_persist_expect(struct mfw_persist_reader *r, const char *field, uint32_t want)
{
    (void)mfw_persist_u32(r, field, want, want);
}

int mfw_persist_end(struct mfw_persist_reader *r)
{
    if (r->err == MFW_OK && mfw_rcursor_left(&r->rc) != 0)
        mfw_persist_fail(r, "trailing bytes", MFW_E_FORMAT);
    return r->err;
}

void mfw_persist_put_u64(struct mfw_wcursor *w, uint64_t v)
{
    mfw_wcursor_u64be(w, v);
}

void mfw_persist_put_u32(struct mfw_wcursor *w, uint32_t v)
{
    mfw_wcursor_u32be(w, v);
}

void mfw_persist_put_i64(struct mfw_wcursor *w, int64_t v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    mfw_wcursor_u64be(w, u);
}

void mfw_persist_put_bool(struct mfw_wcursor *w, bool v)
{
    mfw_wcursor_u8(w, v ? 1u : 0u);
}

void mfw_persist_put_f64(struct mfw_wcursor *w, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    mfw_wcursor_u64be(w, u);
}
