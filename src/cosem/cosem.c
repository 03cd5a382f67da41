/* SPDX-License-Identifier: Apache-2.0 */
/* cosem: the dispatcher of the object model (see cosem.h, cosem_class.h and docs/cosem.md). It
 * finds the object a request names, checks the attribute or method against the object's class and
 * the client's rights, answers logical_name, and routes the rest to the class's operations. The
 * classes live in cosem_<class>.c, the object table and the rights in cosem_objects.c. */
#include "meterfw/cosem/cosem.h"

#include <string.h>

#include "cosem_class.h"
#include "meterfw/base/error.h"
#include "meterfw/codec/axdr.h"

void mfw_cosem_default_config(struct mfw_cosem_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->tcp_port = 4059;
    cfg->inactivity_s = 120;
    cfg->max_conns = 8;
}

int mfw_cosem_init(struct mfw_cosem *c, struct mfw_meter *m, const struct mfw_cosem_config *cfg)
{
    if (c == NULL || m == NULL || cfg == NULL)
        return MFW_E_ARG;
    bool ports_unset = cfg->ports.hdlc.window_tx == 0; /* 0 is no window: not set */
    if (!ports_unset && mfw_port_setup_check(&cfg->ports) != MFW_OK)
        return MFW_E_ARG;
    memset(c, 0, sizeof *c);
    c->meter = m;
    c->env.tcp_port = cfg->tcp_port;
    c->env.inactivity_s = cfg->inactivity_s;
    c->env.max_conns = cfg->max_conns;
    c->env.mss = 1460;
    c->env.max_pdu = MFW_DLMS_SERVER_MAX_PDU; /* the DLMS server sets its own (dlms_server.c) */
    if (ports_unset)
        mfw_port_setup_default(&c->env.ports, &m->config);
    else
        c->env.ports = cfg->ports;
    mfw_cosem_objects_index(c->by_name);
    return MFW_OK;
}

/* ---- the index space ---- */

unsigned mfw_cosem_object_count(void)
{
    return mfw_cosem_objects_count();
}

bool mfw_cosem_object_info(unsigned idx, uint16_t *class_id, uint8_t *version, uint8_t obis[6])
{
    struct mfw_cosem_object buf;
    const struct mfw_cosem_object *o = mfw_cosem_objects_get(idx, &buf);
    if (o == NULL)
        return false;
    *class_id = o->cls->class_id;
    *version = o->cls->version;
    memcpy(obis, o->obis, 6);
    return true;
}

bool mfw_cosem_visible(const struct mfw_cosem *c, unsigned idx, uint8_t client)
{
    struct mfw_cosem_object buf;
    const struct mfw_cosem_object *o = mfw_cosem_objects_get(idx, &buf);
    return o != NULL && mfw_cosem_objects_visible(o, c->meter, client);
}

/* The object of class_id + obis that client sees (made in *buf for a catalogue quantity), or
 * NULL. */
static const struct mfw_cosem_object *find(const struct mfw_cosem *c, uint8_t client,
                                           uint16_t class_id, const uint8_t obis[6], unsigned *idx,
                                           struct mfw_cosem_object *buf)
{
    if (mfw_cosem_objects_lookup(c->by_name, obis, idx) != MFW_OK)
        return NULL;
    const struct mfw_cosem_object *o = mfw_cosem_objects_get(*idx, buf);
    if (o == NULL || o->cls->class_id != class_id ||
        !mfw_cosem_objects_visible(o, c->meter, client))
        return NULL;
    return o;
}

int mfw_cosem_find(const struct mfw_cosem *c, uint8_t client, uint16_t class_id,
                   const uint8_t obis[6], unsigned *idx)
{
    struct mfw_cosem_object buf;
    unsigned i;
    if (find(c, client, class_id, obis, &i, &buf) == NULL)
        return MFW_E_RANGE;
    *idx = i;
    return MFW_OK;
}

uint8_t mfw_cosem_attribute_access(unsigned idx, unsigned attr, uint8_t client)
{
    struct mfw_cosem_object buf;
    const struct mfw_cosem_object *o = mfw_cosem_objects_get(idx, &buf);
    return o != NULL ? mfw_cosem_objects_attribute_access(o, attr, client)
                     : (uint8_t)MFW_COSEM_NO_ACCESS;
}

bool mfw_cosem_method_access(unsigned idx, unsigned method, uint8_t client)
{
    struct mfw_cosem_object buf;
    const struct mfw_cosem_object *o = mfw_cosem_objects_get(idx, &buf);
    return o != NULL && mfw_cosem_objects_method_access(o, method, client);
}

/* The call on the object a request names: MFW_OK, or MFW_E_RANGE when this client has no such
 * object (object-undefined, Green Book 9.5). */
static int open_call(const struct mfw_cosem_ctx *c, const struct mfw_cosem_ref *ref,
                     struct mfw_cosem_call *call)
{
    call->m = c->cosem->meter;
    call->env = &c->cosem->env;
    call->ses = c->ses;
    call->obj = find(c->cosem, c->ses->client, ref->class_id, ref->obis, &call->idx, &call->made);
    return call->obj != NULL ? MFW_OK : MFW_E_RANGE;
}

