/* dlms_client: request builders and response parsers of a DLMS/COSEM client (see dlms_client.h).
 * Green Book (DLMS UA 1000-2 = IEC 62056-5-3) 9.4 for the ACSE APDUs (BER), 9.5 for the xDLMS
 * APDUs (A-XDR). Encodings were checked byte for byte against the Gurux client's frames in the
 * captured exchanges (tests/test_dlms_client.c). */
#include "meterfw/dlms/dlms_client.h"

#include <string.h>

#include "meterfw/codec/axdr.h"
#include "meterfw/base/error.h"

/* 2.16.756.5.8 = 60 85 74 05 08 (joint-iso-ccitt country(16) ch(756) identified-organization(5)
 * DLMS-UA(8)); then 1 = application-context-name, 2 = mechanism-name, then the id. */
static const uint8_t dlms_ua_prefix[5] = {0x60, 0x85, 0x74, 0x05, 0x08};
#define OID_LEN 7u
#define OID_KIND_CONTEXT 1u
#define OID_KIND_MECHANISM 2u

static void put_oid(struct wcursor *w, uint8_t tag, uint8_t kind, uint8_t id)
{
    wc_u8(w, tag);
    wc_u8(w, (uint8_t)(2 + OID_LEN));
    wc_u8(w, 0x06); /* OBJECT IDENTIFIER */
    wc_u8(w, OID_LEN);
    wc_bytes(w, dlms_ua_prefix, sizeof(dlms_ua_prefix));
    wc_u8(w, kind);
    wc_u8(w, id);
}

static int wc_result(const struct wcursor *w)
{
    return w->err ? w->err : MFW_OK;
}

/* ---- AARQ (Green Book 9.4.2.2, AARQ-apdu ::= [APPLICATION 0] IMPLICIT SEQUENCE) ---- */

int dlmsc_build_aarq(const struct dlmsc_aarq_params *p, struct wcursor *w)
{
    if (!p || !w)
        return MFW_E_ARG;
    if (p->mechanism != ACSE_MECH_LOWEST && p->mechanism != ACSE_MECH_LLS)
        return MFW_E_ARG;
    if (p->mechanism == ACSE_MECH_LLS && (!p->password || p->password_len == 0 ||
                                          p->password_len > 127))
        return MFW_E_ARG;
    uint8_t body[192];
    struct wcursor b;
    wc_init(&b, body, sizeof(body));
    /* [1] application-context-name: LN referencing, no ciphering */
    put_oid(&b, 0xA1, OID_KIND_CONTEXT, ACSE_CTX_LN);
    if (p->mechanism == ACSE_MECH_LLS) {
        /* [10] sender-acse-requirements: BIT STRING {authentication(0)}: 07 unused bits, 0x80 */
        wc_u8(&b, 0x8A);
        wc_u8(&b, 0x02);
        wc_u8(&b, 0x07);
        wc_u8(&b, 0x80);
        /* [11] mechanism-name (IMPLICIT OBJECT IDENTIFIER, so no inner 06 tag) */
        wc_u8(&b, 0x8B);
        wc_u8(&b, OID_LEN);
        wc_bytes(&b, dlms_ua_prefix, sizeof(dlms_ua_prefix));
        wc_u8(&b, OID_KIND_MECHANISM);
        wc_u8(&b, ACSE_MECH_LLS);
        /* [12] calling-authentication-value: Authentication-value CHOICE charstring [0] */
        wc_u8(&b, 0xAC);
        axdr_put_length(&b, p->password_len + 2);
        wc_u8(&b, 0x80);
        axdr_put_length(&b, p->password_len);
        wc_bytes(&b, p->password, p->password_len);
    }
    /* [30] user-information: OCTET STRING holding the xDLMS InitiateRequest (A-XDR):
     * 01 tag, dedicated-key absent (00), response-allowed default (00), proposed-qos absent (00),
     * proposed-dlms-version-number, proposed-conformance [APPLICATION 31] (5F 1F, length 4,
     * 0 unused bits, 3 bytes), client-max-receive-pdu-size. */
    wc_u8(&b, 0xBE);
    wc_u8(&b, 0x10);
    wc_u8(&b, 0x04);
    wc_u8(&b, 0x0E);
    wc_u8(&b, ACSE_XDLMS_INITIATE_REQUEST);
    wc_u8(&b, 0x00);
    wc_u8(&b, 0x00);
    wc_u8(&b, 0x00);
    wc_u8(&b, ACSE_DLMS_VERSION);
    wc_u8(&b, 0x5F);
    wc_u8(&b, 0x1F);
    wc_u8(&b, 0x04);
    wc_u8(&b, 0x00);
    wc_u8(&b, (uint8_t)(p->conformance >> 16));
    wc_u8(&b, (uint8_t)(p->conformance >> 8));
    wc_u8(&b, (uint8_t)p->conformance);
    wc_u16be(&b, p->max_pdu);
    if (b.err)
        return b.err;
    wc_u8(w, ACSE_TAG_AARQ);
    axdr_put_length(w, b.len);
    wc_bytes(w, body, b.len);
    return wc_result(w);
}

