/* SPDX-License-Identifier: Apache-2.0 */
/* xdlms: GET / SET / ACTION request decoding and response encoding (see xdlms.h). */
#include "meterfw/dlms/xdlms.h"

#include <string.h>

#include "meterfw/base/error.h"
#include "meterfw/codec/axdr.h"

/* cosem-attribute-descriptor: class-id, instance-id, attribute-id; then, if with_sel, the
 * OPTIONAL access-selection: selector and one whole Data (validated, kept as a view). */
static void get_ref(struct mfw_rcursor *rc, struct mfw_cosem_ref *r, bool with_sel)
{
    memset(r, 0, sizeof *r);
    r->class_id = mfw_rcursor_u16be(rc);
    mfw_rcursor_bytes(rc, r->obis, 6);
    r->id = (int8_t)mfw_rcursor_u8(rc);
    if (!with_sel)
        return;
    uint8_t present = mfw_rcursor_u8(rc);
    if (present == 0)
        return;
    if (present != 1) {
        rc->err = MFW_E_FORMAT;
        return;
    }
    r->has_selection = true;
    r->selector = mfw_rcursor_u8(rc);
    size_t start = rc->pos;
    if (rc->err == 0 && mfw_axdr_skip(rc, MFW_AXDR_DEPTH_DEFAULT) != MFW_OK)
        rc->err = MFW_E_FORMAT;
    if (rc->err == 0) {
        r->params.p = rc->p + start;
        r->params.len = rc->pos - start;
    }
}

static void get_data_view(struct mfw_rcursor *rc, struct mfw_bytes *v)
{
    (void)mfw_axdr_get_raw(rc, v);
}

static int finish(struct mfw_rcursor *rc)
{
    if (rc->err != 0 || mfw_rcursor_left(rc) != 0)
        return MFW_E_FORMAT;
    return MFW_OK;
}

/* A BER length / count as A-XDR writes it (the quantity of a SEQUENCE OF). */
static uint32_t get_count(struct mfw_rcursor *rc)
{
    size_t n = 0;
    if (rc->err == 0 && mfw_axdr_get_length(rc, &n) != MFW_OK) {
        rc->err = MFW_E_FORMAT;
        return 0;
    }
    return (uint32_t)n;
}

int mfw_xdlms_parse_get(const uint8_t *buf, size_t len, struct mfw_xdlms_get_req *out)
{
    if (buf == NULL || out == NULL)
        return MFW_E_ARG;
    struct mfw_rcursor rc;
    mfw_rcursor_init(&rc, buf, len);
    out->n = 0;
    if (mfw_rcursor_u8(&rc) != MFW_XDLMS_GET_REQUEST)
        return MFW_E_FORMAT;
    out->kind = mfw_rcursor_u8(&rc);
    out->invoke = mfw_rcursor_u8(&rc);
    switch (out->kind) {
    case MFW_XDLMS_GET_NORMAL:
        out->n = 1;
        get_ref(&rc, &out->ref[0], true);
        break;
    case MFW_XDLMS_GET_NEXT: out->block = mfw_rcursor_u32be(&rc); break;
    case MFW_XDLMS_GET_WITH_LIST: {
        uint32_t n = get_count(&rc);
        if (n == 0 || n > MFW_XDLMS_LIST_MAX)
            return MFW_E_FORMAT;
        out->n = (uint8_t)n;
        for (uint32_t i = 0; i < n && rc.err == 0; i++)
            get_ref(&rc, &out->ref[i], true);
        break;
    }
    default: return MFW_E_FORMAT;
    }
    return finish(&rc);
}

