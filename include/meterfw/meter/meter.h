/* SPDX-License-Identifier: Apache-2.0 */
/* meter: the application. Owns the registers and every function of the meter; all state of one
 * meter is one struct mfw_meter, owned by the caller, so a process can hold a fleet.
 *
 *   struct mfw_meter m;
 *   mfw_meter_default_config(&cfg, MFW_METER_382M);
 *   mfw_meter_init(&m, &cfg, &hal, rtc_now);  // mounts the store, restores state, logs power-up
 *   mfw_meter_samples(&m, frames, n);         // ADC sample sets in: metrology only, bounded time
 *   mfw_meter_tick(&m, rtc_now);              // every ~10-20 ms: registers, tariffs, demand, profiles,
 *                                         // billing, events, voltage quality, pulses, checkpoints
 *   ...                                   // supply failing: the meter saves itself and stops
 *
 * Time: the port passes its RTC time (UTC ms, kept running by a backup while the meter is off);
 * the meter's clock is RTC + an offset that clock set/shift change (clock.h).
 *
 * Persistence (store.h): a CONFIG record (clock, TOU calendars, demand, billing, quality and
 * profile settings) written when the configuration changes, a STATE record (registers, counters,
 * the running state of demand, billing, quality and profiles) written at checkpoints, at the end of
 * a billing period, at a clock change and when the supply fails, and the profile and event-log
 * rings. What a sudden cut without warning can lose is bounded by the checkpoint rule: see
 * meter_config.checkpoint_*. */
#ifndef METERFW_METER_METER_H
#define METERFW_METER_METER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/base/time.h"
#include "meterfw/hal/hal.h"
#include "meterfw/meter/alarm.h"
#include "meterfw/meter/billing.h"
#include "meterfw/meter/clock.h"
#include "meterfw/meter/demand.h"
#include "meterfw/meter/disconnector.h"
#include "meterfw/meter/eventlog.h"
#include "meterfw/meter/image.h"
#include "meterfw/meter/keys.h"
#include "meterfw/meter/limiter.h"
#include "meterfw/meter/loadctl.h"
#include "meterfw/meter/neutral.h"
#include "meterfw/meter/prepayment.h"
#include "meterfw/meter/profile.h"
#include "meterfw/meter/pulse.h"
#include "meterfw/meter/quality.h"
#include "meterfw/meter/script.h"
#include "meterfw/meter/tamper.h"
#include "meterfw/meter/tou.h"
#include "meterfw/metrology/metrology.h"
#include "meterfw/store/store.h"

enum mfw_meter_model {
    MFW_METER_162M = 1, /* direct 1-phase 2-wire */
    MFW_METER_382M = 3, /* direct 3-phase 4-wire */
};

/* The store areas of a meter (indices into store_cfg.area). */
enum mfw_meter_area {
    MFW_AREA_CONFIG = 0,
    MFW_AREA_STATE,
    MFW_AREA_LP1,
    MFW_AREA_DAILY,
    MFW_AREA_BILLING,
    MFW_AREA_ANALYSIS,
    MFW_AREA_EVLOG0,                                          /* MFW_EVENTLOG_COUNT rings follow */
    MFW_AREA_SECURITY = MFW_AREA_EVLOG0 + MFW_EVENTLOG_COUNT, /* keys, titles, policy (keys.h) */
    MFW_AREA_COUNTERS, /* the invocation counter reservation and floors (keys.h) */
    MFW_AREA_PREPAY,   /* the prepayment ledger: top-ups, ids, the reservation (prepayment.h) */
    MFW_AREA_COUNT,
};

enum mfw_meter_profile_id {
    MFW_PROF_LP1 = 0,
    MFW_PROF_DAILY,
    MFW_PROF_BILLING,
    MFW_PROF_ANALYSIS,
    MFW_PROF_COUNT
};

/* Error register 0.0.97.97.0.255 bits (IDIS, the bits of alarm register 1: references/idis-objects.md
 * section 7, [U]): a self-diagnosis the meter keeps until a client clears it. */
