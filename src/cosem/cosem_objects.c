/* SPDX-License-Identifier: Apache-2.0 */
/* cosem_objects: the class table, the object table and the access rights (see cosem_class.h and
 * the "Object model" section of docs/dlms.md, which lists every object with its rights). The
 * order of the object table is the order of the object list (IC 15 attribute 2). */
#include <string.h>

#include "cosem_class.h"

/* ---- the class table: every interface class implemented, by class id ---- */

const struct mfw_cosem_class *const mfw_cosem_objects_classes[] = {
    &mfw_cosem_data_class,                   /* 1 */
    &mfw_cosem_register_class,               /* 3 */
    &mfw_cosem_register_extended_class,      /* 4 */
    &mfw_cosem_register_demand_class,        /* 5 */
    &mfw_cosem_profile_class,                /* 7 */
    &mfw_cosem_clock_class,                  /* 8 */
    &mfw_cosem_schedule_script_class,        /* 9 */
    &mfw_cosem_calendar_special_days_class,  /* 11 */
    &mfw_cosem_association_ln_class,         /* 15 */
    &mfw_cosem_association_sap_class,        /* 17 */
    &mfw_cosem_image_class,                  /* 18 */
    &mfw_cosem_local_port_class,             /* 19 */
    &mfw_cosem_calendar_activity_class,      /* 20 */
    &mfw_cosem_schedule_single_action_class, /* 22 */
    &mfw_cosem_hdlc_setup_class,             /* 23 */
    &mfw_cosem_tcp_setup_class,              /* 41 */
    &mfw_cosem_security_class,               /* 64 */
};
const unsigned mfw_cosem_objects_class_count =
    sizeof mfw_cosem_objects_classes / sizeof mfw_cosem_objects_classes[0];

const struct mfw_cosem_class *mfw_cosem_objects_class(uint16_t class_id)
{
    for (unsigned k = 0; k < mfw_cosem_objects_class_count; k++)
        if (mfw_cosem_objects_classes[k]->class_id == class_id)
            return mfw_cosem_objects_classes[k];
    return NULL;
}

/* ---- access rights (docs/dlms.md "Object model": Public (16), Management (1), Pre-established
 * (102)) ---- */

#define B MFW_COSEM_BIT
#define ALL MFW_COSEM_ALL
enum {
    PUB = MFW_COSEM_CLIENT_PUBLIC,
    MGMT = MFW_COSEM_CLIENT_MANAGEMENT,
    PRE = MFW_COSEM_CLIENT_PRE_ESTABLISHED
};

/* Both clients read everything: the public client's view (SAP assignment, LDN, invocation
 * counter). */
static const struct mfw_cosem_rights R_PUBLIC = {{[PUB] = {ALL, 0, 0}, [MGMT] = {ALL, 0, 0}}};
/* Association LN: the secret (7) is write-only for the management client, hidden from the
 * public one; reply_to_HLS_authentication (m1) and change_HLS_secret (m2) are the management
 * client's. */
static const struct mfw_cosem_rights R_ASSOCIATION = {
    {[PUB] = {ALL & ~B(7), 0, 0}, [MGMT] = {ALL & ~B(7), B(7), B(1) | B(2)}}};
/* Clock: time, time_zone and the DST settings writable; adjust_to_quarter, _measuring_period,
 * _minute and shift_time. The pre-established client synchronises it (unconfirmed SET of the
 * time, adjust_to_quarter, adjust_to_minute, shift_time), nothing else. */
static const struct mfw_cosem_rights R_CLOCK = {
    {[PUB] = {ALL, 0, 0},
     [MGMT] = {ALL, B(2) | B(3) | B(5) | B(6) | B(7) | B(8),
               B(1) | B(2) | B(3) | B(4) | B(5) | B(6)},
     [PRE] = {0, B(2), B(1) | B(3) | B(6)}}};
/* Security setup: read (no attribute holds a key), the head-end's title (4) writable;
 * security_activate, global_key_transfer. */
