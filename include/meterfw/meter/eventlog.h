/* SPDX-License-Identifier: Apache-2.0 */
/* eventlog: the meter's event logs (Profile generic IC 7 with {clock, event code, parameters}),
 * one store ring each, with their counters.
 *
 * Entry on flash (one store ring entry, MFW_EVENTLOG_ENTRY_SIZE bytes, little-endian):
 *   off size
 *    0   8  time, int64 UTC ms
 *    8   2  event code (IDIS, enum mfw_event_code)
 *   10   1  phase: 0 = none, 1..3 = L1..L3; in the power failure log a mask (bit 0 = L1 ...)
 *   11   1  flags (EVENTLOG_F_*)
 *   12   8  v1, int64  \  what the event needs: see enum mfw_event_code and mfw_eventlog_power_failure;
 *   20   8  v2, int64  /  0 when unused
 * Parameters by log:
 *  - RTC log, codes 4/5 (clock adjusted): v1 = old time, v2 = new time (UTC ms); both codes carry
 *    both times.
 *  - power failure log: time = end of the failure (power back), v1 = start (UTC ms),
 *    v2 = duration (s), phase = mask of the phases that failed.
 *  - power quality log: v1 = magnitude (V x 100, the extreme value of the event), v2 = duration (ms);
 *    codes 90 / 95 / 96 / 97: v1 = the unbalance (% x 100) or the frequency (Hz x 100).
 *  - disconnector log: v1 = limiter threshold (W) where relevant.
 *  - code 255 (log cleared): v1 = number of entries the log held before.
 *
 * Depth: the newest MFW_EVENTLOG_DEPTH (200) entries of each log are exposed, index 0 the oldest; the
 * ring may keep more until its next sector erase. A log is only ever cleared by
 * mfw_eventlog_clear(), which logs the clear itself (code 255) in that log.
 *
 * Counters (struct mfw_eventlog_counters) are plain state the meter persists with its own record:
 * mfw_eventlog_save/restore give their checked, endian-independent form in the STATE record. They survive a
 * clear of the log. */
#ifndef METERFW_METER_EVENTLOG_H
#define METERFW_METER_EVENTLOG_H

#include <stddef.h>
#include <stdint.h>

#include "meterfw/base/options.h"
#include "meterfw/base/persist.h"

#include "meterfw/base/time.h"
#include "meterfw/store/store.h"

#define MFW_EVENTLOG_ENTRY_SIZE 28u

enum mfw_eventlog_id {
    MFW_EVENTLOG_STANDARD = 0,      /* 0.0.99.98.0.255, code object 0.0.96.11.0.255 */
    MFW_EVENTLOG_FRAUD = 1,         /* 0.0.99.98.1.255, 0.0.96.11.1.255 */
    MFW_EVENTLOG_DISCONNECTOR = 2,  /* 0.0.99.98.2.255, 0.0.96.11.2.255 */
    MFW_EVENTLOG_POWER_QUALITY = 3, /* 0.0.99.98.4.255, 0.0.96.11.4.255 */
    MFW_EVENTLOG_RTC = 4, /* 0.0.99.98.6.255, 0.0.96.11.6.255: design choice (no IDIS OBIS) */
    MFW_EVENTLOG_POWER_FAILURE = 5, /* 1.0.99.97.0.255, no code object */
    MFW_EVENTLOG_COUNT
};

