/* SPDX-License-Identifier: Apache-2.0 */
/* The STATE and CONFIG records, field by field (meter_state.h). */
#include "meter_state.h"

#include <string.h>

#include "meterfw/base/error.h"
#include "meterfw/base/persist.h"

#define STATE_MAGIC 0x4D465354u  /* "MFST" */
#define CONFIG_MAGIC 0x4D464346u /* "MFCF" */
#define STATE_VERSION 3u
#define CONFIG_VERSION 3u

/* Registers: 1.8e19 uWh is the uint64 range; a meter's life stays far below 2^62 uWh (4.6e9 kWh,
 * meter.h), so anything above is not a register of this meter. */
#define REGISTER_UWH_MAX (1ull << 62)
/* A clock offset of more than a century is no correction of this meter's RTC. */
#define CLOCK_OFFSET_MAX (100LL * 366 * 86400000LL)

#define LP_STATUS_KNOWN                                                                            \
    (MFW_PROFILE_ST_CRITICAL_ERROR | MFW_PROFILE_ST_CLOCK_INVALID |                                \
     MFW_PROFILE_ST_DATA_NOT_VALID | MFW_PROFILE_ST_DST | MFW_PROFILE_ST_CLOCK_ADJUSTED |          \
     MFW_PROFILE_ST_POWER_DOWN | MFW_METER_LP_DISCONNECTED)

static void put_header(struct mfw_wcursor *w, uint32_t magic, uint32_t version)
{
    mfw_persist_put_u32(w, magic);
    mfw_persist_put_u32(w, version);
}

static int get_header(struct mfw_persist_reader *r, uint32_t magic, uint32_t version)
{
    uint32_t m = mfw_persist_u32(r, "magic", 0, UINT32_MAX);
    uint32_t v = mfw_persist_u32(r, "format version", 0, UINT32_MAX);
    if (r->err != MFW_OK || m != magic) {
        mfw_persist_fail(r, "magic", MFW_E_FORMAT);
        return MFW_E_FORMAT;
    }
    if (v != version) {
        mfw_persist_fail(r, "format version", MFW_E_VERSION);
        return MFW_E_VERSION;
    }
    return MFW_OK;
}

static int finish(struct mfw_persist_reader *r, const char **field)
{
    int rc = mfw_persist_end(r);
    if (field != NULL)
        *field = rc == MFW_OK ? NULL : r->field;
    return rc;
}

/* ---- STATE ---------------------------------------------------------------------------------- */

static size_t serial_len(const struct mfw_meter_config *c)
{
    size_t n = 0;
    while (n < sizeof c->serial && c->serial[n] != '\0')
        n++;
    return n;
}

int mfw_meter_state_encode(const struct mfw_meter *m, uint8_t *buf, size_t cap, size_t *len)
{
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, buf, cap);
    const unsigned np = m->config.metro.phases;
    put_header(&w, STATE_MAGIC, STATE_VERSION);
    /* who */
    mfw_persist_put_u32(&w, (uint32_t)m->config.model);
    mfw_persist_put_u32(&w, np);
    mfw_persist_put_u32(&w, (uint32_t)serial_len(&m->config));
    mfw_wcursor_bytes(&w, m->config.serial, serial_len(&m->config));
    /* registers: the phases the meter has, then the totals; the tariffs */
    for (unsigned p = 0; p <= np; p++)
        for (unsigned q = 0; q < MFW_EQ_COUNT; q++)
            mfw_persist_put_u64(&w, m->registers.uwh[p == np ? MFW_ENERGY_TOTAL : p][q]);
    mfw_persist_put_u32(&w, MFW_TARIFFS);
    for (unsigned t = 0; t < MFW_TARIFFS; t++)
        for (unsigned q = 0; q < 4; q++)
            mfw_persist_put_u64(&w, m->registers.tariff[t][q]);
    /* time */
    mfw_persist_put_i64(&w, m->rtc);
    mfw_persist_put_i64(&w, m->now);
    mfw_persist_put_i64(&w, m->last_recorded);
    mfw_persist_put_i64(&w, m->clock.offset_ms);
    mfw_persist_put_bool(&w, m->clock.invalid);
    mfw_persist_put_bool(&w, m->clock.doubtful);
    /* the rest of the meter's own */
    mfw_persist_put_u32(&w, m->tariff);
    mfw_persist_put_u32(&w, m->lp_status);
    mfw_persist_put_bool(&w, m->down);
    mfw_persist_put_u32(&w, m->error_register);
    /* the modules' running state */
    mfw_demand_save(&m->demand, &w);
    mfw_billing_save(&m->billing, &w);
    mfw_quality_save(&m->quality, &w);
    mfw_eventlog_save(&m->events, &w);
    for (unsigned k = 0; k < MFW_PROF_COUNT; k++)
        mfw_profile_save(&m->profiles[k], &w);
    /* revenue protection and grid functions */
    mfw_disconnector_save(&m->disc, &w);
    mfw_limiter_save(&m->limiter, &w);
    mfw_loadctl_save(&m->loadctl, &w);
    mfw_prepay_save(&m->prepay, &w);
    mfw_neutral_save(&m->neutral, &w);
    mfw_tamper_save(&m->tamper, &w);
    mfw_alarm_save(&m->alarm, &w);
    for (unsigned k = 0; k < MFW_SCHED_COUNT; k++)
        mfw_billing_save(&m->schedule[k], &w);
    mfw_pulse_save(&m->s0, &w);
    mfw_persist_put_bool(&w, m->button);
    *len = w.len;
    return w.err != 0 ? MFW_E_NOSPACE : MFW_OK;
}

