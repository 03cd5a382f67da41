/* SPDX-License-Identifier: Apache-2.0 */
/* han: the Nordic HAN push (han.h). */
#include "meterfw/link/han.h"

#include <string.h>

#include "meterfw/base/cursor.h"
#include "meterfw/base/error.h"
#include "meterfw/codec/axdr.h"
#include "meterfw/dlms/security.h"
#include "meterfw/link/hdlc.h"
#include "meterfw/meter/catalog.h"

#define LIST_VERSION "meterfw_V0001" /* the list version string (Kamstrup: Kamstrup_V0001) */
#define LIST2_S 10u                  /* KN 2.8.1: the 10 s list */
#define LIST3_OFFSET_MS 5000         /* KN 2.8.2, KH 5.1.2.1: the hourly list at hh:00:05 */

void mfw_han_default_config(struct mfw_han_config *c)
{
    memset(c, 0, sizeof *c);
    c->list1_s = 2;
    c->enabled = true;
}

int mfw_han_init(struct mfw_han *h, const struct mfw_han_config *c)
{
    if (h == NULL || c == NULL || c->list1_s < 2 || c->list1_s > 10)
        return MFW_E_ARG;
    memset(h, 0, sizeof *h);
    h->config = *c;
    return MFW_OK;
}

static void put_obis(struct mfw_wcursor *w, uint8_t c, uint8_t d, uint8_t e, uint8_t a)
{
    /* Kamstrup's OBIS codes: A = 1 (electricity; 0 for abstract objects), B = 1 (channel 1) */
    const uint8_t ln[6] = {a, 1, c, d, e, 255};
    mfw_axdr_put_octets(w, ln, 6);
}

/* A measured quantity as a non-negative integer of 10^-dec of its unit, rounded. */
static uint32_t measured(struct mfw_meter *m, uint16_t id, unsigned dec)
{
    return (uint32_t)mfw_module_measured(m, id, dec, UINT32_MAX); /* double-long-unsigned */
}

