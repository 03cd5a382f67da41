/* SPDX-License-Identifier: Apache-2.0 */
/* fleet_config: what a fleet of virtual meters is (fleetd --config; grammar in docs/fleet.md):
 * how many meters, their serial numbers, the draws that make every household different (yearly
 * consumption, PV, 162M/382M mix, the load shape), the feeders they hang on and the faults that
 * hit a share of them at once (a feeder outage, clock drift, meters going silent, a tamper wave).
 *
 * One directive a line, '#' comments, words separated by blanks:
 *
 *   meters N                  1..FLEET_METERS_MAX (fleetd --meters overrides)
 *   seed N                    the draws' seed, 0..2^32-1
 *   serial-base N             the first serial number (up to 10 digits); meter i has base + i
 *   share-382m P %            the share of 3-phase 382M meters, the rest 162M
 *   annual A to B kWh         yearly consumption drawn uniformly in [A, B]
 *   pv-share P %              the share of meters with PV
 *   pv A to B kWp             their PV size drawn uniformly in [A, B]
 *   shape household|flat      the built-in household (H0-like shape and appliances) or a
 *                             constant load of the yearly energy (for tests: energy = P x t)
 *   feeders F                 1..FLEET_FEEDERS_MAX; the meter with serial S is on feeder
 *                             S mod F
 *   head-end-title HEX        the head-end's system title (8 bytes, 16 hex digits) provisioned
 *                             in every meter (Security setup attribute 4): only it may associate
 *                             with HLS-GMAC; without it a meter takes the first title it sees
 *   at TIME outage feeder K for DURATION
 *   at TIME outage P % for DURATION        a share of the whole fleet (drawn per meter)
 *   at TIME drift P % PPM ppm              a share of the meters' RTCs run PPM fast (or slow,
 *                                          negative) from TIME on
 *   at TIME silent P % for DURATION        a share of the meters stops answering (no listener
 *                                          accepts for them, open connections are closed)
 *   at TIME tamper P % cover|terminal|field for DURATION
 *                                          a share of the meters sees its meter cover open,
 *                                          its terminal cover open or a strong magnetic field
 *                                          (hal.inputs) from TIME for DURATION
 *
 * TIME is ISO 8601 UTC (2026-12-01T10:00:00Z), DURATION a number and ms|s|min|h|d.
 *
 * Bounded: fixed tables, no heap; the parser reads text of a given length and never past it. */
#ifndef FLEET_CONFIG_H
#define FLEET_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/base/time.h"

#define FLEET_METERS_MAX 100000u
#define FLEET_FEEDERS_MAX 10000u
#define FLEET_EVENTS_MAX 64u
#define FLEET_SERIAL_BASE_MAX 9999999999ull /* 10 digits: the system title holds 40 bits */

enum fleet_shape { FLEET_SHAPE_HOUSEHOLD = 0, FLEET_SHAPE_FLAT = 1 };

enum fleet_event_kind {
    FLEET_EV_OUTAGE_FEEDER = 1, /* feeder, duration */
    FLEET_EV_OUTAGE_SHARE,      /* share, duration */
    FLEET_EV_DRIFT,             /* share, ppm */
    FLEET_EV_SILENT,            /* share, duration */
    FLEET_EV_TAMPER,            /* share, input, duration */
};

/* The input a tamper event sets (enum mfw_hal_input's bits of the meter's board). */
enum fleet_tamper_input {
    FLEET_TAMPER_COVER = 1u << 0,    /* MFW_HAL_IN_MAIN_COVER: events 44/45 */
    FLEET_TAMPER_TERMINAL = 1u << 1, /* MFW_HAL_IN_TERMINAL_COVER: events 40/41 */
    FLEET_TAMPER_FIELD = 1u << 2,    /* MFW_HAL_IN_MAGNETIC_FIELD: events 42/43 */
};

struct fleet_event {
    uint8_t kind; /* enum fleet_event_kind */
    mfw_ms_t at_ms;
    mfw_ms_t duration_ms;
    uint32_t feeder;
    double share; /* 0..1 */
    double ppm;
    uint8_t input; /* tamper: enum fleet_tamper_input */
};

struct fleet_config {
    uint32_t meters;
    uint32_t seed;
    uint64_t serial_base;
    double share_382m;             /* 0..1 */
    double annual_min, annual_max; /* kWh a year */
    double pv_share;               /* 0..1 */
    double pv_min_kwp, pv_max_kwp; /* kWp */
    uint8_t shape;                 /* enum fleet_shape */
    uint32_t feeders;
    bool has_head_end_title;
    uint8_t head_end_title[8];
    uint32_t n_events;
    struct fleet_event events[FLEET_EVENTS_MAX];
};

struct fleet_config_error {
    unsigned line; /* 1-based, 0 if not tied to a line */
    char msg[120];
};

/* The defaults: 10 meters, seed 1, serials from 10000001, 60 % 382M, 1500 to 6000 kWh, 30 % PV
 * of 3 to 8 kWp, the household shape, 10 feeders, no events. */
void fleet_config_default(struct fleet_config *c);

/* Parses text of length len over the defaults already in c. MFW_OK; MFW_E_FORMAT or MFW_E_RANGE
 * with err filled (c is then in an unspecified but harmless state). */
int fleet_config_parse(struct fleet_config *c, const char *text, size_t len,
                       struct fleet_config_error *err);

/* What one meter draws from the fleet's seed (docs/fleet.md "Draws"). */
struct fleet_draw {
    uint64_t serial;
    bool three_phase; /* 382M */
    double annual_kwh;
    double pv_kwp; /* 0: no PV (and always with shape flat) */
    uint32_t feeder;
    uint32_t scenario_seed;
};

/* The draws of meter i (0-based, serial serial_base + i): a function of (seed, serial) only, so
 * a shard of a fleet (another serial-base, fewer meters) draws the same meters as the whole
 * fleet. */
void fleet_config_draw(const struct fleet_config *c, uint32_t i, struct fleet_draw *d);

/* Whether meter i is in the share of event e (outage of a feeder: on that feeder); e is one of
 * c->events (its index is its draw stream). */
bool fleet_config_hits(const struct fleet_config *c, const struct fleet_event *e, uint32_t i);

/* The uniform draw in [0, 1) of stream k of the meter with this serial number under seed:
 * z = splitmix64(splitmix64(seed) ^ serial), z = splitmix64(z ^ k), (z >> 11) / 2^53
 * (docs/fleet.md gives it so that a test or a head-end can recompute it). */
double fleet_config_uniform(uint32_t seed, uint64_t serial, uint32_t k);

#endif /* FLEET_CONFIG_H */