/* What a STATE record restores, decoded into this before anything of the meter changes. */
struct state_parts {
    struct mfw_meter_registers registers;
    mfw_ms_t rtc, now, last_recorded;
    int64_t clock_offset_ms;
    bool clock_invalid, clock_doubtful, down;
    uint8_t tariff, lp_status;
    uint32_t error_register;
    struct mfw_demand demand;
    struct mfw_billing billing;
    struct mfw_quality quality;
    struct mfw_eventlog events;
    struct mfw_profile profiles[MFW_PROF_COUNT];
    struct mfw_disconnector disc;
    struct mfw_limiter limiter;
    struct mfw_loadctl loadctl;
    struct mfw_prepay prepay;
    struct mfw_neutral neutral;
    struct mfw_tamper tamper;
    struct mfw_alarm alarm;
    struct mfw_billing schedule[MFW_SCHED_COUNT];
    struct mfw_pulse_output s0;
    bool button;
};

static void restore_registers(const struct mfw_meter *m, struct mfw_persist_reader *r,
                              struct mfw_meter_registers *g)
{
    const unsigned np = m->config.metro.phases;
    memset(g, 0, sizeof *g);
    for (unsigned p = 0; p <= np; p++)
        for (unsigned q = 0; q < MFW_EQ_COUNT; q++)
            g->uwh[p == np ? MFW_ENERGY_TOTAL : p][q] =
                mfw_persist_u64(r, "registers", 0, REGISTER_UWH_MAX);
    mfw_persist_expect(r, "registers: tariff count", MFW_TARIFFS);
    for (unsigned t = 0; t < MFW_TARIFFS; t++)
        for (unsigned q = 0; q < 4; q++)
            g->tariff[t][q] = mfw_persist_u64(r, "registers: tariffs", 0, REGISTER_UWH_MAX);
    /* Each energy increment goes to the total and to the one tariff in force (meter.c), so the
     * tariffs add up to the total exactly; R+ and R- are the sums of their quadrants but for the
     * sub-uWh carry of each (metrology.c routes them apart): within 2 uWh. */
    const uint64_t *tot = g->uwh[MFW_ENERGY_TOTAL];
    for (unsigned q = 0; q < 4; q++) {
        uint64_t sum = 0;
        for (unsigned t = 0; t < MFW_TARIFFS; t++)
            sum += g->tariff[t][q];
        if (sum != tot[q])
            mfw_persist_fail(r, "registers: the tariffs do not add up to the total", MFW_E_RANGE);
    }
    for (unsigned p = 0; p <= np; p++) {
        const uint64_t *u = g->uwh[p == np ? MFW_ENERGY_TOTAL : p];
        uint64_t rp = u[MFW_EQ_RQ1] + u[MFW_EQ_RQ2], rm = u[MFW_EQ_RQ3] + u[MFW_EQ_RQ4];
        if (rp + 2u < u[MFW_EQ_RP] || u[MFW_EQ_RP] + 2u < rp || rm + 2u < u[MFW_EQ_RM] ||
            u[MFW_EQ_RM] + 2u < rm)
            mfw_persist_fail(r, "registers: R+ / R- are not their quadrants", MFW_E_RANGE);
    }
}