enum mfw_meter_error_bit {
    MFW_METER_ERROR_CLOCK_INVALID = 1u << 0,
    MFW_METER_ERROR_NV_MEMORY = 1u << 10,
    MFW_METER_ERROR_MEASUREMENT = 1u << 11,
    MFW_METER_ERROR_WATCHDOG = 1u << 12,
};

/* What the last power-up found in the flash (mfw_meter_init), for the port to report. A field is a
 * string literal naming the first thing refused, NULL when nothing was. */
struct mfw_meter_restore {
    const char *refused;        /* why mfw_meter_init failed (MFW_E_FORMAT, MFW_E_RANGE) */
    const char *config_field;   /* the CONFIG record was refused: the meter runs on defaults */
    const char *state_field;    /* the newest STATE record was refused */
    const char *security_field; /* the SECURITY or COUNTERS record was refused: no key, no
                                 * ciphering until new keys (fail closed) */
    uint32_t records_skipped;   /* STATE records refused before one was taken */
    bool state_lost;            /* no STATE record could be used: registers from the rows */
    uint32_t registers_raised;  /* registers raised to a stored row newer than the state */
    bool clock_behind;          /* the RTC was before the latest time the meter recorded */
    bool clock_ahead;           /* ... or implausibly far after it */
    mfw_ms_t latest;            /* the latest time the meter had recorded (-1: none) */
};

/* The AMR profile status bit the meter adds to a load profile row whose interval saw the breaker
 * open: registration stopped because the supply was disconnected. Bit 4 is "not used" in the
 * IDIS status (OSGP's AmrProfileStatusCodeFlag: bit 4 NOT_USED): a vendor choice. */
#define MFW_METER_LP_DISCONNECTED 0x10u

/* The single action schedules besides the end of billing (Blue Book OBIS [V: Gurux
 * OBISCodes.txt]: 0.0.15.0.1.255 "disconnect control", 0.0.15.0.3.255 "output control"; the
 * second output control schedule 0.1.15.0.3.255 is a design choice). Each runs one script at its
 * execution times (billing.h: the same matching as the end of billing). */
enum mfw_meter_schedule_id {
    MFW_SCHED_DISCONNECT = 0,
    MFW_SCHED_OUTPUT_A,
    MFW_SCHED_OUTPUT_B,
    MFW_SCHED_COUNT
};

struct mfw_meter_schedule_config {
    struct mfw_script_ref script;    /* IC 22 executed_script */
    struct mfw_billing_config times; /* IC 22 execution_time */
};

/* A configurable identifier (octet-string): the substation and the grid line the meter hangs on
 * (0.0.96.50.1.255 / 0.0.96.50.2.255, manufacturer-specific [U]), in the neutral fault's alarm. */
struct mfw_meter_grid_id {
    uint8_t len;
    uint8_t b[MFW_GRID_ID_MAX];
};

/* Energy registers in uWh / uvarh. */
struct mfw_meter_registers {
    uint64_t uwh[MFW_PHASES_MAX + 1][MFW_EQ_COUNT]; /* [phase] and [MFW_ENERGY_TOTAL] */
    uint64_t tariff[MFW_TARIFFS][4];                /* T1..T8 x A+, A-, R+, R- (totals) */
};

/* The configuration the meter persists (CONFIG record) and a utility can change. */
struct mfw_meter_settings {
    struct mfw_clock_config clock;
    struct mfw_tou tou;
    struct mfw_demand_config demand;
    struct mfw_billing_config billing;
    struct mfw_quality_config quality;
    struct mfw_profile_config lp1, analysis;
    uint8_t disconnect_mode; /* IC 70 control_mode 0..6 (disconnector.h): 5 */
    struct mfw_limiter_config limiter;
    struct mfw_loadctl_config loadctl;
    struct mfw_prepay_config prepay;
    struct mfw_neutral_config neutral;
    struct mfw_tamper_config tamper;
    struct mfw_alarm_config alarm;
    struct mfw_meter_schedule_config schedule[MFW_SCHED_COUNT];
    struct mfw_meter_grid_id substation, grid_line;
};

/* A communication module as the meter sees it (link/module.h fits and removes them): its kind
 * (enum mfw_module_kind, 0 = the slot is empty) and what it says it is. RAM only: a module
 * announces itself when it is fitted, also after a power-up. */
