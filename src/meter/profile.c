/* SPDX-License-Identifier: Apache-2.0 */
/* Profile generic (IC 7) engine over a store ring: see profile.h. */
#include "meterfw/meter/profile.h"

#include <math.h>

#include "meterfw/base/bytes.h"
#include "meterfw/base/crc.h"
#include "meterfw/base/error.h"
#include "meterfw/base/persist.h"

#define DAY_S 86400u

size_t mfw_profile_entry_size(unsigned n_columns)
{
    return MFW_PROFILE_ENTRY_SIZE(n_columns);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

static int profile_check_config(const struct mfw_profile_config *cfg)
{
    if (cfg == NULL || cfg->n_columns == 0 || cfg->n_columns > MFW_PROFILE_COLUMNS_MAX ||
        cfg->depth == 0)
        return MFW_E_ARG;
    for (unsigned k = 0; k < cfg->n_columns; k++)
        if (mfw_catalog_find(cfg->column[k]) == NULL)
            return MFW_E_ARG;
    if (cfg->capture_period_s != 0 && !mfw_profile_period_ok(cfg->capture_period_s))
        return MFW_E_RANGE;
    return MFW_OK;
}

bool mfw_profile_period_ok(uint32_t s)
{
    /* Whole minutes that divide an hour (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60 min: IDIS's
     * 5, 15, 30 and 60 among them) or whole hours that divide a day (2, 3, 4, 6, 8, 12, 24 h):
     * every row falls on the clock's grid, the same for every meter of a period. Nothing below a
     * minute: a 1 s load profile would write 31 million rows a year. */
    if (s >= 60u && s <= 3600u)
        return s % 60u == 0 && 3600u % s == 0;
    return s > 3600u && s % 3600u == 0 && DAY_S % s == 0;
}

/* CRC-16/X.25 over the period and the column ids: what makes two rows comparable. */
static uint16_t profile_tag(const struct mfw_profile_config *cfg)
{
    uint8_t b[4];
    mfw_bytes_put_le32(b, cfg->capture_period_s);
    uint16_t crc = mfw_crc16_x25_update(0xFFFFu, b, 4);
    for (unsigned k = 0; k < cfg->n_columns; k++) {
        mfw_bytes_put_le16(b, cfg->column[k]);
        crc = mfw_crc16_x25_update(crc, b, 2);
    }
    return crc;
}

static void profile_reset_acc(struct mfw_profile *p)
{
    for (unsigned k = 0; k < MFW_PROFILE_COLUMNS_MAX; k++) {
        p->acc[k] = 0.0;
        p->acc_s[k] = 0.0;
    }
}

/* First boundary strictly after t. */
static mfw_ms_t profile_next_after(const struct mfw_profile *p, mfw_ms_t t)
{
    if (p->config.capture_period_s == 0)
        return INT64_MAX;
    int64_t period = (int64_t)p->config.capture_period_s * MFW_MS_PER_S;
    return (floor_div(t, period) + 1) * period;
}

mfw_ms_t mfw_profile_boundary(const struct mfw_profile *p, mfw_ms_t now)
{
    if (p == NULL || p->config.capture_period_s == 0)
        return now;
    int64_t period = (int64_t)p->config.capture_period_s * MFW_MS_PER_S;
    return floor_div(now, period) * period;
}

int mfw_profile_init(struct mfw_profile *p, const struct mfw_profile_config *cfg, unsigned area,
                     mfw_ms_t now)
{
    if (p == NULL || area >= MFW_STORE_AREAS_MAX)
        return MFW_E_ARG;
    int rc = profile_check_config(cfg);
    if (rc != MFW_OK)
        return rc;
    p->config = *cfg;
    for (unsigned k = cfg->n_columns; k < MFW_PROFILE_COLUMNS_MAX; k++)
        p->config.column[k] = 0;
    p->area = area;
    p->status_pending = 0;
    p->tag = profile_tag(&p->config);
    profile_reset_acc(p);
    p->next_capture_ms = profile_next_after(p, now);
    p->last_time = INT64_MIN;
    p->order = 0;
    p->order_seq = 0;
    p->order_last = INT64_MIN;
    return MFW_OK;
}

int mfw_profile_check_area(const struct mfw_profile *p, const struct mfw_store *s)
{
    if (p == NULL || s == NULL || p->area >= s->config.n_areas)
        return MFW_E_ARG;
    const struct mfw_store_area_config *a = &s->config.area[p->area];
    if (a->kind != MFW_STORE_RING)
        return MFW_E_ARG;
    if (a->entry_size < mfw_profile_entry_size(p->config.n_columns) ||
        a->entry_size > MFW_PROFILE_ENTRY_MAX)
        return MFW_E_NOSPACE;
    if (mfw_store_ring_capacity(s, p->area) < p->config.depth)
        return MFW_E_NOSPACE;
    return MFW_OK;
}

int mfw_profile_set_config(struct mfw_profile *p, struct mfw_store *s,
                           const struct mfw_profile_config *cfg, mfw_ms_t now)
{
    if (p == NULL || s == NULL)
        return MFW_E_ARG;
    int rc = profile_check_config(cfg);
    if (rc != MFW_OK)
        return rc;
    bool same = cfg->capture_period_s == p->config.capture_period_s &&
                cfg->n_columns == p->config.n_columns;
    for (unsigned k = 0; same && k < cfg->n_columns; k++)
        same = cfg->column[k] == p->config.column[k];
    if (same) {
        p->config.depth = cfg->depth;
        return MFW_OK;
    }
    rc = mfw_store_ring_clear(s, p->area);
    if (rc != MFW_OK)
        return rc;
    return mfw_profile_init(p, cfg, p->area, now);
}

void mfw_profile_accumulate(struct mfw_profile *p, mfw_catalog_read_fn read, void *ctx,
                            double seconds)
{
    if (p == NULL || read == NULL || !(seconds > 0.0))
        return;
    for (unsigned k = 0; k < p->config.n_columns; k++) {
        const struct mfw_catalog_entry *e = mfw_catalog_find(p->config.column[k]);
        if (e == NULL || e->kind != MFW_CATALOG_AVERAGE)
            continue;
        struct mfw_catalog_value v;
        read(ctx, p->config.column[k], &v);
        if (v.state != MFW_CATALOG_MEASURED || isnan(v.si))
            continue;
        p->acc[k] += v.si * seconds;
        p->acc_s[k] += seconds;
    }
}

void mfw_profile_flag(struct mfw_profile *p, uint8_t status)
{
    if (p != NULL)
        p->status_pending |= status;
}

void mfw_profile_clock_changed(struct mfw_profile *p, mfw_ms_t now)
{
    if (p == NULL)
        return;
    p->status_pending |= MFW_PROFILE_ST_CLOCK_ADJUSTED;
    p->next_capture_ms = profile_next_after(p, now);
}

bool mfw_profile_due(const struct mfw_profile *p, mfw_ms_t now)
{
    return p != NULL && p->config.capture_period_s != 0 && now >= p->next_capture_ms;
}

int mfw_profile_capture(struct mfw_profile *p, struct mfw_store *s, mfw_ms_t capture_time,
                        uint8_t status, mfw_catalog_read_fn read, void *ctx)
{
    if (p == NULL || s == NULL || read == NULL)
        return MFW_E_ARG;
    int rc = mfw_profile_check_area(p, s);
    if (rc != MFW_OK)
        return rc;
    int64_t t_s = floor_div(capture_time, MFW_MS_PER_S);
    if (t_s < 0 || t_s > (int64_t)UINT32_MAX)
        return MFW_E_RANGE;
    if (t_s * MFW_MS_PER_S < p->last_time ||
        (t_s * MFW_MS_PER_S == p->last_time && !p->config.same_time_ok)) {
        /* a row for this time or a later one is stored: rows never go back */
        profile_reset_acc(p);
        p->next_capture_ms = profile_next_after(p, capture_time);
        return MFW_PROFILE_SKIPPED;
    }

    uint8_t entry[MFW_PROFILE_ENTRY_MAX];
    size_t size = s->config.area[p->area].entry_size;
    for (size_t k = 0; k < size; k++)
        entry[k] = 0;
    status |= p->status_pending;
    for (unsigned k = 0; k < p->config.n_columns; k++) {
        const struct mfw_catalog_entry *e = mfw_catalog_find(p->config.column[k]);
        struct mfw_catalog_value v = {MFW_CATALOG_NONE, 0, NAN};
        if (e->kind != MFW_CATALOG_AVERAGE) /* registers: read EXACT, the integers as they are */
            read(ctx, p->config.column[k], &v);
        else if (p->acc_s[k] > 0.0)
            v = (struct mfw_catalog_value){MFW_CATALOG_MEASURED, 0, p->acc[k] / p->acc_s[k]};
        int valid;
        int64_t x = mfw_catalog_scale_value(e, &v, &valid);
        if (!valid)
            status |= MFW_PROFILE_ST_DATA_NOT_VALID;
        mfw_bytes_put_le64(entry + MFW_PROFILE_HEADER_SIZE + 8u * k, (uint64_t)x);
    }
    mfw_bytes_put_le32(entry, (uint32_t)t_s);
    entry[4] = status;
    entry[5] = p->config.n_columns;
    mfw_bytes_put_le16(entry + 6, p->tag);

    rc = mfw_store_ring_append(s, p->area, entry);
    if (rc != MFW_OK)
        return rc;
    profile_reset_acc(p);
    p->status_pending = 0;
    p->next_capture_ms = profile_next_after(p, capture_time);
    p->last_time = t_s * MFW_MS_PER_S;
    return MFW_OK;
}

int mfw_profile_load_last(struct mfw_profile *p, struct mfw_store *s)
{
    if (p == NULL || s == NULL || p->area >= s->config.n_areas ||
        s->config.area[p->area].entry_size > MFW_PROFILE_ENTRY_MAX ||
        s->config.area[p->area].entry_size < MFW_PROFILE_HEADER_SIZE)
        return MFW_E_ARG;
    p->last_time = INT64_MIN;
    p->order = 0; /* what the flash holds is checked again (mfw_profile_order_step) */
    p->order_seq = 0;
    p->order_last = INT64_MIN;
    uint32_t n = mfw_store_ring_count(s, p->area);
    if (n == 0)
        return MFW_OK;
    uint8_t buf[MFW_PROFILE_ENTRY_MAX];
    int rc = mfw_store_ring_read(s, p->area, n - 1u, buf);
    if (rc != MFW_OK)
        return rc;
    p->last_time = (mfw_ms_t)mfw_bytes_get_le32(buf) * MFW_MS_PER_S;
    mfw_ms_t after = profile_next_after(p, p->last_time);
    if (after > p->next_capture_ms)
        p->next_capture_ms = after;
    return MFW_OK;
}

int mfw_profile_tick(struct mfw_profile *p, struct mfw_store *s, mfw_ms_t now, uint8_t status,
                     mfw_catalog_read_fn read, void *ctx)
{
    if (!mfw_profile_due(p, now))
        return 0;
    int rc = mfw_profile_capture(p, s, mfw_profile_boundary(p, now), status, read, ctx);
    return rc == MFW_OK ? 1 : rc == MFW_PROFILE_SKIPPED ? 0 : rc;
}

uint32_t mfw_profile_count(const struct mfw_profile *p, const struct mfw_store *s)
{
    if (p == NULL || s == NULL || p->area >= s->config.n_areas)
        return 0;
    uint32_t n = mfw_store_ring_count(s, p->area);
    return n < p->config.depth ? n : p->config.depth;
}

/* Reads exposed row index into buf (the whole entry). */
static int profile_read_raw(const struct mfw_profile *p, struct mfw_store *s, uint32_t index,
                            uint8_t buf[MFW_PROFILE_ENTRY_MAX])
{
    if (p->area >= s->config.n_areas ||
        s->config.area[p->area].entry_size > MFW_PROFILE_ENTRY_MAX ||
        s->config.area[p->area].entry_size < MFW_PROFILE_HEADER_SIZE)
        return MFW_E_NOSPACE;
    uint32_t total = mfw_store_ring_count(s, p->area);
    uint32_t n = total < p->config.depth ? total : p->config.depth;
    if (index >= n)
        return MFW_E_RANGE;
    return mfw_store_ring_read(s, p->area, total - n + index, buf);
}

int mfw_profile_read(const struct mfw_profile *p, struct mfw_store *s, uint32_t index,
                     struct mfw_profile_row *out)
{
    if (p == NULL || s == NULL || out == NULL)
        return MFW_E_ARG;
    uint8_t buf[MFW_PROFILE_ENTRY_MAX];
    int rc = profile_read_raw(p, s, index, buf);
    if (rc != MFW_OK)
        return rc;
    if (buf[5] != p->config.n_columns || mfw_bytes_get_le16(buf + 6) != p->tag ||
        s->config.area[p->area].entry_size < mfw_profile_entry_size(buf[5]))
        return MFW_E_VERSION;
    out->time = (mfw_ms_t)mfw_bytes_get_le32(buf) * MFW_MS_PER_S;
    out->status = buf[4];
    out->n = buf[5];
    for (unsigned k = 0; k < MFW_PROFILE_COLUMNS_MAX; k++)
        out->v[k] =
            k < out->n ? (int64_t)mfw_bytes_get_le64(buf + MFW_PROFILE_HEADER_SIZE + 8u * k) : 0;
    return MFW_OK;
}

/* Smallest index in [0, n) whose time is > key (strict) or >= key (!strict); n if none. */
static int profile_bisect(const struct mfw_profile *p, struct mfw_store *s, uint32_t n,
                          mfw_ms_t key, bool strict, uint32_t *pos)
{
    uint8_t buf[MFW_PROFILE_ENTRY_MAX];
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int rc = profile_read_raw(p, s, mid, buf);
        if (rc != MFW_OK)
            return rc;
        mfw_ms_t t = (mfw_ms_t)mfw_bytes_get_le32(buf) * MFW_MS_PER_S;
        if (strict ? t > key : t >= key)
            hi = mid;
        else
            lo = mid + 1;
    }
    *pos = lo;
    return MFW_OK;
}

