/* SPDX-License-Identifier: Apache-2.0 */
/* dlms_client: request builders and response parsers of a DLMS/COSEM client (see dlms_client.h).
 * Green Book (DLMS UA 1000-2 = IEC 62056-5-3) 9.4 for the ACSE APDUs (BER), 9.5 for the xDLMS
 * APDUs (A-XDR). Encodings were checked byte for byte against the Gurux client's frames in the
 * captured exchanges (tests/test_dlms_client.c). */
#include "meterfw/dlms/dlms_client.h"

#include <string.h>

#include "meterfw/base/error.h"
#include "meterfw/codec/axdr.h"

/* 2.16.756.5.8 = 60 85 74 05 08 (joint-iso-ccitt country(16) ch(756) identified-organization(5)
 * DLMS-UA(8)); then 1 = application-context-name, 2 = mechanism-name, then the id. */
static const uint8_t dlms_ua_prefix[5] = {0x60, 0x85, 0x74, 0x05, 0x08};
#define OID_LEN 7u
#define OID_KIND_CONTEXT 1u
#define OID_KIND_MECHANISM 2u

static void put_oid(struct mfw_wcursor *w, uint8_t tag, uint8_t kind, uint8_t id)
{
    mfw_wcursor_u8(w, tag);
    mfw_wcursor_u8(w, (uint8_t)(2 + OID_LEN));
    mfw_wcursor_u8(w, 0x06); /* OBJECT IDENTIFIER */
    mfw_wcursor_u8(w, OID_LEN);
    mfw_wcursor_bytes(w, dlms_ua_prefix, sizeof(dlms_ua_prefix));
    mfw_wcursor_u8(w, kind);
    mfw_wcursor_u8(w, id);
}

static int wc_result(const struct mfw_wcursor *w)
{
    return w->err ? w->err : MFW_OK;
}

/* ---- AARQ (Green Book 9.4.2.2, AARQ-apdu ::= [APPLICATION 0] IMPLICIT SEQUENCE) ---- */

int mfw_dlms_client_build_aarq(const struct mfw_dlms_client_aarq_params *p, struct mfw_wcursor *w)
{
    if (!p || !w)
        return MFW_E_ARG;
    bool hls = p->mechanism == MFW_ACSE_MECH_HLS_GMAC;
    if (p->mechanism != MFW_ACSE_MECH_LOWEST && p->mechanism != MFW_ACSE_MECH_LLS && !hls)
        return MFW_E_ARG;
    if (p->mechanism != MFW_ACSE_MECH_LOWEST &&
        (!p->password || p->password_len == 0 || p->password_len > 127))
        return MFW_E_ARG;
    if (hls && (p->calling_title == NULL || p->password_len < MFW_ACSE_CHALLENGE_MIN ||
                p->password_len > MFW_ACSE_CHALLENGE_MAX))
        return MFW_E_ARG;
    bool ciphered = hls && p->crypto != NULL;
    uint8_t body[256];
    struct mfw_wcursor b;
    mfw_wcursor_init(&b, body, sizeof(body));
    /* [1] application-context-name: LN referencing, with ciphering for HLS-GMAC */
    put_oid(&b, 0xA1, OID_KIND_CONTEXT, ciphered ? MFW_ACSE_CTX_LN_CIPHERED : MFW_ACSE_CTX_LN);
    if (hls) { /* [6] calling-AP-title: OCTET STRING of the client's system title */
        mfw_wcursor_u8(&b, 0xA6);
        mfw_wcursor_u8(&b, 0x0A);
        mfw_wcursor_u8(&b, 0x04);
        mfw_wcursor_u8(&b, 0x08);
        mfw_wcursor_bytes(&b, p->calling_title, 8);
    }
    if (p->mechanism != MFW_ACSE_MECH_LOWEST) {
        /* [10] sender-acse-requirements: BIT STRING {authentication(0)}: 07 unused bits, 0x80 */
        mfw_wcursor_u8(&b, 0x8A);
        mfw_wcursor_u8(&b, 0x02);
        mfw_wcursor_u8(&b, 0x07);
        mfw_wcursor_u8(&b, 0x80);
        /* [11] mechanism-name (IMPLICIT OBJECT IDENTIFIER, so no inner 06 tag) */
        mfw_wcursor_u8(&b, 0x8B);
        mfw_wcursor_u8(&b, OID_LEN);
        mfw_wcursor_bytes(&b, dlms_ua_prefix, sizeof(dlms_ua_prefix));
        mfw_wcursor_u8(&b, OID_KIND_MECHANISM);
        mfw_wcursor_u8(&b, p->mechanism);
        /* [12] calling-authentication-value: Authentication-value CHOICE charstring [0] */
        mfw_wcursor_u8(&b, 0xAC);
        mfw_axdr_put_length(&b, p->password_len + 2);
        mfw_wcursor_u8(&b, 0x80);
        mfw_axdr_put_length(&b, p->password_len);
        mfw_wcursor_bytes(&b, p->password, p->password_len);
    }
    /* [30] user-information: OCTET STRING holding the xDLMS InitiateRequest (A-XDR):
     * 01 tag, dedicated-key absent (00), response-allowed default (00), proposed-qos absent (00),
     * proposed-dlms-version-number, proposed-conformance [APPLICATION 31] (5F 1F, length 4,
     * 0 unused bits, 3 bytes), client-max-receive-pdu-size. Ciphered: glo-initiate-request. */
    uint8_t ini[14];
    struct mfw_wcursor iw;
    mfw_wcursor_init(&iw, ini, sizeof ini);
    mfw_wcursor_u8(&iw, MFW_ACSE_XDLMS_INITIATE_REQUEST);
    mfw_wcursor_u8(&iw, 0x00);
    mfw_wcursor_u8(&iw, 0x00);
    mfw_wcursor_u8(&iw, 0x00);
    mfw_wcursor_u8(&iw, MFW_ACSE_DLMS_VERSION);
    mfw_wcursor_u8(&iw, 0x5F);
    mfw_wcursor_u8(&iw, 0x1F);
    mfw_wcursor_u8(&iw, 0x04);
    mfw_wcursor_u8(&iw, 0x00);
    mfw_wcursor_u8(&iw, (uint8_t)(p->conformance >> 16));
    mfw_wcursor_u8(&iw, (uint8_t)(p->conformance >> 8));
    mfw_wcursor_u8(&iw, (uint8_t)p->conformance);
    mfw_wcursor_u16be(&iw, p->max_pdu);
    uint8_t ui[64];
    struct mfw_wcursor uw;
    mfw_wcursor_init(&uw, ui, sizeof ui);
    if (ciphered) {
        int rc = mfw_security_cipher(p->crypto, p->keys, MFW_SECURITY_GLO_INITIATE_REQUEST,
                                     p->calling_title, p->sc, p->ic, ini, iw.len, &uw);
        if (rc != MFW_OK)
            return rc;
    } else {
        mfw_wcursor_bytes(&uw, ini, iw.len);
    }
    mfw_wcursor_u8(&b, 0xBE);
    mfw_axdr_put_length(&b, uw.len + 2);
    mfw_wcursor_u8(&b, 0x04);
    mfw_axdr_put_length(&b, uw.len);
    mfw_wcursor_bytes(&b, ui, uw.len);
    if (b.err)
        return b.err;
    mfw_wcursor_u8(w, MFW_ACSE_TAG_AARQ);
    mfw_axdr_put_length(w, b.len);
    mfw_wcursor_bytes(w, body, b.len);
    return wc_result(w);
}