static const struct mfw_cosem_rights R_SECURITY = {{[MGMT] = {ALL, B(4), B(1) | B(2)}}};
/* Image transfer: read, and its four methods, by the management client. */
static const struct mfw_cosem_rights R_IMAGE = {{[MGMT] = {ALL, 0, B(1) | B(2) | B(3) | B(4)}}};
/* Read by the management client only. */
static const struct mfw_cosem_rights R_READ = {{[MGMT] = {ALL, 0, 0}}};
/* Profiles and event logs: reset (m1). */
static const struct mfw_cosem_rights R_PROFILE = {{[MGMT] = {ALL, 0, B(1)}}};
/* The load profile: capture_period (4) writable. */
static const struct mfw_cosem_rights R_LOAD_PROFILE = {{[MGMT] = {ALL, B(4), B(1)}}};
/* The analysis log: capture_objects (3) and capture_period (4) writable. */
static const struct mfw_cosem_rights R_ANALYSIS = {{[MGMT] = {ALL, B(3) | B(4), B(1)}}};
/* Activity calendar: the passive calendar (6..9) and its activation time (10) writable;
 * activate_passive_calendar. */
static const struct mfw_cosem_rights R_CALENDAR = {
    {[MGMT] = {ALL, B(6) | B(7) | B(8) | B(9) | B(10), B(1)}}};
/* Special days table: insert, delete. */
static const struct mfw_cosem_rights R_SPECIAL_DAYS = {{[MGMT] = {ALL, 0, B(1) | B(2)}}};
/* Single action schedule: execution_time (4) writable. */
static const struct mfw_cosem_rights R_SINGLE_ACTION = {{[MGMT] = {ALL, B(4), 0}}};
/* Script table: execute. */
static const struct mfw_cosem_rights R_SCRIPT = {{[MGMT] = {ALL, 0, B(1)}}};
/* Demand register: period (8) and number_of_periods (9) writable; reset, next_period. */
static const struct mfw_cosem_rights R_DEMAND = {{[MGMT] = {ALL, B(8) | B(9), B(1) | B(2)}}};

/* ---- the fixed objects ---- */

#define OBJ(cls_, kind_, arg_, a_, b_, c_, d_, e_, rights_)                                        \
    {                                                                                              \
        &(cls_), (kind_), (arg_), {(a_), (b_), (c_), (d_), (e_), 255}, 0, &(rights_)               \
    }
