/* SPDX-License-Identifier: Apache-2.0 */
/* dlms_server: associations and the GET / SET / ACTION services over the object model (see
 * dlms_server.h and docs/dlms.md "Associations" and "Services"). */
#include "meterfw/dlms/dlms_server.h"

#include <string.h>

#include "meterfw/base/error.h"
#include "meterfw/codec/axdr.h"
#include "meterfw/dlms/acse.h"

/* What each association may use (Green Book conformance block). The public client reads only. */
#define CONF_PUBLIC                                                                                \
    (MFW_ACSE_CONF_GET | MFW_ACSE_CONF_SELECTIVE_ACCESS | MFW_ACSE_CONF_BLOCK_TRANSFER_WITH_GET |  \
     MFW_ACSE_CONF_MULTIPLE_REFERENCES)
#define CONF_MANAGEMENT                                                                            \
    (CONF_PUBLIC | MFW_ACSE_CONF_SET | MFW_ACSE_CONF_ACTION |                                      \
     MFW_ACSE_CONF_BLOCK_TRANSFER_WITH_SET | MFW_ACSE_CONF_BLOCK_TRANSFER_WITH_ACTION)

/* Bytes kept free in front of a block's raw data: the largest GET-Response-WithDataBlock header
 * (C4 02 invoke last block(4) 00 and a 3-byte length). */
#define BLOCK_HDR_MAX 12u

void mfw_dlms_server_default_config(struct mfw_dlms_server_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->max_pdu = MFW_DLMS_SERVER_MAX_PDU;
}

int mfw_dlms_server_init(struct mfw_dlms_server *s, struct mfw_cosem *cosem,
                         const struct mfw_dlms_server_config *cfg)
{
    if (s == NULL || cosem == NULL || cfg == NULL || cfg->max_pdu < 64 ||
        cfg->max_pdu > MFW_DLMS_SERVER_MAX_PDU)
        return MFW_E_ARG;
    memset(s, 0, sizeof *s);
    s->cosem = cosem;
    s->max_pdu = cfg->max_pdu;
    return MFW_OK;
}

static void reset_blocks(struct mfw_dlms_assoc *a)
{
    a->get_active = false;
    a->get_list = false;
    a->set_active = false;
    a->act_active = false;
    a->pend_len = a->pend_off = 0;
    a->list_len = a->list_off = 0;
    a->set_len = 0;
}

void mfw_dlms_server_close(struct mfw_dlms_server *s, unsigned conn)
{
    if (s == NULL || conn >= MFW_ASSOCIATIONS_MAX)
        return;
    reset_blocks(&s->a[conn]);
    s->a[conn].associated = false;
}

static struct mfw_cosem_ctx ctx_of(struct mfw_dlms_server *s, struct mfw_dlms_assoc *a)
{
    struct mfw_cosem_ctx c = {s->cosem, &a->ses};
    return c;
}

/* ---- association ---- */