/* ---- BER reading ---- */

/* One TLV with a single-byte tag: *tag, and a sub-cursor over the contents. */
static int get_tlv(struct mfw_rcursor *rc, uint8_t *tag, struct mfw_rcursor *contents)
{
    *tag = mfw_rcursor_u8(rc);
    size_t n = 0;
    /* BER definite length (X.690 8.1.3): the A-XDR length reader, bounded by what is left */
    if (rc->err || mfw_axdr_get_length(rc, &n) != MFW_OK) {
        rc->err = MFW_E_FORMAT;
        return MFW_E_FORMAT;
    }
    *contents = mfw_rcursor_sub(rc, n);
    return MFW_OK;
}

/* An OID 2.16.756.5.8.kind.id (contents only): the id, or 0xFF if another OID. */
static uint8_t oid_id(struct mfw_rcursor *c, uint8_t kind)
{
    size_t n = mfw_rcursor_left(c);
    const uint8_t *p = mfw_rcursor_take(c, n);
    if (!p || n != OID_LEN || memcmp(p, dlms_ua_prefix, sizeof(dlms_ua_prefix)) != 0 ||
        p[5] != kind)
        return 0xFF;
    return p[6];
}

/* INTEGER of one byte inside [n] (02 01 v). */
static int get_small_int(struct mfw_rcursor *c, uint8_t *v)
{
    uint8_t tag;
    struct mfw_rcursor in;
    if (get_tlv(c, &tag, &in) != MFW_OK || tag != 0x02 || mfw_rcursor_left(&in) < 1)
        return MFW_E_FORMAT;
    /* a long form would be a non-minimal INTEGER; take the last byte of a short one */
    size_t n = mfw_rcursor_left(&in);
    if (n > 2)
        return MFW_E_FORMAT;
    const uint8_t *p = mfw_rcursor_take(&in, n);
    *v = p[n - 1];
    return MFW_OK;
}

static int parse_initiate_response(struct mfw_rcursor *x, struct mfw_acse_initiate_resp *r)
{
    memset(r, 0, sizeof(*r));
    if (mfw_rcursor_u8(x) != MFW_ACSE_XDLMS_INITIATE_RESPONSE)
        return MFW_E_FORMAT;
    uint8_t has_qos = mfw_rcursor_u8(x);
    if (has_qos > 1)
        return MFW_E_FORMAT;
    if (has_qos) {
        r->has_qos = true;
        r->qos = (int8_t)mfw_rcursor_u8(x);
    }
    r->dlms_version = mfw_rcursor_u8(x);
    if (mfw_rcursor_u8(x) != 0x5F || mfw_rcursor_u8(x) != 0x1F || mfw_rcursor_u8(x) != 0x04 ||
        mfw_rcursor_u8(x) != 0x00)
        return MFW_E_FORMAT;
    uint32_t c = (uint32_t)mfw_rcursor_u8(x) << 16;
    c |= (uint32_t)mfw_rcursor_u8(x) << 8;
    c |= mfw_rcursor_u8(x);
    r->conformance = c;
    r->server_max_pdu = mfw_rcursor_u16be(x);
    r->vaa_name = mfw_rcursor_u16be(x);
    if (x->err || mfw_rcursor_left(x) != 0)
        return MFW_E_FORMAT;
    return MFW_OK;
}

