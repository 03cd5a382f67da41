/* SPDX-License-Identifier: Apache-2.0 */
/* push: the IDIS pushes of the WAN module (push.h). */
#include "meterfw/link/push.h"

#include <string.h>

#include "meterfw/base/cursor.h"
#include "meterfw/base/error.h"
#include "meterfw/codec/axdr.h"
#include "meterfw/dlms/security.h"
#include "meterfw/link/wrapper.h"

void mfw_push_default_config(struct mfw_push_config *c)
{
    memset(c, 0, sizeof *c);
    c->dst_wport = 1;
}

int mfw_push_init(struct mfw_push *p, const struct mfw_push_config *c)
{
    if (p == NULL || c == NULL || c->cosem == NULL)
        return MFW_E_ARG;
    memset(p, 0, sizeof *p);
    p->config = *c;
    p->current = -1;
    for (unsigned k = 0; k < MFW_PUSH_COUNT; k++)
        p->due[k] = -1;
    return MFW_OK;
}

/* One attribute value through the object model, as the management client reads it. */
static int put_value(struct mfw_push *p, uint16_t class_id, const uint8_t ln[6], int8_t attr,
                     struct mfw_wcursor *w)
{
    struct mfw_cosem_session ses;
    memset(&ses, 0, sizeof ses);
    ses.client = MFW_COSEM_CLIENT_MANAGEMENT;
    ses.status = 2;
    struct mfw_cosem_ctx cx = {p->config.cosem, &ses};
    struct mfw_cosem_ref ref;
    memset(&ref, 0, sizeof ref);
    ref.class_id = class_id;
    memcpy(ref.obis, ln, 6);
    ref.id = attr;
    struct mfw_cosem_stream st;
    if (mfw_cosem_get_open(&cx, &ref, &st) != MFW_DAR_SUCCESS) {
        mfw_axdr_put_null(w); /* an object the meter does not have: null-data */
        return MFW_OK;
    }
    mfw_cosem_get_header(&cx, &st, w);
    for (uint32_t i = 0; i < st.items; i++)
        if (mfw_cosem_get_item(&cx, &st, i, w) != MFW_DAR_SUCCESS)
            return MFW_E_IO;
    return w->err != 0 ? MFW_E_NOSPACE : MFW_OK;
}

int mfw_push_apdu(struct mfw_push *p, unsigned id, uint8_t *out, size_t cap, size_t *len)
{
    if (p == NULL || p->meter == NULL || out == NULL || len == NULL || id >= MFW_PUSH_COUNT)
        return MFW_E_ARG;
    struct mfw_meter *m = p->meter;
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, out, cap);
    mfw_wcursor_u8(&w, 0x0F); /* data-notification */
    mfw_wcursor_u32be(&w, p->invoke_id & 0x00FFFFFFu);
    /* date-time: OCTET STRING of 12, the meter's local time with its deviation */
    struct mfw_cosem_datetime dt;
    struct mfw_local_time lt;
    mfw_clock_local(&m->clock, m->now, &lt);
    if (mfw_cosem_datetime_from_ms(&dt, m->now, lt.offset_min,
                                   (uint8_t)(lt.dst ? MFW_CLOCK_STATUS_DST : 0)) != MFW_OK) {
        memset(&dt, 0xFF, sizeof dt);
        dt.deviation = MFW_COSEM_DEVIATION_NS;
    }
    uint8_t tmp[14];
    struct mfw_wcursor t;
    mfw_wcursor_init(&t, tmp, sizeof tmp);
    mfw_axdr_put_datetime_octets(&t, &dt);
    mfw_wcursor_bytes(&w, tmp + 1, t.len - 1);
    /* the body: a structure of the values of the push object list, the list itself first */
    uint8_t ln[6] = {0, 0, 25, 9, 0, 255};
    static const uint8_t b_of[MFW_PUSH_COUNT] = {0, 1, 4, 7};
    ln[1] = b_of[id];
    uint8_t list[256];
    struct mfw_wcursor lw;
    mfw_wcursor_init(&lw, list, sizeof list);
    int rc = put_value(p, MFW_IC_PUSH_SETUP, ln, 2, &lw);
    if (rc != MFW_OK)
        return rc;
    struct mfw_rcursor rc_list;
    mfw_rcursor_init(&rc_list, list, lw.len);
    uint32_t n = 0;
    if (mfw_axdr_get_array(&rc_list, &n) != MFW_OK || n == 0 || n > 16)
        return MFW_E_FORMAT;
    mfw_axdr_put_structure_header(&w, n);
    mfw_wcursor_bytes(&w, list, lw.len);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t f = 0;
        uint16_t cls = 0, data_index = 0;
        uint8_t obj[6];
        size_t ol = 0;
        int8_t attr = 0;
        if (mfw_axdr_get_structure(&rc_list, &f) != MFW_OK || f != 4 ||
            mfw_axdr_get_u16(&rc_list, &cls) != MFW_OK ||
            mfw_axdr_get_octets(&rc_list, 6, obj, &ol) != MFW_OK || ol != 6 ||
            mfw_axdr_get_i8(&rc_list, &attr) != MFW_OK ||
            mfw_axdr_get_u16(&rc_list, &data_index) != MFW_OK)
            return MFW_E_FORMAT;
        if (k == 0)
            continue; /* the list itself: written above */
        rc = put_value(p, cls, obj, attr, &w);
        if (rc != MFW_OK)
            return rc;
    }
    if (w.err != 0)
        return MFW_E_NOSPACE;
    *len = w.len;
    return MFW_OK;
}