static size_t on_aarq(struct mfw_dlms_server *s, struct mfw_dlms_assoc *a, uint8_t sap,
                      const uint8_t *apdu, size_t len, struct mfw_wcursor *w)
{
    struct mfw_acse_aarq rq;
    struct mfw_acse_aare re;
    memset(&re, 0, sizeof re);
    reset_blocks(a);
    a->associated = false;
    const struct mfw_acse_client clients[2] = {
        {MFW_DLMS_SAP_PUBLIC, MFW_ACSE_MECH_LOWEST, {NULL, 0}, CONF_PUBLIC},
        {MFW_DLMS_SAP_MANAGEMENT,
         MFW_ACSE_MECH_LLS,
         {s->cosem->env.secret, s->cosem->env.secret_len},
         CONF_MANAGEMENT},
    };
    const struct mfw_acse_policy pol = {clients, 2, s->max_pdu, false};
    int rc = mfw_acse_parse_aarq(apdu, len, &rq);
    if (rc == MFW_OK)
        rc = mfw_acse_accept(&rq, sap, &pol, &re);
    if (rc != MFW_OK) {
        /* malformed, or a mechanism that needs the security layer (not there yet) */
        memset(&re, 0, sizeof re);
        re.context = MFW_ACSE_CTX_LN;
        re.result = MFW_ACSE_RESULT_REJECTED_PERMANENT;
        re.diag_source = MFW_ACSE_DIAG_SOURCE_USER;
        re.diag = rc == MFW_E_STATE ? MFW_ACSE_DIAG_AUTH_MECH_NAME_NOT_RECOGNISED
                                    : MFW_ACSE_DIAG_NO_REASON_GIVEN;
    }
    if (mfw_acse_build_aare(&re, w) != MFW_OK)
        return 0;
    if (re.result == MFW_ACSE_RESULT_ACCEPTED) {
        a->associated = true;
        a->ses.client =
            sap == MFW_DLMS_SAP_MANAGEMENT ? MFW_COSEM_CLIENT_MANAGEMENT : MFW_COSEM_CLIENT_PUBLIC;
        a->ses.client_sap = sap;
        a->ses.mechanism = re.client_mechanism;
        a->ses.conformance = re.initiate.conformance;
        a->ses.dlms_version = MFW_ACSE_DLMS_VERSION;
        a->ses.client_max_pdu = rq.has_initiate ? rq.initiate.client_max_pdu : 0;
        a->ses.server_max_pdu = s->max_pdu;
        a->max_send =
            re.max_send_pdu != 0 && re.max_send_pdu < s->max_pdu ? re.max_send_pdu : s->max_pdu;
    }
    return w->len;
}

static size_t on_rlrq(struct mfw_dlms_assoc *a, const uint8_t *apdu, size_t len,
                      struct mfw_wcursor *w)
{
    struct mfw_acse_rlrq rq;
    struct mfw_acse_rlre re;
    memset(&re, 0, sizeof re);
    if (mfw_acse_parse_rlrq(apdu, len, &rq) != MFW_OK)
        return 0;
    re.has_reason = true;
    re.reason = MFW_ACSE_RELEASE_NORMAL;
    re.user_info_kind = MFW_ACSE_AARE_UI_NONE;
    reset_blocks(a);
    a->associated = false;
    if (mfw_acse_build_rlre(&re, w) != MFW_OK)
        return 0;
    return w->len;
}

/* ---- GET ---- */

/* Copies the next bytes of the open GET into buf[cap]: the pending item first, then the header,
 * then item after item. *done when everything is out. MFW_OK or an error (an item that does not
 * fit MFW_COSEM_ITEM_MAX, a store failure). */
static int fill(struct mfw_dlms_server *s, struct mfw_dlms_assoc *a, uint8_t *buf, size_t cap,
                size_t *n, bool *done)
{
    struct mfw_cosem_ctx c = ctx_of(s, a);
    *n = 0;
    *done = false;
    if (a->get_list) {
        size_t k = a->list_len - a->list_off;
        if (k > cap)
            k = cap;
        memcpy(buf, a->list_buf + a->list_off, k);
        a->list_off += k;
        *n = k;
        *done = a->list_off == a->list_len;
        return MFW_OK;
    }
    for (;;) {
        if (a->pend_off < a->pend_len) {
            if (*n == cap)
                return MFW_OK;
            size_t k = a->pend_len - a->pend_off;
            if (k > cap - *n)
                k = cap - *n;
            memcpy(buf + *n, a->pend + a->pend_off, k);
            a->pend_off += k;
            *n += k;
            continue;
        }
        struct mfw_wcursor w;
        mfw_wcursor_init(&w, a->pend, sizeof a->pend);
        if (!a->hdr_done) {
            mfw_cosem_get_header(&c, &a->st, &w);
            a->hdr_done = true;
        } else if (a->next_item < a->st.items) {
            int r = mfw_cosem_get_item(&c, &a->st, a->next_item, &w);
            a->next_item++;
            if (r != MFW_DAR_SUCCESS)
                return MFW_E_IO;
        } else {
            *done = true;
            return MFW_OK;
        }
        if (w.err != 0)
            return MFW_E_NOSPACE;
        a->pend_len = w.len;
        a->pend_off = 0;
    }
}

