/* A small hand-written JSON writer: only what the report needs, strings escaped per RFC 8259. */
#include "report.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#include "isotime.h"
#include "meterfw/meter/catalog.h"

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

/* JSON has no NaN/inf: write null for them. */
static void json_num(FILE *f, double v, int decimals)
{
    if (isfinite(v))
        fprintf(f, "%.*f", decimals, v);
    else
        fputs("null", f);
}

static void json_time(FILE *f, mfw_ms_t t)
{
    char buf[ISOTIME_LEN];
    isotime_format(t, buf);
    json_str(f, buf);
}

/* uWh as Wh with exactly 3 decimals, by integer arithmetic (a double would round above 2^53). */
static void json_wh(FILE *f, uint64_t uwh)
{
    uint64_t mwh = uwh / 1000u; /* truncated like the registers shown elsewhere */
    fprintf(f, "%llu.%03llu", (unsigned long long)(mwh / 1000u), (unsigned long long)(mwh % 1000u));
}

/* An ISO 8601 local time with its UTC offset: "2026-07-01T00:00:00+02:00". */
static void json_local(FILE *f, const struct mfw_local_time *lt)
{
    int off = lt->offset_min;
    unsigned a = (unsigned)abs(off);
    fprintf(f, "\"%04lld-%02u-%02uT%02u:%02u:%02u", (long long)lt->year, lt->month, lt->day,
            lt->hour, lt->minute, lt->second);
    if (lt->ms != 0)
        fprintf(f, ".%03u", lt->ms);
    fprintf(f, "%c%02u:%02u\"", off < 0 ? '-' : '+', a / 60u, a % 60u);
}

static void json_obis(FILE *f, const uint8_t o[6])
{
    fprintf(f, "\"%u.%u.%u.%u.%u.%u\"", o[0], o[1], o[2], o[3], o[4], o[5]);
}

/* A stored profile value v x 10^scaler, exactly (no floating point). */
static void json_scaled(FILE *f, int64_t v, int scaler)
{
    bool neg = v < 0;
    uint64_t u = neg ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    if (scaler >= 0) {
        fprintf(f, "%s%" PRIu64, neg ? "-" : "", u);
        for (int k = 0; k < scaler; k++)
            fputc('0', f);
        return;
    }
    uint64_t div = 1;
    for (int k = 0; k < -scaler && k < 19; k++)
        div *= 10u;
    fprintf(f, "%s%" PRIu64 ".%0*" PRIu64, neg ? "-" : "", u / div, -scaler, u % div);
}

