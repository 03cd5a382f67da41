/* SPDX-License-Identifier: Apache-2.0 */
/* module: the slots (module.h). */
#include "meterfw/link/module.h"

#include <math.h>
#include <string.h>

#include "meterfw/base/error.h"
#include "meterfw/meter/catalog.h"
#include "meterfw/meter/meter.h"

int mfw_modules_init(struct mfw_modules *ms, struct mfw_meter *m)
{
    if (ms == NULL || m == NULL)
        return MFW_E_ARG;
    memset(ms, 0, sizeof *ms);
    ms->meter = m;
    return MFW_OK;
}

static const struct mfw_module_slot *slot_of(const struct mfw_modules *ms, unsigned slot)
{
    if (ms == NULL || slot >= MFW_MODULE_SLOTS || ms->slot[slot].ops == NULL)
        return NULL;
    return &ms->slot[slot];
}

int mfw_module_fit(struct mfw_modules *ms, unsigned slot, const struct mfw_module_ops *ops,
                   void *ctx, const char *ident, mfw_ms_t now)
{
    if (ms == NULL || slot >= MFW_MODULE_SLOTS || ops == NULL || ops->kind == MFW_MODULE_NONE ||
        ops->kind > MFW_MODULE_KIND_MAX)
        return MFW_E_ARG;
    if (ms->slot[slot].ops != NULL)
        return MFW_E_STATE;
    if (ops->attach != NULL) {
        int rc = ops->attach(ctx, ms->meter, now);
        if (rc != MFW_OK)
            return rc;
    }
    ms->slot[slot].ops = ops;
    ms->slot[slot].ctx = ctx;
    return mfw_meter_module_changed(ms->meter, slot, ops->kind, ident);
}

int mfw_module_remove(struct mfw_modules *ms, unsigned slot)
{
    if (ms == NULL || slot >= MFW_MODULE_SLOTS)
        return MFW_E_ARG;
    struct mfw_module_slot *s = &ms->slot[slot];
    if (s->ops == NULL)
        return MFW_E_STATE;
    if (s->ops->detach != NULL)
        s->ops->detach(s->ctx);
    s->ops = NULL;
    s->ctx = NULL;
    return mfw_meter_module_changed(ms->meter, slot, MFW_MODULE_NONE, NULL);
}

size_t mfw_module_output(struct mfw_modules *ms, unsigned slot, mfw_ms_t now, uint8_t *out,
                         size_t cap)
{
    const struct mfw_module_slot *s = slot_of(ms, slot);
    if (s == NULL || s->ops->output == NULL || out == NULL)
        return 0;
    size_t n = s->ops->output(s->ctx, now, out, cap);
    return n <= cap ? n : 0; /* a module never writes past the buffer; if it says so, nothing */
}

size_t mfw_module_input(struct mfw_modules *ms, unsigned slot, const uint8_t *p, size_t n,
                        mfw_ms_t now)
{
    const struct mfw_module_slot *s = slot_of(ms, slot);
    if (s == NULL || s->ops->input == NULL || (p == NULL && n > 0))
        return 0;
    return s->ops->input(s->ctx, p, n, now);
}

mfw_ms_t mfw_module_next_due(const struct mfw_modules *ms, unsigned slot)
{
    const struct mfw_module_slot *s = slot_of(ms, slot);
    if (s == NULL || s->ops->next_due == NULL)
        return INT64_MAX;
    return s->ops->next_due(s->ctx);
}

int mfw_module_status(const struct mfw_modules *ms, unsigned slot, struct mfw_module_status *st)
{
    if (ms == NULL || slot >= MFW_MODULE_SLOTS || st == NULL)
        return MFW_E_ARG;
    const struct mfw_module_slot *s = slot_of(ms, slot);
    if (s == NULL)
        return MFW_E_STATE;
    memset(st, 0, sizeof *st);
    if (s->ops->status != NULL)
        s->ops->status(s->ctx, st);
    return MFW_OK;
}

uint8_t mfw_module_kind(const struct mfw_modules *ms, unsigned slot)
{
    const struct mfw_module_slot *s = slot_of(ms, slot);
    return s == NULL ? MFW_MODULE_NONE : s->ops->kind;
}

mfw_ms_t mfw_module_next_multiple(mfw_ms_t now, mfw_ms_t period, mfw_ms_t offset)
{
    mfw_ms_t t = now - offset;
    mfw_ms_t q = t >= 0 ? t / period : (t - period + 1) / period;
    return (q + 1) * period + offset;
}

uint64_t mfw_module_measured(struct mfw_meter *m, uint16_t id, unsigned dec, uint64_t max)
{
    struct mfw_catalog_value v;
    mfw_meter_read_quantity(m, id, &v);
    double x = v.state == MFW_CATALOG_MEASURED ? v.si : 0.0;
    for (unsigned k = 0; k < dec; k++)
        x *= 10.0;
    if (!(x > 0.0))
        return 0;
    return x >= (double)max ? max : (uint64_t)llround(x);
}