/* Sends the next block (or, for the first one, a normal response when everything fits). */
static size_t send_get(struct mfw_dlms_server *s, struct mfw_dlms_assoc *a, bool first,
                       uint8_t *out, size_t cap)
{
    size_t room = (a->max_send < cap ? a->max_send : cap);
    if (room <= BLOCK_HDR_MAX + 1) { /* a client PDU too small for any block */
        struct mfw_wcursor e;
        mfw_wcursor_init(&e, out, cap);
        a->get_active = false;
        mfw_xdlms_put_get_normal_dar(&e, a->get_invoke, MFW_DAR_OTHER_REASON);
        return e.err == 0 ? e.len : 0;
    }
    size_t n;
    bool done;
    uint8_t *data = out + BLOCK_HDR_MAX;
    int rc = fill(s, a, data, room - BLOCK_HDR_MAX, &n, &done);
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, out, cap);
    if (rc != MFW_OK) {
        a->get_active = false;
        if (first) {
            mfw_xdlms_put_get_normal_dar(&w, a->get_invoke, MFW_DAR_OTHER_REASON);
        } else {
            mfw_xdlms_put_get_block_dar(&w, a->get_invoke, a->get_block + 1,
                                        MFW_DAR_LONG_GET_ABORTED);
        }
        return w.len;
    }
    if (first && done) {
        if (a->get_list) {
            mfw_wcursor_u8(&w, MFW_XDLMS_GET_RESPONSE);
            mfw_wcursor_u8(&w, MFW_XDLMS_GET_WITH_LIST);
            mfw_wcursor_u8(&w, a->get_invoke);
        } else {
            mfw_xdlms_put_get_normal_data_begin(&w, a->get_invoke);
        }
        memmove(out + w.len, data, n);
        a->get_active = false;
        return w.len + n;
    }
    a->get_block++;
    size_t hdr = mfw_xdlms_get_block_overhead(n);
    mfw_xdlms_put_get_block_begin(&w, a->get_invoke, done, a->get_block, n);
    if (w.len != hdr)
        return 0;
    memmove(out + hdr, data, n);
    a->get_active = !done;
    return hdr + n;
}

