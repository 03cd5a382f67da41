/* SPDX-License-Identifier: Apache-2.0 */
/* cosem_payment: prepayment in kWh on the Blue Book payment classes (IEC 62056-6-2 Ed. 12+, all
 * version 0 [M]: attribute lists references/idis-objects.md section 14 [V: S2 gxobjects.h, S3];
 * the data types as Gurux serves them [V: gxget.c]), over the meter's prepayment
 * (meter/prepayment.h), in a model with breaker. Amounts are Wh: currency {"Wh", 0, 1
 * consumption}; credits are shown truncated towards minus infinity (never a Wh the customer does
 * not have).
 *
 * Account 0.0.19.0.0.255 (IC 111): 2 {payment_mode 1 credit / 2 prepayment (active), account
 *   status 1 new, 2 active, 3 closed}; 3 current_credit_in_use (0 the token credit, 1 the
 *   emergency credit while invoked); 4 current_credit_status bit-string(8), first bit in credit,
 *   then low credit, next credit enabled, next credit selectable (the emergency credit),
 *   credit reference list, selectable credit in use, out of credit, reserved; 5 available_credit;
 *   6 amount_to_clear and 8 aggregated_debt: what the token credit is below 0 (emergency credit
 *   used, a friendly period's consumption); 7 clearance_threshold 0; 9 credit_reference_list, 10
 *   charge_reference_list, 11 credit_charge_configuration, 12 token_gateway_configuration: the
 *   objects below; 13 / 14 activation and closure time; 15 currency; 16 low_credit_threshold
 *   (writable); 17 next_credit_available_threshold 0; 18 max_provision 0; 19 max_provision_period
 *   0. m1 activate_account, m2 close_account, m3 reset_account (closed -> new), integer(0).
 * Credit 0.0.19.10.0.255 (IC 112), the token credit: 2 current_credit_amount (the top-ups less the
 *   energy charged), 3 credit_type 0 token, 4 priority 1, 5 warning_threshold = the low credit
 *   threshold, 6 limit 0, 7 credit_configuration (visual, tokens), 8 credit_status (3 in use, 4
 *   consumed), 9 preset 0, 10 credit_available_threshold 0, 11 period not specified. m1
 *   update_amount and m2 set_amount_to_value are refused: credit comes by top-ups with
 *   transaction ids (the Token gateway) only.
 * Credit 0.0.19.10.1.255, the emergency credit: 2 what is left of it (invoked) or its amount, 3
 *   credit_type 2 emergency, 4 priority 2, 6 limit = its amount (writable), 7 confirmation and
 *   paid back, 8 credit_status 0 enabled, 1 selectable (credit low or used up), 3 in use, 4
 *   consumed; 9 preset = the amount, 10 credit_available_threshold = the low credit threshold. m3
 *   invoke_credit(enum) invokes it when selectable (otherwise temporary-failure).
 * Charge 0.0.19.20.0.255 (IC 113): consumption-based on A+ 1.0.1.8.0.255, 1 Wh per Wh: 2
 *   total_amount_paid = the energy charged; 3 charge_type 0; 4 priority 1; 5 / 6 unit_charge
 *   {{0, 0}, {3, 1.0.1.8.0.255, 2}, [{"", 1}]}; 7 not specified; 8 period 0; 9 continuous
 *   collection; 10 last collection (the meter's time: it collects continuously); 11, 12, 13 0.
 *   No method is offered.
 * Token gateway 0.0.19.40.0.255 (IC 115): m1 enter(octet-string token) is the top-up. The token
 *   (a design choice: the Blue Book leaves its format to the payment scheme) is 8 bytes, the
 *   transaction id then the amount in Wh, both big-endian uint32; its authenticity is the
 *   management association's (HLS-GMAC, every APDU authenticated and encrypted). 2 token (the
 *   last), 3 token_time, 4 token_description (empty), 5 delivery method 0 remote, 6 token_status
 *   {enum 3 executed OK / 6 validation failed (applied before, too old, a bad amount), bit-string
 *   of 0 bits}. A refused top-up answers other-reason and logs 231; a top-up that could not be
 *   stored, hardware-fault. */