int mfw_dlms_client_parse_aare(const uint8_t *buf, size_t len, struct mfw_acse_aare *out)
{
    if (!buf || !out)
        return MFW_E_ARG;
    memset(out, 0, sizeof(*out));
    struct mfw_rcursor rc, body;
    uint8_t tag;
    mfw_rcursor_init(&rc, buf, len);
    if (get_tlv(&rc, &tag, &body) != MFW_OK || tag != MFW_ACSE_TAG_AARE ||
        mfw_rcursor_left(&rc) != 0)
        return MFW_E_FORMAT;
    bool have_ctx = false, have_result = false;
    while (mfw_rcursor_left(&body) > 0) {
        struct mfw_rcursor el;
        if (get_tlv(&body, &tag, &el) != MFW_OK)
            return MFW_E_FORMAT;
        switch (tag) {
        case 0xA1: { /* application-context-name */
            struct mfw_rcursor oid;
            if (get_tlv(&el, &tag, &oid) != MFW_OK || tag != 0x06)
                return MFW_E_FORMAT;
            uint8_t id = oid_id(&oid, OID_KIND_CONTEXT);
            out->context = (id >= MFW_ACSE_CTX_LN && id <= MFW_ACSE_CTX_SN_CIPHERED)
                               ? id
                               : MFW_ACSE_CTX_UNKNOWN;
            have_ctx = true;
            break;
        }
        case 0xA2: /* result */
            if (get_small_int(&el, &out->result) != MFW_OK)
                return MFW_E_FORMAT;
            have_result = true;
            break;
        case 0xA3: { /* result-source-diagnostic: CHOICE [1] user / [2] provider */
            struct mfw_rcursor in;
            if (get_tlv(&el, &tag, &in) != MFW_OK || (tag != 0xA1 && tag != 0xA2))
                return MFW_E_FORMAT;
            out->diag_source =
                tag == 0xA1 ? MFW_ACSE_DIAG_SOURCE_USER : MFW_ACSE_DIAG_SOURCE_PROVIDER;
            if (get_small_int(&in, &out->diag) != MFW_OK)
                return MFW_E_FORMAT;
            break;
        }
        case 0xA4: { /* responding-AP-title: OCTET STRING (the server system title) */
            struct mfw_rcursor in;
            if (get_tlv(&el, &tag, &in) != MFW_OK || tag != 0x04 || mfw_rcursor_left(&in) != 8)
                return MFW_E_FORMAT;
            mfw_rcursor_bytes(&in, out->responding_ap_title, 8);
            out->has_responding_ap_title = true;
            break;
        }
        case 0x89: { /* mechanism-name */
            uint8_t id = oid_id(&el, OID_KIND_MECHANISM);
            out->has_mechanism = true;
            out->mechanism = id < 0x80 ? id : MFW_ACSE_MECH_UNKNOWN;
            break;
        }
        case 0xAA: { /* responding-authentication-value: charstring [0] */
            struct mfw_rcursor in;
            if (get_tlv(&el, &tag, &in) != MFW_OK)
                return MFW_E_FORMAT;
            out->has_auth_value = true;
            out->auth_value.len = mfw_rcursor_left(&in);
            out->auth_value.p = mfw_rcursor_take(&in, out->auth_value.len);
            break;
        }
        case 0xBE: { /* user-information: OCTET STRING with an xDLMS APDU */
            struct mfw_rcursor os;
            if (get_tlv(&el, &tag, &os) != MFW_OK || tag != 0x04 || mfw_rcursor_left(&os) == 0)
                return MFW_E_FORMAT;
            out->user_info_raw.len = mfw_rcursor_left(&os);
            out->user_info_raw.p = os.p + os.pos;
            uint8_t x = os.p[os.pos];
            if (x == MFW_ACSE_XDLMS_INITIATE_RESPONSE) {
                if (parse_initiate_response(&os, &out->initiate) != MFW_OK)
                    return MFW_E_FORMAT;
                out->user_info_kind = MFW_ACSE_AARE_UI_INITIATE;
            } else if (x == MFW_ACSE_XDLMS_CONFIRMED_SERVICE_ERROR) {
                /* 0E, initiateError [1], ServiceError initiate [6], value */
                mfw_rcursor_u8(&os);
                uint8_t which = mfw_rcursor_u8(&os), kind = mfw_rcursor_u8(&os),
                        v = mfw_rcursor_u8(&os);
                if (os.err || mfw_rcursor_left(&os) != 0)
                    return MFW_E_FORMAT;
                (void)which;
                (void)kind;
                out->initiate_error = v;
                out->user_info_kind = MFW_ACSE_AARE_UI_ERROR;
            } else {
                out->user_info_kind = MFW_ACSE_AARE_UI_RAW;
            }
            break;
        }
        default: /* responder-acse-requirements (88), implementation data, ...: not needed */ break;
        }
    }
    if (!have_ctx || !have_result || body.err)
        return MFW_E_FORMAT;
    out->client_mechanism = out->has_mechanism ? out->mechanism : MFW_ACSE_MECH_LOWEST;
    out->max_send_pdu = out->initiate.server_max_pdu;
    return MFW_OK;
}