struct mfw_meter_module {
    uint8_t kind;
    char ident[MFW_MODULE_IDENT_MAX + 1]; /* NUL-terminated, printable ASCII */
};

/* Event codes of the standard log for a module change. Design choice [U]: the references name no
 * IDIS code for it; 200/201 lie in the range IDIS leaves to the manufacturer. v1 = the slot,
 * v2 = the module's kind. */
enum {
    MFW_EVENT_MODULE_FITTED = 200,
    MFW_EVENT_MODULE_REMOVED = 201,
};

/* The IDIS push setups (Push setup IC 40; references/idis-objects.md section 7): on
 * connectivity 0.0.25.9.0.255, on interval 0.1.25.9.0.255, on alarm 0.4.25.9.0.255, on
 * installation 0.7.25.9.0.255. The meter keeps their settings and what is due; the WAN module
 * (link/push.h) sends. RAM only in this version: a power-up starts from the port's settings. */
enum mfw_push_id {
    MFW_PUSH_CONNECTIVITY = 0,
    MFW_PUSH_INTERVAL,
    MFW_PUSH_ALARM,
    MFW_PUSH_INSTALLATION,
    MFW_PUSH_COUNT
};
struct mfw_push_setup {
    char destination[MFW_PUSH_DEST_MAX + 1]; /* "a.b.c.d:port" (attribute 3), "" = none */
    /* communication_window (attribute 4): local minutes of the day, [start, end); start == end:
     * no window, any time */
    uint16_t window_start_min, window_end_min;
    uint16_t randomisation_s;    /* randomisation_start_interval (5) */
    uint8_t retries;             /* number_of_retries (6) */
    uint16_t repetition_delay_s; /* repetition_delay (7) */
    uint32_t interval_s;         /* on interval: the period (IDIS: a push schedule), 0 = none */
};

struct mfw_meter_config {
    enum mfw_meter_model model;
    char serial[17];         /* NUL-terminated, e.g. "12345678" */
    double u_nominal_v;      /* 230 */
    double i_ref_a, i_max_a; /* current range Iref(Imax), e.g. 5(100) A */
    /* Model options: an integrated breaker (the disconnector: current ranges up to 85 A, the
     * brochure's "with breaker" list), and 0..2 load-control relays. */
    bool breaker;
    uint8_t load_relays;
    uint32_t pulse_imp_per_kwh;
    struct mfw_metrology_config metro;  /* phases, sample rate, summation, creep, calibration */
    struct mfw_meter_settings settings; /* defaults used when the store holds no CONFIG record */
    struct mfw_store_config store;      /* flash layout (AREA_*) */
    /* The security configuration of a new meter (keys, titles, policy; keys.h): what the meter
     * starts with when its store holds none, e.g. provisioned from a file by the port. A zero
     * server title is made from the serial number (mfw_keys_title_of_serial). */
    struct mfw_keys_config security;
    /* Checkpoints: the STATE record is written when the energy registers (A+ + A- + R+ + R-
     * total, Wh and varh alike) grew by checkpoint_wh since the last save and at least
     * checkpoint_min_s passed, or every checkpoint_max_s. A cut without warning loses at most
     * max(checkpoint_wh, E x checkpoint_min_s) plus one tick, of all four energies together. */
    uint32_t checkpoint_wh;    /* 100 Wh */
    uint32_t checkpoint_min_s; /* 60 s */
    uint32_t checkpoint_max_s;
    /* 900 s */ /* An RTC that comes back more than this after the latest time the meter recorded is not
     * believed (its backup cannot have run that long): the clock is invalid until set. 10 years,
     * the life of a lithium RTC backup cell. */
    uint32_t rtc_plausible_days;
};