/* ---- BER reading ---- */

/* One TLV with a single-byte tag: *tag, and a sub-cursor over the contents. */
static int get_tlv(struct rcursor *rc, uint8_t *tag, struct rcursor *contents)
{
    *tag = rc_u8(rc);
    size_t n = 0;
    /* BER definite length (X.690 8.1.3): the A-XDR length reader, bounded by what is left */
    if (rc->err || axdr_get_length(rc, &n) != MFW_OK) {
        rc->err = MFW_E_FORMAT;
        return MFW_E_FORMAT;
    }
    *contents = rc_sub(rc, n);
    return MFW_OK;
}

/* An OID 2.16.756.5.8.kind.id (contents only): the id, or 0xFF if another OID. */
static uint8_t oid_id(struct rcursor *c, uint8_t kind)
{
    size_t n = rc_left(c);
    const uint8_t *p = rc_take(c, n);
    if (!p || n != OID_LEN || memcmp(p, dlms_ua_prefix, sizeof(dlms_ua_prefix)) != 0 ||
        p[5] != kind)
        return 0xFF;
    return p[6];
}

/* INTEGER of one byte inside [n] (02 01 v). */
static int get_small_int(struct rcursor *c, uint8_t *v)
{
    uint8_t tag;
    struct rcursor in;
    if (get_tlv(c, &tag, &in) != MFW_OK || tag != 0x02 || rc_left(&in) < 1)
        return MFW_E_FORMAT;
    /* a long form would be a non-minimal INTEGER; take the last byte of a short one */
    size_t n = rc_left(&in);
    if (n > 2)
        return MFW_E_FORMAT;
    const uint8_t *p = rc_take(&in, n);
    *v = p[n - 1];
    return MFW_OK;
}

static int parse_initiate_response(struct rcursor *x, struct acse_initiate_resp *r)
{
    memset(r, 0, sizeof(*r));
    if (rc_u8(x) != ACSE_XDLMS_INITIATE_RESPONSE)
        return MFW_E_FORMAT;
    uint8_t has_qos = rc_u8(x);
    if (has_qos > 1)
        return MFW_E_FORMAT;
    if (has_qos) {
        r->has_qos = true;
        r->qos = (int8_t)rc_u8(x);
    }
    r->dlms_version = rc_u8(x);
    if (rc_u8(x) != 0x5F || rc_u8(x) != 0x1F || rc_u8(x) != 0x04 || rc_u8(x) != 0x00)
        return MFW_E_FORMAT;
    uint32_t c = (uint32_t)rc_u8(x) << 16;
    c |= (uint32_t)rc_u8(x) << 8;
    c |= rc_u8(x);
    r->conformance = c;
    r->server_max_pdu = rc_u16be(x);
    r->vaa_name = rc_u16be(x);
    if (x->err || rc_left(x) != 0)
        return MFW_E_FORMAT;
    return MFW_OK;
}

