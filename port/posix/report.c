/* SPDX-License-Identifier: Apache-2.0 */
/* The report as a cJSON tree (Debian libcjson-dev), printed once. Every number goes through
 * jsonnum.h, which keeps billing values exact; strings are escaped by cJSON (RFC 8259). */
#include "report.h"

#include <inttypes.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "isotime.h"
#include "jsonnum.h"
#include "meterfw/meter/catalog.h"

/* Adds item under key to an object (key NULL: appends it to an array) and returns it. A NULL item
 * (cJSON or jsonnum could not make it) or a failed add sets *bad: the report is then not written
 * at all rather than written with a hole. */
static cJSON *put(bool *bad, cJSON *parent, const char *key, cJSON *item)
{
    bool ok = item != NULL && parent != NULL &&
              (key != NULL ? cJSON_AddItemToObject(parent, key, item)
                           : cJSON_AddItemToArray(parent, item));
    if (!ok) {
        cJSON_Delete(item);
        *bad = true;
        return NULL;
    }
    return item;
}

static cJSON *time_item(mfw_ms_t t)
{
    char buf[ISOTIME_LEN];
    isotime_format(t, buf);
    return cJSON_CreateString(buf);
}

/* uWh as Wh with 3 decimals: truncated to whole mWh like the registers shown elsewhere, then
 * exact (jsonnum.h). */
static cJSON *wh_item(uint64_t uwh)
{
    return jsonnum_decimal(false, uwh / 1000u, -3);
}

/* mW as W with 3 decimals, exact. */
static cJSON *mw_item(uint64_t mw)
{
    return jsonnum_decimal(false, mw, -3);
}

/* A stored profile value v x 10^scaler, exactly (no floating point on the way). */
static cJSON *scaled_item(int64_t v, int scaler)
{
    bool neg = v < 0;
    return jsonnum_decimal(neg, neg ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, scaler);
}

/* An ISO 8601 local time with its UTC offset: "2026-07-01T00:00:00+02:00". */
static cJSON *local_item(const struct mfw_local_time *lt)
{
    int off = lt->offset_min;
    unsigned a = (unsigned)abs(off);
    char buf[64], ms[8] = "";
    if (lt->ms != 0)
        snprintf(ms, sizeof ms, ".%03u", lt->ms);
    int n = snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02u:%02u:%02u%s%c%02u:%02u",
                     (long long)lt->year, lt->month, lt->day, lt->hour, lt->minute, lt->second, ms,
                     off < 0 ? '-' : '+', a / 60u, a % 60u);
    if (n < 0 || (size_t)n >= sizeof buf)
        return NULL;
    return cJSON_CreateString(buf);
}

static void obis_text(char buf[24], const uint8_t o[6])
{
    snprintf(buf, 24, "%u.%u.%u.%u.%u.%u", o[0], o[1], o[2], o[3], o[4], o[5]);
}

static cJSON *obis_item(const uint8_t o[6])
{
    char buf[24];
    obis_text(buf, o);
    return cJSON_CreateString(buf);
}

static const char *unit_name(uint8_t unit)
{
    switch (unit) {
    case MFW_COSEM_UNIT_DEGREE: return "deg";
    case MFW_COSEM_UNIT_CELSIUS: return "degC";
    case MFW_COSEM_UNIT_W: return "W";
    case MFW_COSEM_UNIT_VA: return "VA";
    case MFW_COSEM_UNIT_VAR: return "var";
    case MFW_COSEM_UNIT_WH: return "Wh";
    case MFW_COSEM_UNIT_VARH: return "varh";
    case MFW_COSEM_UNIT_A: return "A";
    case MFW_COSEM_UNIT_V: return "V";
    case MFW_COSEM_UNIT_HZ: return "Hz";
    default: return "";
    }
}

