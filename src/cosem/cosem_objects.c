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
    &mfw_cosem_push_class,                   /* 40 */
    &mfw_cosem_tcp_setup_class,              /* 41 */
    &mfw_cosem_security_class,               /* 64 */
    &mfw_cosem_disconnect_class,             /* 70 */
    &mfw_cosem_limiter_class,                /* 71 */
    &mfw_cosem_account_class,                /* 111 */
    &mfw_cosem_credit_class,                 /* 112 */
    &mfw_cosem_charge_class,                 /* 113 */
    &mfw_cosem_token_gateway_class,          /* 115 */
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
static const struct mfw_cosem_rights R_PUBLIC = {{[PUB] = {ALL, 0, 0}, [MGMT] = {ALL, 0, 0}},
                                                 false};
/* Association LN: the secret (7) is write-only for the management client, hidden from the
 * public one; reply_to_HLS_authentication (m1) and change_HLS_secret (m2) are the management
 * client's. */
static const struct mfw_cosem_rights R_ASSOCIATION = {
    {[PUB] = {ALL & ~B(7), 0, 0}, [MGMT] = {ALL & ~B(7), B(7), B(1) | B(2)}}, false};
/* Clock: time, time_zone and the DST settings writable; adjust_to_quarter, _measuring_period,
 * _minute and shift_time. The pre-established client synchronises it (unconfirmed SET of the
 * time, adjust_to_quarter, adjust_to_minute, shift_time), nothing else. */
static const struct mfw_cosem_rights R_CLOCK = {
    {[PUB] = {ALL, 0, 0},
     [MGMT] = {ALL, B(2) | B(3) | B(5) | B(6) | B(7) | B(8),
               B(1) | B(2) | B(3) | B(4) | B(5) | B(6)},
     [PRE] = {0, B(2), B(1) | B(3) | B(6)}},
    false};
/* Security setup: read (no attribute holds a key), the head-end's title (4) writable;
 * security_activate, global_key_transfer. */
static const struct mfw_cosem_rights R_SECURITY = {{[MGMT] = {ALL, B(4), B(1) | B(2)}}, false};
/* The consumer channel's Security setup: read; security_activate, global_key_transfer. */
static const struct mfw_cosem_rights R_CONSUMER_SECURITY = {{[MGMT] = {ALL, 0, B(1) | B(2)}},
                                                            false};
/* Push setups: destination (3), window (4), randomisation (5), retries (6), delay (7); push. */
static const struct mfw_cosem_rights R_PUSH = {
    {[MGMT] = {ALL, B(3) | B(4) | B(5) | B(6) | B(7), B(1)}}, false};
/* The consumer message: written by the management client. */
static const struct mfw_cosem_rights R_CONSUMER_TEXT = {{[MGMT] = {ALL, B(2), 0}}, false};
/* Image transfer: read, and its four methods, by the management client, and only in an HLS-GMAC
 * association (a firmware update is a switch of the strongest kind). */
static const struct mfw_cosem_rights R_IMAGE = {{[MGMT] = {ALL, 0, B(1) | B(2) | B(3) | B(4)}},
                                                true};
/* Read by the management client only. */
static const struct mfw_cosem_rights R_READ = {{[MGMT] = {ALL, 0, 0}}, false};
/* Profiles and event logs: reset (m1). */
static const struct mfw_cosem_rights R_PROFILE = {{[MGMT] = {ALL, 0, B(1)}}, false};
/* The load profile: capture_period (4) writable. */
static const struct mfw_cosem_rights R_LOAD_PROFILE = {{[MGMT] = {ALL, B(4), B(1)}}, false};
/* The analysis log: capture_objects (3) and capture_period (4) writable. */
static const struct mfw_cosem_rights R_ANALYSIS = {{[MGMT] = {ALL, B(3) | B(4), B(1)}}, false};
/* Activity calendar: the passive calendar (6..9) and its activation time (10) writable;
 * activate_passive_calendar. */
static const struct mfw_cosem_rights R_CALENDAR = {
    {[MGMT] = {ALL, B(6) | B(7) | B(8) | B(9) | B(10), B(1)}}, false};