bool mfw_profile_in_order(const struct mfw_profile *p)
{
    return p != NULL && p->order == 1;
}

bool mfw_profile_order_step(struct mfw_profile *p, struct mfw_store *s, uint32_t max_rows)
{
    if (p == NULL || s == NULL || p->area >= s->config.n_areas)
        return false;
    if (p->order != 0)
        return true;
    const uint32_t first = mfw_store_ring_first_seq(s, p->area);
    const uint32_t end = first + mfw_store_ring_count(s, p->area);
    if (p->order_seq < first) /* rows dropped by the ring meanwhile: go on from the oldest */
        p->order_seq = first;
    uint8_t buf[MFW_PROFILE_ENTRY_MAX];
    if (s->config.area[p->area].entry_size > sizeof buf)
        return false;
    for (uint32_t k = 0; k < max_rows && p->order_seq < end; k++) {
        int rc = mfw_store_ring_read(s, p->area, p->order_seq - first, buf);
        if (rc == MFW_E_CRC) { /* a damaged row: no read by time returns it either */
            p->order_seq++;
            continue;
        }
        if (rc != MFW_OK)
            return false; /* the flash failed: again at the next step */
        mfw_ms_t t = (mfw_ms_t)mfw_bytes_get_le32(buf) * MFW_MS_PER_S;
        if (t < p->order_last) {
            p->order = 2;
            return true;
        }
        p->order_last = t;
        p->order_seq++;
    }
    if (p->order_seq < end)
        return false;
    p->order = 1;
    return true;
}

