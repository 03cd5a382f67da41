/* cosem: the object table and the interface classes over struct meter (see cosem.h and the
 * "Object model" section of docs/dlms.md). */
#include "meterfw/cosem/cosem.h"

#include <math.h>
#include <string.h>

#include "meterfw/dlms/acse.h"
#include "meterfw/codec/axdr.h"
#include "meterfw/meter/catalog.h"
#include "meterfw/base/error.h"

/* What a fixed object maps to. */
enum kind {
    K_ASSOC = 1,  /* Association LN, current association */
    K_SAP,        /* SAP assignment */
    K_LDN,        /* logical device name */
    K_INVOC,      /* invocation counter of the management security context: 0 until HLS */
    K_CLOCK,
    K_DEVICE_ID,
    K_TARIFF,     /* active tariff */
    K_EVCODE,     /* event code object of log arg */
    K_AMR,        /* AMR profile status of profile arg (the bits being collected) */
    K_PROFILE,    /* profile arg (enum meter_profile_id) */
    K_EVLOG,      /* event log arg (enum event_log) */
    K_PF_DUR,     /* duration of the last long power failure */
    K_PF_COUNT,   /* power failure counter: arg = slot (EVENTLOG_PF_*) | 8 for long failures */
    K_TCP,        /* TCP-UDP setup */
    K_CALENDAR,   /* activity calendar: m->set.tou */
    K_SPECIAL,    /* special days table: m->set.tou.special */
    K_SAS,        /* single action schedule, end of billing: m->set.billing */
    K_SCRIPT,     /* script table "end of billing": meter_end_billing */
    K_CATALOG,    /* not in the table: a catalogue quantity */
};

/* Stream kinds (struct cosem_stream.kind). */
enum { S_VALUE = 1, S_OBJLIST, S_PROFROWS, S_EVROWS, S_CAPOBJ, S_ARRAY };

struct fixed_object {
    uint8_t kind, arg;
    uint16_t class_id;
    uint8_t version;
    uint8_t obis[6];
    bool is_public;
};

static const struct fixed_object fixed[] = {
    {K_ASSOC, 0, IC_ASSOCIATION_LN, 2, {0, 0, 40, 0, 0, 255}, true},
    {K_SAP, 0, IC_SAP_ASSIGNMENT, 0, {0, 0, 41, 0, 0, 255}, true},
    {K_LDN, 0, IC_DATA, 0, {0, 0, 42, 0, 0, 255}, true},
    {K_INVOC, 0, IC_DATA, 0, {0, 0, 43, 1, 0, 255}, true},
    {K_CLOCK, 0, IC_CLOCK, 0, {0, 0, 1, 0, 0, 255}, true},
    {K_DEVICE_ID, 0, IC_DATA, 0, {0, 0, 96, 1, 0, 255}, false},
    {K_TARIFF, 0, IC_DATA, 0, {0, 0, 96, 14, 0, 255}, false},
    {K_EVCODE, EVLOG_STANDARD, IC_DATA, 0, {0, 0, 96, 11, 0, 255}, false},
    {K_EVCODE, EVLOG_FRAUD, IC_DATA, 0, {0, 0, 96, 11, 1, 255}, false},
    {K_EVCODE, EVLOG_DISCONNECTOR, IC_DATA, 0, {0, 0, 96, 11, 2, 255}, false},
    {K_EVCODE, EVLOG_POWER_QUALITY, IC_DATA, 0, {0, 0, 96, 11, 4, 255}, false},
    {K_EVCODE, EVLOG_RTC, IC_DATA, 0, {0, 0, 96, 11, 6, 255}, false},
    {K_AMR, PROF_LP1, IC_DATA, 0, {0, 0, 96, 10, 1, 255}, false},
    {K_AMR, PROF_DAILY, IC_DATA, 0, {0, 0, 96, 10, 2, 255}, false},
    {K_AMR, PROF_BILLING, IC_DATA, 0, {0, 0, 96, 10, 3, 255}, false},
    {K_AMR, PROF_ANALYSIS, IC_DATA, 0, {0, 0, 96, 10, 4, 255}, false},
    {K_PROFILE, PROF_LP1, IC_PROFILE_GENERIC, 1, {1, 0, 99, 1, 0, 255}, false},
    {K_PROFILE, PROF_DAILY, IC_PROFILE_GENERIC, 1, {1, 0, 99, 2, 0, 255}, false},
    {K_PROFILE, PROF_BILLING, IC_PROFILE_GENERIC, 1, {0, 0, 98, 1, 0, 255}, false},
    {K_PROFILE, PROF_ANALYSIS, IC_PROFILE_GENERIC, 1, {1, 0, 99, 1, 1, 255}, false},
    {K_EVLOG, EVLOG_STANDARD, IC_PROFILE_GENERIC, 1, {0, 0, 99, 98, 0, 255}, false},
    {K_EVLOG, EVLOG_FRAUD, IC_PROFILE_GENERIC, 1, {0, 0, 99, 98, 1, 255}, false},
    {K_EVLOG, EVLOG_DISCONNECTOR, IC_PROFILE_GENERIC, 1, {0, 0, 99, 98, 2, 255}, false},
    {K_EVLOG, EVLOG_POWER_QUALITY, IC_PROFILE_GENERIC, 1, {0, 0, 99, 98, 4, 255}, false},
    {K_EVLOG, EVLOG_RTC, IC_PROFILE_GENERIC, 1, {0, 0, 99, 98, 6, 255}, false},
    {K_EVLOG, EVLOG_POWER_FAILURE, IC_PROFILE_GENERIC, 1, {1, 0, 99, 97, 0, 255}, false},
    {K_PF_DUR, 0, IC_REGISTER, 0, {0, 0, 96, 7, 19, 255}, false},
    /* Power failure counters (Blue Book OBIS 0.0.96.7.x; the E numbering is [U], see
     * references/idis-objects.md section 6): in all phases, in L1..L3, in any phase (DSMR 21);
     * long ones (longer than 0.0.96.7.20, 180 s) in all phases, L1..L3, any phase. */
    {K_PF_COUNT, EVENTLOG_PF_ALL, IC_DATA, 0, {0, 0, 96, 7, 0, 255}, false},
    {K_PF_COUNT, EVENTLOG_PF_L1, IC_DATA, 0, {0, 0, 96, 7, 1, 255}, false},
    {K_PF_COUNT, EVENTLOG_PF_L1 + 1, IC_DATA, 0, {0, 0, 96, 7, 2, 255}, false},
    {K_PF_COUNT, EVENTLOG_PF_L1 + 2, IC_DATA, 0, {0, 0, 96, 7, 3, 255}, false},
    {K_PF_COUNT, EVENTLOG_PF_ANY, IC_DATA, 0, {0, 0, 96, 7, 21, 255}, false},
    {K_PF_COUNT, 8 | EVENTLOG_PF_ALL, IC_DATA, 0, {0, 0, 96, 7, 5, 255}, false},
    {K_PF_COUNT, 8 | EVENTLOG_PF_L1, IC_DATA, 0, {0, 0, 96, 7, 6, 255}, false},
    {K_PF_COUNT, 8 | (EVENTLOG_PF_L1 + 1), IC_DATA, 0, {0, 0, 96, 7, 7, 255}, false},
    {K_PF_COUNT, 8 | (EVENTLOG_PF_L1 + 2), IC_DATA, 0, {0, 0, 96, 7, 8, 255}, false},
    {K_PF_COUNT, 8 | EVENTLOG_PF_ANY, IC_DATA, 0, {0, 0, 96, 7, 9, 255}, false},
    {K_TCP, 0, IC_TCP_UDP_SETUP, 0, {0, 0, 25, 0, 0, 255}, false},
    {K_CALENDAR, 0, IC_ACTIVITY_CALENDAR, 0, {0, 0, 13, 0, 0, 255}, false},
    {K_SPECIAL, 0, IC_SPECIAL_DAYS_TABLE, 0, {0, 0, 11, 0, 0, 255}, false},
    {K_SAS, 0, IC_SINGLE_ACTION_SCHEDULE, 0, {0, 0, 15, 0, 0, 255}, false},
    {K_SCRIPT, 0, IC_SCRIPT_TABLE, 0, {0, 0, 10, 0, 1, 255}, false},
};
#define N_FIXED (sizeof fixed / sizeof fixed[0])

static const uint8_t CLOCK_LN[6] = {0, 0, 1, 0, 0, 255};

/* ---- the index space ---- */

unsigned cosem_object_count(void)
{
    return (unsigned)(N_FIXED + catalog_count());
}

/* Current average demand: Demand register (Blue Book IC 5); maximum demand: Extended register
 * (IC 4, value + capture_time of the maximum); everything else Register (IC 3). */
static uint16_t catalog_class(uint16_t id)
{
    if (id == CAT_DEMAND_AP || id == CAT_DEMAND_AM)
        return IC_DEMAND_REGISTER;
    return id == CAT_MAXDEM_AP || id == CAT_MAXDEM_AM ? IC_EXTENDED_REGISTER : IC_REGISTER;
}