struct mfw_meter {
    struct mfw_meter_config config;
    const struct mfw_hal *hal;
    struct mfw_metrology metrology;
    struct mfw_store store;
    bool persistent; /* the HAL has a flash and the store mounted */
    struct mfw_meter_settings settings;
    struct mfw_clock clock;
    struct mfw_meter_registers registers;
    struct mfw_demand demand;
    struct mfw_billing billing;
    struct mfw_quality quality;
    struct mfw_eventlog events;
    struct mfw_keys keys;   /* security material and invocation counters (keys.h) */
    struct mfw_image image; /* a firmware update in progress (image.h; RAM only) */
    /* hal.image, hal.legal_checksum and hal.ctx as mfw_meter_init found them (a caller may
     * drop a hal it powered the meter up with only to check a configuration) */
    const struct mfw_image_port *image_port;
    int (*legal_checksum)(void *ctx, uint32_t *crc, uint32_t *len);
    void *hal_ctx;
    struct mfw_profile profiles[MFW_PROF_COUNT];
    struct mfw_metrology_values now_values; /* latest window */
    bool have_values;
    struct mfw_pulse_output s0;   /* A+ total on the S0 output */
    struct mfw_pulse_output led;  /* A+ total on the test LED */
    struct mfw_disconnector disc; /* the breaker (a model with breaker) */
    struct mfw_limiter limiter;
    struct mfw_loadctl loadctl;
    struct mfw_prepay prepay;
    struct mfw_neutral neutral;
    struct mfw_tamper tamper;
    struct mfw_alarm alarm;
    struct mfw_billing schedule[MFW_SCHED_COUNT]; /* their running state */
    uint8_t relays_set; /* the relays as last told to the HAL (bit per enum mfw_hal_relay) */
    bool relays_told;   /* relays_set is valid */
    bool button;        /* the button as last seen */
    uint32_t store_errors_seen; /* store errors the NV memory diagnosis has reported */
    bool measurement_fault;     /* a measurement window that was not sense (event 16 logged) */
    bool unlocked;              /* no frequency lock with a voltage present ... */
    mfw_ms_t unlocked_since;    /* ... since (RAM: a power-up starts unlocked anyway) */
    mfw_ms_t rtc;               /* RTC time of the last tick */
    mfw_ms_t now;               /* meter (clock) time of the last tick, UTC */
    struct {                    /* Clock IC 8 m5 preset_adjusting_time (RAM: a power-up ends it) */
        bool set;
        mfw_ms_t time, from, to; /* UTC: the time to set, and the validity interval */
    } clock_preset;
    struct mfw_local_time local; /* local time of the last tick */
    uint8_t tariff;              /* active tariff 1..8 */
    bool tou_inconsistent;       /* the active calendar could not resolve the tariff */
    bool down;                   /* the supply failed: state saved, the meter waits for power-up */
    uint8_t lp_status;           /* AMR status bits collected for the load profile's next row */
    uint8_t over_range;          /* bit p: phase p is beyond the ADC's range (an episode open) */
    mfw_ms_t over_range_since[MFW_PHASES_MAX]; /* when that episode began */
    mfw_ms_t last_recorded;  /* the latest time the meter recorded (state, rows, events) */
    uint32_t error_register; /* enum mfw_meter_error_bit */
    struct mfw_meter_module modules[MFW_MODULE_SLOTS]; /* what is fitted (link/module.h) */
    /* The consumer text message 0.0.96.13.0.255 (IDIS section 13; DSMR 5.0.2 7.2: shown on the
     * P1 port), set by the management client; RAM only, like a display message. */
    uint8_t consumer_text[MFW_CONSUMER_TEXT_MAX];
    uint16_t consumer_text_len;
    bool consumer_disabled; /* the consumer channel switched off (0.0.96.128.10.255; RAM) */
    struct mfw_push_setup push[MFW_PUSH_COUNT]; /* the push setups (RAM) */
    uint8_t push_pending;                       /* bit k: push k is due (mfw_meter_push_trigger) */
    struct mfw_meter_restore restore;
    /* checkpoints */
    mfw_ms_t last_save;
    uint64_t saved_uwh; /* A+ + A- + R+ + R- total at the last save */
    uint32_t saves, store_errors;
};

/* Defaults for a model: 230 V, 5(100) A, 4000 Hz, 50 Hz, 1000 imp/kWh, vector summation, creep
 * 10 mA, unity calibration, CET with EU summer time, the default two-season TOU calendar with
 * holidays, 15-min block demand, monthly billing at 00:00 on day 1, 15-min load profile of 40 days,
 * the flash layout of mfw_meter_store_layout (about 700 KiB in 4 KiB sectors). */
