/* SPDX-License-Identifier: Apache-2.0 */
/* cosem_schedule: Single action schedule (Blue Book 4.5.7 [M], IC 22, version 0) and Script table
 * (4.5.2 [M], IC 9, version 0): the end of billing, and the meter's other scripts and schedules
 * (meter/script.h, meter.h enum mfw_meter_schedule_id):
 *
 * Script tables: 0.0.10.0.1.255 end of billing (below); 0.0.10.0.106.255 disconnect control,
 * scripts 1 and 2 shown as execute of Disconnect control m1 / m2 (references/idis-objects.md
 * section 8), run as the local disconnection and reconnection g / h (script.h); 0.0.10.0.103.255
 * set output signals, scripts 1..4 shown as a write of the load relays' status word
 * 0.0.96.3.2.255 with the relay's bit set (on) or clear (off), 5 and 6 (shed, restore) with no
 * action (the meter's own). m1 execute(long-unsigned script id) runs one: an id the table lacks,
 * or a relay the model lacks, is other-reason.
 *
 * Single action schedules other than billing: 0.0.15.0.1.255 disconnect control, 0.0.15.0.3.255
 * and 0.1.15.0.3.255 output control: 2 executed_script {script table LN, selector} (writable: a
 * script of 0.0.10.0.106.255 or 0.0.10.0.103.255, or none), 3 type, 4 execution_time as below
 * (writable), matched as the end of billing's (meter/billing.h).
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

static const uint8_t BILLING_PROFILE_LN[6] = {0, 0, 98, 1, 0, 255};
static const uint8_t DISCONNECT_LN[6] = {0, 0, 96, 3, 10, 255};
static const uint8_t RELAY_STATUS_LN[6] = {0, 0, 96, 3, 2, 255};

static bool is_billing(const struct mfw_cosem_call *c)
{
    return c->obj->arg == MFW_COSEM_SCHEDULE_BILLING;
}

/* The execution times of a schedule. */
static const struct mfw_billing_config *times_of(const struct mfw_cosem_call *c)
{
    const struct mfw_meter_settings *s = &c->m->settings;
    return is_billing(c) ? &s->billing : &s->schedule[c->obj->arg % MFW_SCHED_COUNT].times;
}

/* ---- Single action schedule ---- */

/* Stream kinds (struct mfw_cosem_stream.kind). */
enum { ST_VALUE = 0, ST_ELEMENTS };

static int single_action_open(const struct mfw_cosem_call *c, const struct mfw_cosem_ref *ref,
                              struct mfw_cosem_stream *st)
{
    if (ref->id == 4) { /* execution_time, one element per item */
        st->kind = ST_ELEMENTS;
        st->array = true;
        st->items = times_of(c)->entries;
    }
    return MFW_DAR_SUCCESS;
}

static int single_action_get(const struct mfw_cosem_call *c, struct mfw_cosem_stream *st,
                             uint32_t i, struct mfw_wcursor *w)
{
    const struct mfw_billing_config *times = times_of(c);
    if (st->kind == ST_ELEMENTS) {
        const struct mfw_billing_entry *e = &times->e[i];
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
        struct mfw_script_ref billing = {MFW_SCRIPT_BILLING, 1};
        const struct mfw_script_ref *sc =
            is_billing(c) ? &billing
                          : &c->m->settings.schedule[c->obj->arg % MFW_SCHED_COUNT].script;
        mfw_axdr_put_structure_header(w, 2);
        mfw_axdr_put_octets(w, mfw_script_ln(sc->table), 6);
        mfw_axdr_put_u16(w, sc->selector);
        return MFW_DAR_SUCCESS;
    }
    /* attr 3 type: 1 = one entry, wildcards allowed; 5 = n entries, any times, wildcards */
    mfw_axdr_put_enum(w, times->entries <= 1 ? 1 : 5);
    return MFW_DAR_SUCCESS;
}

/* 2 executed_script {octet-string LN, long-unsigned selector}. */
static int set_script(const struct mfw_cosem_call *c, struct mfw_rcursor *value)
{
    struct mfw_meter_settings s = c->m->settings;
    uint32_t n = 0;
    const uint8_t *ln;
    uint16_t sel;
    if (mfw_axdr_get_structure(value, &n) != MFW_OK || n != 2 ||
        (ln = mfw_cosem_class_get_fixed(value, 6)) == NULL ||
        !MFW_COSEM_READ_ONE(value, mfw_axdr_get_u16(value, &sel)))
        return MFW_DAR_TYPE_UNMATCHED;
    bool known = false;
    uint8_t table = mfw_script_of_ln(ln, &known);
    /* the end of billing has its own schedule */
    if (!known || table == MFW_SCRIPT_BILLING)
        return MFW_DAR_OTHER_REASON;
    struct mfw_script_ref *sc = &s.schedule[c->obj->arg % MFW_SCHED_COUNT].script;
    sc->table = table;
    sc->selector = table == MFW_SCRIPT_NONE ? 0 : sel;
    return mfw_cosem_class_apply(c->m, &s); /* a script the meter has: checked there */
}