static size_t on_get(struct mfw_dlms_server *s, struct mfw_dlms_assoc *a, const uint8_t *apdu,
                     size_t len, uint8_t *out, size_t cap)
{
    struct mfw_xdlms_get_req rq;
    memset(&rq, 0, sizeof rq); /* not a static const zero: that is as big again in flash */
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, out, cap);
    if (mfw_xdlms_parse_get(apdu, len, &rq) != MFW_OK) {
        mfw_xdlms_put_confirmed_error(&w, 5, 0);
        return w.len;
    }
    struct mfw_cosem_ctx c = ctx_of(s, a);
    if (rq.kind == MFW_XDLMS_GET_NEXT) {
        if (!a->get_active) {
            mfw_xdlms_put_get_block_dar(&w, rq.invoke, rq.block, MFW_DAR_NO_LONG_GET_IN_PROGRESS);
            return w.len;
        }
        if (rq.block != a->get_block) {
            a->get_active = false;
            mfw_xdlms_put_get_block_dar(&w, rq.invoke, rq.block, MFW_DAR_LONG_GET_ABORTED);
            return w.len;
        }
        a->get_invoke = rq.invoke;
        return send_get(s, a, false, out, cap);
    }
    /* a new GET abandons a long GET in progress */
    reset_blocks(a);
    a->get_invoke = rq.invoke;
    a->get_block = 0;
    if (rq.kind == MFW_XDLMS_GET_NORMAL) {
        int dar = mfw_cosem_get_open(&c, &rq.ref[0], &a->st);
        if (dar != MFW_DAR_SUCCESS) {
            mfw_xdlms_put_get_normal_dar(&w, rq.invoke, (uint8_t)dar);
            return w.len;
        }
        a->hdr_done = false;
        a->next_item = 0;
        a->get_active = true;
        return send_get(s, a, true, out, cap);
    }
    /* with-list: every result built whole into list_buf */
    struct mfw_wcursor lw;
    mfw_wcursor_init(&lw, a->list_buf, sizeof a->list_buf);
    mfw_axdr_put_length(&lw, rq.n);
    for (unsigned i = 0; i < rq.n; i++) {
        struct mfw_cosem_stream st;
        size_t mark = lw.len;
        int dar = mfw_cosem_get_open(&c, &rq.ref[i], &st);
        if (dar == MFW_DAR_SUCCESS) {
            mfw_wcursor_u8(&lw, 0);
            mfw_cosem_get_header(&c, &st, &lw);
            for (uint32_t k = 0; k < st.items && lw.err == 0 && dar == MFW_DAR_SUCCESS; k++)
                dar = mfw_cosem_get_item(&c, &st, k, &lw);
            if (lw.err != 0 || dar != MFW_DAR_SUCCESS) {
                lw.err = 0;
                lw.len = mark;
                dar = MFW_DAR_OTHER_REASON; /* too large for a list answer */
            }
        }
        if (dar != MFW_DAR_SUCCESS) {
            mfw_wcursor_u8(&lw, 1);
            mfw_wcursor_u8(&lw, (uint8_t)dar);
        }
    }
    if (lw.err != 0) {
        mfw_xdlms_put_confirmed_error(&w, 5, 1); /* pdu-size */
        return w.len;
    }
    a->list_len = lw.len;
    a->list_off = 0;
    a->get_list = true;
    a->get_active = true;
    return send_get(s, a, true, out, cap);
}

/* ---- SET ---- */

static size_t on_set(struct mfw_dlms_server *s, struct mfw_dlms_assoc *a, const uint8_t *apdu,
                     size_t len, uint8_t *out, size_t cap)
{
    struct mfw_xdlms_set_req rq;
    memset(&rq, 0, sizeof rq);
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, out, cap);
    if (mfw_xdlms_parse_set(apdu, len, &rq) != MFW_OK) {
        mfw_xdlms_put_confirmed_error(&w, 6, 0);
        return w.len;
    }
    struct mfw_cosem_ctx c = ctx_of(s, a);
    a->act_active = false; /* a SET abandons an ACTION with blocks (they share set_buf) */
    switch (rq.kind) {
    case MFW_XDLMS_SET_NORMAL:
        a->set_active = false;
        mfw_xdlms_put_set_normal(
            &w, rq.invoke, (uint8_t)mfw_cosem_set(&c, &rq.ref[0], rq.value[0].p, rq.value[0].len));
        return w.len;
    case MFW_XDLMS_SET_WITH_LIST: {
        uint8_t res[MFW_XDLMS_LIST_MAX];
        a->set_active = false;
        for (unsigned i = 0; i < rq.n; i++)
            res[i] = (uint8_t)mfw_cosem_set(&c, &rq.ref[i], rq.value[i].p, rq.value[i].len);
        mfw_xdlms_put_set_list(&w, rq.invoke, res, rq.n);
        return w.len;
    }
    case MFW_XDLMS_SET_FIRST_BLOCK:
    case MFW_XDLMS_SET_BLOCK: {
        bool firstb = rq.kind == MFW_XDLMS_SET_FIRST_BLOCK;
        if (firstb) {
            a->set_active = false;
            if (rq.block != 1 || rq.ref[0].has_selection) {
                mfw_xdlms_put_set_last_block(&w, rq.invoke, MFW_DAR_OTHER_REASON, rq.block);
                return w.len;
            }
            a->set_ref = rq.ref[0];
            a->set_ref.params.p = NULL;
            a->set_ref.params.len = 0;
            a->set_len = 0;
            a->set_block = 0;
            a->set_active = true;
        }
        if (!a->set_active) {
            mfw_xdlms_put_set_last_block(&w, rq.invoke, MFW_DAR_NO_LONG_SET_IN_PROGRESS, rq.block);
            return w.len;
        }
        if (rq.block != a->set_block + 1 || rq.raw.len > sizeof a->set_buf - a->set_len) {
            a->set_active = false;
            mfw_xdlms_put_set_last_block(&w, rq.invoke, MFW_DAR_LONG_SET_ABORTED, rq.block);
            return w.len;
        }
        memcpy(a->set_buf + a->set_len, rq.raw.p, rq.raw.len);
        a->set_len += rq.raw.len;
        a->set_block = rq.block;
        if (!rq.last_block) {
            mfw_xdlms_put_set_block_ack(&w, rq.invoke, rq.block);
            return w.len;
        }
        a->set_active = false;
        mfw_xdlms_put_set_last_block(
            &w, rq.invoke, (uint8_t)mfw_cosem_set(&c, &a->set_ref, a->set_buf, a->set_len),
            rq.block);
        return w.len;
    }
    default: mfw_xdlms_put_confirmed_error(&w, 6, 2); return w.len;
    }
}