/* The header and the identity fields of a STATE record into r. */
static int read_identity(const struct mfw_meter *m, struct mfw_persist_reader *r)
{
    int rc = get_header(r, STATE_MAGIC, STATE_VERSION);
    if (rc != MFW_OK)
        return rc;
    mfw_persist_expect(r, "model", (uint32_t)m->config.model);
    mfw_persist_expect(r, "phases", m->config.metro.phases);
    size_t sl = serial_len(&m->config);
    mfw_persist_expect(r, "serial number", (uint32_t)sl);
    const uint8_t *serial = r->err == MFW_OK ? mfw_rcursor_take(&r->rc, sl) : NULL;
    if (serial == NULL || memcmp(serial, m->config.serial, sl) != 0)
        mfw_persist_fail(r, "serial number", MFW_E_RANGE);
    return r->err;
}

int mfw_meter_state_identity(const struct mfw_meter *m, const uint8_t *buf, size_t len,
                             const char **field)
{
    struct mfw_persist_reader r;
    mfw_persist_reader_init(&r, buf, len);
    int rc = read_identity(m, &r);
    if (field != NULL)
        *field = rc == MFW_OK ? NULL : r.field;
    return rc;
}

int mfw_meter_state_decode(struct mfw_meter *m, const uint8_t *buf, size_t len, const char **field)
{
    struct mfw_persist_reader r;
    mfw_persist_reader_init(&r, buf, len);
    if (field != NULL)
        *field = NULL;
    /* Who: a record of another meter is not this meter's state. */
    int rc = read_identity(m, &r);
    if (rc == MFW_E_FORMAT || rc == MFW_E_VERSION) {
        if (field != NULL)
            *field = r.field;
        return rc;
    }

    /* Everything decodes into parts initialised from the meter (the modules' configurations
     * are the meter's settings, not the record's). The meter changes only if all checks. */
    struct state_parts pt;
    memset(&pt, 0, sizeof pt); /* not a static const zero: 5.6 kB of flash */
    restore_registers(m, &r, &pt.registers);
    pt.rtc = mfw_persist_i64(&r, "rtc", 0, MFW_PERSIST_TIME_MAX);
    pt.now = mfw_persist_i64(&r, "now", 0, MFW_PERSIST_TIME_MAX);
    pt.last_recorded = mfw_persist_i64(&r, "last recorded time", 0, MFW_PERSIST_TIME_MAX);
    if (pt.now > pt.last_recorded)
        mfw_persist_fail(&r, "now after the last recorded time", MFW_E_RANGE);
    pt.clock_offset_ms = mfw_persist_i64(&r, "clock offset", -CLOCK_OFFSET_MAX, CLOCK_OFFSET_MAX);
    pt.clock_invalid = mfw_persist_bool(&r, "clock invalid");
    pt.clock_doubtful = mfw_persist_bool(&r, "clock doubtful");
    pt.tariff = (uint8_t)mfw_persist_u32(&r, "active tariff", 1, MFW_TARIFFS);
    pt.lp_status = (uint8_t)mfw_persist_u32(&r, "load profile status", 0, LP_STATUS_KNOWN);
    if (pt.lp_status & ~LP_STATUS_KNOWN)
        mfw_persist_fail(&r, "load profile status: unknown bits", MFW_E_RANGE);
    pt.down = mfw_persist_bool(&r, "down");
    pt.error_register = mfw_persist_u32(&r, "error register", 0, UINT32_MAX);
    pt.demand = m->demand;
    mfw_demand_restore(&pt.demand, &r);
    pt.billing = m->billing;
    mfw_billing_restore(&pt.billing, &r);
    pt.quality = m->quality;
    mfw_quality_restore(&pt.quality, &r);
    pt.events = m->events;
    mfw_eventlog_restore(&pt.events, &r);
    for (unsigned k = 0; k < MFW_PROF_COUNT; k++) {
        pt.profiles[k] = m->profiles[k];
        mfw_profile_restore(&pt.profiles[k], &r, pt.now);
    }
    pt.disc = m->disc;
    mfw_disconnector_restore(&pt.disc, &r);
    pt.limiter = m->limiter;
    mfw_limiter_restore(&pt.limiter, &r);
    pt.loadctl = m->loadctl;
    mfw_loadctl_restore(&pt.loadctl, &r);
    pt.prepay = m->prepay;
    mfw_prepay_restore(&pt.prepay, &r);
    pt.neutral = m->neutral;
    mfw_neutral_restore(&pt.neutral, &r);
    pt.tamper = m->tamper;
    mfw_tamper_restore(&pt.tamper, &r);
    pt.alarm = m->alarm;
    mfw_alarm_restore(&pt.alarm, &r);
    for (unsigned k = 0; k < MFW_SCHED_COUNT; k++) {
        pt.schedule[k] = m->schedule[k];
        mfw_billing_restore(&pt.schedule[k], &r);
    }
    pt.s0 = m->s0;
    mfw_pulse_restore(&pt.s0, &r);
    pt.button = mfw_persist_bool(&r, "button");
    if (!m->config.breaker &&
        (pt.disc.state != MFW_DISC_CONNECTED || pt.prepay.state_status != MFW_PREPAY_NEW))
        mfw_persist_fail(&r, "a breaker's state in a meter without breaker", MFW_E_RANGE);
    rc = finish(&r, field);
    if (rc != MFW_OK)
        return rc;
    m->registers = pt.registers;
    m->rtc = pt.rtc;
    m->now = pt.now;
    m->last_recorded = pt.last_recorded;
    m->clock.offset_ms = pt.clock_offset_ms;
    m->clock.invalid = pt.clock_invalid;
    m->clock.doubtful = pt.clock_doubtful;
    m->tariff = pt.tariff;
    m->lp_status = pt.lp_status;
    m->down = pt.down;
    m->error_register = pt.error_register;
    m->demand = pt.demand;
    m->billing = pt.billing;
    m->quality = pt.quality;
    m->events = pt.events;
    for (unsigned k = 0; k < MFW_PROF_COUNT; k++)
        m->profiles[k] = pt.profiles[k];
    m->disc = pt.disc;
    m->limiter = pt.limiter;
    m->loadctl = pt.loadctl;
    m->prepay = pt.prepay;
    m->neutral = pt.neutral;
    m->tamper = pt.tamper;
    m->alarm = pt.alarm;
    for (unsigned k = 0; k < MFW_SCHED_COUNT; k++)
        m->schedule[k] = pt.schedule[k];
    m->s0 = pt.s0;
    m->button = pt.button;
    return MFW_OK;
}