/* mW as W with 3 decimals, exact. */
static void json_mw(FILE *f, uint64_t mw)
{
    fprintf(f, "%" PRIu64 ".%03" PRIu64, mw / 1000u, mw % 1000u);
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

static void json_registers(FILE *f, const struct mfw_meter *m, unsigned phase)
{
    unsigned dc = phase == MFW_ENERGY_TOTAL ? 0 : 20 * (phase + 1);
    fputs("{", f);
    for (unsigned q = 0; q < MFW_EQ_COUNT; q++) {
        fprintf(f, "%s\n      ", q ? "," : "");
        json_str(f, report_qty[q].key);
        fprintf(f, ": {\"obis\": \"1.0.%u.8.0.255\", \"value\": ", report_qty[q].c + dc);
        json_wh(f, mfw_meter_energy_uwh(m, phase, (enum mfw_energy_qty)q));
        fputs(", \"unit\": ", f);
        json_str(f, report_qty[q].unit);
        fputs("}", f);
    }
    fputs("\n    }", f);
}

/* T1..T8 x A+, A-, R+, R- (OBIS 1.0.C.8.T.255, C = 1..4). */
static void json_tariffs(FILE *f, const struct mfw_meter *m)
{
    fputs("{", f);
    for (unsigned t = 0; t < MFW_TARIFFS; t++) {
        fprintf(f, "%s\n    \"T%u\": {", t ? "," : "", t + 1);
        for (unsigned q = 0; q < 4; q++) {
            fprintf(f, "%s\n      ", q ? "," : "");
            json_str(f, report_qty[q].key);
            fprintf(f, ": {\"obis\": \"1.0.%u.8.%u.255\", \"value\": ", report_qty[q].c, t + 1);
            json_wh(f, m->registers.tariff[t][q]);
            fputs(", \"unit\": ", f);
            json_str(f, report_qty[q].unit);
            fputs("}", f);
        }
        fputs("\n    }", f);
    }
    fputs("\n  }", f);
}

static void json_clock(FILE *f, const struct mfw_meter *m)
{
    struct mfw_local_time lt;
    mfw_clock_local(&m->clock, m->now, &lt);
    uint8_t st = mfw_clock_status(&m->clock, m->now);
    fputs("{\"obis\": \"0.0.1.0.0.255\", \"utc\": ", f);
    json_time(f, m->now);
    fputs(", \"local\": ", f);
    json_local(f, &lt);
    fprintf(f, ", \"status\": %u, \"dst\": %s, \"invalid\": %s, \"rtc\": ", st,
            mfw_clock_dst_active(&m->clock, m->now) ? "true" : "false",
            (st & MFW_CLOCK_STATUS_INVALID) ? "true" : "false");
    json_time(f, m->rtc);
    fprintf(f, ", \"offset_ms\": %" PRId64 "}", (int64_t)m->clock.offset_ms);
}

static void json_demand(FILE *f, const struct mfw_meter *m)
{
    static const char *const key[2] = {"A+", "A-"};
    fputs("{", f);
    for (unsigned q = 0; q < 2 && q < m->demand.config.quantities; q++) {
        struct mfw_demand_max mx = mfw_demand_maximum(&m->demand, q);
        fprintf(f, "%s\n    \"%s\": {\"current_obis\": \"1.0.%u.4.0.255\", \"current_w\": ",
                q ? "," : "", key[q], q + 1);
        json_mw(f, mfw_demand_current_mw(&m->demand, q));
        fputs(", \"last_w\": ", f);
        json_mw(f, mfw_demand_last_mw(&m->demand, q));
        fprintf(f, ", \"max_obis\": \"1.0.%u.6.0.255\", \"max_w\": ", q + 1);
        json_mw(f, mx.valid ? mx.value_mw : 0);
        fputs(", \"max_time\": ", f);
        if (mx.valid)
            json_time(f, mx.time);
        else
            fputs("null", f);
        fputs("}", f);
    }
    fprintf(f, ",\n    \"period_s\": %" PRIu32 ", \"number_of_periods\": %u\n  }",
            m->demand.config.period_s, m->demand.config.number_of_periods);
}

/* One profile row: {"time", "status", "values": {obis: value}}. */
static void json_row(FILE *f, const struct mfw_profile *p, const struct mfw_profile_row *row)
{
    fputs("{\"time\": ", f);
    json_time(f, row->time);
    fprintf(f, ", \"status\": %u, \"values\": {", row->status);
    for (unsigned c = 0; c < row->n && c < p->config.n_columns; c++) {
        const struct mfw_catalog_entry *e = mfw_catalog_find(p->config.column[c]);
        fputs(c ? ", " : "", f);
        if (e == NULL) {
            fprintf(f, "\"id%u\": null", p->config.column[c]);
            continue;
        }
        json_obis(f, e->obis);
        fputs(": ", f);
        json_scaled(f, row->v[c], e->scaler);
    }
    fputs("}}", f);
}

/* The capture objects: [{"obis", "name", "unit", "scaler"}]. */
static void json_columns(FILE *f, const struct mfw_profile *p)
{
    fputs("[", f);
    for (unsigned c = 0; c < p->config.n_columns; c++) {
        const struct mfw_catalog_entry *e = mfw_catalog_find(p->config.column[c]);
        fputs(c ? ",\n      " : "\n      ", f);
        if (e == NULL) {
            fputs("null", f);
            continue;
        }
        fputs("{\"obis\": ", f);
        json_obis(f, e->obis);
        fputs(", \"name\": ", f);
        json_str(f, e->name);
        fputs(", \"unit\": ", f);
        json_str(f, unit_name(e->unit));
        fprintf(f, ", \"scaler\": %d}", e->scaler);
    }
    fputs("\n    ]", f);
}

/* Rows [from, n) of a profile as a JSON array; unreadable rows are counted in *bad. */
static void json_rows(FILE *f, struct mfw_meter *m, const struct mfw_profile *p, uint32_t from,
                      uint32_t n, uint32_t *bad)
{
    struct mfw_profile_row row;
    bool first = true;
    fputs("[", f);
    for (uint32_t i = from; i < n; i++) {
        if (mfw_profile_read(p, &m->store, i, &row) != 0) {
            (*bad)++;
            continue;
        }
        fputs(first ? "\n      " : ",\n      ", f);
        first = false;
        json_row(f, p, &row);
    }
    fputs(first ? "]" : "\n    ]", f);
}

static void json_billing(FILE *f, struct mfw_meter *m)
{
    const struct mfw_profile *p = &m->profiles[MFW_PROF_BILLING];
    uint32_t n = m->persistent ? mfw_profile_count(p, &m->store) : 0, bad = 0;
    fprintf(f,
            "{\n    \"counter_obis\": \"0.0.0.1.0.255\", \"counter\": %" PRIu32 ",\n    \"last\": ",
            m->billing.counter);
    if (m->billing.billed)
        json_local(f, &m->billing.last_billing);
    else
        fputs("null", f);
    fprintf(f,
            ",\n    \"profile_obis\": \"0.0.98.1.0.255\", \"entries\": %" PRIu32
            ",\n    \"columns\": ",
            n);
    json_columns(f, p);
    fputs(",\n    \"rows\": ", f);
    json_rows(f, m, p, 0, n, &bad);
    fprintf(f, ",\n    \"unreadable\": %" PRIu32 "\n  }", bad);
}

static const char *const profile_obis[MFW_PROF_COUNT] = {
    [MFW_PROF_LP1] = "1.0.99.1.0.255",
    [MFW_PROF_DAILY] = "1.0.99.2.0.255",
    [MFW_PROF_BILLING] = "0.0.98.1.0.255",
    [MFW_PROF_ANALYSIS] = "1.0.99.1.1.255",
};

/* Newest LP1 rows in the report: one day of quarter hours. */
#define LP_RECENT_ROWS 96u

/* {"obis", "entries", "first", "last", "capture_period_s", "status_counts" {bit: rows}, and the
 * newest `recent` rows (none when 0)}. */
static void json_profile_summary(FILE *f, struct mfw_meter *m, unsigned which, uint32_t recent)
{
    const struct mfw_profile *p = &m->profiles[which];
    uint32_t n = m->persistent ? mfw_profile_count(p, &m->store) : 0, bad = 0;
    struct mfw_profile_row first, last;
    bool have_first = n > 0 && mfw_profile_read(p, &m->store, 0, &first) == 0;
    bool have_last = n > 0 && mfw_profile_read(p, &m->store, n - 1, &last) == 0;
    fprintf(f,
            "{\n    \"obis\": \"%s\", \"entries\": %" PRIu32 ", \"first\": ", profile_obis[which],
            n);
    if (have_first)
        json_time(f, first.time);
    else
        fputs("null", f);
    fputs(", \"last\": ", f);
    if (have_last)
        json_time(f, last.time);
    else
        fputs("null", f);
    fprintf(f, ", \"capture_period_s\": %" PRIu32, p->config.capture_period_s);
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
            bad++;
            continue;
        }
        for (size_t b = 0; b < sizeof bits / sizeof bits[0]; b++)
            if (row.status & bits[b].bit)
                count[b]++;
    }
    fputs(",\n    \"status_counts\": {", f);
    for (size_t b = 0; b < sizeof bits / sizeof bits[0]; b++)
        fprintf(f, "%s\"%s\": %" PRIu32, b ? ", " : "", bits[b].name, count[b]);
    fprintf(f, "}, \"unreadable\": %" PRIu32, bad);
    if (recent > 0) {
        uint32_t dummy = 0;
        fprintf(f, ",\n    \"recent\": ");
        json_rows(f, m, p, n > recent ? n - recent : 0, n, &dummy);
    }
    fputs("\n  }", f);
}