int dlmsc_parse_aare(const uint8_t *buf, size_t len, struct aare *out)
{
    if (!buf || !out)
        return MFW_E_ARG;
    memset(out, 0, sizeof(*out));
    struct rcursor rc, body;
    uint8_t tag;
    rc_init(&rc, buf, len);
    if (get_tlv(&rc, &tag, &body) != MFW_OK || tag != ACSE_TAG_AARE || rc_left(&rc) != 0)
        return MFW_E_FORMAT;
    bool have_ctx = false, have_result = false;
    while (rc_left(&body) > 0) {
        struct rcursor el;
        if (get_tlv(&body, &tag, &el) != MFW_OK)
            return MFW_E_FORMAT;
        switch (tag) {
        case 0xA1: { /* application-context-name */
            struct rcursor oid;
            if (get_tlv(&el, &tag, &oid) != MFW_OK || tag != 0x06)
                return MFW_E_FORMAT;
            uint8_t id = oid_id(&oid, OID_KIND_CONTEXT);
            out->context = (id >= ACSE_CTX_LN && id <= ACSE_CTX_SN_CIPHERED) ? id : ACSE_CTX_UNKNOWN;
            have_ctx = true;
            break;
        }
        case 0xA2: /* result */
            if (get_small_int(&el, &out->result) != MFW_OK)
                return MFW_E_FORMAT;
            have_result = true;
            break;
        case 0xA3: { /* result-source-diagnostic: CHOICE [1] user / [2] provider */
            struct rcursor in;
            if (get_tlv(&el, &tag, &in) != MFW_OK || (tag != 0xA1 && tag != 0xA2))
                return MFW_E_FORMAT;
            out->diag_source = tag == 0xA1 ? ACSE_DIAG_SOURCE_USER : ACSE_DIAG_SOURCE_PROVIDER;
            if (get_small_int(&in, &out->diag) != MFW_OK)
                return MFW_E_FORMAT;
            break;
        }
        case 0xA4: { /* responding-AP-title: OCTET STRING (the server system title) */
            struct rcursor in;
            if (get_tlv(&el, &tag, &in) != MFW_OK || tag != 0x04 || rc_left(&in) != 8)
                return MFW_E_FORMAT;
            rc_bytes(&in, out->responding_ap_title, 8);
            out->has_responding_ap_title = true;
            break;
        }
        case 0x89: { /* mechanism-name */
            uint8_t id = oid_id(&el, OID_KIND_MECHANISM);
            out->has_mechanism = true;
            out->mechanism = id < 0x80 ? id : ACSE_MECH_UNKNOWN;
            break;
        }
        case 0xAA: { /* responding-authentication-value: charstring [0] */
            struct rcursor in;
            if (get_tlv(&el, &tag, &in) != MFW_OK)
                return MFW_E_FORMAT;
            out->has_auth_value = true;
            out->auth_value.len = rc_left(&in);
            out->auth_value.p = rc_take(&in, out->auth_value.len);
            break;
        }
        case 0xBE: { /* user-information: OCTET STRING with an xDLMS APDU */
            struct rcursor os;
            if (get_tlv(&el, &tag, &os) != MFW_OK || tag != 0x04 || rc_left(&os) == 0)
                return MFW_E_FORMAT;
            out->user_info_raw.len = rc_left(&os);
            out->user_info_raw.p = os.p + os.pos;
            uint8_t x = os.p[os.pos];
            if (x == ACSE_XDLMS_INITIATE_RESPONSE) {
                if (parse_initiate_response(&os, &out->initiate) != MFW_OK)
                    return MFW_E_FORMAT;
                out->user_info_kind = ACSE_AARE_UI_INITIATE;
            } else if (x == ACSE_XDLMS_CONFIRMED_SERVICE_ERROR) {
                /* 0E, initiateError [1], ServiceError initiate [6], value */
                rc_u8(&os);
                uint8_t which = rc_u8(&os), kind = rc_u8(&os), v = rc_u8(&os);
                if (os.err || rc_left(&os) != 0)
                    return MFW_E_FORMAT;
                (void)which;
                (void)kind;
                out->initiate_error = v;
                out->user_info_kind = ACSE_AARE_UI_ERROR;
            } else {
                out->user_info_kind = ACSE_AARE_UI_RAW;
            }
            break;
        }
        default: /* responder-acse-requirements (88), implementation data, ...: not needed */
            break;
        }
    }
    if (!have_ctx || !have_result || body.err)
        return MFW_E_FORMAT;
    out->client_mechanism = out->has_mechanism ? out->mechanism : ACSE_MECH_LOWEST;
    out->max_send_pdu = out->initiate.server_max_pdu;
    return MFW_OK;
}

/* ---- Release ---- */