/* The phase (0..2) a catalogue quantity needs. */
static unsigned catalog_phase(uint16_t id)
{
    if (id <= CAT_PF_L3)
        return id % 3u;
    switch (id) {
    case CAT_ANGLE_U2_U1: return 1;
    case CAT_ANGLE_U3_U1: return 2;
    case CAT_ANGLE_I2_U2: return 1;
    case CAT_ANGLE_I3_U3: return 2;
    default: break;
    }
    if (id >= CAT_AP_L1 && id <= CAT_RM_L3)
        return (unsigned)(id - CAT_AP_L1) % 3u;
    if (id >= CAT_UMIN_L1 && id <= CAT_UMAX_L3)
        return (unsigned)(id - CAT_UMIN_L1) % 3u;
    return 0;
}

bool cosem_object_info(unsigned idx, uint16_t *class_id, uint8_t *version, uint8_t obis[6])
{
    if (idx < N_FIXED) {
        *class_id = fixed[idx].class_id;
        *version = fixed[idx].version;
        memcpy(obis, fixed[idx].obis, 6);
        return true;
    }
    const struct catalog_entry *e = catalog_find((uint16_t)(idx - N_FIXED));
    if (e == NULL)
        return false;
    *class_id = catalog_class(e->id);
    *version = 0;
    memcpy(obis, e->obis, 6);
    return true;
}

bool cosem_visible(const struct meter *m, unsigned idx, uint8_t client)
{
    if (idx < N_FIXED)
        return client == COSEM_CLIENT_MANAGEMENT || fixed[idx].is_public;
    if (client != COSEM_CLIENT_MANAGEMENT || idx >= cosem_object_count())
        return false;
    return catalog_phase((uint16_t)(idx - N_FIXED)) < m->cfg.metro.phases;
}

int cosem_find(const struct meter *m, uint8_t client, uint16_t class_id, const uint8_t obis[6],
               unsigned *idx)
{
    for (unsigned i = 0; i < N_FIXED; i++) {
        if (fixed[i].class_id == class_id && memcmp(fixed[i].obis, obis, 6) == 0) {
            if (!cosem_visible(m, i, client))
                return MFW_E_RANGE;
            *idx = i;
            return MFW_OK;
        }
    }
    const struct catalog_entry *e = catalog_find_obis(obis);
    if (e == NULL || catalog_class(e->id) != class_id)
        return MFW_E_RANGE;
    unsigned i = (unsigned)N_FIXED + e->id;
    if (!cosem_visible(m, i, client))
        return MFW_E_RANGE;
    *idx = i;
    return MFW_OK;
}

static uint8_t kind_of(unsigned idx)
{
    return idx < N_FIXED ? fixed[idx].kind : (uint8_t)K_CATALOG;
}

static uint8_t arg_of(unsigned idx)
{
    return idx < N_FIXED ? fixed[idx].arg : 0;
}

/* ---- access rights ---- */

static unsigned class_attrs(uint16_t class_id)
{
    switch (class_id) {
    case IC_DATA: return 2;
    case IC_REGISTER: return 3;
    case IC_EXTENDED_REGISTER: return 5;
    case IC_DEMAND_REGISTER: return 9;
    case IC_PROFILE_GENERIC: return 8;
    case IC_CLOCK: return 9;
    case IC_ASSOCIATION_LN: return 11; /* version 2: + user_list, current_user */
    case IC_SAP_ASSIGNMENT: return 2;
    case IC_TCP_UDP_SETUP: return 6;
    case IC_ACTIVITY_CALENDAR: return 10;
    case IC_SPECIAL_DAYS_TABLE: return 2;
    case IC_SINGLE_ACTION_SCHEDULE: return 4;
    case IC_SCRIPT_TABLE: return 2;
    default: return 1;
    }
}

static unsigned class_methods(uint16_t class_id)
{
    switch (class_id) {
    case IC_REGISTER: return 1;
    case IC_EXTENDED_REGISTER: return 1;
    case IC_DEMAND_REGISTER: return 2; /* reset, next_period */
    case IC_PROFILE_GENERIC: return 2;
    case IC_CLOCK: return 6;
    case IC_ASSOCIATION_LN: return 6;
    case IC_SAP_ASSIGNMENT: return 1;
    case IC_ACTIVITY_CALENDAR: return 1;
    case IC_SPECIAL_DAYS_TABLE: return 2;
    case IC_SCRIPT_TABLE: return 1; /* execute */
    default: return 0;
    }
}

static uint8_t attr_access(unsigned idx, unsigned attr, uint8_t client)
{
    uint16_t cls = 0;
    uint8_t ver = 0, ln[6] = {0};
    if (!cosem_object_info(idx, &cls, &ver, ln) || attr < 1 || attr > class_attrs(cls))
        return COSEM_NO_ACCESS;
    uint8_t kind = kind_of(idx);
    bool mgmt = client == COSEM_CLIENT_MANAGEMENT;
    if (kind == K_ASSOC && attr == 7)
        return mgmt ? COSEM_WRITE : COSEM_NO_ACCESS; /* secret: write-only */
    if (!mgmt)
        return COSEM_READ;
    if (kind == K_CLOCK && (attr == 2 || attr == 3 || (attr >= 5 && attr <= 8)))
        return COSEM_READ_WRITE;
    if (kind == K_PROFILE && arg_of(idx) == PROF_ANALYSIS && (attr == 3 || attr == 4))
        return COSEM_READ_WRITE;
    if (kind == K_PROFILE && arg_of(idx) == PROF_LP1 && attr == 4)
        return COSEM_READ_WRITE;
    if (kind == K_CALENDAR && attr >= 6) /* the passive calendar and its activation time */
        return COSEM_READ_WRITE;
    if (kind == K_SAS && attr == 4) /* execution_time: the billing dates */
        return COSEM_READ_WRITE;
    if (cls == IC_DEMAND_REGISTER && (attr == 8 || attr == 9)) /* period, number_of_periods */
        return COSEM_READ_WRITE;
    return COSEM_READ;
}

static bool method_access(unsigned idx, unsigned method, uint8_t client)
{
    if (client != COSEM_CLIENT_MANAGEMENT)
        return false;
    uint8_t kind = kind_of(idx);
    if (kind == K_CLOCK) /* adjust_to_quarter, _measuring_period, _minute, shift_time */
        return method == 1 || method == 2 || method == 3 || method == 6;
    if (kind == K_PROFILE || kind == K_EVLOG)
        return method == 1; /* reset */
    if (kind == K_CALENDAR)
        return method == 1; /* activate_passive_calendar */
    if (kind == K_SPECIAL)
        return method == 1 || method == 2; /* insert, delete */
    if (kind == K_SCRIPT)
        return method == 1; /* execute */
    if (kind == K_CATALOG && idx >= N_FIXED &&
        catalog_class((uint16_t)(idx - N_FIXED)) == IC_DEMAND_REGISTER)
        return method == 1 || method == 2; /* reset, next_period */
    return false;
}

/* ---- small encoders ---- */

/* A UTC instant as the Clock's date-time octet-string(12) in the meter's local time. */
static void put_dt(const struct meter *m, mfw_ms_t utc, uint8_t status, struct wcursor *w)
{
    struct cosem_datetime dt;
    struct local_time lt;
    clock_local(&m->clock, utc, &lt);
    if (cosem_datetime_from_ms(&dt, utc, lt.offset_min,
                               (uint8_t)(status | (lt.dst ? CLOCK_STATUS_DST : 0))) != MFW_OK) {
        memset(&dt, 0xFF, sizeof dt);
        dt.deviation = COSEM_DEVIATION_NS;
    }
    axdr_put_datetime_octets(w, &dt);
}

static void put_dt_unspecified(struct wcursor *w)
{
    struct cosem_datetime dt;
    memset(&dt, 0xFF, sizeof dt);
    dt.deviation = COSEM_DEVIATION_NS;
    axdr_put_datetime_octets(w, &dt);
}

static bool is_energy(const struct catalog_entry *e)
{
    return e->unit == COSEM_UNIT_WH || e->unit == COSEM_UNIT_VARH || e->unit == 31 /* VAh */;
}

/* A scaled catalogue value: energies long64-unsigned (Wh, scaler 0), everything else
 * double-long (saturated). */
static void put_scaled(const struct catalog_entry *e, int64_t v, struct wcursor *w)
{
    if (is_energy(e)) {
        axdr_put_u64(w, v < 0 ? 0u : (uint64_t)v);
        return;
    }
    if (v > INT32_MAX)
        v = INT32_MAX;
    if (v < INT32_MIN)
        v = INT32_MIN;
    axdr_put_i32(w, (int32_t)v);
}

static void put_scaler_unit(int8_t scaler, uint8_t unit, struct wcursor *w)
{
    axdr_put_structure_header(w, 2);
    axdr_put_i8(w, scaler);
    axdr_put_enum(w, unit);
}

