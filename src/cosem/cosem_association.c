/* SPDX-License-Identifier: Apache-2.0 */
/* cosem_association: Association LN (Blue Book 4.4.3 [M], IC 15, version 2) and SAP assignment
 * (4.4.4 [M], IC 17, version 0).
 *
 * Association LN 0.0.40.0.0.255 is the current association: 2 object_list (the objects this
 * client sees, with its access rights, one element per item), 3 associated_partners_id {client
 * SAP, server SAP 1}, 4 application_context_name, 5 xDLMS_context_info, 6
 * authentication_mechanism_name, 7 secret (write-only: the LLS password of the management
 * association), 8 association_status (associated), 9 security_setup_reference (none yet),
 * 10 user_list (none), 11 current_user (none). Its methods (reply_to_HLS_authentication, ...) are
 * not offered. SAP assignment 0.0.41.0.0.255: 2 SAP_assignment_list {1, LDN}. */
#include <string.h>

#include "cosem_class.h"
#include "meterfw/codec/axdr.h"

/* application_context_name: logical name referencing, no ciphering (Green Book 9.4.2.2.2 [M]). */
static const uint8_t CONTEXT_LN[7] = {0x60, 0x85, 0x74, 0x05, 0x08, 0x01, 0x01};

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
    mfw_axdr_put_structure_header(w, 4);
    mfw_axdr_put_u16(w, cls->class_id);
    mfw_axdr_put_u8(w, cls->version);
    mfw_axdr_put_octets(w, o->obis, 6);
    mfw_axdr_put_structure_header(w, 2);
    mfw_axdr_put_array_header(w, cls->attributes);
    for (unsigned a = 1; a <= cls->attributes; a++) {
        mfw_axdr_put_structure_header(w, 3);
        mfw_axdr_put_i8(w, (int8_t)a);
        mfw_axdr_put_enum(w, mfw_cosem_objects_attribute_access(o, a, c->ses->client));
        mfw_axdr_put_null(w);
    }
    mfw_axdr_put_array_header(w, cls->methods);
    for (unsigned k = 1; k <= cls->methods; k++) {
        mfw_axdr_put_structure_header(w, 2);
        mfw_axdr_put_i8(w, (int8_t)k);
        mfw_axdr_put_enum(w, mfw_cosem_objects_method_access(o, k, c->ses->client) ? 1 : 0);
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
    case 4: mfw_axdr_put_octets(w, CONTEXT_LN, 7); break;
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
    case 8: mfw_axdr_put_enum(w, 2); break; /* associated */
    case 9: {
        static const uint8_t none[6] = {0, 0, 0, 0, 0, 0}; /* no security setup yet */
        mfw_axdr_put_octets(w, none, 6);
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

/* 7 secret: the LLS password of the management association, 1..MFW_COSEM_SECRET_MAX bytes. It
 * holds until the object model is initialised again: not persisted yet (the key store comes with
 * HLS). */
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
    if (n == 0)
        return MFW_DAR_OTHER_REASON;
    memcpy(c->env->secret, buf, n);
    c->env->secret_len = n;
    return MFW_DAR_SUCCESS;
}

const struct mfw_cosem_class mfw_cosem_association_ln_class = {
    .class_id = MFW_IC_ASSOCIATION_LN,
    .version = 2,
    .attributes = 11, /* version 2: + user_list, current_user */
    .methods = 6,
    .get_open = ln_open,
    .get_item = ln_get,
    .set = ln_set,
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
