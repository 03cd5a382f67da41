/* SPDX-License-Identifier: Apache-2.0 */
/* cosem_class: what an interface class file sees (private to src/cosem). A class is one
 * `const struct mfw_cosem_class` of operations, TinyUSB's class-driver habit: the dispatcher
 * (cosem.c) finds the object, checks the attribute or method against the class and the object's
 * access rights, answers attribute 1 (logical_name, the same in every interface class of the
 * Blue Book) itself and routes everything else to the class. Class files never look an object up
 * and never check a right; the object table (cosem_objects.c) never encodes a value.
 *
 * Also here: the encoders and readers several classes share (a date-time in the meter's local
 * time, scaler_unit, capture object definitions, calendar dates and times, the result of a meter
 * verb as a Data-Access-Result), defined in cosem_class.c: one copy each. */
#ifndef METERFW_COSEM_COSEM_CLASS_H
#define METERFW_COSEM_COSEM_CLASS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/base/cursor.h"
#include "meterfw/base/error.h"
#include "meterfw/codec/axdr.h"
#include "meterfw/cosem/cosem.h"
#include "meterfw/cosem/cosem_ref.h"
#include "meterfw/meter/catalog.h"
#include "meterfw/meter/meter.h"

struct mfw_cosem_class;
struct mfw_cosem_object;

/* What each client may do with an object: bit n of read / write is attribute n, bit n of methods
 * is method n (bit 0 unused). Bits beyond the class's attributes or methods are ignored, so "every
 * attribute" is MFW_COSEM_ALL. */
struct mfw_cosem_client_rights {
    uint32_t read, write, methods;
};
struct mfw_cosem_rights {
    struct mfw_cosem_client_rights client[MFW_COSEM_CLIENT_COUNT];
    /* A switch (the breaker, prepayment, the limiter, the load relays and their policies): its
     * writes and methods need an association authenticated with HLS-GMAC (mechanism 5, every
     * APDU under the security policy, docs/security.md); an LLS association of the same client
     * only reads it (issue 11: "access rights and ciphering must guard every switch"). */
    bool hls_switch;
};
/* The mechanism id (enum mfw_acse_mech of the dlms layer) a switch needs. */
#define MFW_COSEM_MECH_HLS_GMAC 5u

/* Whether the session may use what the rights grant of writes and methods. */
bool mfw_cosem_objects_switch_allowed(const struct mfw_cosem_object *obj,
                                      const struct mfw_cosem_session *ses);
#define MFW_COSEM_ALL 0xFFFFFFFEu
#define MFW_COSEM_BIT(n) (1u << (n))

/* One object: a row of the fixed table, or a catalogue quantity made into a row. */
struct mfw_cosem_object {
    const struct mfw_cosem_class *cls;
    uint8_t kind; /* the class's own: what the object maps to (enum mfw_cosem_<class>_kind) */
    uint16_t arg; /* with kind: a profile, event log or catalogue id, a counter slot */
    uint8_t obis[6];
    uint8_t phase; /* the phase (0..2) the object needs: a meter with fewer does not have it */
    const struct mfw_cosem_rights *rights;
    uint8_t needs; /* enum mfw_cosem_needs: the model option the object needs */
};

/* Model options an object needs (a meter without them does not have it). */
enum mfw_cosem_needs {
    MFW_COSEM_NEEDS_NONE = 0,
    MFW_COSEM_NEEDS_BREAKER = 1,
    MFW_COSEM_NEEDS_RELAY1 = 2, /* at least one load-control relay */
    MFW_COSEM_NEEDS_RELAY2 = 3, /* two */
    MFW_COSEM_NEEDS_POLY = 4,   /* a polyphase meter */
    MFW_COSEM_NEEDS_MONO = 5,   /* a single-phase meter */
};

/* One request on one object, as a class sees it. */
struct mfw_cosem_call {
    struct mfw_meter *m;
    struct mfw_cosem_env *env;
    const struct mfw_cosem_session *ses;
    unsigned idx; /* the object's index */
    const struct mfw_cosem_object *obj;
    struct mfw_cosem_object made; /* a catalogue object's row (obj points here) */
};

