/* SPDX-License-Identifier: Apache-2.0 */
/* quality: voltage quality and power failure per phase, driven by one call per measurement
 * window (metrology_values, 10/12 cycles = 200 ms, IEC 61000-4-30 class S).
 *
 * Three independent detectors per phase, one per IDIS limit group (the OBIS D-groups of the
 * IDIS power quality objects: each limit has its own threshold, time threshold, counter,
 * duration and magnitude):
 *   undervoltage (sag)   one-cycle rms min  < sag_v      (1.0.12.31, time 1.0.12.43)
 *   overvoltage (swell)  one-cycle rms max  > swell_v    (1.0.12.35, time 1.0.12.44)
 *   missing voltage      one-cycle rms max  < missing_v  (1.0.12.39, time 1.0.12.45)
 * (the window's one-cycle extremes vrms_cycle_min/max are the Urms(1/2)-style values EN 50160 /
 * IEC 61000-4-30 use for events; a window without cycle data falls back to its vrms).
 * A condition starts at the start of the first window in it; it is logged and counted once it
 * has held for >= its time threshold (0 s: on its first window); it ends at the start of the
 * first window back past the threshold PLUS the hysteresis. Hysteresis follows IEC 61000-4-30
 * 5.4.2.1/5.4.3.1 ("typically 2 % of Udin"): 2 % of Un = 4.6 V, so a 207 V sag ends at
 * >= 211.6 V, a 253 V swell at <= 248.4 V, a 160 V missing voltage at >= 164.6 V. (2 % of the
 * threshold itself would give 207 * 1.02 = 211.14 V; we take the standard's definition.)
 *
 * A missing voltage is also below the sag threshold, so an outage of a phase counts as a sag
 * AND a missing voltage: the IDIS registers count each limit on its own.
 *
 * Events (power quality log 0.0.99.98.4.255, IDIS event codes):
 *   76/77/78 undervoltage, 79/80/81 overvoltage, 82/83/84 missing voltage L1/L2/L3: emitted when
 *     the condition qualifies; time = start of the condition, duration/magnitude so far;
 *   85/86/87 voltage normal L1/L2/L3: emitted when the last logged condition of the phase ends;
 *     time = end, duration = whole episode, v_min/v_max = extremes of the episode.
 * Power failure records (power failure log 1.0.99.97.0.255): emitted when a logged missing
 * voltage of a phase ends, {phase, start, duration}; long when duration > long_failure_s
 * (0.0.96.7.20.255, default 180 s: EN 50160 long interruption > 3 min). The meter decides which
 * records it writes (IDIS/DSMR logs keep the long ones only).
 *
 * When all phases fail the meter itself stops: it calls mfw_quality_power_down at its power-fail
 * warning and mfw_quality_power_up at restart; every phase then gets one power-failure record from
 * the power-down time (or from the earlier start of a missing voltage already under way on that
 * phase) to the power-up time.
 */
#ifndef METERFW_METER_QUALITY_H
#define METERFW_METER_QUALITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/base/options.h"
#include "meterfw/base/persist.h"
#include "meterfw/base/time.h"
#include "meterfw/metrology/metrology.h"

/* IDIS power quality event codes; + phase index 0..2. */
#define MFW_QUALITY_CODE_UNDER_L1 76u
#define MFW_QUALITY_CODE_OVER_L1 79u
#define MFW_QUALITY_CODE_MISSING_L1 82u
#define MFW_QUALITY_CODE_NORMAL_L1 85u

/* Most events one mfw_quality_window call can produce: per phase a sag, a swell and a missing
 * voltage start, a power-failure record and a voltage-normal event. With cap >= this no event
 * is ever dropped. */
#define MFW_QUALITY_EVENTS_MAX (5u * MFW_PHASES_MAX)