/* ---- CONFIG --------------------------------------------------------------------------------- */

static void put_dst_point(struct mfw_wcursor *w, const struct mfw_clock_dst_point *p)
{
    mfw_persist_put_u32(w, (uint32_t)p->month << 24 | (uint32_t)p->day_of_month << 16 |
                               (uint32_t)p->day_of_week << 8 | p->hour);
    mfw_persist_put_u32(w, p->minute);
}

static void get_dst_point(struct mfw_persist_reader *r, struct mfw_clock_dst_point *p)
{
    uint32_t v = mfw_persist_u32(r, "clock: summer time point", 0, UINT32_MAX);
    p->month = (uint8_t)(v >> 24);
    p->day_of_month = (uint8_t)(v >> 16);
    p->day_of_week = (uint8_t)(v >> 8);
    p->hour = (uint8_t)v;
    p->minute = (uint8_t)mfw_persist_u32(r, "clock: summer time minute", 0, 59);
}

static void put_times(struct mfw_wcursor *w, const struct mfw_billing_config *b)
{
    mfw_persist_put_u32(w, b->entries);
    for (unsigned k = 0; k < b->entries && k < MFW_BILLING_ENTRIES_MAX; k++) {
        const struct mfw_billing_entry *e = &b->e[k];
        mfw_persist_put_u32(w, (uint32_t)e->hour << 16 | (uint32_t)e->minute << 8 | e->second);
        mfw_persist_put_u32(w, (uint32_t)e->year << 16 | (uint32_t)e->month << 8 | e->day_of_month);
        mfw_persist_put_u32(w, e->day_of_week);
    }
}

static void get_times(struct mfw_persist_reader *r, struct mfw_billing_config *b)
{
    b->entries = (uint8_t)mfw_persist_u32(r, "schedule: dates", 0, MFW_BILLING_ENTRIES_MAX);
    for (unsigned k = 0; k < b->entries; k++) {
        struct mfw_billing_entry *e = &b->e[k];
        uint32_t hms = mfw_persist_u32(r, "schedule: time", 0, 0x00FFFFFFu);
        uint32_t ymd = mfw_persist_u32(r, "schedule: date", 0, UINT32_MAX);
        e->hour = (uint8_t)(hms >> 16);
        e->minute = (uint8_t)(hms >> 8);
        e->second = (uint8_t)hms;
        e->year = (uint16_t)(ymd >> 16);
        e->month = (uint8_t)(ymd >> 8);
        e->day_of_month = (uint8_t)ymd;
        e->day_of_week = (uint8_t)mfw_persist_u32(r, "schedule: day of week", 0, 255);
    }
}