/* The operations of an interface class (Blue Book 4.x: its attributes and methods). Every callback
 * gets a reference the dispatcher has checked: the object exists for this client, attr is in
 * 2..attributes (or method in 1..methods) and the client has the right. */
struct mfw_cosem_class {
    uint16_t class_id;
    uint8_t version;    /* as the object list reports it */
    uint8_t attributes; /* 1..attributes exist (1 = logical_name, answered by the dispatcher) */
    uint8_t methods;    /* 1..methods exist */
    uint32_t selective; /* bit n: attribute n takes selective access (elsewhere other-reason) */
    /* GET: how attribute ref->id reads, as a stream of items (fills st->kind, array, items and
     * the rows' fields); the Data-Access-Result. NULL: every attribute is one item, the value. */
    int (*get_open)(const struct mfw_cosem_call *c, const struct mfw_cosem_ref *ref,
                    struct mfw_cosem_stream *st);
    /* GET: item i of st (the whole value when st is not an array); MFW_DAR_SUCCESS, or
     * MFW_DAR_HARDWARE_FAULT when the store cannot be read. */
    int (*get_item)(const struct mfw_cosem_call *c, struct mfw_cosem_stream *st, uint32_t i,
                    struct mfw_wcursor *w);
    /* SET of attribute attr to the Data in value; the Data-Access-Result, nothing changed unless
     * success. NULL: nothing writable. */
    int (*set)(const struct mfw_cosem_call *c, unsigned attr, struct mfw_rcursor *value);
    /* ACTION: method with params (NULL when the request has none); the Action-Result, nothing
     * changed unless success. *has_ret (false on entry) tells whether ret holds return
     * parameters (one Data). NULL: no method. */
    int (*action)(const struct mfw_cosem_call *c, unsigned method, struct mfw_rcursor *params,
                  struct mfw_wcursor *ret, bool *has_ret);
};

/* ---- the classes (one file each, or a close family) ---- */

/* cosem_data.c: Data (IC 1, version 0). */
enum mfw_cosem_data_kind {
    MFW_COSEM_DATA_LDN = 0,    /* logical device name */
    MFW_COSEM_DATA_INVOCATION, /* last accepted invocation counter of context arg (keys.h) */
    MFW_COSEM_DATA_DEVICE_ID,  /* the serial number */
    MFW_COSEM_DATA_TARIFF,     /* the active tariff */
    MFW_COSEM_DATA_EVENT_CODE, /* the last event code of log arg */
    MFW_COSEM_DATA_AMR_STATUS, /* AMR profile status being collected for profile arg */
    MFW_COSEM_DATA_PF_COUNT,   /* power failure counter: arg = slot (EVENTLOG_PF_*) | 8 for long */
    MFW_COSEM_DATA_ALARM,      /* arg 0/1 alarm register 1/2, 2/3 filter, 4/5 descriptor */
    MFW_COSEM_DATA_ERROR,      /* the error register */
    MFW_COSEM_DATA_GRID_ID,    /* arg 0 substation, 1 grid line */
    MFW_COSEM_DATA_LOAD_TIMED, /* load relay arg: on for N minutes */
    MFW_COSEM_DATA_LOAD_TARIFFS, /* load relay arg: the tariffs it is on in */
    MFW_COSEM_DATA_TAMPER,       /* arg = item x 4 + 0 counter, 1 time stamp, 2 duration, 3 total */
    MFW_COSEM_DATA_INPUTS,       /* the HAL inputs (state of the input control signals) */
    MFW_COSEM_DATA_PF_PHASES,    /* the phases of the newest power failure log entry */
    MFW_COSEM_DATA_RTC_TIME,     /* arg 0 old, 1 new time of the newest RTC log entry */
    MFW_COSEM_DATA_FRIENDLY,     /* the prepayment's friendly periods */
    MFW_COSEM_DATA_RECONNECT,    /* arg 0 prepayment, 1 neutral fault: automatic reconnection */
    MFW_COSEM_DATA_NEUTRAL,      /* the neutral fault rule (382M: displacement; 162M: mismatch) */
    MFW_COSEM_DATA_EXPORT,       /* export expected (no unexpected-export tamper) */
    MFW_COSEM_DATA_MODULE,       /* module slot arg: {kind, identification} (link/module.h) */
    MFW_COSEM_DATA_CONSUMER_TEXT, /* the consumer message 0.0.96.13.0.255 (writable) */
    MFW_COSEM_DATA_CONSUMER_ON,   /* the consumer channel on (boolean, writable) */
    MFW_COSEM_DATA_FW_ID,         /* the running firmware image's identification (hal.image) */
    MFW_COSEM_DATA_FW_CHECKSUM,   /* CRC-32 of the legally relevant part (hal.legal_checksum) */
};
extern const struct mfw_cosem_class mfw_cosem_data_class;