/* IDIS event codes. */
enum mfw_event_code {
    MFW_EVENT_POWER_DOWN = 1,
    MFW_EVENT_POWER_UP = 2,
    MFW_EVENT_DST_CHANGE = 3,
    MFW_EVENT_CLOCK_ADJUSTED_OLD = 4,
    MFW_EVENT_CLOCK_ADJUSTED_NEW = 5,
    MFW_EVENT_CLOCK_INVALID = 6,
    MFW_EVENT_REPLACE_BATTERY = 7,
    MFW_EVENT_BATTERY_LOW = 8,
    MFW_EVENT_TOU_ACTIVATED = 9,
    MFW_EVENT_ERROR_REGISTER_CLEARED = 10,
    MFW_EVENT_ALARM_REGISTER_CLEARED = 11,
    MFW_EVENT_PROGRAM_MEMORY_ERROR = 12,
    MFW_EVENT_RAM_ERROR = 13,
    MFW_EVENT_NV_MEMORY_ERROR = 14,
    MFW_EVENT_WATCHDOG_ERROR = 15,
    MFW_EVENT_MEASUREMENT_ERROR = 16,
    MFW_EVENT_FW_READY = 17,
    MFW_EVENT_FW_ACTIVATED = 18,
    MFW_EVENT_TOU_PROGRAMMED = 19,
    MFW_EVENT_TERMINAL_COVER_REMOVED = 40,
    MFW_EVENT_TERMINAL_COVER_CLOSED = 41,
    MFW_EVENT_MAGNETIC_FIELD = 42,
    MFW_EVENT_MAGNETIC_FIELD_GONE = 43,
    MFW_EVENT_METER_COVER_REMOVED = 44,
    MFW_EVENT_METER_COVER_CLOSED = 45,
    MFW_EVENT_AUTH_FAILURE = 46,
    MFW_EVENT_PARAMETERS_CHANGED = 47,
    MFW_EVENT_GLOBAL_KEY_CHANGED = 48,
    MFW_EVENT_DECRYPT_FAILURE = 49,
    MFW_EVENT_REPLAY_ATTACK = 50,
    MFW_EVENT_FW_VERIFICATION_FAILED = 51,
    /* fraud log: unexpected energy export (S7's alarm bit, [U] as a code); phase / neutral
     * current mismatch start and end, voltage lost while current flows (design choices: codes
     * no IDIS list gives) */
    MFW_EVENT_UNEXPECTED_EXPORT = 52,
    MFW_EVENT_CURRENT_MISMATCH = 54,
    MFW_EVENT_CURRENT_MISMATCH_GONE = 55,
    MFW_EVENT_VOLTAGE_LOSS_WITH_CURRENT = 56,
    MFW_EVENT_DISC_READY_FOR_RECONNECT = 59,
    MFW_EVENT_DISC_MANUAL_DISCONNECT = 60,
    MFW_EVENT_DISC_MANUAL_CONNECT = 61,
    MFW_EVENT_DISC_REMOTE_DISCONNECT = 62,
    MFW_EVENT_DISC_REMOTE_CONNECT = 63,
    MFW_EVENT_DISC_LOCAL_DISCONNECT = 64,
    MFW_EVENT_LIMITER_EXCEEDED = 65,
    MFW_EVENT_LIMITER_OK = 66,
    MFW_EVENT_LIMITER_CHANGED = 67,
    MFW_EVENT_DISC_FAILURE = 68,
    MFW_EVENT_DISC_LOCAL_CONNECT = 69,
    MFW_EVENT_UNDERVOLTAGE_L1 = 76,    /* L2 = 77, L3 = 78 */
    MFW_EVENT_OVERVOLTAGE_L1 = 79,     /* 80, 81 */
    MFW_EVENT_MISSING_VOLTAGE_L1 = 82, /* 83, 84 */
    MFW_EVENT_VOLTAGE_NORMAL_L1 = 85,  /* 86, 87 */
    MFW_EVENT_PHASE_SEQUENCE_REVERSAL = 88,
    MFW_EVENT_MISSING_NEUTRAL = 89,
    /* power quality log: voltage unbalance (90 phase asymmetry, S7 [U]) and its end, frequency
     * outside its band and back (design choices) */
    MFW_EVENT_UNBALANCE = 90,
    MFW_EVENT_UNBALANCE_GONE = 95,
    MFW_EVENT_FREQUENCY_DEVIATION = 96,
    MFW_EVENT_FREQUENCY_NORMAL = 97,
    /* standard log: the neutral fault is over (design choice) */
    MFW_EVENT_NEUTRAL_RESTORED = 98,
    /* standard log, prepayment (design choices, codes no IDIS list uses): a top-up applied (v1
     * transaction id, v2 Wh), one refused (v1 id, v2 why: 1 applied before, 2 older than every
     * remembered one, 3 bad amount), credit low, credit used up, emergency credit invoked,
     * the account activated, closed */
    MFW_EVENT_TOPUP = 230,
    MFW_EVENT_TOPUP_REFUSED = 231,
    MFW_EVENT_LOW_CREDIT = 232,
    MFW_EVENT_OUT_OF_CREDIT = 233,
    MFW_EVENT_EMERGENCY_CREDIT = 234,
    MFW_EVENT_ACCOUNT_ACTIVATED = 235,
    MFW_EVENT_ACCOUNT_CLOSED = 236,
    /* A current or voltage beyond the ADC's range (over-current: the window reads too low) on
     * L1 (L2 = 241, L3 = 242), and its end (244..246). IDIS reserves codes from 230 up for the
     * manufacturer [M]: there is no IDIS over-current code (230..236 are the prepayment's). Power quality log: v1 = the
     * window's Irms in mA (as read: below the real one), v2 = the duration in ms at the end. */
    MFW_EVENT_OVER_RANGE_L1 = 240,
    MFW_EVENT_OVER_RANGE_END_L1 = 244,
    MFW_EVENT_PROFILE_CLEARED = 254,
    MFW_EVENT_LOG_CLEARED = 255,
};

enum mfw_eventlog_flags {
    MFW_EVENTLOG_F_PHASE_MASK = 0x01, /* phase is a mask of phases (power failure log) */
};

struct mfw_eventlog_entry {
    mfw_ms_t time;
    uint16_t code;
    uint8_t phase;
    uint8_t flags;
    int64_t v1, v2;
};

/* Codes with their own counter (mfw_eventlog_code_count); others are counted per log only. */
#define MFW_EVENTLOG_COUNTED_CODES 25u