/* ---- Release ---- */

int mfw_dlms_client_build_rlrq(struct mfw_wcursor *w)
{
    if (!w)
        return MFW_E_ARG;
    static const uint8_t rlrq[] = {MFW_ACSE_TAG_RLRQ, 0x03, 0x80, 0x01, MFW_ACSE_RELEASE_NORMAL};
    mfw_wcursor_bytes(w, rlrq, sizeof(rlrq));
    return wc_result(w);
}

int mfw_dlms_client_parse_rlre(const uint8_t *buf, size_t len, struct mfw_acse_rlre *out)
{
    if (!buf || !out)
        return MFW_E_ARG;
    memset(out, 0, sizeof(*out));
    struct mfw_rcursor rc, body;
    uint8_t tag;
    mfw_rcursor_init(&rc, buf, len);
    if (get_tlv(&rc, &tag, &body) != MFW_OK || tag != MFW_ACSE_TAG_RLRE ||
        mfw_rcursor_left(&rc) != 0)
        return MFW_E_FORMAT;
    while (mfw_rcursor_left(&body) > 0) {
        struct mfw_rcursor el;
        if (get_tlv(&body, &tag, &el) != MFW_OK)
            return MFW_E_FORMAT;
        if (tag == 0x80) { /* reason [0] IMPLICIT INTEGER */
            if (mfw_rcursor_left(&el) != 1)
                return MFW_E_FORMAT;
            out->has_reason = true;
            out->reason = mfw_rcursor_u8(&el);
        } else if (tag == 0xBE) {
            out->user_info_kind = MFW_ACSE_AARE_UI_RAW;
            out->user_info_raw.len = mfw_rcursor_left(&el);
            out->user_info_raw.p = el.p + el.pos;
        }
    }
    return MFW_OK;
}

/* ---- xDLMS requests ---- */

static void put_ref(struct mfw_wcursor *w, const struct mfw_dlms_client_ref *r)
{
    mfw_wcursor_u16be(w, r->class_id);
    mfw_wcursor_bytes(w, r->ln, 6);
    mfw_wcursor_u8(w, (uint8_t)r->index);
}

/* Selective-Access-Descriptor OPTIONAL: 00, or 01 access-selector access-parameters. */
static int put_access(struct mfw_wcursor *w, const struct mfw_dlms_client_access *a)
{
    if (!a || a->selector == MFW_DLMS_CLIENT_SEL_NONE) {
        mfw_wcursor_u8(w, 0x00);
        return MFW_OK;
    }
    mfw_wcursor_u8(w, 0x01);
    mfw_wcursor_u8(w, a->selector);
    if (a->selector == MFW_DLMS_CLIENT_SEL_RANGE) {
        /* Blue Book 4.3.6: range_descriptor ::= structure {restricting_object
         * capture_object_definition, from_value, to_value, selected_values array} */
        mfw_axdr_put_structure_header(w, 4);
        mfw_axdr_put_structure_header(w, 4);
        mfw_axdr_put_u16(w, a->restricting.class_id);
        mfw_axdr_put_octets(w, a->restricting.ln, 6);
        mfw_axdr_put_i8(w, a->restricting.index);
        mfw_axdr_put_u16(w, a->data_index);
        mfw_axdr_put_datetime_octets(w, &a->from);
        mfw_axdr_put_datetime_octets(w, &a->to);
        mfw_axdr_put_array_header(w, 0);
    } else if (a->selector == MFW_DLMS_CLIENT_SEL_ENTRY) {
        /* entry_descriptor ::= structure {from_entry double-long-unsigned, to_entry,
         * from_selected_value long-unsigned, to_selected_value} */
        mfw_axdr_put_structure_header(w, 4);
        mfw_axdr_put_u32(w, a->from_entry);
        mfw_axdr_put_u32(w, a->to_entry);
        mfw_axdr_put_u16(w, a->from_column);
        mfw_axdr_put_u16(w, a->to_column);
    } else {
        return MFW_E_ARG;
    }
    return MFW_OK;
}

int mfw_dlms_client_build_get(uint8_t invoke, const struct mfw_dlms_client_ref *attr,
                              const struct mfw_dlms_client_access *access, struct mfw_wcursor *w)
{
    if (!attr || !w)
        return MFW_E_ARG;
    mfw_wcursor_u8(w, MFW_XDLMS_GET_REQUEST);
    mfw_wcursor_u8(w, MFW_XDLMS_GET_NORMAL);
    mfw_wcursor_u8(w, invoke);
    put_ref(w, attr);
    if (put_access(w, access) != MFW_OK)
        return MFW_E_ARG;
    return wc_result(w);
}

