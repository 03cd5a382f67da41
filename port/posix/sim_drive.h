/* SPDX-License-Identifier: Apache-2.0 */
/* sim_drive: moves a meter through simulated time, fed from a scenario through the simulated
 * analog front end (sample fidelity) or by analytic per-block quantities (fast fidelity), and
 * is the meter's power supply: outages in the scenario power the meter down and up.
 *
 * Supply: the meter's supply is up while some phase of the scenario has at least the meter's
 * missing-voltage threshold (quality settings, 160 V by default), and comes back (power-up) at
 * that threshold plus its hysteresis.
 *  - Power down. Sample fidelity: the meter notices itself, at the end of its first measurement
 *    window with every phase below the threshold (<= 250 ms after the supply went), saves and
 *    sets m->down. Fast fidelity: a block has no finer time than its start, so the supply's
 *    power-fail warning tells the meter at the instant the supply goes (mfw_meter_power_down).
 *  - While m->down: simulated time passes without any meter call (fast: jumps from one scenario
 *    change to the next; sample: the same, chunks are not generated).
 *  - Power up: at the first instant the supply is back, mfw_meter_init(m, cfg, hal, t) with the same
 *    configuration and hal: the meter restores itself from its flash and logs the outage.
 *
 * Sensors (sample fidelity): the ideal front end (no sensor errors, calibrated from its nominal
 * scale) or a unit of the sensor library (sim/sensor_set.h) calibrated by the production
 * procedure (sim/production.h) before the meter starts, with a production bench drawn from the
 * serial number; the meter's temperature input is that unit's thermometer. The scenario's state
 * is taken at every change, to the millisecond: a block of samples is split where it changes.
 *

 * The board (sim_drive_board): wherever the scenario is evaluated, its board events set the
 * board's inputs (covers, field, button) and the breaker's weld (scenario_inputs_at), and an open
 * breaker contact takes the load off the meter: no current on any phase (the meter measures the
 * voltage on the supply side, so it stays powered and sees its supply). A relay that moves makes
 * sample fidelity take the state again at once. */
#ifndef METERD_SIM_DRIVE_H
#define METERD_SIM_DRIVE_H

#include "board.h"
#include "meterfw/meter/meter.h"
#include "options.h"
#include "sensors_load.h"
#include "sim/afe.h"
#include "sim/production.h"
#include "sim/scenario.h"

/* Sample fidelity: one mfw_meter_samples() + mfw_meter_tick() per this much simulated time. */
#define SIM_CHUNK_MS 10
#define SIM_CHUNK_FRAMES_MAX (8000 * SIM_CHUNK_MS / 1000)
/* Fast fidelity: longest block, so readings and ticks still come every simulated minute. */
#define SIM_FAST_BLOCK_MAX_MS 60000

struct sim_drive {
    const struct scenario *sc;
    enum meterd_fidelity fidelity;
    uint8_t phases;
    uint32_t fs_hz;
    struct afe afe;
    mfw_ms_t t;           /* simulated RTC time reached (the meter's last tick) */
    mfw_ms_t state_until; /* sample: the AFE state is re-evaluated from the scenario at this time */
    /* power-up: what mfw_meter_init gets again (sim_drive_power) */
    const struct mfw_meter_config *config;
    const struct mfw_hal *hal;
    /* called right after each such power-up (NULL: none), before the meter's first tick: what
     * lives in RAM only (the push setups, the modules) is set up again there */
    void (*on_power_up)(void *ctx, struct mfw_meter *m);
    void *on_power_up_ctx;
    uint32_t power_ups;                         /* power-ups after an outage in this run */
    uint32_t saves_before, store_errors_before; /* the meter's counters before those power-ups
                                                 * (mfw_meter_init starts them from 0) */
    int error;             /* MFW_OK, or the error of a failed power-up (the run must stop) */
    bool ideal;            /* the simple front end (no sensor library) */
    double fast_ambient_c; /* fast fidelity: the scenario's ambient at the last block */
    struct board *board;   /* NULL: no board effects */
    struct production_report production; /* the unit's production (sensor library) */
    struct mfw_adc_frame frames[2 * SIM_CHUNK_FRAMES_MAX];
};

/* Sets up the AFE for the meter configuration: the ideal front end with the matching nominal
 * calibration (volts and amps per ADC code) in cfg->metro, or the sensors' unit, calibrated by
 * the production procedure into cfg->metro (bench errors drawn from seed). Returns MFW_OK or
 * an error of afe_init or of the production. */
int sim_drive_init(struct sim_drive *d, const struct scenario *sc, enum meterd_fidelity fid,
                   struct mfw_meter_config *cfg, mfw_ms_t start, const struct meterd_sensors *sens,
                   uint64_t seed);

/* What the meter's temperature sensor reads now (deg C): sample fidelity its unit's thermometer,
 * fast fidelity the scenario's ambient. */
double sim_drive_temperature(const struct sim_drive *d);

/* The configuration and hal to power the meter up with after an outage (both must outlive d). */
void sim_drive_power(struct sim_drive *d, const struct mfw_meter_config *cfg,
                     const struct mfw_hal *hal);

/* The board the scenario's board events reach and whose breaker cuts the load (NULL: none). */
void sim_drive_board(struct sim_drive *d, struct board *b);

/* The scenario changed (an injected event): sample fidelity takes the state again at once. */
void sim_drive_rescan(struct sim_drive *d);

/* Advances to `target` (sample fidelity: to the last whole chunk not after it; while the meter
 * is down exactly to target). Stops early with d->error set if a power-up fails. */
void sim_drive_advance(struct sim_drive *d, struct mfw_meter *m, mfw_ms_t target);

#endif /* METERD_SIM_DRIVE_H */
