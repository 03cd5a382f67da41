/* SPDX-License-Identifier: Apache-2.0 */
/* cosem_push: Push setup (Blue Book 4.4.8 [M], IC 40, version 0; references/idis-objects.md
 * section 7) of the four IDIS pushes, kind = enum mfw_push_id:
 *   2 push_object_list   array {class_id long-unsigned, logical_name octet-string(6),
 *                        attribute_index integer, data_index long-unsigned}: fixed per push; the
 *                        first entry is this object's own list (attribute 2), so a listener that
 *                        knows nothing of the meter can read the rest (as Gurux's push example)
 *   3 send_destination_and_method  {transport_service enum (0 TCP), destination octet-string
 *                        "a.b.c.d:port", message enum (0 A-XDR encoded xDLMS APDU)}; only TCP and
 *                        A-XDR are taken
 *   4 communication_window  array of {start, end} date-time(12); the meter keeps one daily window
 *                        (hour and minute of each; the other fields not specified), none = any time
 *   5 randomisation_start_interval long-unsigned (s), 6 number_of_retries unsigned,
 *   7 repetition_delay long-unsigned (s)
 *   m1 push(integer 0): the push is due now (sent by the WAN module, link/push.h). */
#include <string.h>

#include "cosem_class.h"
#include "meterfw/codec/axdr.h"

#define LDN                                                                                        \
    {                                                                                              \
        0, 0, 42, 0, 0, 255                                                                        \
    }
#define CLOCK                                                                                      \
    {                                                                                              \
        0, 0, 1, 0, 0, 255                                                                         \
    }
#define DEVICE_ID                                                                                  \
    {                                                                                              \
        0, 0, 96, 1, 0, 255                                                                        \
    }

static const struct mfw_cosem_push_entry connectivity[] = {
    {MFW_IC_PUSH_SETUP, {0, 0, 25, 9, 0, 255}, 2},
    {MFW_IC_DATA, LDN, 2},
    {MFW_IC_CLOCK, CLOCK, 2},
    {MFW_IC_DATA, DEVICE_ID, 2},
};
static const struct mfw_cosem_push_entry interval[] = {
    {MFW_IC_PUSH_SETUP, {0, 1, 25, 9, 0, 255}, 2},
    {MFW_IC_DATA, LDN, 2},
    {MFW_IC_CLOCK, CLOCK, 2},
    {MFW_IC_REGISTER, {1, 0, 1, 8, 0, 255}, 2},
    {MFW_IC_REGISTER, {1, 0, 2, 8, 0, 255}, 2},
};
static const struct mfw_cosem_push_entry alarm[] = {
    {MFW_IC_PUSH_SETUP, {0, 4, 25, 9, 0, 255}, 2},
    {MFW_IC_DATA, LDN, 2},
    {MFW_IC_CLOCK, CLOCK, 2},
    {MFW_IC_DATA, {0, 0, 97, 98, 0, 255}, 2}, /* alarm register 1 */
    {MFW_IC_DATA, {0, 0, 97, 98, 1, 255}, 2}, /* alarm register 2 */
    /* where the meter is, so that a neutral fault's alarm says where the fault is (issue 11 6:
     * the substation and grid-line identifiers, written by the utility) */
    {MFW_IC_DATA, {0, 0, 96, 50, 1, 255}, 2},
    {MFW_IC_DATA, {0, 0, 96, 50, 2, 255}, 2},
};
static const struct mfw_cosem_push_entry installation[] = {
    {MFW_IC_PUSH_SETUP, {0, 7, 25, 9, 0, 255}, 2},
    {MFW_IC_DATA, LDN, 2},
    {MFW_IC_CLOCK, CLOCK, 2},
    {MFW_IC_DATA, DEVICE_ID, 2},
};

const struct mfw_cosem_push_entry *mfw_cosem_push_list(unsigned id, unsigned *n)
{
    switch (id) {
    case MFW_PUSH_CONNECTIVITY: *n = 4; return connectivity;
    case MFW_PUSH_INTERVAL: *n = 5; return interval;
    case MFW_PUSH_ALARM: *n = 7; return alarm;
    case MFW_PUSH_INSTALLATION: *n = 4; return installation;
    default: *n = 0; return NULL;
    }
}

/* A daily time as a date-time with everything but hour and minute not specified. */
static void put_daily(struct mfw_wcursor *w, uint16_t min)
{
    const uint8_t dt[12] = {
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, (uint8_t)(min / 60u), (uint8_t)(min % 60u),
        0,    0xFF, 0x80, 0x00, 0xFF};
    mfw_axdr_put_octets(w, dt, sizeof dt);
}

