/* SPDX-License-Identifier: Apache-2.0 */
/* cosem_data: Data (Blue Book 4.3.1 [M], IC 1, version 0): attribute 2 value, no methods. What
 * the value is comes from the object's row (enum mfw_cosem_data_kind); the writable ones (R_VALUE
 * in the object table) go through a meter verb or mfw_meter_apply_settings:
 *
 *   ALARM        0.0.97.98.0/1 alarm registers, .10/.11 filters, .20/.21 descriptors:
 *                double-long-unsigned. A write of a register or descriptor keeps the bits the
 *                value has (alarm.h); of a filter, sets it.
 *   ERROR        0.0.97.97.0 error register: double-long-unsigned, cleared the same way.
 *   GRID_ID      0.0.96.50.1 substation, .2 grid line: octet-string of up to MFW_GRID_ID_MAX.
 *   LOAD_TIMED   0.k.96.50.0: long-unsigned, the minutes load relay k stays on (0 = off); a
 *                write switches it on for that long (0: off), at most 1440.
 *   LOAD_TARIFFS 0.k.96.50.1: unsigned, bit t-1 = on in tariff t (0: the calendar leaves it).
 *   TAMPER       0.0.96.20.x: counter and durations double-long-unsigned (s), the time stamp an
 *                octet-string(12) date-time (not specified before the first).
 *   INPUTS       0.0.96.3.1 state of the input control signals: unsigned, bit 0 meter cover
 *                open, 1 terminal cover open, 2 magnetic field, 3 button (hal.h).
 *   PF_PHASES    the newest power failure log entry's phases (unsigned, bit 0 = L1).
 *   RTC_TIME     the newest RTC log entry's old (0.0.96.50.43) / new (0.0.96.2.12) time.
 *   FRIENDLY     0.0.96.50.20: {octet-string(4) from, octet-string(4) to (Blue Book time:
 *                hour, minute, second, hundredths), boolean weekends, boolean holidays}.
 *   RECONNECT    0.0.96.50.21 after a top-up, .22 after a neutral fault: boolean, true = a
 *                local reconnection (h) by itself, false = the customer's button.
 *   NEUTRAL      0.0.96.50.10: {boolean enabled, long-unsigned high V, long-unsigned low V,
 *                double-long-unsigned time s, long-unsigned zero-sequence V (0 off),
 *                double-long-unsigned zero-sequence time s, double-long-unsigned clear time s,
 *                boolean disconnect, double-long-unsigned mismatch mA, long-unsigned mismatch
 *                per mille, double-long-unsigned mismatch time s, double-long-unsigned voltage
 *                loss current mA} (neutral.h; the 382M uses the first eight, the 162M the rest).
 *   EXPORT       0.0.96.50.12: boolean, export expected (no unexpected-export tamper). */
#include <math.h>
#include <string.h>

#include "cosem_class.h"
#include "meterfw/codec/axdr.h"

static void put_time_raw(uint8_t h, uint8_t mi, struct mfw_wcursor *w)
{
    const uint8_t t[4] = {h, mi, 0, 0};
    mfw_axdr_put_octets(w, t, 4);
}

static void put_neutral(const struct mfw_neutral_config *n, struct mfw_wcursor *w)
{
    mfw_axdr_put_structure_header(w, 12);
    mfw_axdr_put_bool(w, n->enabled);
    mfw_axdr_put_u16(w, (uint16_t)lround(n->high_v));
    mfw_axdr_put_u16(w, (uint16_t)lround(n->low_v));
    mfw_axdr_put_u32(w, n->time_ms / 1000u);
    mfw_axdr_put_u16(w, (uint16_t)lround(n->zero_seq_v));
    mfw_axdr_put_u32(w, n->zero_seq_time_ms / 1000u);
    mfw_axdr_put_u32(w, n->clear_time_ms / 1000u);
    mfw_axdr_put_bool(w, n->disconnect);
    mfw_axdr_put_u32(w, (uint32_t)lround(n->mismatch_a * 1000.0));
    mfw_axdr_put_u16(w, (uint16_t)lround(n->mismatch_ratio * 1000.0));
    mfw_axdr_put_u32(w, n->mismatch_time_ms / 1000u);
    mfw_axdr_put_u32(w, (uint32_t)lround(n->loss_current_a * 1000.0));
}

