/* cosem: the object table and the interface classes over struct mfw_meter (see cosem.h and the
 * "Object model" section of docs/dlms.md). */
#include "meterfw/cosem/cosem.h"

#include <math.h>
#include <string.h>

#include "meterfw/base/error.h"
#include "meterfw/codec/axdr.h"
#include "meterfw/cosem/selective_access.h"
#include "meterfw/meter/catalog.h"

/* What a fixed object maps to. */
enum kind {
    K_ASSOC = 1, /* Association LN, current association */
    K_SAP,       /* SAP assignment */
    K_LDN,       /* logical device name */
    K_INVOC,     /* invocation counter of the management security context: 0 until HLS */
    K_CLOCK,
    K_DEVICE_ID,
    K_TARIFF,   /* active tariff */
    K_EVCODE,   /* event code object of log arg */
    K_AMR,      /* AMR profile status of profile arg (the bits being collected) */
    K_PROFILE,  /* profile arg (enum mfw_meter_profile_id) */
    K_EVLOG,    /* event log arg (enum mfw_eventlog_id) */
    K_PF_DUR,   /* duration of the last long power failure */
    K_PF_COUNT, /* power failure counter: arg = slot (EVENTLOG_PF_*) | 8 for long failures */
    K_TCP,      /* TCP-UDP setup */
    K_CALENDAR, /* activity calendar: m->set.tou */
    K_SPECIAL,  /* special days table: m->set.tou.special */
    K_SAS,      /* single action schedule, end of billing: m->set.billing */
    K_SCRIPT,   /* script table "end of billing": mfw_meter_end_billing */
    K_CATALOG,  /* not in the table: a catalogue quantity */
};

/* Stream kinds (struct mfw_cosem_stream.kind). */
enum { S_VALUE = 1, S_OBJLIST, S_PROFROWS, S_EVROWS, S_CAPOBJ, S_ARRAY };

struct fixed_object {
    uint8_t kind, arg;
    uint16_t class_id;
    uint8_t version;
    uint8_t obis[6];
    bool is_public;
};

static const struct fixed_object fixed[] = {
    {K_ASSOC, 0, MFW_IC_ASSOCIATION_LN, 2, {0, 0, 40, 0, 0, 255}, true},
    {K_SAP, 0, MFW_IC_SAP_ASSIGNMENT, 0, {0, 0, 41, 0, 0, 255}, true},
    {K_LDN, 0, MFW_IC_DATA, 0, {0, 0, 42, 0, 0, 255}, true},
    {K_INVOC, 0, MFW_IC_DATA, 0, {0, 0, 43, 1, 0, 255}, true},
    {K_CLOCK, 0, MFW_IC_CLOCK, 0, {0, 0, 1, 0, 0, 255}, true},
    {K_DEVICE_ID, 0, MFW_IC_DATA, 0, {0, 0, 96, 1, 0, 255}, false},
    {K_TARIFF, 0, MFW_IC_DATA, 0, {0, 0, 96, 14, 0, 255}, false},
    {K_EVCODE, MFW_EVENTLOG_STANDARD, MFW_IC_DATA, 0, {0, 0, 96, 11, 0, 255}, false},
    {K_EVCODE, MFW_EVENTLOG_FRAUD, MFW_IC_DATA, 0, {0, 0, 96, 11, 1, 255}, false},
    {K_EVCODE, MFW_EVENTLOG_DISCONNECTOR, MFW_IC_DATA, 0, {0, 0, 96, 11, 2, 255}, false},
    {K_EVCODE, MFW_EVENTLOG_POWER_QUALITY, MFW_IC_DATA, 0, {0, 0, 96, 11, 4, 255}, false},
    {K_EVCODE, MFW_EVENTLOG_RTC, MFW_IC_DATA, 0, {0, 0, 96, 11, 6, 255}, false},
    {K_AMR, MFW_PROF_LP1, MFW_IC_DATA, 0, {0, 0, 96, 10, 1, 255}, false},
    {K_AMR, MFW_PROF_DAILY, MFW_IC_DATA, 0, {0, 0, 96, 10, 2, 255}, false},
    {K_AMR, MFW_PROF_BILLING, MFW_IC_DATA, 0, {0, 0, 96, 10, 3, 255}, false},
    {K_AMR, MFW_PROF_ANALYSIS, MFW_IC_DATA, 0, {0, 0, 96, 10, 4, 255}, false},
    {K_PROFILE, MFW_PROF_LP1, MFW_IC_PROFILE_GENERIC, 1, {1, 0, 99, 1, 0, 255}, false},
    {K_PROFILE, MFW_PROF_DAILY, MFW_IC_PROFILE_GENERIC, 1, {1, 0, 99, 2, 0, 255}, false},
    {K_PROFILE, MFW_PROF_BILLING, MFW_IC_PROFILE_GENERIC, 1, {0, 0, 98, 1, 0, 255}, false},
    {K_PROFILE, MFW_PROF_ANALYSIS, MFW_IC_PROFILE_GENERIC, 1, {1, 0, 99, 1, 1, 255}, false},
    {K_EVLOG, MFW_EVENTLOG_STANDARD, MFW_IC_PROFILE_GENERIC, 1, {0, 0, 99, 98, 0, 255}, false},
    {K_EVLOG, MFW_EVENTLOG_FRAUD, MFW_IC_PROFILE_GENERIC, 1, {0, 0, 99, 98, 1, 255}, false},
    {K_EVLOG, MFW_EVENTLOG_DISCONNECTOR, MFW_IC_PROFILE_GENERIC, 1, {0, 0, 99, 98, 2, 255}, false},
    {K_EVLOG, MFW_EVENTLOG_POWER_QUALITY, MFW_IC_PROFILE_GENERIC, 1, {0, 0, 99, 98, 4, 255}, false},
    {K_EVLOG, MFW_EVENTLOG_RTC, MFW_IC_PROFILE_GENERIC, 1, {0, 0, 99, 98, 6, 255}, false},
    {K_EVLOG, MFW_EVENTLOG_POWER_FAILURE, MFW_IC_PROFILE_GENERIC, 1, {1, 0, 99, 97, 0, 255}, false},
    {K_PF_DUR, 0, MFW_IC_REGISTER, 0, {0, 0, 96, 7, 19, 255}, false},
    /* Power failure counters (Blue Book OBIS 0.0.96.7.x; the E numbering is from public sources,
     * unchecked against the IDIS object list): in all phases, in L1..L3, in any phase (DSMR 21);
     * long ones (longer than 0.0.96.7.20, 180 s) in all phases, L1..L3, any phase. */
    {K_PF_COUNT, MFW_EVENTLOG_PF_ALL, MFW_IC_DATA, 0, {0, 0, 96, 7, 0, 255}, false},
    {K_PF_COUNT, MFW_EVENTLOG_PF_L1, MFW_IC_DATA, 0, {0, 0, 96, 7, 1, 255}, false},
    {K_PF_COUNT, MFW_EVENTLOG_PF_L1 + 1, MFW_IC_DATA, 0, {0, 0, 96, 7, 2, 255}, false},
    {K_PF_COUNT, MFW_EVENTLOG_PF_L1 + 2, MFW_IC_DATA, 0, {0, 0, 96, 7, 3, 255}, false},
    {K_PF_COUNT, MFW_EVENTLOG_PF_ANY, MFW_IC_DATA, 0, {0, 0, 96, 7, 21, 255}, false},
    {K_PF_COUNT, 8 | MFW_EVENTLOG_PF_ALL, MFW_IC_DATA, 0, {0, 0, 96, 7, 5, 255}, false},
    {K_PF_COUNT, 8 | MFW_EVENTLOG_PF_L1, MFW_IC_DATA, 0, {0, 0, 96, 7, 6, 255}, false},
    {K_PF_COUNT, 8 | (MFW_EVENTLOG_PF_L1 + 1), MFW_IC_DATA, 0, {0, 0, 96, 7, 7, 255}, false},
    {K_PF_COUNT, 8 | (MFW_EVENTLOG_PF_L1 + 2), MFW_IC_DATA, 0, {0, 0, 96, 7, 8, 255}, false},
    {K_PF_COUNT, 8 | MFW_EVENTLOG_PF_ANY, MFW_IC_DATA, 0, {0, 0, 96, 7, 9, 255}, false},
    {K_TCP, 0, MFW_IC_TCP_UDP_SETUP, 0, {0, 0, 25, 0, 0, 255}, false},
    {K_CALENDAR, 0, MFW_IC_ACTIVITY_CALENDAR, 0, {0, 0, 13, 0, 0, 255}, false},
    {K_SPECIAL, 0, MFW_IC_SPECIAL_DAYS_TABLE, 0, {0, 0, 11, 0, 0, 255}, false},
    {K_SAS, 0, MFW_IC_SINGLE_ACTION_SCHEDULE, 0, {0, 0, 15, 0, 0, 255}, false},
    {K_SCRIPT, 0, MFW_IC_SCRIPT_TABLE, 0, {0, 0, 10, 0, 1, 255}, false},
};
#define N_FIXED (sizeof fixed / sizeof fixed[0])

static const uint8_t CLOCK_LN[6] = {0, 0, 1, 0, 0, 255};

/* ---- the index space ---- */