/* ---- GET ---- */

int mfw_cosem_get_open(const struct mfw_cosem_ctx *c, const struct mfw_cosem_ref *ref,
                       struct mfw_cosem_stream *st)
{
    struct mfw_cosem_call call;
    memset(st, 0, sizeof *st);
    if (open_call(c, ref, &call) != MFW_OK)
        return MFW_DAR_OBJECT_UNDEFINED;
    const struct mfw_cosem_class *cls = call.obj->cls;
    if (ref->id < 1 || (unsigned)ref->id > cls->attributes)
        return MFW_DAR_OBJECT_UNDEFINED;
    if (!(mfw_cosem_objects_attribute_access(call.obj, (unsigned)ref->id, c->ses->client) &
          MFW_COSEM_READ))
        return MFW_DAR_READ_WRITE_DENIED;
    st->obj = (uint16_t)call.idx;
    st->attr = (uint8_t)ref->id;
    if (ref->has_selection && !((cls->selective >> ref->id) & 1u))
        return MFW_DAR_OTHER_REASON; /* selective access only where the class defines it */
    st->items = 1;
    if (ref->id == 1 || cls->get_open == NULL)
        return MFW_DAR_SUCCESS;
    return cls->get_open(&call, ref, st);
}

void mfw_cosem_get_header(const struct mfw_cosem_ctx *c, struct mfw_cosem_stream *st,
                          struct mfw_wcursor *w)
{
    (void)c;
    if (st->array)
        mfw_axdr_put_array_header(w, st->items);
}

int mfw_cosem_get_item(const struct mfw_cosem_ctx *c, struct mfw_cosem_stream *st, uint32_t i,
                       struct mfw_wcursor *w)
{
    struct mfw_cosem_call call;
    call.m = c->cosem->meter;
    call.env = &c->cosem->env;
    call.ses = c->ses;
    call.idx = st->obj;
    call.obj = mfw_cosem_objects_get(st->obj, &call.made);
    if (call.obj == NULL)
        return MFW_DAR_OBJECT_UNDEFINED;
    if (st->attr == 1) { /* logical_name: attribute 1 of every interface class */
        mfw_axdr_put_octets(w, call.obj->obis, 6);
        return MFW_DAR_SUCCESS;
    }
    if (call.obj->cls->get_item == NULL) {
        mfw_axdr_put_null(w);
        return MFW_DAR_SUCCESS;
    }
    return call.obj->cls->get_item(&call, st, i, w);
}

/* ---- SET ---- */

int mfw_cosem_set(const struct mfw_cosem_ctx *c, const struct mfw_cosem_ref *ref,
                  const uint8_t *value, size_t len)
{
    struct mfw_cosem_call call;
    if (open_call(c, ref, &call) != MFW_OK)
        return MFW_DAR_OBJECT_UNDEFINED;
    const struct mfw_cosem_class *cls = call.obj->cls;
    if (ref->id < 1 || (unsigned)ref->id > cls->attributes)
        return MFW_DAR_OBJECT_UNDEFINED;
    if (!(mfw_cosem_objects_attribute_access(call.obj, (unsigned)ref->id, c->ses->client) &
          MFW_COSEM_WRITE) ||
        !mfw_cosem_objects_switch_allowed(call.obj, c->ses))
        return MFW_DAR_READ_WRITE_DENIED;
    if (ref->has_selection)
        return MFW_DAR_OTHER_REASON;
    if (cls->set == NULL)
        return MFW_DAR_READ_WRITE_DENIED;
    struct mfw_rcursor rc;
    mfw_rcursor_init(&rc, value, len);
    return cls->set(&call, (unsigned)ref->id, &rc);
}

/* ---- ACTION ---- */

int mfw_cosem_action(const struct mfw_cosem_ctx *c, const struct mfw_cosem_ref *ref,
                     const uint8_t *params, size_t len, struct mfw_wcursor *ret, bool *has_ret)
{
    struct mfw_cosem_call call;
    *has_ret = false;
    if (open_call(c, ref, &call) != MFW_OK)
        return MFW_DAR_OBJECT_UNDEFINED;
    const struct mfw_cosem_class *cls = call.obj->cls;
    if (ref->id < 1 || (unsigned)ref->id > cls->methods)
        return MFW_DAR_OBJECT_UNDEFINED;
    if (!mfw_cosem_objects_method_access(call.obj, (unsigned)ref->id, c->ses->client) ||
        !mfw_cosem_objects_switch_allowed(call.obj, c->ses))
        return MFW_DAR_READ_WRITE_DENIED;
    if (cls->action == NULL)
        return MFW_DAR_READ_WRITE_DENIED;
    struct mfw_rcursor rc;
    mfw_rcursor_init(&rc, params, params != NULL ? len : 0);
    return cls->action(&call, (unsigned)ref->id, params != NULL ? &rc : NULL, ret, has_ret);
}