static void put_capture_def(uint16_t cls, const uint8_t ln[6], int8_t attr, struct wcursor *w)
{
    axdr_put_structure_header(w, 4);
    axdr_put_u16(w, cls);
    axdr_put_octets(w, ln, 6);
    axdr_put_i8(w, attr);
    axdr_put_u16(w, 0);
}

/* ---- profiles and event logs: columns and rows ---- */

static bool store_ok(const struct meter *m)
{
    return m->persistent;
}

static unsigned columns(const struct meter *m, uint8_t kind, uint8_t arg)
{
    return kind == K_PROFILE ? 2u + m->prof[arg].cfg.n_columns : 2u;
}

/* Column col of the profile / log: its capture object definition. */
static void column_def(const struct meter *m, uint8_t kind, uint8_t arg, unsigned col,
                       uint16_t *cls, uint8_t ln[6])
{
    if (col == 0) {
        *cls = IC_CLOCK;
        memcpy(ln, CLOCK_LN, 6);
        return;
    }
    if (kind == K_EVLOG) {
        if (arg == EVLOG_POWER_FAILURE) {
            static const uint8_t pf[6] = {0, 0, 96, 7, 19, 255};
            *cls = IC_REGISTER;
            memcpy(ln, pf, 6);
        } else {
            *cls = IC_DATA;
            memcpy(ln, eventlog_code_obis((enum event_log)arg), 6);
        }
        return;
    }
    if (col == 1) {
        const uint8_t amr[6] = {0, 0, 96, 10, (uint8_t)(arg + 1), 255};
        *cls = IC_DATA;
        memcpy(ln, amr, 6);
        return;
    }
    const struct catalog_entry *e = catalog_find(m->prof[arg].cfg.column[col - 2]);
    *cls = e != NULL ? catalog_class(e->id) : IC_REGISTER;
    if (e != NULL)
        memcpy(ln, e->obis, 6);
    else
        memset(ln, 0, 6);
}

static uint32_t rows_in_use(const struct meter *m, uint8_t kind, uint8_t arg)
{
    if (!store_ok(m))
        return 0;
    struct meter *mm = (struct meter *)m; /* the store's read path needs a mutable store */
    if (kind == K_PROFILE)
        return profile_count(&m->prof[arg], &mm->store);
    return eventlog_count(&m->ev, &mm->store, (enum event_log)arg);
}

static uint32_t rows_depth(const struct meter *m, uint8_t kind, uint8_t arg)
{
    return kind == K_PROFILE ? m->prof[arg].cfg.depth : EVENTLOG_DEPTH;
}

static mfw_ms_t row_time(struct meter *m, uint8_t kind, uint8_t arg, uint32_t i, int *rc)
{
    if (kind == K_PROFILE) {
        struct profile_row r;
        r.time = 0;
        *rc = profile_read(&m->prof[arg], &m->store, i, &r);
        return r.time;
    }
    struct eventlog_entry e;
    e.time = 0;
    *rc = eventlog_read(&m->ev, &m->store, (enum event_log)arg, i, &e);
    return e.time;
}

/* Rows whose time lies in [from, to]: profiles by bisection, event logs (<= 200) by a scan. */
static int rows_find(struct meter *m, uint8_t kind, uint8_t arg, mfw_ms_t from, mfw_ms_t to,
                     uint32_t *first, uint32_t *n)
{
    *first = 0;
    *n = 0;
    if (!store_ok(m) || from > to)
        return MFW_OK;
    if (kind == K_PROFILE)
        return profile_find(&m->prof[arg], &m->store, from, to, first, n);
    uint32_t count = rows_in_use(m, kind, arg);
    bool found = false;
    for (uint32_t i = 0; i < count; i++) {
        int rc;
        mfw_ms_t t = row_time(m, kind, arg, i, &rc);
        if (rc != MFW_OK)
            continue;
        if (t >= from && t <= to) {
            if (!found)
                *first = i;
            found = true;
            *n = i - *first + 1;
        }
    }
    return MFW_OK;
}

static void put_row(struct meter *m, uint8_t kind, uint8_t arg, uint32_t index, uint64_t cols,
                    uint8_t ncols, struct wcursor *w, int *rc)
{
    axdr_put_structure_header(w, ncols);
    if (kind == K_PROFILE) {
        struct profile_row r;
        *rc = profile_read(&m->prof[arg], &m->store, index, &r);
        unsigned total = 2u + m->prof[arg].cfg.n_columns;
        for (unsigned k = 0; k < total; k++) {
            if (!(cols & (1ull << k)))
                continue;
            if (*rc != MFW_OK) {
                axdr_put_null(w);
            } else if (k == 0) {
                put_dt(m, r.time, 0, w);
            } else if (k == 1) {
                axdr_put_u8(w, r.status);
            } else {
                const struct catalog_entry *e = catalog_find(m->prof[arg].cfg.column[k - 2]);
                if (e == NULL || k - 2 >= r.n)
                    axdr_put_null(w);
                else
                    put_scaled(e, r.v[k - 2], w);
            }
        }
        /* A row written under another configuration reads as nulls, not as an error: the
         * block already started. */
        if (*rc == MFW_E_VERSION)
            *rc = MFW_OK;
        return;
    }
    struct eventlog_entry e;
    *rc = eventlog_read(&m->ev, &m->store, (enum event_log)arg, index, &e);
    for (unsigned k = 0; k < 2; k++) {
        if (!(cols & (1ull << k)))
            continue;
        if (*rc != MFW_OK)
            axdr_put_null(w);
        else if (k == 0)
            put_dt(m, e.time, 0, w);
        else if (arg == EVLOG_POWER_FAILURE)
            axdr_put_u32(w, e.v2 < 0                      ? 0u
                            : e.v2 > (int64_t)UINT32_MAX ? UINT32_MAX
                                                         : (uint32_t)e.v2);
        else
            axdr_put_u8(w, (uint8_t)e.code);
    }
}

/* ---- selective access on a buffer ---- */

static int open_rows(const struct cosem_ctx *c, unsigned idx, const struct xdlms_ref *ref,
                     struct cosem_stream *st)
{
    struct meter *m = c->m;
    uint8_t kind = kind_of(idx), arg = arg_of(idx);
    unsigned ncol = columns(m, kind, arg);
    st->kind = kind == K_PROFILE ? S_PROFROWS : S_EVROWS;
    st->cols = ncol >= 64 ? ~0ull : (1ull << ncol) - 1u;
    st->ncols = (uint8_t)ncol;
    uint32_t count = rows_in_use(m, kind, arg);
    st->first = 0;
    st->items = count;
    if (!ref->has_selection)
        return DAR_SUCCESS;
    if (ref->selector == 2) {
        struct xdlms_entry e;
        if (xdlms_parse_entry(&ref->params, &e) != MFW_OK)
            return DAR_TYPE_UNMATCHED;
        uint32_t from = e.from_entry == 0 ? 1 : e.from_entry;
        uint32_t to = e.to_entry == 0 || e.to_entry > count ? count : e.to_entry;
        st->first = from - 1;
        st->items = from > to ? 0 : to - from + 1;
        unsigned cf = e.from_value == 0 ? 1 : e.from_value;
        unsigned ct = e.to_value == 0 || e.to_value > ncol ? ncol : e.to_value;
        if (cf > ct)
            return DAR_OTHER_REASON;
        st->cols = 0;
        for (unsigned k = cf - 1; k < ct; k++)
            st->cols |= 1ull << k;
        st->ncols = (uint8_t)(ct - cf + 1);
        return DAR_SUCCESS;
    }
    if (ref->selector != 1)
        return DAR_OTHER_REASON;
    struct xdlms_range r;
    if (xdlms_parse_range(&ref->params, &r) != MFW_OK)
        return DAR_TYPE_UNMATCHED;
    if (r.class_id != IC_CLOCK || memcmp(r.obis, CLOCK_LN, 6) != 0 || r.attr != 2)
        return DAR_OTHER_REASON;
    struct cosem_datetime dfrom, dto;
    struct rcursor rc;
    mfw_ms_t from, to;
    rc_init(&rc, r.from.p, r.from.len);
    if (axdr_get_datetime(&rc, &dfrom) != MFW_OK)
        return DAR_TYPE_UNMATCHED;
    rc_init(&rc, r.to.p, r.to.len);
    if (axdr_get_datetime(&rc, &dto) != MFW_OK)
        return DAR_TYPE_UNMATCHED;
    if (cosem_datetime_to_ms(&dfrom, m->local.offset_min, &from) != MFW_OK ||
        cosem_datetime_to_ms(&dto, m->local.offset_min, &to) != MFW_OK)
        return DAR_OTHER_REASON;
    if (r.n_selected > 0) {
        rc_init(&rc, r.selected.p, r.selected.len);
        uint32_t n = 0;
        (void)axdr_get_array(&rc, &n);
        st->cols = 0;
        st->ncols = 0;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t k = 0;
            uint16_t cls, di;
            uint8_t ln[6];
            size_t lnlen = 0;
            int8_t attr;
            if (axdr_get_structure(&rc, &k) != MFW_OK || k != 4 ||
                axdr_get_u16(&rc, &cls) != MFW_OK ||
                axdr_get_octets(&rc, 6, ln, &lnlen) != MFW_OK || lnlen != 6 ||
                axdr_get_i8(&rc, &attr) != MFW_OK || axdr_get_u16(&rc, &di) != MFW_OK)
                return DAR_TYPE_UNMATCHED;
            bool hit = false;
            for (unsigned col = 0; col < ncol && !hit; col++) {
                uint16_t ccls;
                uint8_t cln[6];
                column_def(m, kind, arg, col, &ccls, cln);
                if (ccls == cls && memcmp(cln, ln, 6) == 0 && attr == 2 &&
                    !(st->cols & (1ull << col))) {
                    st->cols |= 1ull << col;
                    st->ncols++;
                    hit = true;
                }
            }
            if (!hit)
                return DAR_OTHER_REASON;
        }
    }
    uint32_t first = 0, n = 0;
    if (rows_find(m, kind, arg, from, to, &first, &n) != MFW_OK)
        return DAR_HARDWARE_FAULT;
    st->first = first;
    st->items = n;
    return DAR_SUCCESS;
}