int mfw_dlms_client_build_get_next(uint8_t invoke, uint32_t block_number, struct mfw_wcursor *w)
{
    if (!w)
        return MFW_E_ARG;
    mfw_wcursor_u8(w, MFW_XDLMS_GET_REQUEST);
    mfw_wcursor_u8(w, MFW_XDLMS_GET_NEXT);
    mfw_wcursor_u8(w, invoke);
    mfw_wcursor_u32be(w, block_number);
    return wc_result(w);
}

int mfw_dlms_client_build_get_list(uint8_t invoke, const struct mfw_dlms_client_ref *attrs,
                                   const struct mfw_dlms_client_access *const *access, size_t n,
                                   struct mfw_wcursor *w)
{
    if (!attrs || !w || n == 0)
        return MFW_E_ARG;
    mfw_wcursor_u8(w, MFW_XDLMS_GET_REQUEST);
    mfw_wcursor_u8(w, MFW_XDLMS_GET_WITH_LIST);
    mfw_wcursor_u8(w, invoke);
    mfw_axdr_put_length(w, n); /* SEQUENCE OF: A-XDR quantity */
    for (size_t i = 0; i < n; i++) {
        put_ref(w, &attrs[i]);
        if (put_access(w, access ? access[i] : NULL) != MFW_OK)
            return MFW_E_ARG;
    }
    return wc_result(w);
}

int mfw_dlms_client_build_set(uint8_t invoke, const struct mfw_dlms_client_ref *attr,
                              const struct mfw_dlms_client_access *access, const uint8_t *value,
                              size_t value_len, struct mfw_wcursor *w)
{
    if (!attr || !w || !value || value_len == 0)
        return MFW_E_ARG;
    mfw_wcursor_u8(w, MFW_XDLMS_SET_REQUEST);
    mfw_wcursor_u8(w, 1); /* set-request-normal */
    mfw_wcursor_u8(w, invoke);
    put_ref(w, attr);
    if (put_access(w, access) != MFW_OK)
        return MFW_E_ARG;
    mfw_wcursor_bytes(w, value, value_len);
    return wc_result(w);
}

int mfw_dlms_client_build_action(uint8_t invoke, const struct mfw_dlms_client_ref *method,
                                 const uint8_t *params, size_t params_len, struct mfw_wcursor *w)
{
    if (!method || !w || (params && params_len == 0))
        return MFW_E_ARG;
    mfw_wcursor_u8(w, MFW_XDLMS_ACTION_REQUEST);
    mfw_wcursor_u8(w, 1); /* action-request-normal */
    mfw_wcursor_u8(w, invoke);
    put_ref(w, method);
    if (params) {
        mfw_wcursor_u8(w, 0x01);
        mfw_wcursor_bytes(w, params, params_len);
    } else {
        mfw_wcursor_u8(w, 0x00);
    }
    return wc_result(w);
}

/* ---- xDLMS responses ---- */

static bool is_error_tag(const uint8_t *apdu, size_t len)
{
    return len > 0 && (apdu[0] == MFW_XDLMS_EXCEPTION_RESPONSE ||
                       apdu[0] == MFW_XDLMS_CONFIRMED_SERVICE_ERROR);
}

/* Get-Data-Result ::= CHOICE { data [0] Data, data-access-result [1] } */
int mfw_dlms_client_next_result(struct mfw_rcursor *rc, struct mfw_dlms_client_result *out)
{
    if (!rc || !out)
        return MFW_E_ARG;
    memset(out, 0, sizeof(*out));
    uint8_t choice = mfw_rcursor_u8(rc);
    if (rc->err)
        return MFW_E_FORMAT;
    if (choice == 0) {
        size_t start = rc->pos;
        if (mfw_axdr_skip(rc, MFW_AXDR_DEPTH_MAX) != MFW_OK)
            return MFW_E_FORMAT;
        out->is_data = true;
        out->data = rc->p + start;
        out->data_len = rc->pos - start;
        return MFW_OK;
    }
    if (choice == 1) {
        out->dar = mfw_rcursor_u8(rc);
        return rc->err ? MFW_E_FORMAT : MFW_OK;
    }
    rc->err = MFW_E_FORMAT;
    return MFW_E_FORMAT;
}