int mfw_xdlms_parse_set(const uint8_t *buf, size_t len, struct mfw_xdlms_set_req *out)
{
    if (buf == NULL || out == NULL)
        return MFW_E_ARG;
    struct mfw_rcursor rc;
    mfw_rcursor_init(&rc, buf, len);
    out->n = 0;
    out->raw.p = NULL;
    out->raw.len = 0;
    if (mfw_rcursor_u8(&rc) != MFW_XDLMS_SET_REQUEST)
        return MFW_E_FORMAT;
    out->kind = mfw_rcursor_u8(&rc);
    out->invoke = mfw_rcursor_u8(&rc);
    switch (out->kind) {
    case MFW_XDLMS_SET_NORMAL:
        out->n = 1;
        get_ref(&rc, &out->ref[0], true);
        get_data_view(&rc, &out->value[0]);
        break;
    case MFW_XDLMS_SET_FIRST_BLOCK:
    case MFW_XDLMS_SET_BLOCK: {
        if (out->kind == MFW_XDLMS_SET_FIRST_BLOCK) {
            out->n = 1;
            get_ref(&rc, &out->ref[0], true);
        }
        uint8_t last = mfw_rcursor_u8(&rc);
        if (last > 1)
            return MFW_E_FORMAT;
        out->last_block = last != 0;
        out->block = mfw_rcursor_u32be(&rc);
        size_t n = 0;
        if (rc.err == 0 && mfw_axdr_get_length(&rc, &n) != MFW_OK)
            return MFW_E_FORMAT;
        out->raw.p = mfw_rcursor_take(&rc, n);
        out->raw.len = n;
        break;
    }
    case MFW_XDLMS_SET_WITH_LIST: {
        uint32_t n = get_count(&rc);
        if (n == 0 || n > MFW_XDLMS_LIST_MAX)
            return MFW_E_FORMAT;
        out->n = (uint8_t)n;
        for (uint32_t i = 0; i < n && rc.err == 0; i++)
            get_ref(&rc, &out->ref[i], true);
        if (get_count(&rc) != n)
            return MFW_E_FORMAT;
        for (uint32_t i = 0; i < n && rc.err == 0; i++)
            get_data_view(&rc, &out->value[i]);
        break;
    }
    default: return MFW_E_FORMAT;
    }
    return finish(&rc);
}

int mfw_xdlms_parse_action(const uint8_t *buf, size_t len, struct mfw_xdlms_action_req *out)
{
    if (buf == NULL || out == NULL)
        return MFW_E_ARG;
    struct mfw_rcursor rc;
    mfw_rcursor_init(&rc, buf, len);
    if (mfw_rcursor_u8(&rc) != MFW_XDLMS_ACTION_REQUEST)
        return MFW_E_FORMAT;
    out->kind = mfw_rcursor_u8(&rc);
    out->invoke = mfw_rcursor_u8(&rc);
    out->has_params = false;
    out->params.p = NULL;
    out->params.len = 0;
    out->last_block = false;
    out->block = 0;
    out->raw.p = NULL;
    out->raw.len = 0;
    if (out->kind == MFW_XDLMS_ACTION_WITH_FIRST_PBLOCK ||
        out->kind == MFW_XDLMS_ACTION_WITH_PBLOCK) {
        if (out->kind == MFW_XDLMS_ACTION_WITH_FIRST_PBLOCK)
            get_ref(&rc, &out->ref, false);
        else
            memset(&out->ref, 0, sizeof out->ref);
        uint8_t last = mfw_rcursor_u8(&rc); /* DataBlock-SA {last-block, block-number, raw-data} */
        if (last > 1)
            return MFW_E_FORMAT;
        out->last_block = last != 0;
        out->block = mfw_rcursor_u32be(&rc);
        size_t n = 0;
        if (rc.err == 0 && mfw_axdr_get_length(&rc, &n) != MFW_OK)
            return MFW_E_FORMAT;
        out->raw.p = mfw_rcursor_take(&rc, n);
        out->raw.len = rc.err == 0 ? n : 0;
        return finish(&rc);
    }
    if (out->kind != MFW_XDLMS_ACTION_NORMAL)
        return MFW_E_FORMAT;
    get_ref(&rc, &out->ref, false);
    uint8_t present = mfw_rcursor_u8(&rc);
    out->has_params = present == 1;
    out->params.p = NULL;
    out->params.len = 0;
    if (present > 1)
        return MFW_E_FORMAT;
    if (out->has_params)
        get_data_view(&rc, &out->params);
    return finish(&rc);
}