int dlmsc_build_rlrq(struct wcursor *w)
{
    if (!w)
        return MFW_E_ARG;
    static const uint8_t rlrq[] = {ACSE_TAG_RLRQ, 0x03, 0x80, 0x01, ACSE_RELEASE_NORMAL};
    wc_bytes(w, rlrq, sizeof(rlrq));
    return wc_result(w);
}

int dlmsc_parse_rlre(const uint8_t *buf, size_t len, struct rlre *out)
{
    if (!buf || !out)
        return MFW_E_ARG;
    memset(out, 0, sizeof(*out));
    struct rcursor rc, body;
    uint8_t tag;
    rc_init(&rc, buf, len);
    if (get_tlv(&rc, &tag, &body) != MFW_OK || tag != ACSE_TAG_RLRE || rc_left(&rc) != 0)
        return MFW_E_FORMAT;
    while (rc_left(&body) > 0) {
        struct rcursor el;
        if (get_tlv(&body, &tag, &el) != MFW_OK)
            return MFW_E_FORMAT;
        if (tag == 0x80) { /* reason [0] IMPLICIT INTEGER */
            if (rc_left(&el) != 1)
                return MFW_E_FORMAT;
            out->has_reason = true;
            out->reason = rc_u8(&el);
        } else if (tag == 0xBE) {
            out->user_info_kind = ACSE_AARE_UI_RAW;
            out->user_info_raw.len = rc_left(&el);
            out->user_info_raw.p = el.p + el.pos;
        }
    }
    return MFW_OK;
}

/* ---- xDLMS requests ---- */

static void put_ref(struct wcursor *w, const struct dlmsc_ref *r)
{
    wc_u16be(w, r->class_id);
    wc_bytes(w, r->ln, 6);
    wc_u8(w, (uint8_t)r->index);
}

/* Selective-Access-Descriptor OPTIONAL: 00, or 01 access-selector access-parameters. */
static int put_access(struct wcursor *w, const struct dlmsc_access *a)
{
    if (!a || a->selector == DLMSC_SEL_NONE) {
        wc_u8(w, 0x00);
        return MFW_OK;
    }
    wc_u8(w, 0x01);
    wc_u8(w, a->selector);
    if (a->selector == DLMSC_SEL_RANGE) {
        /* Blue Book 4.3.6: range_descriptor ::= structure {restricting_object
         * capture_object_definition, from_value, to_value, selected_values array} */
        axdr_put_structure_header(w, 4);
        axdr_put_structure_header(w, 4);
        axdr_put_u16(w, a->restricting.class_id);
        axdr_put_octets(w, a->restricting.ln, 6);
        axdr_put_i8(w, a->restricting.index);
        axdr_put_u16(w, a->data_index);
        axdr_put_datetime_octets(w, &a->from);
        axdr_put_datetime_octets(w, &a->to);
        axdr_put_array_header(w, 0);
    } else if (a->selector == DLMSC_SEL_ENTRY) {
        /* entry_descriptor ::= structure {from_entry double-long-unsigned, to_entry,
         * from_selected_value long-unsigned, to_selected_value} */
        axdr_put_structure_header(w, 4);
        axdr_put_u32(w, a->from_entry);
        axdr_put_u32(w, a->to_entry);
        axdr_put_u16(w, a->from_column);
        axdr_put_u16(w, a->to_column);
    } else {
        return MFW_E_ARG;
    }
    return MFW_OK;
}

int dlmsc_build_get(uint8_t invoke, const struct dlmsc_ref *attr, const struct dlmsc_access *access,
                    struct wcursor *w)
{
    if (!attr || !w)
        return MFW_E_ARG;
    wc_u8(w, DLMSC_TAG_GET_REQUEST);
    wc_u8(w, DLMSC_GET_NORMAL);
    wc_u8(w, invoke);
    put_ref(w, attr);
    if (put_access(w, access) != MFW_OK)
        return MFW_E_ARG;
    return wc_result(w);
}

int dlmsc_build_get_next(uint8_t invoke, uint32_t block_number, struct wcursor *w)
{
    if (!w)
        return MFW_E_ARG;
    wc_u8(w, DLMSC_TAG_GET_REQUEST);
    wc_u8(w, DLMSC_GET_NEXT);
    wc_u8(w, invoke);
    wc_u32be(w, block_number);
    return wc_result(w);
}