int mfw_push_frame(struct mfw_push *p, unsigned id, uint8_t *out, size_t cap, size_t *len)
{
    if (p == NULL || p->meter == NULL || out == NULL || len == NULL)
        return MFW_E_ARG;
    uint8_t apdu[MFW_PUSH_FRAME_MAX];
    size_t n = 0;
    int rc = mfw_push_apdu(p, id, apdu, sizeof apdu, &n);
    if (rc != MFW_OK)
        return rc;
    struct mfw_meter *m = p->meter;
    if (p->config.cipher) {
        const uint8_t *ek = mfw_meter_security_key(m, MFW_KEYS_UNICAST);
        const uint8_t *ak = mfw_meter_security_key(m, MFW_KEYS_AUTHENTICATION);
        if (ek == NULL || ak == NULL || m->hal == NULL || m->hal->crypto == NULL)
            return MFW_E_STATE;
        uint32_t ic = 0;
        rc = mfw_meter_security_ic_next(m, &ic);
        if (rc != MFW_OK)
            return rc;
        uint8_t plain[MFW_PUSH_FRAME_MAX];
        memcpy(plain, apdu, n);
        struct mfw_wcursor cw;
        mfw_wcursor_init(&cw, apdu, sizeof apdu);
        struct mfw_security_keys k = {ek, ak};
        rc = mfw_security_cipher(m->hal->crypto, &k, MFW_SECURITY_GENERAL_GLO,
                                 m->keys.config.server_title, 0x30, ic, plain, n, &cw);
        memset(plain, 0, sizeof plain);
        if (rc != MFW_OK)
            return rc;
        n = cw.len;
    }
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, out, cap);
    /* IEC 62056-47: source wPort 1 (the management logical device), the push client's wPort */
    rc = mfw_wrapper_encode(1, p->config.dst_wport, apdu, n, &w);
    if (rc != MFW_OK)
        return rc;
    p->invoke_id++;
    *len = w.len;
    return MFW_OK;
}

const char *mfw_push_destination(const struct mfw_push *p)
{
    if (p == NULL || p->meter == NULL || p->current < 0)
        return NULL;
    return p->meter->push[p->current].destination;
}

void mfw_push_done(struct mfw_push *p, bool delivered, mfw_ms_t now)
{
    if (p == NULL || p->meter == NULL || p->current < 0)
        return;
    unsigned id = (unsigned)p->current;
    p->current = -1;
    if (delivered) {
        p->sent++;
    } else {
        p->failed++;
        if (p->tries[id] < p->meter->push[id].retries) {
            p->tries[id]++;
            p->due[id] = now + (mfw_ms_t)p->meter->push[id].repetition_delay_s * 1000;
            return;
        }
        p->given_up++;
    }
    mfw_meter_push_take(p->meter, id);
    p->tries[id] = 0;
    p->due[id] = -1;
}

/* ---- the module ---- */

static bool in_window(const struct mfw_meter *m, const struct mfw_push_setup *s, mfw_ms_t now)
{
    if (s->window_start_min == s->window_end_min)
        return true;
    struct mfw_local_time lt;
    mfw_clock_local(&m->clock, now, &lt);
    unsigned t = lt.hour * 60u + lt.minute;
    return s->window_start_min < s->window_end_min
               ? t >= s->window_start_min && t < s->window_end_min
               : t >= s->window_start_min || t < s->window_end_min; /* across midnight */
}