static const struct {
    const char *key;
    unsigned c; /* OBIS C of the total; per phase C + 20 * (phase + 1) (IEC 62056-6-1) */
    const char *unit;
} report_qty[MFW_EQ_COUNT] = {
    [MFW_EQ_AP] = {"A+", 1, "Wh"},     [MFW_EQ_AM] = {"A-", 2, "Wh"},
    [MFW_EQ_RP] = {"R+", 3, "varh"},   [MFW_EQ_RM] = {"R-", 4, "varh"},
    [MFW_EQ_RQ1] = {"RQ1", 5, "varh"}, [MFW_EQ_RQ2] = {"RQ2", 6, "varh"},
    [MFW_EQ_RQ3] = {"RQ3", 7, "varh"}, [MFW_EQ_RQ4] = {"RQ4", 8, "varh"},
};

/* {"obis", "value", "unit"} of one energy register. */
/* The board's relays and lines, and what the meter's revenue functions say of them. */
static void put_board(bool *bad, cJSON *parent, const struct mfw_meter *m, const struct board *b)
{
    static const char *const names[BOARD_RELAYS] = {"breaker", "load1", "load2"};
    cJSON *o = put(bad, parent, "board", cJSON_CreateObject());
    for (unsigned r = 0; r < BOARD_RELAYS; r++)
        if (b->has_relay[r])
            put(bad, o, names[r], cJSON_CreateString(board_relay_closed(b, r) ? "closed" : "open"));
    put(bad, o, "welded", cJSON_CreateBool(b->welded));
    put(bad, o, "inputs", jsonnum_uint(b->inputs));
    put(bad, o, "s0_pulses", jsonnum_uint(b->s0_pulses));
    if (m->config.breaker) {
        put(bad, o, "disconnect_control_state", jsonnum_uint(m->disc.state));
        int64_t uwh = mfw_prepay_available_uwh(&m->prepay);
        put(bad, o, "credit_wh",
            cJSON_CreateNumber((double)(uwh >= 0 ? uwh / 1000000 : -((-uwh + 999999) / 1000000))));
    }
    put(bad, o, "alarm_register_1", jsonnum_uint(m->alarm.reg[0]));
    put(bad, o, "alarm_register_2", jsonnum_uint(m->alarm.reg[1]));
    put(bad, o, "error_register", jsonnum_uint(m->error_register));
}

static void put_register(bool *bad, cJSON *parent, unsigned q, const char *obis, uint64_t uwh)
{
    cJSON *r = put(bad, parent, report_qty[q].key, cJSON_CreateObject());
    put(bad, r, "obis", cJSON_CreateString(obis));
    put(bad, r, "value", wh_item(uwh));
    put(bad, r, "unit", cJSON_CreateString(report_qty[q].unit));
}

static void put_registers(bool *bad, cJSON *parent, const char *key, const struct mfw_meter *m,
                          unsigned phase)
{
    unsigned dc = phase == MFW_ENERGY_TOTAL ? 0 : 20 * (phase + 1);
    cJSON *o = put(bad, parent, key, cJSON_CreateObject());
    for (unsigned q = 0; q < MFW_EQ_COUNT; q++) {
        char obis[24];
        snprintf(obis, sizeof obis, "1.0.%u.8.0.255", report_qty[q].c + dc);
        put_register(bad, o, q, obis, mfw_meter_energy_uwh(m, phase, (enum mfw_energy_qty)q));
    }
}

/* T1..T8 x A+, A-, R+, R- (OBIS 1.0.C.8.T.255, C = 1..4). */
static void put_tariffs(bool *bad, cJSON *parent, const struct mfw_meter *m)
{
    cJSON *o = put(bad, parent, "tariffs", cJSON_CreateObject());
    for (unsigned t = 0; t < MFW_TARIFFS; t++) {
        char key[16];
        snprintf(key, sizeof key, "T%u", t + 1);
        cJSON *tt = put(bad, o, key, cJSON_CreateObject());
        for (unsigned q = 0; q < 4; q++) {
            char obis[24];
            snprintf(obis, sizeof obis, "1.0.%u.8.%u.255", report_qty[q].c, t + 1);
            put_register(bad, tt, q, obis, m->registers.tariff[t][q]);
        }
    }
}