/* cosem_register.c: Register (IC 3), Extended register (IC 4), Demand register (IC 5), all
 * version 0. */
enum mfw_cosem_register_kind {
    MFW_COSEM_REGISTER_CATALOG = 0,  /* the catalogue quantity arg */
    MFW_COSEM_REGISTER_PF_DURATION,  /* duration of the last long power failure */
    MFW_COSEM_REGISTER_THRESHOLD,    /* a voltage quality threshold, arg enum below; writable */
    MFW_COSEM_REGISTER_PQ_MAGNITUDE, /* the newest power quality log entry's magnitude */
    MFW_COSEM_REGISTER_PQ_DURATION,  /* ... its duration */
};
/* The voltage quality thresholds (quality.h), Register value and scaler_unit. */
enum mfw_cosem_threshold {
    MFW_COSEM_THR_SAG_V = 0,  /* 1.0.12.31.0.255, V (scaler -1) */
    MFW_COSEM_THR_SWELL_V,    /* 1.0.12.35.0.255 */
    MFW_COSEM_THR_MISSING_V,  /* 1.0.12.39.0.255 */
    MFW_COSEM_THR_SAG_S,      /* 1.0.12.43.0.255, s */
    MFW_COSEM_THR_SWELL_S,    /* 1.0.12.44.0.255 */
    MFW_COSEM_THR_MISSING_S,  /* 1.0.12.45.0.255 */
    MFW_COSEM_THR_HYSTERESIS, /* 1.0.12.128.0.255, V (manufacturer-specific D) */
    MFW_COSEM_THR_UN,         /* 1.0.0.6.4.255, the reference voltage for power quality, V */
};
extern const struct mfw_cosem_class mfw_cosem_register_class;
extern const struct mfw_cosem_class mfw_cosem_register_extended_class;
extern const struct mfw_cosem_class mfw_cosem_register_demand_class;

/* cosem_profile.c: Profile generic (IC 7, version 1). */
enum mfw_cosem_profile_kind {
    MFW_COSEM_PROFILE_ROWS = 0, /* the profile arg (enum mfw_meter_profile_id) */
    MFW_COSEM_PROFILE_EVENTS,   /* the event log arg (enum mfw_eventlog_id) */
};
extern const struct mfw_cosem_class mfw_cosem_profile_class;

/* cosem_clock.c: Clock (IC 8, version 0). */
extern const struct mfw_cosem_class mfw_cosem_clock_class;

/* cosem_schedule.c: Script table (IC 9, arg: enum mfw_script_table) and Single action schedule
 * (IC 22, arg: enum mfw_meter_schedule_id, or MFW_COSEM_SCHEDULE_BILLING), version 0. */
#define MFW_COSEM_SCHEDULE_BILLING 0xFFu
extern const struct mfw_cosem_class mfw_cosem_schedule_script_class;
extern const struct mfw_cosem_class mfw_cosem_schedule_single_action_class;

/* cosem_calendar.c: Activity calendar (IC 20) and Special days table (IC 11), version 0. */
extern const struct mfw_cosem_class mfw_cosem_calendar_activity_class;
extern const struct mfw_cosem_class mfw_cosem_calendar_special_days_class;

/* cosem_association.c: Association LN (IC 15, version 2) and SAP assignment (IC 17, version 0). */
extern const struct mfw_cosem_class mfw_cosem_association_ln_class;
extern const struct mfw_cosem_class mfw_cosem_association_sap_class;