struct mfw_quality_config {
    uint8_t phases;           /* 1..MFW_PHASES_MAX */
    double un_v;              /* nominal voltage Un, 230 V */
    double sag_v;             /* 207 V = -10 % Un (EN 50160) */
    double swell_v;           /* 253 V = +10 % Un */
    double missing_v;         /* 160 V (Kamstrup TD 5512-1040 §3.6.7 "voltage failure") */
    double hysteresis_v;      /* 4.6 V = 2 % Un (IEC 61000-4-30 5.4.2.1) */
    uint32_t sag_time_ms;     /* 0: instantaneous on the window (1.0.12.43) */
    uint32_t swell_time_ms;   /* 0 (1.0.12.44) */
    uint32_t missing_time_ms; /* 1000: >= 1 s (Kamstrup §3.6.7; 1.0.12.45) */
    uint32_t long_failure_s;  /* 180 (0.0.96.7.20.255) */
    /* Frequency deviation (EN 50160 4.2.1 [V, references/metrology.md 4.1]: 50 Hz +/-1 % for
     * 99.5 % of a year, over 10 s means): |f - fn| > freq_dev_hz for freq_time_ms. */
    double fn_hz;          /* 50 */
    double freq_dev_hz;    /* 0.5 (1 %) */
    uint32_t freq_time_ms; /* 10000 */
    /* Voltage unbalance (EN 50160 4.2.5 [M]: negative / positive sequence of the fundamentals
     * <= 2 % for 95 % of a week, 10-min means): above unbalance_pct for unbalance_time_ms, a
     * three-phase meter with voltage on every phase. */
    double unbalance_pct;       /* 2.0 */
    uint32_t unbalance_time_ms; /* 600000: ten minutes */
};

enum mfw_quality_kind {
    MFW_QUALITY_EV_VOLTAGE = 0,       /* power quality log entry, code 76..87 */
    MFW_QUALITY_EV_POWER_FAILURE = 1, /* power failure log entry */
    MFW_QUALITY_EV_GRID = 2,          /* power quality log entry: 90 / 95 unbalance, 96 / 97
                                       * frequency (v_min = the unbalance %, the frequency Hz) */
};

struct mfw_quality_event {
    enum mfw_quality_kind kind;
    uint8_t code;        /* 76..87; 0 for a power-failure record */
    uint8_t phase;       /* 0 = L1 */
    mfw_ms_t time;       /* log time stamp: start for 76..84, end for 85..87 and power failures */
    mfw_ms_t start;      /* start of the condition / episode / failure */
    int64_t duration_ms; /* so far (76..84), whole (85..87, power failure) */
    uint32_t duration_s; /* duration_ms / 1000, floored (0.0.96.7.19 counts seconds) */
    bool duration_valid; /* false: the RTC did not survive the outage (duration unknown) */
    bool long_failure;   /* power failure longer than long_failure_s */
    double v_min, v_max; /* V: extremes of the condition / episode (0 for power up records) */
};

/* One limit detector of one phase. */
struct mfw_quality_cond {
    bool active;    /* in the condition (maybe not yet for the time threshold) */
    bool qualified; /* held for the time threshold: logged and counted */
    mfw_ms_t start;
    double v_min, v_max;      /* extremes while active */
    uint32_t count;           /* 1.0.32.32 / .36 / .40 (L2 52.x, L3 72.x) */
    int64_t last_duration_ms; /* 1.0.32.33 / .37 / .41: duration of the last event */
    double last_magnitude_v;  /* 1.0.32.34 / .38 / .42: min (sag, missing) or max (swell) */
};

struct mfw_quality_phase {
    struct mfw_quality_cond sag, swell, missing;
    bool episode; /* a logged condition is open: 85..87 due when it ends */
    mfw_ms_t ep_start;
    double ep_min, ep_max;
    bool minmax_valid;   /* v_min/v_max hold a value since the last reset */
    double v_min, v_max; /* lowest / highest 200 ms rms seen (windows with voltage only) */
    mfw_ms_t v_min_time, v_max_time; /* the end of the window that gave each */
    uint32_t failures;               /* 0.0.96.7.1..3 power failures in this phase */
    uint32_t long_failures;          /* 0.0.96.7.6..8 long power failures in this phase */
    uint32_t last_long_s;            /* 0.0.96.7.16..18 duration of the last long failure, s */
};