static void put_clock(bool *bad, cJSON *parent, const struct mfw_meter *m)
{
    struct mfw_local_time lt;
    mfw_clock_local(&m->clock, m->now, &lt);
    uint8_t st = mfw_clock_status(&m->clock, m->now);
    cJSON *o = put(bad, parent, "clock", cJSON_CreateObject());
    put(bad, o, "obis", cJSON_CreateString("0.0.1.0.0.255"));
    put(bad, o, "utc", time_item(m->now));
    put(bad, o, "local", local_item(&lt));
    put(bad, o, "status", jsonnum_uint(st));
    put(bad, o, "dst", cJSON_CreateBool(mfw_clock_dst_active(&m->clock, m->now)));
    put(bad, o, "invalid", cJSON_CreateBool((st & MFW_CLOCK_STATUS_INVALID) != 0));
    put(bad, o, "rtc", time_item(m->rtc));
    put(bad, o, "offset_ms", jsonnum_int(m->clock.offset_ms));
}

static void put_demand(bool *bad, cJSON *parent, const struct mfw_meter *m)
{
    static const char *const key[2] = {"A+", "A-"};
    cJSON *o = put(bad, parent, "demand", cJSON_CreateObject());
    for (unsigned q = 0; q < 2 && q < m->demand.config.quantities; q++) {
        struct mfw_demand_max mx = mfw_demand_maximum(&m->demand, q);
        char obis[24];
        cJSON *d = put(bad, o, key[q], cJSON_CreateObject());
        snprintf(obis, sizeof obis, "1.0.%u.4.0.255", q + 1);
        put(bad, d, "current_obis", cJSON_CreateString(obis));
        put(bad, d, "current_w", mw_item(mfw_demand_current_mw(&m->demand, q)));
        put(bad, d, "last_w", mw_item(mfw_demand_last_mw(&m->demand, q)));
        snprintf(obis, sizeof obis, "1.0.%u.6.0.255", q + 1);
        put(bad, d, "max_obis", cJSON_CreateString(obis));
        put(bad, d, "max_w", mw_item(mx.valid ? mx.value_mw : 0));
        put(bad, d, "max_time", mx.valid ? time_item(mx.time) : cJSON_CreateNull());
    }
    put(bad, o, "period_s", jsonnum_uint(m->demand.config.period_s));
    put(bad, o, "number_of_periods", jsonnum_uint(m->demand.config.number_of_periods));
}

/* One profile row: {"time", "status", "values": {obis: value}}. */
static void put_row(bool *bad, cJSON *rows, const struct mfw_profile *p,
                    const struct mfw_profile_row *row)
{
    cJSON *o = put(bad, rows, NULL, cJSON_CreateObject());
    put(bad, o, "time", time_item(row->time));
    put(bad, o, "status", jsonnum_uint(row->status));
    cJSON *v = put(bad, o, "values", cJSON_CreateObject());
    for (unsigned c = 0; c < row->n && c < p->config.n_columns; c++) {
        const struct mfw_catalog_entry *e = mfw_catalog_find(p->config.column[c]);
        char key[24];
        if (e == NULL) {
            snprintf(key, sizeof key, "id%u", p->config.column[c]);
            put(bad, v, key, cJSON_CreateNull());
            continue;
        }
        obis_text(key, e->obis);
        put(bad, v, key, scaled_item(row->v[c], e->scaler));
    }
}

/* The capture objects: [{"obis", "name", "unit", "scaler"}]. */
static void put_columns(bool *bad, cJSON *parent, const struct mfw_profile *p)
{
    cJSON *a = put(bad, parent, "columns", cJSON_CreateArray());
    for (unsigned c = 0; c < p->config.n_columns; c++) {
        const struct mfw_catalog_entry *e = mfw_catalog_find(p->config.column[c]);
        if (e == NULL) {
            put(bad, a, NULL, cJSON_CreateNull());
            continue;
        }
        cJSON *o = put(bad, a, NULL, cJSON_CreateObject());
        put(bad, o, "obis", obis_item(e->obis));
        put(bad, o, "name", cJSON_CreateString(e->name));
        put(bad, o, "unit", cJSON_CreateString(unit_name(e->unit)));
        put(bad, o, "scaler", jsonnum_int(e->scaler));
    }
}

