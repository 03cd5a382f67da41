/* SPDX-License-Identifier: Apache-2.0 */
/* cosem_limiter: Limiter (Blue Book IEC 62056-6-2 4.5.9, IC 71, version 0 [M]; the data types as
 * Gurux serves them [V: gxget.c cosem_getLimiter]) over the meter's limiter (meter/limiter.h):
 * 0.0.17.0.0.255.
 *
 *   2 monitored_value  {long-unsigned class_id, octet-string LN, integer attribute}: a catalogue
 *                      quantity's value (attribute 2), e.g. {3, 1.0.1.7.0.255, 2}
 *   3 threshold_active, 4 threshold_normal, 5 threshold_emergency: double-long-unsigned in the
 *                      monitored quantity's unit and scaler (W); 0 = no limitation
 *   6 min_over_threshold_duration, 7 min_under_threshold_duration: double-long-unsigned, s
 *   8 emergency_profile {long-unsigned id, octet-string(12) activation time, double-long-unsigned
 *                      duration s}
 *   9 emergency_profile_group_id_list: array of long-unsigned (at most MFW_LIMITER_GROUPS_MAX)
 *   10 emergency_profile_active: boolean
 *   11 actions {{octet-string script LN, long-unsigned selector} over, {...} under}: scripts of
 *                      0.0.10.0.106.255 or 0.0.10.0.103.255 (meter/script.h), or none (zeros)
 * Every write but 3 and 10 goes through mfw_meter_apply_settings (validated, persisted). */
#include <string.h>

#include "cosem_class.h"
#include "meterfw/codec/axdr.h"

static void put_script(const struct mfw_script_ref *s, struct mfw_wcursor *w)
{
    mfw_axdr_put_structure_header(w, 2);
    mfw_axdr_put_octets(w, mfw_script_ln(s->table), 6);
    mfw_axdr_put_u16(w, s->selector);
}

static int limiter_get(const struct mfw_cosem_call *c, struct mfw_cosem_stream *st, uint32_t i,
                       struct mfw_wcursor *w)
{
    (void)i;
    const struct mfw_meter *m = c->m;
    const struct mfw_limiter_config *l = &m->settings.limiter;
    switch (st->attr) {
    case 2: {
        const struct mfw_catalog_entry *e = mfw_catalog_find(l->monitored);
        mfw_axdr_put_structure_header(w, 3);
        mfw_axdr_put_u16(w, mfw_cosem_objects_catalog_class(l->monitored)->class_id);
        mfw_axdr_put_octets(w, e->obis, 6);
        mfw_axdr_put_i8(w, 2);
        break;
    }
    case 3: mfw_axdr_put_u32(w, mfw_limiter_threshold(l, m->now)); break;
    case 4: mfw_axdr_put_u32(w, l->threshold_normal); break;
    case 5: mfw_axdr_put_u32(w, l->threshold_emergency); break;
    case 6: mfw_axdr_put_u32(w, l->min_over_s); break;
    case 7: mfw_axdr_put_u32(w, l->min_under_s); break;
    case 8:
        mfw_axdr_put_structure_header(w, 3);
        mfw_axdr_put_u16(w, l->emergency_id);
        if (l->emergency_start > 0)
            mfw_cosem_class_put_datetime(m, l->emergency_start, 0, w);
        else
            mfw_cosem_class_put_datetime_unspecified(w);
        mfw_axdr_put_u32(w, l->emergency_duration_s);
        break;
    case 9:
        mfw_axdr_put_array_header(w, l->n_groups);
        for (unsigned k = 0; k < l->n_groups && k < MFW_LIMITER_GROUPS_MAX; k++)
            mfw_axdr_put_u16(w, l->groups[k]);
        break;
    case 10: mfw_axdr_put_bool(w, mfw_limiter_emergency_active(l, m->now)); break;
    default:
        mfw_axdr_put_structure_header(w, 2);
        put_script(&l->over, w);
        put_script(&l->under, w);
        break;
    }
    return MFW_DAR_SUCCESS;
}

/* A threshold or a duration: double-long-unsigned, or long-unsigned / unsigned (a client may
 * send the smaller type for a small value). */
static bool get_amount(struct mfw_rcursor *rc, uint32_t *v)
{
    struct mfw_rcursor save = *rc;
    if (MFW_COSEM_READ_ONE(rc, mfw_axdr_get_u32(rc, v)))
        return true;
    *rc = save;
    uint16_t u16;
    if (MFW_COSEM_READ_ONE(rc, mfw_axdr_get_u16(rc, &u16))) {
        *v = u16;
        return true;
    }
    *rc = save;
    uint8_t u8;
    if (MFW_COSEM_READ_ONE(rc, mfw_axdr_get_u8(rc, &u8))) {
        *v = u8;
        return true;
    }
    return false;
}