/* Special days table: insert, delete. */
static const struct mfw_cosem_rights R_SPECIAL_DAYS = {{[MGMT] = {ALL, 0, B(1) | B(2)}}, false};
/* Single action schedule: execution_time (4) writable. */
static const struct mfw_cosem_rights R_SINGLE_ACTION = {{[MGMT] = {ALL, B(4), 0}}, false};
/* Script table: execute. */
static const struct mfw_cosem_rights R_SCRIPT = {{[MGMT] = {ALL, 0, B(1)}}, false};
/* Demand register: period (8) and number_of_periods (9) writable; reset, next_period. */
static const struct mfw_cosem_rights R_DEMAND = {{[MGMT] = {ALL, B(8) | B(9), B(1) | B(2)}}, false};
/* Data or Register whose value (2) the management client writes: a setting (thresholds, the
 * grid identifiers, the load relays' timer and tariffs), or a clear (the alarm and error
 * registers keep only the bits the value has). */
static const struct mfw_cosem_rights R_VALUE = {{[MGMT] = {ALL, B(2), 0}}, false};
/* Disconnect control: control_mode (4); remote_disconnect, remote_reconnect. */
static const struct mfw_cosem_rights R_DISCONNECT = {{[MGMT] = {ALL, B(4), B(1) | B(2)}}, true};
/* Limiter: everything but threshold_active (3) and emergency_profile_active (10). */
static const struct mfw_cosem_rights R_LIMITER = {
    {[MGMT] = {ALL, B(2) | B(4) | B(5) | B(6) | B(7) | B(8) | B(9) | B(11), 0}}, true};
/* Account: low_credit_threshold (16); activate, close, reset. */
static const struct mfw_cosem_rights R_ACCOUNT = {{[MGMT] = {ALL, B(16), B(1) | B(2) | B(3)}},
                                                  true};
/* The emergency credit: limit (6); invoke_credit (m3). */
static const struct mfw_cosem_rights R_EMERGENCY = {{[MGMT] = {ALL, B(6), B(3)}}, true};
/* Token gateway: enter (the top-up). */
static const struct mfw_cosem_rights R_TOKEN = {{[MGMT] = {ALL, 0, B(1)}}, true};
/* A single action schedule with its script (2) and its times (4) writable. */
static const struct mfw_cosem_rights R_SCHEDULE = {{[MGMT] = {ALL, B(2) | B(4), 0}}, true};
/* The switches' script tables (execute) and their settings (value, 2). */
static const struct mfw_cosem_rights R_SWITCH_SCRIPT = {{[MGMT] = {ALL, 0, B(1)}}, true};
static const struct mfw_cosem_rights R_SWITCH_VALUE = {{[MGMT] = {ALL, B(2), 0}}, true};

/* ---- the fixed objects ---- */

#define OBJ(cls_, kind_, arg_, a_, b_, c_, d_, e_, rights_)                                        \
    OBJN(cls_, kind_, arg_, a_, b_, c_, d_, e_, rights_, MFW_COSEM_NEEDS_NONE)
/* An object of a model option (enum mfw_cosem_needs). */
#define OBJN(cls_, kind_, arg_, a_, b_, c_, d_, e_, rights_, needs_)                               \
    {                                                                                              \
        &(cls_), (kind_), (arg_), {(a_), (b_), (c_), (d_), (e_), 255}, 0, &(rights_), (needs_)     \
    }