/* ---- activity calendar (IC 20), special days (IC 11), single action schedule (IC 22) ---- */

/* The tariff scripts the day actions name (IDIS: tariffication script table). */
static const uint8_t TARIFF_SCRIPT_LN[6] = {0, 0, 10, 0, 100, 255};
static const uint8_t BILLING_SCRIPT_LN[6] = {0, 0, 10, 0, 1, 255};

static void put_cal_date_raw(const struct cal_date *d, struct wcursor *w)
{
    wc_u16be(w, d->year);
    wc_u8(w, d->month);
    wc_u8(w, d->day_of_month);
    wc_u8(w, d->day_of_week);
}

static void put_cal_time_raw(const struct cal_time *t, struct wcursor *w)
{
    wc_u8(w, t->hour);
    wc_u8(w, t->minute);
    wc_u8(w, t->second);
    wc_u8(w, 0); /* hundredths */
}

static void put_name(const struct cal_name *n, struct wcursor *w)
{
    axdr_put_octets(w, n->b, n->len);
}

static const struct calendar *cal_of(const struct meter *m, unsigned attr)
{
    return attr <= 5 ? &m->set.tou.active : &m->set.tou.passive;
}

/* Number of elements of an array attribute, or -1 when attr is not one. */
static long array_len(const struct meter *m, uint8_t kind, unsigned attr)
{
    if (kind == K_CALENDAR) {
        const struct calendar *cal = cal_of(m, attr);
        switch (attr) {
        case 3: case 7: return cal->n_seasons;
        case 4: case 8: return cal->n_weeks;
        case 5: case 9: return cal->n_days;
        default: return -1;
        }
    }
    if (kind == K_SPECIAL && attr == 2)
        return m->set.tou.n_special;
    if (kind == K_SAS && attr == 4)
        return m->set.billing.entries;
    return -1;
}

static void put_array_element(const struct meter *m, uint8_t kind, unsigned attr, uint32_t i,
                              struct wcursor *w)
{
    if (kind == K_SPECIAL) {
        const struct special_day *d = &m->set.tou.special[i];
        axdr_put_structure_header(w, 3);
        axdr_put_u16(w, d->index);
        wc_u8(w, AXDR_OCTET_STRING);
        wc_u8(w, 5);
        put_cal_date_raw(&d->date, w);
        axdr_put_u8(w, d->day_id);
        return;
    }
    if (kind == K_SAS) {
        const struct billing_entry *e = &m->set.billing.e[i];
        struct cal_time t = {e->hour, e->minute, e->second};
        struct cal_date d = {e->year, e->month, e->day_of_month, e->day_of_week};
        axdr_put_structure_header(w, 2);
        wc_u8(w, AXDR_OCTET_STRING);
        wc_u8(w, 4);
        put_cal_time_raw(&t, w);
        wc_u8(w, AXDR_OCTET_STRING);
        wc_u8(w, 5);
        put_cal_date_raw(&d, w);
        return;
    }
    const struct calendar *cal = cal_of(m, attr);
    switch (attr) {
    case 3:
    case 7: {
        const struct cal_season *se = &cal->seasons[i];
        axdr_put_structure_header(w, 3);
        put_name(&se->name, w);
        wc_u8(w, AXDR_OCTET_STRING);
        wc_u8(w, 12);
        put_cal_date_raw(&se->start.date, w);
        put_cal_time_raw(&se->start.time, w);
        wc_u16be(w, 0x8000u); /* deviation not specified */
        wc_u8(w, 0xFF);       /* clock status not specified */
        put_name(&se->week_name, w);
        return;
    }
    case 4:
    case 8: {
        const struct cal_week *wk = &cal->weeks[i];
        axdr_put_structure_header(w, 8);
        put_name(&wk->name, w);
        for (unsigned d = 0; d < 7; d++)
            axdr_put_u8(w, wk->day_id[d]);
        return;
    }
    default: {
        const struct cal_day *dy = &cal->days[i];
        axdr_put_structure_header(w, 2);
        axdr_put_u8(w, dy->day_id);
        axdr_put_array_header(w, dy->n);
        for (unsigned k = 0; k < dy->n; k++) {
            axdr_put_structure_header(w, 3);
            wc_u8(w, AXDR_OCTET_STRING);
            wc_u8(w, 4);
            put_cal_time_raw(&dy->actions[k].start, w);
            axdr_put_octets(w, TARIFF_SCRIPT_LN, 6);
            axdr_put_u16(w, dy->actions[k].script_selector);
        }
        return;
    }
    }
}

static void put_calendar_value(const struct meter *m, uint8_t kind, unsigned attr,
                               struct wcursor *w)
{
    if (kind == K_CALENDAR) {
        if (attr == 2 || attr == 6) {
            put_name(&cal_of(m, attr)->name, w);
            return;
        }
        /* attr 10: activate_passive_calendar_time (all 0xFF: none pending) */
        const struct cal_date_time *a = &m->set.tou.passive_activation;
        wc_u8(w, AXDR_OCTET_STRING);
        wc_u8(w, 12);
        put_cal_date_raw(&a->date, w);
        put_cal_time_raw(&a->time, w);
        wc_u16be(w, 0x8000u);
        wc_u8(w, 0xFF);
        return;
    }
    /* K_SAS */
    if (attr == 2) {
        axdr_put_structure_header(w, 2);
        axdr_put_octets(w, BILLING_SCRIPT_LN, 6);
        axdr_put_u16(w, 1);
        return;
    }
    /* attr 3 type: 1 = one entry, wildcards allowed; 5 = n entries, any times, wildcards */
    axdr_put_enum(w, m->set.billing.entries <= 1 ? 1 : 5);
}

/* Readers for SET / ACTION parameters. */
static bool get_name(struct rcursor *rc, struct cal_name *n)
{
    size_t len = 0;
    memset(n, 0, sizeof *n);
    if (axdr_get_octets(rc, CAL_NAME_MAX, n->b, &len) != MFW_OK)
        return false;
    n->len = (uint8_t)len;
    return true;
}

/* An octet-string of exactly n bytes (or a date-time / date / time of that size). */
static const uint8_t *get_fixed(struct rcursor *rc, size_t n)
{
    struct axdr_value v;
    if (axdr_get(rc, &v) != MFW_OK)
        return NULL;
    bool ok = (v.tag == AXDR_OCTET_STRING || (v.tag == AXDR_DATE_TIME && n == 12) ||
               (v.tag == AXDR_DATE && n == 5) || (v.tag == AXDR_TIME && n == 4)) &&
              v.len == n;
    return ok ? v.p : NULL;
}

static void cal_date_of(const uint8_t *p, struct cal_date *d)
{
    d->year = (uint16_t)(p[0] << 8 | p[1]);
    d->month = p[2];
    d->day_of_month = p[3];
    d->day_of_week = p[4];
}

static void cal_time_of(const uint8_t *p, struct cal_time *t)
{
    t->hour = p[0];
    t->minute = p[1];
    t->second = p[2];
}

static bool get_special(struct rcursor *rc, struct special_day *d)
{
    uint32_t n = 0;
    if (axdr_get_structure(rc, &n) != MFW_OK || n != 3 || axdr_get_u16(rc, &d->index) != MFW_OK)
        return false;
    const uint8_t *p = get_fixed(rc, 5);
    if (p == NULL)
        return false;
    cal_date_of(p, &d->date);
    return axdr_get_u8(rc, &d->day_id) == MFW_OK;
}

