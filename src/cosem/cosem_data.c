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
    case MFW_COSEM_DATA_FW_ID: {
        uint8_t id[MFW_IMAGE_ID_MAX];
        size_t n = 0;
        if (mfw_meter_image_running(m, id, sizeof id, &n) != MFW_OK || n > sizeof id)
            return MFW_DAR_HARDWARE_FAULT;
        mfw_axdr_put_octets(w, id, n);
        break;
    }
    case MFW_COSEM_DATA_FW_CHECKSUM: {
        uint32_t crc = 0, len = 0;
        if (mfw_meter_legal_checksum(m, &crc, &len) != MFW_OK)
            return MFW_DAR_HARDWARE_FAULT;
        const uint8_t b[4] = {(uint8_t)(crc >> 24), (uint8_t)(crc >> 16), (uint8_t)(crc >> 8),
                              (uint8_t)crc};
        mfw_axdr_put_octets(w, b, sizeof b);
        break;
    }
    default: mfw_axdr_put_null(w); break;
    }
    return MFW_DAR_SUCCESS;
}

const struct mfw_cosem_class mfw_cosem_data_class = {
    .class_id = MFW_IC_DATA,
    .version = 0,
    .attributes = 2,
    .methods = 0,
    .get_item = data_get,
};