static void put_script(struct mfw_wcursor *w, const struct mfw_script_ref *s)
{
    mfw_persist_put_u32(w, (uint32_t)s->table << 16 | s->selector);
}

static void get_script(struct mfw_persist_reader *r, const char *field, struct mfw_script_ref *s)
{
    uint32_t v = mfw_persist_u32(r, field, 0, ((uint32_t)MFW_SCRIPT_TABLES - 1u) << 16 | 0xFFFFu);
    s->table = (uint8_t)(v >> 16);
    s->selector = (uint16_t)v;
}

static void put_grid_id(struct mfw_wcursor *w, const struct mfw_meter_grid_id *g)
{
    mfw_persist_put_u32(w, g->len);
    mfw_wcursor_bytes(w, g->b, g->len <= MFW_GRID_ID_MAX ? g->len : MFW_GRID_ID_MAX);
}

static void get_grid_id(struct mfw_persist_reader *r, struct mfw_meter_grid_id *g)
{
    g->len = (uint8_t)mfw_persist_u32(r, "grid identifier: length", 0, MFW_GRID_ID_MAX);
    const uint8_t *b = r->err == MFW_OK ? mfw_rcursor_take(&r->rc, g->len) : NULL;
    if (b == NULL && g->len > 0)
        mfw_persist_fail(r, "grid identifier", MFW_E_FORMAT);
    else if (b != NULL)
        memcpy(g->b, b, g->len);
}

static void put_profile_config(struct mfw_wcursor *w, const struct mfw_profile_config *c)
{
    mfw_persist_put_u32(w, c->capture_period_s);
    mfw_persist_put_u32(w, c->depth);
    mfw_persist_put_u32(w, c->n_columns);
    for (unsigned k = 0; k < c->n_columns; k++)
        mfw_persist_put_u32(w, c->column[k]);
}

static void get_profile_config(struct mfw_persist_reader *r, struct mfw_profile_config *c)
{
    memset(c, 0, sizeof *c);
    c->capture_period_s = mfw_persist_u32(r, "profile: capture period", 0, 86400);
    c->depth = mfw_persist_u32(r, "profile: depth", 1, UINT32_MAX);
    c->n_columns = (uint8_t)mfw_persist_u32(r, "profile: columns", 1, MFW_PROFILE_COLUMNS_MAX);
    for (unsigned k = 0; k < c->n_columns; k++)
        c->column[k] = (uint16_t)mfw_persist_u32(r, "profile: column", 0, MFW_CAT_COUNT - 1u);
}