int dlmsc_build_get_list(uint8_t invoke, const struct dlmsc_ref *attrs,
                         const struct dlmsc_access *const *access, size_t n, struct wcursor *w)
{
    if (!attrs || !w || n == 0)
        return MFW_E_ARG;
    wc_u8(w, DLMSC_TAG_GET_REQUEST);
    wc_u8(w, DLMSC_GET_WITH_LIST);
    wc_u8(w, invoke);
    axdr_put_length(w, n); /* SEQUENCE OF: A-XDR quantity */
    for (size_t i = 0; i < n; i++) {
        put_ref(w, &attrs[i]);
        if (put_access(w, access ? access[i] : NULL) != MFW_OK)
            return MFW_E_ARG;
    }
    return wc_result(w);
}

int dlmsc_build_set(uint8_t invoke, const struct dlmsc_ref *attr, const struct dlmsc_access *access,
                    const uint8_t *value, size_t value_len, struct wcursor *w)
{
    if (!attr || !w || !value || value_len == 0)
        return MFW_E_ARG;
    wc_u8(w, DLMSC_TAG_SET_REQUEST);
    wc_u8(w, 1); /* set-request-normal */
    wc_u8(w, invoke);
    put_ref(w, attr);
    if (put_access(w, access) != MFW_OK)
        return MFW_E_ARG;
    wc_bytes(w, value, value_len);
    return wc_result(w);
}

int dlmsc_build_action(uint8_t invoke, const struct dlmsc_ref *method, const uint8_t *params,
                       size_t params_len, struct wcursor *w)
{
    if (!method || !w || (params && params_len == 0))
        return MFW_E_ARG;
    wc_u8(w, DLMSC_TAG_ACTION_REQUEST);
    wc_u8(w, 1); /* action-request-normal */
    wc_u8(w, invoke);
    put_ref(w, method);
    if (params) {
        wc_u8(w, 0x01);
        wc_bytes(w, params, params_len);
    } else {
        wc_u8(w, 0x00);
    }
    return wc_result(w);
}

/* ---- xDLMS responses ---- */

static bool is_error_tag(const uint8_t *apdu, size_t len)
{
    return len > 0 &&
           (apdu[0] == DLMSC_TAG_EXCEPTION_RESPONSE || apdu[0] == DLMSC_TAG_CONFIRMED_SERVICE_ERROR);
}

/* Get-Data-Result ::= CHOICE { data [0] Data, data-access-result [1] } */
int dlmsc_next_result(struct rcursor *rc, struct dlmsc_result *out)
{
    if (!rc || !out)
        return MFW_E_ARG;
    memset(out, 0, sizeof(*out));
    uint8_t choice = rc_u8(rc);
    if (rc->err)
        return MFW_E_FORMAT;
    if (choice == 0) {
        size_t start = rc->pos;
        if (axdr_skip(rc, AXDR_DEPTH_MAX) != MFW_OK)
            return MFW_E_FORMAT;
        out->is_data = true;
        out->data = rc->p + start;
        out->data_len = rc->pos - start;
        return MFW_OK;
    }
    if (choice == 1) {
        out->dar = rc_u8(rc);
        return rc->err ? MFW_E_FORMAT : MFW_OK;
    }
    rc->err = MFW_E_FORMAT;
    return MFW_E_FORMAT;
}

