/* SPDX-License-Identifier: Apache-2.0 */
/* The load-control relays: see loadctl.h. */
#include "meterfw/meter/loadctl.h"

#include <string.h>

#include "meterfw/base/error.h"
#include "meterfw/meter/script.h"

void mfw_loadctl_default_config(struct mfw_loadctl_config *c)
{
    memset(c, 0, sizeof *c);
}

void mfw_loadctl_init(struct mfw_loadctl *l, uint8_t relays)
{
    memset(l, 0, sizeof *l);
    l->relays = relays <= MFW_LOAD_RELAYS_MAX ? relays : MFW_LOAD_RELAYS_MAX;
}

bool mfw_loadctl_closed(const struct mfw_loadctl *l, unsigned k)
{
    return k < l->relays && l->wanted[k] && !l->shed;
}

int mfw_loadctl_script(struct mfw_loadctl *l, uint16_t selector)
{
    if (selector == MFW_SCRIPT_OUTPUT_SHED || selector == MFW_SCRIPT_OUTPUT_RESTORE) {
        l->shed = selector == MFW_SCRIPT_OUTPUT_SHED;
        return MFW_OK;
    }
    if (selector < 1 || selector > 4)
        return MFW_E_RANGE;
    unsigned k = (selector - 1u) / 2u;
    if (k >= l->relays)
        return MFW_E_RANGE;
    l->wanted[k] = (selector & 1u) != 0; /* 1, 3 on; 2, 4 off */
    l->timer_end[k] = 0;                 /* a command ends a timed on */
    return MFW_OK;
}

int mfw_loadctl_timed(struct mfw_loadctl *l, unsigned k, uint32_t minutes, mfw_ms_t now)
{
    if (k >= l->relays || minutes > 1440u)
        return MFW_E_RANGE;
    l->wanted[k] = minutes > 0;
    l->timer_end[k] = minutes > 0 ? now + (mfw_ms_t)minutes * 60000 : 0;
    return MFW_OK;
}

uint32_t mfw_loadctl_minutes_left(const struct mfw_loadctl *l, unsigned k, mfw_ms_t now)
{
    if (k >= l->relays || l->timer_end[k] == 0 || l->timer_end[k] <= now)
        return 0;
    return (uint32_t)((l->timer_end[k] - now + 59999) / 60000);
}

static bool by_calendar(const struct mfw_loadctl_config *c, unsigned k, uint8_t tariff)
{
    return tariff >= 1 && tariff <= 8 && (c->tariff_on[k] >> (tariff - 1u)) & 1u;
}

void mfw_loadctl_tick(struct mfw_loadctl *l, const struct mfw_loadctl_config *c, uint8_t tariff,
                      mfw_ms_t now)
{
    bool changed = tariff != l->tariff;
    l->tariff = tariff;
    for (unsigned k = 0; k < l->relays; k++) {
        if (l->timer_end[k] != 0 && now >= l->timer_end[k]) {
            l->timer_end[k] = 0;
            l->wanted[k] = c->tariff_on[k] != 0 && by_calendar(c, k, tariff);
        }
        if (changed && c->tariff_on[k] != 0 && l->timer_end[k] == 0)
            l->wanted[k] = by_calendar(c, k, tariff);
    }
}

void mfw_loadctl_save(const struct mfw_loadctl *l, struct mfw_wcursor *w)
{
    mfw_persist_put_u32(w, l->relays);
    for (unsigned k = 0; k < l->relays; k++) {
        mfw_persist_put_bool(w, l->wanted[k]);
        mfw_persist_put_i64(w, l->timer_end[k]);
    }
    mfw_persist_put_bool(w, l->shed);
    mfw_persist_put_u32(w, l->tariff);
}

void mfw_loadctl_restore(struct mfw_loadctl *l, struct mfw_persist_reader *r)
{
    /* the model's relays (l holds them): a record of another option is not this meter's */
    mfw_persist_expect(r, "loadctl.relays", l->relays);
    for (unsigned k = 0; k < l->relays && k < MFW_LOADCTL_SLOTS; k++) {
        l->wanted[k] = mfw_persist_bool(r, "loadctl.wanted");
        l->timer_end[k] = mfw_persist_i64(r, "loadctl.timer_end", 0, MFW_PERSIST_TIME_MAX);
        if (l->timer_end[k] != 0 && !l->wanted[k])
            mfw_persist_fail(r, "loadctl: a timed on that is off", MFW_E_RANGE);
    }
    l->shed = mfw_persist_bool(r, "loadctl.shed");
    l->tariff = (uint8_t)mfw_persist_u32(r, "loadctl.tariff", 0, 8);
}
