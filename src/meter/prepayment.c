/* SPDX-License-Identifier: Apache-2.0 */
/* Prepayment in kWh: see prepayment.h for the credits, the top-ups, the thresholds, the friendly
 * periods and the power-loss rule. */
#include "meterfw/meter/prepayment.h"

#include <string.h>

#include "meterfw/base/error.h"

#define UWH_PER_WH 1000000ull
#define RECORD_MAGIC 0x4D465050u /* "MFPP" */
#define RECORD_VERSION 1u
/* Amounts within 2^62 uWh (4.6e9 kWh, far beyond a meter's life: meter.h). */
#define AMOUNT_MAX (1ull << 62)

void mfw_prepay_default_config(struct mfw_prepay_config *c)
{
    memset(c, 0, sizeof *c);
    c->low_credit_wh = 1000;
    c->emergency_wh = 2000;
    c->max_topup_wh = 1000000;
    c->reconnect_auto = false;
    c->friendly_from_h = 18;
    c->friendly_to_h = 8;
    c->friendly_weekends = true;
    c->friendly_holidays = true;
}

int mfw_prepay_validate(const struct mfw_prepay_config *c)
{
    if (c->friendly_from_h > 23 || c->friendly_to_h > 23 || c->friendly_from_m > 59 ||
        c->friendly_to_m > 59 || c->max_topup_wh == 0 || c->low_credit_wh > 100000000u ||
        c->emergency_wh > 100000000u)
        return MFW_E_RANGE;
    return MFW_OK;
}

void mfw_prepay_init(struct mfw_prepay *p)
{
    memset(p, 0, sizeof *p);
    p->l.status = MFW_PREPAY_NEW;
    p->state_status = MFW_PREPAY_NEW;
}

int64_t mfw_prepay_token_uwh(const struct mfw_prepay *p)
{
    return (int64_t)p->l.purchased_uwh - (int64_t)p->consumed_uwh;
}

int64_t mfw_prepay_available_uwh(const struct mfw_prepay *p)
{
    return mfw_prepay_token_uwh(p) + (p->l.emergency ? (int64_t)p->l.emergency_uwh : 0);
}

bool mfw_prepay_emergency_selectable(const struct mfw_prepay *p, const struct mfw_prepay_config *c)
{
    return p->l.status == MFW_PREPAY_ACTIVE && !p->l.emergency && c->emergency_wh > 0 &&
           mfw_prepay_available_uwh(p) <= (int64_t)c->low_credit_wh * (int64_t)UWH_PER_WH;
}

bool mfw_prepay_charge(const struct mfw_prepay *p, uint64_t d_uwh, uint64_t *floor)
{
    *floor = p->l.floor_uwh;
    if (p->l.status != MFW_PREPAY_ACTIVE || d_uwh == 0)
        return false;
    if (p->consumed_uwh + d_uwh <= p->l.floor_uwh)
        return false;
    /* reserve before the charge passes the stored reservation: a cut then finds the new one or
     * the old one, and the old one is still at or above everything charged before this tick */
    *floor = p->consumed_uwh + d_uwh + (uint64_t)MFW_PREPAY_RESERVE_WH * UWH_PER_WH;
    return true;
}

void mfw_prepay_take(struct mfw_prepay *p, uint64_t d_uwh, uint64_t floor)
{
    if (p->l.status != MFW_PREPAY_ACTIVE)
        return;
    p->consumed_uwh += d_uwh;
    if (floor > p->l.floor_uwh)
        p->l.floor_uwh = floor;
}

static bool remembered(const struct mfw_prepay_ledger *l, uint32_t id, uint32_t *oldest)
{
    *oldest = UINT32_MAX;
    bool found = false;
    for (unsigned k = 0; k < l->n_ids && k < MFW_PREPAY_TOKENS_MAX; k++) {
        if (l->ids[k] == id)
            found = true;
        if (l->ids[k] < *oldest)
            *oldest = l->ids[k];
    }
    return found;
}

int mfw_prepay_topup(struct mfw_prepay *p, const struct mfw_prepay_config *c, uint32_t id,
                     uint32_t wh, mfw_ms_t now, uint8_t *why)
{
    struct mfw_prepay_ledger *l = &p->l;
    uint32_t oldest;
    *why = 0;
    if (l->status == MFW_PREPAY_CLOSED)
        *why = MFW_PREPAY_REFUSED_CLOSED;
    else if (wh == 0 || wh > c->max_topup_wh)
        *why = MFW_PREPAY_REFUSED_AMOUNT;
    else if (remembered(l, id, &oldest))
        *why = MFW_PREPAY_REFUSED_DUPLICATE;
    else if (id == 0 || (l->n_ids >= MFW_PREPAY_TOKENS_MAX && id < oldest))
        *why = MFW_PREPAY_REFUSED_OLD;
    if (*why != 0)
        return MFW_E_RANGE;
    l->purchased_uwh += (uint64_t)wh * UWH_PER_WH;
    l->topups++;
    l->last_topup_wh = wh;
    l->last_topup_time = now;
    l->ids[l->next_id] = id;
    l->next_id = (uint8_t)((l->next_id + 1u) % MFW_PREPAY_TOKENS_MAX);
    if (l->n_ids < MFW_PREPAY_TOKENS_MAX)
        l->n_ids++;
    if (l->emergency && mfw_prepay_token_uwh(p) > 0) {
        /* the emergency credit used is paid back by this top-up (it was part of the negative
         * token credit); what is left of it lapses */
        l->emergency = false;
        l->emergency_uwh = 0;
    }
    return MFW_OK;
}

