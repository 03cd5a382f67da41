/* SPDX-License-Identifier: Apache-2.0 */
/* cosem_data: Data (Blue Book 4.3.1 [M], IC 1, version 0): attribute 2 value, no methods. What
 * the value is comes from the object's row (enum mfw_cosem_data_kind). */
#include "cosem_class.h"

#include "meterfw/codec/axdr.h"

static int data_get(const struct mfw_cosem_call *c, struct mfw_cosem_stream *st, uint32_t i,
                    struct mfw_wcursor *w)
{
    (void)st;
    (void)i;
    const struct mfw_meter *m = c->m;
    unsigned arg = c->obj->arg;
    switch (c->obj->kind) {
    case MFW_COSEM_DATA_LDN: mfw_cosem_class_put_ldn(m, w); break;
    case MFW_COSEM_DATA_INVOCATION:
        /* the last counter accepted from a client in this context: the client goes on above it
         * (Gurux examples: invocationCounter = 1 + value; references/idis-objects.md S10) */
        mfw_axdr_put_u32(w, arg < MFW_KEYS_CTX_COUNT ? m->keys.counters.last[arg] : 0);
        break;
    case MFW_COSEM_DATA_DEVICE_ID:
        mfw_axdr_put_octets(w, (const uint8_t *)m->config.serial, mfw_cosem_class_serial_len(m));
        break;
    case MFW_COSEM_DATA_TARIFF: mfw_axdr_put_u8(w, m->tariff); break;
    case MFW_COSEM_DATA_EVENT_CODE:
        mfw_axdr_put_u8(w, (uint8_t)m->events.counters.last_code[arg]);
        break;
    case MFW_COSEM_DATA_AMR_STATUS:
        /* the load profile's next row also carries the meter's own status bits (lp_status) */
        mfw_axdr_put_u8(w, arg == MFW_PROF_LP1
                               ? (uint8_t)(m->lp_status | m->profiles[arg].status_pending)
                               : m->profiles[arg].status_pending);
        break;
    case MFW_COSEM_DATA_PF_COUNT: {
        const uint32_t *pf =
            (arg & 8) ? m->events.counters.long_power_failures : m->events.counters.power_failures;
        mfw_axdr_put_u32(w, pf[arg & 7]);
        break;
    }
    case MFW_COSEM_DATA_MODULE: {
        /* what the slot holds: structure {kind (link/module.h enum mfw_module_kind, 0 = empty),
         * the module's identification} */
        const struct mfw_meter_module *mod = &m->modules[arg < MFW_MODULE_SLOTS ? arg : 0];
        size_t n = 0;
        while (n < MFW_MODULE_IDENT_MAX && mod->ident[n] != '\0')
            n++;
        mfw_axdr_put_structure_header(w, 2);
        mfw_axdr_put_u8(w, arg < MFW_MODULE_SLOTS ? mod->kind : 0);
        mfw_axdr_put_visible(w, mod->ident, arg < MFW_MODULE_SLOTS ? n : 0);
        break;
    }
    case MFW_COSEM_DATA_CONSUMER_TEXT:
        mfw_axdr_put_octets(w, m->consumer_text, m->consumer_text_len);
        break;
    case MFW_COSEM_DATA_CONSUMER_ON: mfw_axdr_put_bool(w, !m->consumer_disabled); break;
    default: mfw_axdr_put_null(w); break;
    }
    return MFW_DAR_SUCCESS;
}

/* The consumer message (IDIS section 13: a utility-to-consumer text via the consumer port): an
 * octet-string of at most MFW_CONSUMER_TEXT_MAX bytes without CR or LF (DSMR 5.0.2 7.2). */
static int data_set(const struct mfw_cosem_call *c, unsigned attr, struct mfw_rcursor *value)
{
    if (attr == 2 && c->obj->kind == MFW_COSEM_DATA_CONSUMER_ON) {
        bool on = false;
        if (!MFW_COSEM_READ_ONE(value, mfw_axdr_get_bool(value, &on)))
            return MFW_DAR_TYPE_UNMATCHED;
        return mfw_cosem_class_result(mfw_meter_consumer_enable(c->m, on));
    }
    if (attr != 2 || c->obj->kind != MFW_COSEM_DATA_CONSUMER_TEXT)
        return MFW_DAR_READ_WRITE_DENIED;
    uint8_t text[MFW_CONSUMER_TEXT_MAX];
    size_t n = 0;
    if (!MFW_COSEM_READ_ONE(value, mfw_axdr_get_octets(value, sizeof text, text, &n)))
        return MFW_DAR_TYPE_UNMATCHED;
    return mfw_cosem_class_result(mfw_meter_consumer_text(c->m, text, n));
}

const struct mfw_cosem_class mfw_cosem_data_class = {
    .class_id = MFW_IC_DATA,
    .version = 0,
    .attributes = 2,
    .methods = 0,
    .get_item = data_get,
    .set = data_set,
};