int dlmsc_parse_get_response(const uint8_t *apdu, size_t len, struct dlmsc_get_response *out)
{
    if (!apdu || !out)
        return MFW_E_ARG;
    memset(out, 0, sizeof(*out));
    if (is_error_tag(apdu, len))
        return MFW_E_STATE;
    struct rcursor rc;
    rc_init(&rc, apdu, len);
    if (rc_u8(&rc) != DLMSC_TAG_GET_RESPONSE)
        return MFW_E_FORMAT;
    out->type = rc_u8(&rc);
    out->invoke = rc_u8(&rc);
    if (rc.err)
        return MFW_E_FORMAT;
    switch (out->type) {
    case DLMSC_GET_NORMAL:
        if (dlmsc_next_result(&rc, &out->result) != MFW_OK)
            return MFW_E_FORMAT;
        /* Bytes after the value (the Gurux server's clock answer has some) are reported, not
         * refused: the value itself is whole. */
        out->trailing_len = rc_left(&rc);
        return MFW_OK;
    case DLMSC_GET_RESPONSE_DATABLOCK: {
        /* DataBlock-G ::= SEQUENCE { last-block BOOLEAN, block-number Unsigned32,
         * result CHOICE { raw-data [0] OCTET STRING, data-access-result [1] } } */
        uint8_t last = rc_u8(&rc);
        out->last_block = last != 0;
        out->block_number = rc_u32be(&rc);
        uint8_t choice = rc_u8(&rc);
        if (rc.err)
            return MFW_E_FORMAT;
        if (choice == 0) {
            size_t n;
            if (axdr_get_length(&rc, &n) != MFW_OK)
                return MFW_E_FORMAT;
            out->raw_ok = true;
            out->raw = rc_take(&rc, n);
            out->raw_len = n;
            if (rc.err || rc_left(&rc) != 0)
                return MFW_E_FORMAT;
        } else if (choice == 1) {
            out->result.dar = rc_u8(&rc);
            if (rc.err || rc_left(&rc) != 0)
                return MFW_E_FORMAT;
        } else {
            return MFW_E_FORMAT;
        }
        return MFW_OK;
    }
    case DLMSC_GET_WITH_LIST: {
        size_t n;
        if (axdr_get_length(&rc, &n) != MFW_OK)
            return MFW_E_FORMAT;
        out->count = (uint32_t)n;
        out->list = rc.p + rc.pos;
        out->list_len = rc_left(&rc);
        /* validate the whole list now, so the caller's iteration cannot fail half-way */
        struct rcursor v = rc;
        for (size_t i = 0; i < n; i++) {
            struct dlmsc_result r;
            if (dlmsc_next_result(&v, &r) != MFW_OK)
                return MFW_E_FORMAT;
        }
        if (rc_left(&v) != 0)
            return MFW_E_FORMAT;
        return MFW_OK;
    }
    default:
        return MFW_E_FORMAT;
    }
}

void dlmsc_blocks_init(struct dlmsc_blocks *b, uint8_t *buf, size_t cap, dlmsc_sink_fn sink,
                       void *user)
{
    memset(b, 0, sizeof(*b));
    b->buf = buf;
    b->cap = cap;
    b->sink = sink;
    b->user = user;
    b->expect = 1;
}

static int deliver(struct dlmsc_blocks *b, const uint8_t *p, size_t n)
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

int dlmsc_blocks_feed(struct dlmsc_blocks *b, const struct dlmsc_get_response *r)
{
    if (!b || !r)
        return MFW_E_ARG;
    if (b->done)
        return MFW_E_STATE;
    int rc;
    switch (r->type) {
    case DLMSC_GET_NORMAL:
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
    case DLMSC_GET_RESPONSE_DATABLOCK:
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
    default:
        return MFW_E_FORMAT;
    }
}

int dlmsc_parse_set_response(const uint8_t *apdu, size_t len, uint8_t *invoke, uint8_t *dar)
{
    if (!apdu || !invoke || !dar)
        return MFW_E_ARG;
    if (is_error_tag(apdu, len))
        return MFW_E_STATE;
    struct rcursor rc;
    rc_init(&rc, apdu, len);
    if (rc_u8(&rc) != DLMSC_TAG_SET_RESPONSE || rc_u8(&rc) != 1)
        return MFW_E_FORMAT;
    *invoke = rc_u8(&rc);
    *dar = rc_u8(&rc);
    if (rc.err || rc_left(&rc) != 0)
        return MFW_E_FORMAT;
    return MFW_OK;
}

int dlmsc_parse_action_response(const uint8_t *apdu, size_t len,
                                 struct dlmsc_action_response *out)
{
    if (!apdu || !out)
        return MFW_E_ARG;
    memset(out, 0, sizeof(*out));
    if (is_error_tag(apdu, len))
        return MFW_E_STATE;
    struct rcursor rc;
    rc_init(&rc, apdu, len);
    if (rc_u8(&rc) != DLMSC_TAG_ACTION_RESPONSE || rc_u8(&rc) != 1)
        return MFW_E_FORMAT;
    out->invoke = rc_u8(&rc);
    out->result = rc_u8(&rc);
    if (rc.err)
        return MFW_E_FORMAT;
    /* return-parameters Get-Data-Result OPTIONAL; a server may leave the flag out entirely */
    if (rc_left(&rc) == 0)
        return MFW_OK;
    uint8_t has = rc_u8(&rc);
    if (has == 1) {
        if (dlmsc_next_result(&rc, &out->ret) != MFW_OK)
            return MFW_E_FORMAT;
        out->has_return = true;
    } else if (has != 0) {
        return MFW_E_FORMAT;
    }
    if (rc.err || rc_left(&rc) != 0)
        return MFW_E_FORMAT;
    return MFW_OK;
}