/* ---- ACTION ---- */

static size_t on_action(struct mfw_dlms_server *s, struct mfw_dlms_assoc *a, const uint8_t *apdu,
                        size_t len, uint8_t *out, size_t cap)
{
    struct mfw_xdlms_action_req rq;
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, out, cap);
    if (mfw_xdlms_parse_action(apdu, len, &rq) != MFW_OK) {
        mfw_xdlms_put_confirmed_error(&w, 6, 0);
        return w.len;
    }
    struct mfw_cosem_ctx c = ctx_of(s, a);
    a->set_active = false; /* an ACTION abandons a SET with blocks (they share set_buf) */
    const struct mfw_cosem_ref *ref = &rq.ref;
    const uint8_t *params = rq.has_params ? rq.params.p : NULL;
    size_t plen = rq.params.len;
    if (rq.kind == MFW_XDLMS_ACTION_NORMAL) {
        a->act_active = false;
    } else {
        /* Parameters in blocks (Green Book 9.3, Action-Request-With-First-Pblock / -With-Pblock
         * [M]): each block but the last is acknowledged with Action-Response-Next-Pblock; the
         * method runs on the last, answered Action-Response-Normal. Results: long-action-aborted
         * (15) for a block out of sequence or parameters beyond MFW_DLMS_SERVER_SET_BUF,
         * no-long-action-in-progress (16) for a block with no transfer. */
        if (!(a->ses.conformance & MFW_ACSE_CONF_BLOCK_TRANSFER_WITH_ACTION)) {
            a->act_active = false;
            mfw_xdlms_put_exception(&w, MFW_XDLMS_STATE_SERVICE_NOT_ALLOWED,
                                    MFW_XDLMS_SERVICE_NOT_SUPPORTED);
            return w.len;
        }
        if (rq.kind == MFW_XDLMS_ACTION_WITH_FIRST_PBLOCK) {
            a->act_active = false;
            if (rq.block != 1) {
                mfw_xdlms_put_action_normal(&w, rq.invoke, MFW_DAR_OTHER_REASON, false);
                return w.len;
            }
            a->act_ref = rq.ref;
            a->set_len = 0;
            a->act_block = 0;
            a->act_active = true;
        }
        if (!a->act_active) {
            mfw_xdlms_put_action_normal(&w, rq.invoke, MFW_DAR_NO_LONG_GET_IN_PROGRESS, false);
            return w.len;
        }
        if (rq.block != a->act_block + 1 || rq.raw.len > sizeof a->set_buf - a->set_len) {
            a->act_active = false;
            mfw_xdlms_put_action_normal(&w, rq.invoke, MFW_DAR_LONG_GET_ABORTED, false);
            return w.len;
        }
        if (rq.raw.len > 0)
            memcpy(a->set_buf + a->set_len, rq.raw.p, rq.raw.len);
        a->set_len += rq.raw.len;
        a->act_block = rq.block;
        if (!rq.last_block) {
            mfw_xdlms_put_action_next_pblock(&w, rq.invoke, rq.block);
            return w.len;
        }
        a->act_active = false;
        ref = &a->act_ref;
        params = a->set_len > 0 ? a->set_buf : NULL;
        plen = a->set_len;
        if (params != NULL) { /* the parameters must be exactly one Data */
            struct mfw_rcursor pc;
            mfw_rcursor_init(&pc, params, plen);
            if (mfw_axdr_skip(&pc, MFW_AXDR_DEPTH_DEFAULT) != MFW_OK ||
                mfw_rcursor_left(&pc) != 0) {
                mfw_xdlms_put_action_normal(&w, rq.invoke, MFW_DAR_TYPE_UNMATCHED, false);
                return w.len;
            }
        }
    }
    uint8_t ret[64];
    struct mfw_wcursor rw;
    mfw_wcursor_init(&rw, ret, sizeof ret);
    bool has_ret = false;
    int r = mfw_cosem_action(&c, ref, params, plen, &rw, &has_ret);
    has_ret = has_ret && rw.err == 0;
    mfw_xdlms_put_action_normal(&w, rq.invoke, (uint8_t)r, has_ret);
    if (has_ret)
        mfw_wcursor_bytes(&w, ret, rw.len);
    return w.len;
}

