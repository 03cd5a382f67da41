/* eventlog: the meter's event logs (Profile generic IC 7 with {clock, event code, parameters}),
 * one store ring each, with their counters.
 *
 * Entry on flash (one store ring entry, EVENTLOG_ENTRY_SIZE bytes, little-endian):
 *   off size
 *    0   8  time, int64 UTC ms
 *    8   2  event code (IDIS, enum event_code)
 *   10   1  phase: 0 = none, 1..3 = L1..L3; in the power failure log a mask (bit 0 = L1 ...)
 *   11   1  flags (EVENTLOG_F_*)
 *   12   8  v1, int64  \  what the event needs: see enum event_code and eventlog_power_failure;
 *   20   8  v2, int64  /  0 when unused
 * Parameters by log:
 *  - RTC log, codes 4/5 (clock adjusted): v1 = old time, v2 = new time (UTC ms); both codes carry
 *    both times.
 *  - power failure log: time = end of the failure (power back), v1 = start (UTC ms),
 *    v2 = duration (s), phase = mask of the phases that failed.
 *  - power quality log: v1 = magnitude (V x 100, the extreme value of the event), v2 = duration (s).
 *  - disconnector log: v1 = limiter threshold (W) where relevant.
 *  - code 255 (log cleared): v1 = number of entries the log held before.
 *
 * Depth: the newest EVENTLOG_DEPTH (200) entries of each log are exposed, index 0 the oldest; the
 * ring may keep more until its next sector erase. A log is only ever cleared by
 * eventlog_clear(), which logs the clear itself (code 255) in that log.
 *
 * Counters (struct eventlog_counters) are plain state the meter persists with its own record:
 * eventlog_counters_encode/decode give a versioned, endian-independent byte form. They survive a
 * clear of the log. */
#ifndef METERFW_METER_EVENTLOG_H
#define METERFW_METER_EVENTLOG_H

#include <stddef.h>
#include <stdint.h>

#include "meterfw/store/store.h"
#include "meterfw/base/time.h"

#ifndef EVENTLOG_DEPTH
#define EVENTLOG_DEPTH 200u
#endif
/* Default long power failure threshold (0.0.96.7.20.255), seconds. IDIS/DSMR default 180 s. */
#ifndef EVENTLOG_LONG_PF_S
#define EVENTLOG_LONG_PF_S 180u
#endif

#define EVENTLOG_ENTRY_SIZE 28u

enum event_log {
    EVLOG_STANDARD = 0,      /* 0.0.99.98.0.255, code object 0.0.96.11.0.255 */
    EVLOG_FRAUD = 1,         /* 0.0.99.98.1.255, 0.0.96.11.1.255 */
    EVLOG_DISCONNECTOR = 2,  /* 0.0.99.98.2.255, 0.0.96.11.2.255 */
    EVLOG_POWER_QUALITY = 3, /* 0.0.99.98.4.255, 0.0.96.11.4.255 */
    EVLOG_RTC = 4,           /* 0.0.99.98.6.255, 0.0.96.11.6.255: design choice (no IDIS OBIS) */
    EVLOG_POWER_FAILURE = 5, /* 1.0.99.97.0.255, no code object */
    EVLOG_COUNT
};

/* IDIS event codes (idis-objects.md 6.1). */
enum event_code {
    EV_POWER_DOWN = 1,
    EV_POWER_UP = 2,
    EV_DST_CHANGE = 3,
    EV_CLOCK_ADJUSTED_OLD = 4,
    EV_CLOCK_ADJUSTED_NEW = 5,
    EV_CLOCK_INVALID = 6,
    EV_REPLACE_BATTERY = 7,
    EV_BATTERY_LOW = 8,
    EV_TOU_ACTIVATED = 9,
    EV_ERROR_REGISTER_CLEARED = 10,
    EV_ALARM_REGISTER_CLEARED = 11,
    EV_PROGRAM_MEMORY_ERROR = 12,
    EV_RAM_ERROR = 13,
    EV_NV_MEMORY_ERROR = 14,
    EV_WATCHDOG_ERROR = 15,
    EV_MEASUREMENT_ERROR = 16,
    EV_FW_READY = 17,
    EV_FW_ACTIVATED = 18,
    EV_TOU_PROGRAMMED = 19,
    EV_TERMINAL_COVER_REMOVED = 40,
    EV_TERMINAL_COVER_CLOSED = 41,
    EV_MAGNETIC_FIELD = 42,
    EV_MAGNETIC_FIELD_GONE = 43,
    EV_METER_COVER_REMOVED = 44,
    EV_METER_COVER_CLOSED = 45,
    EV_AUTH_FAILURE = 46,
    EV_PARAMETERS_CHANGED = 47,
    EV_GLOBAL_KEY_CHANGED = 48,
    EV_DECRYPT_FAILURE = 49,
    EV_REPLAY_ATTACK = 50,
    EV_FW_VERIFICATION_FAILED = 51,
    EV_DISC_READY_FOR_RECONNECT = 59,
    EV_DISC_MANUAL_DISCONNECT = 60,
    EV_DISC_MANUAL_CONNECT = 61,
    EV_DISC_REMOTE_DISCONNECT = 62,
    EV_DISC_REMOTE_CONNECT = 63,
    EV_DISC_LOCAL_DISCONNECT = 64,
    EV_LIMITER_EXCEEDED = 65,
    EV_LIMITER_OK = 66,
    EV_LIMITER_CHANGED = 67,
    EV_DISC_FAILURE = 68,
    EV_DISC_LOCAL_CONNECT = 69,
    EV_UNDERVOLTAGE_L1 = 76, /* L2 = 77, L3 = 78 */
    EV_OVERVOLTAGE_L1 = 79,  /* 80, 81 */
    EV_MISSING_VOLTAGE_L1 = 82, /* 83, 84 */
    EV_VOLTAGE_NORMAL_L1 = 85,  /* 86, 87 */
    EV_PHASE_SEQUENCE_REVERSAL = 88,
    EV_MISSING_NEUTRAL = 89,
    EV_PROFILE_CLEARED = 254,
    EV_LOG_CLEARED = 255,
};