/* Rows [from, n) of a profile as an array under key; unreadable rows are counted in *unreadable. */
static void put_rows(bool *bad, cJSON *parent, const char *key, struct mfw_meter *m,
                     const struct mfw_profile *p, uint32_t from, uint32_t n, uint32_t *unreadable)
{
    struct mfw_profile_row row;
    cJSON *a = put(bad, parent, key, cJSON_CreateArray());
    for (uint32_t i = from; i < n; i++) {
        if (mfw_profile_read(p, &m->store, i, &row) != 0) {
            (*unreadable)++;
            continue;
        }
        put_row(bad, a, p, &row);
    }
}

static void put_billing(bool *bad, cJSON *parent, struct mfw_meter *m)
{
    const struct mfw_profile *p = &m->profiles[MFW_PROF_BILLING];
    uint32_t n = m->persistent ? mfw_profile_count(p, &m->store) : 0, unreadable = 0;
    cJSON *o = put(bad, parent, "billing", cJSON_CreateObject());
    put(bad, o, "counter_obis", cJSON_CreateString("0.0.0.1.0.255"));
    put(bad, o, "counter", jsonnum_uint(m->billing.counter));
    put(bad, o, "last",
        m->billing.billed ? local_item(&m->billing.last_billing) : cJSON_CreateNull());
    put(bad, o, "profile_obis", cJSON_CreateString("0.0.98.1.0.255"));
    put(bad, o, "entries", jsonnum_uint(n));
    put_columns(bad, o, p);
    put_rows(bad, o, "rows", m, p, 0, n, &unreadable);
    put(bad, o, "unreadable", jsonnum_uint(unreadable));
}

static const char *const profile_obis[MFW_PROF_COUNT] = {
    [MFW_PROF_LP1] = "1.0.99.1.0.255",
    [MFW_PROF_DAILY] = "1.0.99.2.0.255",
    [MFW_PROF_BILLING] = "0.0.98.1.0.255",
    [MFW_PROF_ANALYSIS] = "1.0.99.1.1.255",
};

/* Newest LP1 rows in the report: one day of quarter hours. */
#define LP_RECENT_ROWS 96u

/* {"obis", "entries", "first", "last", "capture_period_s", "status_counts" {bit: rows},
 * "unreadable", and the newest `recent` rows (none when 0)}. */
static void put_profile_summary(bool *bad, cJSON *parent, const char *key, struct mfw_meter *m,
                                unsigned which, uint32_t recent)
{
    const struct mfw_profile *p = &m->profiles[which];
    uint32_t n = m->persistent ? mfw_profile_count(p, &m->store) : 0, unreadable = 0;
    struct mfw_profile_row first, last;
    bool have_first = n > 0 && mfw_profile_read(p, &m->store, 0, &first) == 0;
    bool have_last = n > 0 && mfw_profile_read(p, &m->store, n - 1, &last) == 0;
    cJSON *o = put(bad, parent, key, cJSON_CreateObject());
    put(bad, o, "obis", cJSON_CreateString(profile_obis[which]));
    put(bad, o, "entries", jsonnum_uint(n));
    put(bad, o, "first", have_first ? time_item(first.time) : cJSON_CreateNull());
    put(bad, o, "last", have_last ? time_item(last.time) : cJSON_CreateNull());
    put(bad, o, "capture_period_s", jsonnum_uint(p->config.capture_period_s));
    /* rows per AMR status bit over the whole buffer */
    static const struct {
        uint8_t bit;
        const char *name;
    } bits[] = {
        {MFW_PROFILE_ST_CRITICAL_ERROR, "critical_error"},
        {MFW_PROFILE_ST_CLOCK_INVALID, "clock_invalid"},
        {MFW_PROFILE_ST_DATA_NOT_VALID, "data_not_valid"},
        {MFW_PROFILE_ST_DST, "dst"},
        {MFW_PROFILE_ST_CLOCK_ADJUSTED, "clock_adjusted"},
        {MFW_PROFILE_ST_POWER_DOWN, "power_down"},
    };
    uint32_t count[sizeof bits / sizeof bits[0]] = {0};
    struct mfw_profile_row row;
    for (uint32_t i = 0; i < n; i++) {
        if (mfw_profile_read(p, &m->store, i, &row) != 0) {
            unreadable++;
            continue;
        }
        for (size_t b = 0; b < sizeof bits / sizeof bits[0]; b++)
            if (row.status & bits[b].bit)
                count[b]++;
    }
    cJSON *sc = put(bad, o, "status_counts", cJSON_CreateObject());
    for (size_t b = 0; b < sizeof bits / sizeof bits[0]; b++)
        put(bad, sc, bits[b].name, jsonnum_uint(count[b]));
    put(bad, o, "unreadable", jsonnum_uint(unreadable));
    if (recent > 0) {
        uint32_t ignored = 0; /* already counted over the whole buffer above */
        put_rows(bad, o, "recent", m, p, n > recent ? n - recent : 0, n, &ignored);
    }
}