int mfw_dlms_client_parse_get_response(const uint8_t *apdu, size_t len,
                                       struct mfw_dlms_client_get_response *out)
{
    if (!apdu || !out)
        return MFW_E_ARG;
    memset(out, 0, sizeof(*out));
    if (is_error_tag(apdu, len))
        return MFW_E_STATE;
    struct mfw_rcursor rc;
    mfw_rcursor_init(&rc, apdu, len);
    if (mfw_rcursor_u8(&rc) != MFW_XDLMS_GET_RESPONSE)
        return MFW_E_FORMAT;
    out->type = mfw_rcursor_u8(&rc);
    out->invoke = mfw_rcursor_u8(&rc);
    if (rc.err)
        return MFW_E_FORMAT;
    switch (out->type) {
    case MFW_XDLMS_GET_NORMAL:
        if (mfw_dlms_client_next_result(&rc, &out->result) != MFW_OK)
            return MFW_E_FORMAT;
        /* Bytes after the value (the Gurux server's clock answer has some) are reported, not
         * refused: the value itself is whole. */
        out->trailing_len = mfw_rcursor_left(&rc);
        return MFW_OK;
    case MFW_DLMS_CLIENT_GET_RESPONSE_DATABLOCK: {
        /* DataBlock-G ::= SEQUENCE { last-block BOOLEAN, block-number Unsigned32,
         * result CHOICE { raw-data [0] OCTET STRING, data-access-result [1] } } */
        uint8_t last = mfw_rcursor_u8(&rc);
        out->last_block = last != 0;
        out->block_number = mfw_rcursor_u32be(&rc);
        uint8_t choice = mfw_rcursor_u8(&rc);
        if (rc.err)
            return MFW_E_FORMAT;
        if (choice == 0) {
            size_t n;
            if (mfw_axdr_get_length(&rc, &n) != MFW_OK)
                return MFW_E_FORMAT;
            out->raw_ok = true;
            out->raw = mfw_rcursor_take(&rc, n);
            out->raw_len = n;
            if (rc.err || mfw_rcursor_left(&rc) != 0)
                return MFW_E_FORMAT;
        } else if (choice == 1) {
            out->result.dar = mfw_rcursor_u8(&rc);
            if (rc.err || mfw_rcursor_left(&rc) != 0)
                return MFW_E_FORMAT;
        } else {
            return MFW_E_FORMAT;
        }
        return MFW_OK;
    }
    case MFW_XDLMS_GET_WITH_LIST: {
        size_t n;
        if (mfw_axdr_get_length(&rc, &n) != MFW_OK)
            return MFW_E_FORMAT;
        out->count = (uint32_t)n;
        out->list = rc.p + rc.pos;
        out->list_len = mfw_rcursor_left(&rc);
        /* validate the whole list now, so the caller's iteration cannot fail half-way */
        struct mfw_rcursor v = rc;
        for (size_t i = 0; i < n; i++) {
            struct mfw_dlms_client_result r;
            if (mfw_dlms_client_next_result(&v, &r) != MFW_OK)
                return MFW_E_FORMAT;
        }
        if (mfw_rcursor_left(&v) != 0)
            return MFW_E_FORMAT;
        return MFW_OK;
    }
    default: return MFW_E_FORMAT;
    }
}

void mfw_dlms_client_blocks_init(struct mfw_dlms_client_blocks *b, uint8_t *buf, size_t cap,
                                 dlmsc_sink_fn sink, void *user)
{
    memset(b, 0, sizeof(*b));
    b->buf = buf;
    b->cap = cap;
    b->sink = sink;
    b->user = user;
    b->expect = 1;
}

static int deliver(struct mfw_dlms_client_blocks *b, const uint8_t *p, size_t n)
{
    b->total += n;
    if (b->sink)
        return b->sink(b->user, p, n);
    if (!b->buf || n > b->cap - b->len)
        return MFW_E_NOSPACE;
    if (n)
        memcpy(b->buf + b->len, p, n);
    b->len += n;
    return 0;
}

int mfw_dlms_client_blocks_feed(struct mfw_dlms_client_blocks *b,
                                const struct mfw_dlms_client_get_response *r)
{
    if (!b || !r)
        return MFW_E_ARG;
    if (b->done)
        return MFW_E_STATE;
    int rc;
    switch (r->type) {
    case MFW_XDLMS_GET_NORMAL:
        if (b->blocks != 0)
            return MFW_E_FORMAT;
        if (!r->result.is_data) {
            b->has_dar = true;
            b->dar = r->result.dar;
            return MFW_E_STATE;
        }
        rc = deliver(b, r->result.data, r->result.data_len);
        if (rc)
            return rc;
        b->done = true;
        return 1;
    case MFW_DLMS_CLIENT_GET_RESPONSE_DATABLOCK:
        if (!r->raw_ok) {
            b->has_dar = true;
            b->dar = r->result.dar;
            return MFW_E_STATE;
        }
        if (r->block_number != b->expect)
            return MFW_E_FORMAT;
        rc = deliver(b, r->raw, r->raw_len);
        if (rc)
            return rc;
        b->blocks++;
        b->expect++;
        if (r->last_block) {
            b->done = true;
            return 1;
        }
        return 0;
    default: return MFW_E_FORMAT;
    }
}

int mfw_dlms_client_parse_set_response(const uint8_t *apdu, size_t len, uint8_t *invoke,
                                       uint8_t *dar)
{
    if (!apdu || !invoke || !dar)
        return MFW_E_ARG;
    if (is_error_tag(apdu, len))
        return MFW_E_STATE;
    struct mfw_rcursor rc;
    mfw_rcursor_init(&rc, apdu, len);
    if (mfw_rcursor_u8(&rc) != MFW_XDLMS_SET_RESPONSE || mfw_rcursor_u8(&rc) != 1)
        return MFW_E_FORMAT;
    *invoke = mfw_rcursor_u8(&rc);
    *dar = mfw_rcursor_u8(&rc);
    if (rc.err || mfw_rcursor_left(&rc) != 0)
        return MFW_E_FORMAT;
    return MFW_OK;
}