int mfw_meter_state_encode_settings(const struct mfw_meter_settings *s, uint8_t *buf, size_t cap,
                                    size_t *len)
{
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, buf, cap);
    put_header(&w, CONFIG_MAGIC, CONFIG_VERSION);
    const struct mfw_clock_config *c = &s->clock;
    mfw_persist_put_i64(&w, c->utc_offset_min);
    mfw_persist_put_bool(&w, c->dst_enabled);
    mfw_persist_put_i64(&w, c->dst_deviation_min);
    put_dst_point(&w, &c->dst_begin);
    put_dst_point(&w, &c->dst_end);
    /* the calendar has its own canonical encoding (tou.h) */
    uint8_t tou[MFW_TOU_ENCODED_MAX];
    size_t tou_len = 0;
    int rc = mfw_tou_encode(&s->tou, tou, sizeof tou, &tou_len);
    if (rc != MFW_OK)
        return rc;
    mfw_persist_put_u32(&w, (uint32_t)tou_len);
    mfw_wcursor_bytes(&w, tou, tou_len);
    mfw_persist_put_u32(&w, s->demand.quantities);
    mfw_persist_put_u32(&w, s->demand.period_s);
    mfw_persist_put_u32(&w, s->demand.number_of_periods);
    put_times(&w, &s->billing);
    const struct mfw_quality_config *q = &s->quality;
    mfw_persist_put_u32(&w, q->phases);
    mfw_persist_put_f64(&w, q->un_v);
    mfw_persist_put_f64(&w, q->sag_v);
    mfw_persist_put_f64(&w, q->swell_v);
    mfw_persist_put_f64(&w, q->missing_v);
    mfw_persist_put_f64(&w, q->hysteresis_v);
    mfw_persist_put_u32(&w, q->sag_time_ms);
    mfw_persist_put_u32(&w, q->swell_time_ms);
    mfw_persist_put_u32(&w, q->missing_time_ms);
    mfw_persist_put_u32(&w, q->long_failure_s);
    mfw_persist_put_f64(&w, q->fn_hz);
    mfw_persist_put_f64(&w, q->freq_dev_hz);
    mfw_persist_put_u32(&w, q->freq_time_ms);
    mfw_persist_put_f64(&w, q->unbalance_pct);
    mfw_persist_put_u32(&w, q->unbalance_time_ms);
    put_profile_config(&w, &s->lp1);
    put_profile_config(&w, &s->analysis);
    /* revenue protection and grid functions */
    mfw_persist_put_u32(&w, s->disconnect_mode);
    const struct mfw_limiter_config *l = &s->limiter;
    mfw_persist_put_u32(&w, l->monitored);
    mfw_persist_put_u32(&w, l->threshold_normal);
    mfw_persist_put_u32(&w, l->threshold_emergency);
    mfw_persist_put_u32(&w, l->min_over_s);
    mfw_persist_put_u32(&w, l->min_under_s);
    mfw_persist_put_u32(&w, l->emergency_id);
    mfw_persist_put_i64(&w, l->emergency_start);
    mfw_persist_put_u32(&w, l->emergency_duration_s);
    mfw_persist_put_u32(&w, l->n_groups);
    for (unsigned k = 0; k < l->n_groups && k < MFW_LIMITER_GROUPS_MAX; k++)
        mfw_persist_put_u32(&w, l->groups[k]);
    put_script(&w, &l->over);
    put_script(&w, &l->under);
    mfw_persist_put_u32(&w, MFW_LOADCTL_SLOTS);
    for (unsigned k = 0; k < MFW_LOADCTL_SLOTS; k++)
        mfw_persist_put_u32(&w, s->loadctl.tariff_on[k]);
    const struct mfw_prepay_config *pp = &s->prepay;
    mfw_persist_put_u32(&w, pp->low_credit_wh);
    mfw_persist_put_u32(&w, pp->emergency_wh);
    mfw_persist_put_u32(&w, pp->max_topup_wh);
    mfw_persist_put_bool(&w, pp->reconnect_auto);
    mfw_persist_put_u32(&w, (uint32_t)pp->friendly_from_h << 24 |
                                (uint32_t)pp->friendly_from_m << 16 |
                                (uint32_t)pp->friendly_to_h << 8 | pp->friendly_to_m);
    mfw_persist_put_bool(&w, pp->friendly_weekends);
    mfw_persist_put_bool(&w, pp->friendly_holidays);
    const struct mfw_neutral_config *n = &s->neutral;
    mfw_persist_put_bool(&w, n->enabled);
    mfw_persist_put_f64(&w, n->high_v);
    mfw_persist_put_f64(&w, n->low_v);
    mfw_persist_put_u32(&w, n->time_ms);
    mfw_persist_put_f64(&w, n->zero_seq_v);
    mfw_persist_put_u32(&w, n->zero_seq_time_ms);
    mfw_persist_put_u32(&w, n->clear_time_ms);
    mfw_persist_put_bool(&w, n->disconnect);
    mfw_persist_put_bool(&w, n->auto_reconnect);
    mfw_persist_put_f64(&w, n->mismatch_a);
    mfw_persist_put_f64(&w, n->mismatch_ratio);
    mfw_persist_put_u32(&w, n->mismatch_time_ms);
    mfw_persist_put_f64(&w, n->loss_current_a);
    mfw_persist_put_bool(&w, s->tamper.export_expected);
    mfw_persist_put_f64(&w, s->tamper.reverse_w);
    mfw_persist_put_u32(&w, s->tamper.reverse_time_ms);
    mfw_persist_put_u32(&w, s->alarm.filter[0]);
    mfw_persist_put_u32(&w, s->alarm.filter[1]);
    for (unsigned k = 0; k < MFW_SCHED_COUNT; k++) {
        put_script(&w, &s->schedule[k].script);
        put_times(&w, &s->schedule[k].times);
    }
    put_grid_id(&w, &s->substation);
    put_grid_id(&w, &s->grid_line);
    *len = w.len;
    return w.err != 0 ? MFW_E_NOSPACE : MFW_OK;
}