static const char *const log_name[MFW_EVENTLOG_COUNT] = {
    [MFW_EVENTLOG_STANDARD] = "standard",
    [MFW_EVENTLOG_FRAUD] = "fraud",
    [MFW_EVENTLOG_DISCONNECTOR] = "disconnector",
    [MFW_EVENTLOG_POWER_QUALITY] = "power_quality",
    [MFW_EVENTLOG_RTC] = "rtc",
    [MFW_EVENTLOG_POWER_FAILURE] = "power_failure",
};

static void put_entry(bool *bad, cJSON *entries, enum mfw_eventlog_id log,
                      const struct mfw_eventlog_entry *e)
{
    cJSON *o = put(bad, entries, NULL, cJSON_CreateObject());
    put(bad, o, "time", time_item(e->time));
    put(bad, o, "code", jsonnum_uint(e->code));
    put(bad, o, "phase", jsonnum_uint(e->phase));
    put(bad, o, "v1", jsonnum_int(e->v1));
    put(bad, o, "v2", jsonnum_int(e->v2));
    if (log == MFW_EVENTLOG_POWER_FAILURE) {
        put(bad, o, "start", time_item(e->v1));
        put(bad, o, "duration_s", jsonnum_int(e->v2));
    } else if (log == MFW_EVENTLOG_RTC && (e->code == MFW_EVENT_CLOCK_ADJUSTED_OLD ||
                                           e->code == MFW_EVENT_CLOCK_ADJUSTED_NEW)) {
        put(bad, o, "old", time_item(e->v1));
        put(bad, o, "new", time_item(e->v2));
    }
}

static void put_pf_counters(bool *bad, cJSON *parent, const char *key,
                            const uint32_t c[MFW_EVENTLOG_PF_SLOTS])
{
    cJSON *o = put(bad, parent, key, cJSON_CreateObject());
    put(bad, o, "any", jsonnum_uint(c[MFW_EVENTLOG_PF_ANY]));
    put(bad, o, "L1", jsonnum_uint(c[MFW_EVENTLOG_PF_L1]));
    put(bad, o, "L2", jsonnum_uint(c[MFW_EVENTLOG_PF_L1 + 1]));
    put(bad, o, "L3", jsonnum_uint(c[MFW_EVENTLOG_PF_L1 + 2]));
    put(bad, o, "all", jsonnum_uint(c[MFW_EVENTLOG_PF_ALL]));
}