static void put_time_or_none(const struct mfw_meter *m, mfw_ms_t t, struct mfw_wcursor *w)
{
    if (t > 0)
        mfw_cosem_class_put_datetime(m, t, 0, w);
    else
        mfw_cosem_class_put_datetime_unspecified(w);
}

static int data_get(const struct mfw_cosem_call *c, struct mfw_cosem_stream *st, uint32_t i,
                    struct mfw_wcursor *w)
{
    (void)st;
    (void)i;
    struct mfw_meter *m = c->m;
    unsigned arg = c->obj->arg;
    switch (c->obj->kind) {
    case MFW_COSEM_DATA_LDN: mfw_cosem_class_put_ldn(m, w); break;
    case MFW_COSEM_DATA_INVOCATION:
        /* the last counter accepted from a client in this context: the client goes on above it
         * (Gurux examples: invocationCounter = 1 + value; references/idis-objects.md S10) */
        mfw_axdr_put_u32(w, arg < MFW_KEYS_CTX_COUNT ? m->keys.counters.last[arg] : 0);
        break;
    case MFW_COSEM_DATA_DEVICE_ID:
        mfw_axdr_put_octets(w, (const uint8_t *)m->config.serial, mfw_cosem_class_serial_len(m));
        break;
    case MFW_COSEM_DATA_TARIFF: mfw_axdr_put_u8(w, m->tariff); break;
    case MFW_COSEM_DATA_EVENT_CODE:
        mfw_axdr_put_u8(w, (uint8_t)m->events.counters.last_code[arg]);
        break;
    case MFW_COSEM_DATA_AMR_STATUS:
        /* the load profile's next row also carries the meter's own status bits (lp_status) */
        mfw_axdr_put_u8(w, arg == MFW_PROF_LP1
                               ? (uint8_t)(m->lp_status | m->profiles[arg].status_pending)
                               : m->profiles[arg].status_pending);
        break;
    case MFW_COSEM_DATA_PF_COUNT: {
        const uint32_t *pf =
            (arg & 8) ? m->events.counters.long_power_failures : m->events.counters.power_failures;
        mfw_axdr_put_u32(w, pf[arg & 7]);
        break;
    }
    case MFW_COSEM_DATA_ALARM:
        mfw_axdr_put_u32(w, arg < 2   ? m->alarm.reg[arg]
                            : arg < 4 ? m->settings.alarm.filter[arg - 2]
                                      : m->alarm.descriptor[(arg - 4) & 1u]);
        break;
    case MFW_COSEM_DATA_ERROR: mfw_axdr_put_u32(w, m->error_register); break;
    case MFW_COSEM_DATA_GRID_ID: {
        const struct mfw_meter_grid_id *g =
            arg == 0 ? &m->settings.substation : &m->settings.grid_line;
        mfw_axdr_put_octets(w, g->b, g->len);
        break;
    }
    case MFW_COSEM_DATA_LOAD_TIMED:
        mfw_axdr_put_u16(w, (uint16_t)mfw_loadctl_minutes_left(&m->loadctl, arg, m->now));
        break;
    case MFW_COSEM_DATA_LOAD_TARIFFS:
        mfw_axdr_put_u8(w, arg < MFW_LOADCTL_SLOTS ? m->settings.loadctl.tariff_on[arg] : 0);
        break;
    case MFW_COSEM_DATA_TAMPER: {
        const struct mfw_tamper_item *t = &m->tamper.item[(arg / 4u) % MFW_TAMPER_ITEMS];
        switch (arg % 4u) {
        case 0: mfw_axdr_put_u32(w, t->count); break;
        case 1: put_time_or_none(m, t->count > 0 ? t->start : 0, w); break;
        case 2: mfw_axdr_put_u32(w, (uint32_t)(mfw_tamper_duration_ms(t, m->now) / 1000)); break;
        default: mfw_axdr_put_u32(w, (uint32_t)(mfw_tamper_cumulative_ms(t, m->now) / 1000)); break;
        }
        break;
    }
    case MFW_COSEM_DATA_INPUTS:
        mfw_axdr_put_u8(w, (uint8_t)(m->tamper.inputs | (m->button ? MFW_HAL_IN_BUTTON : 0)));
        break;
    case MFW_COSEM_DATA_PF_PHASES:
    case MFW_COSEM_DATA_RTC_TIME: {
        enum mfw_eventlog_id log = c->obj->kind == MFW_COSEM_DATA_PF_PHASES
                                       ? MFW_EVENTLOG_POWER_FAILURE
                                       : MFW_EVENTLOG_RTC;
        uint32_t n = mfw_meter_eventlog_count(m, log);
        struct mfw_eventlog_entry e;
        bool have = n > 0 && mfw_meter_eventlog_read(m, log, n - 1, &e) == MFW_OK;
        if (c->obj->kind == MFW_COSEM_DATA_PF_PHASES)
            mfw_axdr_put_u8(w, have ? e.phase : 0);
        else
            put_time_or_none(m, have ? (arg == 0 ? e.v1 : e.v2) : 0, w);
        break;
    }
    case MFW_COSEM_DATA_FRIENDLY: {
        const struct mfw_prepay_config *p = &m->settings.prepay;
        mfw_axdr_put_structure_header(w, 4);
        put_time_raw(p->friendly_from_h, p->friendly_from_m, w);
        put_time_raw(p->friendly_to_h, p->friendly_to_m, w);
        mfw_axdr_put_bool(w, p->friendly_weekends);
        mfw_axdr_put_bool(w, p->friendly_holidays);
        break;
    }
    case MFW_COSEM_DATA_RECONNECT:
        mfw_axdr_put_bool(w, arg == 0 ? m->settings.prepay.reconnect_auto
                                      : m->settings.neutral.auto_reconnect);
        break;
    case MFW_COSEM_DATA_NEUTRAL: put_neutral(&m->settings.neutral, w); break;
    case MFW_COSEM_DATA_EXPORT: mfw_axdr_put_bool(w, m->settings.tamper.export_expected); break;
    case MFW_COSEM_DATA_MODULE: {
        /* what the slot holds: structure {kind (link/module.h enum mfw_module_kind, 0 = empty),
         * the module's identification} */
        const struct mfw_meter_module *mod = &m->modules[arg < MFW_MODULE_SLOTS ? arg : 0];
        size_t n = 0;
        while (n < MFW_MODULE_IDENT_MAX && mod->ident[n] != '\0')
            n++;
        mfw_axdr_put_structure_header(w, 2);
        mfw_axdr_put_u8(w, arg < MFW_MODULE_SLOTS ? mod->kind : 0);
        mfw_axdr_put_visible(w, mod->ident, arg < MFW_MODULE_SLOTS ? n : 0);
        break;
    }
    case MFW_COSEM_DATA_CONSUMER_TEXT:
        mfw_axdr_put_octets(w, m->consumer_text, m->consumer_text_len);
        break;
    case MFW_COSEM_DATA_CONSUMER_ON: mfw_axdr_put_bool(w, !m->consumer_disabled); break;
    case MFW_COSEM_DATA_FW_ID: {
        uint8_t id[MFW_IMAGE_ID_MAX];
        size_t n = 0;
        if (mfw_meter_image_running(m, id, sizeof id, &n) != MFW_OK || n > sizeof id)
            return MFW_DAR_HARDWARE_FAULT;
        mfw_axdr_put_octets(w, id, n);
        break;
    }
    case MFW_COSEM_DATA_FW_CHECKSUM: {
        uint32_t crc = 0, len = 0;
        if (mfw_meter_legal_checksum(m, &crc, &len) != MFW_OK)
            return MFW_DAR_HARDWARE_FAULT;
        const uint8_t b[4] = {(uint8_t)(crc >> 24), (uint8_t)(crc >> 16), (uint8_t)(crc >> 8),
                              (uint8_t)crc};
        mfw_axdr_put_octets(w, b, sizeof b);
        break;
    }
    default: mfw_axdr_put_null(w); break;
    }
    return MFW_DAR_SUCCESS;
}