void mfw_meter_default_config(struct mfw_meter_config *c, enum mfw_meter_model model);
/* Sizes the flash layout (cfg.store) for a load profile of lp1_days days at 15 minutes
 * (settings.lp1.depth = 96 x days) and every other profile and log at its default depth. The
 * default is 40 days; a year needs about 2.1 MiB of flash. */
void mfw_meter_store_layout(struct mfw_meter_config *c, uint32_t lp1_days);
/* The default calendar: summer (Apr-Sep) and winter (Oct-Mar); weekdays T1 07:00-21:00 and T2 at
 * night, in winter T3 for the 17:00-20:00 peak; weekends and holidays (01-01, 12-25, 12-26) T2. */
void mfw_meter_default_tou(struct mfw_tou *t);

/* Mounts the store (if the HAL has flash), restores configuration and state, and logs the
 * power-up with the power failure it ends. rtc_now: the RTC time now.
 * The meter's word after any fault (m->restore says what was found):
 *  - a flash that holds nothing of this meter's layout (random bytes, zeros, another format) is
 *    not formatted: MFW_E_FORMAT, the flash untouched (a port may format it on request:
 *    mfw_store_format, then init again);
 *  - a STATE record of another model, phase count or serial number: MFW_E_RANGE, nothing written;
 *  - a STATE record that is not sense (any field out of its domain) is refused and the one before
 *    it is tried; with none left the registers come from the newest stored rows (load, daily,
 *    billing profile); either way NV memory error (event 14), the error register bit and the
 *    next rows flagged "data not valid";
 *  - registers are never below a stored row: a row newer than the state raises them;
 *  - an RTC before the latest time the meter recorded, or more than rtc_plausible_days after it,
 *    makes the clock invalid until set (status, event 6, rows flagged), and rows never go out of
 *    order (a profile resumes after its newest row). */
int mfw_meter_init(struct mfw_meter *m, const struct mfw_meter_config *cfg,
                   const struct mfw_hal *hal, mfw_ms_t rtc_now);
void mfw_meter_samples(struct mfw_meter *m, const struct mfw_adc_frame *f, size_t n);
/* Fast fidelity: a block of cycles with known quantities instead of samples. */
void mfw_meter_block(struct mfw_meter *m, const struct mfw_metrology_block *b);
void mfw_meter_tick(struct mfw_meter *m, mfw_ms_t rtc_now);
/* The supply is going (detected by the meter itself in mfw_meter_tick, or told by the port):
 * closes the open window, logs, saves the state; the meter then ignores ticks. */
void mfw_meter_power_down(struct mfw_meter *m, mfw_ms_t rtc_now);
/* Closes the metrology's open window and saves: a planned shutdown of the virtual meter. */
void mfw_meter_flush(struct mfw_meter *m, mfw_ms_t rtc_now);

/* Clock set and shift (Clock IC 8 attr 2 / method shift_time): logs old and new time in the RTC
 * log and codes 4/5 in the standard log, flags the load profile "clock adjusted". */
int mfw_meter_clock_set(struct mfw_meter *m, mfw_ms_t rtc_now, mfw_ms_t new_utc);
int mfw_meter_clock_shift(struct mfw_meter *m, mfw_ms_t rtc_now, int32_t seconds);
/* Clock IC 8 m5 preset_adjusting_time: remembers a time to set and the interval in which that may
 * happen (MFW_E_RANGE if from > to); m4 adjust_to_preset_time: sets the clock to the preset time
 * (a clock set, logged) when the meter's time lies in the interval; MFW_E_STATE without a preset,
 * MFW_E_RANGE outside the interval (Blue Book 4.5.1: the time is then not set). Either way the
 * preset is used up. */
int mfw_meter_clock_preset(struct mfw_meter *m, mfw_ms_t time, mfw_ms_t from, mfw_ms_t to);
int mfw_meter_clock_adjust_to_preset(struct mfw_meter *m);
/* The settings' rules for a meter of `phases`: MFW_OK or MFW_E_RANGE. */
int mfw_meter_validate_settings(const struct mfw_meter_settings *s, uint8_t phases);
/* Replaces the settings (validated first; nothing changes on error) and persists them. */
int mfw_meter_apply_settings(struct mfw_meter *m, const struct mfw_meter_settings *s);
/* The end-of-billing script run outside the schedule (IDIS 0.0.10.0.1.255 executed by a client):
 * counts a billing period, captures the billing profile, resets demand and min/max voltages. */