static void put_events(bool *bad, cJSON *parent, struct mfw_meter *m)
{
    cJSON *o = put(bad, parent, "events", cJSON_CreateObject());
    for (unsigned l = 0; l < MFW_EVENTLOG_COUNT; l++) {
        enum mfw_eventlog_id log = (enum mfw_eventlog_id)l;
        uint32_t n = m->persistent ? mfw_eventlog_count(&m->events, &m->store, log) : 0;
        cJSON *lo = put(bad, o, log_name[l], cJSON_CreateObject());
        put(bad, lo, "obis", obis_item(mfw_eventlog_obis(log)));
        put(bad, lo, "count", jsonnum_uint(n));
        put(bad, lo, "logged", jsonnum_uint(m->events.counters.logged[l]));
        const uint8_t *co = mfw_eventlog_code_obis(log);
        if (co != NULL) {
            put(bad, lo, "code_obis", obis_item(co));
            put(bad, lo, "last_code", jsonnum_uint(m->events.counters.last_code[l]));
        }
        cJSON *entries = put(bad, lo, "entries", cJSON_CreateArray());
        uint32_t unreadable = 0;
        for (uint32_t i = 0; i < n; i++) {
            struct mfw_eventlog_entry e;
            if (mfw_eventlog_read(&m->events, &m->store, log, i, &e) != 0) {
                unreadable++;
                continue;
            }
            put_entry(bad, entries, log, &e);
        }
        put(bad, lo, "unreadable", jsonnum_uint(unreadable));
    }
    put_pf_counters(bad, o, "power_failures", m->events.counters.power_failures);
    put_pf_counters(bad, o, "long_power_failures", m->events.counters.long_power_failures);
    put(bad, o, "long_threshold_s", jsonnum_uint(m->events.counters.long_pf_threshold_s));
}

static void put_store(bool *bad, cJSON *parent, const struct mfw_meter *m,
                      const struct report_info *ri)
{
    cJSON *o = put(bad, parent, "store", cJSON_CreateObject());
    put(bad, o, "persistent", cJSON_CreateBool(m->persistent));
    put(bad, o, "saves", jsonnum_uint(ri->saves_before + m->saves));
    put(bad, o, "store_errors", jsonnum_uint(ri->store_errors_before + m->store_errors));
    put(bad, o, "torn_found", jsonnum_uint(m->store.stats.torn_found));
    put(bad, o, "version_mismatch", jsonnum_uint(m->store.stats.version_mismatch));
    if (ri->flash == NULL)
        return;
    cJSON *fl = put(bad, o, "flash", cJSON_CreateObject());
    put(bad, fl, "erases", jsonnum_uint(ri->flash->erases));
    put(bad, fl, "programs", jsonnum_uint(ri->flash->progs));
    put(bad, fl, "bytes_programmed", jsonnum_uint(ri->flash->bytes_programmed));
    put(bad, fl, "reads", jsonnum_uint(ri->flash->reads));
    put(bad, fl, "violations", jsonnum_uint(ri->flash->violations));
    /* erases of this run per store area, and of the area's most erased sector (wear) */
    static const char *const names[MFW_AREA_COUNT] = {"config",           "state",
                                                      "load_profile",     "daily",
                                                      "billing",          "analysis",
                                                      "log_standard",     "log_fraud",
                                                      "log_disconnector", "log_power_quality",
                                                      "log_rtc",          "log_power_failure",
                                                      "security",         "counters",
                                                      "prepayment"};
    cJSON *areas = put(bad, o, "areas", cJSON_CreateArray());
    for (unsigned a = 0; a < m->config.store.n_areas && a < MFW_AREA_COUNT; a++) {
        const struct mfw_store_area_config *ac = &m->config.store.area[a];
        uint64_t sum = 0;
        uint32_t worst = 0;
        for (unsigned k = 0; k < ac->sectors; k++) {
            uint32_t e = ri->flash->erase_count[ac->first_sector + k];
            sum += e;
            worst = e > worst ? e : worst;
        }
        cJSON *ao = put(bad, areas, NULL, cJSON_CreateObject());
        put(bad, ao, "area", cJSON_CreateString(names[a]));
        put(bad, ao, "sectors", jsonnum_uint(ac->sectors));
        put(bad, ao, "erases", jsonnum_uint(sum));
        put(bad, ao, "worst_sector_erases", jsonnum_uint(worst));
    }
}