#include <string.h>

#include "cosem_class.h"
#include "meterfw/codec/axdr.h"

static const uint8_t LN_TOKEN_CREDIT[6] = {0, 0, 19, 10, 0, 255};
static const uint8_t LN_EMERGENCY_CREDIT[6] = {0, 0, 19, 10, 1, 255};
static const uint8_t LN_CHARGE[6] = {0, 0, 19, 20, 0, 255};
static const uint8_t LN_A_PLUS[6] = {1, 0, 1, 8, 0, 255};

#define UWH 1000000LL

/* uWh as Wh, towards minus infinity, saturated to a double-long. */
static int32_t wh_floor(int64_t uwh)
{
    int64_t q = uwh / UWH;
    if (uwh % UWH != 0 && uwh < 0)
        q--;
    return q > INT32_MAX ? INT32_MAX : q < INT32_MIN ? INT32_MIN : (int32_t)q;
}

static void put_time_or_none(const struct mfw_meter *m, mfw_ms_t t, struct mfw_wcursor *w)
{
    if (t > 0)
        mfw_cosem_class_put_datetime(m, t, 0, w);
    else
        mfw_cosem_class_put_datetime_unspecified(w);
}

/* A bit-string of n bits from flags (bit k of flags = the k-th bit, the first being the MSB of
 * the first byte, Blue Book / A-XDR bit-string). */
static void put_flags(uint32_t flags, unsigned n, struct mfw_wcursor *w)
{
    uint8_t b[4] = {0};
    for (unsigned k = 0; k < n && k < 32; k++)
        if (flags & (1u << k))
            b[k / 8u] |= (uint8_t)(0x80u >> (k % 8u));
    mfw_axdr_put_bitstring(w, b, n);
}

/* ---- Account ---- */

static int account_get(const struct mfw_cosem_call *c, struct mfw_cosem_stream *st, uint32_t i,
                       struct mfw_wcursor *w)
{
    (void)i;
    const struct mfw_meter *m = c->m;
    const struct mfw_prepay *p = &m->prepay;
    const struct mfw_prepay_config *pc = &m->settings.prepay;
    int64_t token = mfw_prepay_token_uwh(p), avail = mfw_prepay_available_uwh(p);
    bool active = p->l.status == MFW_PREPAY_ACTIVE;
    switch (st->attr) {
    case 2:
        mfw_axdr_put_structure_header(w, 2);
        mfw_axdr_put_enum(w, active ? 2 : 1);
        mfw_axdr_put_enum(w, p->l.status);
        break;
    case 3: mfw_axdr_put_u8(w, p->l.emergency ? 1 : 0); break;
    case 4: {
        uint32_t f = 0;
        if (active && avail > 0)
            f |= 1u << 0; /* in credit */
        if (active && p->low)
            f |= 1u << 1; /* low credit */
        if (mfw_prepay_emergency_selectable(p, pc))
            f |= 1u << 3; /* next credit selectable */
        f |= 1u << 4;     /* credit reference list */
        if (p->l.emergency)
            f |= 1u << 5; /* selectable credit in use */
        if (active && p->out)
            f |= 1u << 6; /* out of credit */
        put_flags(f, 8, w);
        break;
    }
    case 5: mfw_axdr_put_i32(w, wh_floor(avail)); break;
    case 6:
    case 8: mfw_axdr_put_i32(w, token < 0 ? -wh_floor(token) : 0); break;
    case 7:
    case 17: mfw_axdr_put_i32(w, 0); break;
    case 9:
        mfw_axdr_put_array_header(w, 2);
        mfw_axdr_put_octets(w, LN_TOKEN_CREDIT, 6);
        mfw_axdr_put_octets(w, LN_EMERGENCY_CREDIT, 6);
        break;
    case 10:
        mfw_axdr_put_array_header(w, 1);
        mfw_axdr_put_octets(w, LN_CHARGE, 6);
        break;
    case 11:
        mfw_axdr_put_array_header(w, 2);
        for (unsigned k = 0; k < 2; k++) {
            mfw_axdr_put_structure_header(w, 3);
            mfw_axdr_put_octets(w, k == 0 ? LN_TOKEN_CREDIT : LN_EMERGENCY_CREDIT, 6);
            mfw_axdr_put_octets(w, LN_CHARGE, 6);
            put_flags(0, 3, w);
        }
        break;
    case 12:
        mfw_axdr_put_array_header(w, 1);
        mfw_axdr_put_structure_header(w, 2);
        mfw_axdr_put_octets(w, LN_TOKEN_CREDIT, 6);
        mfw_axdr_put_u8(w, 100);
        break;
    case 13: put_time_or_none(m, p->l.activated, w); break;
    case 14: put_time_or_none(m, p->l.closed, w); break;
    case 15:
        mfw_axdr_put_structure_header(w, 3);
        mfw_axdr_put_utf8(w, (const uint8_t *)"Wh", 2);
        mfw_axdr_put_i8(w, 0);
        mfw_axdr_put_enum(w, 1); /* consumption */
        break;
    case 16: mfw_axdr_put_i32(w, (int32_t)pc->low_credit_wh); break;
    case 18: mfw_axdr_put_u16(w, 0); break;
    default: mfw_axdr_put_u32(w, 0); break; /* 19 */
    }
    return MFW_DAR_SUCCESS;
}