/* cosem_tcp_setup.c: TCP-UDP setup (IC 41, version 0). */
extern const struct mfw_cosem_class mfw_cosem_tcp_setup_class;

/* cosem_security.c: Security setup (IC 64, version 0: suite 0). */
extern const struct mfw_cosem_class mfw_cosem_security_class;
/* cosem_push.c: Push setup (IC 40, version 0); kind = enum mfw_push_id. */
extern const struct mfw_cosem_class mfw_cosem_push_class;
/* The push object list of push id (cosem_push.c): n entries {class, LN, attribute}. */
struct mfw_cosem_push_entry {
    uint16_t class_id;
    uint8_t ln[6];
    int8_t attr;
};
const struct mfw_cosem_push_entry *mfw_cosem_push_list(unsigned id, unsigned *n);
extern const struct mfw_cosem_class mfw_cosem_image_class;
/* cosem_local_port.c: IEC local port setup (IC 19, version 1); cosem_hdlc_setup.c: IEC HDLC
 * setup (IC 23, version 1). */
extern const struct mfw_cosem_class mfw_cosem_local_port_class;
extern const struct mfw_cosem_class mfw_cosem_hdlc_setup_class;

/* cosem_disconnect.c: Disconnect control (IC 70, version 0). */
extern const struct mfw_cosem_class mfw_cosem_disconnect_class;

/* cosem_limiter.c: Limiter (IC 71, version 0). */
extern const struct mfw_cosem_class mfw_cosem_limiter_class;

/* cosem_payment.c: Account (IC 111), Credit (IC 112), Charge (IC 113), Token gateway (IC 115),
 * version 0. */
enum mfw_cosem_credit_kind {
    MFW_COSEM_CREDIT_TOKEN = 0,
    MFW_COSEM_CREDIT_EMERGENCY,
};
extern const struct mfw_cosem_class mfw_cosem_account_class;
extern const struct mfw_cosem_class mfw_cosem_credit_class;
extern const struct mfw_cosem_class mfw_cosem_charge_class;
extern const struct mfw_cosem_class mfw_cosem_token_gateway_class;

/* ---- the object table (cosem_objects.c) ---- */

/* The class table: every class implemented, by class id. */
extern const struct mfw_cosem_class *const mfw_cosem_objects_classes[];
extern const unsigned mfw_cosem_objects_class_count;
/* The class of class_id, or NULL. */
const struct mfw_cosem_class *mfw_cosem_objects_class(uint16_t class_id);
/* Objects in the index space: the fixed table, then the catalogue. */
unsigned mfw_cosem_objects_count(void);
/* Object idx: its row of the table, or a catalogue quantity's made in *buf; NULL past the end. */
const struct mfw_cosem_object *mfw_cosem_objects_get(unsigned idx, struct mfw_cosem_object *buf);
/* The class a catalogue quantity is shown as (Register, Extended or Demand register). */
const struct mfw_cosem_class *mfw_cosem_objects_catalog_class(uint16_t id);
/* Fills by_name[0..count) with the object indices sorted by logical name; then finds obis in it:
 * MFW_OK and *idx, or MFW_E_RANGE. */
void mfw_cosem_objects_index(uint16_t *by_name);
int mfw_cosem_objects_lookup(const uint16_t *by_name, const uint8_t obis[6], unsigned *idx);
/* The rights of client on obj (enum mfw_cosem_access / may invoke), within the class's counts. */
uint8_t mfw_cosem_objects_attribute_access(const struct mfw_cosem_object *obj, unsigned attr,
                                           uint8_t client);
bool mfw_cosem_objects_method_access(const struct mfw_cosem_object *obj, unsigned method,
                                     uint8_t client);
/* Whether client sees obj on meter m (it has a right to it, and the meter has its phase). */
bool mfw_cosem_objects_visible(const struct mfw_cosem_object *obj, const struct mfw_meter *m,
                               uint8_t client);

/* ---- shared encoders and readers (cosem_class.c) ---- */