/* A time of day octet-string(4) (hour 0..23, minute 0..59; seconds and hundredths ignored). */
static bool get_time_of_day(struct mfw_rcursor *rc, uint8_t *h, uint8_t *mi)
{
    const uint8_t *t = mfw_cosem_class_get_fixed(rc, 4);
    if (t == NULL)
        return false;
    *h = t[0];
    *mi = t[1];
    return true;
}

static int set_neutral(struct mfw_meter_settings *s, struct mfw_rcursor *v)
{
    uint32_t n = 0, t, zt, ct, mm, mt, loss;
    uint16_t hi, lo, zs, ratio;
    bool en, disc;
    if (mfw_axdr_get_structure(v, &n) != MFW_OK || n != 12 || mfw_axdr_get_bool(v, &en) ||
        mfw_axdr_get_u16(v, &hi) || mfw_axdr_get_u16(v, &lo) || mfw_axdr_get_u32(v, &t) ||
        mfw_axdr_get_u16(v, &zs) || mfw_axdr_get_u32(v, &zt) || mfw_axdr_get_u32(v, &ct) ||
        mfw_axdr_get_bool(v, &disc) || mfw_axdr_get_u32(v, &mm) || mfw_axdr_get_u16(v, &ratio) ||
        mfw_axdr_get_u32(v, &mt) || mfw_axdr_get_u32(v, &loss) || mfw_rcursor_left(v) != 0)
        return MFW_DAR_TYPE_UNMATCHED;
    /* times in s up to a day (the meter checks the rest) */
    if (t > 86400u || zt > 86400u || ct > 86400u || mt > 86400u)
        return MFW_DAR_OTHER_REASON;
    struct mfw_neutral_config *c = &s->neutral;
    c->enabled = en;
    c->high_v = hi;
    c->low_v = lo;
    c->time_ms = t * 1000u;
    c->zero_seq_v = zs;
    c->zero_seq_time_ms = zt * 1000u;
    c->clear_time_ms = ct * 1000u;
    c->disconnect = disc;
    c->mismatch_a = mm / 1000.0;
    c->mismatch_ratio = ratio / 1000.0;
    c->mismatch_time_ms = mt * 1000u;
    c->loss_current_a = loss / 1000.0;
    return MFW_DAR_SUCCESS;
}