static mfw_ms_t random_delay(const struct mfw_meter *m, uint16_t max_s)
{
    if (max_s == 0 || m->hal == NULL || m->hal->crypto == NULL || m->hal->crypto->random == NULL)
        return 0;
    uint8_t r[4] = {0};
    if (m->hal->crypto->random(m->hal->crypto->ctx, r, sizeof r) != MFW_OK)
        return 0;
    uint32_t v = (uint32_t)r[0] << 24 | (uint32_t)r[1] << 16 | (uint32_t)r[2] << 8 | r[3];
    return (mfw_ms_t)(v % ((uint32_t)max_s * 1000u + 1u));
}

static mfw_ms_t next_multiple(mfw_ms_t now, mfw_ms_t period)
{
    mfw_ms_t q = now >= 0 ? now / period : (now - period + 1) / period;
    return (q + 1) * period;
}

static int push_attach(void *ctx, struct mfw_meter *m, mfw_ms_t now)
{
    struct mfw_push *p = ctx;
    p->meter = m;
    uint32_t iv = m->push[MFW_PUSH_INTERVAL].interval_s;
    p->next_interval = iv > 0 ? next_multiple(now, (mfw_ms_t)iv * 1000) : INT64_MAX;
    /* fitted: installed and connected (a push without a destination is not due) */
    (void)mfw_meter_push_trigger(m, MFW_PUSH_INSTALLATION);
    (void)mfw_meter_push_trigger(m, MFW_PUSH_CONNECTIVITY);
    return MFW_OK;
}

static void push_detach(void *ctx)
{
    struct mfw_push *p = ctx;
    p->meter = NULL;
    p->current = -1;
}

static size_t push_input(void *ctx, const uint8_t *b, size_t n, mfw_ms_t now)
{
    (void)b;
    (void)now;
    struct mfw_push *p = ctx;
    p->st.bytes_in += n;
    p->st.refused_in += (uint32_t)n;
    return n;
}

static size_t push_output(void *ctx, mfw_ms_t now, uint8_t *out, size_t cap)
{
    struct mfw_push *p = ctx;
    struct mfw_meter *m = p->meter;
    if (m == NULL || m->down)
        return 0;
    uint32_t iv = m->push[MFW_PUSH_INTERVAL].interval_s;
    if (iv > 0 && now >= p->next_interval) {
        (void)mfw_meter_push_trigger(m, MFW_PUSH_INTERVAL);
        p->next_interval = next_multiple(now, (mfw_ms_t)iv * 1000);
    }
    if (p->current >= 0)
        return 0; /* one push at a time */
    for (unsigned id = 0; id < MFW_PUSH_COUNT; id++) {
        if (!(m->push_pending & (1u << id)))
            continue;
        const struct mfw_push_setup *s = &m->push[id];
        if (p->due[id] < 0)
            p->due[id] = now + random_delay(m, s->randomisation_s);
        if (now < p->due[id] || !in_window(m, s, now))
            continue;
        size_t len = 0;
        int rc = mfw_push_frame(p, id, out, cap, &len);
        if (rc != MFW_OK) {
            p->st.last_error = rc;
            p->current = (int)id;
            mfw_push_done(p, false, now); /* counted as a failed attempt */
            continue;
        }
        p->current = (int)id;
        p->st.frames_out++;
        p->st.bytes_out += len;
        return len;
    }
    return 0;
}

static mfw_ms_t push_next_due(const void *ctx)
{
    const struct mfw_push *p = ctx;
    if (p->meter == NULL)
        return INT64_MAX;
    mfw_ms_t t = p->next_interval;
    for (unsigned id = 0; id < MFW_PUSH_COUNT; id++)
        if ((p->meter->push_pending & (1u << id)) && p->due[id] >= 0 && p->due[id] < t)
            t = p->due[id];
    return t;
}

static void push_status(const void *ctx, struct mfw_module_status *st)
{
    const struct mfw_push *p = ctx;
    *st = p->st;
    st->enabled = true;
}

const struct mfw_module_ops mfw_push_module = {
    .kind = MFW_MODULE_WAN,
    .attach = push_attach,
    .detach = push_detach,
    .input = push_input,
    .output = push_output,
    .next_due = push_next_due,
    .status = push_status,
};