/* Writes of the passive calendar (attrs 6..9) and of its activation time (10) into *t. */
static int set_calendar(struct tou *t, unsigned attr, struct rcursor *rc)
{
    struct calendar cal = t->passive;
    uint32_t n = 0, k = 0;
    switch (attr) {
    case 6:
        if (!get_name(rc, &cal.name))
            return DAR_TYPE_UNMATCHED;
        break;
    case 7:
        if (axdr_get_array(rc, &n) != MFW_OK)
            return DAR_TYPE_UNMATCHED;
        if (n > CAL_SEASONS_MAX)
            return DAR_OTHER_REASON;
        for (uint32_t i = 0; i < n; i++) {
            struct cal_season *se = &cal.seasons[i];
            const uint8_t *p;
            if (axdr_get_structure(rc, &k) != MFW_OK || k != 3 || !get_name(rc, &se->name) ||
                (p = get_fixed(rc, 12)) == NULL || !get_name(rc, &se->week_name))
                return DAR_TYPE_UNMATCHED;
            cal_date_of(p, &se->start.date);
            cal_time_of(p + 5, &se->start.time);
        }
        cal.n_seasons = (uint8_t)n;
        break;
    case 8:
        if (axdr_get_array(rc, &n) != MFW_OK)
            return DAR_TYPE_UNMATCHED;
        if (n > CAL_WEEKS_MAX)
            return DAR_OTHER_REASON;
        for (uint32_t i = 0; i < n; i++) {
            struct cal_week *wk = &cal.weeks[i];
            if (axdr_get_structure(rc, &k) != MFW_OK || k != 8 || !get_name(rc, &wk->name))
                return DAR_TYPE_UNMATCHED;
            for (unsigned d = 0; d < 7; d++)
                if (axdr_get_u8(rc, &wk->day_id[d]) != MFW_OK)
                    return DAR_TYPE_UNMATCHED;
        }
        cal.n_weeks = (uint8_t)n;
        break;
    case 9:
        if (axdr_get_array(rc, &n) != MFW_OK)
            return DAR_TYPE_UNMATCHED;
        if (n > CAL_DAYS_MAX)
            return DAR_OTHER_REASON;
        for (uint32_t i = 0; i < n; i++) {
            struct cal_day *dy = &cal.days[i];
            uint32_t na = 0;
            memset(dy, 0, sizeof *dy);
            if (axdr_get_structure(rc, &k) != MFW_OK || k != 2 ||
                axdr_get_u8(rc, &dy->day_id) != MFW_OK || axdr_get_array(rc, &na) != MFW_OK)
                return DAR_TYPE_UNMATCHED;
            if (na > CAL_ACTIONS_MAX)
                return DAR_OTHER_REASON;
            for (uint32_t j = 0; j < na; j++) {
                const uint8_t *p;
                uint8_t ln[6];
                size_t lnlen = 0;
                if (axdr_get_structure(rc, &k) != MFW_OK || k != 3 ||
                    (p = get_fixed(rc, 4)) == NULL ||
                    axdr_get_octets(rc, 6, ln, &lnlen) != MFW_OK || lnlen != 6 ||
                    axdr_get_u16(rc, &dy->actions[j].script_selector) != MFW_OK)
                    return DAR_TYPE_UNMATCHED;
                cal_time_of(p, &dy->actions[j].start);
            }
            dy->n = (uint8_t)na;
        }
        cal.n_days = (uint8_t)n;
        break;
    default: { /* 10 */
        const uint8_t *p = get_fixed(rc, 12);
        struct cal_date_time when;
        if (p == NULL || rc_left(rc) != 0)
            return DAR_TYPE_UNMATCHED;
        cal_date_of(p, &when.date);
        cal_time_of(p + 5, &when.time);
        return tou_set_activation(t, &when) == MFW_OK ? DAR_SUCCESS : DAR_OTHER_REASON;
    }
    }
    if (rc_left(rc) != 0)
        return DAR_TYPE_UNMATCHED;
    if (tou_validate_parts(&cal) != MFW_OK)
        return DAR_OTHER_REASON;
    t->passive = cal;
    return DAR_SUCCESS;
}

/* ---- GET ---- */

static unsigned visible_count(const struct cosem_ctx *c)
{
    unsigned n = 0;
    for (unsigned i = 0; i < cosem_object_count(); i++)
        if (cosem_visible(c->m, i, c->ses->client))
            n++;
    return n;
}

/* The i-th visible object. */
static unsigned visible_nth(const struct cosem_ctx *c, uint32_t nth)
{
    for (unsigned i = 0; i < cosem_object_count(); i++)
        if (cosem_visible(c->m, i, c->ses->client) && nth-- == 0)
            return i;
    return 0;
}

int cosem_get_open(const struct cosem_ctx *c, const struct xdlms_ref *ref, struct cosem_stream *st)
{
    unsigned idx;
    memset(st, 0, sizeof *st);
    if (cosem_find(c->m, c->ses->client, ref->class_id, ref->obis, &idx) != MFW_OK)
        return DAR_OBJECT_UNDEFINED;
    if (ref->id < 1 || (unsigned)ref->id > class_attrs(ref->class_id))
        return DAR_OBJECT_UNDEFINED;
    if (!(attr_access(idx, (unsigned)ref->id, c->ses->client) & COSEM_READ))
        return DAR_READ_WRITE_DENIED;
    st->obj = (uint16_t)idx;
    st->attr = (uint8_t)ref->id;
    uint8_t kind = kind_of(idx);
    if (ref->id == 2 && (kind == K_PROFILE || kind == K_EVLOG))
        return open_rows(c, idx, ref, st);
    if (ref->has_selection)
        return DAR_OTHER_REASON; /* selective access only on a buffer */
    if (ref->id == 3 && (kind == K_PROFILE || kind == K_EVLOG)) {
        st->kind = S_CAPOBJ; /* one item per column: the billing profile's list is long */
        st->items = columns(c->m, kind, arg_of(idx));
        return DAR_SUCCESS;
    }
    long alen = array_len(c->m, kind, (unsigned)ref->id);
    if (alen >= 0) {
        st->kind = S_ARRAY; /* one item per element: day profiles can be long */
        st->items = (uint32_t)alen;
        return DAR_SUCCESS;
    }
    if (ref->id == 2 && kind == K_ASSOC) {
        st->kind = S_OBJLIST;
        st->items = visible_count(c);
        return DAR_SUCCESS;
    }
    st->kind = S_VALUE;
    st->items = 1;
    return DAR_SUCCESS;
}

void cosem_get_header(const struct cosem_ctx *c, const struct cosem_stream *st, struct wcursor *w)
{
    (void)c;
    if (st->kind == S_OBJLIST || st->kind == S_PROFROWS || st->kind == S_EVROWS ||
        st->kind == S_CAPOBJ || st->kind == S_ARRAY)
        axdr_put_array_header(w, st->items);
}

static void put_object_list_element(const struct cosem_ctx *c, unsigned idx, struct wcursor *w)
{
    uint16_t cls = 0;
    uint8_t ver = 0, ln[6] = {0};
    cosem_object_info(idx, &cls, &ver, ln);
    axdr_put_structure_header(w, 4);
    axdr_put_u16(w, cls);
    axdr_put_u8(w, ver);
    axdr_put_octets(w, ln, 6);
    axdr_put_structure_header(w, 2);
    unsigned na = class_attrs(cls), nm = class_methods(cls);
    axdr_put_array_header(w, na);
    for (unsigned a = 1; a <= na; a++) {
        axdr_put_structure_header(w, 3);
        axdr_put_i8(w, (int8_t)a);
        axdr_put_enum(w, attr_access(idx, a, c->ses->client));
        axdr_put_null(w);
    }
    axdr_put_array_header(w, nm);
    for (unsigned k = 1; k <= nm; k++) {
        axdr_put_structure_header(w, 2);
        axdr_put_i8(w, (int8_t)k);
        axdr_put_enum(w, method_access(idx, k, c->ses->client) ? 1 : 0);
    }
}

/* Length of the NUL-terminated serial (strnlen is POSIX, not C11). */
static size_t serial_len(const struct meter *m)
{
    size_t n = 0;
    while (n < sizeof m->cfg.serial && m->cfg.serial[n] != '\0')
        n++;
    return n;
}

static void put_ldn(const struct meter *m, struct wcursor *w)
{
    /* "MFW" (the FLAG-id position of IDIS LDNs) + the serial number, at most 16 bytes. */
    uint8_t buf[16];
    size_t n = 3, s = serial_len(m);
    memcpy(buf, "MFW", 3);
    if (s > 13)
        s = 13;
    memcpy(buf + 3, m->cfg.serial, s);
    axdr_put_octets(w, buf, n + s);
}

static void put_dst_point(const struct clock_config *cc, bool end, struct wcursor *w)
{
    const struct clock_dst_point *p = end ? &cc->dst_end : &cc->dst_begin;
    struct cosem_datetime dt;
    memset(&dt, 0xFF, sizeof dt);
    dt.year = COSEM_YEAR_NS;
    dt.month = p->month;
    dt.day = p->day_of_month;
    dt.day_of_week = p->day_of_week;
    /* the end is kept in local standard time; the client sees the summer-time wall clock */
    int minutes = p->hour * 60 + p->minute + (end ? cc->dst_deviation_min : 0);
    minutes = ((minutes % 1440) + 1440) % 1440;
    dt.hour = (uint8_t)(minutes / 60);
    dt.minute = (uint8_t)(minutes % 60);
    dt.second = 0;
    dt.hundredths = 0;
    dt.deviation = COSEM_DEVIATION_NS;
    dt.clock_status = 0xFF;
    axdr_put_datetime_octets(w, &dt);
}

