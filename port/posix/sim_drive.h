/* sim_drive: moves a meter through simulated time, fed from a scenario through the simulated
 * analog front end (sample fidelity) or by analytic per-block quantities (fast fidelity). */
#ifndef METERD_SIM_DRIVE_H
#define METERD_SIM_DRIVE_H

#include "meterfw/meter.h"
#include "options.h"
#include "sim/afe.h"
#include "sim/scenario.h"

/* Sample fidelity: one meter_samples() + meter_tick() per this much simulated time. */
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
    mfw_ms_t t;           /* simulated time reached (the meter's last tick) */
    mfw_ms_t state_until; /* sample: the AFE state is re-evaluated from the scenario at this time */
    struct adc_frame frames[SIM_CHUNK_FRAMES_MAX];
};

/* Sets up the AFE for the meter configuration and writes the matching nominal calibration
 * (volts and amps per ADC code) into cfg->metro. Returns MFW_OK or an error of afe_init. */
int sim_drive_init(struct sim_drive *d, const struct scenario *sc, enum meterd_fidelity fid,
                   struct meter_config *cfg, mfw_ms_t start);

/* Advances to `target` (sample fidelity: to the last whole chunk not after it). */
void sim_drive_advance(struct sim_drive *d, struct meter *m, mfw_ms_t target);

#endif /* METERD_SIM_DRIVE_H */
