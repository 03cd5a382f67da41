/* SPDX-License-Identifier: Apache-2.0 */
/* scenario: what the grid and the household do over time, for the virtual meter.
 *
 * A scenario is a small line-oriented text (grammar in docs/scenario.md). It describes per-phase
 * voltage, frequency, load segments (power, PF, harmonics) over the day, a yearly-scaled standard
 * household shape, PV export, and events injected at given times (outages, sags, swells,
 * frequency steps). scenario_at() evaluates it at any instant into a struct afe_state, so both the
 * sample-level simulator and the fast fidelity (analytic per-block quantities) use one model.
 *
 * Bounded: fixed-size tables, no heap; the parser reads through a length and never past it. */
#ifndef METERFW_SIM_SCENARIO_H
#define METERFW_SIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "afe.h"
#include "meterfw/base/time.h"

#define SCENARIO_LOADS_MAX 32
#define SCENARIO_EVENTS_MAX 64

struct scenario_error {
    unsigned line; /* 1-based line of the problem, 0 if not tied to a line */
    char msg[120]; /* what is wrong, e.g. "voltage must be between 0 and 500 V" */
};

/* A load: on for part of the day (or always, or cycling), drawing power at a PF with harmonics,
 * on one phase or spread over all. Positive watts import, negative export (PV). */
struct scenario_load {
    char name[24];
    uint8_t phase_mask; /* bit k = phase L(k+1) */
    double watts;       /* average power while on (per listed phase share) */
    double pf;          /* 0 < pf <= 1 */
    bool capacitive;
    uint32_t from_s, to_s; /* daily window, seconds after local midnight; from == to = all day */
    uint32_t period_s;     /* > 0: cycles on/off with this period ... */
    double duty;           /* ... on for duty * period */
    uint8_t kind;          /* enum scenario_load_kind (scenario.c) */
    uint8_t n_harmonics;
    struct afe_harmonic h[8];
    /* Added: */
    double scale;    /* household: W per unit of the H0-like shape (set by the parser) */
    double seasonal; /* pv: winter reduction, 0..1 (0 = same all year) */
    bool in_amps;    /* load given in A: `amps` per listed phase, constant (not following U) */
    double amps;     /* rms A per phase while on, < 0 export */
    double dc_a;     /* a DC component of the current per listed phase while on, A */
};

/* The sensors the scenario asks for (meterd's --sensors overrides it). */
enum scenario_sensors {
    SCENARIO_SENSORS_UNSET = 0,
    SCENARIO_SENSORS_IDEAL,   /* the simple front end: no sensor errors */
    SCENARIO_SENSORS_TYPICAL, /* the typical unit of sim/sensor_set.h */
    SCENARIO_SENSORS_UNIT,    /* a Monte-Carlo unit: sensor_lot, sensor_unit */
};

struct scenario_event {
    mfw_ms_t at_ms;       /* UTC */
    mfw_ms_t duration_ms; /* 0 = permanent change (frequency step) */
    uint8_t kind;         /* enum scenario_event_kind (scenario.c) */
    uint8_t phase_mask;
    double value; /* sag/swell: fraction of Un; frequency: Hz; temperature: deg C */
};

struct scenario {
    char name[32];
    uint8_t phases; /* 1 or 3, from the meter model if not given */
    double u_nominal[MFW_PHASES_MAX];
    double freq_hz;
    double annual_kwh;    /* > 0: scale the household shape to this yearly energy */
    int32_t utc_offset_s; /* local time = UTC + offset (for the daily shape) */
    uint32_t seed;
    uint8_t n_loads;
    struct scenario_load loads[SCENARIO_LOADS_MAX];
    uint8_t n_events;
    struct scenario_event events[SCENARIO_EVENTS_MAX];
    /* Added: grid voltage distortion, the same on every phase ("voltage-harmonics"). */
    uint8_t n_v_harmonics;
    struct afe_harmonic v_h[8];
    /* Added: the meter's ambient temperature (deg C; events change it) */
    double temperature_c;
    /* Added: sensor and noise settings */
    uint8_t sensors; /* enum scenario_sensors */
    uint32_t sensor_lot, sensor_unit;
    bool noise_set; /* "noise": the converters' SNR (dB), 0 = off */
    double noise_db;
};

/* Parses text of length len. On error returns MFW_E_FORMAT or MFW_E_RANGE, fills err and leaves
 * *s in an unspecified but harmless state. phases: the meter's phase count (1 or 3). */
int scenario_parse(struct scenario *s, const char *text, size_t len, uint8_t phases,
                   struct scenario_error *err);

/* One event injected into a running scenario at `now` (meterd --control): the text of an event
 * line without "at <instant>", e.g. "magnetic-field 60 s" or "outage L1 5 s" (docs/scenario.md
 * "Events"), or with "at <instant>". A refused line changes nothing (MFW_E_FORMAT / MFW_E_RANGE,
 * err filled), as does a full event table (MFW_E_RANGE). */
int scenario_inject(struct scenario *s, mfw_ms_t now, const char *text, size_t len,
                    struct scenario_error *err);

/* What the meter's board senses at t from the scenario's board events: bits below (the first
 * four are the HAL's input bits, meterfw/hal/hal.h enum mfw_hal_input). */
enum scenario_input {
    SCENARIO_IN_METER_COVER = 1u << 0,    /* "cover meter": the meter cover is open */
    SCENARIO_IN_TERMINAL_COVER = 1u << 1, /* "cover terminal" */
    SCENARIO_IN_MAGNETIC_FIELD = 1u << 2, /* "magnetic-field": a strong field at the sensor */
    SCENARIO_IN_BUTTON = 1u << 3,         /* "button": pressed */
    SCENARIO_IN_WELDED = 1u << 4,         /* "welded-relay": the breaker's contact is welded */
};
uint32_t scenario_inputs_at(const struct scenario *s, mfw_ms_t t);

/* Text of a built-in scenario ("household", "household-pv"), or NULL. */
const char *scenario_builtin(const char *name);

/* The state of the grid and load at time t (UTC ms). */
void scenario_at(const struct scenario *s, mfw_ms_t t, struct afe_state *out);

/* The first instant after t at which scenario_at() may return something different (a load
 * switching, a minute boundary of the household shape, an event edge). Fast fidelity steps to it. */
mfw_ms_t scenario_next_change(const struct scenario *s, mfw_ms_t t);

#endif /* METERFW_SIM_SCENARIO_H */