unsigned mfw_cosem_object_count(void)
{
    return (unsigned)(N_FIXED + mfw_catalog_count());
}

/* Current average demand: Demand register (Blue Book IC 5); maximum demand: Extended register
 * (IC 4, value + capture_time of the maximum); everything else Register (IC 3). */
static uint16_t catalog_class(uint16_t id)
{
    if (id == MFW_CAT_DEMAND_AP || id == MFW_CAT_DEMAND_AM)
        return MFW_IC_DEMAND_REGISTER;
    return id == MFW_CAT_MAXDEM_AP || id == MFW_CAT_MAXDEM_AM ? MFW_IC_EXTENDED_REGISTER
                                                              : MFW_IC_REGISTER;
}

/* The phase (0..2) a catalogue quantity needs. */
static unsigned catalog_phase(uint16_t id)
{
    if (id <= MFW_CAT_PF_L3)
        return id % 3u;
    switch (id) {
    case MFW_CAT_ANGLE_U2_U1: return 1;
    case MFW_CAT_ANGLE_U3_U1: return 2;
    case MFW_CAT_ANGLE_I2_U2: return 1;
    case MFW_CAT_ANGLE_I3_U3: return 2;
    default: break;
    }
    if (id >= MFW_CAT_AP_L1 && id <= MFW_CAT_RM_L3)
        return (unsigned)(id - MFW_CAT_AP_L1) % 3u;
    if (id >= MFW_CAT_UMIN_L1 && id <= MFW_CAT_UMAX_L3)
        return (unsigned)(id - MFW_CAT_UMIN_L1) % 3u;
    return 0;
}

bool mfw_cosem_object_info(unsigned idx, uint16_t *class_id, uint8_t *version, uint8_t obis[6])
{
    if (idx < N_FIXED) {
        *class_id = fixed[idx].class_id;
        *version = fixed[idx].version;
        memcpy(obis, fixed[idx].obis, 6);
        return true;
    }
    const struct mfw_catalog_entry *e = mfw_catalog_find((uint16_t)(idx - N_FIXED));
    if (e == NULL)
        return false;
    *class_id = catalog_class(e->id);
    *version = 0;
    memcpy(obis, e->obis, 6);
    return true;
}

bool mfw_cosem_visible(const struct mfw_meter *m, unsigned idx, uint8_t client)
{
    if (idx < N_FIXED)
        return client == MFW_COSEM_CLIENT_MANAGEMENT || fixed[idx].is_public;
    if (client != MFW_COSEM_CLIENT_MANAGEMENT || idx >= mfw_cosem_object_count())
        return false;
    return catalog_phase((uint16_t)(idx - N_FIXED)) < m->config.metro.phases;
}

int mfw_cosem_find(const struct mfw_meter *m, uint8_t client, uint16_t class_id,
                   const uint8_t obis[6], unsigned *idx)
{
    for (unsigned i = 0; i < N_FIXED; i++) {
        if (fixed[i].class_id == class_id && memcmp(fixed[i].obis, obis, 6) == 0) {
            if (!mfw_cosem_visible(m, i, client))
                return MFW_E_RANGE;
            *idx = i;
            return MFW_OK;
        }
    }
    const struct mfw_catalog_entry *e = mfw_catalog_find_obis(obis);
    if (e == NULL || catalog_class(e->id) != class_id)
        return MFW_E_RANGE;
    unsigned i = (unsigned)N_FIXED + e->id;
    if (!mfw_cosem_visible(m, i, client))
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
    case MFW_IC_DATA: return 2;
    case MFW_IC_REGISTER: return 3;
    case MFW_IC_EXTENDED_REGISTER: return 5;
    case MFW_IC_DEMAND_REGISTER: return 9;
    case MFW_IC_PROFILE_GENERIC: return 8;
    case MFW_IC_CLOCK: return 9;
    case MFW_IC_ASSOCIATION_LN: return 11; /* version 2: + user_list, current_user */
    case MFW_IC_SAP_ASSIGNMENT: return 2;
    case MFW_IC_TCP_UDP_SETUP: return 6;
    case MFW_IC_ACTIVITY_CALENDAR: return 10;
    case MFW_IC_SPECIAL_DAYS_TABLE: return 2;
    case MFW_IC_SINGLE_ACTION_SCHEDULE: return 4;
    case MFW_IC_SCRIPT_TABLE: return 2;
    default: return 1;
    }
}

static unsigned class_methods(uint16_t class_id)
{
    switch (class_id) {
    case MFW_IC_REGISTER: return 1;
    case MFW_IC_EXTENDED_REGISTER: return 1;
    case MFW_IC_DEMAND_REGISTER: return 2; /* reset, next_period */
    case MFW_IC_PROFILE_GENERIC: return 2;
    case MFW_IC_CLOCK: return 6;
    case MFW_IC_ASSOCIATION_LN: return 6;
    case MFW_IC_SAP_ASSIGNMENT: return 1;
    case MFW_IC_ACTIVITY_CALENDAR: return 1;
    case MFW_IC_SPECIAL_DAYS_TABLE: return 2;
    case MFW_IC_SCRIPT_TABLE: return 1; /* execute */
    default: return 0;
    }
}

static uint8_t attr_access(unsigned idx, unsigned attr, uint8_t client)
{
    uint16_t cls = 0;
    uint8_t ver = 0, ln[6] = {0};
    if (!mfw_cosem_object_info(idx, &cls, &ver, ln) || attr < 1 || attr > class_attrs(cls))
        return MFW_COSEM_NO_ACCESS;
    uint8_t kind = kind_of(idx);
    bool mgmt = client == MFW_COSEM_CLIENT_MANAGEMENT;
    if (kind == K_ASSOC && attr == 7)
        return mgmt ? MFW_COSEM_WRITE : MFW_COSEM_NO_ACCESS; /* secret: write-only */
    if (!mgmt)
        return MFW_COSEM_READ;
    if (kind == K_CLOCK && (attr == 2 || attr == 3 || (attr >= 5 && attr <= 8)))
        return MFW_COSEM_READ_WRITE;
    if (kind == K_PROFILE && arg_of(idx) == MFW_PROF_ANALYSIS && (attr == 3 || attr == 4))
        return MFW_COSEM_READ_WRITE;
    if (kind == K_PROFILE && arg_of(idx) == MFW_PROF_LP1 && attr == 4)
        return MFW_COSEM_READ_WRITE;
    if (kind == K_CALENDAR && attr >= 6) /* the passive calendar and its activation time */
        return MFW_COSEM_READ_WRITE;
    if (kind == K_SAS && attr == 4) /* execution_time: the billing dates */
        return MFW_COSEM_READ_WRITE;
    if (cls == MFW_IC_DEMAND_REGISTER && (attr == 8 || attr == 9)) /* period, number_of_periods */
        return MFW_COSEM_READ_WRITE;
    return MFW_COSEM_READ;
}

static bool method_access(unsigned idx, unsigned method, uint8_t client)
{
    if (client != MFW_COSEM_CLIENT_MANAGEMENT)
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
        catalog_class((uint16_t)(idx - N_FIXED)) == MFW_IC_DEMAND_REGISTER)
        return method == 1 || method == 2; /* reset, next_period */
    return false;
}

/* ---- small encoders ---- */

/* A UTC instant as the Clock's date-time octet-string(12) in the meter's local time. */
static void put_dt(const struct mfw_meter *m, mfw_ms_t utc, uint8_t status, struct mfw_wcursor *w)
{
    struct mfw_cosem_datetime dt;
    struct mfw_local_time lt;
    mfw_clock_local(&m->clock, utc, &lt);
    if (mfw_cosem_datetime_from_ms(&dt, utc, lt.offset_min,
                                   (uint8_t)(status | (lt.dst ? MFW_CLOCK_STATUS_DST : 0))) !=
        MFW_OK) {
        memset(&dt, 0xFF, sizeof dt);
        dt.deviation = MFW_COSEM_DEVIATION_NS;
    }
    mfw_axdr_put_datetime_octets(w, &dt);
}

static void put_dt_unspecified(struct mfw_wcursor *w)
{
    struct mfw_cosem_datetime dt;
    memset(&dt, 0xFF, sizeof dt);
    dt.deviation = MFW_COSEM_DEVIATION_NS;
    mfw_axdr_put_datetime_octets(w, &dt);
}

static bool is_energy(const struct mfw_catalog_entry *e)
{
    return e->unit == MFW_COSEM_UNIT_WH || e->unit == MFW_COSEM_UNIT_VARH ||
           e->unit == 31 /* VAh */;
}

/* A scaled catalogue value: energies long64-unsigned (Wh, scaler 0), everything else
 * double-long (saturated). */
static void put_scaled(const struct mfw_catalog_entry *e, int64_t v, struct mfw_wcursor *w)
{
    if (is_energy(e)) {
        mfw_axdr_put_u64(w, v < 0 ? 0u : (uint64_t)v);
        return;
    }
    if (v > INT32_MAX)
        v = INT32_MAX;
    if (v < INT32_MIN)
        v = INT32_MIN;
    mfw_axdr_put_i32(w, (int32_t)v);
}

