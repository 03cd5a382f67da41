/* SPDX-License-Identifier: Apache-2.0 */
/* cosem_association: Association LN (Blue Book 4.4.3 [M], IC 15, version 2) and SAP assignment
 * (4.4.4 [M], IC 17, version 0).
 *
 * Association LN 0.0.40.0.0.255 is the current association: 2 object_list (the objects this
 * client sees, with its access rights, one element per item), 3 associated_partners_id {client
 * SAP, server SAP 1}, 4 application_context_name (LN, or LN with ciphering), 5
 * xDLMS_context_info, 6 authentication_mechanism_name, 7 secret (write-only: the LLS secret of
 * the management association, kept by the meter in its store), 8 association_status (1 pending
 * until HLS pass 3, 2 associated), 9 security_setup_reference (0.0.43.0.2.255 for the management
 * and pre-established clients, zeros for the public one), 10 user_list (none), 11 current_user
 * (none). Methods: m1 reply_to_HLS_authentication(octet-string f(StoC)) returns f(CtoS): the
 * check itself is the dlms server's (struct mfw_cosem_session.hls_reply); m2
 * change_HLS_secret(octet-string): with HLS-GMAC the secret is the authentication key (AAD of
 * every tag, Green Book 9.2.7.4 [M]), so the parameter is the new authentication key wrapped
 * under the master key (RFC 3394, 24 bytes), as global_key_transfer takes it (a design choice
 * [U]: the Blue Book leaves the form to the mechanism); it is logged as a key change (48). m3/m4
 * (add/remove_object), m5/m6 (users) are not offered. SAP assignment 0.0.41.0.0.255: 2
 * SAP_assignment_list {1, LDN}. */
#include <string.h>

#include "cosem_class.h"
#include "meterfw/base/ct.h"
#include "meterfw/codec/axdr.h"

/* application_context_name: 2.16.756.5.8.1.x, x = 1 logical name referencing, 3 with ciphering
 * (Green Book 9.4.2.2.2 [M]). */
static const uint8_t CONTEXT_LN[6] = {0x60, 0x85, 0x74, 0x05, 0x08, 0x01};
/* security_setup_reference of the management and pre-established associations (cosem_security.c) */
static const uint8_t SECURITY_SETUP[6] = {0, 0, 43, 0, 2, 255};

/* Stream kinds (struct mfw_cosem_stream.kind). */
enum { ST_VALUE = 0, ST_OBJECT_LIST };

/* The objects client sees. */
static unsigned visible_count(const struct mfw_cosem_call *c)
{
    unsigned n = 0, count = mfw_cosem_objects_count();
    struct mfw_cosem_object buf;
    for (unsigned i = 0; i < count; i++) {
        const struct mfw_cosem_object *o = mfw_cosem_objects_get(i, &buf);
        if (o != NULL && mfw_cosem_objects_visible(o, c->m, c->ses->client))
            n++;
    }
    return n;
}

/* The nth object client sees (the first object past the end, which cannot happen). */
static const struct mfw_cosem_object *visible_nth(const struct mfw_cosem_call *c, uint32_t nth,
                                                  struct mfw_cosem_object *buf)
{
    unsigned count = mfw_cosem_objects_count();
    for (unsigned i = 0; i < count; i++) {
        const struct mfw_cosem_object *o = mfw_cosem_objects_get(i, buf);
        if (o != NULL && mfw_cosem_objects_visible(o, c->m, c->ses->client) && nth-- == 0)
            return o;
    }
    return mfw_cosem_objects_get(0, buf);
}

/* object_list_element {class_id, version, logical_name, access_rights {attribute_access
 * {index, access_mode, access_selectors null}, method_access {index, access_mode}}}. */