#define DATA(kind_, arg_, c_, d_, e_, rights_)                                                     \
    OBJ(mfw_cosem_data_class, MFW_COSEM_DATA_##kind_, arg_, 0, 0, c_, d_, e_, rights_)
#define ROWS(arg_, a_, c_, d_, e_, rights_)                                                        \
    OBJ(mfw_cosem_profile_class, MFW_COSEM_PROFILE_ROWS, arg_, a_, 0, c_, d_, e_, rights_)
#define EVENTS(arg_, a_, c_, d_, e_)                                                               \
    OBJ(mfw_cosem_profile_class, MFW_COSEM_PROFILE_EVENTS, arg_, a_, 0, c_, d_, e_, R_PROFILE)

static const struct mfw_cosem_object fixed[] = {
    OBJ(mfw_cosem_association_ln_class, 0, 0, 0, 0, 40, 0, 0, R_ASSOCIATION),
    OBJ(mfw_cosem_association_sap_class, 0, 0, 0, 0, 41, 0, 0, R_PUBLIC),
    DATA(LDN, 0, 42, 0, 0, R_PUBLIC),
    /* the last client invocation counter accepted: under the unicast key, the broadcast key */
    DATA(INVOCATION, MFW_KEYS_CTX_UNICAST, 43, 1, 0, R_PUBLIC),
    DATA(INVOCATION, MFW_KEYS_CTX_BROADCAST, 43, 1, 3, R_PUBLIC),
    OBJ(mfw_cosem_security_class, 0, 0, 0, 0, 43, 0, 2, R_SECURITY),
    OBJ(mfw_cosem_clock_class, 0, 0, 0, 0, 1, 0, 0, R_CLOCK),
    /* firmware update (a meter with hal.image only): the image transfer object, and the active
     * firmware identifier 1.0.0.2.0.255 (firmware reference 3.4 [V], head-end constants) */
    OBJ(mfw_cosem_image_class, 0, 0, 0, 0, 44, 0, 0, R_IMAGE),
    OBJ(mfw_cosem_data_class, MFW_COSEM_DATA_FW_ID, 0, 1, 0, 0, 2, 0, R_PUBLIC),
    /* the active firmware signature 1.0.0.2.8.255 (firmware reference 3.4 [V], head-end
     * constants): the legally relevant part's CRC-32, big-endian (WELMEC 7.2 P2) */
    OBJ(mfw_cosem_data_class, MFW_COSEM_DATA_FW_CHECKSUM, 0, 1, 0, 0, 2, 8, R_PUBLIC),
    DATA(DEVICE_ID, 0, 96, 1, 0, R_READ),
    DATA(TARIFF, 0, 96, 14, 0, R_READ),
    DATA(EVENT_CODE, MFW_EVENTLOG_STANDARD, 96, 11, 0, R_READ),
    DATA(EVENT_CODE, MFW_EVENTLOG_FRAUD, 96, 11, 1, R_READ),
    DATA(EVENT_CODE, MFW_EVENTLOG_DISCONNECTOR, 96, 11, 2, R_READ),
    DATA(EVENT_CODE, MFW_EVENTLOG_POWER_QUALITY, 96, 11, 4, R_READ),
    DATA(EVENT_CODE, MFW_EVENTLOG_RTC, 96, 11, 6, R_READ),
    DATA(AMR_STATUS, MFW_PROF_LP1, 96, 10, 1, R_READ),
    DATA(AMR_STATUS, MFW_PROF_DAILY, 96, 10, 2, R_READ),
    DATA(AMR_STATUS, MFW_PROF_BILLING, 96, 10, 3, R_READ),
    DATA(AMR_STATUS, MFW_PROF_ANALYSIS, 96, 10, 4, R_READ),
    ROWS(MFW_PROF_LP1, 1, 99, 1, 0, R_LOAD_PROFILE),
    ROWS(MFW_PROF_DAILY, 1, 99, 2, 0, R_PROFILE),
    ROWS(MFW_PROF_BILLING, 0, 98, 1, 0, R_PROFILE),
    ROWS(MFW_PROF_ANALYSIS, 1, 99, 1, 1, R_ANALYSIS),
    EVENTS(MFW_EVENTLOG_STANDARD, 0, 99, 98, 0),
    EVENTS(MFW_EVENTLOG_FRAUD, 0, 99, 98, 1),
    EVENTS(MFW_EVENTLOG_DISCONNECTOR, 0, 99, 98, 2),
    EVENTS(MFW_EVENTLOG_POWER_QUALITY, 0, 99, 98, 4),
    EVENTS(MFW_EVENTLOG_RTC, 0, 99, 98, 6),
    EVENTS(MFW_EVENTLOG_POWER_FAILURE, 1, 99, 97, 0),
    OBJ(mfw_cosem_register_class, MFW_COSEM_REGISTER_PF_DURATION, 0, 0, 0, 96, 7, 19, R_READ),
    /* Power failure counters (Blue Book OBIS 0.0.96.7.x; the E numbering is [U], see
     * references/idis-objects.md section 6): in all phases, in L1..L3, in any phase (DSMR 21);
     * long ones (longer than 0.0.96.7.20, 180 s) in all phases, L1..L3, any phase. */
    DATA(PF_COUNT, MFW_EVENTLOG_PF_ALL, 96, 7, 0, R_READ),
    DATA(PF_COUNT, MFW_EVENTLOG_PF_L1, 96, 7, 1, R_READ),
    DATA(PF_COUNT, MFW_EVENTLOG_PF_L1 + 1, 96, 7, 2, R_READ),
    DATA(PF_COUNT, MFW_EVENTLOG_PF_L1 + 2, 96, 7, 3, R_READ),
    DATA(PF_COUNT, MFW_EVENTLOG_PF_ANY, 96, 7, 21, R_READ),
    DATA(PF_COUNT, 8 | MFW_EVENTLOG_PF_ALL, 96, 7, 5, R_READ),
    DATA(PF_COUNT, 8 | MFW_EVENTLOG_PF_L1, 96, 7, 6, R_READ),
    DATA(PF_COUNT, 8 | (MFW_EVENTLOG_PF_L1 + 1), 96, 7, 7, R_READ),
    DATA(PF_COUNT, 8 | (MFW_EVENTLOG_PF_L1 + 2), 96, 7, 8, R_READ),
    DATA(PF_COUNT, 8 | MFW_EVENTLOG_PF_ANY, 96, 7, 9, R_READ),
    OBJ(mfw_cosem_tcp_setup_class, 0, 0, 0, 0, 25, 0, 0, R_READ),
    OBJ(mfw_cosem_local_port_class, 0, 0, 0, 0, 20, 0, 0, R_READ),
    OBJ(mfw_cosem_hdlc_setup_class, 0, 0, 0, 0, 22, 0, 0, R_READ),
    OBJ(mfw_cosem_calendar_activity_class, 0, 0, 0, 0, 13, 0, 0, R_CALENDAR),
    OBJ(mfw_cosem_calendar_special_days_class, 0, 0, 0, 0, 11, 0, 0, R_SPECIAL_DAYS),
    OBJ(mfw_cosem_schedule_single_action_class, 0, 0, 0, 0, 15, 0, 0, R_SINGLE_ACTION),
    OBJ(mfw_cosem_schedule_script_class, 0, 0, 0, 0, 10, 0, 1, R_SCRIPT),
};
#define N_FIXED (sizeof fixed / sizeof fixed[0])

_Static_assert(N_FIXED + MFW_CAT_COUNT <= MFW_COSEM_OBJECTS_MAX,
               "MFW_COSEM_OBJECTS_MAX (options.h) is smaller than the object table");

/* ---- the catalogue's objects ---- */

/* Current average demand: Demand register (Blue Book IC 5); maximum demand: Extended register
 * (IC 4, value + capture_time of the maximum); everything else Register (IC 3). */
const struct mfw_cosem_class *mfw_cosem_objects_catalog_class(uint16_t id)
{
    if (id == MFW_CAT_DEMAND_AP || id == MFW_CAT_DEMAND_AM)
        return &mfw_cosem_register_demand_class;
    return id == MFW_CAT_MAXDEM_AP || id == MFW_CAT_MAXDEM_AM ? &mfw_cosem_register_extended_class
                                                              : &mfw_cosem_register_class;
}

/* The phase (0..2) a catalogue quantity needs. */
static uint8_t catalog_phase(uint16_t id)
{
    if (id <= MFW_CAT_PF_L3)
        return (uint8_t)(id % 3u);
    switch (id) {
    case MFW_CAT_ANGLE_U2_U1: return 1;
    case MFW_CAT_ANGLE_U3_U1: return 2;
    case MFW_CAT_ANGLE_I2_U2: return 1;
    case MFW_CAT_ANGLE_I3_U3: return 2;
    default: break;
    }
    if (id >= MFW_CAT_AP_L1 && id <= MFW_CAT_RM_L3)
        return (uint8_t)((unsigned)(id - MFW_CAT_AP_L1) % 3u);
    if (id >= MFW_CAT_UMIN_L1 && id <= MFW_CAT_UMAX_L3)
        return (uint8_t)((unsigned)(id - MFW_CAT_UMIN_L1) % 3u);
    return 0;
}

/* ---- the index space ---- */

unsigned mfw_cosem_objects_count(void)
{
    return (unsigned)(N_FIXED + mfw_catalog_count());
}

const struct mfw_cosem_object *mfw_cosem_objects_get(unsigned idx, struct mfw_cosem_object *buf)
{
    if (idx < N_FIXED)
        return &fixed[idx];
    const struct mfw_catalog_entry *e = mfw_catalog_find((uint16_t)(idx - N_FIXED));
    if (e == NULL)
        return NULL;
    buf->cls = mfw_cosem_objects_catalog_class(e->id);
    buf->kind = MFW_COSEM_REGISTER_CATALOG;
    buf->arg = e->id;
    memcpy(buf->obis, e->obis, 6);
    buf->phase = catalog_phase(e->id);
    buf->rights = buf->cls == &mfw_cosem_register_demand_class ? &R_DEMAND : &R_READ;
    return buf;
}

static const uint8_t *obis_of(unsigned idx)
{
    return idx < N_FIXED ? fixed[idx].obis : mfw_catalog_find((uint16_t)(idx - N_FIXED))->obis;
}

/* Logical names in the order of their bytes (A first). */
static int ln_cmp(const uint8_t *a, const uint8_t *b)
{
    for (unsigned k = 0; k < 6; k++)
        if (a[k] != b[k])
            return a[k] < b[k] ? -1 : 1;
    return 0;
}

/* An insertion sort, once at init: the table is small and mostly in order already. */
void mfw_cosem_objects_index(uint16_t *by_name)
{
    unsigned n = mfw_cosem_objects_count();
    for (unsigned i = 0; i < n; i++) {
        unsigned j = i;
        while (j > 0 && ln_cmp(obis_of(by_name[j - 1]), obis_of(i)) > 0) {
            by_name[j] = by_name[j - 1];
            j--;
        }
        by_name[j] = (uint16_t)i;
    }
}

int mfw_cosem_objects_lookup(const uint16_t *by_name, const uint8_t obis[6], unsigned *idx)
{
    unsigned lo = 0, hi = mfw_cosem_objects_count();
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        int r = ln_cmp(obis_of(by_name[mid]), obis);
        if (r == 0) {
            *idx = by_name[mid];
            return MFW_OK;
        }
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return MFW_E_RANGE;
}

/* ---- rights ---- */

uint8_t mfw_cosem_objects_attribute_access(const struct mfw_cosem_object *obj, unsigned attr,
                                           uint8_t client)
{
    if (attr < 1 || attr > obj->cls->attributes || attr > 31 || client >= MFW_COSEM_CLIENT_COUNT)
        return MFW_COSEM_NO_ACCESS;
    const struct mfw_cosem_client_rights *r = &obj->rights->client[client];
    return (uint8_t)(((r->read >> attr) & 1u ? MFW_COSEM_READ : 0) |
                     ((r->write >> attr) & 1u ? MFW_COSEM_WRITE : 0));
}

bool mfw_cosem_objects_method_access(const struct mfw_cosem_object *obj, unsigned method,
                                     uint8_t client)
{
    if (method < 1 || method > obj->cls->methods || method > 31 || client >= MFW_COSEM_CLIENT_COUNT)
        return false;
    return (obj->rights->client[client].methods >> method) & 1u;
}

bool mfw_cosem_objects_visible(const struct mfw_cosem_object *obj, const struct mfw_meter *m,
                               uint8_t client)
{
    if (client >= MFW_COSEM_CLIENT_COUNT || obj->phase >= m->config.metro.phases)
        return false;
    bool fw = obj->cls == &mfw_cosem_image_class ||
              (obj->cls == &mfw_cosem_data_class && obj->kind == MFW_COSEM_DATA_FW_ID);
    if (fw && m->image_port == NULL)
        return false; /* no firmware update on this meter */
    if (obj->cls == &mfw_cosem_data_class && obj->kind == MFW_COSEM_DATA_FW_CHECKSUM &&
        m->legal_checksum == NULL)
        return false; /* no checksum of the legal part on this meter */
    const struct mfw_cosem_client_rights *r = &obj->rights->client[client];
    return r->read != 0 || r->write != 0 || r->methods != 0;
}