int mfw_meter_end_billing(struct mfw_meter *m);
/* Clears one event log (the clear is logged in it, code 255). */
int mfw_meter_clear_log(struct mfw_meter *m, enum mfw_eventlog_id log);
/* Clears one profile's buffer (Profile generic IC 7 reset) and logs it in the standard log
 * (code 254). MFW_E_STATE without a store. */
int mfw_meter_profile_clear(struct mfw_meter *m, enum mfw_meter_profile_id p);
/* Sets the clock to the nearest multiple of step_s seconds of the local wall clock (+/- half a
 * step): Clock IC 8 adjust_to_quarter (900), adjust_to_minute (60), adjust_to_measuring_period
 * (the load profile's capture period). Logged as a clock set. MFW_E_ARG for a step of 0. */
int mfw_meter_clock_adjust(struct mfw_meter *m, uint32_t step_s);
/* Demand register IC 5: reset restarts the window at the meter's time (averages 0, capture_time =
 * now; the maxima stay); next_period closes the sub-period in progress now, as a clock change
 * does (demand.h). MFW_E_STATE while the supply is down. */
int mfw_meter_demand_reset(struct mfw_meter *m);
int mfw_meter_demand_next_period(struct mfw_meter *m);
/* Demand register IC 5 attributes 8 and 9: a new period and number of periods, validated and
 * persisted as mfw_meter_apply_settings does (nothing changes on error); the window then restarts
 * as at a reset, the maxima stay. */
int mfw_meter_demand_configure(struct mfw_meter *m, uint32_t period_s, uint8_t number_of_periods);

/* The display list for a readout (the optical port's IEC 62056-21 mode C): display_list fills d
 * with the model's list (display.h); display_item renders its item d->index at now, as the LCD
 * would show it. The legally relevant display reached through the meter's interface (WELMEC 7.2
 * P6, docs/welmec.md). */
struct mfw_display;
struct mfw_display_frame;
int mfw_meter_display_list(const struct mfw_meter *m, struct mfw_display *d);
void mfw_meter_display_item(const struct mfw_meter *m, const struct mfw_display *d, mfw_ms_t now,
                            struct mfw_display_frame *f);

/* The profiles and event logs as the store holds them (0 rows, MFW_E_STATE, without a store):
 * rows in use, row index (0 = oldest), and the rows whose time lies in [from, to] (profile.h). */
uint32_t mfw_meter_profile_count(const struct mfw_meter *m, enum mfw_meter_profile_id p);
int mfw_meter_profile_read(struct mfw_meter *m, enum mfw_meter_profile_id p, uint32_t index,
                           struct mfw_profile_row *row);
/* find: when the rows are in time order (mfw_profile_in_order), the rows [first, first + n) are
 * exactly those in [from, to]; otherwise *in_order is false, [first, first + n) is the whole
 * buffer and the caller keeps the rows whose time lies in the range. */
int mfw_meter_profile_find(struct mfw_meter *m, enum mfw_meter_profile_id p, mfw_ms_t from,
                           mfw_ms_t to, uint32_t *first, uint32_t *n, bool *in_order);
uint32_t mfw_meter_eventlog_count(const struct mfw_meter *m, enum mfw_eventlog_id log);
int mfw_meter_eventlog_read(struct mfw_meter *m, enum mfw_eventlog_id log, uint32_t index,
                            struct mfw_eventlog_entry *e);

