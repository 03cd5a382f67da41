#include "sim_drive.h"

#include <string.h>

#include "meterfw/error.h"

int sim_drive_init(struct sim_drive *d, const struct scenario *sc, enum meterd_fidelity fid,
                   struct meter_config *cfg, mfw_ms_t start)
{
    memset(d, 0, sizeof *d);
    d->sc = sc;
    d->fidelity = fid;
    d->phases = cfg->metro.phases;
    d->fs_hz = cfg->metro.fs_hz;
    d->t = start;
    d->state_until = start;
    struct afe_config ac;
    afe_default_config(&ac, d->phases, d->fs_hz, cfg->i_max_a);
    int rc = afe_init(&d->afe, &ac);
    if (rc != MFW_OK)
        return rc;
    /* Nominal calibration: the meter is told the AFE's scale (no sensor errors simulated). */
    for (unsigned k = 0; k < MFW_PHASES_MAX; k++) {
        cfg->metro.cal[k].v_gain = afe_volts_per_code(&d->afe);
        cfg->metro.cal[k].i_gain = afe_amps_per_code(&d->afe);
    }
    cfg->metro.i_n_gain = afe_amps_per_code(&d->afe);
    return MFW_OK;
}

static void advance_sample(struct sim_drive *d, struct meter *m, mfw_ms_t target)
{
    size_t n = d->fs_hz * SIM_CHUNK_MS / 1000u;
    while (d->t + SIM_CHUNK_MS <= target) {
        if (d->t >= d->state_until) {
            /* once per simulated second, as the scenario's finest structure is a second */
            struct afe_state st;
            scenario_at(d->sc, d->t, &st);
            afe_set(&d->afe, &st);
            d->state_until = d->t - d->t % 1000 + 1000;
        }
        afe_generate(&d->afe, d->frames, n);
        meter_samples(m, d->frames, n);
        d->t += SIM_CHUNK_MS;
        meter_tick(m, d->t);
    }
}

static void advance_fast(struct sim_drive *d, struct meter *m, mfw_ms_t target)
{
    while (d->t < target) {
        mfw_ms_t next = scenario_next_change(d->sc, d->t);
        if (next <= d->t || next > d->t + SIM_FAST_BLOCK_MAX_MS)
            next = d->t + SIM_FAST_BLOCK_MAX_MS;
        if (next > target)
            next = target;
        struct afe_state st;
        struct metrology_block b;
        scenario_at(d->sc, d->t, &st);
        afe_state_quantities(&st, d->phases, (double)(next - d->t) / 1000.0, &b);
        meter_block(m, &b);
        d->t = next;
        meter_tick(m, d->t);
    }
}

void sim_drive_advance(struct sim_drive *d, struct meter *m, mfw_ms_t target)
{
    if (d->fidelity == FIDELITY_FAST)
        advance_fast(d, m, target);
    else
        advance_sample(d, m, target);
}