size_t mfw_dlms_server_apdu(struct mfw_dlms_server *s, unsigned conn, uint8_t client_sap,
                            const uint8_t *apdu, size_t len, uint8_t *out, size_t cap)
{
    if (s == NULL || apdu == NULL || out == NULL || len == 0 || conn >= MFW_ASSOCIATIONS_MAX)
        return 0;
    struct mfw_dlms_assoc *a = &s->a[conn];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, out, cap);
    uint8_t tag = apdu[0];
    if (tag == MFW_ACSE_TAG_AARQ)
        return on_aarq(s, a, client_sap, apdu, len, &w);
    if (tag == MFW_ACSE_TAG_RLRQ)
        return on_rlrq(a, apdu, len, &w);
    bool known = tag == MFW_XDLMS_GET_REQUEST || tag == MFW_XDLMS_SET_REQUEST ||
                 tag == MFW_XDLMS_ACTION_REQUEST;
    if (!known) {
        mfw_xdlms_put_exception(&w, MFW_XDLMS_STATE_SERVICE_UNKNOWN,
                                MFW_XDLMS_SERVICE_NOT_SUPPORTED);
        return w.len;
    }
    /* Green Book: no xDLMS service before the association is established */
    if (!a->associated || a->ses.client_sap != client_sap) {
        mfw_xdlms_put_exception(&w, MFW_XDLMS_STATE_SERVICE_NOT_ALLOWED,
                                MFW_XDLMS_SERVICE_OPERATION_NOT_POSSIBLE);
        return w.len;
    }
    uint32_t need = tag == MFW_XDLMS_GET_REQUEST   ? MFW_ACSE_CONF_GET
                    : tag == MFW_XDLMS_SET_REQUEST ? MFW_ACSE_CONF_SET
                                                   : MFW_ACSE_CONF_ACTION;
    if (!(a->ses.conformance & need)) {
        mfw_xdlms_put_exception(&w, MFW_XDLMS_STATE_SERVICE_NOT_ALLOWED,
                                MFW_XDLMS_SERVICE_NOT_SUPPORTED);
        return w.len;
    }
    if (tag == MFW_XDLMS_GET_REQUEST)
        return on_get(s, a, apdu, len, out, cap);
    if (tag == MFW_XDLMS_SET_REQUEST)
        return on_set(s, a, apdu, len, out, cap);
    return on_action(s, a, apdu, len, out, cap);
}