static void put_scaler_unit(int8_t scaler, uint8_t unit, struct mfw_wcursor *w)
{
    mfw_axdr_put_structure_header(w, 2);
    mfw_axdr_put_i8(w, scaler);
    mfw_axdr_put_enum(w, unit);
}

static void put_capture_def(uint16_t cls, const uint8_t ln[6], int8_t attr, struct mfw_wcursor *w)
{
    mfw_axdr_put_structure_header(w, 4);
    mfw_axdr_put_u16(w, cls);
    mfw_axdr_put_octets(w, ln, 6);
    mfw_axdr_put_i8(w, attr);
    mfw_axdr_put_u16(w, 0);
}

/* ---- profiles and event logs: columns and rows ---- */

static bool store_ok(const struct mfw_meter *m)
{
    return m->persistent;
}

static unsigned columns(const struct mfw_meter *m, uint8_t kind, uint8_t arg)
{
    return kind == K_PROFILE ? 2u + m->profiles[arg].config.n_columns : 2u;
}

/* Column col of the profile / log: its capture object definition. */
static void column_def(const struct mfw_meter *m, uint8_t kind, uint8_t arg, unsigned col,
                       uint16_t *cls, uint8_t ln[6])
{
    if (col == 0) {
        *cls = MFW_IC_CLOCK;
        memcpy(ln, CLOCK_LN, 6);
        return;
    }
    if (kind == K_EVLOG) {
        if (arg == MFW_EVENTLOG_POWER_FAILURE) {
            static const uint8_t pf[6] = {0, 0, 96, 7, 19, 255};
            *cls = MFW_IC_REGISTER;
            memcpy(ln, pf, 6);
        } else {
            *cls = MFW_IC_DATA;
            memcpy(ln, mfw_eventlog_code_obis((enum mfw_eventlog_id)arg), 6);
        }
        return;
    }
    if (col == 1) {
        const uint8_t amr[6] = {0, 0, 96, 10, (uint8_t)(arg + 1), 255};
        *cls = MFW_IC_DATA;
        memcpy(ln, amr, 6);
        return;
    }
    const struct mfw_catalog_entry *e = mfw_catalog_find(m->profiles[arg].config.column[col - 2]);
    *cls = e != NULL ? catalog_class(e->id) : MFW_IC_REGISTER;
    if (e != NULL)
        memcpy(ln, e->obis, 6);
    else
        memset(ln, 0, 6);
}

static uint32_t rows_in_use(const struct mfw_meter *m, uint8_t kind, uint8_t arg)
{
    if (!store_ok(m))
        return 0;
    struct mfw_meter *mm = (struct mfw_meter *)m; /* the store's read path needs a mutable store */
    if (kind == K_PROFILE)
        return mfw_profile_count(&m->profiles[arg], &mm->store);
    return mfw_eventlog_count(&m->events, &mm->store, (enum mfw_eventlog_id)arg);
}

static uint32_t rows_depth(const struct mfw_meter *m, uint8_t kind, uint8_t arg)
{
    return kind == K_PROFILE ? m->profiles[arg].config.depth : MFW_EVENTLOG_DEPTH;
}

static mfw_ms_t row_time(struct mfw_meter *m, uint8_t kind, uint8_t arg, uint32_t i, int *rc)
{
    if (kind == K_PROFILE) {
        struct mfw_profile_row r;
        r.time = 0;
        *rc = mfw_profile_read(&m->profiles[arg], &m->store, i, &r);
        return r.time;
    }
    struct mfw_eventlog_entry e;
    e.time = 0;
    *rc = mfw_eventlog_read(&m->events, &m->store, (enum mfw_eventlog_id)arg, i, &e);
    return e.time;
}