/* 16 low_credit_threshold: double-long, 0 .. 100 MWh. */
static int account_set(const struct mfw_cosem_call *c, unsigned attr, struct mfw_rcursor *value)
{
    (void)attr;
    int32_t v;
    if (!MFW_COSEM_READ_ONE(value, mfw_axdr_get_i32(value, &v)))
        return MFW_DAR_TYPE_UNMATCHED;
    if (v < 0)
        return MFW_DAR_OTHER_REASON;
    struct mfw_meter_settings s = c->m->settings;
    s.prepay.low_credit_wh = (uint32_t)v;
    return mfw_cosem_class_apply(c->m, &s);
}

static int account_action(const struct mfw_cosem_call *c, unsigned method,
                          struct mfw_rcursor *params, struct mfw_wcursor *ret, bool *has_ret)
{
    (void)ret;
    (void)has_ret;
    if (!mfw_cosem_class_no_params(params))
        return MFW_DAR_TYPE_UNMATCHED;
    return mfw_cosem_class_result(mfw_meter_prepay_account(c->m, method));
}

const struct mfw_cosem_class mfw_cosem_account_class = {
    .class_id = MFW_IC_ACCOUNT,
    .version = 0,
    .attributes = 19,
    .methods = 3, /* activate_account, close_account, reset_account */
    .get_item = account_get,
    .set = account_set,
    .action = account_action,
};

/* ---- Credit ---- */