int mfw_dlms_client_parse_action_response(const uint8_t *apdu, size_t len,
                                          struct mfw_dlms_client_action_response *out)
{
    if (!apdu || !out)
        return MFW_E_ARG;
    memset(out, 0, sizeof(*out));
    if (is_error_tag(apdu, len))
        return MFW_E_STATE;
    struct mfw_rcursor rc;
    mfw_rcursor_init(&rc, apdu, len);
    if (mfw_rcursor_u8(&rc) != MFW_XDLMS_ACTION_RESPONSE || mfw_rcursor_u8(&rc) != 1)
        return MFW_E_FORMAT;
    out->invoke = mfw_rcursor_u8(&rc);
    out->result = mfw_rcursor_u8(&rc);
    if (rc.err)
        return MFW_E_FORMAT;
    /* return-parameters Get-Data-Result OPTIONAL; a server may leave the flag out entirely */
    if (mfw_rcursor_left(&rc) == 0)
        return MFW_OK;
    uint8_t has = mfw_rcursor_u8(&rc);
    if (has == 1) {
        if (mfw_dlms_client_next_result(&rc, &out->ret) != MFW_OK)
            return MFW_E_FORMAT;
        out->has_return = true;
    } else if (has != 0) {
        return MFW_E_FORMAT;
    }
    if (rc.err || mfw_rcursor_left(&rc) != 0)
        return MFW_E_FORMAT;
    return MFW_OK;
}

int mfw_dlms_client_parse_error(const uint8_t *apdu, size_t len, struct mfw_dlms_client_error *out)
{
    if (!apdu || !out)
        return MFW_E_ARG;
    memset(out, 0, sizeof(*out));
    struct mfw_rcursor rc;
    mfw_rcursor_init(&rc, apdu, len);
    out->tag = mfw_rcursor_u8(&rc);
    if (out->tag == MFW_XDLMS_EXCEPTION_RESPONSE) {
        /* ExceptionResponse ::= SEQUENCE { state-error [0] IMPLICIT ENUMERATED,
         * service-error [1] CHOICE { ..., invocation-counter-error [6] IMPLICIT Unsigned32 } } */
        out->state_error = mfw_rcursor_u8(&rc);
        out->service_error = mfw_rcursor_u8(&rc);
        if (out->service_error == 6)
            out->invocation_counter = mfw_rcursor_u32be(&rc);
    } else if (out->tag == MFW_XDLMS_CONFIRMED_SERVICE_ERROR) {
        out->service = mfw_rcursor_u8(&rc);
        out->error_type = mfw_rcursor_u8(&rc);
        out->value = mfw_rcursor_u8(&rc);
    } else {
        return MFW_E_FORMAT;
    }
    if (rc.err || mfw_rcursor_left(&rc) != 0)
        return MFW_E_FORMAT;
    return MFW_OK;
}

/* ---- names ---- */

const char *mfw_dlms_client_dar_name(uint8_t dar)
{
    switch (dar) {
    case MFW_DAR_SUCCESS: return "success";
    case MFW_DAR_HARDWARE_FAULT: return "hardware-fault";
    case MFW_DAR_TEMPORARY_FAILURE: return "temporary-failure";
    case MFW_DAR_READ_WRITE_DENIED: return "read-write-denied";
    case MFW_DAR_OBJECT_UNDEFINED: return "object-undefined";
    case MFW_DAR_OBJECT_CLASS_INCONSISTENT: return "object-class-inconsistent";
    case MFW_DAR_OBJECT_UNAVAILABLE: return "object-unavailable";
    case MFW_DAR_TYPE_UNMATCHED: return "type-unmatched";
    case MFW_DAR_SCOPE_OF_ACCESS_VIOLATED: return "scope-of-access-violated";
    case MFW_DAR_DATA_BLOCK_UNAVAILABLE: return "data-block-unavailable";
    case MFW_DAR_LONG_GET_ABORTED: return "long-get-aborted";
    case MFW_DAR_NO_LONG_GET_IN_PROGRESS: return "no-long-get-in-progress";
    case MFW_DAR_LONG_SET_ABORTED: return "long-set-aborted";
    case MFW_DAR_NO_LONG_SET_IN_PROGRESS: return "no-long-set-in-progress";
    case MFW_DAR_DATA_BLOCK_NUMBER_INVALID: return "data-block-number-invalid";
    case MFW_DAR_OTHER_REASON: return "other-reason";
    default: return "unknown";
    }
}

const char *mfw_dlms_client_action_result_name(uint8_t result)
{
    switch (result) {
    case 15: return "long-action-aborted";
    case 16: return "no-long-action-in-progress";
    case 17:
    case 18:
    case 19: return "unknown";
    default: return mfw_dlms_client_dar_name(result);
    }
}

const char *mfw_dlms_client_state_error_name(uint8_t v)
{
    switch (v) {
    case 1: return "service-not-allowed";
    case 2: return "service-unknown";
    default: return "unknown";
    }
}

const char *mfw_dlms_client_service_error_name(uint8_t v)
{
    switch (v) {
    case 1: return "operation-not-possible";
    case 2: return "service-not-supported";
    case 3: return "other-reason";
    case 4: return "pdu-too-long";
    case 5: return "deciphering-error";
    case 6: return "invocation-counter-error";
    default: return "unknown";
    }
}

