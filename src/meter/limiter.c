/* SPDX-License-Identifier: Apache-2.0 */
/* The limiter (IC 71): see limiter.h. */
#include "meterfw/meter/limiter.h"

#include <string.h>

#include "meterfw/base/error.h"
#include "meterfw/meter/catalog.h"

void mfw_limiter_default_config(struct mfw_limiter_config *c)
{
    memset(c, 0, sizeof *c);
    c->monitored = MFW_CAT_PP_TOTAL;
    c->min_over_s = 60;
    c->min_under_s = 60;
    c->over = (struct mfw_script_ref){MFW_SCRIPT_DISCONNECT, MFW_SCRIPT_DISCONNECT_OPEN};
    c->under = (struct mfw_script_ref){MFW_SCRIPT_DISCONNECT, MFW_SCRIPT_DISCONNECT_CLOSE};
}

int mfw_limiter_validate(const struct mfw_limiter_config *c)
{
    if (mfw_catalog_find(c->monitored) == NULL || c->min_over_s > 86400u ||
        c->min_under_s > 86400u || c->n_groups > MFW_LIMITER_GROUPS_MAX ||
        !mfw_script_valid(&c->over) || !mfw_script_valid(&c->under) || c->emergency_start < 0 ||
        c->emergency_start > 253402300799999LL)
        return MFW_E_RANGE;
    return MFW_OK;
}

bool mfw_limiter_emergency_active(const struct mfw_limiter_config *c, mfw_ms_t now)
{
    if (c->emergency_start <= 0 || c->emergency_duration_s == 0)
        return false;
    bool member = false;
    for (unsigned k = 0; k < c->n_groups && k < MFW_LIMITER_GROUPS_MAX; k++)
        if (c->groups[k] == c->emergency_id)
            member = true;
    mfw_ms_t end = c->emergency_start + (mfw_ms_t)c->emergency_duration_s * 1000;
    return member && now >= c->emergency_start && now < end;
}

uint32_t mfw_limiter_threshold(const struct mfw_limiter_config *c, mfw_ms_t now)
{
    return mfw_limiter_emergency_active(c, now) ? c->threshold_emergency : c->threshold_normal;
}

void mfw_limiter_init(struct mfw_limiter *l, const struct mfw_limiter_config *c, mfw_ms_t now)
{
    memset(l, 0, sizeof *l);
    l->active = mfw_limiter_threshold(c, now);
}

void mfw_limiter_step(struct mfw_limiter *l, const struct mfw_limiter_config *c, double value,
                      bool valid, mfw_ms_t now, struct mfw_limiter_result *out)
{
    memset(out, 0, sizeof *out);
    uint32_t thr = mfw_limiter_threshold(c, now);
    if (thr != l->active) {
        l->active = thr;
        out->threshold_changed = true;
        l->pending = false;
    }
    if (!valid)
        return;
    /* threshold 0: no limitation; a limitation in force ends as if the value were under it */
    bool above = thr != 0 && value > (double)thr;
    bool change = l->over ? !above : above;
    if (!change) {
        l->pending = false;
        return;
    }
    if (!l->pending) {
        l->pending = true;
        l->since = now;
    }
    uint32_t need = l->over ? c->min_under_s : c->min_over_s;
    if (now - l->since < (mfw_ms_t)need * 1000)
        return;
    l->pending = false;
    l->over = !l->over;
    out->exceeded = l->over;
    out->ok = !l->over;
}

void mfw_limiter_save(const struct mfw_limiter *l, struct mfw_wcursor *w)
{
    mfw_persist_put_bool(w, l->over);
    mfw_persist_put_bool(w, l->pending);
    mfw_persist_put_i64(w, l->since);
    mfw_persist_put_u32(w, l->active);
}

void mfw_limiter_restore(struct mfw_limiter *l, struct mfw_persist_reader *r)
{
    l->over = mfw_persist_bool(r, "limiter.over");
    l->pending = mfw_persist_bool(r, "limiter.pending");
    l->since = mfw_persist_i64(r, "limiter.since", 0, MFW_PERSIST_TIME_MAX);
    l->active = mfw_persist_u32(r, "limiter.active", 0, UINT32_MAX);
}