int mfw_prepay_invoke_emergency(struct mfw_prepay *p, const struct mfw_prepay_config *c)
{
    if (!mfw_prepay_emergency_selectable(p, c))
        return MFW_E_STATE;
    p->l.emergency = true;
    p->l.emergency_uwh = (uint64_t)c->emergency_wh * UWH_PER_WH;
    return MFW_OK;
}

int mfw_prepay_activate(struct mfw_prepay *p, mfw_ms_t now)
{
    if (p->l.status == MFW_PREPAY_ACTIVE)
        return MFW_OK;
    if (p->l.status != MFW_PREPAY_NEW)
        return MFW_E_STATE;
    p->l.status = MFW_PREPAY_ACTIVE;
    p->l.activated = now;
    p->state_status = MFW_PREPAY_ACTIVE;
    p->low = p->out = false;
    return MFW_OK;
}

int mfw_prepay_close(struct mfw_prepay *p, mfw_ms_t now)
{
    if (p->l.status == MFW_PREPAY_CLOSED)
        return MFW_OK;
    p->l.status = MFW_PREPAY_CLOSED;
    p->l.closed = now;
    p->state_status = MFW_PREPAY_CLOSED;
    return MFW_OK;
}

int mfw_prepay_reset(struct mfw_prepay *p)
{
    if (p->l.status != MFW_PREPAY_CLOSED)
        return MFW_E_STATE;
    struct mfw_prepay_ledger keep = p->l;
    mfw_prepay_init(p);
    /* the ids stay: a top-up applied before the reset is still not applied again */
    p->l.n_ids = keep.n_ids;
    p->l.next_id = keep.next_id;
    memcpy(p->l.ids, keep.ids, sizeof p->l.ids);
    return MFW_OK;
}

bool mfw_prepay_friendly(const struct mfw_prepay_config *c, unsigned hour, unsigned minute,
                         unsigned weekday, bool special_day)
{
    if (c->friendly_weekends && weekday >= 6)
        return true;
    if (c->friendly_holidays && special_day)
        return true;
    unsigned from = c->friendly_from_h * 60u + c->friendly_from_m;
    unsigned to = c->friendly_to_h * 60u + c->friendly_to_m;
    unsigned t = hour * 60u + minute;
    if (from == to)
        return false;
    return from < to ? (t >= from && t < to) : (t >= from || t < to);
}

void mfw_prepay_tick(struct mfw_prepay *p, const struct mfw_prepay_config *c, bool friendly,
                     struct mfw_prepay_result *out)
{
    memset(out, 0, sizeof *out);
    if (p->l.status != MFW_PREPAY_ACTIVE) {
        p->low = p->out = false;
        return;
    }
    int64_t a = mfw_prepay_available_uwh(p);
    bool low = a <= (int64_t)c->low_credit_wh * (int64_t)UWH_PER_WH;
    bool none = a <= 0;
    out->low = low && !p->low;
    out->out = none && !p->out;
    p->low = low;
    p->out = none;
    out->hold = none && !friendly;
}

/* ---- persistence ---------------------------------------------------------------------------- */

int mfw_prepay_encode_record(const struct mfw_prepay_ledger *l, uint8_t *buf, size_t cap,
                             size_t *len)
{
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, buf, cap);
    mfw_persist_put_u32(&w, RECORD_MAGIC);
    mfw_persist_put_u32(&w, RECORD_VERSION);
    mfw_persist_put_u32(&w, l->status);
    mfw_persist_put_u64(&w, l->purchased_uwh);
    mfw_persist_put_u64(&w, l->floor_uwh);
    mfw_persist_put_bool(&w, l->emergency);
    mfw_persist_put_u64(&w, l->emergency_uwh);
    mfw_persist_put_u32(&w, l->topups);
    mfw_persist_put_u32(&w, l->last_topup_wh);
    mfw_persist_put_i64(&w, l->activated);
    mfw_persist_put_i64(&w, l->closed);
    mfw_persist_put_i64(&w, l->last_topup_time);
    mfw_persist_put_u32(&w, MFW_PREPAY_TOKENS_MAX);
    mfw_persist_put_u32(&w, l->n_ids);
    mfw_persist_put_u32(&w, l->next_id);
    for (unsigned k = 0; k < l->n_ids && k < MFW_PREPAY_TOKENS_MAX; k++)
        mfw_persist_put_u32(&w, l->ids[k]);
    *len = w.len;
    return w.err != 0 ? MFW_E_NOSPACE : MFW_OK;
}