int mfw_profile_find(const struct mfw_profile *p, struct mfw_store *s, mfw_ms_t from, mfw_ms_t to,
                     uint32_t *first, uint32_t *n)
{
    if (p == NULL || s == NULL || first == NULL || n == NULL)
        return MFW_E_ARG;
    uint32_t count = mfw_profile_count(p, s);
    uint32_t lo, hi;
    int rc = profile_bisect(p, s, count, from, false, &lo);
    if (rc != MFW_OK)
        return rc;
    *first = lo;
    *n = 0;
    if (to < from)
        return MFW_OK;
    rc = profile_bisect(p, s, count, to, true, &hi);
    if (rc != MFW_OK)
        return rc;
    *n = hi > lo ? hi - lo : 0;
    return MFW_OK;
}

int mfw_profile_clear(struct mfw_profile *p, struct mfw_store *s)
{
    if (p == NULL || s == NULL)
        return MFW_E_ARG;
    int rc = mfw_store_ring_clear(s, p->area);
    if (rc == MFW_OK) {
        p->last_time = INT64_MIN; /* the buffer is empty: nothing to stay after */
        p->order = 1;
    }
    return rc;
}

/* ---- The fixed profiles ---- */

static const uint16_t lp1_columns[] = {MFW_CAT_AP_TOTAL, MFW_CAT_AM_TOTAL, MFW_CAT_RP_TOTAL,
                                       MFW_CAT_RM_TOTAL};