static void put_instantaneous(bool *bad, cJSON *parent, const struct mfw_meter *m, unsigned phases)
{
    if (!m->have_values) {
        put(bad, parent, "instantaneous", cJSON_CreateNull());
        return;
    }
    const struct mfw_metrology_values *v = &m->now_values;
    cJSON *o = put(bad, parent, "instantaneous", cJSON_CreateObject());
    put(bad, o, "frequency_hz", jsonnum_measured(v->freq_hz, 3));
    put(bad, o, "p_w", jsonnum_measured(v->p, 1));
    put(bad, o, "q_var", jsonnum_measured(v->q, 1));
    put(bad, o, "s_va", jsonnum_measured(v->s, 1));
    put(bad, o, "i_n_a", jsonnum_measured(v->i_n, 3));
    for (unsigned p = 0; p < phases; p++) {
        const struct mfw_phase_values *ph = &v->ph[p];
        char key[16];
        snprintf(key, sizeof key, "L%u", p + 1);
        cJSON *po = put(bad, o, key, cJSON_CreateObject());
        put(bad, po, "voltage_v", jsonnum_measured(ph->vrms, 2));
        put(bad, po, "current_a", jsonnum_measured(ph->irms, 3));
        put(bad, po, "p_w", jsonnum_measured(ph->p, 1));
        put(bad, po, "q_var", jsonnum_measured(ph->q, 1));
        put(bad, po, "s_va", jsonnum_measured(ph->s, 1));
        put(bad, po, "pf", jsonnum_measured(ph->pf, 3));
        put(bad, po, "angle_deg", jsonnum_measured(ph->angle_deg, 1));
        put(bad, po, "voltage_present", cJSON_CreateBool(ph->voltage_present));
    }
}

int report_json(FILE *f, struct mfw_meter *m, const struct report_info *ri)
{
    unsigned phases = m->config.model == MFW_METER_162M ? 1 : 3;
    bool bad = false;
    cJSON *root = cJSON_CreateObject();
    if (root == NULL) {
        fputs("meterd: report: out of memory\n", stderr);
        return -1;
    }
    put(&bad, root, "model",
        cJSON_CreateString(m->config.model == MFW_METER_162M ? "162M" : "382M"));
    put(&bad, root, "serial", cJSON_CreateString(m->config.serial));
    put(&bad, root, "scenario", cJSON_CreateString(ri->scenario));
    put(&bad, root, "start", time_item(ri->start_ms));
    put(&bad, root, "end", time_item(ri->end_ms));
    put(&bad, root, "fidelity", cJSON_CreateString(ri->fidelity));
    cJSON *regs = put(&bad, root, "registers", cJSON_CreateObject());
    put_registers(&bad, regs, "total", m, MFW_ENERGY_TOTAL);
    for (unsigned p = 0; p < phases; p++) {
        char key[16];
        snprintf(key, sizeof key, "L%u", p + 1);
        put_registers(&bad, regs, key, m, p);
    }
    put_tariffs(&bad, root, m);
    put_clock(&bad, root, m);
    put(&bad, root, "active_tariff", jsonnum_uint(m->tariff));
    put_demand(&bad, root, m);
    put_billing(&bad, root, m);
    put_profile_summary(&bad, root, "load_profile", m, MFW_PROF_LP1, LP_RECENT_ROWS);
    put_profile_summary(&bad, root, "daily", m, MFW_PROF_DAILY, 0);
    put_events(&bad, root, m);
    put_store(&bad, root, m, ri);
    put(&bad, root, "power_ups", jsonnum_uint(ri->power_ups));
    put_instantaneous(&bad, root, m, phases);
    if (ri->board != NULL)
        put_board(&bad, root, m, ri->board);

    char *text = bad ? NULL : cJSON_Print(root);
    cJSON_Delete(root);
    if (text == NULL) {
        fputs("meterd: report: out of memory\n", stderr);
        return -1;
    }
    int rc = fputs(text, f) < 0 || fputc('\n', f) == EOF ? -1 : 0;
    cJSON_free(text);
    if (rc != 0)
        fputs("meterd: report: cannot write it\n", stderr);
    return rc;
}