#define DATA(kind_, arg_, c_, d_, e_, rights_)                                                     \
    OBJ(mfw_cosem_data_class, MFW_COSEM_DATA_##kind_, arg_, 0, 0, c_, d_, e_, rights_)
#define ROWS(arg_, a_, c_, d_, e_, rights_)                                                        \
    OBJ(mfw_cosem_profile_class, MFW_COSEM_PROFILE_ROWS, arg_, a_, 0, c_, d_, e_, rights_)
#define EVENTS(arg_, a_, c_, d_, e_)                                                               \
    OBJ(mfw_cosem_profile_class, MFW_COSEM_PROFILE_EVENTS, arg_, a_, 0, c_, d_, e_, R_PROFILE)
#define DATAN(kind_, arg_, b_, c_, d_, e_, rights_, needs_)                                        \
    OBJN(mfw_cosem_data_class, MFW_COSEM_DATA_##kind_, arg_, 0, b_, c_, d_, e_, rights_, needs_)
#define THRESHOLD(arg_, a_, c_, d_, e_)                                                            \
    OBJ(mfw_cosem_register_class, MFW_COSEM_REGISTER_THRESHOLD, arg_, a_, 0, c_, d_, e_, R_VALUE)
#define TAMPER(item_, d0_)                                                                         \
    DATA(TAMPER, (item_)*4 + 0, 96, 20, (d0_) + 0, R_READ),                                        \
        DATA(TAMPER, (item_)*4 + 1, 96, 20, (d0_) + 1, R_READ),                                    \
        DATA(TAMPER, (item_)*4 + 2, 96, 20, (d0_) + 2, R_READ),                                    \
        DATA(TAMPER, (item_)*4 + 3, 96, 20, (d0_) + 3, R_READ)

static const struct mfw_cosem_object fixed[] = {
    OBJ(mfw_cosem_association_ln_class, 0, 0, 0, 0, 40, 0, 0, R_ASSOCIATION),
    OBJ(mfw_cosem_association_sap_class, 0, 0, 0, 0, 41, 0, 0, R_PUBLIC),
    DATA(LDN, 0, 42, 0, 0, R_PUBLIC),
    /* the last client invocation counter accepted: under the unicast key, the broadcast key */
    DATA(INVOCATION, MFW_KEYS_CTX_UNICAST, 43, 1, 0, R_PUBLIC),
    DATA(INVOCATION, MFW_KEYS_CTX_BROADCAST, 43, 1, 3, R_PUBLIC),
    OBJ(mfw_cosem_security_class, 1, 0, 0, 0, 43, 0, 1, R_CONSUMER_SECURITY),
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
    DATA(CONSUMER_TEXT, 0, 96, 13, 0, R_CONSUMER_TEXT),
    /* the module slots (link/module.h): D = 128, manufacturer-specific (IEC 62056-6-1 7.3.2
     * [M]: 128..254 in value groups C..F are the manufacturer's) */
    DATA(MODULE, 0, 96, 128, 0, R_READ),
    DATA(MODULE, 1, 96, 128, 1, R_READ),
    DATA(MODULE, 2, 96, 128, 2, R_READ),
    DATA(MODULE, 3, 96, 128, 3, R_READ),
    /* the consumer channel on/off (manufacturer-specific, as the slots' view) */
    DATA(CONSUMER_ON, 0, 96, 128, 10, R_CONSUMER_TEXT),
    OBJ(mfw_cosem_tcp_setup_class, 0, 0, 0, 0, 25, 0, 0, R_READ),
    OBJ(mfw_cosem_push_class, MFW_PUSH_CONNECTIVITY, 0, 0, 0, 25, 9, 0, R_PUSH),
    OBJ(mfw_cosem_push_class, MFW_PUSH_INTERVAL, 0, 0, 1, 25, 9, 0, R_PUSH),
    OBJ(mfw_cosem_push_class, MFW_PUSH_ALARM, 0, 0, 4, 25, 9, 0, R_PUSH),
    OBJ(mfw_cosem_push_class, MFW_PUSH_INSTALLATION, 0, 0, 7, 25, 9, 0, R_PUSH),
    OBJ(mfw_cosem_local_port_class, 0, 0, 0, 0, 20, 0, 0, R_READ),
    OBJ(mfw_cosem_hdlc_setup_class, 0, 0, 0, 0, 22, 0, 0, R_READ),
    OBJ(mfw_cosem_calendar_activity_class, 0, 0, 0, 0, 13, 0, 0, R_CALENDAR),
    OBJ(mfw_cosem_calendar_special_days_class, 0, 0, 0, 0, 11, 0, 0, R_SPECIAL_DAYS),
    OBJ(mfw_cosem_schedule_single_action_class, 0, MFW_COSEM_SCHEDULE_BILLING, 0, 0, 15, 0, 0,
        R_SINGLE_ACTION),
    OBJ(mfw_cosem_schedule_script_class, 0, MFW_SCRIPT_BILLING, 0, 0, 10, 0, 1, R_SCRIPT),
    /* ---- revenue protection and grid functions ---- */
    /* the breaker, its scripts and schedule (Blue Book OBIS [V: Gurux OBISCodes.txt]) */
    OBJN(mfw_cosem_disconnect_class, 0, 0, 0, 0, 96, 3, 10, R_DISCONNECT, MFW_COSEM_NEEDS_BREAKER),
    OBJN(mfw_cosem_schedule_script_class, 0, MFW_SCRIPT_DISCONNECT, 0, 0, 10, 0, 106,
         R_SWITCH_SCRIPT, MFW_COSEM_NEEDS_BREAKER),
    OBJN(mfw_cosem_schedule_single_action_class, 0, MFW_SCHED_DISCONNECT, 0, 0, 15, 0, 1,
         R_SCHEDULE, MFW_COSEM_NEEDS_BREAKER),
    OBJ(mfw_cosem_limiter_class, 0, 0, 0, 0, 17, 0, 0, R_LIMITER),
    /* prepayment (the payment classes: Account 0.0.19.0, Credit 0.0.19.10.e, Charge 0.0.19.20.e,
     * Token gateway 0.0.19.40.e) */
    OBJN(mfw_cosem_account_class, 0, 0, 0, 0, 19, 0, 0, R_ACCOUNT, MFW_COSEM_NEEDS_BREAKER),
    OBJN(mfw_cosem_credit_class, MFW_COSEM_CREDIT_TOKEN, 0, 0, 0, 19, 10, 0, R_READ,
         MFW_COSEM_NEEDS_BREAKER),
    OBJN(mfw_cosem_credit_class, MFW_COSEM_CREDIT_EMERGENCY, 0, 0, 0, 19, 10, 1, R_EMERGENCY,
         MFW_COSEM_NEEDS_BREAKER),
    OBJN(mfw_cosem_charge_class, 0, 0, 0, 0, 19, 20, 0, R_READ, MFW_COSEM_NEEDS_BREAKER),
    OBJN(mfw_cosem_token_gateway_class, 0, 0, 0, 0, 19, 40, 0, R_TOKEN, MFW_COSEM_NEEDS_BREAKER),
    /* [U] manufacturer-specific (0.0.96.50..99): the friendly periods {from time(4), to
     * time(4), weekends, holidays}, the reconnection after a top-up / a neutral fault (boolean
     * true: automatic, h) */
    DATAN(FRIENDLY, 0, 0, 96, 50, 20, R_SWITCH_VALUE, MFW_COSEM_NEEDS_BREAKER),
    DATAN(RECONNECT, 0, 0, 96, 50, 21, R_SWITCH_VALUE, MFW_COSEM_NEEDS_BREAKER),
    DATAN(RECONNECT, 1, 0, 96, 50, 22, R_SWITCH_VALUE, MFW_COSEM_NEEDS_BREAKER),
    /* the load-control relays: their scripts and two schedules; per relay on for N minutes and
     * the tariffs it is on in (0.k.96.50.0 / .1, manufacturer-specific [U]) */
    OBJN(mfw_cosem_schedule_script_class, 0, MFW_SCRIPT_OUTPUT, 0, 0, 10, 0, 103, R_SWITCH_SCRIPT,
         MFW_COSEM_NEEDS_RELAY1),
    OBJN(mfw_cosem_schedule_single_action_class, 0, MFW_SCHED_OUTPUT_A, 0, 0, 15, 0, 3, R_SCHEDULE,
         MFW_COSEM_NEEDS_RELAY1),
    OBJN(mfw_cosem_schedule_single_action_class, 0, MFW_SCHED_OUTPUT_B, 0, 1, 15, 0, 3, R_SCHEDULE,
         MFW_COSEM_NEEDS_RELAY1),
    DATAN(LOAD_TIMED, 0, 1, 96, 50, 0, R_SWITCH_VALUE, MFW_COSEM_NEEDS_RELAY1),
    DATAN(LOAD_TARIFFS, 0, 1, 96, 50, 1, R_SWITCH_VALUE, MFW_COSEM_NEEDS_RELAY1),
    DATAN(LOAD_TIMED, 1, 2, 96, 50, 0, R_SWITCH_VALUE, MFW_COSEM_NEEDS_RELAY2),
    DATAN(LOAD_TARIFFS, 1, 2, 96, 50, 1, R_SWITCH_VALUE, MFW_COSEM_NEEDS_RELAY2),
    /* voltage quality thresholds (Blue Book D groups 31, 35, 39, 43..45 of C = 12 "any phase";
     * the hysteresis at the manufacturer-specific D 128; the reference voltage 1.0.0.6.4) */
    THRESHOLD(MFW_COSEM_THR_SAG_V, 1, 12, 31, 0),
    THRESHOLD(MFW_COSEM_THR_SWELL_V, 1, 12, 35, 0),
    THRESHOLD(MFW_COSEM_THR_MISSING_V, 1, 12, 39, 0),
    THRESHOLD(MFW_COSEM_THR_SAG_S, 1, 12, 43, 0),
    THRESHOLD(MFW_COSEM_THR_SWELL_S, 1, 12, 44, 0),
    THRESHOLD(MFW_COSEM_THR_MISSING_S, 1, 12, 45, 0),
    THRESHOLD(MFW_COSEM_THR_HYSTERESIS, 1, 12, 128, 0),
    THRESHOLD(MFW_COSEM_THR_UN, 1, 0, 6, 4),
    /* what the event logs capture besides clock and code ([U] manufacturer-specific, but the new
     * time: Blue Book "date (corrected) of last clock synchronisation / setting") */
    OBJ(mfw_cosem_register_class, MFW_COSEM_REGISTER_PQ_MAGNITUDE, 0, 0, 0, 96, 50, 40, R_READ),
    OBJ(mfw_cosem_register_class, MFW_COSEM_REGISTER_PQ_DURATION, 0, 0, 0, 96, 50, 41, R_READ),
    DATA(PF_PHASES, 0, 96, 50, 42, R_READ),
    DATA(RTC_TIME, 0, 96, 50, 43, R_READ),
    DATA(RTC_TIME, 1, 96, 2, 12, R_READ),
    /* the neutral: the rule (382M: displacement; 162M: current mismatch); the substation and the
     * grid line in its alarm */
    DATA(NEUTRAL, 0, 96, 50, 10, R_SWITCH_VALUE), /* it may open the breaker */
    DATA(GRID_ID, 0, 96, 50, 1, R_VALUE),
    DATA(GRID_ID, 1, 96, 50, 2, R_VALUE),
    /* tamper: covers, field, metrology (0.0.96.20.x counter, time stamp, duration, cumulative);
     * the inputs; export expected */
    TAMPER(MFW_TAMPER_METER_COVER, 0),
    TAMPER(MFW_TAMPER_TERMINAL_COVER, 5),
    TAMPER(MFW_TAMPER_MAGNETIC_FIELD, 15),
    TAMPER(MFW_TAMPER_METROLOGY, 25),
    DATA(INPUTS, 0, 96, 3, 1, R_READ),
    DATA(EXPORT, 0, 96, 50, 12, R_VALUE),
    /* alarms: registers 1 and 2, filters, descriptors; the error register (Blue Book "alarm
     * register / filter / descriptor object", "error object") */
    DATA(ALARM, 0, 97, 98, 0, R_VALUE),
    DATA(ALARM, 1, 97, 98, 1, R_VALUE),
    DATA(ALARM, 2, 97, 98, 10, R_VALUE),
    DATA(ALARM, 3, 97, 98, 11, R_VALUE),
    DATA(ALARM, 4, 97, 98, 20, R_VALUE),
    DATA(ALARM, 5, 97, 98, 21, R_VALUE),
    DATA(ERROR, 0, 97, 97, 0, R_VALUE),
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
    /* the maximum demands and the min / max voltages have a capture time */
    bool extended = id == MFW_CAT_MAXDEM_AP || id == MFW_CAT_MAXDEM_AM ||
                    (id >= MFW_CAT_UMIN_L1 && id <= MFW_CAT_UMAX_L3);
    return extended ? &mfw_cosem_register_extended_class : &mfw_cosem_register_class;
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
    unsigned ph = mfw_catalog_phase(mfw_catalog_find(id)); /* the per-phase quality counters */
    return ph > 0 ? (uint8_t)(ph - 1u) : 0;
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
    /* the load relays' status word, in a model that has them */
    buf->needs = e->id == MFW_CAT_RELAY_STATUS ? MFW_COSEM_NEEDS_RELAY1 : MFW_COSEM_NEEDS_NONE;
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

bool mfw_cosem_objects_switch_allowed(const struct mfw_cosem_object *obj,
                                      const struct mfw_cosem_session *ses)
{
    return !obj->rights->hls_switch || ses->mechanism == MFW_COSEM_MECH_HLS_GMAC;
}

bool mfw_cosem_objects_visible(const struct mfw_cosem_object *obj, const struct mfw_meter *m,
                               uint8_t client)
{
    if (client >= MFW_COSEM_CLIENT_COUNT || obj->phase >= m->config.metro.phases)
        return false;
    switch (obj->needs) {
    case MFW_COSEM_NEEDS_BREAKER:
        if (!m->config.breaker)
            return false;
        break;
    case MFW_COSEM_NEEDS_RELAY1:
        if (m->config.load_relays < 1)
            return false;
        break;
    case MFW_COSEM_NEEDS_RELAY2:
        if (m->config.load_relays < 2)
            return false;
        break;
    case MFW_COSEM_NEEDS_POLY:
        if (m->config.metro.phases < 2)
            return false;
        break;
    case MFW_COSEM_NEEDS_MONO:
        if (m->config.metro.phases != 1)
            return false;
        break;
    default: break;
    }
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