void mfw_xdlms_put_get_normal_data_begin(struct mfw_wcursor *w, uint8_t invoke)
{
    mfw_wcursor_u8(w, MFW_XDLMS_GET_RESPONSE);
    mfw_wcursor_u8(w, MFW_XDLMS_GET_NORMAL);
    mfw_wcursor_u8(w, invoke);
    mfw_wcursor_u8(w, 0); /* Get-Data-Result: data */
}

void mfw_xdlms_put_get_normal_dar(struct mfw_wcursor *w, uint8_t invoke, uint8_t dar)
{
    mfw_wcursor_u8(w, MFW_XDLMS_GET_RESPONSE);
    mfw_wcursor_u8(w, MFW_XDLMS_GET_NORMAL);
    mfw_wcursor_u8(w, invoke);
    mfw_wcursor_u8(w, 1); /* data-access-result */
    mfw_wcursor_u8(w, dar);
}

void mfw_xdlms_put_get_block_begin(struct mfw_wcursor *w, uint8_t invoke, bool last, uint32_t block,
                                   size_t raw_len)
{
    mfw_wcursor_u8(w, MFW_XDLMS_GET_RESPONSE);
    mfw_wcursor_u8(w, MFW_XDLMS_GET_NEXT);
    mfw_wcursor_u8(w, invoke);
    mfw_wcursor_u8(w, last ? 1 : 0);
    mfw_wcursor_u32be(w, block);
    mfw_wcursor_u8(w, 0); /* raw-data */
    mfw_axdr_put_length(w, raw_len);
}

void mfw_xdlms_put_get_block_dar(struct mfw_wcursor *w, uint8_t invoke, uint32_t block, uint8_t dar)
{
    mfw_wcursor_u8(w, MFW_XDLMS_GET_RESPONSE);
    mfw_wcursor_u8(w, MFW_XDLMS_GET_NEXT);
    mfw_wcursor_u8(w, invoke);
    mfw_wcursor_u8(w, 1);
    mfw_wcursor_u32be(w, block);
    mfw_wcursor_u8(w, 1);
    mfw_wcursor_u8(w, dar);
}

size_t mfw_xdlms_get_block_overhead(size_t raw_len)
{
    size_t l = raw_len < 0x80 ? 1 : raw_len <= 0xFF ? 2 : raw_len <= 0xFFFF ? 3 : 5;
    return 9 + l;
}

void mfw_xdlms_put_get_list_begin(struct mfw_wcursor *w, uint8_t invoke, uint8_t n)
{
    mfw_wcursor_u8(w, MFW_XDLMS_GET_RESPONSE);
    mfw_wcursor_u8(w, MFW_XDLMS_GET_WITH_LIST);
    mfw_wcursor_u8(w, invoke);
    mfw_axdr_put_length(w, n);
}

void mfw_xdlms_put_set_normal(struct mfw_wcursor *w, uint8_t invoke, uint8_t result)
{
    mfw_wcursor_u8(w, MFW_XDLMS_SET_RESPONSE);
    mfw_wcursor_u8(w, MFW_XDLMS_SET_RESP_NORMAL);
    mfw_wcursor_u8(w, invoke);
    mfw_wcursor_u8(w, result);
}

void mfw_xdlms_put_set_block_ack(struct mfw_wcursor *w, uint8_t invoke, uint32_t block)
{
    mfw_wcursor_u8(w, MFW_XDLMS_SET_RESPONSE);
    mfw_wcursor_u8(w, MFW_XDLMS_SET_RESP_BLOCK);
    mfw_wcursor_u8(w, invoke);
    mfw_wcursor_u32be(w, block);
}