static const char *const log_name[MFW_EVENTLOG_COUNT] = {
    [MFW_EVENTLOG_STANDARD] = "standard",
    [MFW_EVENTLOG_FRAUD] = "fraud",
    [MFW_EVENTLOG_DISCONNECTOR] = "disconnector",
    [MFW_EVENTLOG_POWER_QUALITY] = "power_quality",
    [MFW_EVENTLOG_RTC] = "rtc",
    [MFW_EVENTLOG_POWER_FAILURE] = "power_failure",
};

static void json_entry(FILE *f, enum mfw_eventlog_id log, const struct mfw_eventlog_entry *e)
{
    fputs("{\"time\": ", f);
    json_time(f, e->time);
    fprintf(f, ", \"code\": %u, \"phase\": %u, \"v1\": %" PRId64 ", \"v2\": %" PRId64, e->code,
            e->phase, (int64_t)e->v1, (int64_t)e->v2);
    if (log == MFW_EVENTLOG_POWER_FAILURE) {
        fputs(", \"start\": ", f);
        json_time(f, e->v1);
        fprintf(f, ", \"duration_s\": %" PRId64, (int64_t)e->v2);
    } else if (log == MFW_EVENTLOG_RTC && (e->code == MFW_EVENT_CLOCK_ADJUSTED_OLD ||
                                           e->code == MFW_EVENT_CLOCK_ADJUSTED_NEW)) {
        fputs(", \"old\": ", f);
        json_time(f, e->v1);
        fputs(", \"new\": ", f);
        json_time(f, e->v2);
    }
    fputs("}", f);
}