static int credit_get(const struct mfw_cosem_call *c, struct mfw_cosem_stream *st, uint32_t i,
                      struct mfw_wcursor *w)
{
    (void)i;
    const struct mfw_meter *m = c->m;
    const struct mfw_prepay *p = &m->prepay;
    const struct mfw_prepay_config *pc = &m->settings.prepay;
    bool emergency = c->obj->kind == MFW_COSEM_CREDIT_EMERGENCY;
    int64_t token = mfw_prepay_token_uwh(p);
    int64_t left = p->l.emergency ? (int64_t)p->l.emergency_uwh + (token < 0 ? token : 0) : 0;
    if (left < 0)
        left = 0;
    switch (st->attr) {
    case 2:
        mfw_axdr_put_i32(w, emergency
                                ? (p->l.emergency ? wh_floor(left) : (int32_t)pc->emergency_wh)
                                : wh_floor(token));
        break;
    case 3: mfw_axdr_put_enum(w, emergency ? 2 : 0); break;
    case 4: mfw_axdr_put_u8(w, emergency ? 2 : 1); break;
    case 5: mfw_axdr_put_i32(w, emergency ? 0 : (int32_t)pc->low_credit_wh); break;
    case 6: mfw_axdr_put_i32(w, emergency ? (int32_t)pc->emergency_wh : 0); break;
    case 7:
        /* bits: 0 visual indication, 1 confirmation, 2 paid back, 3 resettable, 4 tokens */
        put_flags(emergency ? (1u << 1) | (1u << 2) : (1u << 0) | (1u << 4), 5, w);
        break;
    case 8: {
        uint8_t status;
        if (!emergency)
            status = token > 0 ? 3 : 4; /* in use, consumed */
        else if (p->l.emergency)
            status = left > 0 ? 3 : 4;
        else
            status = mfw_prepay_emergency_selectable(p, pc) ? 1 : 0; /* selectable, enabled */
        mfw_axdr_put_enum(w, status);
        break;
    }
    case 9: mfw_axdr_put_i32(w, emergency ? (int32_t)pc->emergency_wh : 0); break;
    case 10: mfw_axdr_put_i32(w, emergency ? (int32_t)pc->low_credit_wh : 0); break;
    default: mfw_cosem_class_put_datetime_unspecified(w); break; /* 11 period */
    }
    return MFW_DAR_SUCCESS;
}

/* The emergency credit's 6 limit: its amount (double-long, 0 .. 100 MWh). */
static int credit_set(const struct mfw_cosem_call *c, unsigned attr, struct mfw_rcursor *value)
{
    (void)attr;
    int32_t v;
    if (!MFW_COSEM_READ_ONE(value, mfw_axdr_get_i32(value, &v)))
        return MFW_DAR_TYPE_UNMATCHED;
    if (v < 0)
        return MFW_DAR_OTHER_REASON;
    struct mfw_meter_settings s = c->m->settings;
    s.prepay.emergency_wh = (uint32_t)v;
    return mfw_cosem_class_apply(c->m, &s);
}

/* m3 invoke_credit(enum credit_status) on the emergency credit. */
static int credit_action(const struct mfw_cosem_call *c, unsigned method,
                         struct mfw_rcursor *params, struct mfw_wcursor *ret, bool *has_ret)
{
    (void)ret;
    (void)has_ret;
    (void)method;
    uint8_t status;
    if (params == NULL || !MFW_COSEM_READ_ONE(params, mfw_axdr_get_enum(params, &status)))
        return MFW_DAR_TYPE_UNMATCHED;
    return mfw_cosem_class_result(mfw_meter_prepay_emergency(c->m));
}

const struct mfw_cosem_class mfw_cosem_credit_class = {
    .class_id = MFW_IC_CREDIT,
    .version = 0,
    .attributes = 11,
    .methods = 3, /* update_amount, set_amount_to_value (not offered), invoke_credit */
    .get_item = credit_get,
    .set = credit_set,
    .action = credit_action,
};

/* ---- Charge ---- */

static void put_unit_charge(struct mfw_wcursor *w)
{
    mfw_axdr_put_structure_header(w, 3);
    mfw_axdr_put_structure_header(w, 2); /* charge_per_unit_scaling {commodity, price} */
    mfw_axdr_put_i8(w, 0);
    mfw_axdr_put_i8(w, 0);
    mfw_axdr_put_structure_header(w, 3); /* commodity: A+ */
    mfw_axdr_put_u16(w, MFW_IC_REGISTER);
    mfw_axdr_put_octets(w, LN_A_PLUS, 6);
    mfw_axdr_put_i8(w, 2);
    mfw_axdr_put_array_header(w, 1); /* charge_table: one index, 1 Wh per Wh */
    mfw_axdr_put_structure_header(w, 2);
    static const uint8_t none[1] = {0};
    mfw_axdr_put_octets(w, none, 0);
    mfw_axdr_put_i16(w, 1);
}