static int push_get(const struct mfw_cosem_call *c, struct mfw_cosem_stream *st, uint32_t i,
                    struct mfw_wcursor *w)
{
    (void)i;
    unsigned id = c->obj->kind;
    const struct mfw_push_setup *p = &c->m->push[id < MFW_PUSH_COUNT ? id : 0];
    switch (st->attr) {
    case 2: {
        unsigned n = 0;
        const struct mfw_cosem_push_entry *e = mfw_cosem_push_list(id, &n);
        mfw_axdr_put_array_header(w, n);
        for (unsigned k = 0; k < n; k++) {
            mfw_axdr_put_structure_header(w, 4);
            mfw_axdr_put_u16(w, e[k].class_id);
            mfw_axdr_put_octets(w, e[k].ln, 6);
            mfw_axdr_put_i8(w, e[k].attr);
            mfw_axdr_put_u16(w, 0);
        }
        break;
    }
    case 3: {
        size_t n = 0;
        while (n < sizeof p->destination && p->destination[n] != '\0')
            n++;
        mfw_axdr_put_structure_header(w, 3);
        mfw_axdr_put_enum(w, 0); /* TCP */
        mfw_axdr_put_octets(w, (const uint8_t *)p->destination, n);
        mfw_axdr_put_enum(w, 0); /* A-XDR encoded xDLMS APDU */
        break;
    }
    case 4:
        if (p->window_start_min == p->window_end_min) {
            mfw_axdr_put_array_header(w, 0);
            break;
        }
        mfw_axdr_put_array_header(w, 1);
        mfw_axdr_put_structure_header(w, 2);
        put_daily(w, p->window_start_min);
        put_daily(w, p->window_end_min);
        break;
    case 5: mfw_axdr_put_u16(w, p->randomisation_s); break;
    case 6: mfw_axdr_put_u8(w, p->retries); break;
    default: mfw_axdr_put_u16(w, p->repetition_delay_s); break;
    }
    return MFW_DAR_SUCCESS;
}

/* hour and minute of a daily date-time(12): MFW_OK or MFW_E_RANGE */
static int get_daily(struct mfw_rcursor *v, uint16_t *min)
{
    uint8_t dt[12];
    size_t n = 0;
    if (mfw_axdr_get_octets(v, sizeof dt, dt, &n) != MFW_OK || n != sizeof dt || dt[5] > 23 ||
        dt[6] > 59)
        return MFW_E_RANGE;
    *min = (uint16_t)(dt[5] * 60u + dt[6]);
    return MFW_OK;
}

static int push_set(const struct mfw_cosem_call *c, unsigned attr, struct mfw_rcursor *value)
{
    unsigned id = c->obj->kind;
    if (id >= MFW_PUSH_COUNT)
        return MFW_DAR_OBJECT_UNAVAILABLE;
    struct mfw_push_setup s = c->m->push[id];
    uint32_t count = 0;
    switch (attr) {
    case 3: {
        uint8_t transport = 0, message = 0;
        size_t n = 0;
        memset(s.destination, 0, sizeof s.destination);
        if (mfw_axdr_get_structure(value, &count) != MFW_OK || count != 3 ||
            mfw_axdr_get_enum(value, &transport) != MFW_OK ||
            mfw_axdr_get_octets(value, MFW_PUSH_DEST_MAX, (uint8_t *)s.destination, &n) != MFW_OK ||
            mfw_axdr_get_enum(value, &message) != MFW_OK || mfw_rcursor_left(value) != 0)
            return MFW_DAR_TYPE_UNMATCHED;
        if (transport != 0 || message != 0)
            return MFW_DAR_OTHER_REASON; /* TCP and A-XDR only */
        break;
    }
    case 4:
        if (mfw_axdr_get_array(value, &count) != MFW_OK || count > 1)
            return count > 1 ? MFW_DAR_OTHER_REASON : MFW_DAR_TYPE_UNMATCHED;
        s.window_start_min = s.window_end_min = 0;
        if (count == 1) {
            uint32_t f = 0;
            if (mfw_axdr_get_structure(value, &f) != MFW_OK || f != 2 ||
                get_daily(value, &s.window_start_min) != MFW_OK ||
                get_daily(value, &s.window_end_min) != MFW_OK)
                return MFW_DAR_TYPE_UNMATCHED;
        }
        if (mfw_rcursor_left(value) != 0)
            return MFW_DAR_TYPE_UNMATCHED;
        break;
    case 5:
        if (!MFW_COSEM_READ_ONE(value, mfw_axdr_get_u16(value, &s.randomisation_s)))
            return MFW_DAR_TYPE_UNMATCHED;
        break;
    case 6:
        if (!MFW_COSEM_READ_ONE(value, mfw_axdr_get_u8(value, &s.retries)))
            return MFW_DAR_TYPE_UNMATCHED;
        break;
    case 7:
        if (!MFW_COSEM_READ_ONE(value, mfw_axdr_get_u16(value, &s.repetition_delay_s)))
            return MFW_DAR_TYPE_UNMATCHED;
        break;
    default: return MFW_DAR_READ_WRITE_DENIED;
    }
    return mfw_cosem_class_result(mfw_meter_push_configure(c->m, id, &s));
}

static int push_action(const struct mfw_cosem_call *c, unsigned method, struct mfw_rcursor *params,
                       struct mfw_wcursor *ret, bool *has_ret)
{
    (void)method; /* 1: the only method */
    (void)ret;
    (void)has_ret;
    int8_t zero = 0;
    if (params != NULL && !MFW_COSEM_READ_ONE(params, mfw_axdr_get_i8(params, &zero)))
        return MFW_DAR_TYPE_UNMATCHED;
    return mfw_cosem_class_result(mfw_meter_push_trigger(c->m, c->obj->kind));
}

const struct mfw_cosem_class mfw_cosem_push_class = {
    .class_id = MFW_IC_PUSH_SETUP,
    .version = 0,
    .attributes = 7,
    .methods = 1,
    .get_item = push_get,
    .set = push_set,
    .action = push_action,
};