/* execution_time: array of {time(4), date(5)}, at most MFW_BILLING_ENTRIES_MAX. */
static int single_action_set(const struct mfw_cosem_call *c, unsigned attr,
                             struct mfw_rcursor *value)
{
    if (attr == 2) {
        if (is_billing(c))
            return MFW_DAR_READ_WRITE_DENIED;
        return set_script(c, value);
    }
    struct mfw_meter_settings s = c->m->settings;
    struct mfw_billing_config *times =
        is_billing(c) ? &s.billing : &s.schedule[c->obj->arg % MFW_SCHED_COUNT].times;
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
        struct mfw_billing_entry *e = &times->e[i];
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
    times->entries = (uint8_t)n;
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

/* One action {service_id, class_id, logical_name, index, parameter}; parameter is an integer or
 * an unsigned (its value in v). */
static void put_action(uint8_t service, uint16_t cls, const uint8_t ln[6], int8_t index, bool unsig,
                       uint8_t v, struct mfw_wcursor *w)
{
    mfw_axdr_put_structure_header(w, 5);
    mfw_axdr_put_enum(w, service);
    mfw_axdr_put_u16(w, cls);
    mfw_axdr_put_octets(w, ln, 6);
    mfw_axdr_put_i8(w, index);
    if (unsig)
        mfw_axdr_put_u8(w, v);
    else
        mfw_axdr_put_i8(w, (int8_t)v);
}

static int script_get(const struct mfw_cosem_call *c, struct mfw_cosem_stream *st, uint32_t i,
                      struct mfw_wcursor *w)
{
    (void)st;
    (void)i;
    uint8_t table = (uint8_t)c->obj->arg;
    unsigned n = mfw_script_count(table);
    mfw_axdr_put_array_header(w, n);
    for (unsigned k = 1; k <= n; k++) {
        mfw_axdr_put_structure_header(w, 2);
        mfw_axdr_put_u16(w, (uint16_t)k);
        if (table == MFW_SCRIPT_BILLING) {
            mfw_axdr_put_array_header(w, 1);
            put_action(2, MFW_IC_PROFILE_GENERIC, BILLING_PROFILE_LN, 2, false, 0, w);
        } else if (table == MFW_SCRIPT_DISCONNECT) {
            mfw_axdr_put_array_header(w, 1);
            put_action(2, MFW_IC_DISCONNECT_CONTROL, DISCONNECT_LN, (int8_t)k, false, 0, w);
        } else if (k <= 4) { /* output: relay (k + 1) / 2 on (odd) or off (even) */
            mfw_axdr_put_array_header(w, 1);
            uint8_t bit = (uint8_t)(1u << ((k - 1u) / 2u));
            put_action(1, MFW_IC_REGISTER, RELAY_STATUS_LN, 2, true, (k & 1u) ? bit : 0, w);
        } else {
            mfw_axdr_put_array_header(w, 0);
        }
    }
    return MFW_DAR_SUCCESS;
}

/* m1 execute(long-unsigned script_identifier): runs the script (meter/script.h); an id the table
 * lacks is other-reason (no such script [M]). */
static int script_action(const struct mfw_cosem_call *c, unsigned method,
                         struct mfw_rcursor *params, struct mfw_wcursor *ret, bool *has_ret)
{
    (void)method;
    (void)ret;
    (void)has_ret;
    uint16_t id;
    if (params == NULL || !MFW_COSEM_READ_ONE(params, mfw_axdr_get_u16(params, &id)))
        return MFW_DAR_TYPE_UNMATCHED;
    return mfw_cosem_class_result(mfw_meter_script(c->m, (uint8_t)c->obj->arg, id));
}

const struct mfw_cosem_class mfw_cosem_schedule_script_class = {
    .class_id = MFW_IC_SCRIPT_TABLE,
    .version = 0,
    .attributes = 2,
    .methods = 1, /* execute */
    .get_item = script_get,
    .action = script_action,
};