/* The daily profile: the four totals, then A+ and A- of each tariff (4 + 2 x MFW_TARIFFS). */
static unsigned daily_columns(uint16_t *ids)
{
    unsigned n = 0;
    static const uint16_t totals[] = {MFW_CAT_AP_TOTAL, MFW_CAT_AM_TOTAL, MFW_CAT_RP_TOTAL,
                                      MFW_CAT_RM_TOTAL};
    for (unsigned k = 0; k < 4; k++)
        ids[n++] = totals[k];
    for (unsigned t = 0; t < MFW_TARIFFS; t++)
        ids[n++] = (uint16_t)(MFW_CAT_AP_T1 + t);
    for (unsigned t = 0; t < MFW_TARIFFS; t++)
        ids[n++] = (uint16_t)(MFW_CAT_AM_T1 + t);
    return n;
}

/* The billing profile (IDIS end of billing): each of A+, A-, R+, R- total then per tariff, and
 * the two maximum demands (4 x (MFW_TARIFFS + 1) + 2 = 4 x MFW_TARIFFS + 6, options_check.h). */
static unsigned billing_columns(uint16_t *ids)
{
    static const uint16_t totals[] = {MFW_CAT_AP_TOTAL, MFW_CAT_AM_TOTAL, MFW_CAT_RP_TOTAL,
                                      MFW_CAT_RM_TOTAL};
    static const uint16_t first_tariff[] = {MFW_CAT_AP_T1, MFW_CAT_AM_T1, MFW_CAT_RP_T1,
                                            MFW_CAT_RM_T1};
    unsigned n = 0;
    for (unsigned q = 0; q < 4; q++) {
        ids[n++] = totals[q];
        for (unsigned t = 0; t < MFW_TARIFFS; t++)
            ids[n++] = (uint16_t)(first_tariff[q] + t);
    }
    ids[n++] = MFW_CAT_MAXDEM_AP;
    ids[n++] = MFW_CAT_MAXDEM_AM;
    return n;
}