struct mfw_quality {
    struct mfw_quality_config config;
    struct mfw_quality_phase ph[MFW_PHASES_MAX];
    uint32_t failures_all;    /* 0.0.96.7.0  power failures in all phases */
    uint32_t long_all;        /* 0.0.96.7.5  long power failures in all phases */
    uint32_t failures_any;    /* 0.0.96.7.21 power failures in any phase (DSMR P1) */
    uint32_t long_any;        /* 0.0.96.7.9  long power failures in any phase */
    uint32_t last_long_all_s; /* 0.0.96.7.15 duration of the last long failure (all phases), s */
    uint32_t last_long_any_s; /* 0.0.96.7.19 duration of the last long failure (any phase), s */
    bool down;                /* mfw_quality_power_down was called, power_up not yet */
    mfw_ms_t down_time;
    uint32_t dropped; /* events lost to a too small out buffer */
    /* the frequency and unbalance detectors: on, timing a change since, count of episodes */
    struct mfw_quality_grid {
        bool on, pending;
        mfw_ms_t since;
        uint32_t count;
        double last; /* the frequency (Hz) / unbalance (%) of the last window */
    } freq, unbalance;
};

/* Defaults for Un = 230 V and the given number of phases (values in quality_config). */
void mfw_quality_default_config(struct mfw_quality_config *cfg, uint8_t phases);
/* MFW_OK, MFW_E_ARG (NULL, phases out of range), MFW_E_RANGE (thresholds not ordered
 * 0 < missing < sag < un < swell, hysteresis negative or not smaller than the gaps). */
int mfw_quality_init(struct mfw_quality *q, const struct mfw_quality_config *cfg);

/* One measurement window that ended at `now`. Writes up to cap events to out (beyond that they
 * are counted in q->dropped) and returns the number written. */
size_t mfw_quality_window(struct mfw_quality *q, const struct mfw_metrology_values *v, mfw_ms_t now,
                          struct mfw_quality_event *out, size_t cap);

/* The meter is losing its supply (all phases): remember the time. */
void mfw_quality_power_down(struct mfw_quality *q, mfw_ms_t now);
/* The meter runs again. Without a preceding power_down: returns 0. Otherwise writes one
 * power-failure record per phase (and a voltage-normal event first for a phase whose logged
 * condition was still open), counts the failures, clears the detectors, and returns the number
 * of events. rtc_valid false: the time of `now` is not trustworthy, the records carry
 * duration_valid = false and do not count as long failures. */
size_t mfw_quality_power_up(struct mfw_quality *q, mfw_ms_t now, bool rtc_valid,
                            struct mfw_quality_event *out, size_t cap);

/* The voltage unbalance of a window, % (negative / positive sequence of the fundamental phasors;
 * 0 without three phases of voltage). */
double mfw_quality_unbalance_pct(const struct mfw_metrology_values *v, uint8_t phases);

/* Clears the min/max voltage seen (at the end of a billing period). */
void mfw_quality_reset_minmax(struct mfw_quality *q);

/* The running state (conditions in progress, counters, extremes, the power-down mark) in the STATE
 * record, field by field, for the configuration's phases only; restore checks each (voltages and
 * durations in their physical range, a qualified condition that is active, times in range) into
 * q, which holds its configuration: restore into a copy, r keeps the first bad field. */
void mfw_quality_save(const struct mfw_quality *q, struct mfw_wcursor *w);
void mfw_quality_restore(struct mfw_quality *q, struct mfw_persist_reader *r);

#endif /* METERFW_METER_QUALITY_H */