static uint32_t energy_10wh(const struct mfw_meter *m, enum mfw_energy_qty q)
{
    uint64_t v = mfw_meter_energy_uwh(m, MFW_ENERGY_TOTAL, q) / 10000000u; /* uWh -> 10 Wh */
    return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static void put_datetime12(struct mfw_wcursor *w, const struct mfw_meter *m, mfw_ms_t utc,
                           bool tagged)
{
    struct mfw_cosem_datetime dt;
    struct mfw_local_time lt;
    mfw_clock_local(&m->clock, utc, &lt);
    if (mfw_cosem_datetime_from_ms(&dt, utc, lt.offset_min,
                                   (uint8_t)(lt.dst ? MFW_CLOCK_STATUS_DST : 0)) != MFW_OK) {
        memset(&dt, 0xFF, sizeof dt);
        dt.deviation = MFW_COSEM_DEVIATION_NS;
    }
    uint8_t tmp[14];
    struct mfw_wcursor t;
    mfw_wcursor_init(&t, tmp, sizeof tmp);
    mfw_axdr_put_datetime_octets(&t, &dt); /* 09 0C + 12 */
    /* the APDU's date-time is an OCTET STRING field (0C + 12, KN rev 3.0), a Data in the body */
    mfw_wcursor_bytes(w, tagged ? tmp : tmp + 1, tagged ? t.len : t.len - 1);
}

int mfw_han_apdu(struct mfw_han *h, enum mfw_han_list list, uint8_t *out, size_t cap, size_t *len)
{
    if (h == NULL || h->meter == NULL || out == NULL || len == NULL || list < MFW_HAN_LIST1 ||
        list > MFW_HAN_LIST3)
        return MFW_E_ARG;
    struct mfw_meter *m = h->meter;
    const unsigned np = m->config.metro.phases > 3 ? 3u : m->config.metro.phases;
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, out, cap);
    mfw_wcursor_u8(&w, 0x0F); /* data-notification */
    /* long-invoke-id-and-priority: the invoke id, unconfirmed, normal priority (KN 2.5.1) */
    mfw_wcursor_u32be(&w, h->invoke_id & 0x00FFFFFFu);
    put_datetime12(&w, m, m->now, false);
    /* pairs of OBIS and value: 3-phase 12 in the 10 s list and 17 in the hourly one, so the
     * structure has 25 (0x19) and 35 (0x23) elements, as Kamstrup's (KN 3) */
    unsigned pairs = list == MFW_HAN_LIST1 ? 2u : 6u + 2u * np;
    if (list == MFW_HAN_LIST3)
        pairs += 1u + 4u;
    mfw_axdr_put_structure_header(&w, 1u + 2u * pairs);
    /* the list version has no OBIS code in front (KN 3) */
    mfw_axdr_put_visible(&w, LIST_VERSION, sizeof LIST_VERSION - 1);
    size_t sn = 0;
    while (sn < sizeof m->config.serial - 1 && m->config.serial[sn] != '\0')
        sn++;
    put_obis(&w, 0, 0, 5, 1); /* 1.1.0.0.5.255 meter id */
    mfw_axdr_put_visible(&w, m->config.serial, sn);
    if (list != MFW_HAN_LIST1) {
        static const char type382[] = "meterfw-382M", type162[] = "meterfw-162M";
        put_obis(&w, 96, 1, 1, 1); /* 1.1.96.1.1.255 meter type */
        mfw_axdr_put_visible(&w, m->config.model == MFW_METER_162M ? type162 : type382,
                             sizeof type382 - 1);
    }
    put_obis(&w, 1, 7, 0, 1); /* P+ (P14) */
    mfw_axdr_put_u32(&w, measured(m, MFW_CAT_PP_TOTAL, 0));
    if (list != MFW_HAN_LIST1) {
        put_obis(&w, 2, 7, 0, 1); /* P- (P23) */
        mfw_axdr_put_u32(&w, measured(m, MFW_CAT_PM_TOTAL, 0));
        put_obis(&w, 3, 7, 0, 1); /* Q+ (Q12) */
        mfw_axdr_put_u32(&w, measured(m, MFW_CAT_QP_TOTAL, 0));
        put_obis(&w, 4, 7, 0, 1); /* Q- (Q34) */
        mfw_axdr_put_u32(&w, measured(m, MFW_CAT_QM_TOTAL, 0));
        for (unsigned p = 0; p < np; p++) { /* IL1..IL3, 0.01 A (KN: scaler -2) */
            put_obis(&w, (uint8_t)(31 + 20 * p), 7, 0, 1);
            mfw_axdr_put_u32(&w, measured(m, (uint16_t)(MFW_CAT_I_L1 + p), 2));
        }
        for (unsigned p = 0; p < np; p++) { /* UL1..UL3, 1 V (KN: scaler 0) */
            put_obis(&w, (uint8_t)(32 + 20 * p), 7, 0, 1);
            uint32_t u = measured(m, (uint16_t)(MFW_CAT_U_L1 + p), 0);
            mfw_axdr_put_u16(&w, u > 0xFFFFu ? 0xFFFFu : (uint16_t)u);
        }
    }
    if (list == MFW_HAN_LIST3) {
        const uint8_t clock[6] = {0, 1, 1, 0, 0, 255}; /* 0.1.1.0.0.255 (KN) */
        mfw_axdr_put_octets(&w, clock, 6);
        put_datetime12(&w, m, m->now, true);
        for (unsigned q = 0; q < 4; q++) { /* A+, A-, R+, R- in 10 Wh (KN: scaler +1) */
            put_obis(&w, (uint8_t)(1 + q), 8, 0, 1);
            mfw_axdr_put_u32(&w, energy_10wh(m, (enum mfw_energy_qty)(MFW_EQ_AP + q)));
        }
    }
    if (w.err != 0)
        return MFW_E_NOSPACE;
    *len = w.len;
    return MFW_OK;
}