static int charge_get(const struct mfw_cosem_call *c, struct mfw_cosem_stream *st, uint32_t i,
                      struct mfw_wcursor *w)
{
    (void)i;
    const struct mfw_meter *m = c->m;
    switch (st->attr) {
    case 2: mfw_axdr_put_i32(w, wh_floor((int64_t)m->prepay.consumed_uwh)); break;
    case 3: mfw_axdr_put_enum(w, 0); break; /* consumption-based */
    case 4: mfw_axdr_put_u8(w, 1); break;
    case 5:
    case 6: put_unit_charge(w); break;
    case 7: mfw_cosem_class_put_datetime_unspecified(w); break;
    case 8: mfw_axdr_put_u32(w, 0); break;
    case 9: put_flags(1u << 1, 2, w); break; /* continuous collection */
    case 10: put_time_or_none(m, m->now, w); break;
    case 13: mfw_axdr_put_u16(w, 0); break;
    default: mfw_axdr_put_i32(w, 0); break; /* 11, 12 */
    }
    return MFW_DAR_SUCCESS;
}

const struct mfw_cosem_class mfw_cosem_charge_class = {
    .class_id = MFW_IC_CHARGE,
    .version = 0,
    .attributes = 13,
    .methods = 5, /* none offered */
    .get_item = charge_get,
};

/* ---- Token gateway ---- */

static int token_get(const struct mfw_cosem_call *c, struct mfw_cosem_stream *st, uint32_t i,
                     struct mfw_wcursor *w)
{
    (void)i;
    const struct mfw_meter *m = c->m;
    const struct mfw_prepay *p = &m->prepay;
    switch (st->attr) {
    case 2: {
        uint8_t t[8];
        for (unsigned k = 0; k < 4; k++) {
            t[k] = (uint8_t)(p->token_id >> (24 - 8 * k));
            t[4 + k] = (uint8_t)(p->token_wh >> (24 - 8 * k));
        }
        mfw_axdr_put_octets(w, t, p->token_time > 0 ? 8 : 0);
        break;
    }
    case 3: put_time_or_none(m, p->token_time, w); break;
    case 4: mfw_axdr_put_array_header(w, 0); break;
    case 5: mfw_axdr_put_enum(w, 0); break; /* remote */
    default:
        mfw_axdr_put_structure_header(w, 2);
        mfw_axdr_put_enum(w, p->token_status);
        mfw_axdr_put_bitstring(w, NULL, 0);
        break;
    }
    return MFW_DAR_SUCCESS;
}

/* m1 enter(octet-string(8): transaction id, Wh). */
static int token_action(const struct mfw_cosem_call *c, unsigned method, struct mfw_rcursor *params,
                        struct mfw_wcursor *ret, bool *has_ret)
{
    (void)method;
    (void)ret;
    (void)has_ret;
    uint8_t t[8];
    size_t n = 0;
    if (params == NULL || !MFW_COSEM_READ_ONE(params, mfw_axdr_get_octets(params, sizeof t, t, &n)))
        return MFW_DAR_TYPE_UNMATCHED;
    if (n != 8)
        return MFW_DAR_TYPE_UNMATCHED;
    uint32_t id = (uint32_t)t[0] << 24 | (uint32_t)t[1] << 16 | (uint32_t)t[2] << 8 | t[3];
    uint32_t wh = (uint32_t)t[4] << 24 | (uint32_t)t[5] << 16 | (uint32_t)t[6] << 8 | t[7];
    uint8_t why = 0;
    int rc = mfw_meter_topup(c->m, id, wh, &why);
    return rc == MFW_E_RANGE ? MFW_DAR_OTHER_REASON : mfw_cosem_class_result(rc);
}

const struct mfw_cosem_class mfw_cosem_token_gateway_class = {
    .class_id = MFW_IC_TOKEN_GATEWAY,
    .version = 0,
    .attributes = 6,
    .methods = 1, /* enter */
    .get_item = token_get,
    .action = token_action,
};