static const uint8_t CTX_LN[7] = {0x60, 0x85, 0x74, 0x05, 0x08, 0x01, 0x01};

/* ---- Demand register (Blue Book IC 5, version 0) and Script table (IC 9) ---- */

/* Demand register attributes [M]: 2 current_average_value, 3 last_average_value, 4 scaler_unit,
 * 5 status, 6 capture_time (end of the last completed sub-period), 7 start_time_current (start of
 * the current window), 8 period (s), 9 number_of_periods. Values as the catalogue scales them (W,
 * scaler 0, double-long); the times as octet-string(12) date-times in local time, not-specified
 * before the first sub-period. The period grid stays aligned to the clock (demand.h), so
 * start_time_current is a multiple of period (minus the completed sub-periods of a sliding
 * window), not the instant of a reset or a write. */
static void put_demand_value(const struct meter *m, const struct catalog_entry *e, unsigned attr,
                             struct wcursor *w)
{
    unsigned q = e->id == CAT_DEMAND_AM ? 1u : 0u;
    const struct demand *d = &m->demand;
    switch (attr) {
    case 2:
    case 3: {
        uint64_t mw = attr == 2 ? demand_current_mw(d, q) : demand_last_mw(d, q);
        int valid = 0;
        int64_t v = catalog_scale(e, (double)mw / 1e3, &valid);
        put_scaled(e, v, w);
        return;
    }
    case 4: put_scaler_unit(e->scaler, e->unit, w); return;
    case 5: axdr_put_u8(w, 0); return; /* status: nothing to report */
    case 6:
        if (d->capture_time > 0)
            put_dt(m, d->capture_time, 0, w);
        else
            put_dt_unspecified(w);
        return;
    case 7:
        if (d->started)
            put_dt(m, demand_start_time_current(d), 0, w);
        else
            put_dt_unspecified(w);
        return;
    case 8: axdr_put_u32(w, d->cfg.period_s); return;
    default: axdr_put_u16(w, d->cfg.number_of_periods); return;
    }
}

static const uint8_t BILLING_PROFILE_LN[6] = {0, 0, 98, 1, 0, 255};

/* Script table "end of billing" attribute 2 scripts [M]: array of {script_identifier
 * long-unsigned, actions array of {service_id enum (1 write attribute, 2 execute method), class_id
 * long-unsigned, logical_name octet-string, index integer, parameter Data}}. One script, id 1; its
 * action is shown as execute of the billing profile's capture (IC 7 method 2, integer 0). What
 * execute(1) really runs is meter_end_billing: count the billing, capture the billing profile,
 * reset the maximum demands and the min/max voltages. */
static void put_billing_scripts(struct wcursor *w)
{
    axdr_put_array_header(w, 1);
    axdr_put_structure_header(w, 2);
    axdr_put_u16(w, 1);
    axdr_put_array_header(w, 1);
    axdr_put_structure_header(w, 5);
    axdr_put_enum(w, 2);
    axdr_put_u16(w, IC_PROFILE_GENERIC);
    axdr_put_octets(w, BILLING_PROFILE_LN, 6);
    axdr_put_i8(w, 2);
    axdr_put_i8(w, 0);
}

static void put_value(const struct cosem_ctx *c, unsigned idx, unsigned attr, struct wcursor *w)
{
    struct meter *m = c->m;
    uint16_t cls;
    uint8_t ver, ln[6];
    cosem_object_info(idx, &cls, &ver, ln);
    if (attr == 1) {
        axdr_put_octets(w, ln, 6);
        return;
    }
    uint8_t kind = kind_of(idx), arg = arg_of(idx);
    switch (kind) {
    case K_ASSOC: {
        const struct cosem_session *s = c->ses;
        switch (attr) {
        case 3:
            axdr_put_structure_header(w, 2);
            axdr_put_i8(w, (int8_t)s->client_sap);
            axdr_put_u16(w, 1);
            return;
        case 4:
            axdr_put_octets(w, CTX_LN, 7);
            return;
        case 5: {
            uint8_t conf[3] = {(uint8_t)(s->conformance >> 16), (uint8_t)(s->conformance >> 8),
                               (uint8_t)s->conformance};
            axdr_put_structure_header(w, 6);
            axdr_put_bitstring(w, conf, 24);
            axdr_put_u16(w, s->server_max_pdu);
            axdr_put_u16(w, s->client_max_pdu);
            axdr_put_u8(w, ACSE_DLMS_VERSION);
            axdr_put_i8(w, 0);
            axdr_put_octets(w, NULL, 0);
            return;
        }
        case 6: {
            uint8_t mech[7] = {0x60, 0x85, 0x74, 0x05, 0x08, 0x02, s->mechanism};
            axdr_put_octets(w, mech, 7);
            return;
        }
        case 8:
            axdr_put_enum(w, 2); /* associated */
            return;
        case 9: {
            static const uint8_t none[6] = {0, 0, 0, 0, 0, 0}; /* no security setup yet */
            axdr_put_octets(w, none, 6);
            return;
        }
        case 10: /* user_list: no users are defined */
            axdr_put_array_header(w, 0);
            return;
        case 11: /* current_user: none */
            axdr_put_structure_header(w, 2);
            axdr_put_u8(w, 0);
            axdr_put_visible(w, "", 0);
            return;
        default:
            axdr_put_null(w);
            return;
        }
    }
    case K_SAP: {
        axdr_put_array_header(w, 1);
        axdr_put_structure_header(w, 2);
        axdr_put_u16(w, 1);
        put_ldn(m, w);
        return;
    }
    case K_LDN:
        put_ldn(m, w);
        return;
    case K_INVOC:
        axdr_put_u32(w, 0);
        return;
    case K_DEVICE_ID:
        axdr_put_octets(w, (const uint8_t *)m->cfg.serial,
                        serial_len(m));
        return;
    case K_TARIFF:
        axdr_put_u8(w, m->tariff);
        return;
    case K_EVCODE:
        axdr_put_u8(w, (uint8_t)m->ev.c.last_code[arg]);
        return;
    case K_AMR:
        axdr_put_u8(w, arg == PROF_LP1 ? (uint8_t)(m->lp_status | m->prof[arg].status_pending)
                                       : m->prof[arg].status_pending);
        return;
    case K_PF_COUNT: {
        const uint32_t *pf = (arg & 8) ? m->ev.c.long_power_failures : m->ev.c.power_failures;
        axdr_put_u32(w, pf[arg & 7]);
        return;
    }
    case K_PF_DUR: {
        if (attr == 3) {
            put_scaler_unit(0, 7 /* s */, w);
            return;
        }
        uint32_t n = rows_in_use(m, K_EVLOG, EVLOG_POWER_FAILURE);
        struct eventlog_entry e;
        uint32_t d = 0;
        if (n > 0 && eventlog_read(&m->ev, &m->store, EVLOG_POWER_FAILURE, n - 1, &e) == MFW_OK)
            d = e.v2 < 0 ? 0u : (uint32_t)e.v2;
        axdr_put_u32(w, d);
        return;
    }
    case K_TCP:
        switch (attr) {
        case 2: axdr_put_u16(w, c->env->tcp_port); return;
        case 3: {
            static const uint8_t ip4[6] = {0, 0, 25, 1, 0, 255};
            axdr_put_octets(w, ip4, 6);
            return;
        }
        case 4: axdr_put_u16(w, c->env->mss); return;
        case 5: axdr_put_u8(w, c->env->max_conns); return;
        default: axdr_put_u16(w, c->env->inactivity_s); return;
        }
    case K_CLOCK: {
        const struct clock_config *cc = &m->set.clock;
        switch (attr) {
        case 2:
            put_dt(m, m->now, clock_status(&m->clock, m->now) & (uint8_t)~CLOCK_STATUS_DST, w);
            return;
        case 3: axdr_put_i16(w, clock_cosem_time_zone(cc)); return;
        case 4: axdr_put_u8(w, clock_status(&m->clock, m->now)); return;
        case 5: put_dst_point(cc, false, w); return;
        case 6: put_dst_point(cc, true, w); return;
        case 7: axdr_put_i8(w, (int8_t)cc->dst_deviation_min); return;
        case 8: axdr_put_bool(w, cc->dst_enabled); return;
        default: axdr_put_enum(w, 1); return; /* clock_base: internal crystal */
        }
    }
    case K_PROFILE:
    case K_EVLOG:
        switch (attr) {
        case 3: {
            unsigned n = columns(m, kind, arg);
            axdr_put_array_header(w, n);
            for (unsigned k = 0; k < n; k++) {
                uint16_t ccls;
                uint8_t cln[6];
                column_def(m, kind, arg, k, &ccls, cln);
                put_capture_def(ccls, cln, 2, w);
            }
            return;
        }
        case 4: {
            uint32_t period = 0;
            if (kind == K_PROFILE)
                period = arg == PROF_DAILY ? 86400u : m->prof[arg].cfg.capture_period_s;
            axdr_put_u32(w, period);
            return;
        }
        case 5: axdr_put_enum(w, 1); return; /* FIFO */
        case 6: {
            static const uint8_t none[6] = {0, 0, 0, 0, 0, 0};
            put_capture_def(0, none, 0, w);
            return;
        }
        case 7: axdr_put_u32(w, rows_in_use(m, kind, arg)); return;
        default: axdr_put_u32(w, rows_depth(m, kind, arg)); return;
        }
    case K_CALENDAR:
    case K_SAS:
        put_calendar_value(m, kind, attr, w);
        return;
    case K_SCRIPT:
        put_billing_scripts(w);
        return;
    case K_CATALOG: {
        const struct catalog_entry *e = catalog_find((uint16_t)(idx - N_FIXED));
        if (catalog_class(e->id) == IC_DEMAND_REGISTER) {
            put_demand_value(m, e, attr, w);
            return;
        }
        if (attr == 3) {
            put_scaler_unit(e->scaler, e->unit, w);
            return;
        }
        if (attr == 4) { /* status */
            axdr_put_u8(w, 0);
            return;
        }
        if (attr == 5) { /* capture_time */
            unsigned q = e->id == CAT_DEMAND_AM || e->id == CAT_MAXDEM_AM ? 1u : 0u;
            mfw_ms_t t = 0;
            if (e->id == CAT_MAXDEM_AP || e->id == CAT_MAXDEM_AM) {
                struct demand_max dm = demand_maximum(&m->demand, q);
                t = dm.valid ? dm.time : 0;
            } else {
                t = m->demand.capture_time;
            }
            if (t > 0)
                put_dt(m, t, 0, w);
            else
                put_dt_unspecified(w);
            return;
        }
        int valid = 0;
        int64_t v = catalog_scale(e, meter_read_quantity(m, e->id), &valid);
        if (!valid)
            axdr_put_null(w);
        else
            put_scaled(e, v, w);
        return;
    }
    default:
        axdr_put_null(w);
        return;
    }
}