int mfw_prepay_decode_record(struct mfw_prepay_ledger *out, const uint8_t *buf, size_t len,
                             const char **field)
{
    struct mfw_persist_reader r;
    mfw_persist_reader_init(&r, buf, len);
    struct mfw_prepay_ledger l;
    memset(&l, 0, sizeof l);
    mfw_persist_expect(&r, "prepayment: magic", RECORD_MAGIC);
    mfw_persist_expect(&r, "prepayment: format version", RECORD_VERSION);
    l.status = (uint8_t)mfw_persist_u32(&r, "prepayment.status", MFW_PREPAY_NEW, MFW_PREPAY_CLOSED);
    l.purchased_uwh = mfw_persist_u64(&r, "prepayment.purchased", 0, AMOUNT_MAX);
    l.floor_uwh = mfw_persist_u64(&r, "prepayment.reservation", 0, AMOUNT_MAX);
    l.emergency = mfw_persist_bool(&r, "prepayment.emergency");
    l.emergency_uwh = mfw_persist_u64(&r, "prepayment.emergency credit", 0, AMOUNT_MAX);
    if (!l.emergency && l.emergency_uwh != 0)
        mfw_persist_fail(&r, "prepayment: emergency credit granted but not invoked", MFW_E_RANGE);
    l.topups = mfw_persist_u32(&r, "prepayment.topups", 0, UINT32_MAX);
    l.last_topup_wh = mfw_persist_u32(&r, "prepayment.last top-up", 0, UINT32_MAX);
    l.activated = mfw_persist_i64(&r, "prepayment.activated", 0, MFW_PERSIST_TIME_MAX);
    l.closed = mfw_persist_i64(&r, "prepayment.closed", 0, MFW_PERSIST_TIME_MAX);
    l.last_topup_time = mfw_persist_i64(&r, "prepayment.last top-up time", 0, MFW_PERSIST_TIME_MAX);
    mfw_persist_expect(&r, "prepayment: ids kept", MFW_PREPAY_TOKENS_MAX);
    l.n_ids = (uint8_t)mfw_persist_u32(&r, "prepayment.ids", 0, MFW_PREPAY_TOKENS_MAX);
    l.next_id = (uint8_t)mfw_persist_u32(&r, "prepayment.next id", 0, MFW_PREPAY_TOKENS_MAX - 1u);
    if (l.n_ids < MFW_PREPAY_TOKENS_MAX && l.next_id != l.n_ids)
        mfw_persist_fail(&r, "prepayment: the ids' ring", MFW_E_RANGE);
    if (l.n_ids > l.topups)
        mfw_persist_fail(&r, "prepayment: more ids than top-ups", MFW_E_RANGE);
    for (unsigned k = 0; k < l.n_ids && k < MFW_PREPAY_TOKENS_MAX; k++)
        l.ids[k] = mfw_persist_u32(&r, "prepayment.id", 1, UINT32_MAX);
    int rc = mfw_persist_end(&r);
    if (field != NULL)
        *field = rc == MFW_OK ? NULL : r.field;
    if (rc == MFW_OK)
        *out = l;
    return rc;
}

void mfw_prepay_settle(struct mfw_prepay *p, bool fail_closed)
{
    if (p->consumed_uwh < p->l.floor_uwh)
        p->consumed_uwh = p->l.floor_uwh;
    if (p->l.floor_uwh < p->consumed_uwh)
        p->l.floor_uwh = p->consumed_uwh;
    if (fail_closed) {
        if (p->l.purchased_uwh > p->consumed_uwh)
            p->l.purchased_uwh = p->consumed_uwh;
        p->l.emergency = false;
        p->l.emergency_uwh = 0;
    }
}

void mfw_prepay_save(const struct mfw_prepay *p, struct mfw_wcursor *w)
{
    mfw_persist_put_u64(w, p->consumed_uwh);
    mfw_persist_put_bool(w, p->low);
    mfw_persist_put_bool(w, p->out);
    mfw_persist_put_u32(w, p->l.status);
}

void mfw_prepay_restore(struct mfw_prepay *p, struct mfw_persist_reader *r)
{
    p->consumed_uwh = mfw_persist_u64(r, "prepayment.consumed", 0, AMOUNT_MAX);
    p->low = mfw_persist_bool(r, "prepayment.low");
    p->out = mfw_persist_bool(r, "prepayment.out");
    p->state_status =
        (uint8_t)mfw_persist_u32(r, "prepayment.status", MFW_PREPAY_NEW, MFW_PREPAY_CLOSED);
    if (p->out && !p->low)
        mfw_persist_fail(r, "prepayment: out of credit but not low", MFW_E_RANGE);
}