void mfw_xdlms_put_set_last_block(struct mfw_wcursor *w, uint8_t invoke, uint8_t result,
                                  uint32_t block)
{
    mfw_wcursor_u8(w, MFW_XDLMS_SET_RESPONSE);
    mfw_wcursor_u8(w, MFW_XDLMS_SET_RESP_LAST_BLOCK);
    mfw_wcursor_u8(w, invoke);
    mfw_wcursor_u8(w, result);
    mfw_wcursor_u32be(w, block);
}

void mfw_xdlms_put_set_list(struct mfw_wcursor *w, uint8_t invoke, const uint8_t *results,
                            uint8_t n)
{
    mfw_wcursor_u8(w, MFW_XDLMS_SET_RESPONSE);
    mfw_wcursor_u8(w, MFW_XDLMS_SET_RESP_WITH_LIST);
    mfw_wcursor_u8(w, invoke);
    mfw_axdr_put_length(w, n);
    mfw_wcursor_bytes(w, results, n);
}

void mfw_xdlms_put_action_normal(struct mfw_wcursor *w, uint8_t invoke, uint8_t result,
                                 bool with_data)
{
    mfw_wcursor_u8(w, MFW_XDLMS_ACTION_RESPONSE);
    mfw_wcursor_u8(w, MFW_XDLMS_ACTION_NORMAL);
    mfw_wcursor_u8(w, invoke);
    mfw_wcursor_u8(w, result);
    if (with_data) {
        mfw_wcursor_u8(w, 1); /* return-parameters present */
        mfw_wcursor_u8(w, 0); /* Get-Data-Result: data */
    } else {
        mfw_wcursor_u8(w, 0);
    }
}

void mfw_xdlms_put_action_next_pblock(struct mfw_wcursor *w, uint8_t invoke, uint32_t block)
{
    mfw_wcursor_u8(w, MFW_XDLMS_ACTION_RESPONSE);
    mfw_wcursor_u8(w, MFW_XDLMS_ACTION_RESP_NEXT_PBLOCK);
    mfw_wcursor_u8(w, invoke);
    mfw_wcursor_u32be(w, block);
}

void mfw_xdlms_put_exception(struct mfw_wcursor *w, uint8_t state_error, uint8_t service_error)
{
    mfw_wcursor_u8(w, MFW_XDLMS_EXCEPTION_RESPONSE);
    mfw_wcursor_u8(w, state_error);
    mfw_wcursor_u8(w, service_error);
}

void mfw_xdlms_put_confirmed_error(struct mfw_wcursor *w, uint8_t service, uint8_t value)
{
    mfw_wcursor_u8(w, MFW_XDLMS_CONFIRMED_SERVICE_ERROR);
    mfw_wcursor_u8(w, service);
    mfw_wcursor_u8(w, 3); /* ServiceError: service */
    mfw_wcursor_u8(w, value);
}

int mfw_xdlms_build_data_notification(uint32_t invoke, const struct mfw_cosem_datetime *dt,
                                      const uint8_t *body_data, size_t body_len,
                                      struct mfw_wcursor *w)
{
    if (w == NULL || body_data == NULL || body_len == 0)
        return MFW_E_ARG;
    mfw_wcursor_u8(w, MFW_XDLMS_DATA_NOTIFICATION);
    mfw_wcursor_u32be(w, invoke);
    if (dt == NULL) {
        mfw_wcursor_u8(w, 0); /* date-time: an empty OCTET STRING */
    } else {
        /* mfw_axdr_put_datetime_octets writes the Data form 09 0C + 12 bytes; the APDU field is a
         * bare OCTET STRING, so the 09 tag is dropped */
        uint8_t tmp[14];
        struct mfw_wcursor t;
        mfw_wcursor_init(&t, tmp, sizeof tmp);
        mfw_axdr_put_datetime_octets(&t, dt);
        if (t.err != 0 || t.len != sizeof tmp)
            return MFW_E_ARG;
        mfw_wcursor_bytes(w, tmp + 1, sizeof tmp - 1);
    }
    mfw_wcursor_bytes(w, body_data, body_len);
    return w->err != 0 ? w->err : MFW_OK;
}