int mfw_meter_state_decode_settings(struct mfw_meter_settings *s, const uint8_t *buf, size_t len,
                                    uint8_t phases, const char **field)
{
    struct mfw_persist_reader r;
    mfw_persist_reader_init(&r, buf, len);
    if (field != NULL)
        *field = NULL;
    int rc = get_header(&r, CONFIG_MAGIC, CONFIG_VERSION);
    if (rc != MFW_OK) {
        if (field != NULL)
            *field = r.field;
        return rc;
    }
    struct mfw_meter_settings t;
    memset(&t, 0, sizeof t);
    struct mfw_clock_config *c = &t.clock;
    c->utc_offset_min = (int16_t)mfw_persist_i64(&r, "clock: UTC offset", -720, 840);
    c->dst_enabled = mfw_persist_bool(&r, "clock: summer time enabled");
    c->dst_deviation_min = (int16_t)mfw_persist_i64(&r, "clock: summer time deviation", -120, 120);
    get_dst_point(&r, &c->dst_begin);
    get_dst_point(&r, &c->dst_end);
    uint32_t tou_len = mfw_persist_u32(&r, "calendar length", 0, MFW_TOU_ENCODED_MAX);
    const uint8_t *tou = r.err == MFW_OK ? mfw_rcursor_take(&r.rc, tou_len) : NULL;
    if (tou == NULL)
        mfw_persist_fail(&r, "calendar", MFW_E_FORMAT);
    else if (mfw_tou_decode(&t.tou, tou, tou_len) != MFW_OK)
        mfw_persist_fail(&r, "calendar", MFW_E_RANGE);
    t.demand.quantities = (uint8_t)mfw_persist_u32(&r, "demand: quantities", 1, MFW_DEMAND_QTY_MAX);
    t.demand.period_s = mfw_persist_u32(&r, "demand: period", 1, 86400);
    t.demand.number_of_periods =
        (uint8_t)mfw_persist_u32(&r, "demand: number of periods", 1, MFW_DEMAND_PERIODS_MAX);
    get_times(&r, &t.billing);
    struct mfw_quality_config *q = &t.quality;
    q->phases = (uint8_t)mfw_persist_u32(&r, "quality: phases", phases, phases);
    q->un_v = mfw_persist_f64(&r, "quality: Un", 1.0, 1000.0);
    q->sag_v = mfw_persist_f64(&r, "quality: sag threshold", 0.0, 2000.0);
    q->swell_v = mfw_persist_f64(&r, "quality: swell threshold", 0.0, 2000.0);
    q->missing_v = mfw_persist_f64(&r, "quality: missing voltage threshold", 0.0, 2000.0);
    q->hysteresis_v = mfw_persist_f64(&r, "quality: hysteresis", 0.0, 100.0);
    q->sag_time_ms = mfw_persist_u32(&r, "quality: sag time", 0, 86400000u);
    q->swell_time_ms = mfw_persist_u32(&r, "quality: swell time", 0, 86400000u);
    q->missing_time_ms = mfw_persist_u32(&r, "quality: missing voltage time", 0, 86400000u);
    q->long_failure_s = mfw_persist_u32(&r, "quality: long power failure", 1, 86400u);
    q->fn_hz = mfw_persist_f64(&r, "quality: nominal frequency", 40.0, 70.0);
    q->freq_dev_hz = mfw_persist_f64(&r, "quality: frequency deviation", 0.0, 10.0);
    q->freq_time_ms = mfw_persist_u32(&r, "quality: frequency time", 0, 86400000u);
    q->unbalance_pct = mfw_persist_f64(&r, "quality: unbalance", 0.0, 100.0);
    q->unbalance_time_ms = mfw_persist_u32(&r, "quality: unbalance time", 0, 86400000u);
    get_profile_config(&r, &t.lp1);
    get_profile_config(&r, &t.analysis);
    t.disconnect_mode = (uint8_t)mfw_persist_u32(&r, "disconnector: mode", 0, MFW_DISC_MODE_MAX);
    struct mfw_limiter_config *l = &t.limiter;
    l->monitored = (uint16_t)mfw_persist_u32(&r, "limiter: monitored", 0, MFW_CAT_COUNT - 1u);
    l->threshold_normal = mfw_persist_u32(&r, "limiter: threshold normal", 0, UINT32_MAX);
    l->threshold_emergency = mfw_persist_u32(&r, "limiter: threshold emergency", 0, UINT32_MAX);
    l->min_over_s = mfw_persist_u32(&r, "limiter: min over", 0, 86400u);
    l->min_under_s = mfw_persist_u32(&r, "limiter: min under", 0, 86400u);
    l->emergency_id = (uint16_t)mfw_persist_u32(&r, "limiter: emergency id", 0, 0xFFFFu);
    l->emergency_start = mfw_persist_i64(&r, "limiter: emergency start", 0, MFW_PERSIST_TIME_MAX);
    l->emergency_duration_s = mfw_persist_u32(&r, "limiter: emergency duration", 0, UINT32_MAX);
    l->n_groups = (uint8_t)mfw_persist_u32(&r, "limiter: groups", 0, MFW_LIMITER_GROUPS_MAX);
    for (unsigned k = 0; k < l->n_groups; k++)
        l->groups[k] = (uint16_t)mfw_persist_u32(&r, "limiter: group", 0, 0xFFFFu);
    get_script(&r, "limiter: action over", &l->over);
    get_script(&r, "limiter: action under", &l->under);
    mfw_persist_expect(&r, "load relays: slots", MFW_LOADCTL_SLOTS);
    for (unsigned k = 0; k < MFW_LOADCTL_SLOTS; k++)
        t.loadctl.tariff_on[k] = (uint8_t)mfw_persist_u32(&r, "load relays: tariffs", 0, 255);
    struct mfw_prepay_config *pp = &t.prepay;
    pp->low_credit_wh = mfw_persist_u32(&r, "prepayment: low credit", 0, UINT32_MAX);
    pp->emergency_wh = mfw_persist_u32(&r, "prepayment: emergency credit", 0, UINT32_MAX);
    pp->max_topup_wh = mfw_persist_u32(&r, "prepayment: largest top-up", 1, UINT32_MAX);
    pp->reconnect_auto = mfw_persist_bool(&r, "prepayment: reconnection");
    uint32_t fr = mfw_persist_u32(&r, "prepayment: friendly period", 0, UINT32_MAX);
    pp->friendly_from_h = (uint8_t)(fr >> 24);
    pp->friendly_from_m = (uint8_t)(fr >> 16);
    pp->friendly_to_h = (uint8_t)(fr >> 8);
    pp->friendly_to_m = (uint8_t)fr;
    pp->friendly_weekends = mfw_persist_bool(&r, "prepayment: friendly weekends");
    pp->friendly_holidays = mfw_persist_bool(&r, "prepayment: friendly holidays");
    struct mfw_neutral_config *n = &t.neutral;
    n->enabled = mfw_persist_bool(&r, "neutral: enabled");
    n->high_v = mfw_persist_f64(&r, "neutral: high", 0.0, 1000.0);
    n->low_v = mfw_persist_f64(&r, "neutral: low", 0.0, 1000.0);
    n->time_ms = mfw_persist_u32(&r, "neutral: time", 0, 86400000u);
    n->zero_seq_v = mfw_persist_f64(&r, "neutral: zero sequence", 0.0, 1000.0);
    n->zero_seq_time_ms = mfw_persist_u32(&r, "neutral: zero sequence time", 0, 86400000u);
    n->clear_time_ms = mfw_persist_u32(&r, "neutral: clear time", 0, 86400000u);
    n->disconnect = mfw_persist_bool(&r, "neutral: disconnect");
    n->auto_reconnect = mfw_persist_bool(&r, "neutral: reconnection");
    n->mismatch_a = mfw_persist_f64(&r, "neutral: mismatch", 0.0, 1000.0);
    n->mismatch_ratio = mfw_persist_f64(&r, "neutral: mismatch ratio", 0.0, 1.0);
    n->mismatch_time_ms = mfw_persist_u32(&r, "neutral: mismatch time", 0, 86400000u);
    n->loss_current_a = mfw_persist_f64(&r, "neutral: loss current", 0.0, 1000.0);
    t.tamper.export_expected = mfw_persist_bool(&r, "tamper: export expected");
    t.tamper.reverse_w = mfw_persist_f64(&r, "tamper: reverse power", 0.0, 1e6);
    t.tamper.reverse_time_ms = mfw_persist_u32(&r, "tamper: reverse time", 0, 86400000u);
    t.alarm.filter[0] = mfw_persist_u32(&r, "alarm: filter 1", 0, UINT32_MAX);
    t.alarm.filter[1] = mfw_persist_u32(&r, "alarm: filter 2", 0, UINT32_MAX);
    for (unsigned k = 0; k < MFW_SCHED_COUNT; k++) {
        get_script(&r, "schedule: script", &t.schedule[k].script);
        get_times(&r, &t.schedule[k].times);
    }
    get_grid_id(&r, &t.substation);
    get_grid_id(&r, &t.grid_line);
    rc = finish(&r, field);
    if (rc != MFW_OK)
        return rc;
    /* Each module's own rules (a period that divides a day, thresholds in order, ...). */
    if (mfw_meter_validate_settings(&t, phases) != MFW_OK) {
        if (field != NULL)
            *field = "settings: out of their rules";
        return MFW_E_RANGE;
    }
    *s = t;
    return MFW_OK;
}