/* The analysis log's default columns: the first MFW_PROFILE_ANALYSIS_COLUMNS of these. */
static const uint16_t analysis_default[] = {
    MFW_CAT_U_L1,      MFW_CAT_U_L2,     MFW_CAT_U_L3,     MFW_CAT_I_L1,
    MFW_CAT_I_L2,      MFW_CAT_I_L3,     MFW_CAT_PP_L1,    MFW_CAT_PP_L2,
    MFW_CAT_PP_L3,     MFW_CAT_PM_L1,    MFW_CAT_PM_L2,    MFW_CAT_PM_L3,
    MFW_CAT_FREQUENCY, MFW_CAT_PP_TOTAL, MFW_CAT_PF_TOTAL, MFW_CAT_I_NEUTRAL,
};
#define ANALYSIS_DEFAULT_N (sizeof analysis_default / sizeof analysis_default[0])
/* ... and a single-phase meter's: L1 only. */
static const uint16_t analysis_default_1ph[] = {
    MFW_CAT_U_L1,  MFW_CAT_I_L1, MFW_CAT_PP_L1, MFW_CAT_PM_L1,     MFW_CAT_QP_L1,
    MFW_CAT_QM_L1, MFW_CAT_S_L1, MFW_CAT_PF_L1, MFW_CAT_FREQUENCY, MFW_CAT_I_NEUTRAL,
};

const uint16_t *mfw_profile_analysis_default(unsigned phases, unsigned *n)
{
    const uint16_t *ids = phases == 1 ? analysis_default_1ph : analysis_default;
    unsigned all = phases == 1 ? (unsigned)(sizeof analysis_default_1ph / sizeof ids[0])
                               : (unsigned)ANALYSIS_DEFAULT_N;
    *n = MFW_PROFILE_ANALYSIS_COLUMNS < all ? MFW_PROFILE_ANALYSIS_COLUMNS : all;
    return ids;
}

_Static_assert(4u * MFW_TARIFFS + 6u <= MFW_PROFILE_COLUMNS_MAX, "billing profile columns");