static void json_pf_counters(FILE *f, const uint32_t c[MFW_EVENTLOG_PF_SLOTS])
{
    fprintf(f,
            "{\"any\": %" PRIu32 ", \"L1\": %" PRIu32 ", \"L2\": %" PRIu32 ", \"L3\": %" PRIu32
            ", \"all\": %" PRIu32 "}",
            c[MFW_EVENTLOG_PF_ANY], c[MFW_EVENTLOG_PF_L1], c[MFW_EVENTLOG_PF_L1 + 1],
            c[MFW_EVENTLOG_PF_L1 + 2], c[MFW_EVENTLOG_PF_ALL]);
}

static void json_events(FILE *f, struct mfw_meter *m)
{
    fputs("{", f);
    for (unsigned l = 0; l < MFW_EVENTLOG_COUNT; l++) {
        enum mfw_eventlog_id log = (enum mfw_eventlog_id)l;
        uint32_t n = m->persistent ? mfw_eventlog_count(&m->events, &m->store, log) : 0;
        fprintf(f, "%s\n    \"%s\": {\"obis\": ", l ? "," : "", log_name[l]);
        json_obis(f, mfw_eventlog_obis(log));
        fprintf(f, ", \"count\": %" PRIu32 ", \"logged\": %" PRIu32, n,
                m->events.counters.logged[l]);
        const uint8_t *co = mfw_eventlog_code_obis(log);
        if (co != NULL) {
            fputs(", \"code_obis\": ", f);
            json_obis(f, co);
            fprintf(f, ", \"last_code\": %u", m->events.counters.last_code[l]);
        }
        fputs(", \"entries\": [", f);
        uint32_t bad = 0;
        bool first = true;
        for (uint32_t i = 0; i < n; i++) {
            struct mfw_eventlog_entry e;
            if (mfw_eventlog_read(&m->events, &m->store, log, i, &e) != 0) {
                bad++;
                continue;
            }
            fputs(first ? "\n      " : ",\n      ", f);
            first = false;
            json_entry(f, log, &e);
        }
        fprintf(f, "%s], \"unreadable\": %" PRIu32 "}", first ? "" : "\n    ", bad);
    }
    fputs(",\n    \"power_failures\": ", f);
    json_pf_counters(f, m->events.counters.power_failures);
    fputs(",\n    \"long_power_failures\": ", f);
    json_pf_counters(f, m->events.counters.long_power_failures);
    fprintf(f, ",\n    \"long_threshold_s\": %" PRIu32 "\n  }",
            m->events.counters.long_pf_threshold_s);
}

static void json_store(FILE *f, const struct mfw_meter *m, const struct report_info *ri)
{
    fprintf(f,
            "{\"persistent\": %s, \"saves\": %" PRIu32 ", \"store_errors\": %" PRIu32
            ", \"torn_found\": %" PRIu32 ", \"version_mismatch\": %" PRIu32,
            m->persistent ? "true" : "false", ri->saves_before + m->saves,
            ri->store_errors_before + m->store_errors, m->store.stats.torn_found,
            m->store.stats.version_mismatch);
    if (ri->flash != NULL)
        fprintf(f,
                ",\n    \"flash\": {\"erases\": %" PRIu64 ", \"programs\": %" PRIu64
                ", \"bytes_programmed\": %" PRIu64 ", \"reads\": %" PRIu64
                ", \"violations\": %" PRIu32 "}",
                ri->flash->erases, ri->flash->progs, ri->flash->bytes_programmed, ri->flash->reads,
                ri->flash->violations);
    if (ri->flash != NULL) {
        /* erases of this run per store area, and of the area's most erased sector (wear) */
        static const char *const names[MFW_AREA_COUNT] = {"config",           "state",
                                                          "load_profile",     "daily",
                                                          "billing",          "analysis",
                                                          "log_standard",     "log_fraud",
                                                          "log_disconnector", "log_power_quality",
                                                          "log_rtc",          "log_power_failure"};
        fputs(",\n    \"areas\": [", f);
        for (unsigned a = 0; a < m->config.store.n_areas && a < MFW_AREA_COUNT; a++) {
            const struct mfw_store_area_config *ac = &m->config.store.area[a];
            uint64_t sum = 0;
            uint32_t worst = 0;
            for (unsigned k = 0; k < ac->sectors; k++) {
                uint32_t e = ri->flash->erase_count[ac->first_sector + k];
                sum += e;
                worst = e > worst ? e : worst;
            }
            fprintf(f,
                    "%s\n      {\"area\": \"%s\", \"sectors\": %u, \"erases\": %" PRIu64
                    ", \"worst_sector_erases\": %" PRIu32 "}",
                    a ? "," : "", names[a], (unsigned)ac->sectors, sum, worst);
        }
        fputs("]", f);
    }
    fputs("}", f);
}