int cosem_get_item(const struct cosem_ctx *c, const struct cosem_stream *st, uint32_t i,
                   struct wcursor *w)
{
    int rc = MFW_OK;
    switch (st->kind) {
    case S_OBJLIST:
        put_object_list_element(c, visible_nth(c, i), w);
        break;
    case S_ARRAY:
        put_array_element(c->m, kind_of(st->obj), st->attr, i, w);
        break;
    case S_CAPOBJ: {
        uint16_t ccls;
        uint8_t cln[6];
        column_def(c->m, kind_of(st->obj), arg_of(st->obj), i, &ccls, cln);
        put_capture_def(ccls, cln, 2, w);
        break;
    }
    case S_PROFROWS:
    case S_EVROWS:
        put_row(c->m, kind_of(st->obj), arg_of(st->obj), st->first + i, st->cols, st->ncols, w,
                &rc);
        break;
    default:
        put_value(c, st->obj, st->attr, w);
        break;
    }
    return rc == MFW_OK ? DAR_SUCCESS : DAR_HARDWARE_FAULT;
}

/* ---- SET ---- */

static int map_err(int rc)
{
    switch (rc) {
    case MFW_OK: return DAR_SUCCESS;
    case MFW_E_IO:
    case MFW_E_CRC: return DAR_HARDWARE_FAULT;
    case MFW_E_STATE: return DAR_TEMPORARY_FAILURE;
    default: return DAR_OTHER_REASON;
    }
}

static int apply(struct meter *m, const struct meter_settings *s)
{
    return map_err(meter_apply_settings(m, s));
}

/* A whole value of the given reader; false when it is of another type or has trailing bytes. */
#define READ_ONE(rc_, call_) ((call_) == MFW_OK && rc_left(&(rc_)) == 0)

static int set_dst_point(struct meter_settings *s, const struct cosem_datetime *dt, bool end)
{
    struct clock_dst_point *p = end ? &s->clock.dst_end : &s->clock.dst_begin;
    if (dt->hour > 23 || dt->minute > 59)
        return DAR_OTHER_REASON;
    int minutes = dt->hour * 60 + dt->minute - (end ? s->clock.dst_deviation_min : 0);
    minutes = ((minutes % 1440) + 1440) % 1440;
    p->month = dt->month;
    p->day_of_month = dt->day;
    p->day_of_week = dt->day_of_week;
    p->hour = (uint8_t)(minutes / 60);
    p->minute = (uint8_t)(minutes % 60);
    return DAR_SUCCESS;
}

static int set_clock(const struct cosem_ctx *c, unsigned attr, struct rcursor *rc)
{
    struct meter *m = c->m;
    struct meter_settings s = m->set;
    switch (attr) {
    case 2: {
        struct cosem_datetime dt;
        mfw_ms_t t;
        if (!READ_ONE(*rc, axdr_get_datetime(rc, &dt)))
            return DAR_TYPE_UNMATCHED;
        if (cosem_datetime_to_ms(&dt, m->local.offset_min, &t) != MFW_OK)
            return DAR_OTHER_REASON;
        return map_err(meter_clock_set(m, m->rtc, t));
    }
    case 3: {
        int16_t tz;
        if (!READ_ONE(*rc, axdr_get_i16(rc, &tz)))
            return DAR_TYPE_UNMATCHED;
        s.clock.utc_offset_min = (int16_t)-tz; /* time_zone = -utc_offset_min (clock.h) */
        return apply(m, &s);
    }
    case 5:
    case 6: {
        struct cosem_datetime dt;
        if (!READ_ONE(*rc, axdr_get_datetime(rc, &dt)))
            return DAR_TYPE_UNMATCHED;
        int r = set_dst_point(&s, &dt, attr == 6);
        return r != DAR_SUCCESS ? r : apply(m, &s);
    }
    case 7: {
        int8_t d;
        if (!READ_ONE(*rc, axdr_get_i8(rc, &d)))
            return DAR_TYPE_UNMATCHED;
        s.clock.dst_deviation_min = d;
        return apply(m, &s);
    }
    case 8: {
        bool b;
        if (!READ_ONE(*rc, axdr_get_bool(rc, &b)))
            return DAR_TYPE_UNMATCHED;
        s.clock.dst_enabled = b;
        return apply(m, &s);
    }
    default:
        return DAR_READ_WRITE_DENIED;
    }
}

/* capture_objects of the analysis log: optionally the clock and the status object first (as
 * attribute 3 reads), then 1..16 catalogue quantities, attribute 2, data index 0. */
static int set_capture_objects(const struct cosem_ctx *c, uint8_t prof, struct rcursor *rc)
{
    struct meter *m = c->m;
    uint32_t n = 0;
    if (axdr_get_array(rc, &n) != MFW_OK)
        return DAR_TYPE_UNMATCHED;
    uint16_t ids[PROFILE_ANALYSIS_COLUMNS];
    unsigned nids = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t k = 0;
        uint16_t cls, di;
        uint8_t ln[6];
        size_t lnlen = 0;
        int8_t attr;
        if (axdr_get_structure(rc, &k) != MFW_OK || k != 4 || axdr_get_u16(rc, &cls) != MFW_OK ||
            axdr_get_octets(rc, 6, ln, &lnlen) != MFW_OK || lnlen != 6 ||
            axdr_get_i8(rc, &attr) != MFW_OK || axdr_get_u16(rc, &di) != MFW_OK)
            return DAR_TYPE_UNMATCHED;
        if (attr != 2 || di != 0)
            return DAR_OTHER_REASON;
        const uint8_t amr[6] = {0, 0, 96, 10, (uint8_t)(prof + 1), 255};
        if (i == 0 && cls == IC_CLOCK && memcmp(ln, CLOCK_LN, 6) == 0)
            continue;
        if (i <= 1 && nids == 0 && cls == IC_DATA && memcmp(ln, amr, 6) == 0)
            continue;
        const struct catalog_entry *e = catalog_find_obis(ln);
        if (e == NULL || catalog_class(e->id) != cls)
            return DAR_OTHER_REASON;
        if (nids >= PROFILE_ANALYSIS_COLUMNS)
            return DAR_OTHER_REASON;
        ids[nids++] = e->id;
    }
    if (rc_left(rc) != 0)
        return DAR_TYPE_UNMATCHED;
    struct meter_settings s = m->set;
    struct profile_config cfg;
    if (profile_config_analysis(&cfg, ids, nids, s.analysis.capture_period_s,
                                s.analysis.depth) != MFW_OK)
        return DAR_OTHER_REASON;
    s.analysis = cfg;
    return apply(m, &s);
}