static void profile_config_fill(struct mfw_profile_config *cfg, const uint16_t *ids, unsigned n,
                                uint32_t period, uint32_t depth)
{
    cfg->capture_period_s = period;
    cfg->n_columns = (uint8_t)n;
    for (unsigned k = 0; k < MFW_PROFILE_COLUMNS_MAX; k++)
        cfg->column[k] = k < n ? ids[k] : 0;
    cfg->depth = depth;
    cfg->same_time_ok = false;
}

void mfw_profile_config_lp1(struct mfw_profile_config *cfg)
{
    if (cfg != NULL)
        profile_config_fill(cfg, lp1_columns, sizeof lp1_columns / sizeof lp1_columns[0], 900u,
                            MFW_PROFILE_LP1_DEPTH);
}

void mfw_profile_config_daily(struct mfw_profile_config *cfg)
{
    if (cfg == NULL)
        return;
    uint16_t ids[MFW_PROFILE_COLUMNS_MAX];
    profile_config_fill(cfg, ids, daily_columns(ids), 0u, MFW_PROFILE_DAILY_DEPTH);
}

void mfw_profile_config_billing(struct mfw_profile_config *cfg)
{
    if (cfg == NULL)
        return;
    uint16_t ids[MFW_PROFILE_COLUMNS_MAX];
    profile_config_fill(cfg, ids, billing_columns(ids), 0u, MFW_PROFILE_BILLING_DEPTH);
    cfg->same_time_ok = true; /* each end of billing is a row of its own */
}

int mfw_profile_config_analysis(struct mfw_profile_config *cfg, const uint16_t *ids, unsigned n,
                                uint32_t capture_period_s, uint32_t depth)
{
    if (cfg == NULL)
        return MFW_E_ARG;
    if (ids == NULL)
        ids = mfw_profile_analysis_default(3, &n);
    if (depth == 0)
        depth = MFW_PROFILE_ANALYSIS_DEPTH;
    if (n == 0 || n > MFW_PROFILE_ANALYSIS_COLUMNS)
        return MFW_E_ARG;
    struct mfw_profile_config c;
    profile_config_fill(&c, ids, n, capture_period_s, depth);
    int rc = profile_check_config(&c);
    if (rc != MFW_OK)
        return rc;
    *cfg = c;
    return MFW_OK;
}

#define PROFILE_ST_KNOWN                                                                           \
    (MFW_PROFILE_ST_CRITICAL_ERROR | MFW_PROFILE_ST_CLOCK_INVALID |                                \
     MFW_PROFILE_ST_DATA_NOT_VALID | MFW_PROFILE_ST_DST | MFW_PROFILE_ST_CLOCK_ADJUSTED |          \
     MFW_PROFILE_ST_POWER_DOWN)

void mfw_profile_save(const struct mfw_profile *p, struct mfw_wcursor *w)
{
    mfw_persist_put_i64(w, p->next_capture_ms);
    mfw_persist_put_u32(w, p->status_pending);
}

void mfw_profile_restore(struct mfw_profile *p, struct mfw_persist_reader *r, mfw_ms_t saved_at)
{
    p->next_capture_ms = mfw_persist_i64(r, "profile.next_capture", 0, INT64_MAX);
    p->status_pending = (uint8_t)mfw_persist_u32(r, "profile.status", 0, PROFILE_ST_KNOWN);
    if (p->status_pending & ~PROFILE_ST_KNOWN)
        mfw_persist_fail(r, "profile.status: unknown bits", MFW_E_RANGE);
    uint32_t period = p->config.capture_period_s;
    if (period == 0 ? p->next_capture_ms != INT64_MAX
                    : p->next_capture_ms > MFW_PERSIST_TIME_MAX ||
                          p->next_capture_ms % ((mfw_ms_t)period * MFW_MS_PER_S) != 0)
        mfw_persist_fail(r, "profile.next_capture: off the capture grid", MFW_E_RANGE);
    /* The state may be older than the configuration: a capture period changed after the save
     * (the configuration record is written at once, the state at the next checkpoint) leaves a
     * next capture of the old period, on the new grid too when the new period divides the old.
     * No capture is ever later than the first boundary of the period in force after the time the
     * state was saved (the kill campaign lost the 00:05 and 00:10 rows of a 300 s period set just
     * after a save whose next capture was 00:15). */
    if (period != 0) {
        mfw_ms_t due = profile_next_after(p, saved_at);
        if (p->next_capture_ms > due)
            p->next_capture_ms = due;
    }
}