const char *mfw_dlms_client_aare_diag_name(uint8_t source, uint8_t diag)
{
    if (source == MFW_ACSE_DIAG_SOURCE_PROVIDER) {
        switch (diag) {
        case MFW_ACSE_PDIAG_NULL: return "null";
        case MFW_ACSE_PDIAG_NO_REASON_GIVEN: return "no-reason-given";
        case MFW_ACSE_PDIAG_NO_COMMON_ACSE_VERSION: return "no-common-acse-version";
        default: return "unknown";
        }
    }
    switch (diag) {
    case MFW_ACSE_DIAG_NULL: return "null";
    case MFW_ACSE_DIAG_NO_REASON_GIVEN: return "no-reason-given";
    case MFW_ACSE_DIAG_APPLICATION_CONTEXT_NAME_NOT_SUPPORTED:
        return "application-context-name-not-supported";
    case MFW_ACSE_DIAG_CALLING_AP_TITLE_NOT_RECOGNIZED: return "calling-AP-title-not-recognized";
    case MFW_ACSE_DIAG_AUTH_MECH_NAME_NOT_RECOGNISED:
        return "authentication-mechanism-name-not-recognised";
    case MFW_ACSE_DIAG_AUTH_MECH_NAME_REQUIRED: return "authentication-mechanism-name-required";
    case MFW_ACSE_DIAG_AUTHENTICATION_FAILURE: return "authentication-failure";
    case MFW_ACSE_DIAG_AUTHENTICATION_REQUIRED: return "authentication-required";
    default: return "unknown";
    }
}

/* ---- object list ---- */

int mfw_dlms_client_object_list_begin(struct mfw_rcursor *rc, uint32_t *count)
{
    if (!rc || !count)
        return MFW_E_ARG;
    return mfw_axdr_get_array(rc, count);
}

/* An access mode: enum (IC 15 v1+) or boolean (v0 method access). */
static int get_mode(struct mfw_rcursor *rc, uint8_t *mode)
{
    struct mfw_axdr_value v;
    if (mfw_axdr_get(rc, &v) != MFW_OK)
        return MFW_E_FORMAT;
    if (v.tag != MFW_AXDR_ENUM && v.tag != MFW_AXDR_BOOLEAN && v.tag != MFW_AXDR_UNSIGNED) {
        rc->err = MFW_E_FORMAT;
        return MFW_E_FORMAT;
    }
    *mode = (uint8_t)v.u64;
    return MFW_OK;
}

int mfw_dlms_client_object_next(struct mfw_rcursor *rc, struct mfw_dlms_client_object *o)
{
    if (!rc || !o)
        return MFW_E_ARG;
    memset(o, 0, sizeof(*o));
    uint32_t n;
    size_t len;
    if (mfw_axdr_get_structure(rc, &n) != MFW_OK || n != 4 ||
        mfw_axdr_get_u16(rc, &o->class_id) != MFW_OK ||
        mfw_axdr_get_u8(rc, &o->version) != MFW_OK ||
        mfw_axdr_get_octets(rc, 6, o->ln, &len) != MFW_OK || len != 6 ||
        mfw_axdr_get_structure(rc, &n) != MFW_OK || n != 2)
        return MFW_E_FORMAT;
    uint32_t na;
    if (mfw_axdr_get_array(rc, &na) != MFW_OK)
        return MFW_E_FORMAT;
    o->n_attrs_total = (uint16_t)(na > 0xFFFF ? 0xFFFF : na);
    for (uint32_t i = 0; i < na; i++) {
        int8_t id;
        uint8_t mode;
        if (mfw_axdr_get_structure(rc, &n) != MFW_OK || n != 3 ||
            mfw_axdr_get_i8(rc, &id) != MFW_OK || get_mode(rc, &mode) != MFW_OK)
            return MFW_E_FORMAT;
        int t = mfw_axdr_peek_tag(rc);
        if (t < 0 || mfw_axdr_skip(rc, 2) != MFW_OK)
            return MFW_E_FORMAT;
        if (o->n_attrs < MFW_DLMS_CLIENT_OBJ_ATTRS_MAX) {
            o->attrs[o->n_attrs].id = id;
            o->attrs[o->n_attrs].access = mode;
            o->attrs[o->n_attrs].selectors = t != MFW_AXDR_NULL;
            o->n_attrs++;
        }
    }
    uint32_t nm;
    if (mfw_axdr_get_array(rc, &nm) != MFW_OK)
        return MFW_E_FORMAT;
    o->n_methods_total = (uint16_t)(nm > 0xFFFF ? 0xFFFF : nm);
    for (uint32_t i = 0; i < nm; i++) {
        int8_t id;
        uint8_t mode;
        if (mfw_axdr_get_structure(rc, &n) != MFW_OK || n != 2 ||
            mfw_axdr_get_i8(rc, &id) != MFW_OK || get_mode(rc, &mode) != MFW_OK)
            return MFW_E_FORMAT;
        if (o->n_methods < MFW_DLMS_CLIENT_OBJ_METHODS_MAX) {
            o->methods[o->n_methods].id = id;
            o->methods[o->n_methods].access = mode;
            o->n_methods++;
        }
    }
    return MFW_OK;
}