int cosem_set(const struct cosem_ctx *c, const struct xdlms_ref *ref, const uint8_t *value,
              size_t len)
{
    unsigned idx;
    if (cosem_find(c->m, c->ses->client, ref->class_id, ref->obis, &idx) != MFW_OK)
        return DAR_OBJECT_UNDEFINED;
    if (ref->id < 1 || (unsigned)ref->id > class_attrs(ref->class_id))
        return DAR_OBJECT_UNDEFINED;
    if (!(attr_access(idx, (unsigned)ref->id, c->ses->client) & COSEM_WRITE))
        return DAR_READ_WRITE_DENIED;
    if (ref->has_selection)
        return DAR_OTHER_REASON;
    struct rcursor rc;
    rc_init(&rc, value, len);
    uint8_t kind = kind_of(idx), arg = arg_of(idx);
    unsigned attr = (unsigned)ref->id;
    switch (kind) {
    case K_CLOCK:
        return set_clock(c, attr, &rc);
    case K_ASSOC: { /* attr 7: the LLS secret of the management association */
        uint8_t buf[COSEM_SECRET_MAX];
        size_t n = 0;
        int r = axdr_get_octets(&rc, sizeof buf, buf, &n);
        if (r == MFW_E_NOSPACE)
            return DAR_OTHER_REASON;
        if (r != MFW_OK || rc_left(&rc) != 0)
            return DAR_TYPE_UNMATCHED;
        if (n == 0)
            return DAR_OTHER_REASON;
        memcpy(c->env->secret, buf, n);
        c->env->secret_len = n;
        return DAR_SUCCESS;
    }
    case K_CALENDAR: {
        struct meter_settings s = c->m->set;
        int r = set_calendar(&s.tou, attr, &rc);
        return r != DAR_SUCCESS ? r : apply(c->m, &s);
    }
    case K_SAS: { /* execution_time: array of {time(4), date(5)}, at most BILLING_ENTRIES_MAX */
        struct meter_settings s = c->m->set;
        uint32_t n = 0, k = 0;
        if (axdr_get_array(&rc, &n) != MFW_OK)
            return DAR_TYPE_UNMATCHED;
        if (n > BILLING_ENTRIES_MAX)
            return DAR_OTHER_REASON;
        for (uint32_t i = 0; i < n; i++) {
            const uint8_t *t, *d;
            if (axdr_get_structure(&rc, &k) != MFW_OK || k != 2 ||
                (t = get_fixed(&rc, 4)) == NULL || (d = get_fixed(&rc, 5)) == NULL)
                return DAR_TYPE_UNMATCHED;
            struct billing_entry *e = &s.billing.e[i];
            e->hour = t[0];
            e->minute = t[1];
            e->second = t[2] == 0xFF ? 0 : t[2];
            e->year = (uint16_t)(d[0] << 8 | d[1]);
            e->month = d[2];
            e->day_of_month = d[3];
            e->day_of_week = d[4];
        }
        if (rc_left(&rc) != 0)
            return DAR_TYPE_UNMATCHED;
        s.billing.entries = (uint8_t)n;
        return apply(c->m, &s);
    }
    case K_CATALOG: { /* Demand register 8 period (s), 9 number_of_periods */
        struct meter_settings s = c->m->set;
        if (attr == 8) {
            uint32_t period;
            if (!READ_ONE(rc, axdr_get_u32(&rc, &period)))
                return DAR_TYPE_UNMATCHED;
            s.demand.period_s = period;
        } else {
            uint16_t n;
            if (!READ_ONE(rc, axdr_get_u16(&rc, &n)))
                return DAR_TYPE_UNMATCHED;
            if (n == 0 || n > MFW_DEMAND_PERIODS_MAX)
                return DAR_OTHER_REASON;
            s.demand.number_of_periods = (uint8_t)n;
        }
        int r = apply(c->m, &s); /* validated there: period divides a day, n in range */
        if (r == DAR_SUCCESS)
            demand_restart(&c->m->demand, c->m->now);
        return r;
    }
    case K_PROFILE: {
        if (attr == 3)
            return set_capture_objects(c, arg, &rc);
        uint32_t period;
        if (!READ_ONE(rc, axdr_get_u32(&rc, &period)))
            return DAR_TYPE_UNMATCHED;
        struct meter_settings s = c->m->set;
        struct profile_config *pc = arg == PROF_LP1 ? &s.lp1 : &s.analysis;
        if (period == 0)
            return DAR_OTHER_REASON; /* these profiles are periodic */
        pc->capture_period_s = period;
        return apply(c->m, &s);
    }
    default:
        return DAR_READ_WRITE_DENIED;
    }
}

/* ---- ACTION ---- */

int cosem_action(const struct cosem_ctx *c, const struct xdlms_ref *ref, const uint8_t *params,
                 size_t len, struct wcursor *ret, bool *has_ret)
{
    (void)ret;
    *has_ret = false;
    unsigned idx;
    struct meter *m = c->m;
    if (cosem_find(m, c->ses->client, ref->class_id, ref->obis, &idx) != MFW_OK)
        return DAR_OBJECT_UNDEFINED;
    if (ref->id < 1 || (unsigned)ref->id > class_methods(ref->class_id))
        return DAR_OBJECT_UNDEFINED;
    if (!method_access(idx, (unsigned)ref->id, c->ses->client))
        return DAR_READ_WRITE_DENIED;
    struct rcursor rc;
    rc_init(&rc, params, params != NULL ? len : 0);
    uint8_t kind = kind_of(idx), arg = arg_of(idx);
    if (kind == K_CLOCK && ref->id != 6) {
        /* adjust_to_quarter (1), _measuring_period (2, the load profile's), _minute (3),
         * integer(0): the nearest boundary of the local wall clock, +/- half a step */
        int8_t z;
        if (params != NULL && !READ_ONE(rc, axdr_get_i8(&rc, &z)))
            return DAR_TYPE_UNMATCHED;
        int64_t step = ref->id == 1   ? 900000
                       : ref->id == 3 ? 60000
                                      : (int64_t)m->prof[PROF_LP1].cfg.capture_period_s * 1000;
        if (step <= 0)
            return DAR_OTHER_REASON;
        int64_t off = (int64_t)m->local.offset_min * 60000;
        int64_t local = m->now + off;
        int64_t q = local / step * step;
        if (local - q >= step / 2)
            q += step;
        return map_err(meter_clock_set(m, m->rtc, q - off));
    }
    if (kind == K_CLOCK) { /* shift_time(long seconds) */
        int16_t s;
        if (params == NULL || !READ_ONE(rc, axdr_get_i16(&rc, &s)))
            return DAR_TYPE_UNMATCHED;
        return map_err(meter_clock_shift(m, m->rtc, s));
    }
    if (kind == K_SPECIAL) {
        struct meter_settings s = m->set;
        int r;
        if (ref->id == 1) { /* insert(spec_day_entry) */
            struct special_day d;
            if (params == NULL || !get_special(&rc, &d) || rc_left(&rc) != 0)
                return DAR_TYPE_UNMATCHED;
            r = tou_special_insert(&s.tou, &d);
        } else { /* delete(long-unsigned index) */
            uint16_t index;
            if (params == NULL || !READ_ONE(rc, axdr_get_u16(&rc, &index)))
                return DAR_TYPE_UNMATCHED;
            r = tou_special_delete(&s.tou, index);
        }
        return r != MFW_OK ? map_err(r) : apply(m, &s);
    }
    if (kind == K_SCRIPT) { /* execute(long-unsigned script_identifier) */
        uint16_t id;
        if (params == NULL || !READ_ONE(rc, axdr_get_u16(&rc, &id)))
            return DAR_TYPE_UNMATCHED;
        if (id != 1)
            return DAR_OTHER_REASON; /* no such script [M] */
        return map_err(meter_end_billing(m));
    }
    /* reset / activate_passive_calendar / next_period (integer 0): a missing parameter is
     * accepted. */
    if (params != NULL) {
        int8_t z;
        if (!READ_ONE(rc, axdr_get_i8(&rc, &z)))
            return DAR_TYPE_UNMATCHED;
    }
    if (kind == K_CALENDAR) {
        struct meter_settings s = m->set;
        int r = tou_activate_now(&s.tou, m->now);
        return r != MFW_OK ? map_err(r) : apply(m, &s);
    }
    if (kind == K_CATALOG) { /* Demand register: 1 reset, 2 next_period (Blue Book IC 5) [M] */
        if (m->down)
            return DAR_TEMPORARY_FAILURE;
        if (ref->id == 1)
            demand_restart(&m->demand, m->now);
        else /* closes the sub-period in progress now, as a clock change does (demand.h) */
            demand_clock_change(&m->demand, m->now);
        return DAR_SUCCESS;
    }
    if (!m->persistent)
        return DAR_TEMPORARY_FAILURE;
    if (kind == K_EVLOG)
        return map_err(meter_clear_log(m, (enum event_log)arg));
    int r = profile_clear(&m->prof[arg], &m->store);
    if (r != MFW_OK)
        return map_err(r);
    (void)eventlog_add(&m->ev, &m->store, EVLOG_STANDARD, m->now, EV_PROFILE_CLEARED, 0, 0, 0);
    return DAR_SUCCESS;
}
