/* SPDX-License-Identifier: Apache-2.0 */
/* cosem_schedule: the end of billing as Single action schedule (Blue Book 4.5.7 [M], IC 22,
 * version 0) and the Script table it runs (4.5.2 [M], IC 9, version 0).
 *
 * Single action schedule 0.0.15.0.0.255: 2 executed_script {0.0.10.0.1.255, 1}, 3 type (1: one
 * entry, 5: several, wildcards allowed), 4 execution_time = the billing dates (array of {time(4),
 * date(5)}, at most MFW_BILLING_ENTRIES_MAX), written through mfw_meter_apply_settings.
 *
 * Script table 0.0.10.0.1.255: 2 scripts [M]: array of {script_identifier long-unsigned, actions
 * array of {service_id enum (1 write attribute, 2 execute method), class_id long-unsigned,
 * logical_name octet-string, index integer, parameter Data}}. One script, id 1; its action is shown
 * as execute of the billing profile's capture (IC 7 method 2, integer 0). What execute(1) really
 * runs is mfw_meter_end_billing: count the billing, capture the billing profile, reset the maximum
 * demands and the min/max voltages. */
#include "cosem_class.h"
#include "meterfw/codec/axdr.h"

static const uint8_t BILLING_SCRIPT_LN[6] = {0, 0, 10, 0, 1, 255};
static const uint8_t BILLING_PROFILE_LN[6] = {0, 0, 98, 1, 0, 255};

/* ---- Single action schedule ---- */

/* Stream kinds (struct mfw_cosem_stream.kind). */
enum { ST_VALUE = 0, ST_ELEMENTS };

static int single_action_open(const struct mfw_cosem_call *c, const struct mfw_cosem_ref *ref,
                              struct mfw_cosem_stream *st)
{
    if (ref->id == 4) { /* execution_time, one element per item */
        st->kind = ST_ELEMENTS;
        st->array = true;
        st->items = c->m->settings.billing.entries;
    }
    return MFW_DAR_SUCCESS;
}

static int single_action_get(const struct mfw_cosem_call *c, struct mfw_cosem_stream *st,
                             uint32_t i, struct mfw_wcursor *w)
{
    const struct mfw_meter *m = c->m;
    if (st->kind == ST_ELEMENTS) {
        const struct mfw_billing_entry *e = &m->settings.billing.e[i];
        struct mfw_tou_time t = {e->hour, e->minute, e->second};
        struct mfw_tou_date d = {e->year, e->month, e->day_of_month, e->day_of_week};
        mfw_axdr_put_structure_header(w, 2);
        mfw_wcursor_u8(w, MFW_AXDR_OCTET_STRING);
        mfw_wcursor_u8(w, 4);
        mfw_cosem_class_put_time_raw(&t, w);
        mfw_wcursor_u8(w, MFW_AXDR_OCTET_STRING);
        mfw_wcursor_u8(w, 5);
        mfw_cosem_class_put_date_raw(&d, w);
        return MFW_DAR_SUCCESS;
    }
    if (st->attr == 2) {
        mfw_axdr_put_structure_header(w, 2);
        mfw_axdr_put_octets(w, BILLING_SCRIPT_LN, 6);
        mfw_axdr_put_u16(w, 1);
        return MFW_DAR_SUCCESS;
    }
    /* attr 3 type: 1 = one entry, wildcards allowed; 5 = n entries, any times, wildcards */
    mfw_axdr_put_enum(w, m->settings.billing.entries <= 1 ? 1 : 5);
    return MFW_DAR_SUCCESS;
}

/* execution_time: array of {time(4), date(5)}, at most MFW_BILLING_ENTRIES_MAX. */
static int single_action_set(const struct mfw_cosem_call *c, unsigned attr,
                             struct mfw_rcursor *value)
{
    (void)attr;
    struct mfw_meter_settings s = c->m->settings;
    uint32_t n = 0, k = 0;
    if (mfw_axdr_get_array(value, &n) != MFW_OK)
        return MFW_DAR_TYPE_UNMATCHED;
    if (n > MFW_BILLING_ENTRIES_MAX)
        return MFW_DAR_OTHER_REASON;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *t, *d;
        if (mfw_axdr_get_structure(value, &k) != MFW_OK || k != 2 ||
            (t = mfw_cosem_class_get_fixed(value, 4)) == NULL ||
            (d = mfw_cosem_class_get_fixed(value, 5)) == NULL)
            return MFW_DAR_TYPE_UNMATCHED;
        struct mfw_billing_entry *e = &s.billing.e[i];
        e->hour = t[0];
        e->minute = t[1];
        e->second = t[2] == 0xFF ? 0 : t[2];
        e->year = (uint16_t)(d[0] << 8 | d[1]);
        e->month = d[2];
        e->day_of_month = d[3];
        e->day_of_week = d[4];
    }
    if (mfw_rcursor_left(value) != 0)
        return MFW_DAR_TYPE_UNMATCHED;
    s.billing.entries = (uint8_t)n;
    return mfw_cosem_class_apply(c->m, &s); /* the dates are checked there */
}

const struct mfw_cosem_class mfw_cosem_schedule_single_action_class = {
    .class_id = MFW_IC_SINGLE_ACTION_SCHEDULE,
    .version = 0,
    .attributes = 4,
    .methods = 0,
    .get_open = single_action_open,
    .get_item = single_action_get,
    .set = single_action_set,
};

/* ---- Script table ---- */

static int script_get(const struct mfw_cosem_call *c, struct mfw_cosem_stream *st, uint32_t i,
                      struct mfw_wcursor *w)
{
    (void)c;
    (void)st;
    (void)i;
    mfw_axdr_put_array_header(w, 1);
    mfw_axdr_put_structure_header(w, 2);
    mfw_axdr_put_u16(w, 1);
    mfw_axdr_put_array_header(w, 1);
    mfw_axdr_put_structure_header(w, 5);
    mfw_axdr_put_enum(w, 2);
    mfw_axdr_put_u16(w, MFW_IC_PROFILE_GENERIC);
    mfw_axdr_put_octets(w, BILLING_PROFILE_LN, 6);
    mfw_axdr_put_i8(w, 2);
    mfw_axdr_put_i8(w, 0);
    return MFW_DAR_SUCCESS;
}

/* m1 execute(long-unsigned script_identifier): 1 runs the end of billing, another id is
 * other-reason (no such script [M]). */
static int script_action(const struct mfw_cosem_call *c, unsigned method,
                         struct mfw_rcursor *params, struct mfw_wcursor *ret, bool *has_ret)
{
    (void)method;
    (void)ret;
    (void)has_ret;
    uint16_t id;
    if (params == NULL || !MFW_COSEM_READ_ONE(params, mfw_axdr_get_u16(params, &id)))
        return MFW_DAR_TYPE_UNMATCHED;
    if (id != 1)
        return MFW_DAR_OTHER_REASON;
    return mfw_cosem_class_result(mfw_meter_end_billing(c->m));
}

const struct mfw_cosem_class mfw_cosem_schedule_script_class = {
    .class_id = MFW_IC_SCRIPT_TABLE,
    .version = 0,
    .attributes = 2,
    .methods = 1, /* execute */
    .get_item = script_get,
    .action = script_action,
};
