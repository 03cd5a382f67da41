/* SPDX-License-Identifier: Apache-2.0 */
/* Covers, the field sensor, the metrology tamper and unexpected export: see tamper.h. */
#include "meterfw/meter/tamper.h"

#include <string.h>

#include "meterfw/base/error.h"
#include "meterfw/hal/hal.h"
#include "meterfw/meter/eventlog.h"

/* Durations the meter persists: up to 100 years. */
#define DURATION_MAX (100LL * 366 * 86400000LL)

void mfw_tamper_default_config(struct mfw_tamper_config *c)
{
    c->export_expected = false;
    c->reverse_w = 10.0;
    c->reverse_time_ms = 60000;
}

int mfw_tamper_validate(const struct mfw_tamper_config *c)
{
    if (!(c->reverse_w > 0.0 && c->reverse_w < 1e6) || c->reverse_time_ms > 86400000u)
        return MFW_E_RANGE;
    return MFW_OK;
}

void mfw_tamper_init(struct mfw_tamper *t)
{
    memset(t, 0, sizeof *t);
}

void mfw_tamper_begin(struct mfw_tamper *t, enum mfw_tamper_item_id id, mfw_ms_t now)
{
    struct mfw_tamper_item *i = &t->item[id];
    if (i->active)
        return;
    i->active = true;
    i->count++;
    i->start = now;
}

void mfw_tamper_end(struct mfw_tamper *t, enum mfw_tamper_item_id id, mfw_ms_t now)
{
    struct mfw_tamper_item *i = &t->item[id];
    if (!i->active)
        return;
    i->active = false;
    i->last_duration_ms = now > i->start ? now - i->start : 0;
    i->cumulative_ms += i->last_duration_ms;
}

unsigned mfw_tamper_inputs(struct mfw_tamper *t, uint32_t inputs, mfw_ms_t now, uint16_t codes[3])
{
    static const struct {
        uint32_t bit;
        uint8_t item;
        uint16_t on, off;
    } map[3] = {
        {MFW_HAL_IN_MAIN_COVER, MFW_TAMPER_METER_COVER, MFW_EVENT_METER_COVER_REMOVED,
         MFW_EVENT_METER_COVER_CLOSED},
        {MFW_HAL_IN_TERMINAL_COVER, MFW_TAMPER_TERMINAL_COVER, MFW_EVENT_TERMINAL_COVER_REMOVED,
         MFW_EVENT_TERMINAL_COVER_CLOSED},
        {MFW_HAL_IN_MAGNETIC_FIELD, MFW_TAMPER_MAGNETIC_FIELD, MFW_EVENT_MAGNETIC_FIELD,
         MFW_EVENT_MAGNETIC_FIELD_GONE},
    };
    unsigned n = 0;
    uint32_t changed = inputs ^ t->inputs;
    for (unsigned k = 0; k < 3; k++) {
        if (!(changed & map[k].bit))
            continue;
        bool on = (inputs & map[k].bit) != 0;
        if (on)
            mfw_tamper_begin(t, (enum mfw_tamper_item_id)map[k].item, now);
        else
            mfw_tamper_end(t, (enum mfw_tamper_item_id)map[k].item, now);
        codes[n++] = on ? map[k].on : map[k].off;
    }
    t->inputs = inputs;
    return n;
}

bool mfw_tamper_power(struct mfw_tamper *t, const struct mfw_tamper_config *c, double p_w,
                      mfw_ms_t now)
{
    if (c->export_expected) {
        t->reverse = t->reverse_pending = false;
        return false;
    }
    /* the condition that would change the episode's state: export while off, none while on */
    bool change = t->reverse ? !(p_w < 0.0) : p_w < -c->reverse_w;
    if (!change) {
        t->reverse_pending = false;
        return false;
    }
    if (!t->reverse_pending) {
        t->reverse_pending = true;
        t->reverse_since = now;
    }
    if (now - t->reverse_since < (mfw_ms_t)c->reverse_time_ms)
        return false;
    t->reverse_pending = false;
    t->reverse = !t->reverse;
    return t->reverse;
}

int64_t mfw_tamper_duration_ms(const struct mfw_tamper_item *i, mfw_ms_t now)
{
    if (i->active)
        return now > i->start ? now - i->start : 0;
    return i->last_duration_ms;
}

int64_t mfw_tamper_cumulative_ms(const struct mfw_tamper_item *i, mfw_ms_t now)
{
    return i->cumulative_ms + (i->active && now > i->start ? now - i->start : 0);
}

void mfw_tamper_save(const struct mfw_tamper *t, struct mfw_wcursor *w)
{
    for (unsigned k = 0; k < MFW_TAMPER_ITEMS; k++) {
        const struct mfw_tamper_item *i = &t->item[k];
        mfw_persist_put_bool(w, i->active);
        mfw_persist_put_u32(w, i->count);
        mfw_persist_put_i64(w, i->start);
        mfw_persist_put_i64(w, i->last_duration_ms);
        mfw_persist_put_i64(w, i->cumulative_ms);
    }
    mfw_persist_put_u32(w, t->inputs);
    mfw_persist_put_bool(w, t->reverse);
    mfw_persist_put_bool(w, t->reverse_pending);
    mfw_persist_put_i64(w, t->reverse_since);
}

void mfw_tamper_restore(struct mfw_tamper *t, struct mfw_persist_reader *r)
{
    for (unsigned k = 0; k < MFW_TAMPER_ITEMS; k++) {
        struct mfw_tamper_item *i = &t->item[k];
        i->active = mfw_persist_bool(r, "tamper.active");
        i->count = mfw_persist_u32(r, "tamper.count", 0, UINT32_MAX);
        i->start = mfw_persist_i64(r, "tamper.start", 0, MFW_PERSIST_TIME_MAX);
        i->last_duration_ms = mfw_persist_i64(r, "tamper.last_duration", 0, DURATION_MAX);
        i->cumulative_ms = mfw_persist_i64(r, "tamper.cumulative", 0, DURATION_MAX);
        if (i->active && i->count == 0)
            mfw_persist_fail(r, "tamper: an active item never counted", MFW_E_RANGE);
        if (i->last_duration_ms > i->cumulative_ms)
            mfw_persist_fail(r, "tamper: the last duration beyond the cumulative one", MFW_E_RANGE);
    }
    t->inputs = mfw_persist_u32(r, "tamper.inputs", 0, 0x0Fu);
    t->reverse = mfw_persist_bool(r, "tamper.reverse");
    t->reverse_pending = mfw_persist_bool(r, "tamper.reverse_pending");
    t->reverse_since = mfw_persist_i64(r, "tamper.reverse_since", 0, MFW_PERSIST_TIME_MAX);
}