/* Rows whose time lies in [from, to]: profiles by bisection, event logs (<= 200) by a scan. */
static int rows_find(struct mfw_meter *m, uint8_t kind, uint8_t arg, mfw_ms_t from, mfw_ms_t to,
                     uint32_t *first, uint32_t *n)
{
    *first = 0;
    *n = 0;
    if (!store_ok(m) || from > to)
        return MFW_OK;
    if (kind == K_PROFILE)
        return mfw_profile_find(&m->profiles[arg], &m->store, from, to, first, n);
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

static void put_row(struct mfw_meter *m, uint8_t kind, uint8_t arg, uint32_t index, uint64_t cols,
                    uint8_t ncols, struct mfw_wcursor *w, int *rc)
{
    mfw_axdr_put_structure_header(w, ncols);
    if (kind == K_PROFILE) {
        struct mfw_profile_row r;
        *rc = mfw_profile_read(&m->profiles[arg], &m->store, index, &r);
        unsigned total = 2u + m->profiles[arg].config.n_columns;
        for (unsigned k = 0; k < total; k++) {
            if (!(cols & (1ull << k)))
                continue;
            if (*rc != MFW_OK) {
                mfw_axdr_put_null(w);
            } else if (k == 0) {
                put_dt(m, r.time, 0, w);
            } else if (k == 1) {
                mfw_axdr_put_u8(w, r.status);
            } else {
                const struct mfw_catalog_entry *e =
                    mfw_catalog_find(m->profiles[arg].config.column[k - 2]);
                if (e == NULL || k - 2 >= r.n)
                    mfw_axdr_put_null(w);
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
    struct mfw_eventlog_entry e;
    *rc = mfw_eventlog_read(&m->events, &m->store, (enum mfw_eventlog_id)arg, index, &e);
    for (unsigned k = 0; k < 2; k++) {
        if (!(cols & (1ull << k)))
            continue;
        if (*rc != MFW_OK)
            mfw_axdr_put_null(w);
        else if (k == 0)
            put_dt(m, e.time, 0, w);
        else if (arg == MFW_EVENTLOG_POWER_FAILURE)
            mfw_axdr_put_u32(w, e.v2 < 0                     ? 0u
                                : e.v2 > (int64_t)UINT32_MAX ? UINT32_MAX
                                                             : (uint32_t)e.v2);
        else
            mfw_axdr_put_u8(w, (uint8_t)e.code);
    }
}

/* ---- selective access on a buffer ---- */

static int open_rows(const struct mfw_cosem_ctx *c, unsigned idx, const struct mfw_cosem_ref *ref,
                     struct mfw_cosem_stream *st)
{
    struct mfw_meter *m = c->m;
    uint8_t kind = kind_of(idx), arg = arg_of(idx);
    unsigned ncol = columns(m, kind, arg);
    st->kind = kind == K_PROFILE ? S_PROFROWS : S_EVROWS;
    st->cols = ncol >= 64 ? ~0ull : (1ull << ncol) - 1u;
    st->ncols = (uint8_t)ncol;
    uint32_t count = rows_in_use(m, kind, arg);
    st->first = 0;
    st->items = count;
    if (!ref->has_selection)
        return MFW_DAR_SUCCESS;
    if (ref->selector == 2) {
        struct mfw_selective_access_entry e;
        if (mfw_selective_access_parse_entry(&ref->params, &e) != MFW_OK)
            return MFW_DAR_TYPE_UNMATCHED;
        uint32_t from = e.from_entry == 0 ? 1 : e.from_entry;
        uint32_t to = e.to_entry == 0 || e.to_entry > count ? count : e.to_entry;
        st->first = from - 1;
        st->items = from > to ? 0 : to - from + 1;
        unsigned cf = e.from_value == 0 ? 1 : e.from_value;
        unsigned ct = e.to_value == 0 || e.to_value > ncol ? ncol : e.to_value;
        if (cf > ct)
            return MFW_DAR_OTHER_REASON;
        st->cols = 0;
        for (unsigned k = cf - 1; k < ct; k++)
            st->cols |= 1ull << k;
        st->ncols = (uint8_t)(ct - cf + 1);
        return MFW_DAR_SUCCESS;
    }
    if (ref->selector != 1)
        return MFW_DAR_OTHER_REASON;
    struct mfw_selective_access_range r;
    if (mfw_selective_access_parse_range(&ref->params, &r) != MFW_OK)
        return MFW_DAR_TYPE_UNMATCHED;
    if (r.class_id != MFW_IC_CLOCK || memcmp(r.obis, CLOCK_LN, 6) != 0 || r.attr != 2)
        return MFW_DAR_OTHER_REASON;
    struct mfw_cosem_datetime dfrom, dto;
    struct mfw_rcursor rc;
    mfw_ms_t from, to;
    mfw_rcursor_init(&rc, r.from.p, r.from.len);
    if (mfw_axdr_get_datetime(&rc, &dfrom) != MFW_OK)
        return MFW_DAR_TYPE_UNMATCHED;
    mfw_rcursor_init(&rc, r.to.p, r.to.len);
    if (mfw_axdr_get_datetime(&rc, &dto) != MFW_OK)
        return MFW_DAR_TYPE_UNMATCHED;
    if (mfw_cosem_datetime_to_ms(&dfrom, m->local.offset_min, &from) != MFW_OK ||
        mfw_cosem_datetime_to_ms(&dto, m->local.offset_min, &to) != MFW_OK)
        return MFW_DAR_OTHER_REASON;
    if (r.n_selected > 0) {
        mfw_rcursor_init(&rc, r.selected.p, r.selected.len);
        uint32_t n = 0;
        (void)mfw_axdr_get_array(&rc, &n);
        st->cols = 0;
        st->ncols = 0;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t k = 0;
            uint16_t cls, di;
            uint8_t ln[6];
            size_t lnlen = 0;
            int8_t attr;
            if (mfw_axdr_get_structure(&rc, &k) != MFW_OK || k != 4 ||
                mfw_axdr_get_u16(&rc, &cls) != MFW_OK ||
                mfw_axdr_get_octets(&rc, 6, ln, &lnlen) != MFW_OK || lnlen != 6 ||
                mfw_axdr_get_i8(&rc, &attr) != MFW_OK || mfw_axdr_get_u16(&rc, &di) != MFW_OK)
                return MFW_DAR_TYPE_UNMATCHED;
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
                return MFW_DAR_OTHER_REASON;
        }
    }
    uint32_t first = 0, n = 0;
    if (rows_find(m, kind, arg, from, to, &first, &n) != MFW_OK)
        return MFW_DAR_HARDWARE_FAULT;
    st->first = first;
    st->items = n;
    return MFW_DAR_SUCCESS;
}

/* ---- activity calendar (IC 20), special days (IC 11), single action schedule (IC 22) ---- */

/* The tariff scripts the day actions name (IDIS: tariffication script table). */
static const uint8_t TARIFF_SCRIPT_LN[6] = {0, 0, 10, 0, 100, 255};
static const uint8_t BILLING_SCRIPT_LN[6] = {0, 0, 10, 0, 1, 255};

static void put_cal_date_raw(const struct mfw_tou_date *d, struct mfw_wcursor *w)
{
    mfw_wcursor_u16be(w, d->year);
    mfw_wcursor_u8(w, d->month);
    mfw_wcursor_u8(w, d->day_of_month);
    mfw_wcursor_u8(w, d->day_of_week);
}

static void put_cal_time_raw(const struct mfw_tou_time *t, struct mfw_wcursor *w)
{
    mfw_wcursor_u8(w, t->hour);
    mfw_wcursor_u8(w, t->minute);
    mfw_wcursor_u8(w, t->second);
    mfw_wcursor_u8(w, 0); /* hundredths */
}

static void put_name(const struct mfw_tou_name *n, struct mfw_wcursor *w)
{
    mfw_axdr_put_octets(w, n->b, n->len);
}

static const struct mfw_tou_calendar *cal_of(const struct mfw_meter *m, unsigned attr)
{
    return attr <= 5 ? &m->settings.tou.active : &m->settings.tou.passive;
}

/* Number of elements of an array attribute, or -1 when attr is not one. */
static long array_len(const struct mfw_meter *m, uint8_t kind, unsigned attr)
{
    if (kind == K_CALENDAR) {
        const struct mfw_tou_calendar *cal = cal_of(m, attr);
        switch (attr) {
        case 3:
        case 7: return cal->n_seasons;
        case 4:
        case 8: return cal->n_weeks;
        case 5:
        case 9: return cal->n_days;
        default: return -1;
        }
    }
    if (kind == K_SPECIAL && attr == 2)
        return m->settings.tou.n_special;
    if (kind == K_SAS && attr == 4)
        return m->settings.billing.entries;
    return -1;
}

static void put_array_element(const struct mfw_meter *m, uint8_t kind, unsigned attr, uint32_t i,
                              struct mfw_wcursor *w)
{
    if (kind == K_SPECIAL) {
        const struct mfw_tou_special_day *d = &m->settings.tou.special[i];
        mfw_axdr_put_structure_header(w, 3);
        mfw_axdr_put_u16(w, d->index);
        mfw_wcursor_u8(w, MFW_AXDR_OCTET_STRING);
        mfw_wcursor_u8(w, 5);
        put_cal_date_raw(&d->date, w);
        mfw_axdr_put_u8(w, d->day_id);
        return;
    }
    if (kind == K_SAS) {
        const struct mfw_billing_entry *e = &m->settings.billing.e[i];
        struct mfw_tou_time t = {e->hour, e->minute, e->second};
        struct mfw_tou_date d = {e->year, e->month, e->day_of_month, e->day_of_week};
        mfw_axdr_put_structure_header(w, 2);
        mfw_wcursor_u8(w, MFW_AXDR_OCTET_STRING);
        mfw_wcursor_u8(w, 4);
        put_cal_time_raw(&t, w);
        mfw_wcursor_u8(w, MFW_AXDR_OCTET_STRING);
        mfw_wcursor_u8(w, 5);
        put_cal_date_raw(&d, w);
        return;
    }
    const struct mfw_tou_calendar *cal = cal_of(m, attr);
    switch (attr) {
    case 3:
    case 7: {
        const struct mfw_tou_season *se = &cal->seasons[i];
        mfw_axdr_put_structure_header(w, 3);
        put_name(&se->name, w);
        mfw_wcursor_u8(w, MFW_AXDR_OCTET_STRING);
        mfw_wcursor_u8(w, 12);
        put_cal_date_raw(&se->start.date, w);
        put_cal_time_raw(&se->start.time, w);
        mfw_wcursor_u16be(w, 0x8000u); /* deviation not specified */
        mfw_wcursor_u8(w, 0xFF);       /* clock status not specified */
        put_name(&se->week_name, w);
        return;
    }
    case 4:
    case 8: {
        const struct mfw_tou_week *wk = &cal->weeks[i];
        mfw_axdr_put_structure_header(w, 8);
        put_name(&wk->name, w);
        for (unsigned d = 0; d < 7; d++)
            mfw_axdr_put_u8(w, wk->day_id[d]);
        return;
    }
    default: {
        const struct mfw_tou_day *dy = &cal->days[i];
        mfw_axdr_put_structure_header(w, 2);
        mfw_axdr_put_u8(w, dy->day_id);
        mfw_axdr_put_array_header(w, dy->n);
        for (unsigned k = 0; k < dy->n; k++) {
            mfw_axdr_put_structure_header(w, 3);
            mfw_wcursor_u8(w, MFW_AXDR_OCTET_STRING);
            mfw_wcursor_u8(w, 4);
            put_cal_time_raw(&dy->actions[k].start, w);
            mfw_axdr_put_octets(w, TARIFF_SCRIPT_LN, 6);
            mfw_axdr_put_u16(w, dy->actions[k].script_selector);
        }
        return;
    }
    }
}

static void put_calendar_value(const struct mfw_meter *m, uint8_t kind, unsigned attr,
                               struct mfw_wcursor *w)
{
    if (kind == K_CALENDAR) {
        if (attr == 2 || attr == 6) {
            put_name(&cal_of(m, attr)->name, w);
            return;
        }
        /* attr 10: activate_passive_calendar_time (all 0xFF: none pending) */
        const struct mfw_tou_date_time *a = &m->settings.tou.passive_activation;
        mfw_wcursor_u8(w, MFW_AXDR_OCTET_STRING);
        mfw_wcursor_u8(w, 12);
        put_cal_date_raw(&a->date, w);
        put_cal_time_raw(&a->time, w);
        mfw_wcursor_u16be(w, 0x8000u);
        mfw_wcursor_u8(w, 0xFF);
        return;
    }
    /* K_SAS */
    if (attr == 2) {
        mfw_axdr_put_structure_header(w, 2);
        mfw_axdr_put_octets(w, BILLING_SCRIPT_LN, 6);
        mfw_axdr_put_u16(w, 1);
        return;
    }
    /* attr 3 type: 1 = one entry, wildcards allowed; 5 = n entries, any times, wildcards */
    mfw_axdr_put_enum(w, m->settings.billing.entries <= 1 ? 1 : 5);
}

/* Readers for SET / ACTION parameters. */
static bool get_name(struct mfw_rcursor *rc, struct mfw_tou_name *n)
{
    size_t len = 0;
    memset(n, 0, sizeof *n);
    if (mfw_axdr_get_octets(rc, MFW_TOU_NAME_MAX, n->b, &len) != MFW_OK)
        return false;
    n->len = (uint8_t)len;
    return true;
}

/* An octet-string of exactly n bytes (or a date-time / date / time of that size). */
static const uint8_t *get_fixed(struct mfw_rcursor *rc, size_t n)
{
    struct mfw_axdr_value v;
    if (mfw_axdr_get(rc, &v) != MFW_OK)
        return NULL;
    bool ok = (v.tag == MFW_AXDR_OCTET_STRING || (v.tag == MFW_AXDR_DATE_TIME && n == 12) ||
               (v.tag == MFW_AXDR_DATE && n == 5) || (v.tag == MFW_AXDR_TIME && n == 4)) &&
              v.len == n;
    return ok ? v.p : NULL;
}

static void cal_date_of(const uint8_t *p, struct mfw_tou_date *d)
{
    d->year = (uint16_t)(p[0] << 8 | p[1]);
    d->month = p[2];
    d->day_of_month = p[3];
    d->day_of_week = p[4];
}

static void cal_time_of(const uint8_t *p, struct mfw_tou_time *t)
{
    t->hour = p[0];
    t->minute = p[1];
    t->second = p[2];
}

static bool get_special(struct mfw_rcursor *rc, struct mfw_tou_special_day *d)
{
    uint32_t n = 0;
    if (mfw_axdr_get_structure(rc, &n) != MFW_OK || n != 3 ||
        mfw_axdr_get_u16(rc, &d->index) != MFW_OK)
        return false;
    const uint8_t *p = get_fixed(rc, 5);
    if (p == NULL)
        return false;
    cal_date_of(p, &d->date);
    return mfw_axdr_get_u8(rc, &d->day_id) == MFW_OK;
}

/* Writes of the passive calendar (attrs 6..9) and of its activation time (10) into *t. */
static int set_calendar(struct mfw_tou *t, unsigned attr, struct mfw_rcursor *rc)
{
    struct mfw_tou_calendar cal = t->passive;
    uint32_t n = 0, k = 0;
    switch (attr) {
    case 6:
        if (!get_name(rc, &cal.name))
            return MFW_DAR_TYPE_UNMATCHED;
        break;
    case 7:
        if (mfw_axdr_get_array(rc, &n) != MFW_OK)
            return MFW_DAR_TYPE_UNMATCHED;
        if (n > MFW_TOU_SEASONS_MAX)
            return MFW_DAR_OTHER_REASON;
        for (uint32_t i = 0; i < n; i++) {
            struct mfw_tou_season *se = &cal.seasons[i];
            const uint8_t *p;
            if (mfw_axdr_get_structure(rc, &k) != MFW_OK || k != 3 || !get_name(rc, &se->name) ||
                (p = get_fixed(rc, 12)) == NULL || !get_name(rc, &se->week_name))
                return MFW_DAR_TYPE_UNMATCHED;
            cal_date_of(p, &se->start.date);
            cal_time_of(p + 5, &se->start.time);
        }
        cal.n_seasons = (uint8_t)n;
        break;
    case 8:
        if (mfw_axdr_get_array(rc, &n) != MFW_OK)
            return MFW_DAR_TYPE_UNMATCHED;
        if (n > MFW_TOU_WEEKS_MAX)
            return MFW_DAR_OTHER_REASON;
        for (uint32_t i = 0; i < n; i++) {
            struct mfw_tou_week *wk = &cal.weeks[i];
            if (mfw_axdr_get_structure(rc, &k) != MFW_OK || k != 8 || !get_name(rc, &wk->name))
                return MFW_DAR_TYPE_UNMATCHED;
            for (unsigned d = 0; d < 7; d++)
                if (mfw_axdr_get_u8(rc, &wk->day_id[d]) != MFW_OK)
                    return MFW_DAR_TYPE_UNMATCHED;
        }
        cal.n_weeks = (uint8_t)n;
        break;
    case 9:
        if (mfw_axdr_get_array(rc, &n) != MFW_OK)
            return MFW_DAR_TYPE_UNMATCHED;
        if (n > MFW_TOU_DAYS_MAX)
            return MFW_DAR_OTHER_REASON;
        for (uint32_t i = 0; i < n; i++) {
            struct mfw_tou_day *dy = &cal.days[i];
            uint32_t na = 0;
            memset(dy, 0, sizeof *dy);
            if (mfw_axdr_get_structure(rc, &k) != MFW_OK || k != 2 ||
                mfw_axdr_get_u8(rc, &dy->day_id) != MFW_OK || mfw_axdr_get_array(rc, &na) != MFW_OK)
                return MFW_DAR_TYPE_UNMATCHED;
            if (na > MFW_TOU_ACTIONS_MAX)
                return MFW_DAR_OTHER_REASON;
            for (uint32_t j = 0; j < na; j++) {
                const uint8_t *p;
                uint8_t ln[6];
                size_t lnlen = 0;
                if (mfw_axdr_get_structure(rc, &k) != MFW_OK || k != 3 ||
                    (p = get_fixed(rc, 4)) == NULL ||
                    mfw_axdr_get_octets(rc, 6, ln, &lnlen) != MFW_OK || lnlen != 6 ||
                    mfw_axdr_get_u16(rc, &dy->actions[j].script_selector) != MFW_OK)
                    return MFW_DAR_TYPE_UNMATCHED;
                cal_time_of(p, &dy->actions[j].start);
            }
            dy->n = (uint8_t)na;
        }
        cal.n_days = (uint8_t)n;
        break;
    default: { /* 10 */
        const uint8_t *p = get_fixed(rc, 12);
        struct mfw_tou_date_time when;
        if (p == NULL || mfw_rcursor_left(rc) != 0)
            return MFW_DAR_TYPE_UNMATCHED;
        cal_date_of(p, &when.date);
        cal_time_of(p + 5, &when.time);
        return mfw_tou_set_activation(t, &when) == MFW_OK ? MFW_DAR_SUCCESS : MFW_DAR_OTHER_REASON;
    }
    }
    if (mfw_rcursor_left(rc) != 0)
        return MFW_DAR_TYPE_UNMATCHED;
    if (mfw_tou_validate_parts(&cal) != MFW_OK)
        return MFW_DAR_OTHER_REASON;
    t->passive = cal;
    return MFW_DAR_SUCCESS;
}

/* ---- GET ---- */

static unsigned visible_count(const struct mfw_cosem_ctx *c)
{
    unsigned n = 0;
    for (unsigned i = 0; i < mfw_cosem_object_count(); i++)
        if (mfw_cosem_visible(c->m, i, c->ses->client))
            n++;
    return n;
}

/* The i-th visible object. */
static unsigned visible_nth(const struct mfw_cosem_ctx *c, uint32_t nth)
{
    for (unsigned i = 0; i < mfw_cosem_object_count(); i++)
        if (mfw_cosem_visible(c->m, i, c->ses->client) && nth-- == 0)
            return i;
    return 0;
}

int mfw_cosem_get_open(const struct mfw_cosem_ctx *c, const struct mfw_cosem_ref *ref,
                       struct mfw_cosem_stream *st)
{
    unsigned idx;
    memset(st, 0, sizeof *st);
    if (mfw_cosem_find(c->m, c->ses->client, ref->class_id, ref->obis, &idx) != MFW_OK)
        return MFW_DAR_OBJECT_UNDEFINED;
    if (ref->id < 1 || (unsigned)ref->id > class_attrs(ref->class_id))
        return MFW_DAR_OBJECT_UNDEFINED;
    if (!(attr_access(idx, (unsigned)ref->id, c->ses->client) & MFW_COSEM_READ))
        return MFW_DAR_READ_WRITE_DENIED;
    st->obj = (uint16_t)idx;
    st->attr = (uint8_t)ref->id;
    uint8_t kind = kind_of(idx);
    if (ref->id == 2 && (kind == K_PROFILE || kind == K_EVLOG))
        return open_rows(c, idx, ref, st);
    if (ref->has_selection)
        return MFW_DAR_OTHER_REASON; /* selective access only on a buffer */
    if (ref->id == 3 && (kind == K_PROFILE || kind == K_EVLOG)) {
        st->kind = S_CAPOBJ; /* one item per column: the billing profile's list is long */
        st->items = columns(c->m, kind, arg_of(idx));
        return MFW_DAR_SUCCESS;
    }
    long alen = array_len(c->m, kind, (unsigned)ref->id);
    if (alen >= 0) {
        st->kind = S_ARRAY; /* one item per element: day profiles can be long */
        st->items = (uint32_t)alen;
        return MFW_DAR_SUCCESS;
    }
    if (ref->id == 2 && kind == K_ASSOC) {
        st->kind = S_OBJLIST;
        st->items = visible_count(c);
        return MFW_DAR_SUCCESS;
    }
    st->kind = S_VALUE;
    st->items = 1;
    return MFW_DAR_SUCCESS;
}

void mfw_cosem_get_header(const struct mfw_cosem_ctx *c, const struct mfw_cosem_stream *st,
                          struct mfw_wcursor *w)
{
    (void)c;
    if (st->kind == S_OBJLIST || st->kind == S_PROFROWS || st->kind == S_EVROWS ||
        st->kind == S_CAPOBJ || st->kind == S_ARRAY)
        mfw_axdr_put_array_header(w, st->items);
}

static void put_object_list_element(const struct mfw_cosem_ctx *c, unsigned idx,
                                    struct mfw_wcursor *w)
{
    uint16_t cls = 0;
    uint8_t ver = 0, ln[6] = {0};
    mfw_cosem_object_info(idx, &cls, &ver, ln);
    mfw_axdr_put_structure_header(w, 4);
    mfw_axdr_put_u16(w, cls);
    mfw_axdr_put_u8(w, ver);
    mfw_axdr_put_octets(w, ln, 6);
    mfw_axdr_put_structure_header(w, 2);
    unsigned na = class_attrs(cls), nm = class_methods(cls);
    mfw_axdr_put_array_header(w, na);
    for (unsigned a = 1; a <= na; a++) {
        mfw_axdr_put_structure_header(w, 3);
        mfw_axdr_put_i8(w, (int8_t)a);
        mfw_axdr_put_enum(w, attr_access(idx, a, c->ses->client));
        mfw_axdr_put_null(w);
    }
    mfw_axdr_put_array_header(w, nm);
    for (unsigned k = 1; k <= nm; k++) {
        mfw_axdr_put_structure_header(w, 2);
        mfw_axdr_put_i8(w, (int8_t)k);
        mfw_axdr_put_enum(w, method_access(idx, k, c->ses->client) ? 1 : 0);
    }
}

/* Length of the NUL-terminated serial (strnlen is POSIX, not C11). */
static size_t serial_len(const struct mfw_meter *m)
{
    size_t n = 0;
    while (n < sizeof m->config.serial && m->config.serial[n] != '\0')
        n++;
    return n;
}

static void put_ldn(const struct mfw_meter *m, struct mfw_wcursor *w)
{
    /* "MFW" (the FLAG-id position of IDIS LDNs) + the serial number, at most 16 bytes. */
    uint8_t buf[16];
    size_t n = 3, s = serial_len(m);
    memcpy(buf, "MFW", 3);
    if (s > 13)
        s = 13;
    memcpy(buf + 3, m->config.serial, s);
    mfw_axdr_put_octets(w, buf, n + s);
}

static void put_dst_point(const struct mfw_clock_config *cc, bool end, struct mfw_wcursor *w)
{
    const struct mfw_clock_dst_point *p = end ? &cc->dst_end : &cc->dst_begin;
    struct mfw_cosem_datetime dt;
    memset(&dt, 0xFF, sizeof dt);
    dt.year = MFW_COSEM_YEAR_NS;
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
    dt.deviation = MFW_COSEM_DEVIATION_NS;
    dt.mfw_clock_status = 0xFF;
    mfw_axdr_put_datetime_octets(w, &dt);
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
static void put_demand_value(const struct mfw_meter *m, const struct mfw_catalog_entry *e,
                             unsigned attr, struct mfw_wcursor *w)
{
    unsigned q = e->id == MFW_CAT_DEMAND_AM ? 1u : 0u;
    const struct mfw_demand *d = &m->demand;
    switch (attr) {
    case 2:
    case 3: {
        uint64_t mw = attr == 2 ? mfw_demand_current_mw(d, q) : mfw_demand_last_mw(d, q);
        put_scaled(e, mfw_catalog_scale_int(e, (int64_t)mw, -3), w); /* truncated, as registers */
        return;
    }
    case 4: put_scaler_unit(e->scaler, e->unit, w); return;
    case 5: mfw_axdr_put_u8(w, 0); return; /* status: nothing to report */
    case 6:
        if (d->capture_time > 0)
            put_dt(m, d->capture_time, 0, w);
        else
            put_dt_unspecified(w);
        return;
    case 7:
        if (d->started)
            put_dt(m, mfw_demand_start_time_current(d), 0, w);
        else
            put_dt_unspecified(w);
        return;
    case 8: mfw_axdr_put_u32(w, d->config.period_s); return;
    default: mfw_axdr_put_u16(w, d->config.number_of_periods); return;
    }
}

static const uint8_t BILLING_PROFILE_LN[6] = {0, 0, 98, 1, 0, 255};

/* Script table "end of billing" attribute 2 scripts [M]: array of {script_identifier
 * long-unsigned, actions array of {service_id enum (1 write attribute, 2 execute method), class_id
 * long-unsigned, logical_name octet-string, index integer, parameter Data}}. One script, id 1; its
 * action is shown as execute of the billing profile's capture (IC 7 method 2, integer 0). What
 * execute(1) really runs is mfw_meter_end_billing: count the billing, capture the billing profile,
 * reset the maximum demands and the min/max voltages. */
static void put_billing_scripts(struct mfw_wcursor *w)
{
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
}

static void put_value(const struct mfw_cosem_ctx *c, unsigned idx, unsigned attr,
                      struct mfw_wcursor *w)
{
    struct mfw_meter *m = c->m;
    uint16_t cls;
    uint8_t ver, ln[6];
    mfw_cosem_object_info(idx, &cls, &ver, ln);
    if (attr == 1) {
        mfw_axdr_put_octets(w, ln, 6);
        return;
    }
    uint8_t kind = kind_of(idx), arg = arg_of(idx);
    switch (kind) {
    case K_ASSOC: {
        const struct mfw_cosem_session *s = c->ses;
        switch (attr) {
        case 3:
            mfw_axdr_put_structure_header(w, 2);
            mfw_axdr_put_i8(w, (int8_t)s->client_sap);
            mfw_axdr_put_u16(w, 1);
            return;
        case 4: mfw_axdr_put_octets(w, CTX_LN, 7); return;
        case 5: {
            uint8_t conf[3] = {(uint8_t)(s->conformance >> 16), (uint8_t)(s->conformance >> 8),
                               (uint8_t)s->conformance};
            mfw_axdr_put_structure_header(w, 6);
            mfw_axdr_put_bitstring(w, conf, 24);
            mfw_axdr_put_u16(w, s->server_max_pdu);
            mfw_axdr_put_u16(w, s->client_max_pdu);
            mfw_axdr_put_u8(w, s->dlms_version);
            mfw_axdr_put_i8(w, 0);
            mfw_axdr_put_octets(w, NULL, 0);
            return;
        }
        case 6: {
            uint8_t mech[7] = {0x60, 0x85, 0x74, 0x05, 0x08, 0x02, s->mechanism};
            mfw_axdr_put_octets(w, mech, 7);
            return;
        }
        case 8:
            mfw_axdr_put_enum(w, 2); /* associated */
            return;
        case 9: {
            static const uint8_t none[6] = {0, 0, 0, 0, 0, 0}; /* no security setup yet */
            mfw_axdr_put_octets(w, none, 6);
            return;
        }
        case 10: /* user_list: no users are defined */ mfw_axdr_put_array_header(w, 0); return;
        case 11: /* current_user: none */
            mfw_axdr_put_structure_header(w, 2);
            mfw_axdr_put_u8(w, 0);
            mfw_axdr_put_visible(w, "", 0);
            return;
        default: mfw_axdr_put_null(w); return;
        }
    }
    case K_SAP: {
        mfw_axdr_put_array_header(w, 1);
        mfw_axdr_put_structure_header(w, 2);
        mfw_axdr_put_u16(w, 1);
        put_ldn(m, w);
        return;
    }
    case K_LDN: put_ldn(m, w); return;
    case K_INVOC: mfw_axdr_put_u32(w, 0); return;
    case K_DEVICE_ID:
        mfw_axdr_put_octets(w, (const uint8_t *)m->config.serial, serial_len(m));
        return;
    case K_TARIFF: mfw_axdr_put_u8(w, m->tariff); return;
    case K_EVCODE: mfw_axdr_put_u8(w, (uint8_t)m->events.counters.last_code[arg]); return;
    case K_AMR:
        mfw_axdr_put_u8(w, arg == MFW_PROF_LP1
                               ? (uint8_t)(m->lp_status | m->profiles[arg].status_pending)
                               : m->profiles[arg].status_pending);
        return;
    case K_PF_COUNT: {
        const uint32_t *pf =
            (arg & 8) ? m->events.counters.long_power_failures : m->events.counters.power_failures;
        mfw_axdr_put_u32(w, pf[arg & 7]);
        return;
    }
    case K_PF_DUR: {
        if (attr == 3) {
            put_scaler_unit(0, 7 /* s */, w);
            return;
        }
        uint32_t n = rows_in_use(m, K_EVLOG, MFW_EVENTLOG_POWER_FAILURE);
        struct mfw_eventlog_entry e;
        uint32_t d = 0;
        if (n > 0 && mfw_eventlog_read(&m->events, &m->store, MFW_EVENTLOG_POWER_FAILURE, n - 1,
                                       &e) == MFW_OK)
            d = e.v2 < 0 ? 0u : (uint32_t)e.v2;
        mfw_axdr_put_u32(w, d);
        return;
    }
    case K_TCP:
        switch (attr) {
        case 2: mfw_axdr_put_u16(w, c->env->tcp_port); return;
        case 3: {
            static const uint8_t ip4[6] = {0, 0, 25, 1, 0, 255};
            mfw_axdr_put_octets(w, ip4, 6);
            return;
        }
        case 4: mfw_axdr_put_u16(w, c->env->mss); return;
        case 5: mfw_axdr_put_u8(w, c->env->max_conns); return;
        default: mfw_axdr_put_u16(w, c->env->inactivity_s); return;
        }
    case K_CLOCK: {
        const struct mfw_clock_config *cc = &m->settings.clock;
        switch (attr) {
        case 2:
            put_dt(m, m->now, mfw_clock_status(&m->clock, m->now) & (uint8_t)~MFW_CLOCK_STATUS_DST,
                   w);
            return;
        case 3: mfw_axdr_put_i16(w, mfw_clock_cosem_time_zone(cc)); return;
        case 4: mfw_axdr_put_u8(w, mfw_clock_status(&m->clock, m->now)); return;
        case 5: put_dst_point(cc, false, w); return;
        case 6: put_dst_point(cc, true, w); return;
        case 7: mfw_axdr_put_i8(w, (int8_t)cc->dst_deviation_min); return;
        case 8: mfw_axdr_put_bool(w, cc->dst_enabled); return;
        default: mfw_axdr_put_enum(w, 1); return; /* clock_base: internal crystal */
        }
    }
    case K_PROFILE:
    case K_EVLOG:
        switch (attr) {
        case 3: {
            unsigned n = columns(m, kind, arg);
            mfw_axdr_put_array_header(w, n);
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
                period = arg == MFW_PROF_DAILY ? 86400u : m->profiles[arg].config.capture_period_s;
            mfw_axdr_put_u32(w, period);
            return;
        }
        case 5: mfw_axdr_put_enum(w, 1); return; /* FIFO */
        case 6: {
            static const uint8_t none[6] = {0, 0, 0, 0, 0, 0};
            put_capture_def(0, none, 0, w);
            return;
        }
        case 7: mfw_axdr_put_u32(w, rows_in_use(m, kind, arg)); return;
        default: mfw_axdr_put_u32(w, rows_depth(m, kind, arg)); return;
        }
    case K_CALENDAR:
    case K_SAS: put_calendar_value(m, kind, attr, w); return;
    case K_SCRIPT: put_billing_scripts(w); return;
    case K_CATALOG: {
        const struct mfw_catalog_entry *e = mfw_catalog_find((uint16_t)(idx - N_FIXED));
        if (catalog_class(e->id) == MFW_IC_DEMAND_REGISTER) {
            put_demand_value(m, e, attr, w);
            return;
        }
        if (attr == 3) {
            put_scaler_unit(e->scaler, e->unit, w);
            return;
        }
        if (attr == 4) { /* status */
            mfw_axdr_put_u8(w, 0);
            return;
        }
        if (attr == 5) { /* capture_time */
            unsigned q = e->id == MFW_CAT_DEMAND_AM || e->id == MFW_CAT_MAXDEM_AM ? 1u : 0u;
            mfw_ms_t t = 0;
            if (e->id == MFW_CAT_MAXDEM_AP || e->id == MFW_CAT_MAXDEM_AM) {
                struct mfw_demand_max dm = mfw_demand_maximum(&m->demand, q);
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
        struct mfw_catalog_value cv;
        mfw_meter_read_quantity(m, e->id, &cv);
        int64_t v = mfw_catalog_scale_value(e, &cv, &valid);
        if (!valid)
            mfw_axdr_put_null(w);
        else
            put_scaled(e, v, w);
        return;
    }
    default: mfw_axdr_put_null(w); return;
    }
}

int mfw_cosem_get_item(const struct mfw_cosem_ctx *c, const struct mfw_cosem_stream *st, uint32_t i,
                       struct mfw_wcursor *w)
{
    int rc = MFW_OK;
    switch (st->kind) {
    case S_OBJLIST: put_object_list_element(c, visible_nth(c, i), w); break;
    case S_ARRAY: put_array_element(c->m, kind_of(st->obj), st->attr, i, w); break;
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
    default: put_value(c, st->obj, st->attr, w); break;
    }
    return rc == MFW_OK ? MFW_DAR_SUCCESS : MFW_DAR_HARDWARE_FAULT;
}

/* ---- SET ---- */

static int map_err(int rc)
{
    switch (rc) {
    case MFW_OK: return MFW_DAR_SUCCESS;
    case MFW_E_IO:
    case MFW_E_CRC: return MFW_DAR_HARDWARE_FAULT;
    case MFW_E_STATE: return MFW_DAR_TEMPORARY_FAILURE;
    default: return MFW_DAR_OTHER_REASON;
    }
}

static int apply(struct mfw_meter *m, const struct mfw_meter_settings *s)
{
    return map_err(mfw_meter_apply_settings(m, s));
}

/* A whole value of the given reader; false when it is of another type or has trailing bytes. */
#define READ_ONE(rc_, call_) ((call_) == MFW_OK && mfw_rcursor_left(&(rc_)) == 0)

static int set_dst_point(struct mfw_meter_settings *s, const struct mfw_cosem_datetime *dt,
                         bool end)
{
    struct mfw_clock_dst_point *p = end ? &s->clock.dst_end : &s->clock.dst_begin;
    if (dt->hour > 23 || dt->minute > 59)
        return MFW_DAR_OTHER_REASON;
    int minutes = dt->hour * 60 + dt->minute - (end ? s->clock.dst_deviation_min : 0);
    minutes = ((minutes % 1440) + 1440) % 1440;
    p->month = dt->month;
    p->day_of_month = dt->day;
    p->day_of_week = dt->day_of_week;
    p->hour = (uint8_t)(minutes / 60);
    p->minute = (uint8_t)(minutes % 60);
    return MFW_DAR_SUCCESS;
}

static int set_clock(const struct mfw_cosem_ctx *c, unsigned attr, struct mfw_rcursor *rc)
{
    struct mfw_meter *m = c->m;
    struct mfw_meter_settings s = m->settings;
    switch (attr) {
    case 2: {
        struct mfw_cosem_datetime dt;
        mfw_ms_t t;
        if (!READ_ONE(*rc, mfw_axdr_get_datetime(rc, &dt)))
            return MFW_DAR_TYPE_UNMATCHED;
        if (mfw_cosem_datetime_to_ms(&dt, m->local.offset_min, &t) != MFW_OK)
            return MFW_DAR_OTHER_REASON;
        return map_err(mfw_meter_clock_set(m, m->rtc, t));
    }
    case 3: {
        int16_t tz;
        if (!READ_ONE(*rc, mfw_axdr_get_i16(rc, &tz)))
            return MFW_DAR_TYPE_UNMATCHED;
        s.clock.utc_offset_min = (int16_t)-tz; /* time_zone = -utc_offset_min (clock.h) */
        return apply(m, &s);
    }
    case 5:
    case 6: {
        struct mfw_cosem_datetime dt;
        if (!READ_ONE(*rc, mfw_axdr_get_datetime(rc, &dt)))
            return MFW_DAR_TYPE_UNMATCHED;
        int r = set_dst_point(&s, &dt, attr == 6);
        return r != MFW_DAR_SUCCESS ? r : apply(m, &s);
    }
    case 7: {
        int8_t d;
        if (!READ_ONE(*rc, mfw_axdr_get_i8(rc, &d)))
            return MFW_DAR_TYPE_UNMATCHED;
        s.clock.dst_deviation_min = d;
        return apply(m, &s);
    }
    case 8: {
        bool b;
        if (!READ_ONE(*rc, mfw_axdr_get_bool(rc, &b)))
            return MFW_DAR_TYPE_UNMATCHED;
        s.clock.dst_enabled = b;
        return apply(m, &s);
    }
    default: return MFW_DAR_READ_WRITE_DENIED;
    }
}

/* capture_objects of the analysis log: optionally the clock and the status object first (as
 * attribute 3 reads), then 1..16 catalogue quantities, attribute 2, data index 0. */
static int set_capture_objects(const struct mfw_cosem_ctx *c, uint8_t prof, struct mfw_rcursor *rc)
{
    struct mfw_meter *m = c->m;
    uint32_t n = 0;
    if (mfw_axdr_get_array(rc, &n) != MFW_OK)
        return MFW_DAR_TYPE_UNMATCHED;
    uint16_t ids[MFW_PROFILE_ANALYSIS_COLUMNS];
    unsigned nids = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t k = 0;
        uint16_t cls, di;
        uint8_t ln[6];
        size_t lnlen = 0;
        int8_t attr;
        if (mfw_axdr_get_structure(rc, &k) != MFW_OK || k != 4 ||
            mfw_axdr_get_u16(rc, &cls) != MFW_OK ||
            mfw_axdr_get_octets(rc, 6, ln, &lnlen) != MFW_OK || lnlen != 6 ||
            mfw_axdr_get_i8(rc, &attr) != MFW_OK || mfw_axdr_get_u16(rc, &di) != MFW_OK)
            return MFW_DAR_TYPE_UNMATCHED;
        if (attr != 2 || di != 0)
            return MFW_DAR_OTHER_REASON;
        const uint8_t amr[6] = {0, 0, 96, 10, (uint8_t)(prof + 1), 255};
        if (i == 0 && cls == MFW_IC_CLOCK && memcmp(ln, CLOCK_LN, 6) == 0)
            continue;
        if (i <= 1 && nids == 0 && cls == MFW_IC_DATA && memcmp(ln, amr, 6) == 0)
            continue;
        const struct mfw_catalog_entry *e = mfw_catalog_find_obis(ln);
        if (e == NULL || catalog_class(e->id) != cls)
            return MFW_DAR_OTHER_REASON;
        if (nids >= MFW_PROFILE_ANALYSIS_COLUMNS)
            return MFW_DAR_OTHER_REASON;
        ids[nids++] = e->id;
    }
    if (mfw_rcursor_left(rc) != 0)
        return MFW_DAR_TYPE_UNMATCHED;
    struct mfw_meter_settings s = m->settings;
    struct mfw_profile_config cfg;
    if (mfw_profile_config_analysis(&cfg, ids, nids, s.analysis.capture_period_s,
                                    s.analysis.depth) != MFW_OK)
        return MFW_DAR_OTHER_REASON;
    s.analysis = cfg;
    return apply(m, &s);
}

int mfw_cosem_set(const struct mfw_cosem_ctx *c, const struct mfw_cosem_ref *ref,
                  const uint8_t *value, size_t len)
{
    unsigned idx;
    if (mfw_cosem_find(c->m, c->ses->client, ref->class_id, ref->obis, &idx) != MFW_OK)
        return MFW_DAR_OBJECT_UNDEFINED;
    if (ref->id < 1 || (unsigned)ref->id > class_attrs(ref->class_id))
        return MFW_DAR_OBJECT_UNDEFINED;
    if (!(attr_access(idx, (unsigned)ref->id, c->ses->client) & MFW_COSEM_WRITE))
        return MFW_DAR_READ_WRITE_DENIED;
    if (ref->has_selection)
        return MFW_DAR_OTHER_REASON;
    struct mfw_rcursor rc;
    mfw_rcursor_init(&rc, value, len);
    uint8_t kind = kind_of(idx), arg = arg_of(idx);
    unsigned attr = (unsigned)ref->id;
    switch (kind) {
    case K_CLOCK: return set_clock(c, attr, &rc);
    case K_ASSOC: { /* attr 7: the LLS secret of the management association */
        uint8_t buf[MFW_COSEM_SECRET_MAX];
        size_t n = 0;
        int r = mfw_axdr_get_octets(&rc, sizeof buf, buf, &n);
        if (r == MFW_E_NOSPACE)
            return MFW_DAR_OTHER_REASON;
        if (r != MFW_OK || mfw_rcursor_left(&rc) != 0)
            return MFW_DAR_TYPE_UNMATCHED;
        if (n == 0)
            return MFW_DAR_OTHER_REASON;
        memcpy(c->env->secret, buf, n);
        c->env->secret_len = n;
        return MFW_DAR_SUCCESS;
    }
    case K_CALENDAR: {
        struct mfw_meter_settings s = c->m->settings;
        int r = set_calendar(&s.tou, attr, &rc);
        return r != MFW_DAR_SUCCESS ? r : apply(c->m, &s);
    }
    case K_SAS: { /* execution_time: array of {time(4), date(5)}, at most MFW_BILLING_ENTRIES_MAX */
        struct mfw_meter_settings s = c->m->settings;
        uint32_t n = 0, k = 0;
        if (mfw_axdr_get_array(&rc, &n) != MFW_OK)
            return MFW_DAR_TYPE_UNMATCHED;
        if (n > MFW_BILLING_ENTRIES_MAX)
            return MFW_DAR_OTHER_REASON;
        for (uint32_t i = 0; i < n; i++) {
            const uint8_t *t, *d;
            if (mfw_axdr_get_structure(&rc, &k) != MFW_OK || k != 2 ||
                (t = get_fixed(&rc, 4)) == NULL || (d = get_fixed(&rc, 5)) == NULL)
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
        if (mfw_rcursor_left(&rc) != 0)
            return MFW_DAR_TYPE_UNMATCHED;
        s.billing.entries = (uint8_t)n;
        return apply(c->m, &s);
    }
    case K_CATALOG: { /* Demand register 8 period (s), 9 number_of_periods */
        struct mfw_meter_settings s = c->m->settings;
        if (attr == 8) {
            uint32_t period;
            if (!READ_ONE(rc, mfw_axdr_get_u32(&rc, &period)))
                return MFW_DAR_TYPE_UNMATCHED;
            s.demand.period_s = period;
        } else {
            uint16_t n;
            if (!READ_ONE(rc, mfw_axdr_get_u16(&rc, &n)))
                return MFW_DAR_TYPE_UNMATCHED;
            if (n == 0 || n > MFW_DEMAND_PERIODS_MAX)
                return MFW_DAR_OTHER_REASON;
            s.demand.number_of_periods = (uint8_t)n;
        }
        int r = apply(c->m, &s); /* validated there: period divides a day, n in range */
        if (r == MFW_DAR_SUCCESS)
            mfw_demand_restart(&c->m->demand, c->m->now);
        return r;
    }
    case K_PROFILE: {
        if (attr == 3)
            return set_capture_objects(c, arg, &rc);
        uint32_t period;
        if (!READ_ONE(rc, mfw_axdr_get_u32(&rc, &period)))
            return MFW_DAR_TYPE_UNMATCHED;
        struct mfw_meter_settings s = c->m->settings;
        struct mfw_profile_config *pc = arg == MFW_PROF_LP1 ? &s.lp1 : &s.analysis;
        if (period == 0)
            return MFW_DAR_OTHER_REASON; /* these profiles are periodic */
        pc->capture_period_s = period;
        return apply(c->m, &s);
    }
    default: return MFW_DAR_READ_WRITE_DENIED;
    }
}

/* ---- ACTION ---- */

int mfw_cosem_action(const struct mfw_cosem_ctx *c, const struct mfw_cosem_ref *ref,
                     const uint8_t *params, size_t len, struct mfw_wcursor *ret, bool *has_ret)
{
    (void)ret;
    *has_ret = false;
    unsigned idx;
    struct mfw_meter *m = c->m;
    if (mfw_cosem_find(m, c->ses->client, ref->class_id, ref->obis, &idx) != MFW_OK)
        return MFW_DAR_OBJECT_UNDEFINED;
    if (ref->id < 1 || (unsigned)ref->id > class_methods(ref->class_id))
        return MFW_DAR_OBJECT_UNDEFINED;
    if (!method_access(idx, (unsigned)ref->id, c->ses->client))
        return MFW_DAR_READ_WRITE_DENIED;
    struct mfw_rcursor rc;
    mfw_rcursor_init(&rc, params, params != NULL ? len : 0);
    uint8_t kind = kind_of(idx), arg = arg_of(idx);
    if (kind == K_CLOCK && ref->id != 6) {
        /* adjust_to_quarter (1), _measuring_period (2, the load profile's), _minute (3),
         * integer(0): the nearest boundary of the local wall clock, +/- half a step */
        int8_t z;
        if (params != NULL && !READ_ONE(rc, mfw_axdr_get_i8(&rc, &z)))
            return MFW_DAR_TYPE_UNMATCHED;
        int64_t step = ref->id == 1 ? 900000
                       : ref->id == 3
                           ? 60000
                           : (int64_t)m->profiles[MFW_PROF_LP1].config.capture_period_s * 1000;
        if (step <= 0)
            return MFW_DAR_OTHER_REASON;
        int64_t off = (int64_t)m->local.offset_min * 60000;
        int64_t local = m->now + off;
        int64_t q = local / step * step;
        if (local - q >= step / 2)
            q += step;
        return map_err(mfw_meter_clock_set(m, m->rtc, q - off));
    }
    if (kind == K_CLOCK) { /* shift_time(long seconds) */
        int16_t s;
        if (params == NULL || !READ_ONE(rc, mfw_axdr_get_i16(&rc, &s)))
            return MFW_DAR_TYPE_UNMATCHED;
        return map_err(mfw_meter_clock_shift(m, m->rtc, s));
    }
    if (kind == K_SPECIAL) {
        struct mfw_meter_settings s = m->settings;
        int r;
        if (ref->id == 1) { /* insert(spec_day_entry) */
            struct mfw_tou_special_day d;
            if (params == NULL || !get_special(&rc, &d) || mfw_rcursor_left(&rc) != 0)
                return MFW_DAR_TYPE_UNMATCHED;
            r = mfw_tou_special_insert(&s.tou, &d);
        } else { /* delete(long-unsigned index) */
            uint16_t index;
            if (params == NULL || !READ_ONE(rc, mfw_axdr_get_u16(&rc, &index)))
                return MFW_DAR_TYPE_UNMATCHED;
            r = mfw_tou_special_delete(&s.tou, index);
        }
        return r != MFW_OK ? map_err(r) : apply(m, &s);
    }
    if (kind == K_SCRIPT) { /* execute(long-unsigned script_identifier) */
        uint16_t id;
        if (params == NULL || !READ_ONE(rc, mfw_axdr_get_u16(&rc, &id)))
            return MFW_DAR_TYPE_UNMATCHED;
        if (id != 1)
            return MFW_DAR_OTHER_REASON; /* no such script [M] */
        return map_err(mfw_meter_end_billing(m));
    }
    /* reset / activate_passive_calendar / next_period (integer 0): a missing parameter is
     * accepted. */
    if (params != NULL) {
        int8_t z;
        if (!READ_ONE(rc, mfw_axdr_get_i8(&rc, &z)))
            return MFW_DAR_TYPE_UNMATCHED;
    }
    if (kind == K_CALENDAR) {
        struct mfw_meter_settings s = m->settings;
        int r = mfw_tou_activate_now(&s.tou, m->now);
        return r != MFW_OK ? map_err(r) : apply(m, &s);
    }
    if (kind == K_CATALOG) { /* Demand register: 1 reset, 2 next_period (Blue Book IC 5) [M] */
        if (m->down)
            return MFW_DAR_TEMPORARY_FAILURE;
        if (ref->id == 1)
            mfw_demand_restart(&m->demand, m->now);
        else /* closes the sub-period in progress now, as a clock change does (demand.h) */
            mfw_demand_clock_change(&m->demand, m->now);
        return MFW_DAR_SUCCESS;
    }
    if (!m->persistent)
        return MFW_DAR_TEMPORARY_FAILURE;
    if (kind == K_EVLOG)
        return map_err(mfw_meter_clear_log(m, (enum mfw_eventlog_id)arg));
    int r = mfw_profile_clear(&m->profiles[arg], &m->store);
    if (r != MFW_OK)
        return map_err(r);
    (void)mfw_eventlog_add(&m->events, &m->store, MFW_EVENTLOG_STANDARD, m->now,
                           MFW_EVENT_PROFILE_CLEARED, 0, 0, 0);
    return MFW_DAR_SUCCESS;
}