int dlmsc_parse_error(const uint8_t *apdu, size_t len, struct dlmsc_error *out)
{
    if (!apdu || !out)
        return MFW_E_ARG;
    memset(out, 0, sizeof(*out));
    struct rcursor rc;
    rc_init(&rc, apdu, len);
    out->tag = rc_u8(&rc);
    if (out->tag == DLMSC_TAG_EXCEPTION_RESPONSE) {
        /* ExceptionResponse ::= SEQUENCE { state-error [0] IMPLICIT ENUMERATED,
         * service-error [1] CHOICE { ..., invocation-counter-error [6] IMPLICIT Unsigned32 } } */
        out->state_error = rc_u8(&rc);
        out->service_error = rc_u8(&rc);
        if (out->service_error == 6)
            out->invocation_counter = rc_u32be(&rc);
    } else if (out->tag == DLMSC_TAG_CONFIRMED_SERVICE_ERROR) {
        out->service = rc_u8(&rc);
        out->error_type = rc_u8(&rc);
        out->value = rc_u8(&rc);
    } else {
        return MFW_E_FORMAT;
    }
    if (rc.err || rc_left(&rc) != 0)
        return MFW_E_FORMAT;
    return MFW_OK;
}

/* ---- names ---- */

const char *dlmsc_dar_name(uint8_t dar)
{
    switch (dar) {
    case DLMSC_DAR_SUCCESS: return "success";
    case DLMSC_DAR_HARDWARE_FAULT: return "hardware-fault";
    case DLMSC_DAR_TEMPORARY_FAILURE: return "temporary-failure";
    case DLMSC_DAR_READ_WRITE_DENIED: return "read-write-denied";
    case DLMSC_DAR_OBJECT_UNDEFINED: return "object-undefined";
    case DLMSC_DAR_OBJECT_CLASS_INCONSISTENT: return "object-class-inconsistent";
    case DLMSC_DAR_OBJECT_UNAVAILABLE: return "object-unavailable";
    case DLMSC_DAR_TYPE_UNMATCHED: return "type-unmatched";
    case DLMSC_DAR_SCOPE_OF_ACCESS_VIOLATED: return "scope-of-access-violated";
    case DLMSC_DAR_DATA_BLOCK_UNAVAILABLE: return "data-block-unavailable";
    case DLMSC_DAR_LONG_GET_ABORTED: return "long-get-aborted";
    case DLMSC_DAR_NO_LONG_GET_IN_PROGRESS: return "no-long-get-in-progress";
    case DLMSC_DAR_LONG_SET_ABORTED: return "long-set-aborted";
    case DLMSC_DAR_NO_LONG_SET_IN_PROGRESS: return "no-long-set-in-progress";
    case DLMSC_DAR_DATA_BLOCK_NUMBER_INVALID: return "data-block-number-invalid";
    case DLMSC_DAR_OTHER_REASON: return "other-reason";
    default: return "unknown";
    }
}

const char *dlmsc_action_result_name(uint8_t result)
{
    switch (result) {
    case 15: return "long-action-aborted";
    case 16: return "no-long-action-in-progress";
    case 17:
    case 18:
    case 19: return "unknown";
    default: return dlmsc_dar_name(result);
    }
}

const char *dlmsc_state_error_name(uint8_t v)
{
    switch (v) {
    case 1: return "service-not-allowed";
    case 2: return "service-unknown";
    default: return "unknown";
    }
}

const char *dlmsc_service_error_name(uint8_t v)
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