int mfw_han_frame(struct mfw_han *h, enum mfw_han_list list, uint8_t *out, size_t cap, size_t *len)
{
    if (h == NULL || h->meter == NULL || out == NULL || len == NULL)
        return MFW_E_ARG;
    /* LLC E6 E7 00 (IEC 62056-46 / -47 8.2 [M]: response), then the APDU */
    uint8_t info[MFW_HAN_FRAME_MAX];
    info[0] = 0xE6;
    info[1] = 0xE7;
    info[2] = 0x00;
    size_t n = 0;
    int rc = mfw_han_apdu(h, list, info + 3, sizeof info - 3, &n);
    if (rc != MFW_OK)
        return rc;
    struct mfw_meter *m = h->meter;
    const struct mfw_keys_config *kc = &m->keys.config;
    if (h->config.cipher || kc->consumer_policy == 3) {
        if (m->hal == NULL || m->hal->crypto == NULL || kc->consumer_have != 3u)
            return MFW_E_STATE; /* no keys, no crypto: nothing goes out in clear instead */
        uint32_t ic = 0;
        rc = mfw_meter_security_ic_next(m, &ic); /* never repeats, power loss included */
        if (rc != MFW_OK)
            return rc;
        uint8_t plain[MFW_HAN_FRAME_MAX];
        memcpy(plain, info + 3, n);
        struct mfw_wcursor cw;
        mfw_wcursor_init(&cw, info + 3, sizeof info - 3);
        struct mfw_security_keys k = {kc->consumer_ek, kc->consumer_ak};
        /* KH 6.1: general-glo-ciphering with the meter's system title, SC 0x30 (A+E, suite 0) */
        rc = mfw_security_cipher(m->hal->crypto, &k, MFW_SECURITY_GENERAL_GLO,
                                 m->keys.config.server_title, 0x30, ic, plain, n, &cw);
        memset(plain, 0, sizeof plain);
        if (rc != MFW_OK)
            return rc;
        n = cw.len;
    }
    /* KN 2.5.2: UI frame, destination client 21, source server 16, 1-byte addresses */
    const uint8_t dst = (uint8_t)(21u << 1 | 1u), src = (uint8_t)(16u << 1 | 1u);
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, out, cap);
    rc = mfw_hdlc_encode(&w, &dst, 1, &src, 1, 0x13, false, info, n + 3);
    if (rc != MFW_OK)
        return rc;
    h->invoke_id++;
    *len = w.len;
    return MFW_OK;
}

/* ---- the module ---- */

static int han_attach(void *ctx, struct mfw_meter *m, mfw_ms_t now)
{
    struct mfw_han *h = ctx;
    h->meter = m;
    h->next1 = mfw_module_next_multiple(now, (mfw_ms_t)h->config.list1_s * 1000, 0);
    h->next2 = mfw_module_next_multiple(now, (mfw_ms_t)LIST2_S * 1000, 0);
    h->next3 = mfw_module_next_multiple(now, 3600000, LIST3_OFFSET_MS);
    return MFW_OK;
}

static void han_detach(void *ctx)
{
    struct mfw_han *h = ctx;
    h->meter = NULL;
}

static size_t han_input(void *ctx, const uint8_t *b, size_t n, mfw_ms_t now)
{
    (void)b;
    (void)now;
    struct mfw_han *h = ctx;
    h->st.bytes_in += n;
    h->st.refused_in += (uint32_t)n;
    return n; /* taken and dropped: KN 2.3, the port does not receive */
}

static size_t han_output(void *ctx, mfw_ms_t now, uint8_t *out, size_t cap)
{
    struct mfw_han *h = ctx;
    if (h->meter == NULL)
        return 0;
    enum mfw_han_list list;
    /* the hourly list first; a list that is due twice (a late call) is sent once */
    if (now >= h->next3) {
        list = MFW_HAN_LIST3;
        h->next3 = mfw_module_next_multiple(now, 3600000, LIST3_OFFSET_MS);
    } else if (now >= h->next2) {
        list = MFW_HAN_LIST2;
        h->next2 = mfw_module_next_multiple(now, (mfw_ms_t)LIST2_S * 1000, 0);
    } else if (now >= h->next1) {
        list = MFW_HAN_LIST1;
        h->next1 = mfw_module_next_multiple(now, (mfw_ms_t)h->config.list1_s * 1000, 0);
    } else {
        return 0;
    }
    if (!h->config.enabled || h->meter->down || h->meter->consumer_disabled)
        return 0;
    size_t len = 0;
    int rc = mfw_han_frame(h, list, out, cap, &len);
    if (rc != MFW_OK) {
        h->st.last_error = rc;
        return 0;
    }
    h->st.frames_out++;
    h->st.bytes_out += len;
    return len;
}

static mfw_ms_t han_next_due(const void *ctx)
{
    const struct mfw_han *h = ctx;
    if (h->meter == NULL)
        return INT64_MAX;
    mfw_ms_t t = h->next1 < h->next2 ? h->next1 : h->next2;
    return t < h->next3 ? t : h->next3;
}

static void han_status(const void *ctx, struct mfw_module_status *st)
{
    const struct mfw_han *h = ctx;
    *st = h->st;
    st->enabled = h->config.enabled;
}

const struct mfw_module_ops mfw_han_module = {
    .kind = MFW_MODULE_HAN,
    .attach = han_attach,
    .detach = han_detach,
    .input = han_input,
    .output = han_output,
    .next_due = han_next_due,
    .status = han_status,
};