static int data_set(const struct mfw_cosem_call *c, unsigned attr, struct mfw_rcursor *v)
{
    (void)attr;
    struct mfw_meter *m = c->m;
    unsigned arg = c->obj->arg;
    struct mfw_meter_settings s = m->settings;
    uint32_t u32;
    uint16_t u16;
    uint8_t u8;
    bool b;
    switch (c->obj->kind) {
    case MFW_COSEM_DATA_ALARM:
        if (!MFW_COSEM_READ_ONE(v, mfw_axdr_get_u32(v, &u32)))
            return MFW_DAR_TYPE_UNMATCHED;
        if (arg == 2 || arg == 3) {
            s.alarm.filter[arg - 2] = u32;
            return mfw_cosem_class_apply(m, &s);
        }
        return mfw_cosem_class_result(mfw_meter_alarm_clear(m, arg & 1u, arg >= 4, u32));
    case MFW_COSEM_DATA_ERROR:
        if (!MFW_COSEM_READ_ONE(v, mfw_axdr_get_u32(v, &u32)))
            return MFW_DAR_TYPE_UNMATCHED;
        return mfw_cosem_class_result(mfw_meter_error_clear(m, u32));
    case MFW_COSEM_DATA_GRID_ID: {
        struct mfw_meter_grid_id *g = arg == 0 ? &s.substation : &s.grid_line;
        size_t n = 0;
        uint8_t buf[MFW_GRID_ID_MAX];
        int rc = mfw_axdr_get_octets(v, sizeof buf, buf, &n);
        if (rc == MFW_E_NOSPACE)
            return MFW_DAR_OTHER_REASON;
        if (rc != MFW_OK || mfw_rcursor_left(v) != 0)
            return MFW_DAR_TYPE_UNMATCHED;
        memcpy(g->b, buf, n);
        memset(g->b + n, 0, sizeof g->b - n);
        g->len = (uint8_t)n;
        return mfw_cosem_class_apply(m, &s);
    }
    case MFW_COSEM_DATA_LOAD_TIMED:
        if (!MFW_COSEM_READ_ONE(v, mfw_axdr_get_u16(v, &u16)))
            return MFW_DAR_TYPE_UNMATCHED;
        return mfw_cosem_class_result(mfw_meter_load_timed(m, arg, u16));
    case MFW_COSEM_DATA_LOAD_TARIFFS:
        if (!MFW_COSEM_READ_ONE(v, mfw_axdr_get_u8(v, &u8)))
            return MFW_DAR_TYPE_UNMATCHED;
        if (arg >= MFW_LOADCTL_SLOTS)
            return MFW_DAR_OTHER_REASON;
        s.loadctl.tariff_on[arg] = u8;
        return mfw_cosem_class_apply(m, &s);
    case MFW_COSEM_DATA_FRIENDLY: {
        uint32_t n = 0;
        struct mfw_prepay_config *p = &s.prepay;
        if (mfw_axdr_get_structure(v, &n) != MFW_OK || n != 4 ||
            !get_time_of_day(v, &p->friendly_from_h, &p->friendly_from_m) ||
            !get_time_of_day(v, &p->friendly_to_h, &p->friendly_to_m) ||
            mfw_axdr_get_bool(v, &p->friendly_weekends) != MFW_OK ||
            !MFW_COSEM_READ_ONE(v, mfw_axdr_get_bool(v, &p->friendly_holidays)))
            return MFW_DAR_TYPE_UNMATCHED;
        return mfw_cosem_class_apply(m, &s); /* hours and minutes checked there */
    }
    case MFW_COSEM_DATA_RECONNECT:
    case MFW_COSEM_DATA_EXPORT:
        if (!MFW_COSEM_READ_ONE(v, mfw_axdr_get_bool(v, &b)))
            return MFW_DAR_TYPE_UNMATCHED;
        if (c->obj->kind == MFW_COSEM_DATA_EXPORT)
            s.tamper.export_expected = b;
        else if (arg == 0)
            s.prepay.reconnect_auto = b;
        else
            s.neutral.auto_reconnect = b;
        return mfw_cosem_class_apply(m, &s);
    case MFW_COSEM_DATA_NEUTRAL: {
        int rc = set_neutral(&s, v);
        return rc == MFW_DAR_SUCCESS ? mfw_cosem_class_apply(m, &s) : rc;
    }
    case MFW_COSEM_DATA_CONSUMER_ON:
        if (!MFW_COSEM_READ_ONE(v, mfw_axdr_get_bool(v, &b)))
            return MFW_DAR_TYPE_UNMATCHED;
        return mfw_cosem_class_result(mfw_meter_consumer_enable(m, b));
    case MFW_COSEM_DATA_CONSUMER_TEXT: {
        /* the consumer message (IDIS section 13: a utility-to-consumer text via the consumer
         * port): an octet-string of at most MFW_CONSUMER_TEXT_MAX bytes without CR or LF (DSMR
         * 5.0.2 7.2) */
        uint8_t text[MFW_CONSUMER_TEXT_MAX];
        size_t n = 0;
        if (!MFW_COSEM_READ_ONE(v, mfw_axdr_get_octets(v, sizeof text, text, &n)))
            return MFW_DAR_TYPE_UNMATCHED;
        return mfw_cosem_class_result(mfw_meter_consumer_text(m, text, n));
    }
    default: return MFW_DAR_READ_WRITE_DENIED;
    }
}

const struct mfw_cosem_class mfw_cosem_data_class = {
    .class_id = MFW_IC_DATA,
    .version = 0,
    .attributes = 2,
    .methods = 0,
    .get_item = data_get,
    .set = data_set,
};