static void put_object_list_element(const struct mfw_cosem_call *c,
                                    const struct mfw_cosem_object *o, struct mfw_wcursor *w)
{
    const struct mfw_cosem_class *cls = o->cls;
    /* a switch in an association without HLS-GMAC: read only (cosem_class.h) */
    bool may_switch = mfw_cosem_objects_switch_allowed(o, c->ses);
    mfw_axdr_put_structure_header(w, 4);
    mfw_axdr_put_u16(w, cls->class_id);
    mfw_axdr_put_u8(w, cls->version);
    mfw_axdr_put_octets(w, o->obis, 6);
    mfw_axdr_put_structure_header(w, 2);
    mfw_axdr_put_array_header(w, cls->attributes);
    for (unsigned a = 1; a <= cls->attributes; a++) {
        mfw_axdr_put_structure_header(w, 3);
        mfw_axdr_put_i8(w, (int8_t)a);
        uint8_t mode = mfw_cosem_objects_attribute_access(o, a, c->ses->client);
        mfw_axdr_put_enum(w, may_switch ? mode : (uint8_t)(mode & MFW_COSEM_READ));
        mfw_axdr_put_null(w);
    }
    mfw_axdr_put_array_header(w, cls->methods);
    for (unsigned k = 1; k <= cls->methods; k++) {
        mfw_axdr_put_structure_header(w, 2);
        mfw_axdr_put_i8(w, (int8_t)k);
        mfw_axdr_put_enum(w, may_switch && mfw_cosem_objects_method_access(o, k, c->ses->client));
    }
}

static int ln_open(const struct mfw_cosem_call *c, const struct mfw_cosem_ref *ref,
                   struct mfw_cosem_stream *st)
{
    if (ref->id == 2) {
        st->kind = ST_OBJECT_LIST;
        st->array = true;
        st->items = visible_count(c);
    }
    return MFW_DAR_SUCCESS;
}

static int ln_get(const struct mfw_cosem_call *c, struct mfw_cosem_stream *st, uint32_t i,
                  struct mfw_wcursor *w)
{
    const struct mfw_cosem_session *s = c->ses;
    if (st->kind == ST_OBJECT_LIST) {
        struct mfw_cosem_object buf;
        put_object_list_element(c, visible_nth(c, i, &buf), w);
        return MFW_DAR_SUCCESS;
    }
    switch (st->attr) {
    case 3:
        mfw_axdr_put_structure_header(w, 2);
        mfw_axdr_put_i8(w, (int8_t)s->client_sap);
        mfw_axdr_put_u16(w, 1);
        break;
    case 4: {
        uint8_t ctx[7];
        memcpy(ctx, CONTEXT_LN, 6);
        ctx[6] = s->context != 0 ? s->context : 1;
        mfw_axdr_put_octets(w, ctx, 7);
        break;
    }
    case 5: { /* {conformance, server max receive PDU, client max receive PDU, DLMS version,
               * quality of service, cyphering info} */
        uint8_t conf[3] = {(uint8_t)(s->conformance >> 16), (uint8_t)(s->conformance >> 8),
                           (uint8_t)s->conformance};
        mfw_axdr_put_structure_header(w, 6);
        mfw_axdr_put_bitstring(w, conf, 24);
        mfw_axdr_put_u16(w, s->server_max_pdu);
        mfw_axdr_put_u16(w, s->client_max_pdu);
        mfw_axdr_put_u8(w, s->dlms_version);
        mfw_axdr_put_i8(w, 0);
        mfw_axdr_put_octets(w, NULL, 0);
        break;
    }
    case 6: {
        uint8_t mech[7] = {0x60, 0x85, 0x74, 0x05, 0x08, 0x02, s->mechanism};
        mfw_axdr_put_octets(w, mech, 7);
        break;
    }
    case 8: mfw_axdr_put_enum(w, s->status != 0 ? s->status : 2); break;
    case 9: {
        static const uint8_t none[6] = {0, 0, 0, 0, 0, 0}; /* the public client: no security */
        mfw_axdr_put_octets(w, s->client == MFW_COSEM_CLIENT_PUBLIC ? none : SECURITY_SETUP, 6);
        break;
    }
    case 10: mfw_axdr_put_array_header(w, 0); break; /* user_list: no users are defined */
    case 11:                                         /* current_user: none */
        mfw_axdr_put_structure_header(w, 2);
        mfw_axdr_put_u8(w, 0);
        mfw_axdr_put_visible(w, "", 0);
        break;
    default: mfw_axdr_put_null(w); break;
    }
    return MFW_DAR_SUCCESS;
}