/* Power failure counters, index: 0 any phase, 1..3 L1..L3, 4 all phases at once.
 * OBIS [U]: 0.0.96.7.21 (any), 0.0.96.7.1..3 (L1..L3), 0.0.96.7.0 (all phases);
 * long: 0.0.96.7.9 (any), 0.0.96.7.6..8, 0.0.96.7.5. */
enum {
    MFW_EVENTLOG_PF_ANY = 0,
    MFW_EVENTLOG_PF_L1 = 1,
    MFW_EVENTLOG_PF_ALL = 4,
    MFW_EVENTLOG_PF_SLOTS = 5
};

struct mfw_eventlog_counters {
    uint32_t logged[MFW_EVENTLOG_COUNT];          /* events ever logged per log */
    uint16_t last_code[MFW_EVENTLOG_COUNT];       /* the event code object 0.0.96.11.x.255 */
    uint32_t by_code[MFW_EVENTLOG_COUNTED_CODES]; /* per mfw_eventlog_counted_code(k) */
    uint32_t power_failures[MFW_EVENTLOG_PF_SLOTS];
    uint32_t long_power_failures[MFW_EVENTLOG_PF_SLOTS];
    uint32_t long_pf_threshold_s; /* 0.0.96.7.20.255 */
};

struct mfw_eventlog {
    uint8_t area[MFW_EVENTLOG_COUNT]; /* store ring area of each log */
    uint8_t phases;                   /* phases of the meter (1 or 3): "all phases" failures */
    struct mfw_eventlog_counters counters;
};

/* Bytes of the encoded counters (version byte included). */

/* Counters zero, threshold MFW_EVENTLOG_LONG_PF_S. MFW_E_ARG for NULL, phases not 1..3 or two logs on
 * the same area. Touches no flash. */
int mfw_eventlog_init(struct mfw_eventlog *el, const uint8_t area[MFW_EVENTLOG_COUNT],
                      unsigned phases);

/* MFW_OK when every log's area is a ring of entries >= MFW_EVENTLOG_ENTRY_SIZE keeping >= 200. */
int mfw_eventlog_check_areas(const struct mfw_eventlog *el, const struct mfw_store *s);

/* Appends one entry and counts it. MFW_E_ARG for a bad log or phase > 3 (outside the power
 * failure log). */
int mfw_eventlog_add(struct mfw_eventlog *el, struct mfw_store *s, enum mfw_eventlog_id log,
                     mfw_ms_t time, uint16_t code, uint8_t phase, int64_t v1, int64_t v2);

/* A power failure of the phases in phase_mask (bit 0 = L1) from start for duration_s, reported
 * when power is back at end = start + duration: counts it (any / per phase / all phases) and, if
 * duration_s > the long threshold, counts a long failure and logs it in the power failure log
 * (code MFW_EVENT_POWER_DOWN, time = end, v1 = start, v2 = duration_s, phase = mask). Returns 1 when an
 * entry was logged, 0 when not (short failure), or an error. */
int mfw_eventlog_power_failure(struct mfw_eventlog *el, struct mfw_store *s, uint8_t phase_mask,
                               mfw_ms_t start, uint32_t duration_s);

/* Entries exposed: min(ring count, MFW_EVENTLOG_DEPTH). */
uint32_t mfw_eventlog_count(const struct mfw_eventlog *el, const struct mfw_store *s,
                            enum mfw_eventlog_id log);
/* index 0 = oldest exposed. MFW_E_RANGE past the end; MFW_E_FORMAT for an unreadable entry. */
int mfw_eventlog_read(const struct mfw_eventlog *el, struct mfw_store *s, enum mfw_eventlog_id log,
                      uint32_t index, struct mfw_eventlog_entry *out);

/* The explicit clear command: clears the log, then logs MFW_EVENT_LOG_CLEARED at time in it (v1 = number
 * of entries exposed before). Counters are kept (and count the clear entry). */
int mfw_eventlog_clear(struct mfw_eventlog *el, struct mfw_store *s, enum mfw_eventlog_id log,
                       mfw_ms_t time);

/* Counter of a counted code (any log); 0 for a code without its own counter. */
uint32_t mfw_eventlog_code_count(const struct mfw_eventlog *el, uint16_t code);
/* The k-th counted code (k < MFW_EVENTLOG_COUNTED_CODES), 0 past the end. */
uint16_t mfw_eventlog_counted_code(unsigned k);

/* Logical names of a log and of its event code object (NULL when the log has none). */
const uint8_t *mfw_eventlog_obis(enum mfw_eventlog_id log);
const uint8_t *mfw_eventlog_code_obis(enum mfw_eventlog_id log);

/* The counters in the STATE record, field by field; restore checks each (a last code that is an
 * IDIS code, long failures no more than failures, a threshold in range) into el: restore into a
 * copy, r keeps the first bad field. */
void mfw_eventlog_save(const struct mfw_eventlog *el, struct mfw_wcursor *w);
void mfw_eventlog_restore(struct mfw_eventlog *el, struct mfw_persist_reader *r);

#endif /* METERFW_METER_EVENTLOG_H */