/* Security (keys.h, docs/security.md), for the dlms layer and Security setup (IC 64):
 *  - key: the 16 bytes of a key, NULL when it is not set;
 *  - ic_next: the invocation counter of the meter's next ciphered APDU, its reservation stored
 *    first (MFW_E_IO: it could not be stored, nothing may be sent; MFW_E_RANGE: exhausted);
 *  - ic_check / ic_accept: a received counter of context ctx (enum mfw_keys_context) above the
 *    last accepted (MFW_E_RANGE: a replay); accept after its tag verified, the floor stored first;
 *  - activate: Security setup security_activate, only ever stronger (MFW_E_RANGE otherwise),
 *    logged (47) and stored;
 *  - transfer_keys: n keys (ids[k], enum mfw_keys_id) wrapped under the master key (RFC 3394, 24
 *    bytes each, wrapped[24 k ..]) through the HAL's crypto port: all unwrapped first, none taken if one fails
 *    (MFW_E_AUTH); then stored and logged (event 48); the unwrapped keys are wiped;
 *  - client_title: the head-end's system title (IC 64 attribute 4): when it is set (not zeros)
 *    only a management client of that title may associate with HLS-GMAC, and the pre-established
 *    client's service-specific APDUs are deciphered with it; stored, logged (47);
 *  - set_lls: the LLS secret (Association LN attribute 7), 1..MFW_COSEM_SECRET_MAX bytes, stored;
 *  - event: a security event (IDIS 46, 49, 50 into the fraud log; 47, 48 into the standard log)
 *    at the meter's time. */
const uint8_t *mfw_meter_security_key(const struct mfw_meter *m, enum mfw_keys_id id);
int mfw_meter_security_ic_next(struct mfw_meter *m, uint32_t *ic);
int mfw_meter_security_ic_check(const struct mfw_meter *m, unsigned ctx, uint32_t ic);
int mfw_meter_security_ic_accept(struct mfw_meter *m, unsigned ctx, uint32_t ic);
int mfw_meter_security_activate(struct mfw_meter *m, uint8_t policy);
int mfw_meter_security_transfer_keys(struct mfw_meter *m, size_t n, const uint8_t *ids,
                                     const uint8_t *wrapped);
int mfw_meter_security_client_title(struct mfw_meter *m, const uint8_t title[8]);
int mfw_meter_security_set_lls(struct mfw_meter *m, const uint8_t *secret, size_t len);
int mfw_meter_security_event(struct mfw_meter *m, uint16_t code);
/* The consumer channel's context (Security setup 0.0.43.0.1.255, keys.h consumer_*):
 *  - consumer_transfer: n keys (ids[k]: 0 the encryption key, 2 the authentication key, as
 *    global_key_transfer numbers them) wrapped under the master key; all unwrapped before any is
 *    taken (MFW_E_AUTH), stored, logged (48); MFW_E_ARG for another id or one twice;
 *  - consumer_activate: policy 0 or 3, only ever stronger, and 3 only with both keys
 *    (MFW_E_RANGE otherwise); stored, logged (47). */
int mfw_meter_security_consumer_transfer(struct mfw_meter *m, size_t n, const uint8_t *ids,
                                         const uint8_t *wrapped);
int mfw_meter_security_consumer_activate(struct mfw_meter *m, uint8_t policy);

/* Communication modules (link/module.h):
 *  - module_changed: slot now holds a module of kind (0: it was removed) that calls itself ident
 *    (printable ASCII, cut to MFW_MODULE_IDENT_MAX); logged in the standard log (200 fitted,
 *    201 removed, v1 = slot, v2 = kind) when the kind changes. MFW_E_ARG for a slot past
 *    MFW_MODULE_SLOTS;
 *  - consumer_text: the consumer message (0.0.96.13.0.255), n <= MFW_CONSUMER_TEXT_MAX bytes
 *    without CR or LF (DSMR 5.0.2 7.2), else MFW_E_RANGE and nothing changes. */
int mfw_meter_module_changed(struct mfw_meter *m, unsigned slot, uint8_t kind, const char *ident);
int mfw_meter_consumer_text(struct mfw_meter *m, const uint8_t *text, size_t n);
/* The consumer channel on or off (0.0.96.128.10.255): the P1 and HAN modules send nothing while
 * it is off; logged (47) when it changes. */
int mfw_meter_consumer_enable(struct mfw_meter *m, bool on);

/* Push setups (IC 40): configure checks (a destination of printable characters, windows inside
 * a day, at most 10 retries) and takes the settings (MFW_E_RANGE otherwise, nothing changes);
 * trigger marks push id due (m1 push, an installation, a connection); take clears it (sent, or
 * given up after the retries). */