const char *dlmsc_aare_diag_name(uint8_t source, uint8_t diag)
{
    if (source == ACSE_DIAG_SOURCE_PROVIDER) {
        switch (diag) {
        case ACSE_PDIAG_NULL: return "null";
        case ACSE_PDIAG_NO_REASON_GIVEN: return "no-reason-given";
        case ACSE_PDIAG_NO_COMMON_ACSE_VERSION: return "no-common-acse-version";
        default: return "unknown";
        }
    }
    switch (diag) {
    case ACSE_DIAG_NULL: return "null";
    case ACSE_DIAG_NO_REASON_GIVEN: return "no-reason-given";
    case ACSE_DIAG_APPLICATION_CONTEXT_NAME_NOT_SUPPORTED:
        return "application-context-name-not-supported";
    case ACSE_DIAG_AUTH_MECH_NAME_NOT_RECOGNISED:
        return "authentication-mechanism-name-not-recognised";
    case ACSE_DIAG_AUTH_MECH_NAME_REQUIRED: return "authentication-mechanism-name-required";
    case ACSE_DIAG_AUTHENTICATION_FAILURE: return "authentication-failure";
    case ACSE_DIAG_AUTHENTICATION_REQUIRED: return "authentication-required";
    default: return "unknown";
    }
}

/* ---- object list ---- */

int dlmsc_object_list_begin(struct rcursor *rc, uint32_t *count)
{
    if (!rc || !count)
        return MFW_E_ARG;
    return axdr_get_array(rc, count);
}

/* An access mode: enum (IC 15 v1+) or boolean (v0 method access). */
static int get_mode(struct rcursor *rc, uint8_t *mode)
{
    struct axdr_value v;
    if (axdr_get(rc, &v) != MFW_OK)
        return MFW_E_FORMAT;
    if (v.tag != AXDR_ENUM && v.tag != AXDR_BOOLEAN && v.tag != AXDR_UNSIGNED) {
        rc->err = MFW_E_FORMAT;
        return MFW_E_FORMAT;
    }
    *mode = (uint8_t)v.u64;
    return MFW_OK;
}

int dlmsc_object_next(struct rcursor *rc, struct dlmsc_object *o)
{
    if (!rc || !o)
        return MFW_E_ARG;
    memset(o, 0, sizeof(*o));
    uint32_t n;
    size_t len;
    if (axdr_get_structure(rc, &n) != MFW_OK || n != 4 || axdr_get_u16(rc, &o->class_id) != MFW_OK ||
        axdr_get_u8(rc, &o->version) != MFW_OK || axdr_get_octets(rc, 6, o->ln, &len) != MFW_OK ||
        len != 6 || axdr_get_structure(rc, &n) != MFW_OK || n != 2)
        return MFW_E_FORMAT;
    uint32_t na;
    if (axdr_get_array(rc, &na) != MFW_OK)
        return MFW_E_FORMAT;
    o->n_attrs_total = (uint16_t)(na > 0xFFFF ? 0xFFFF : na);
    for (uint32_t i = 0; i < na; i++) {
        int8_t id;
        uint8_t mode;
        if (axdr_get_structure(rc, &n) != MFW_OK || n != 3 || axdr_get_i8(rc, &id) != MFW_OK ||
            get_mode(rc, &mode) != MFW_OK)
            return MFW_E_FORMAT;
        int t = axdr_peek_tag(rc);
        if (t < 0 || axdr_skip(rc, 2) != MFW_OK)
            return MFW_E_FORMAT;
        if (o->n_attrs < DLMSC_OBJ_ATTRS_MAX) {
            o->attrs[o->n_attrs].id = id;
            o->attrs[o->n_attrs].access = mode;
            o->attrs[o->n_attrs].selectors = t != AXDR_NULL;
            o->n_attrs++;
        }
    }
    uint32_t nm;
    if (axdr_get_array(rc, &nm) != MFW_OK)
        return MFW_E_FORMAT;
    o->n_methods_total = (uint16_t)(nm > 0xFFFF ? 0xFFFF : nm);
    for (uint32_t i = 0; i < nm; i++) {
        int8_t id;
        uint8_t mode;
        if (axdr_get_structure(rc, &n) != MFW_OK || n != 2 || axdr_get_i8(rc, &id) != MFW_OK ||
            get_mode(rc, &mode) != MFW_OK)
            return MFW_E_FORMAT;
        if (o->n_methods < DLMSC_OBJ_METHODS_MAX) {
            o->methods[o->n_methods].id = id;
            o->methods[o->n_methods].access = mode;
            o->n_methods++;
        }
    }
    return MFW_OK;
}
