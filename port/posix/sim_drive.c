/* SPDX-License-Identifier: Apache-2.0 */
#include "sim_drive.h"

#include <string.h>

#include "meterfw/base/error.h"

int sim_drive_init(struct sim_drive *d, const struct scenario *sc, enum meterd_fidelity fid,
                   struct mfw_meter_config *cfg, mfw_ms_t start)
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

void sim_drive_power(struct sim_drive *d, const struct mfw_meter_config *cfg,
                     const struct mfw_hal *hal)
{
    d->config = cfg;
    d->hal = hal;
}

void sim_drive_board(struct sim_drive *d, struct board *b)
{
    d->board = b;
}

void sim_drive_rescan(struct sim_drive *d)
{
    d->state_until = d->t;
}

/* The scenario at t, with the board's part: its inputs and weld from the board events, and no
 * load current behind an open breaker. */
static void state_at(struct sim_drive *d, mfw_ms_t t, struct afe_state *st)
{
    scenario_at(d->sc, t, st);
    struct board *b = d->board;
    if (b == NULL)
        return;
    uint32_t in = scenario_inputs_at(d->sc, t);
    b->inputs = in & (MFW_HAL_IN_MAIN_COVER | MFW_HAL_IN_TERMINAL_COVER |
                      MFW_HAL_IN_MAGNETIC_FIELD | MFW_HAL_IN_BUTTON);
    b->welded = (in & SCENARIO_IN_WELDED) != 0;
    b->changed = false;
    if (b->has_relay[MFW_HAL_RELAY_BREAKER] && !board_relay_closed(b, MFW_HAL_RELAY_BREAKER)) {
        for (unsigned p = 0; p < MFW_PHASES_MAX; p++)
            memset(&st->ph[p].i, 0, sizeof st->ph[p].i);
        st->neutral_explicit = true;
        memset(&st->n, 0, sizeof st->n);
    }
}

/* The meter's supply at state st: some phase at or above `min_v`. */
static bool supply_at(const struct sim_drive *d, const struct afe_state *st, double min_v)
{
    for (unsigned p = 0; p < d->phases; p++)
        if (st->ph[p].v.rms >= min_v)
            return true;
    return false;
}

/* Below this the meter's supply fails; back at it plus the hysteresis (no flapping at the edge). */
static double fail_v(const struct mfw_meter *m)
{
    return m->settings.quality.missing_v;
}

static double back_v(const struct mfw_meter *m)
{
    return m->settings.quality.missing_v + m->settings.quality.hysteresis_v;
}

/* The meter is down at d->t. Passes simulated time without meter calls until the supply is back
 * (then powers up: true) or target is reached (false). */
static bool wait_for_supply(struct sim_drive *d, struct mfw_meter *m, mfw_ms_t target)
{
    double need = back_v(m);
    while (d->t < target) {
        struct afe_state st;
        state_at(d, d->t, &st);
        if (supply_at(d, &st, need)) {
            d->saves_before += m->saves;
            d->store_errors_before += m->store_errors;
            int rc = d->config && d->hal ? mfw_meter_init(m, d->config, d->hal, d->t) : MFW_E_STATE;
            if (rc != MFW_OK) {
                d->error = rc;
                return false;
            }
            d->power_ups++;
            d->state_until = d->t; /* sample: the AFE takes the state at once */
            return true;
        }
        mfw_ms_t next = scenario_next_change(d->sc, d->t);
        d->t = next > d->t && next < target ? next : target;
    }
    return false;
}

static void advance_sample(struct sim_drive *d, struct mfw_meter *m, mfw_ms_t target)
{
    size_t n = d->fs_hz * SIM_CHUNK_MS / 1000u;
    while (d->error == MFW_OK) {
        if (m->down && !wait_for_supply(d, m, target))
            return;
        if (d->t + SIM_CHUNK_MS > target)
            return;
        if (d->t >= d->state_until || (d->board != NULL && d->board->changed)) {
            /* once per simulated second, as the scenario's finest structure is a second (and
             * at once after a power-up, an injected event or a relay that moved) */
            struct afe_state st;
            state_at(d, d->t, &st);
            afe_set(&d->afe, &st);
            d->state_until = d->t - d->t % 1000 + 1000;
        }
        afe_generate(&d->afe, d->frames, n);
        mfw_meter_samples(m, d->frames, n);
        d->t += SIM_CHUNK_MS;
        mfw_meter_tick(m, d->t); /* a window with no supply: the meter powers itself down */
    }
}

static void advance_fast(struct sim_drive *d, struct mfw_meter *m, mfw_ms_t target)
{
    while (d->t < target && d->error == MFW_OK) {
        if (m->down && !wait_for_supply(d, m, target))
            return;
        struct afe_state st;
        state_at(d, d->t, &st);
        if (!supply_at(d, &st, fail_v(m))) {
            /* the supply's power-fail warning: the meter saves and stops at this instant */
            mfw_meter_power_down(m, d->t);
            continue;
        }
        mfw_ms_t next = scenario_next_change(d->sc, d->t);
        if (next <= d->t || next > d->t + SIM_FAST_BLOCK_MAX_MS)
            next = d->t + SIM_FAST_BLOCK_MAX_MS;
        if (next > target)
            next = target;
        struct mfw_metrology_block b;
        afe_state_quantities(&st, d->phases, (double)(next - d->t) / 1000.0, &b);
        mfw_meter_block(m, &b);
        d->t = next;
        mfw_meter_tick(m, d->t);
    }
}

void sim_drive_advance(struct sim_drive *d, struct mfw_meter *m, mfw_ms_t target)
{
    if (d->fidelity == FIDELITY_FAST)
        advance_fast(d, m, target);
    else
        advance_sample(d, m, target);
}