enum eventlog_flags {
    EVENTLOG_F_PHASE_MASK = 0x01, /* phase is a mask of phases (power failure log) */
};

struct eventlog_entry {
    mfw_ms_t time;
    uint16_t code;
    uint8_t phase;
    uint8_t flags;
    int64_t v1, v2;
};

/* Codes with their own counter (eventlog_code_count); others are counted per log only. */
#define EVENTLOG_COUNTED_CODES 25u

/* Power failure counters, index: 0 any phase, 1..3 L1..L3, 4 all phases at once.
 * OBIS [U]: 0.0.96.7.21 (any), 0.0.96.7.1..3 (L1..L3), 0.0.96.7.0 (all phases);
 * long: 0.0.96.7.9 (any), 0.0.96.7.6..8, 0.0.96.7.5. */
enum { EVENTLOG_PF_ANY = 0, EVENTLOG_PF_L1 = 1, EVENTLOG_PF_ALL = 4, EVENTLOG_PF_SLOTS = 5 };

struct eventlog_counters {
    uint32_t logged[EVLOG_COUNT];               /* events ever logged per log */
    uint16_t last_code[EVLOG_COUNT];            /* the event code object 0.0.96.11.x.255 */
    uint32_t by_code[EVENTLOG_COUNTED_CODES];   /* per eventlog_counted_code(k) */
    uint32_t power_failures[EVENTLOG_PF_SLOTS];
    uint32_t long_power_failures[EVENTLOG_PF_SLOTS];
    uint32_t long_pf_threshold_s;               /* 0.0.96.7.20.255 */
};

struct eventlog {
    uint8_t area[EVLOG_COUNT]; /* store ring area of each log */
    uint8_t phases;            /* phases of the meter (1 or 3): "all phases" failures */
    struct eventlog_counters c;
};

/* Bytes of the encoded counters (version byte included). */
#define EVENTLOG_COUNTERS_SIZE (1u + 4u * EVLOG_COUNT + 2u * EVLOG_COUNT +                      \
                                4u * EVENTLOG_COUNTED_CODES + 8u * EVENTLOG_PF_SLOTS + 4u)

/* Counters zero, threshold EVENTLOG_LONG_PF_S. MFW_E_ARG for NULL, phases not 1..3 or two logs on
 * the same area. Touches no flash. */
int eventlog_init(struct eventlog *el, const uint8_t area[EVLOG_COUNT], unsigned phases);

/* MFW_OK when every log's area is a ring of entries >= EVENTLOG_ENTRY_SIZE keeping >= 200. */
int eventlog_check_areas(const struct eventlog *el, const struct store *s);

/* Appends one entry and counts it. MFW_E_ARG for a bad log or phase > 3 (outside the power
 * failure log). */
int eventlog_add(struct eventlog *el, struct store *s, enum event_log log, mfw_ms_t time,
                 uint16_t code, uint8_t phase, int64_t v1, int64_t v2);

/* A power failure of the phases in phase_mask (bit 0 = L1) from start for duration_s, reported
 * when power is back at end = start + duration: counts it (any / per phase / all phases) and, if
 * duration_s > the long threshold, counts a long failure and logs it in the power failure log
 * (code EV_POWER_DOWN, time = end, v1 = start, v2 = duration_s, phase = mask). Returns 1 when an
 * entry was logged, 0 when not (short failure), or an error. */
int eventlog_power_failure(struct eventlog *el, struct store *s, uint8_t phase_mask,
                           mfw_ms_t start, uint32_t duration_s);

/* Entries exposed: min(ring count, EVENTLOG_DEPTH). */
uint32_t eventlog_count(const struct eventlog *el, const struct store *s, enum event_log log);
/* index 0 = oldest exposed. MFW_E_RANGE past the end; MFW_E_FORMAT for an unreadable entry. */
int eventlog_read(const struct eventlog *el, struct store *s, enum event_log log, uint32_t index,
                  struct eventlog_entry *out);

/* The explicit clear command: clears the log, then logs EV_LOG_CLEARED at time in it (v1 = number
 * of entries exposed before). Counters are kept (and count the clear entry). */
int eventlog_clear(struct eventlog *el, struct store *s, enum event_log log, mfw_ms_t time);

/* Counter of a counted code (any log); 0 for a code without its own counter. */
uint32_t eventlog_code_count(const struct eventlog *el, uint16_t code);
/* The k-th counted code (k < EVENTLOG_COUNTED_CODES), 0 past the end. */
uint16_t eventlog_counted_code(unsigned k);

/* Logical names of a log and of its event code object (NULL when the log has none). */
const uint8_t *eventlog_obis(enum event_log log);
const uint8_t *eventlog_code_obis(enum event_log log);

/* Persisting the counters. encode: *len = EVENTLOG_COUNTERS_SIZE; MFW_E_NOSPACE if cap is
 * smaller. decode: MFW_E_FORMAT for a wrong length, MFW_E_VERSION for another version; el
 * unchanged on error. */
int eventlog_counters_encode(const struct eventlog *el, uint8_t *buf, size_t cap, size_t *len);
int eventlog_counters_decode(struct eventlog *el, const uint8_t *buf, size_t len);

#endif /* METERFW_METER_EVENTLOG_H */