static int get_script(struct mfw_rcursor *rc, struct mfw_script_ref *s)
{
    uint32_t n = 0;
    const uint8_t *ln;
    if (mfw_axdr_get_structure(rc, &n) != MFW_OK || n != 2 ||
        (ln = mfw_cosem_class_get_fixed(rc, 6)) == NULL ||
        mfw_axdr_get_u16(rc, &s->selector) != MFW_OK)
        return MFW_DAR_TYPE_UNMATCHED;
    bool known = false;
    s->table = mfw_script_of_ln(ln, &known);
    if (!known)
        return MFW_DAR_OTHER_REASON;
    if (s->table == MFW_SCRIPT_NONE)
        s->selector = 0;
    return MFW_DAR_SUCCESS;
}

static int limiter_set(const struct mfw_cosem_call *c, unsigned attr, struct mfw_rcursor *value)
{
    struct mfw_meter *m = c->m;
    struct mfw_meter_settings s = m->settings;
    struct mfw_limiter_config *l = &s.limiter;
    uint32_t n = 0, v = 0;
    switch (attr) {
    case 2: {
        uint16_t cls;
        const uint8_t *ln;
        int8_t a;
        if (mfw_axdr_get_structure(value, &n) != MFW_OK || n != 3 ||
            mfw_axdr_get_u16(value, &cls) != MFW_OK ||
            (ln = mfw_cosem_class_get_fixed(value, 6)) == NULL ||
            !MFW_COSEM_READ_ONE(value, mfw_axdr_get_i8(value, &a)))
            return MFW_DAR_TYPE_UNMATCHED;
        const struct mfw_catalog_entry *e = mfw_catalog_find_obis(ln);
        /* a value the meter has (attribute 2 of one of its catalogue objects) */
        if (e == NULL || a != 2 || mfw_cosem_objects_catalog_class(e->id)->class_id != cls)
            return MFW_DAR_OTHER_REASON;
        l->monitored = e->id;
        break;
    }
    case 4:
    case 5:
    case 6:
    case 7:
        if (!get_amount(value, &v))
            return MFW_DAR_TYPE_UNMATCHED;
        *(attr == 4   ? &l->threshold_normal
          : attr == 5 ? &l->threshold_emergency
          : attr == 6 ? &l->min_over_s
                      : &l->min_under_s) = v;
        break;
    case 8: {
        uint16_t id;
        struct mfw_cosem_datetime dt;
        uint32_t dur;
        if (mfw_axdr_get_structure(value, &n) != MFW_OK || n != 3 ||
            mfw_axdr_get_u16(value, &id) != MFW_OK || mfw_axdr_get_datetime(value, &dt) != MFW_OK ||
            !MFW_COSEM_READ_ONE(value, mfw_axdr_get_u32(value, &dur)))
            return MFW_DAR_TYPE_UNMATCHED;
        mfw_ms_t t = 0;
        bool none = dt.year == 0xFFFF && dt.month == 0xFF && dt.day == 0xFF;
        if (!none && mfw_cosem_datetime_to_ms(&dt, m->local.offset_min, &t) != MFW_OK)
            return MFW_DAR_OTHER_REASON;
        l->emergency_id = id;
        l->emergency_start = none ? 0 : t;
        l->emergency_duration_s = dur;
        break;
    }
    case 9:
        if (mfw_axdr_get_array(value, &n) != MFW_OK)
            return MFW_DAR_TYPE_UNMATCHED;
        if (n > MFW_LIMITER_GROUPS_MAX)
            return MFW_DAR_OTHER_REASON;
        for (uint32_t k = 0; k < n; k++)
            if (mfw_axdr_get_u16(value, &l->groups[k]) != MFW_OK)
                return MFW_DAR_TYPE_UNMATCHED;
        if (mfw_rcursor_left(value) != 0)
            return MFW_DAR_TYPE_UNMATCHED;
        l->n_groups = (uint8_t)n;
        break;
    default: { /* 11 */
        if (mfw_axdr_get_structure(value, &n) != MFW_OK || n != 2)
            return MFW_DAR_TYPE_UNMATCHED;
        int rc = get_script(value, &l->over);
        if (rc == MFW_DAR_SUCCESS)
            rc = get_script(value, &l->under);
        if (rc != MFW_DAR_SUCCESS)
            return rc;
        if (mfw_rcursor_left(value) != 0)
            return MFW_DAR_TYPE_UNMATCHED;
        break;
    }
    }
    return mfw_cosem_class_apply(m, &s);
}

const struct mfw_cosem_class mfw_cosem_limiter_class = {
    .class_id = MFW_IC_LIMITER,
    .version = 0,
    .attributes = 11,
    .methods = 0,
    .get_item = limiter_get,
    .set = limiter_set,
};