/* 7 secret: the LLS secret of the management association, 1..MFW_COSEM_SECRET_MAX bytes,
 * persisted by the meter (mfw_meter_security_set_lls). */
static int ln_set(const struct mfw_cosem_call *c, unsigned attr, struct mfw_rcursor *value)
{
    (void)attr;
    uint8_t buf[MFW_COSEM_SECRET_MAX];
    size_t n = 0;
    int r = mfw_axdr_get_octets(value, sizeof buf, buf, &n);
    if (r == MFW_E_NOSPACE)
        return MFW_DAR_OTHER_REASON;
    if (r != MFW_OK || mfw_rcursor_left(value) != 0)
        return MFW_DAR_TYPE_UNMATCHED;
    int dar = n == 0 ? MFW_DAR_OTHER_REASON
                     : mfw_cosem_class_result(mfw_meter_security_set_lls(c->m, buf, n));
    mfw_ct_wipe(buf, sizeof buf);
    return dar;
}

/* Longest f(StoC) read: a GMAC f() is 17 bytes; anything longer cannot be one. */
#define HLS_F_MAX 64u

static int ln_action(const struct mfw_cosem_call *c, unsigned method, struct mfw_rcursor *params,
                     struct mfw_wcursor *ret, bool *has_ret)
{
    uint8_t buf[HLS_F_MAX];
    size_t n = 0;
    int r = params != NULL ? mfw_axdr_get_octets(params, sizeof buf, buf, &n) : MFW_E_FORMAT;
    if (r == MFW_E_NOSPACE)
        return MFW_DAR_OTHER_REASON;
    if (r != MFW_OK || mfw_rcursor_left(params) != 0)
        return MFW_DAR_TYPE_UNMATCHED;
    if (method == 1) {
        /* reply_to_HLS_authentication: only an association waiting for pass 3 has a hook */
        uint8_t f[17];
        if (c->ses->hls_reply == NULL || c->ses->hls_reply(c->ses->hls_ctx, buf, n, f) != MFW_OK)
            return MFW_DAR_READ_WRITE_DENIED; /* Gurux gxinvoke.c answers so [M] */
        mfw_axdr_put_octets(ret, f, sizeof f);
        *has_ret = true;
        return MFW_DAR_SUCCESS;
    }
    /* change_HLS_secret: the authentication key, wrapped under the master key */
    if (n != 24)
        return MFW_DAR_OTHER_REASON;
    const uint8_t id = MFW_KEYS_AUTHENTICATION;
    int dar = mfw_cosem_class_result(mfw_meter_security_transfer_keys(c->m, 1, &id, buf));
    mfw_ct_wipe(buf, sizeof buf);
    return dar;
}

const struct mfw_cosem_class mfw_cosem_association_ln_class = {
    .class_id = MFW_IC_ASSOCIATION_LN,
    .version = 2,
    .attributes = 11, /* version 2: + user_list, current_user */
    .methods = 6,
    .get_open = ln_open,
    .get_item = ln_get,
    .set = ln_set,
    .action = ln_action,
};

/* ---- SAP assignment ---- */

static int sap_get(const struct mfw_cosem_call *c, struct mfw_cosem_stream *st, uint32_t i,
                   struct mfw_wcursor *w)
{
    (void)st;
    (void)i;
    mfw_axdr_put_array_header(w, 1);
    mfw_axdr_put_structure_header(w, 2);
    mfw_axdr_put_u16(w, 1);
    mfw_cosem_class_put_ldn(c->m, w);
    return MFW_DAR_SUCCESS;
}

const struct mfw_cosem_class mfw_cosem_association_sap_class = {
    .class_id = MFW_IC_SAP_ASSIGNMENT,
    .version = 0,
    .attributes = 2,
    .methods = 1, /* connect_logical_device */
    .get_item = sap_get,
};