void report_json(FILE *f, struct mfw_meter *m, const struct report_info *ri)
{
    unsigned phases = m->config.model == MFW_METER_162M ? 1 : 3;
    fputs("{\n  \"model\": ", f);
    json_str(f, m->config.model == MFW_METER_162M ? "162M" : "382M");
    fputs(",\n  \"serial\": ", f);
    json_str(f, m->config.serial);
    fputs(",\n  \"scenario\": ", f);
    json_str(f, ri->scenario);
    fputs(",\n  \"start\": ", f);
    json_time(f, ri->start_ms);
    fputs(",\n  \"end\": ", f);
    json_time(f, ri->end_ms);
    fputs(",\n  \"fidelity\": ", f);
    json_str(f, ri->fidelity);
    fputs(",\n  \"registers\": {\n    \"total\": ", f);
    json_registers(f, m, MFW_ENERGY_TOTAL);
    for (unsigned p = 0; p < phases; p++) {
        fprintf(f, ",\n    \"L%u\": ", p + 1);
        json_registers(f, m, p);
    }
    fputs("\n  },\n  \"tariffs\": ", f);
    json_tariffs(f, m);
    fputs(",\n  \"clock\": ", f);
    json_clock(f, m);
    fprintf(f, ",\n  \"active_tariff\": %u", m->tariff);
    fputs(",\n  \"demand\": ", f);
    json_demand(f, m);
    fputs(",\n  \"billing\": ", f);
    json_billing(f, m);
    fputs(",\n  \"load_profile\": ", f);
    json_profile_summary(f, m, MFW_PROF_LP1, LP_RECENT_ROWS);
    fputs(",\n  \"daily\": ", f);
    json_profile_summary(f, m, MFW_PROF_DAILY, 0);
    fputs(",\n  \"events\": ", f);
    json_events(f, m);
    fputs(",\n  \"store\": ", f);
    json_store(f, m, ri);
    fprintf(f, ",\n  \"power_ups\": %" PRIu32, ri->power_ups);
    fputs(",\n  \"instantaneous\": ", f);
    if (!m->have_values) {
        fputs("null\n}\n", f);
        return;
    }
    const struct mfw_metrology_values *v = &m->now_values;
    fputs("{\n    \"frequency_hz\": ", f);
    json_num(f, v->freq_hz, 3);
    fputs(", \"p_w\": ", f);
    json_num(f, v->p, 1);
    fputs(", \"q_var\": ", f);
    json_num(f, v->q, 1);
    fputs(", \"s_va\": ", f);
    json_num(f, v->s, 1);
    fputs(", \"i_n_a\": ", f);
    json_num(f, v->i_n, 3);
    for (unsigned p = 0; p < phases; p++) {
        const struct mfw_phase_values *ph = &v->ph[p];
        fprintf(f, ",\n    \"L%u\": {\"voltage_v\": ", p + 1);
        json_num(f, ph->vrms, 2);
        fputs(", \"current_a\": ", f);
        json_num(f, ph->irms, 3);
        fputs(", \"p_w\": ", f);
        json_num(f, ph->p, 1);
        fputs(", \"q_var\": ", f);
        json_num(f, ph->q, 1);
        fputs(", \"s_va\": ", f);
        json_num(f, ph->s, 1);
        fputs(", \"pf\": ", f);
        json_num(f, ph->pf, 3);
        fputs(", \"angle_deg\": ", f);
        json_num(f, ph->angle_deg, 1);
        fprintf(f, ", \"voltage_present\": %s}", ph->voltage_present ? "true" : "false");
    }
    fputs("\n  }\n}\n", f);
}