int mfw_meter_push_configure(struct mfw_meter *m, unsigned id, const struct mfw_push_setup *s);
int mfw_meter_push_trigger(struct mfw_meter *m, unsigned id);
void mfw_meter_push_take(struct mfw_meter *m, unsigned id);

/* Revenue protection and grid functions, for the object model (docs/dlms.md):
 *  - disconnect_remote: Disconnect control m1 remote_disconnect (reconnect false) / m2
 *    remote_reconnect (true): MFW_OK when the breaker is then where the method leads in its
 *    control mode (already there included), MFW_E_STATE when the mode does not allow it or a
 *    local cause holds the breaker open, MFW_E_ARG without a breaker; logged, persisted;
 *  - disconnect_output: IC 70 output_state, where the contact actually is (hal.relay_sensed);
 *  - script: a script of a table (script.h) run by a client; MFW_E_RANGE for a selector the table
 *    lacks or a relay the model lacks;
 *  - load_timed: relay k (0-based) on for minutes (0: off, timer cancelled);
 *  - topup: Token gateway enter: MFW_OK (applied, stored, logged 230), MFW_E_RANGE (refused,
 *    *why: enum mfw_prepay_refusal, logged 231), MFW_E_IO (not stored: not applied), MFW_E_ARG
 *    without a breaker;
 *  - prepay_emergency: invokes the emergency credit (MFW_E_STATE when not selectable);
 *  - prepay_account: Account m1 activate (1), m2 close (2), m3 reset (3) (MFW_E_STATE from the
 *    wrong status); stored and logged;
 *  - alarm_clear: alarm register or descriptor reg (0, 1) keeps the bits value has (event 11 when
 *    a register bit is cleared); error_clear: the error register likewise (event 10). */
int mfw_meter_disconnect_remote(struct mfw_meter *m, bool reconnect);
bool mfw_meter_disconnect_output(const struct mfw_meter *m);
int mfw_meter_script(struct mfw_meter *m, uint8_t table, uint16_t selector);
int mfw_meter_load_timed(struct mfw_meter *m, unsigned k, uint32_t minutes);
int mfw_meter_topup(struct mfw_meter *m, uint32_t id, uint32_t wh, uint8_t *why);
int mfw_meter_prepay_emergency(struct mfw_meter *m);
int mfw_meter_prepay_account(struct mfw_meter *m, unsigned method);
int mfw_meter_alarm_clear(struct mfw_meter *m, unsigned reg, bool descriptor, uint32_t value);
int mfw_meter_error_clear(struct mfw_meter *m, uint32_t value);

/* Firmware update (image.h, IC 18 image transfer), through hal.image: MFW_E_STATE without one.
 * Verify logs IDIS event 17 (firmware ready for activation) or 51 (verification failed, fraud
 * log); a new image's power-up that confirms it logs 18 (firmware activated). Activate verifies
 * first when the head-end did not, saves the state, and asks the port to boot the new image. */
int mfw_meter_image_initiate(struct mfw_meter *m, const uint8_t *id, size_t id_len, uint32_t size,
                             uint32_t block_size);
int mfw_meter_image_block(struct mfw_meter *m, uint32_t n, const uint8_t *data, size_t len);
int mfw_meter_image_verify(struct mfw_meter *m);
int mfw_meter_image_activate(struct mfw_meter *m);
/* The checksum of the legally relevant part of the running software (hal.legal_checksum):
 * MFW_OK, MFW_E_STATE without one. */
int mfw_meter_legal_checksum(const struct mfw_meter *m, uint32_t *crc, uint32_t *len);
/* The running image's identification (the active firmware identifier). */
int mfw_meter_image_running(const struct mfw_meter *m, uint8_t *id, size_t cap, size_t *len);

uint64_t mfw_meter_energy_uwh(const struct mfw_meter *m, unsigned phase, enum mfw_energy_qty q);
/* Catalogue reader (catalog.h): registers EXACT (truncated integers of the entry's scaler),
 * measurements MEASURED in SI units. ctx is the struct mfw_meter. */
void mfw_meter_read_quantity(void *ctx, uint16_t id, struct mfw_catalog_value *out);

#endif /* METERFW_METER_METER_H */