/* Clock 0.0.1.0.0.255, the first capture object of every profile and the restricting object of
 * selective access by range. */
extern const uint8_t mfw_cosem_class_clock_ln[6];

/* A UTC instant as a date-time octet-string(12) in the meter's local time (deviation and the DST
 * bit from the clock, status | DST); all not-specified when it cannot be converted. */
void mfw_cosem_class_put_datetime(const struct mfw_meter *m, mfw_ms_t utc, uint8_t status,
                                  struct mfw_wcursor *w);
/* A date-time octet-string(12) with every field not specified (Blue Book 4.1.6.1). */
void mfw_cosem_class_put_datetime_unspecified(struct mfw_wcursor *w);
/* scaler_unit {integer scaler, enum unit} (Blue Book IC 3 attribute 3). */
void mfw_cosem_class_put_scaler_unit(int8_t scaler, uint8_t unit, struct mfw_wcursor *w);
/* A catalogue value: energies are exact integers of Wh (scaler 0) and never negative, so
 * long64-unsigned (a register never wraps); everything else fits a double-long at its scaler
 * (saturated). Inline: a profile row writes one per column. */
static inline void mfw_cosem_class_put_scaled(const struct mfw_catalog_entry *e, int64_t v,
                                              struct mfw_wcursor *w)
{
    if (e->unit == MFW_COSEM_UNIT_WH || e->unit == MFW_COSEM_UNIT_VARH || e->unit == 31 /* VAh */) {
        mfw_axdr_put_u64(w, v < 0 ? 0u : (uint64_t)v);
        return;
    }
    if (v > INT32_MAX)
        v = INT32_MAX;
    if (v < INT32_MIN)
        v = INT32_MIN;
    mfw_axdr_put_i32(w, (int32_t)v);
}
/* capture_object_definition {class_id, logical_name, attribute_index, data_index 0} (IC 7). */
void mfw_cosem_class_put_capture_def(uint16_t class_id, const uint8_t ln[6], int8_t attr,
                                     struct mfw_wcursor *w);
/* The logical device name (IDIS: octet-string, at most 16): "MFW" + the serial number. */
void mfw_cosem_class_put_ldn(const struct mfw_meter *m, struct mfw_wcursor *w);
/* Length of the meter's NUL-terminated serial number. */
size_t mfw_cosem_class_serial_len(const struct mfw_meter *m);

/* Calendar dates (5 bytes: year(2) month day day_of_week) and times (4 bytes: hour minute second
 * hundredths) as the octets of Blue Book 4.1.6.1, without a tag. */
void mfw_cosem_class_put_date_raw(const struct mfw_tou_date *d, struct mfw_wcursor *w);
void mfw_cosem_class_put_time_raw(const struct mfw_tou_time *t, struct mfw_wcursor *w);
void mfw_cosem_class_date_of(const uint8_t *p, struct mfw_tou_date *d);
void mfw_cosem_class_time_of(const uint8_t *p, struct mfw_tou_time *t);
/* An octet-string of exactly n bytes (or a date-time / date / time of that size): its contents,
 * or NULL. */
const uint8_t *mfw_cosem_class_get_fixed(struct mfw_rcursor *rc, size_t n);
/* The parameter of a method that takes integer(0) (reset, next_period, activate, adjust_to_*):
 * none, or exactly one integer. */
bool mfw_cosem_class_no_params(struct mfw_rcursor *params);

/* A meter verb's error as a Data-Access-Result: MFW_E_IO / MFW_E_CRC hardware-fault,
 * MFW_E_STATE temporary-failure, anything else other-reason. */
int mfw_cosem_class_result(int rc);
/* mfw_meter_apply_settings of a changed copy, as a Data-Access-Result. */
int mfw_cosem_class_apply(struct mfw_meter *m, const struct mfw_meter_settings *s);

/* A whole value of the given reader: false when it is of another type or has trailing bytes. */
#define MFW_COSEM_READ_ONE(rc_, call_) ((call_) == MFW_OK && mfw_rcursor_left(rc_) == 0)

#endif /* METERFW_COSEM_COSEM_CLASS_H */
